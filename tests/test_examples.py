"""The examples/ suite is the README's main job: it must pass as a downstream project runs it,
in its own process, and reach nothing beyond loopback while it does (SECURITY.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import network_guard

TESTS = Path(__file__).resolve().parent
EXAMPLES = TESTS.parent / "examples"


def test_the_examples_suite_passes_offline_under_the_network_guard(tmp_path: Path) -> None:
    # One run of the suite (its replay tests included) serves both promises: it passes, and the
    # guard, loaded as a plugin and logging any attempt, saw no connection beyond loopback.
    log = tmp_path / "refused.log"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
        network_guard.LOG_VARIABLE: str(log),
    }
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_PERSONALIZE", "AWS_PROFILE", "PYTEST_ADDOPTS"):
        environment.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "network_guard", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=EXAMPLES,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " passed" in result.stdout
    assert re.search(r"\b\d+ passed", output), output
    assert "network guard: loopback only" in output
    assert "test_replay.py" in output
    assert not log.exists() or not log.read_text(), log.read_text()
