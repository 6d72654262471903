"""Scrubbing cost per byte of request body, at 1 KB, 100 KB and 1 MB: is it linear?

The recorder scrubs every request and response before a cassette is written, and ``check``
scans every cassette with the same detector; both must cost the same per byte at any size.
Two bodies are measured: a realistic one (a CreateDatasetGroup-like JSON body whose tags hold
words, base64, percent-encoded text, JSON escapes and a few planted fake secrets), and the
input that once made scrubbing quadratic (one long run of base64-like characters followed by a
line break). The figure is the ratio of the cost per byte at the largest size to the cost per
byte at the smallest; the target is at most 1.5x.

Standalone (the standard library and the package): ``python benchmarks/scrub_cost.py``
(``--quick`` for smaller sizes and fewer rounds).
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_personalize.recording.scrub import Secrets

# FAKE credentials, made up for the benchmark.
KEY_ID = "AKIA" + "FAKEFAKEFAKE0099"  # fake
SECRET = "fakeSecretKey/NotReal+ForBench999999999"  # fake, 40 characters
TARGET = 1.5
SIZES = (1_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)


def realistic_body(size: int) -> str:
    """A JSON request body of about ``size`` characters, varied like real traffic."""
    tags = []
    number = 0
    while len(json.dumps({"name": "shop", "tags": tags})) < size:
        words = f"customer segment {number} with a note/about\tthings"
        kind = number % 8
        if kind == 0:
            value = words
        elif kind == 1:
            value = base64.b64encode(words.encode()).decode()
        elif kind == 2:
            value = quote(words, safe="")
        elif kind == 3:
            value = json.dumps({"nested": words, "n": number})
        elif kind == 4:
            value = base64.encodebytes((words * 3).encode()).decode()
        elif kind == 5 and number % 40 == 5:
            value = f"leaked {KEY_ID} and {SECRET}"
        else:
            value = f"plain-{number}-" + "x" * (number % 30)
        tags.append({"tagKey": f"k{number}", "tagValue": value})
        number += 1
    return json.dumps({"name": "shop", "tags": tags})


def folded_run_body(size: int) -> str:
    """What was quadratic: base64-like characters, then a line break, in one tag value."""
    return json.dumps({"name": "shop", "tags": [{"tagKey": "k", "tagValue": "A" * size + "\n"}]})


@dataclass(frozen=True)
class Measured:
    body: str
    size: int
    seconds_per_byte: float


def measure(make: Callable[[int], str], sizes: tuple[int, ...], rounds: int) -> list[Measured]:
    """The median time per byte to scrub a body of each size, as the recorder does (secrets learnt)."""
    found = []
    for size in sizes:
        body = make(size)
        # Enough repetitions that a small body's time isn't the clock's resolution.
        repeat = max(1, 200_000 // len(body))
        times = []
        for _ in range(rounds):
            secrets = Secrets()
            secrets.learn({KEY_ID, SECRET})
            started = time.perf_counter()
            for _ in range(repeat):
                secrets.scrub(body)
            times.append((time.perf_counter() - started) / repeat)
        found.append(Measured(make.__name__, len(body), statistics.median(times) / len(body)))
    return found


def ratio(measured: list[Measured]) -> float:
    """The cost per byte at the largest size over the cost per byte at the smallest."""
    return measured[-1].seconds_per_byte / measured[0].seconds_per_byte


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds (a smoke run)")
    args = parser.parse_args(argv)
    sizes, rounds = (QUICK_SIZES, 3) if args.quick else (SIZES, 7)
    within = True
    print("| body | size (bytes) | scrub cost per byte (ns) |")
    print("|---|---:|---:|")
    results = [measure(make, sizes, rounds) for make in (realistic_body, folded_run_body)]
    for measured in results:
        for row in measured:
            print(f"| {row.body} | {row.size:,} | {row.seconds_per_byte * 1e9:.1f} |")
    print()
    for measured in results:
        figure = ratio(measured)
        within = within and figure <= TARGET
        verdict = "met" if figure <= TARGET else "MISSED"
        print(
            f"{measured[0].body}: cost per byte at {measured[-1].size:,} bytes / at {measured[0].size:,} bytes "
            f"= {figure:.2f}x (target <= {TARGET}x: {verdict})"
        )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
