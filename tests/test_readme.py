"""Every test the README shows runs, as a downstream project would run it: the docs can't drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"```python\n(.*?)```", text, re.DOTALL):
        line = text.count("\n", 0, match.start()) + 1
        found.append((line, match.group(1)))
    return found


# The record/replay example needs a cassette recorded against a real endpoint: the cassette
# tests cover that mode with recordings made against the loopback server.
TESTS = [
    (line, block) for line, block in python_blocks() if "def test_" in block and "personalize_cassette" not in block
]


def test_the_readme_shows_tests() -> None:
    assert len(TESTS) >= 4


@pytest.mark.parametrize(("line", "block"), TESTS, ids=[f"README.md:{line}" for line, _ in TESTS])
def test_each_readme_example_passes(pytester: pytest.Pytester, line: int, block: str) -> None:
    pytester.makepyfile(test_example="import pytest\n" + block)
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and not outcomes.get("failed") and not outcomes.get("errors"), (
        f"README.md:{line}\n" + result.stdout.str()
    )
