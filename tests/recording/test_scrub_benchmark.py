"""benchmarks/scrub_cost.py keeps running: a smoke run at small sizes (its figures mean nothing here).

No time is looked at, and the target's verdict isn't either: a busy machine decides it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "scrub_cost.py"

pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="benchmarks/ is not shipped in the sdist")


def test_the_scrub_cost_script_prints_a_row_per_body_and_size_and_each_ratio() -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode in (0, 1), result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "ns" not in line]
    assert [row.split("|")[1].strip() for row in rows] == ["realistic_body"] * 3 + ["folded_run_body"] * 3
    assert result.stdout.count("cost per byte at 100,") == 2 and result.stdout.count("target <= 1.5x") == 2
