"""What every benchmark row shares: the sizes, the measuring method (timing loops, paired rounds,
the median of the rounds' ratios), the table it prints, and the set-up the rows build on (the
fake and the loopback server without quotas, scratch directories, generated pytest projects run
in a subprocess).

Every figure is a ratio against a baseline measured in the same run, in back-to-back rounds
whose order alternates; the ratio reported is the median of the rounds' ratios. Absolute
times on a shared machine are noise, ratios much less so.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Row:
    number: int
    measured: str
    baseline: str
    value: float  # the measured side: median over the rounds
    base: float  # the baseline: median over the rounds
    ratio: float  # median of the rounds' ratios (value / base within each round)
    unit: str  # "s", or "B" (bytes)
    target: str
    met: bool | None  # None: a figure reported, with no target
    skipped: str = ""  # why the row couldn't be measured (a benchmark-only dependency missing)


@dataclass(frozen=True)
class Sizes:
    calls: int  # per round of the per-call rows: short rounds, so a busy moment spoils few
    rounds: int  # of the per-call rows
    repeats: int  # rounds of the heavier rows
    tests: int  # per generated project (row 7), and pipelines per round (row 11)
    cassette_small: int
    cassette_large: int
    scale_small: int  # resources in the region (row 12)
    scale_large: int
    vcrpy_rounds: int  # plain vcrpy's replay is quadratic: a minute a round at full size
    import_rounds: int  # row 8: a fresh interpreter per side and round, milliseconds measured in each
    unused_suite: int  # row 18: tests of the suite that uses nothing of the plugin
    strict_tests: int  # row 21: tests in the project measured...
    strict_few: int  # ...less the same project with this many (start-up, imports and the module's client)


FULL = Sizes(
    calls=300,
    rounds=25,
    repeats=5,
    tests=500,
    cassette_small=10,
    cassette_large=1000,
    scale_small=1000,
    scale_large=10000,
    vcrpy_rounds=3,
    import_rounds=20,
    unused_suite=3000,
    strict_tests=800,
    strict_few=10,
)
QUICK = Sizes(
    calls=20,
    rounds=1,
    repeats=1,
    tests=5,
    cassette_small=2,
    cassette_large=6,
    scale_small=200,
    scale_large=600,
    vcrpy_rounds=1,
    import_rounds=1,
    unused_suite=30,
    strict_tests=3,
    strict_few=1,
)

# What a row module offers run.py: its rows by number, each producing one line of the table or several.
Benchmark = Callable[[Sizes], Row | Iterator[Row]]


# --- measuring ---------------------------------------------------------------------------------


def per_call(action: Callable[[int], object], calls: int) -> float:
    """Seconds per call of ``action(i)`` over ``calls`` calls."""
    start = time.perf_counter()
    for i in range(calls):
        action(i)
    return (time.perf_counter() - start) / calls


def paired(first: Callable[[], float], second: Callable[[], float], rounds: int) -> tuple[float, float, float]:
    """Back-to-back rounds of both sides, the order alternating: (median first, median second, median ratio).

    A ratio is taken within each round, so a busy moment that slows one round slows both sides;
    the median of those ratios, not the best of each side, is what a row reports.
    """
    firsts, seconds, ratios = [], [], []
    for index in range(max(rounds, 1)):
        if index % 2:
            b = second()
            a = first()
        else:
            a = first()
            b = second()
        firsts.append(a)
        seconds.append(b)
        ratios.append(a / b if b else float("inf"))
    return statistics.median(firsts), statistics.median(seconds), statistics.median(ratios)


def ratio_row(
    number: int, measured: str, baseline: str, figures: tuple[float, float, float], target: str, limit: float
) -> Row:
    """A row whose target is ``ratio <= limit``."""
    value, base, ratio = figures
    return Row(number, measured, baseline, value, base, ratio, "s", target, ratio <= limit)


# --- what the rows are measured on -----------------------------------------------------------------

SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
        "version": "1.0",
    }
)
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:personalize:{REGION}:{ACCOUNT}:{kind}/{name}"


def no_quotas() -> dict[str, int | None]:
    """Every quota lifted: the rows measure calls, not the documented limits."""
    from pytest_personalize.emulator.backend import DEFAULT_QUOTAS

    return dict.fromkeys(DEFAULT_QUOTAS, None)


def fake() -> Any:
    """A fresh fake, quotas lifted, as a test gets one (not yet active)."""
    from pytest_personalize import PersonalizeFake

    return PersonalizeFake(quotas=no_quotas())


def server() -> Any:
    """The loopback server (not yet started), instant lifecycle, quotas lifted."""
    from pytest_personalize import PersonalizeServer
    from pytest_personalize.emulator.backend import Backend, Lifecycle

    return PersonalizeServer(Backend(lifecycle=Lifecycle("instant"), quotas=no_quotas()))


def scratch_directory() -> Path:
    """A directory of the run's own, removed when the run ends."""
    directory = Path(tempfile.mkdtemp(prefix="pytest-personalize-bench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


# --- generated pytest projects, run in a subprocess ------------------------------------------

_CACHE = scratch_directory()


def subprocess_env() -> dict[str, str]:
    # Bytecode cached as an installed package has it (the shell may forbid writing it), in a
    # directory of the run's own; the suite's options stay out of the projects' runs.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(_CACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def pytest_seconds(project: Path, *args: str) -> float:
    """Seconds for ``pytest -q`` in ``project``, in a process of its own."""
    env = {**subprocess_env(), "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:hypothesispytest"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args], cwd=project, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 5):
        raise RuntimeError(f"pytest failed in {project}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


def write_project(directory: Path, body: str, count: int, prelude: str = "", files: int = 1) -> Path:
    """A project of ``count`` tests, each ``body`` formatted with its number ``i``, after ``prelude``,
    in one file (``test_many.py``) or spread evenly over ``files`` of them."""
    directory.mkdir(parents=True)
    (directory / "pytest.ini").write_text("[pytest]\n")
    tests = [textwrap.dedent(body).format(i=i) for i in range(count)]
    if files == 1:
        (directory / "test_many.py").write_text(prelude + "\n".join(tests))
        return directory
    share = -(-count // files)
    for index in range(files):
        (directory / f"test_part_{index}.py").write_text(
            prelude + "\n".join(tests[index * share : (index + 1) * share])
        )
    return directory


# --- the table ---------------------------------------------------------------------------------


def _figure(value: float, unit: str, scale: tuple[float, str]) -> str:
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value * scale[0]:.1f} {scale[1]}"


def table(rows: list[Row]) -> str:
    """The rows as the Markdown table benchmarks/README.md shows."""
    lines = [
        "| # | measured | baseline in the same run | measured value | baseline value | median ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row.skipped:
            lines.append(
                f"| {row.number} | {row.measured} | {row.baseline} | - | - | - | {row.target} | skipped: {row.skipped} |"
            )
            continue
        scale = (1e6, "µs") if max(row.value, row.base) < 0.01 else (1e3, "ms")
        met = "-" if row.met is None else ("yes" if row.met else "NO")
        lines.append(
            f"| {row.number} | {row.measured} | {row.baseline} | {_figure(row.value, row.unit, scale)} | "
            f"{_figure(row.base, row.unit, scale)} | {row.ratio:.2f}x | {row.target} | {met} |"
        )
    return "\n".join(lines)


def _versions() -> str:
    from importlib.metadata import version

    packages = ["pytest-personalize", "pytest", "botocore", "boto3", "vcrpy", "moto"]
    found = []
    for name in packages:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what nproc counts
    except AttributeError:
        return os.cpu_count() or 1


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    """Where and with what the figures were taken: the line above the table."""
    return (
        f"{time.strftime('%Y-%m-%d')}, {platform.system()} {platform.machine()}, {_cpu()}, "
        f"{_cores()} cores (nproc), load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, {_versions()}"
    )
