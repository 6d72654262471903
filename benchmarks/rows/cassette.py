"""Rows 4, 5, 6, 9 and 10: cassettes over real HTTP, recorded against the loopback server.

Replay against a cassette 100 times smaller (4) and against plain vcrpy (5), recording at two
sizes (6), and both with 8 threads sharing one client (9, 10). The cassettes rows 4, 5 and 9
replay are recorded once per run (``recorded``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import REGION, Benchmark, Row, Sizes, arn, paired, ratio_row, scratch_directory, server


def traffic(client: Any, i: int) -> None:
    """Call ``i`` of a recording: distinct requests that leave the server's state small.

    Create and delete alternate under the instant lifecycle, so every request is different and
    the server never holds more than one group: the figure is the recorder's, not the backend's.
    """
    name = f"g{i // 2}"
    if i % 2 == 0:
        client.create_dataset_group(name=name)
    else:
        client.delete_dataset_group(datasetGroupArn=arn("dataset-group", name))


def record(path: Path, calls: int, endpoint_url: str) -> float:
    """Record ``calls`` calls into a new cassette at ``path``; seconds for the whole session, save included."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    client = make_client(REGION, endpoint_url=endpoint_url)  # no request yet: its connection pool comes later
    start = time.perf_counter()
    with use_cassette(path, "all"):
        for i in range(calls):
            traffic(client, i)
    return time.perf_counter() - start


def _replay_calls(path: Path, calls: int, endpoint_url: str, plain_vcr: Any = None) -> float:
    """Seconds spent in calls 2..``calls`` replayed from ``path`` (the first opens the connection: untimed)."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    context = use_cassette(path, "none") if plain_vcr is None else plain_vcr.use_cassette(str(path))
    with context:
        client = make_client(REGION, endpoint_url=endpoint_url)
        traffic(client, 0)
        start = time.perf_counter()
        for i in range(1, calls):
            traffic(client, i)
        return time.perf_counter() - start


def _replay_per_call(path: Path, size: int, total: int, endpoint_url: str, plain_vcr: Any = None) -> float:
    """Per call, replaying the ``size``-call cassette as often as it takes to make ``total`` calls."""
    blocks = max(total // size, 1)
    seconds = sum(_replay_calls(path, size, endpoint_url, plain_vcr) for _ in range(blocks))
    return seconds / (blocks * (size - 1))


class Cassettes:
    """The cassettes rows 4, 5 and 9 replay, recorded once against the loopback server."""

    def __init__(self, directory: Path, sizes: Sizes) -> None:
        self.directory = directory
        with server() as running:
            self.endpoint_url = running.endpoint_url
            self.small, self.large = directory / "small.yaml", directory / "large.yaml"
            record(self.small, sizes.cassette_small, self.endpoint_url)
            record(self.large, sizes.cassette_large, self.endpoint_url)
            self.plain = directory / "plain.yaml"
            # vcrpy records in "all" mode without matchers (with them, each recorded call scans the
            # whole cassette); the matchers under test are the replaying VCR's.
            import vcr

            from pytest_personalize._clients import make_client

            with vcr.VCR(record_mode="all", match_on=()).use_cassette(str(self.plain)):
                client = make_client(REGION, endpoint_url=self.endpoint_url)
                for i in range(sizes.cassette_large):
                    traffic(client, i)


_recorded: dict[Sizes, Cassettes] = {}


def recorded(sizes: Sizes) -> Cassettes:
    if sizes not in _recorded:
        _recorded[sizes] = Cassettes(scratch_directory(), sizes)
    return _recorded[sizes]


# --- 4, 5 and 6 ----------------------------------------------------------------------------------


def bench_replay_flat(sizes: Sizes) -> Row:
    cassettes = recorded(sizes)
    total = sizes.cassette_large
    figures = paired(
        lambda: _replay_per_call(cassettes.large, sizes.cassette_large, total, cassettes.endpoint_url),
        lambda: _replay_per_call(cassettes.small, sizes.cassette_small, total, cassettes.endpoint_url),
        sizes.repeats,
    )
    return ratio_row(
        4,
        f"replay per call, {sizes.cassette_large}-interaction cassette",
        f"replay per call, {sizes.cassette_small}-interaction cassette",
        figures,
        "<= 1.2x",
        1.2,
    )


def bench_replay_vs_vcrpy(sizes: Sizes) -> Row:
    import vcr

    cassettes = recorded(sizes)
    plain = vcr.VCR(record_mode="none", match_on=("method", "uri", "body"))
    size = sizes.cassette_large
    figures = paired(
        lambda: _replay_per_call(cassettes.large, size, size, cassettes.endpoint_url),
        lambda: _replay_per_call(cassettes.plain, size, size, cassettes.endpoint_url, plain),
        sizes.vcrpy_rounds,
    )
    return ratio_row(
        5,
        f"replay per call, {size}-interaction cassette",
        "plain vcrpy, match_on=(method, uri, body)",
        figures,
        "<= 0.05x (20x faster)",
        0.05,
    )


def bench_record_linear(sizes: Sizes) -> Row:
    large, small = sizes.cassette_large, sizes.cassette_small
    with tempfile.TemporaryDirectory() as tmp, server() as running:
        paths = iter(Path(tmp) / f"{n}.yaml" for n in range(10**9))

        def record_per_call(size: int) -> float:
            blocks = max(large // size, 1)
            return sum(record(next(paths), size, running.endpoint_url) for _ in range(blocks)) / (blocks * size)

        figures = paired(lambda: record_per_call(large), lambda: record_per_call(small), sizes.repeats)
    return ratio_row(
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
    """Seconds for ``calls`` calls of ``traffic`` spread over ``threads`` threads sharing ``client``.

    Each thread takes whole create/delete pairs, so no thread deletes a group another hasn't made yet.
    """
    import threading

    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for pair in range(t, calls // 2, threads):
                traffic(client, 2 * pair)
                traffic(client, 2 * pair + 1)
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

    cassettes = recorded(sizes)
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
    with tempfile.TemporaryDirectory() as tmp, server() as running:
        paths = iter(Path(tmp) / f"{n}.yaml" for n in range(10**9))

        def record_threaded(threads: int) -> float:
            path = next(paths)
            client = make_client(REGION, endpoint_url=running.endpoint_url)
            start = time.perf_counter()
            with use_cassette(path, "all"):
                _threaded(client, calls, threads)
            seconds = time.perf_counter() - start
            lost.append(calls - len(load(path)))
            return seconds / calls

        value, base, ratio = paired(lambda: record_threaded(THREADS), lambda: record_threaded(1), sizes.repeats)
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


ROWS: dict[int, Benchmark] = {
    4: bench_replay_flat,
    5: bench_replay_vs_vcrpy,
    6: bench_record_linear,
    9: bench_threads_replay,
    10: bench_threads_record,
}
