"""Rows 13 and 14: the cassette engine alone, without botocore or HTTP (moved from the test
suite, which asserts no timings): a lookup in a large cassette against one in a small one, and
recording many interactions against few, save included."""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks.harness import FULL, REGION, Benchmark, Row, Sizes, paired, ratio_row, scratch_directory


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
    directory = scratch_directory()

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

    return ratio_row(
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
    directory = scratch_directory()
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

    return ratio_row(
        14,
        f"cassette engine recording {large:,} interactions, save included, per interaction",
        f"the same, {small} interactions",
        paired(lambda: record(large), lambda: record(small), sizes.repeats),
        "<= 1.5x",
        1.5,
    )


ROWS: dict[int, Benchmark] = {13: bench_engine_lookup, 14: bench_engine_record}
