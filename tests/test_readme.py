"""Every test the README and docs/*.md show runs, as a downstream project would run it: the docs can't drift.

A ``python`` block that defines a test and carries no annotation is written to a test file as it
stands (its imports included, so a reader can copy it) and must pass. Blocks that need more --
a conftest, a cassette, a shell -- are run by tests/test_docs.py.
"""

from __future__ import annotations

import pytest

from tests.doc_blocks import blocks

pytest_plugins = ["pytester"]

TESTS = [block for block in blocks() if block.is_generic_test]


def test_the_docs_show_tests() -> None:
    pages = {block.page.name for block in TESTS}
    assert len(TESTS) >= 10 and {"README.md", "stubber.md", "fake-and-server.md"} <= pages


@pytest.mark.parametrize("block", TESTS, ids=[block.where for block in TESTS])
def test_each_example_passes(pytester: pytest.Pytester, block: object) -> None:
    from tests.doc_blocks import Block

    assert isinstance(block, Block)
    pytester.makepyfile(test_example=block.text)
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    defined = block.text.count("def test_")
    assert outcomes.get("passed", 0) >= defined and set(outcomes) <= {"passed", "warnings"}, (
        f"{block.where}\n" + result.stdout.str()
    )
