"""Rows 8 and 18: what the plugin costs a pytest run that doesn't use it.

Row 8 is the plugin module's import; row 18 a whole suite of plain tests, with the plugin loaded
against ``-p no:personalize``: the import, the configuration, and whatever a test pays per test.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks.harness import Benchmark, Row, Sizes, paired, pytest_seconds, subprocess_env, write_project

HEAVY_MODULES = ("boto3", "botocore", "vcr", "regex")


def _import_seconds(code: str) -> tuple[float, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True, check=True
    )
    seconds, heavy = result.stdout.strip().split("\n", 1) if "\n" in result.stdout.strip() else (result.stdout, "")
    return float(seconds), [name for name in heavy.split(",") if name]


def bench_import(sizes: Sizes) -> Row:
    """What loading the plugin costs every pytest run, used or not: its import, timed inside a fresh
    interpreter after pytest's (not a whole-process difference, which the noise would swamp),
    against pytest's own import. The heavy libraries must wait for a fixture."""
    ours_code = (
        "import sys, time, pytest\n"
        "start = time.perf_counter()\n"
        "import pytest_personalize.plugin\n"
        "print(time.perf_counter() - start)\n"
        f"print(','.join(name for name in {HEAVY_MODULES!r} if name in sys.modules))\n"
    )
    base_code = "import time\nstart = time.perf_counter()\nimport pytest\nprint(time.perf_counter() - start)\n"
    _import_seconds(ours_code)  # bytecode written once, before anything is timed
    heavy: set[str] = set()

    def ours() -> float:
        seconds, loaded = _import_seconds(ours_code)
        heavy.update(loaded)
        return seconds

    value, base, ratio = paired(ours, lambda: _import_seconds(base_code)[0], sizes.import_rounds)
    return Row(
        8,
        f"import of the plugin module, after pytest's (heavy modules loaded: {', '.join(sorted(heavy)) or 'none'})",
        "import of pytest itself",
        value,
        base,
        ratio,
        "s",
        "<= 0.1x and <= 3 ms, none of boto3, botocore, vcr, regex",
        ratio <= 0.1 and value <= 0.003 and not heavy,
    )


PLAIN_TEST = """
    def test_{i}():
        assert {i} + 1 > {i}
    """


# pytest-recording's autouse fixture costs a plain test more than the test itself: left loaded on
# both sides, it would hide what ours costs behind what it costs.
OTHERS = ("-p", "no:recording")


def bench_unused_suite(sizes: Sizes) -> Iterator[Row]:
    """A suite that uses nothing of the plugin, whole runs with it loaded against ``-p no:personalize``:
    in one file, and spread over 30 files (per-file hooks and conftest lookups count there)."""
    count = sizes.unused_suite
    with tempfile.TemporaryDirectory() as tmp:
        for files in (1, 30):
            project = write_project(Path(tmp) / f"files_{files}", PLAIN_TEST, count, files=files)
            pytest_seconds(project)  # bytecode written once, before anything is timed
            figures = paired(
                lambda project=project: pytest_seconds(project, *OTHERS),
                lambda project=project: pytest_seconds(project, *OTHERS, "-p", "no:personalize"),
                sizes.repeats * 2,
            )
            value, base, ratio = figures
            layout = "one file" if files == 1 else f"{files} files of {-(-count // files)}"
            yield Row(
                18,
                f"a {count:,}-test suite with no Personalize use, {layout}: the plugin loaded",
                "the same run with -p no:personalize (both: -p no:recording)",
                value,
                base,
                ratio,
                "s",
                "<= 1.02x",
                ratio <= 1.02,
            )


ROWS: dict[int, Benchmark] = {8: bench_import, 18: bench_unused_suite}
