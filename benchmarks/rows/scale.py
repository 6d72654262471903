"""Row 12: 10,000 resources in a region against 1,000 -- a List page from the middle of the list,
and the memory each resource takes."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from typing import Any

from benchmarks.harness import RECIPE, SCHEMA, Benchmark, Row, Sizes, no_quotas, paired, per_call, ratio_row


def _region(resources: int) -> tuple[Any, str]:
    """A backend whose region holds ``resources`` resources: half schemas, half solutions in 10 groups."""
    from pytest_personalize import Backend

    backend = Backend(quotas=no_quotas())
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
            ratio_row(
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


ROWS: dict[int, Benchmark] = {12: bench_scale}
