"""The benchmark script keeps running: a smoke run at tiny sizes (benchmarks are not tests).

Nothing here looks at a time: the figures of a smoke run mean nothing, and wall-clock
assertions fail on a busy CI machine. What is checked is that every row of the table
is produced and the script exits cleanly, with or without the benchmark-only dependencies.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
ROWS = range(1, 22)
# Rows 7 and 21: each fixture against the careful hand-written test.
FIXTURES = ("personalize_stubber", "personalize_fake", "personalize_cassette")

pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="benchmarks/ is not shipped in the sdist")


def run(*args: str, hide_moto: bool = False) -> subprocess.CompletedProcess[str]:
    # Run as a script, as a user would; hiding moto makes its import fail as in a venv without it.
    prelude = "import sys; sys.modules['moto'] = None; " if hide_moto else ""
    code = f"{prelude}import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)  # the suite's own options must not leak into the runs it makes
    return subprocess.run(
        [sys.executable, "-c", code, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=600
    )


def table_rows(stdout: str) -> dict[int, list[list[str]]]:
    rows: dict[int, list[list[str]]] = {}
    for line in stdout.splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|", line)
        if match:
            rows.setdefault(int(match.group(1)), []).append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_quick_run_prints_every_row() -> None:
    result = run("--quick")

    assert result.returncode == 0, result.stdout + result.stderr
    rows = table_rows(result.stdout)
    assert sorted(rows) == list(ROWS)
    for number in (7, 21):
        measured = [cells[1] for cells in rows[number]]
        assert len(measured) == len(FIXTURES)
        for fixture, line in zip(FIXTURES, measured, strict=True):
            assert fixture in line
    assert all(len(cells) == 8 for cells_of_row in rows.values() for cells in cells_of_row)
    # Every emulated operation of the representative set, each against the floor.
    assert {cells[1] for cells in rows[2]} >= {
        f"personalize_fake {verb}{noun} call"
        for verb in ("Create", "Describe", "Delete")
        for noun in ("DatasetGroup", "Schema", "Solution")
    }
    # Every figure is a median ratio of paired rounds; a row without a target says so. At these
    # sizes a per-test cost taken as a difference of two runs can be lost in the runs' noise and
    # measure as nothing, which makes a ratio against it infinite.
    assert all(re.fullmatch(r"(\d+\.\d\d|inf)x", cells[5]) for cells_of_row in rows.values() for cells in cells_of_row)
    assert all(cells[-1] in ("yes", "NO", "-") for cells_of_row in rows.values() for cells in cells_of_row)
    # The header line says where and with what the figures were taken.
    header = result.stdout.splitlines()[0]
    for part in ("Python", "cores (nproc)", "pytest-personalize", "botocore"):
        assert part in header


def test_the_moto_rows_are_skipped_without_moto() -> None:
    result = run("--quick", "--only", "3", hide_moto=True)

    assert result.returncode == 0, result.stdout + result.stderr
    rows = table_rows(result.stdout)[3]
    assert [cells[1] for cells in rows] == [
        "personalize_fake CreateSchema call",
        "personalize_fake DescribeSchema call",
        "personalize_fake ListSchemas call",
    ]
    assert all(cells[-1] == "skipped: moto not installed" for cells in rows)
