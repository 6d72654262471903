"""The rows of the table, one module per family; each module's ``ROWS`` maps a row number to the
function that measures it (see ``benchmarks.harness`` for what those functions share).

A new row goes in the module of its family (a function taking ``Sizes`` and returning a ``Row``,
or yielding several, listed in that module's ``ROWS``); a new family is a new module here, listed
in ``FAMILIES``. Families run in that order and the rows of a family in its ``ROWS`` order; the
table is printed by row number whatever the order.
"""

from __future__ import annotations

from benchmarks.harness import Benchmark
from benchmarks.rows import cassette, cassette_engine, import_cost, moto, per_call, per_test, scale, scrub

# In-process families first; moto's after them, because importing moto adds its handler to every
# botocore session made afterwards; the plugin's import, timed in fresh interpreters, last.
FAMILIES = (per_call, per_test, scale, cassette_engine, cassette, scrub, moto, import_cost)


def benchmarks() -> dict[int, Benchmark]:
    """Every row by number, in the order they run."""
    found: dict[int, Benchmark] = {}
    for family in FAMILIES:
        for number, benchmark in family.ROWS.items():
            if number in found:
                raise RuntimeError(f"row {number} is claimed by two families (the second: {family.__name__})")
            found[number] = benchmark
    return found
