"""Benchmarks of pytest-personalize against the tools users would otherwise pick.

Every figure is a ratio against a baseline measured in the same run: absolute times on a shared
machine are noise, ratios much less so. Run ``python benchmarks/run.py`` (``--quick`` for tiny
sizes, as the test suite's smoke run does; ``--only N`` for one row).
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import os
import platform
import re
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
    skipped: str = ""  # why the row couldn't be measured (a benchmark-only dependency missing)
    median_ratio: float | None = None  # from paired rounds, where the row measures them

    @property
    def ratio(self) -> float:
        if self.median_ratio is not None:
            return self.median_ratio
        return self.value / self.base if self.base else float("inf")


@dataclass(frozen=True)
class Sizes:
    calls: int  # per round of the per-call rows (1-3): short rounds, so a busy moment spoils few
    rounds: int  # of those rows: each figure is the best round
    repeats: int  # of the heavier rows (4-8)
    tests: int
    cassette_small: int
    cassette_large: int


FULL = Sizes(calls=300, rounds=25, repeats=5, tests=500, cassette_small=10, cassette_large=1000)
QUICK = Sizes(calls=20, rounds=1, repeats=1, tests=5, cassette_small=2, cassette_large=6)


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


def paired(first: Callable[[], float], second: Callable[[], float], rounds: int) -> tuple[float, float, float]:
    """Back-to-back rounds of both sides, the order alternating: (median first, median second, median ratio).

    A ratio is taken within each round, so a busy moment that slows one round slows both sides;
    the median of those ratios, not the best of each side, is what the row reports.
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
        ratios.append(a / b)
    return statistics.median(firsts), statistics.median(seconds), statistics.median(ratios)


def bench_stubber(sizes: Sizes) -> Row:
    """A distinct request every call, so neither side answers from a cache of the last one.

    The baseline is what a careful user writes by hand: a raw Stubber response with the ARN and
    the expected parameters of that call. Ours queues the template and checks the request sent.
    """
    from botocore.stub import Stubber

    from pytest_personalize import PersonalizeStubber
    from pytest_personalize._clients import make_client

    ours_client, raw_client = make_client("us-east-1"), make_client("us-east-1")
    ours = PersonalizeStubber(ours_client)
    raw = Stubber(raw_client)
    ours.activate()
    raw.activate()
    counter = itertools.count()

    def ours_call() -> None:
        name = f"shop-{next(counter)}"
        ours.add_response("create_dataset_group")
        ours_client.create_dataset_group(name=name, tags=[{"tagKey": "team", "tagValue": name}])

    def raw_call() -> None:
        name = f"shop-{next(counter)}"
        params = {"name": name, "tags": [{"tagKey": "team", "tagValue": name}]}
        arn = f"arn:aws:personalize:us-east-1:123456789012:dataset-group/{name}"
        raw.add_response("create_dataset_group", {"datasetGroupArn": arn}, params)
        raw_client.create_dataset_group(**params)

    value, base, ratio = paired(
        lambda: per_call(ours_call, sizes.calls, 1), lambda: per_call(raw_call, sizes.calls, 1), sizes.rounds
    )
    return Row(
        1,
        "personalize_stubber CreateDatasetGroup call, a distinct request each",
        "raw botocore Stubber call with its ARN and expected_params",
        value,
        base,
        "s",
        "<= 1.25x",
        ratio <= 1.25,
        median_ratio=ratio,
    )


# --- 2 and 3: the in-process fake -----------------------------------------------------------

REGION = "us-east-1"
GROUP_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset-group/{name}"


def bench_fake_floor(sizes: Sizes) -> Row:
    """The fake against the floor for any HTTP-layer fake: a handler returning constant bytes."""
    from botocore.awsrequest import AWSResponse

    from pytest_personalize import PersonalizeFake
    from pytest_personalize._clients import make_client

    body = b'{"datasetGroupArn":"arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"}'
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "0" * 32}

    class _Raw:
        def __init__(self) -> None:
            self.body = body

        def stream(self, **kwargs: object) -> Iterator[bytes]:
            yield self.body

        def read(self, amt: int | None = None) -> bytes:
            data, self.body = self.body, b""
            return data

    def constant(request: object, **kwargs: object) -> AWSResponse:
        return AWSResponse("https://personalize.us-east-1.amazonaws.com/", 200, headers, _Raw())

    floor_client = make_client(REGION)
    floor_client.meta.events.register("before-send.personalize", constant)
    fake_client = make_client(REGION)
    counter = iter(range(10**9))

    def ours() -> float:
        # A fresh fake per measurement (names unique, quota out of the way): what a test sees.
        with PersonalizeFake(dataset_group_quota=10**9) as fake:
            fake.attach(fake_client)
            return per_call(lambda: fake_client.create_dataset_group(name=f"g{next(counter)}"), sizes.calls, 1)

    value, base = interleaved(
        ours, lambda: per_call(lambda: floor_client.create_dataset_group(name="shop"), sizes.calls, 1), sizes.rounds
    )
    return Row(
        2,
        "personalize_fake CreateDatasetGroup call",
        "bare botocore before-send handler, constant response",
        value,
        base,
        "s",
        "<= 1.5x",
        value / base <= 1.5,
    )


def bench_runtime_floor(sizes: Sizes) -> Row:
    """A GetRecommendations call through the fake against the same floor: constant bytes at before-send.

    The fake's side finds the campaign, works out its recipe's needs, picks the declared rule and
    scores it; each call asks for another user (the default rule answers), so nothing is cached.
    """
    from botocore.awsrequest import AWSResponse

    from pytest_personalize import PersonalizeFake
    from pytest_personalize._clients import make_client

    body = b'{"itemList":[{"itemId":"i3","score":0.6667},{"itemId":"i1","score":0.3333}],"recommendationId":"RID-1"}'
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": "0" * 32}

    class _Raw:
        def __init__(self) -> None:
            self.body = body

        def stream(self, **kwargs: object) -> Iterator[bytes]:
            yield self.body

        def read(self, amt: int | None = None) -> bytes:
            data, self.body = self.body, b""
            return data

    def constant(request: object, **kwargs: object) -> AWSResponse:
        return AWSResponse("https://personalize-runtime.us-east-1.amazonaws.com/recommendations", 200, headers, _Raw())

    campaign = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"
    floor_client = make_client(REGION, "personalize-runtime")
    floor_client.meta.events.register("before-send.personalize-runtime", constant)
    fake_client = make_client(REGION, "personalize-runtime")
    counter = iter(range(10**9))

    def ours() -> float:
        with PersonalizeFake() as fake:
            fake.attach(fake_client)
            fake.declare(fake.deploy_campaign("shop-recs"), items=["i3", "i1"])
            return per_call(
                lambda: fake_client.get_recommendations(campaignArn=campaign, userId=f"u{next(counter)}"),
                sizes.calls,
                1,
            )

    def floor() -> float:
        return per_call(
            lambda: floor_client.get_recommendations(campaignArn=campaign, userId=f"u{next(counter)}"), sizes.calls, 1
        )

    value, base, ratio = paired(ours, floor, sizes.rounds)
    return Row(
        11,
        "personalize_fake GetRecommendations call (personalize-runtime), another user each",
        "bare botocore before-send handler, constant response",
        value,
        base,
        "s",
        "<= 1.5x",
        ratio <= 1.5,
        median_ratio=ratio,
    )


def _moto_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("moto") is not None
    except (ImportError, ValueError):  # a moto whose import is blocked (sys.modules entry of None)
        return False


def bench_fake_vs_moto(sizes: Sizes) -> Row:
    """The fake against moto on a list call each emulates (moto has no dataset groups; we have no schemas)."""
    measured = "personalize_fake ListDatasetGroups call"
    baseline = "moto mock_aws ListSchemas call"
    if not _moto_available():
        return Row(3, measured, baseline, 0.0, 0.0, "s", ">= 2x faster", False, skipped="moto not installed")

    from pytest_personalize import PersonalizeFake
    from pytest_personalize._clients import make_client

    fake_client = make_client(REGION)  # made before moto is imported: moto adds a handler to every session after

    import boto3
    from moto import mock_aws

    def ours() -> float:
        with PersonalizeFake() as fake:
            fake.attach(fake_client)
            return per_call(fake_client.list_dataset_groups, sizes.calls, 1)

    def moto() -> float:
        with mock_aws():
            client = boto3.session.Session().client(
                "personalize", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
            )
            return per_call(client.list_schemas, sizes.calls, 1)

    value, base = interleaved(ours, moto, sizes.rounds)
    return Row(3, measured, baseline, value, base, "s", ">= 2x faster", value * 2 <= base)


# --- 4, 5 and 6: cassettes ----------------------------------------------------------------


def _traffic(client: Any, i: int) -> None:
    """Call ``i`` of a recording: distinct requests that leave the server's state small.

    Create and delete alternate under the instant lifecycle, so every request is different and
    the server never holds more than one group: the figure is the recorder's, not the backend's.
    """
    name = f"g{i // 2}"
    if i % 2 == 0:
        client.create_dataset_group(name=name)
    else:
        client.delete_dataset_group(datasetGroupArn=GROUP_ARN.format(name=name))


def _server() -> Any:
    from pytest_personalize import PersonalizeServer
    from pytest_personalize.emulator.backend import Backend, Lifecycle

    return PersonalizeServer(Backend(lifecycle=Lifecycle("instant"), dataset_group_quota=10**9))


def _record(path: Path, calls: int, endpoint_url: str) -> float:
    """Record ``calls`` calls into a new cassette at ``path``; seconds for the whole session, save included."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    client = make_client(REGION, endpoint_url=endpoint_url)  # no request yet: its connection pool comes later
    start = time.perf_counter()
    with use_cassette(path, "all"):
        for i in range(calls):
            _traffic(client, i)
    return time.perf_counter() - start


def _replay_calls(path: Path, calls: int, endpoint_url: str, plain_vcr: Any = None) -> float:
    """Seconds spent in calls 2..``calls`` replayed from ``path`` (the first opens the connection: untimed)."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    context = use_cassette(path, "none") if plain_vcr is None else plain_vcr.use_cassette(str(path))
    with context:
        client = make_client(REGION, endpoint_url=endpoint_url)
        _traffic(client, 0)
        start = time.perf_counter()
        for i in range(1, calls):
            _traffic(client, i)
        return time.perf_counter() - start


def _replay_per_call(path: Path, size: int, total: int, endpoint_url: str, plain_vcr: Any = None) -> float:
    """Per call, replaying the ``size``-call cassette as often as it takes to make ``total`` calls."""
    blocks = max(total // size, 1)
    seconds = sum(_replay_calls(path, size, endpoint_url, plain_vcr) for _ in range(blocks))
    return seconds / (blocks * (size - 1))


class _Cassettes:
    """The cassettes rows 4 and 5 replay, recorded once against the loopback server."""

    def __init__(self, directory: Path, sizes: Sizes) -> None:
        self.directory = directory
        with _server() as server:
            self.endpoint_url = server.endpoint_url
            self.small, self.large = directory / "small.yaml", directory / "large.yaml"
            _record(self.small, sizes.cassette_small, self.endpoint_url)
            _record(self.large, sizes.cassette_large, self.endpoint_url)
            self.plain = directory / "plain.yaml"
            # vcrpy records in "all" mode without matchers (with them, each recorded call scans the
            # whole cassette); the matchers under test are the replaying VCR's.
            import vcr

            from pytest_personalize._clients import make_client

            with vcr.VCR(record_mode="all", match_on=()).use_cassette(str(self.plain)):
                client = make_client(REGION, endpoint_url=self.endpoint_url)
                for i in range(sizes.cassette_large):
                    _traffic(client, i)


_recorded: dict[Sizes, _Cassettes] = {}


def _cassettes(sizes: Sizes) -> _Cassettes:
    if sizes not in _recorded:
        directory = Path(tempfile.mkdtemp(prefix="pytest-personalize-bench-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        _recorded[sizes] = _Cassettes(directory, sizes)
    return _recorded[sizes]


def bench_replay_flat(sizes: Sizes) -> Row:
    cassettes = _cassettes(sizes)
    total = sizes.cassette_large

    value, base = interleaved(
        lambda: _replay_per_call(cassettes.large, sizes.cassette_large, total, cassettes.endpoint_url),
        lambda: _replay_per_call(cassettes.small, sizes.cassette_small, total, cassettes.endpoint_url),
        sizes.repeats,
    )
    return Row(
        4,
        f"replay per call, {sizes.cassette_large}-interaction cassette",
        f"replay per call, {sizes.cassette_small}-interaction cassette",
        value,
        base,
        "s",
        "<= 1.2x",
        value / base <= 1.2,
    )


def bench_replay_vs_vcrpy(sizes: Sizes) -> Row:
    import vcr

    cassettes = _cassettes(sizes)
    plain = vcr.VCR(record_mode="none", match_on=("method", "uri", "body"))
    size = sizes.cassette_large

    value = min(_replay_per_call(cassettes.large, size, size, cassettes.endpoint_url) for _ in range(sizes.repeats))
    # vcrpy compares each request with every recorded one: a minute a round at full size, so one.
    base = _replay_per_call(cassettes.plain, size, size, cassettes.endpoint_url, plain)
    return Row(
        5,
        f"replay per call, {size}-interaction cassette",
        "plain vcrpy, match_on=(method, uri, body)",
        value,
        base,
        "s",
        ">= 20x faster",
        value * 20 <= base,
    )


def bench_record_linear(sizes: Sizes) -> Row:
    large, small = sizes.cassette_large, sizes.cassette_small
    with tempfile.TemporaryDirectory() as tmp, _server() as server:
        paths = iter(Path(tmp) / f"{n}.yaml" for n in range(10**9))

        def record_per_call(size: int) -> float:
            blocks = max(large // size, 1)
            return sum(_record(next(paths), size, server.endpoint_url) for _ in range(blocks)) / (blocks * size)

        value, base = interleaved(lambda: record_per_call(large), lambda: record_per_call(small), sizes.repeats)
    return Row(
        6,
        f"recording {large} calls (loopback server), per call",
        f"recording {small} calls, per call",
        value,
        base,
        "s",
        "<= 1.5x",
        value / base <= 1.5,
    )


# --- 9 and 10: threads sharing one client ----------------------------------------------------

THREADS = 8


def _threaded(client: Any, calls: int, threads: int) -> float:
    """Seconds for ``calls`` calls of ``_traffic`` spread over ``threads`` threads sharing ``client``.

    Each thread takes whole create/delete pairs, so no thread deletes a group another hasn't made yet.
    """
    import threading

    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for pair in range(t, calls // 2, threads):
                _traffic(client, 2 * pair)
                _traffic(client, 2 * pair + 1)
        except BaseException as error:  # reported below: a lost call must not pass for a fast one
            errors.append(error)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} thread(s) failed: {errors[0]!r}")
    return elapsed


def bench_threads_replay(sizes: Sizes) -> Row:
    """Replay throughput with 8 threads sharing a client, against one thread: no lock convoy."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    cassettes = _cassettes(sizes)
    calls = sizes.cassette_large
    lost: list[int] = []

    def replay(threads: int) -> float:
        client = make_client(REGION, endpoint_url=cassettes.endpoint_url)
        with use_cassette(cassettes.large, "none") as cassette:
            seconds = _threaded(client, calls, threads)
            lost.append(calls - cassette.play_count + len(cassette.failures))
        return seconds / calls

    value, base = interleaved(lambda: replay(THREADS), lambda: replay(1), sizes.repeats)
    missing = max(lost)
    return Row(
        9,
        f"replay per call, {THREADS} threads sharing one client ({missing} lost)",
        "replay per call, 1 thread",
        value,
        base,
        "s",
        "<= 1.5x, 0 lost",
        value / base <= 1.5 and missing == 0,
    )


def bench_threads_record(sizes: Sizes) -> Row:
    """Recording throughput with 8 threads sharing a client, against one thread, every interaction kept."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette
    from pytest_personalize.recording.file import load

    calls = sizes.cassette_large
    lost: list[int] = []
    with tempfile.TemporaryDirectory() as tmp, _server() as server:
        paths = iter(Path(tmp) / f"{n}.yaml" for n in range(10**9))

        def record(threads: int) -> float:
            path = next(paths)
            client = make_client(REGION, endpoint_url=server.endpoint_url)
            start = time.perf_counter()
            with use_cassette(path, "all"):
                _threaded(client, calls, threads)
            seconds = time.perf_counter() - start
            lost.append(calls - len(load(path)))
            return seconds / calls

        value, base = interleaved(lambda: record(THREADS), lambda: record(1), sizes.repeats)
    missing = max(lost)
    return Row(
        10,
        f"recording per call (loopback server), {THREADS} threads sharing one client ({missing} lost)",
        "recording per call, 1 thread",
        value,
        base,
        "s",
        "<= 1.5x, 0 lost",
        value / base <= 1.5 and missing == 0,
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
    "personalize_fake": """
        def test_{i}(personalize_client, personalize_fake):
            personalize_client.create_dataset_group(name="g{i}")
        """,
    "personalize_cassette (replay)": """
        import pytest

        @pytest.mark.personalize_cassette("shared")
        def test_{i}(personalize_client):
            personalize_client.create_dataset_group(name="g")
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
    if "personalize_cassette(" in body:
        _record_shared_cassette(directory / "cassettes" / "shared.yaml")
    return directory


def _record_shared_cassette(path: Path) -> None:
    """The one-call cassette every replaying test of row 7 shares, recorded against the loopback server."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    with _server() as server, use_cassette(path, "all"):
        make_client(REGION, endpoint_url=server.endpoint_url).create_dataset_group(name="g")


def bench_fixture_overhead(sizes: Sizes, extra: dict[str, str] | None = None) -> Iterator[Row]:
    """Per-test cost of each fixture in a real pytest run, against a naive boto3 test."""
    bodies = {**FIXTURE_TESTS, **(extra or {})}
    with tempfile.TemporaryDirectory() as tmp:
        projects = {
            name: _write_project(Path(tmp) / re.sub(r"\W+", "_", name), body, sizes.tests)
            for name, body in bodies.items()
        }
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
    2: bench_fake_floor,
    3: bench_fake_vs_moto,
    4: bench_replay_flat,
    5: bench_replay_vs_vcrpy,
    6: bench_record_linear,
    7: bench_fixture_overhead,
    8: bench_collection,
    9: bench_threads_replay,
    10: bench_threads_record,
    11: bench_runtime_floor,
}
# Importing moto adds its handler to every botocore session made afterwards: its row runs after
# the other in-process rows, so theirs are measured without it.
RUN_ORDER = (1, 2, 11, 4, 5, 6, 9, 10, 3, 7, 8)


def _format(rows: list[Row]) -> str:
    lines = [
        "| # | measured | baseline in the same run | measured value | baseline value | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row.skipped:
            lines.append(
                f"| {row.number} | {row.measured} | {row.baseline} | - | - | - | {row.target} | skipped: {row.skipped} |"
            )
            continue
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
    chosen = set(args.only or BENCHMARKS)
    for number in (n for n in RUN_ORDER if n in chosen):
        produced = BENCHMARKS[number](sizes)
        rows.extend([produced] if isinstance(produced, Row) else list(produced))
    rows.sort(key=lambda row: row.number)  # stable: row 7's fixtures keep their order
    print(
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {_versions()}"
    )
    print(_format(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
