"""pytest_personalize._constants: read while pytest loads the plugin, so it must cost nothing to import."""

from __future__ import annotations

import ast
from pathlib import Path

from pytest_personalize import _constants


def test_the_constants_module_imports_nothing() -> None:
    tree = ast.parse(Path(_constants.__file__).read_text(encoding="utf-8"))
    imports = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert imports == []


def test_the_region_default_is_a_region_botocore_knows() -> None:
    from pytest_personalize.model import spec as _spec

    assert _spec.partition_for_region(_constants.DEFAULT_REGION) == "aws"
    assert _constants.DEFAULT_REGION in _spec.botocore_session().get_available_regions("personalize")
