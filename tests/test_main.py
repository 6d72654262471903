"""`python -m pytest_personalize`: bad arguments get a clear error, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_personalize import UsageError
from pytest_personalize.emulator.backend import Backend


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "70000"], "'70000' is not a port"),
        (["--port", "http"], "'http' is not a whole number"),
        (["--quota", "-1"], "'-1' is negative"),
    ],
)
def test_bad_serve_arguments_are_usage_errors(arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("quota", [-1, 2.5, True, "5"])
def test_a_backend_quota_must_be_a_whole_number(quota: object) -> None:
    with pytest.raises(UsageError, match="dataset_group_quota must be a whole number"):
        Backend(dataset_group_quota=quota)  # type: ignore[arg-type]
