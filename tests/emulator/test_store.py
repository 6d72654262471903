"""The store's creation-order indexes: what List pages through and what a parent's checks look up."""

from __future__ import annotations

import datetime

import pytest

from pytest_personalize import Backend
from pytest_personalize.emulator.lifecycle import Progress
from pytest_personalize.emulator.store import Ordered, Resource
from pytest_personalize.model.rules.resources import for_noun

NOW = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def resource(seq: int) -> Resource:
    kind = for_noun("Schema")
    assert kind is not None
    return Resource(kind, f"arn:{seq}", f"s{seq}", {}, {}, NOW, Progress((), NOW), seq)


def test_an_index_keeps_creation_order_through_removals_and_late_arrivals() -> None:
    index = Ordered()
    items = {seq: resource(seq) for seq in (2, 4, 6, 8, 10)}
    for seq in (2, 4, 8, 10):
        index.add(items[seq])
    index.add(items[6])  # moved here by an update: older than the newest
    index.add(items[6])  # twice is once
    index.discard(items[4])
    index.discard(items[4])  # gone already: nothing to do

    assert [r.seq for r in index] == [2, 6, 8, 10]
    assert [r.seq for r in index.after(0, 10)] == [2, 6, 8, 10]
    assert [r.seq for r in index.after(4, 2)] == [6, 8]  # a position whose resource is gone still places
    assert [r.seq for r in index.after(10, 5)] == []
    assert (index.first(), index.last()) == (items[2], items[10])
    assert len(index) == 4


@pytest.fixture
def backend() -> Backend:
    backend = Backend(quotas={"Schema": None})
    backend.set_lifecycle("instant")
    return backend


def schema(index: int) -> dict[str, str]:
    fields = '[{"name": "USER_ID", "type": "string"}]'
    return {"name": f"s{index:04}", "schema": f'{{"type": "record", "name": "Users", "fields": {fields}}}'}


def test_pages_neither_skip_nor_repeat_when_the_boundary_is_deleted(backend: Backend) -> None:
    arns = [backend.call("CreateSchema", schema(i))["schemaArn"] for i in range(1000)]

    first = backend.call("ListSchemas", {"maxResults": 7})
    assert [s["schemaArn"] for s in first["schemas"]] == arns[:7]
    backend.call("DeleteSchema", {"schemaArn": arns[6]})  # the last one returned
    backend.call("DeleteSchema", {"schemaArn": arns[7]})  # the next one

    seen = [s["schemaArn"] for s in first["schemas"]]
    token = first.get("nextToken")
    while token is not None:
        page = backend.call("ListSchemas", {"maxResults": 100, "nextToken": token})
        seen += [s["schemaArn"] for s in page["schemas"]]
        token = page.get("nextToken")

    assert seen == arns[:7] + arns[8:]


def test_a_filtered_list_pages_through_its_parents_resources_only(backend: Backend) -> None:
    groups = [backend.call("CreateDatasetGroup", {"name": f"g{i}"})["datasetGroupArn"] for i in range(2)]
    recipe = "arn:aws:personalize:::recipe/aws-user-personalization"
    made: dict[str, list[str]] = {group: [] for group in groups}
    backend.set_quota("Solution", None)
    for i in range(30):
        group = groups[i % 3 == 0]
        made[group].append(
            backend.call("CreateSolution", {"name": f"s{i}", "datasetGroupArn": group, "recipeArn": recipe})[
                "solutionArn"
            ]
        )

    for group in groups:
        listed, token = [], None
        while True:
            params = {"datasetGroupArn": group, "maxResults": 4, **({"nextToken": token} if token else {})}
            page = backend.call("ListSolutions", params)
            listed += [s["solutionArn"] for s in page["solutions"]]
            token = page.get("nextToken")
            if token is None:
                break
        assert listed == made[group]
