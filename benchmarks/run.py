"""Benchmarks of pytest-personalize against the tools users would otherwise pick.

Every figure is a ratio against a baseline measured in the same run: absolute times on a shared
machine are noise, ratios much less so. Run ``python benchmarks/run.py`` (``--quick`` for tiny
sizes, as the test suite's smoke run does; ``--only N`` for one row).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    number: int
    measured: str
    baseline: str
    value: float
    base: float
    unit: str
    target: str
    met: bool

    @property
    def ratio(self) -> float:
        return self.value / self.base if self.base else float("inf")


@dataclass(frozen=True)
class Sizes:
    calls: int
    repeats: int
    tests: int
    cassette_small: int
    cassette_large: int


FULL = Sizes(calls=2000, repeats=5, tests=500, cassette_small=10, cassette_large=1000)
QUICK = Sizes(calls=20, repeats=1, tests=5, cassette_small=2, cassette_large=6)


def per_call(action: Callable[[], object], calls: int, repeats: int) -> float:
    """Seconds per call of ``action``: the best of ``repeats`` means over ``calls`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def interleaved(first: Callable[[], float], second: Callable[[], float], repeats: int) -> tuple[float, float]:
    """The best of each of two measurements taken in turn, so load on the machine hits both alike."""
    a, b = [], []
    for _ in range(max(repeats, 1)):
        a.append(first())
        b.append(second())
    return min(a), min(b)


# --- 1: the stubber against a hand-written Stubber response ---------------------------------


def bench_stubber(sizes: Sizes) -> Row:
    from botocore.stub import Stubber

    from pytest_personalize import PersonalizeStubber
    from pytest_personalize._clients import make_client

    ours_client, raw_client = make_client("us-east-1"), make_client("us-east-1")
    ours = PersonalizeStubber(ours_client)
    raw = Stubber(raw_client)
    ours.activate()
    raw.activate()
    arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"

    def ours_call() -> None:
        ours.add_response("create_dataset_group", {"name": "shop"})
        ours_client.create_dataset_group(name="shop")

    def raw_call() -> None:
        raw.add_response("create_dataset_group", {"datasetGroupArn": arn}, {"name": "shop"})
        raw_client.create_dataset_group(name="shop")

    value, base = interleaved(
        lambda: per_call(ours_call, sizes.calls, 1), lambda: per_call(raw_call, sizes.calls, 1), sizes.repeats
    )
    return Row(
        1,
        "personalize_stubber CreateDatasetGroup call",
        "raw botocore Stubber call",
        value,
        base,
        "s",
        "<= 1.25x",
        value / base <= 1.25,
    )


# --- 7 and 8: whole pytest runs -------------------------------------------------------------


def _pytest_seconds(project: Path, *args: str) -> float:
    env = {**os.environ, "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:hypothesispytest"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args], cwd=project, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 5):
        raise RuntimeError(f"pytest failed in {project}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


FIXTURE_TESTS = {
    "personalize_stubber": """
        def test_{i}(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", {{"name": "g{i}"}})
            personalize_client.create_dataset_group(name="g{i}")
        """,
    "naive": """
        def test_{i}():
            import boto3
            from botocore.stub import Stubber
            client = boto3.session.Session().client(
                "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
            )
            with Stubber(client) as stubber:
                stubber.add_response("create_dataset_group", {{"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/g{i}"}})
                client.create_dataset_group(name="g{i}")
        """,
    "empty": """
        def test_{i}():
            pass
        """,
}


def _write_project(directory: Path, body: str, count: int) -> Path:
    directory.mkdir(parents=True)
    (directory / "pytest.ini").write_text("[pytest]\n")
    source = "\n".join(textwrap.dedent(body).format(i=i) for i in range(count))
    (directory / "test_many.py").write_text(source)
    return directory


def bench_fixture_overhead(sizes: Sizes, extra: dict[str, str] | None = None) -> Iterator[Row]:
    """Per-test cost of each fixture in a real pytest run, against a naive boto3 test."""
    bodies = {**FIXTURE_TESTS, **(extra or {})}
    with tempfile.TemporaryDirectory() as tmp:
        projects = {name: _write_project(Path(tmp) / name, body, sizes.tests) for name, body in bodies.items()}
        seconds: dict[str, list[float]] = {name: [] for name in projects}
        for _ in range(max(sizes.repeats // 2, 1)):
            for name, project in projects.items():
                seconds[name].append(_pytest_seconds(project))
    best = {name: min(values) for name, values in seconds.items()}
    naive = (best["naive"] - best["empty"]) / sizes.tests
    for name in projects:
        if name in ("naive", "empty"):
            continue
        cost = max((best[name] - best["empty"]) / sizes.tests, 0.0)
        met = cost <= 0.010 and cost * 10 <= naive
        yield Row(
            7,
            f"per-test overhead of {name}",
            "naive boto3 session + client per test",
            cost,
            naive,
            "s",
            "<= 10 ms and >= 10x less",
            met,
        )


def bench_collection(sizes: Sizes) -> Row:
    """What installing the plugin costs a project with no Personalize tests."""
    with tempfile.TemporaryDirectory() as tmp:
        project = _write_project(Path(tmp) / "plain", FIXTURE_TESTS["empty"], max(sizes.tests // 5, 1))
        with_plugin, without = interleaved(
            lambda: _pytest_seconds(project, "--collect-only"),
            lambda: _pytest_seconds(project, "--collect-only", "-p", "no:personalize"),
            max(sizes.repeats * 2, 1),
        )
    more = with_plugin - without
    return Row(
        8,
        "pytest --collect-only, plugin installed",
        "the same with -p no:personalize",
        with_plugin,
        without,
        "s",
        "<= 20 ms more",
        more <= 0.020,
    )


BENCHMARKS: dict[int, Callable[[Sizes], Row | Iterator[Row]]] = {
    1: bench_stubber,
    7: bench_fixture_overhead,
    8: bench_collection,
}


def _format(rows: list[Row]) -> str:
    lines = [
        "| # | measured | baseline in the same run | measured value | baseline value | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        scale, unit = (1e6, "µs") if max(row.value, row.base) < 0.01 else (1e3, "ms")
        lines.append(
            f"| {row.number} | {row.measured} | {row.baseline} | {row.value * scale:.1f} {unit} | "
            f"{row.base * scale:.1f} {unit} | {row.ratio:.2f}x | {row.target} | {'yes' if row.met else 'NO'} |"
        )
    return "\n".join(lines)


def _versions() -> str:
    from importlib.metadata import version

    packages = ["pytest", "botocore", "boto3", "vcrpy", "moto"]
    found = []
    for name in packages:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement")
    parser.add_argument(
        "--only", type=int, action="append", choices=sorted(BENCHMARKS), help="run only this row (repeatable)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    rows: list[Row] = []
    for number in args.only or sorted(BENCHMARKS):
        produced = BENCHMARKS[number](sizes)
        rows.extend([produced] if isinstance(produced, Row) else list(produced))
    print(
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {_versions()}"
    )
    print(_format(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
