"""Rows 16 and 17: what scrubbing a recorded request costs per byte, from 1 KB to 1 MB of body."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks import scrub_cost
from benchmarks.harness import QUICK, Benchmark, Row, Sizes


def _row(number: int, make: Callable[[int], str], what: str, sizes: Sizes) -> Row:
    lengths, rounds = (scrub_cost.QUICK_SIZES, 3) if sizes == QUICK else (scrub_cost.SIZES, 7)
    measured = scrub_cost.measure(make, lengths, rounds)
    largest, smallest = measured[-1], measured[0]
    ratio = scrub_cost.ratio(measured)
    return Row(
        number,
        f"scrub cost per byte of {what}, {largest.size:,} bytes",
        f"the same at {smallest.size:,} bytes",
        largest.seconds_per_byte,
        smallest.seconds_per_byte,
        ratio,
        "s",
        f"<= {scrub_cost.TARGET}x (linear)",
        ratio <= scrub_cost.TARGET,
    )


def bench_realistic(sizes: Sizes) -> Row:
    """A request body of tags with a learnt key id and secret in some of them."""
    return _row(16, scrub_cost.realistic_body, "a realistic body", sizes)


def bench_folded_run(sizes: Sizes) -> Row:
    """One long run of base64-like characters and a line break: the input that was quadratic."""
    return _row(17, scrub_cost.folded_run_body, "one base64-like run", sizes)


ROWS: dict[int, Benchmark] = {16: bench_realistic, 17: bench_folded_run}
