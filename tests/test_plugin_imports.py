"""Installing the plugin costs a project that doesn't use it no heavy import.

pytest loads the plugin in every run. Until a test asks for a Personalize fixture, boto3,
botocore, vcrpy and regex stay unimported, and so does the plugin's own model of the service: checked in a fresh interpreter (a subprocess), since
this suite's own process has them loaded already. What the import costs in time is measured in
benchmarks/ (row 8), as a ratio.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

HEAVY = ("boto3", "botocore", "vcr", "regex")

CONFTEST = f"""
import json
import sys


def pytest_sessionfinish(session):
    loaded = sorted(name for name in {HEAVY!r} if name in sys.modules)
    plugin = "pytest_personalize.plugin" in sys.modules
    # The service's model (its rules, its spec) is ours but heavy too: it waits for a fixture.
    model = sorted(name for name in sys.modules if name.startswith("pytest_personalize.model."))
    with open("modules.json", "w") as handle:
        json.dump({{"heavy": loaded, "plugin": plugin, "model": model}}, handle)
"""


def loaded_after(pytester: pytest.Pytester, test: str) -> dict[str, object]:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test)
    # Every installed plugin loads, as in a downstream project's run, except pytest-recording:
    # before 0.14 it imports vcrpy itself when pytest loads it, which is its cost, not ours.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:recording")
    result.assert_outcomes(passed=1)
    return dict(json.loads((pytester.path / "modules.json").read_text()))


def test_a_run_without_personalize_fixtures_imports_none_of_the_heavy_libraries(pytester: pytest.Pytester) -> None:
    loaded = loaded_after(pytester, "def test_plain():\n    assert 1 + 1 == 2\n")

    assert loaded == {"heavy": [], "plugin": True, "model": ["pytest_personalize.model.errors"]}


def test_a_fixture_that_needs_them_imports_them(pytester: pytest.Pytester) -> None:
    # The same check sees the libraries when a fixture does load them: it can fail.
    loaded = loaded_after(pytester, "def test_stubbed(personalize_stubber):\n    pass\n")

    assert "botocore" in loaded["heavy"]  # type: ignore[operator]
    assert "pytest_personalize.model.spec" in loaded["model"]  # type: ignore[operator]
