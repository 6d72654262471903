"""Fixtures shared by the plugin's own tests: the network guard every test runs under, lean
pytester runs, retry sleeps recorded, the loopback ``server``, the downstream ``project`` that
record-and-replay tests run (its helpers are in ``tests/cassette_helpers.py``), and ``aws_cli``."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_personalize import PersonalizeServer


def create_dataset_group_member(name: str) -> Any:
    from pytest_personalize.model import spec as _spec

    return _spec.operation_model("CreateDatasetGroup").input_shape.members[name]


@pytest.fixture
def name_limits() -> tuple[int, int]:
    """CreateDatasetGroup's name length limits, as the installed model states them."""
    metadata = create_dataset_group_member("name").metadata
    return metadata["min"], metadata["max"]


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """The whole suite runs under the network guard: a non-loopback connection fails the test (SECURITY.md)."""
    from tests.network_guard import loopback_only

    with loopback_only():
        yield


@pytest.fixture(autouse=True)
def _lean_pytester(request: pytest.FixtureRequest) -> None:
    """Runs under pytester skip hypothesis's plugin, which re-imports hypothesis (1-2 s) each run."""
    if "pytester" in request.fixturenames:
        # pytester clears PYTEST_ADDOPTS when it is made, so make it first.
        request.getfixturevalue("pytester")
        request.getfixturevalue("monkeypatch").setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry back-off, recorded instead of slept: retries take no time in a test."""
    import types

    import botocore.endpoint

    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=slept.append))
    return slept


@pytest.fixture
def server() -> Iterator[PersonalizeServer]:
    """The loopback server, with room for every dataset group a test makes: quotas are tested on their own."""
    from pytest_personalize import Backend, PersonalizeServer

    with PersonalizeServer(Backend(dataset_group_quota=100_000)) as running:
        yield running


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A downstream project for record and replay: a conftest that starts each run afresh and refuses
    the network on demand (``tests/cassette_helpers.py``), and nothing of the machine's AWS set-up."""
    from tests.cassette_helpers import MACHINE_VARIABLES, NO_NETWORK_CONFTEST

    pytester.makeconftest(NO_NETWORK_CONFTEST)
    pytester.syspathinsert()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in MACHINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return pytester


@functools.cache
def _aws_cli_problem() -> str | None:
    # A pyenv shim can stand on PATH for a CLI that no installed Python has. Asked once per process.
    if shutil.which("aws") is None:
        return "the AWS CLI is not installed"
    try:
        runs = subprocess.run(["aws", "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        runs = False
    return None if runs else "the AWS CLI on PATH doesn't run"


@pytest.fixture
def aws_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The AWS CLI against a loopback endpoint: ``aws_cli(endpoint_url, "personalize", "list-dataset-groups")``.

    Fake credentials, us-east-1 and JSON output, and nothing of the machine's set-up (no config or
    credentials file, no instance metadata). Skips the test unless the CLI runs here.
    """
    problem = _aws_cli_problem()
    if problem:
        pytest.skip(problem)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }

    def run(endpoint_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        command = ["aws", *arguments, "--endpoint-url", endpoint_url, "--output", "json"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    return run
