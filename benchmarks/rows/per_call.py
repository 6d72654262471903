"""Rows 1, 2 and 15: one call at a time, each mode against the cheapest thing that could answer it.

Row 1 is the stubber against a hand-written Stubber response; rows 2 (control plane, per
operation) and 15 (runtime) are the in-process fake against a bare ``before-send`` handler that
answers the very bytes the fake answers. ``OPERATIONS`` is the representative set row 2 measures
(and row 3, in ``moto.py``, compares with moto).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import (
    ACCOUNT,
    RECIPE,
    REGION,
    SCHEMA,
    Benchmark,
    Row,
    Sizes,
    arn,
    fake,
    no_quotas,
    paired,
    per_call,
    ratio_row,
)

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
        group = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/{name}"
        raw.add_response("create_dataset_group", {"datasetGroupArn": group}, params)
        raw_client.create_dataset_group(**params)

    figures = paired(lambda: per_call(ours_call, sizes.calls), lambda: per_call(raw_call, sizes.calls), sizes.rounds)
    return ratio_row(
        1,
        "personalize_stubber CreateDatasetGroup call, a distinct request each",
        "raw botocore Stubber call with its ARN and expected_params",
        figures,
        "<= 1.25x",
        1.25,
    )


# --- 2: the in-process fake, per operation ----------------------------------------------------

GROUP = "shop"


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
                backend.call("DescribeDatasetGroup", {"datasetGroupArn": arn("dataset-group", f"g{i}")})

    return prepare


def _schemas(backend: Any, calls: int) -> None:
    for i in range(calls):
        backend.call("CreateSchema", {"name": f"s{i}", "schema": SCHEMA})


def _group(backend: Any) -> None:
    backend.call("CreateDatasetGroup", {"name": GROUP})
    backend.call("DescribeDatasetGroup", {"datasetGroupArn": arn("dataset-group", GROUP)})


def _solutions(active: bool) -> Callable[[Any, int], None]:
    def prepare(backend: Any, calls: int) -> None:
        _group(backend)
        for i in range(calls):
            backend.call(
                "CreateSolution",
                {"name": f"r{i}", "datasetGroupArn": arn("dataset-group", GROUP), "recipeArn": RECIPE},
            )
            if active:
                backend.call("DescribeSolution", {"solutionArn": arn("solution", f"r{i}")})

    return prepare


LISTED = 10  # resources a List answers with in rows 2 and 3

OPERATIONS = (
    Operation("create_dataset_group", lambda i: {"name": f"g{i}"}, _nothing),
    Operation("describe_dataset_group", lambda i: {"datasetGroupArn": arn("dataset-group", f"g{i}")}, _groups(False)),
    Operation("list_dataset_groups", lambda i: {}, lambda backend, calls: _groups(False)(backend, LISTED)),
    Operation("delete_dataset_group", lambda i: {"datasetGroupArn": arn("dataset-group", f"g{i}")}, _groups(True)),
    Operation("create_schema", lambda i: {"name": f"s{i}", "schema": SCHEMA}, _nothing),
    Operation("describe_schema", lambda i: {"schemaArn": arn("schema", f"s{i}")}, _schemas),
    Operation("list_schemas", lambda i: {}, lambda backend, calls: _schemas(backend, LISTED)),
    Operation("delete_schema", lambda i: {"schemaArn": arn("schema", f"s{i}")}, _schemas),
    Operation(
        "create_solution",
        lambda i: {"name": f"r{i}", "datasetGroupArn": arn("dataset-group", GROUP), "recipeArn": RECIPE},
        lambda backend, calls: _group(backend),
    ),
    Operation("describe_solution", lambda i: {"solutionArn": arn("solution", f"r{i}")}, _solutions(False)),
    Operation(
        "list_solutions",
        lambda i: {"datasetGroupArn": arn("dataset-group", GROUP)},
        lambda backend, calls: _solutions(False)(backend, LISTED),
    ),
    Operation("delete_solution", lambda i: {"solutionArn": arn("solution", f"r{i}")}, _solutions(True)),
)


def _canned_body(operation: Operation) -> bytes:
    """What the fake answers the first call of ``operation`` with, byte for byte."""
    from pytest_personalize import Backend
    from pytest_personalize.model import spec as _spec

    backend = Backend(quotas=no_quotas())
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
            with fake() as personalize:
                personalize.attach(fake_client)
                operation.prepare(personalize, calls)
                return per_call(lambda i: call(**operation.params(i)), calls)

        def floor(operation: Operation = operation, call: Any = call_floor) -> float:
            return per_call(lambda i: call(**operation.params(i)), calls)

        yield ratio_row(
            2,
            f"personalize_fake {operation.name} call",
            "bare before-send handler answering the same bytes",
            paired(ours, floor, sizes.rounds),
            "<= 1.5x",
            1.5,
        )


# --- 15: the runtime API through the fake --------------------------------------------------------


def bench_runtime_per_call(sizes: Sizes) -> Row:
    """A GetRecommendations call through the fake against the floor answering the same bytes.

    The fake finds the campaign, works out its recipe's needs, picks the declared rule and scores
    it; each call asks for another user (the declared default answers), so nothing is cached.
    """
    from pytest_personalize._clients import make_client

    campaign = arn("campaign", "shop-recs")
    body = b'{"itemList":[{"itemId":"i3","score":0.6667},{"itemId":"i1","score":0.3333}],"recommendationId":"RID-1"}'
    floor_client = _floor_client(body, "personalize-runtime", "application/json")
    fake_client = make_client(REGION, "personalize-runtime")

    def ours() -> float:
        with fake() as personalize:
            personalize.attach(fake_client)
            personalize.declare(personalize.deploy_campaign("shop-recs"), items=["i3", "i1"])
            return per_call(
                lambda i: fake_client.get_recommendations(campaignArn=campaign, userId=f"u{i}"), sizes.calls
            )

    def floor() -> float:
        return per_call(lambda i: floor_client.get_recommendations(campaignArn=campaign, userId=f"u{i}"), sizes.calls)

    return ratio_row(
        15,
        "personalize_fake GetRecommendations call (personalize-runtime), another user each",
        "bare before-send handler answering the same bytes",
        paired(ours, floor, sizes.rounds),
        "<= 1.5x",
        1.5,
    )


ROWS: dict[int, Benchmark] = {1: bench_stubber, 2: bench_fake_per_operation, 15: bench_runtime_per_call}
