"""Row 8: what loading the plugin costs every pytest run, used or not."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.harness import Benchmark, Row, Sizes, paired, subprocess_env

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
        "<= 0.1x, none of boto3, botocore, vcr, regex",
        ratio <= 0.1 and not heavy,
    )


ROWS: dict[int, Benchmark] = {8: bench_import}
