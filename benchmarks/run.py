"""Benchmarks of pytest-personalize against the tools users would otherwise pick.

Every figure is a ratio against a baseline measured in the same run, in back-to-back rounds
whose order alternates; the ratio reported is the median of the rounds' ratios. Absolute
times on a shared machine are noise, ratios much less so. Run ``python benchmarks/run.py``
(``--quick`` for tiny sizes, as the test suite's smoke run does; ``--only N`` for one row).

This is the entry point: the measuring method and the shared set-up are in ``harness.py``,
the rows in ``rows/``, one module per family.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: the rows are modules of the benchmarks package, found from the checkout's
    # root (appended, so an installed pytest_personalize still comes first).
    sys.path.append(str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import FULL, QUICK, Row, machine_line, table
from benchmarks.rows import benchmarks

BENCHMARKS = benchmarks()


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
    for number in (n for n in BENCHMARKS if n in chosen):
        produced = BENCHMARKS[number](sizes)
        rows.extend([produced] if isinstance(produced, Row) else list(produced))
    rows.sort(key=lambda row: row.number)  # stable: a row's lines keep their order
    print(machine_line())
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
