"""Benchmarks of pytest-personalize against the tools users would otherwise pick.

Every figure is a ratio against a baseline measured in the same run, in back-to-back rounds
whose order alternates; the ratio reported is the median of the rounds' ratios. Absolute
times on a shared machine are noise, ratios much less so. Run ``python benchmarks/run.py``
(``--quick`` for tiny sizes, as the test suite's smoke run does; ``--only N`` for one row).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import itertools
import json
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
import tracemalloc
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
)


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


def _row(
    number: int, measured: str, baseline: str, figures: tuple[float, float, float], target: str, limit: float
) -> Row:
    """A row whose target is ``ratio <= limit``."""
    value, base, ratio = figures
    return Row(number, measured, baseline, value, base, ratio, "s", target, ratio <= limit)


def _no_quotas() -> dict[str, int | None]:
    """Every quota lifted: the rows measure calls, not the documented limits."""
    from pytest_personalize.emulator.backend import DEFAULT_QUOTAS

    return dict.fromkeys(DEFAULT_QUOTAS, None)


# --- 1: the stubber against a hand-written Stubber response ---------------------------------


def bench_stubber(sizes: Sizes) -> Row:
    """A distinct request every call, so neither side answers from a cache of the last one.

    The baseline is what a careful user writes by hand: a raw Stubber response with the ARN and
    the expected parameters of that call. Ours queues the template and checks the request sent.
    """
    from botocore.stub import Stubber

    from pytest_personalize import PersonalizeStubber
    from pytest_personalize._clients import make_client

    ours_client, raw_client = make_client(REGION), make_client(REGION)
    ours = PersonalizeStubber(ours_client)
    raw = Stubber(raw_client)
    ours.activate()
    raw.activate()
    counter = itertools.count()

    def ours_call(_: int) -> None:
        name = f"shop-{next(counter)}"
        ours.add_response("create_dataset_group")
        ours_client.create_dataset_group(name=name, tags=[{"tagKey": "team", "tagValue": name}])

    def raw_call(_: int) -> None:
        name = f"shop-{next(counter)}"
        params = {"name": name, "tags": [{"tagKey": "team", "tagValue": name}]}
        arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/{name}"
        raw.add_response("create_dataset_group", {"datasetGroupArn": arn}, params)
        raw_client.create_dataset_group(**params)

    figures = paired(lambda: per_call(ours_call, sizes.calls), lambda: per_call(raw_call, sizes.calls), sizes.rounds)
    return _row(
        1,
        "personalize_stubber CreateDatasetGroup call, a distinct request each",
        "raw botocore Stubber call with its ARN and expected_params",
        figures,
        "<= 1.25x",
        1.25,
    )


# --- 2 and 3: the in-process fake, per operation ----------------------------------------------

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
GROUP = "shop"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:personalize:{REGION}:{ACCOUNT}:{kind}/{name}"


@dataclass(frozen=True)
class Operation:
    """One emulated operation, called with a distinct request each time where it can be.

    ``params(i)`` is call ``i``'s request; ``prepare(backend, calls)`` makes what those calls
    need (the resources to describe or delete), untimed. Both sides send the same requests.
    """

    method: str
    params: Callable[[int], dict[str, Any]]
    prepare: Callable[[Any, int], None]

    @property
    def name(self) -> str:
        return "".join(word.capitalize() for word in self.method.split("_"))


def _nothing(backend: Any, calls: int) -> None:
    pass


def _groups(active: bool) -> Callable[[Any, int], None]:
    def prepare(backend: Any, calls: int) -> None:
        for i in range(calls):
            backend.call("CreateDatasetGroup", {"name": f"g{i}"})
            if active:
                backend.call("DescribeDatasetGroup", {"datasetGroupArn": _arn("dataset-group", f"g{i}")})

    return prepare


def _schemas(backend: Any, calls: int) -> None:
    for i in range(calls):
        backend.call("CreateSchema", {"name": f"s{i}", "schema": SCHEMA})


def _group(backend: Any) -> None:
    backend.call("CreateDatasetGroup", {"name": GROUP})
    backend.call("DescribeDatasetGroup", {"datasetGroupArn": _arn("dataset-group", GROUP)})


def _solutions(active: bool) -> Callable[[Any, int], None]:
    def prepare(backend: Any, calls: int) -> None:
        _group(backend)
        for i in range(calls):
            backend.call(
                "CreateSolution",
                {"name": f"r{i}", "datasetGroupArn": _arn("dataset-group", GROUP), "recipeArn": RECIPE},
            )
            if active:
                backend.call("DescribeSolution", {"solutionArn": _arn("solution", f"r{i}")})

    return prepare


LISTED = 10  # resources a List answers with in rows 2 and 3

OPERATIONS = (
    Operation("create_dataset_group", lambda i: {"name": f"g{i}"}, _nothing),
    Operation("describe_dataset_group", lambda i: {"datasetGroupArn": _arn("dataset-group", f"g{i}")}, _groups(False)),
    Operation("list_dataset_groups", lambda i: {}, lambda backend, calls: _groups(False)(backend, LISTED)),
    Operation("delete_dataset_group", lambda i: {"datasetGroupArn": _arn("dataset-group", f"g{i}")}, _groups(True)),
    Operation("create_schema", lambda i: {"name": f"s{i}", "schema": SCHEMA}, _nothing),
    Operation("describe_schema", lambda i: {"schemaArn": _arn("schema", f"s{i}")}, _schemas),
    Operation("list_schemas", lambda i: {}, lambda backend, calls: _schemas(backend, LISTED)),
    Operation("delete_schema", lambda i: {"schemaArn": _arn("schema", f"s{i}")}, _schemas),
    Operation(
        "create_solution",
        lambda i: {"name": f"r{i}", "datasetGroupArn": _arn("dataset-group", GROUP), "recipeArn": RECIPE},
        lambda backend, calls: _group(backend),
    ),
    Operation("describe_solution", lambda i: {"solutionArn": _arn("solution", f"r{i}")}, _solutions(False)),
    Operation(
        "list_solutions",
        lambda i: {"datasetGroupArn": _arn("dataset-group", GROUP)},
        lambda backend, calls: _solutions(False)(backend, LISTED),
    ),
    Operation("delete_solution", lambda i: {"solutionArn": _arn("solution", f"r{i}")}, _solutions(True)),
)


def _fake() -> Any:
    from pytest_personalize import PersonalizeFake

    return PersonalizeFake(quotas=_no_quotas())


def _canned_body(operation: Operation) -> bytes:
    """What the fake answers the first call of ``operation`` with, byte for byte."""
    from pytest_personalize import Backend
    from pytest_personalize.model import spec as _spec

    backend = Backend(quotas=_no_quotas())
    operation.prepare(backend, 1)
    answer = backend.handle(
        _spec.target_prefix() + operation.name, json.dumps(operation.params(0)).encode(), region=REGION
    )
    assert answer.status == 200, answer.body
    return answer.body


def _floor_client(body: bytes, service: str = "personalize", content_type: str = "application/x-amz-json-1.1") -> Any:
    """A client whose every request a before-send handler answers with ``body``: no fake is cheaper."""
    from botocore.awsrequest import AWSResponse

    from pytest_personalize._clients import make_client
    from pytest_personalize.wire.responses import RawBody

    headers = {"Content-Type": content_type, "x-amzn-RequestId": "0" * 32}

    def constant(request: Any, **kwargs: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, headers, RawBody(body))  # type: ignore[arg-type]

    client = make_client(REGION, service)
    client.meta.events.register(f"before-send.{service}", constant)
    return client


def bench_fake_per_operation(sizes: Sizes) -> Iterator[Row]:
    """Each operation through the fake against the floor answering the same requests with the same bytes."""
    from pytest_personalize._clients import make_client

    fake_client = make_client(REGION)
    calls = max(sizes.calls // 2, 1)  # twelve operations: more, shorter rounds
    for operation in OPERATIONS:
        floor_client = _floor_client(_canned_body(operation))
        call_floor = getattr(floor_client, operation.method)
        call_fake = getattr(fake_client, operation.method)

        def ours(operation: Operation = operation, call: Any = call_fake) -> float:
            # A fresh fake per round, what a test sees, with what the calls need made untimed.
            with _fake() as fake:
                fake.attach(fake_client)
                operation.prepare(fake, calls)
                return per_call(lambda i: call(**operation.params(i)), calls)

        def floor(operation: Operation = operation, call: Any = call_floor) -> float:
            return per_call(lambda i: call(**operation.params(i)), calls)

        yield _row(
            2,
            f"personalize_fake {operation.name} call",
            "bare before-send handler answering the same bytes",
            paired(ours, floor, sizes.rounds),
            "<= 1.5x",
            1.5,
        )


def bench_runtime_per_call(sizes: Sizes) -> Row:
    """A GetRecommendations call through the fake against the floor answering the same bytes.

    The fake finds the campaign, works out its recipe's needs, picks the declared rule and scores
    it; each call asks for another user (the declared default answers), so nothing is cached.
    """
    from pytest_personalize._clients import make_client

    campaign = _arn("campaign", "shop-recs")
    body = b'{"itemList":[{"itemId":"i3","score":0.6667},{"itemId":"i1","score":0.3333}],"recommendationId":"RID-1"}'
    floor_client = _floor_client(body, "personalize-runtime", "application/json")
    fake_client = make_client(REGION, "personalize-runtime")

    def ours() -> float:
        with _fake() as fake:
            fake.attach(fake_client)
            fake.declare(fake.deploy_campaign("shop-recs"), items=["i3", "i1"])
            return per_call(
                lambda i: fake_client.get_recommendations(campaignArn=campaign, userId=f"u{i}"), sizes.calls
            )

    def floor() -> float:
        return per_call(lambda i: floor_client.get_recommendations(campaignArn=campaign, userId=f"u{i}"), sizes.calls)

    return _row(
        15,
        "personalize_fake GetRecommendations call (personalize-runtime), another user each",
        "bare before-send handler answering the same bytes",
        paired(ours, floor, sizes.rounds),
        "<= 1.5x",
        1.5,
    )


def _moto_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("moto") is not None
    except (ImportError, ValueError):  # a moto whose import is blocked (sys.modules entry of None)
        return False


MOTO_OPERATIONS = ("create_schema", "describe_schema", "list_schemas")


def bench_fake_vs_moto(sizes: Sizes) -> Iterator[Row]:
    """The fake against moto on the operations both emulate: moto's Personalize has schemas only."""
    chosen = [operation for operation in OPERATIONS if operation.method in MOTO_OPERATIONS]
    if not _moto_available():
        for operation in chosen:
            yield Row(
                3,
                f"personalize_fake {operation.name} call",
                f"moto mock_aws {operation.name} call",
                0.0,
                0.0,
                0.0,
                "s",
                "<= 0.5x (2x faster)",
                False,
                skipped="moto not installed",
            )
        return

    from pytest_personalize._clients import make_client

    fake_client = make_client(REGION)  # made before moto is imported: moto adds a handler to every session after

    import boto3
    from moto import mock_aws

    class _MotoSetup:
        """``prepare`` as moto takes it: the same creations, through its client."""

        def __init__(self, client: Any) -> None:
            self.client = client

        def call(self, operation: str, params: dict[str, Any]) -> None:
            method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
            getattr(self.client, method)(**params)

    calls = max(sizes.calls // 2, 1)
    for operation in chosen:

        def ours(operation: Operation = operation) -> float:
            with _fake() as fake:
                fake.attach(fake_client)
                operation.prepare(fake, calls)
                call = getattr(fake_client, operation.method)
                return per_call(lambda i: call(**operation.params(i)), calls)

        def moto(operation: Operation = operation) -> float:
            with mock_aws():
                client = boto3.session.Session().client(
                    "personalize", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
                )
                operation.prepare(_MotoSetup(client), calls)
                call = getattr(client, operation.method)
                return per_call(lambda i: call(**operation.params(i)), calls)

        yield _row(
            3,
            f"personalize_fake {operation.name} call",
            f"moto mock_aws {operation.name} call",
            paired(ours, moto, sizes.rounds),
            "<= 0.5x (2x faster)",
            0.5,
        )


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
        client.delete_dataset_group(datasetGroupArn=_arn("dataset-group", name))


def _server() -> Any:
    from pytest_personalize import PersonalizeServer
    from pytest_personalize.emulator.backend import Backend, Lifecycle

    return PersonalizeServer(Backend(lifecycle=Lifecycle("instant"), quotas=_no_quotas()))


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
    """The cassettes rows 4, 5 and 9 replay, recorded once against the loopback server."""

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
    figures = paired(
        lambda: _replay_per_call(cassettes.large, sizes.cassette_large, total, cassettes.endpoint_url),
        lambda: _replay_per_call(cassettes.small, sizes.cassette_small, total, cassettes.endpoint_url),
        sizes.repeats,
    )
    return _row(
        4,
        f"replay per call, {sizes.cassette_large}-interaction cassette",
        f"replay per call, {sizes.cassette_small}-interaction cassette",
        figures,
        "<= 1.2x",
        1.2,
    )


def bench_replay_vs_vcrpy(sizes: Sizes) -> Row:
    import vcr

    cassettes = _cassettes(sizes)
    plain = vcr.VCR(record_mode="none", match_on=("method", "uri", "body"))
    size = sizes.cassette_large
    figures = paired(
        lambda: _replay_per_call(cassettes.large, size, size, cassettes.endpoint_url),
        lambda: _replay_per_call(cassettes.plain, size, size, cassettes.endpoint_url, plain),
        sizes.vcrpy_rounds,
    )
    return _row(
        5,
        f"replay per call, {size}-interaction cassette",
        "plain vcrpy, match_on=(method, uri, body)",
        figures,
        "<= 0.05x (20x faster)",
        0.05,
    )


def bench_record_linear(sizes: Sizes) -> Row:
    large, small = sizes.cassette_large, sizes.cassette_small
    with tempfile.TemporaryDirectory() as tmp, _server() as server:
        paths = iter(Path(tmp) / f"{n}.yaml" for n in range(10**9))

        def record_per_call(size: int) -> float:
            blocks = max(large // size, 1)
            return sum(_record(next(paths), size, server.endpoint_url) for _ in range(blocks)) / (blocks * size)

        figures = paired(lambda: record_per_call(large), lambda: record_per_call(small), sizes.repeats)
    return _row(
        6,
        f"recording {large} calls (loopback server), per call",
        f"recording {small} calls, per call",
        figures,
        "<= 1.5x",
        1.5,
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

    value, base, ratio = paired(lambda: replay(THREADS), lambda: replay(1), sizes.repeats)
    missing = max(lost)
    return Row(
        9,
        f"replay per call, {THREADS} threads sharing one client ({missing} lost)",
        "replay per call, 1 thread",
        value,
        base,
        ratio,
        "s",
        "<= 1.5x, 0 lost",
        ratio <= 1.5 and missing == 0,
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

        value, base, ratio = paired(lambda: record(THREADS), lambda: record(1), sizes.repeats)
    missing = max(lost)
    return Row(
        10,
        f"recording per call (loopback server), {THREADS} threads sharing one client ({missing} lost)",
        "recording per call, 1 thread",
        value,
        base,
        ratio,
        "s",
        "<= 1.5x, 0 lost",
        ratio <= 1.5 and missing == 0,
    )


# --- 11: a whole pipeline per test ------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/personalize"
DATASET_SCHEMAS = {
    "Interactions": SCHEMA,
    "Items": json.dumps(
        {
            "type": "record",
            "name": "Items",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True}],
            "version": "1.0",
        }
    ),
    "Users": json.dumps(
        {
            "type": "record",
            "name": "Users",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"}],
            "version": "1.0",
        }
    ),
}


def _until_active(describe: Callable[..., Any], key: str, **params: str) -> None:
    # A waiter's loop, as a test polls: the default lifecycle answers CREATE PENDING, then ACTIVE.
    for _ in range(10):
        if describe(**params)[key]["status"] == "ACTIVE":
            return
    raise RuntimeError(f"{params} never became ACTIVE")


def _until_gone(client: Any, describe: Callable[..., Any], **params: str) -> None:
    for _ in range(10):
        try:
            describe(**params)
        except client.exceptions.ResourceNotFoundException:
            return
    raise RuntimeError(f"{params} was never deleted")


def pipeline(client: Any) -> None:
    """One test's worth of Personalize: schemas, group, three datasets and their imports, solution,
    version and campaign, each waited for; then everything deleted in order, each deletion waited for."""
    c = client
    schemas = {
        kind: c.create_schema(name=kind.lower(), schema=body)["schemaArn"] for kind, body in DATASET_SCHEMAS.items()
    }
    group = c.create_dataset_group(name="shop")["datasetGroupArn"]
    _until_active(c.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    datasets = []
    for kind, schema in schemas.items():
        dataset = c.create_dataset(name=kind.lower(), schemaArn=schema, datasetGroupArn=group, datasetType=kind)
        datasets.append(dataset["datasetArn"])
        _until_active(c.describe_dataset, "dataset", datasetArn=datasets[-1])
    for dataset in datasets:
        job = c.create_dataset_import_job(
            jobName=f"import-{dataset.rsplit('/', 1)[-1].lower()}",
            datasetArn=dataset,
            roleArn=ROLE,
            dataSource={"dataLocation": f"s3://bucket/{dataset.rsplit('/', 1)[-1].lower()}.csv"},
        )
        _until_active(c.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job["datasetImportJobArn"])
    solution = c.create_solution(name="ranking", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    _until_active(c.describe_solution, "solution", solutionArn=solution)
    version = c.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    _until_active(c.describe_solution_version, "solutionVersion", solutionVersionArn=version)
    campaign = c.create_campaign(name="live", solutionVersionArn=version)["campaignArn"]
    _until_active(c.describe_campaign, "campaign", campaignArn=campaign)

    c.delete_campaign(campaignArn=campaign)
    _until_gone(c, c.describe_campaign, campaignArn=campaign)
    c.delete_solution(solutionArn=solution)
    _until_gone(c, c.describe_solution, solutionArn=solution)
    for dataset in datasets:
        c.delete_dataset(datasetArn=dataset)
        _until_gone(c, c.describe_dataset, datasetArn=dataset)
    c.delete_dataset_group(datasetGroupArn=group)
    _until_gone(c, c.describe_dataset_group, datasetGroupArn=group)
    for schema in schemas.values():
        c.delete_schema(schemaArn=schema)


class _Recorder:
    """A client that notes each call (method, request, answer or error code and message) as it goes."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.exceptions = client.exceptions
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any] | None, tuple[str, str] | None]] = []

    def __getattr__(self, method: str) -> Callable[..., Any]:
        call = getattr(self.client, method)

        def noted(**params: Any) -> Any:
            try:
                answer = call(**params)
            except self.client.exceptions.ClientError as error:
                detail = error.response["Error"]
                self.calls.append((method, params, None, (detail["Code"], detail["Message"])))
                raise
            self.calls.append((method, params, {k: v for k, v in answer.items() if k != "ResponseMetadata"}, None))
            return answer

        return noted


def bench_pipeline(sizes: Sizes) -> Row:
    """A whole pipeline per test: the fake, fresh per test as the fixture makes it, against a raw
    Stubber queue holding the same answers (the test a careful user writes without the plugin)."""
    from botocore.stub import Stubber

    from pytest_personalize._clients import make_client

    fake_client, stub_client = make_client(REGION), make_client(REGION)
    recorder = _Recorder(fake_client)
    with _fake() as fake:
        fake.attach(fake_client)
        pipeline(recorder)
    script = recorder.calls
    tests = max(sizes.tests // 10, 2)

    def ours() -> float:
        start = time.perf_counter()
        for _ in range(tests):
            with _fake() as fake:
                fake.attach(fake_client)
                pipeline(fake_client)
        return (time.perf_counter() - start) / tests

    def stubbed() -> float:
        start = time.perf_counter()
        for _ in range(tests):
            with Stubber(stub_client) as stubber:
                for method, params, answer, error in script:
                    if error is None:
                        stubber.add_response(method, answer, params)
                    else:
                        stubber.add_client_error(method, error[0], error[1], expected_params=params)
                pipeline(stub_client)
                stubber.assert_no_pending_responses()
        return (time.perf_counter() - start) / tests

    value, base, ratio = paired(ours, stubbed, sizes.repeats)
    return Row(
        11,
        f"a whole pipeline per test under personalize_fake ({len(script)} calls: create to delete)",
        "the same calls answered by a raw botocore Stubber queue",
        value,
        base,
        ratio,
        "s",
        "reported",
        None,
    )


# --- 12: 10,000 resources in a region -------------------------------------------------------


def _region(resources: int) -> tuple[Any, str]:
    """A backend whose region holds ``resources`` resources: half schemas, half solutions in 10 groups."""
    from pytest_personalize import Backend

    backend = Backend(quotas=_no_quotas())
    backend.set_lifecycle("instant")
    groups = [backend.call("CreateDatasetGroup", {"name": f"g{i}"})["datasetGroupArn"] for i in range(10)]
    for i in range(resources // 2):
        backend.call("CreateSchema", {"name": f"s{i}", "schema": SCHEMA})
        backend.call("CreateSolution", {"name": f"r{i}", "datasetGroupArn": groups[i % 10], "recipeArn": RECIPE})
    return backend, groups[0]


def _middle_token(backend: Any, operation: str, params: dict[str, Any]) -> str:
    """The token of a page halfway through the list: a full page, not the first."""
    token, pages = None, []
    while True:
        page = backend.call(operation, {**params, **({"nextToken": token} if token else {})})
        token = page.get("nextToken")
        if token is None:
            break
        pages.append(token)
    return pages[len(pages) // 2] if pages else ""


def _page_rows(sizes: Sizes) -> list[Row]:
    small, large = sizes.scale_small, sizes.scale_large
    backends = {n: _region(n) for n in (small, large)}
    # Full pages on both sides: the smaller region's group holds small / 20 solutions, two pages' worth.
    size = min(100, max(small // 40, 1))
    rows = []
    for operation, filtered in (("ListSchemas", False), ("ListSolutions", True)):
        requests = {}
        for n, (backend, group) in backends.items():
            params = {"datasetGroupArn": group, "maxResults": size} if filtered else {"maxResults": size}
            token = _middle_token(backend, operation, params)
            requests[n] = {**params, **({"nextToken": token} if token else {})}

        def page(n: int, operation: str = operation, requests: dict[int, dict[str, Any]] = requests) -> float:
            backend, request = backends[n][0], requests[n]
            return per_call(lambda i: backend.call(operation, request), max(sizes.calls // 10, 3))

        rows.append(
            _row(
                12,
                f"{operation} page of {size} (from the middle), {large:,} resources in the region",
                f"the same page, {small:,} resources",
                paired(lambda: page(large), lambda: page(small), sizes.rounds),
                "<= 1.2x",
                1.2,
            )
        )
    return rows


def bench_scale(sizes: Sizes) -> Iterator[Row]:
    """A List page with 10x the resources in the region, and the memory each resource takes."""
    small, large = sizes.scale_small, sizes.scale_large
    yield from _page_rows(sizes)
    gc.collect()

    def per_resource(n: int) -> float:
        _region(max(n // 100, 10))  # the model and its caches loaded before measuring
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            backend = _region(n)
            used = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        del backend
        return used / n

    value, base, ratio = paired(lambda: per_resource(large), lambda: per_resource(small), max(sizes.repeats // 2, 1))
    yield Row(
        12,
        f"memory per resource, {large:,} resources in the region",
        f"memory per resource, {small:,} resources",
        value,
        base,
        ratio,
        "B",
        "<= 1.2x",
        ratio <= 1.2,
    )


# --- 13 and 14: the cassette engine alone (moved from the test suite: tests assert no timings) ----


def _engine_request(operation: str, body: object) -> Any:
    from vcr.request import Request

    headers = {"X-Amz-Target": f"AmazonPersonalize.{operation}", "Content-Type": "application/x-amz-json-1.1"}
    return Request("POST", f"https://personalize.{REGION}.amazonaws.com/", json.dumps(body).encode(), headers)


def _engine_answer() -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/x-amz-json-1.1"], "Content-Length": ["2"]},
        "body": {"string": b"{}"},
    }


def bench_engine_lookup(sizes: Sizes) -> Row:
    """One lookup in a 5,000-interaction cassette against one in a 10-interaction cassette."""
    from pytest_personalize.recording import file as _file
    from pytest_personalize.recording.cassette import PersonalizeCassette

    large, small = (5000, 10) if sizes is FULL else (sizes.cassette_large, sizes.cassette_small)
    directory = Path(tempfile.mkdtemp(prefix="pytest-personalize-bench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)

    def lookups(size: int) -> float:
        path = directory / f"{size}.yaml"
        if not path.exists():
            _file.save(
                path,
                [(_engine_request("CreateDatasetGroup", {"name": f"g{i}"}), _engine_answer()) for i in range(size)],
            )
        probes = [_engine_request("CreateDatasetGroup", {"name": f"g{i}"}) for i in range(0, size, max(1, size // 50))]
        # Each probe answers once (a replay plays an interaction once): a fresh load per pass.
        seconds, count = 0.0, 0
        while count < sizes.calls:
            cassette = PersonalizeCassette(path, "none", test_id="bench")
            cassette.load()
            start = time.perf_counter()
            for probe in probes:
                cassette.answer(probe)
            seconds += time.perf_counter() - start
            count += len(probes)
        return seconds / count

    return _row(
        13,
        f"cassette engine lookup, {large:,}-interaction cassette",
        f"the same, {small}-interaction cassette",
        paired(lambda: lookups(large), lambda: lookups(small), sizes.rounds),
        "<= 1.5x",
        1.5,
    )


def bench_engine_record(sizes: Sizes) -> Row:
    """Recording 2,000 interactions (and saving them) against 100, per interaction."""
    from pytest_personalize.recording.cassette import PersonalizeCassette

    large, small = (2000, 100) if sizes is FULL else (sizes.cassette_large, sizes.cassette_small)
    directory = Path(tempfile.mkdtemp(prefix="pytest-personalize-bench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    paths = iter(directory / f"{n}.yaml" for n in range(10**9))

    def record(size: int) -> float:
        cassette = PersonalizeCassette(next(paths), "once")
        start = time.perf_counter()
        for i in range(size):
            request = _engine_request("CreateDatasetGroup", {"name": f"g{i}"})
            if cassette.answer(request) is not None:
                raise RuntimeError("a new cassette answered")
            cassette.record(request, _engine_answer())
        cassette.save()
        return (time.perf_counter() - start) / size

    return _row(
        14,
        f"cassette engine recording {large:,} interactions, save included, per interaction",
        f"the same, {small} interactions",
        paired(lambda: record(large), lambda: record(small), sizes.repeats),
        "<= 1.5x",
        1.5,
    )


# --- 7 and 8: whole pytest runs and the plugin's import ------------------------------------------


def _subprocess_env(cache: Path) -> dict[str, str]:
    # Bytecode cached as an installed package has it (the shell may forbid writing it), in a
    # directory of the run's own; the suite's options stay out of the projects' runs.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTEST_ADDOPTS", None)
    return env


_CACHE = Path(tempfile.mkdtemp(prefix="pytest-personalize-bench-pycache-"))
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


def _pytest_seconds(project: Path, *args: str) -> float:
    env = {**_subprocess_env(_CACHE), "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:hypothesispytest"}
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
}
# What a careful user writes without the plugin: one client for the module, from one session,
# and a raw Stubber per test with the answer and the expected parameters.
CAREFUL_PRELUDE = """
import boto3
from botocore.stub import Stubber

client = boto3.session.Session().client(
    "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
)
"""
CAREFUL_TEST = """
    def test_{i}():
        with Stubber(client) as stubber:
            stubber.add_response(
                "create_dataset_group",
                {{"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/g{i}"}},
                {{"name": "g{i}"}},
            )
            client.create_dataset_group(name="g{i}")
    """
STARTUP_TEST = """
    def test_{i}():
        pass
    """


def _write_project(directory: Path, body: str, count: int, prelude: str = "") -> Path:
    directory.mkdir(parents=True)
    (directory / "pytest.ini").write_text("[pytest]\n")
    source = prelude + "\n".join(textwrap.dedent(body).format(i=i) for i in range(count))
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


def bench_fixture_overhead(sizes: Sizes) -> Iterator[Row]:
    """Per test, each fixture in a real pytest run against the careful hand-written test.

    A project's time less the time of a one-test project (pytest's start) over its tests: what
    a test costs, pytest's own per-test work included on both sides. The rounds run every
    project back to back, the order turning each round; each fixture's ratio is taken within
    its round.
    """
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        projects = {
            name: _write_project(base / re.sub(r"\W+", "_", name), body, sizes.tests)
            for name, body in FIXTURE_TESTS.items()
        }
        careful = _write_project(base / "careful", CAREFUL_TEST, sizes.tests, CAREFUL_PRELUDE)
        startup = _write_project(base / "startup", STARTUP_TEST, 1)
        order = ["startup", "careful", *projects]
        paths = {"startup": startup, "careful": careful, **projects}
        _pytest_seconds(startup)  # bytecode written once, before anything is timed
        seconds: dict[str, list[float]] = {name: [] for name in order}
        for index in range(max(sizes.repeats, 1)):
            turn = index % len(order)
            for name in order[turn:] + order[:turn]:
                seconds[name].append(_pytest_seconds(paths[name]))

    def per_test(name: str, index: int) -> float:
        return max(seconds[name][index] - seconds["startup"][index], 0.0) / sizes.tests

    rounds = range(len(seconds["startup"]))
    careful_costs = [per_test("careful", i) for i in rounds]
    for name in projects:
        costs = [per_test(name, i) for i in rounds]
        ratio = statistics.median(c / b if b else float("inf") for c, b in zip(costs, careful_costs, strict=True))
        yield Row(
            7,
            f"per test, {name}",
            "careful hand-written test: module-level client, raw Stubber",
            statistics.median(costs),
            statistics.median(careful_costs),
            ratio,
            "s",
            "<= 1.3x",
            ratio <= 1.3,
        )


HEAVY_MODULES = ("boto3", "botocore", "vcr", "regex")


def _import_seconds(code: str) -> tuple[float, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", code], env=_subprocess_env(_CACHE), capture_output=True, text=True, check=True
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

    value, base, ratio = paired(ours, lambda: _import_seconds(base_code)[0], max(sizes.repeats * 4, 2))
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


BENCHMARKS: dict[int, Callable[[Sizes], Row | Iterator[Row]]] = {
    1: bench_stubber,
    2: bench_fake_per_operation,
    3: bench_fake_vs_moto,
    4: bench_replay_flat,
    5: bench_replay_vs_vcrpy,
    6: bench_record_linear,
    7: bench_fixture_overhead,
    8: bench_import,
    9: bench_threads_replay,
    10: bench_threads_record,
    11: bench_pipeline,
    12: bench_scale,
    13: bench_engine_lookup,
    14: bench_engine_record,
    15: bench_runtime_per_call,
}
# Importing moto adds its handler to every botocore session made afterwards: its row runs after
# the other in-process rows, so theirs are measured without it.
RUN_ORDER = (1, 2, 15, 11, 12, 13, 14, 4, 5, 6, 9, 10, 3, 7, 8)


def _figure(value: float, unit: str, scale: tuple[float, str]) -> str:
    if unit == "B":
        return f"{value:,.0f} B"
    return f"{value * scale[0]:.1f} {scale[1]}"


def _format(rows: list[Row]) -> str:
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
    rows.sort(key=lambda row: row.number)  # stable: a row's lines keep their order
    print(
        f"{time.strftime('%Y-%m-%d')}, {platform.system()} {platform.machine()}, {_cpu()}, "
        f"{_cores()} cores (nproc), load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, {_versions()}"
    )
    print(_format(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
