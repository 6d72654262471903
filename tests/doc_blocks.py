"""The fenced code blocks of README.md and docs/*.md, and what each one's annotation says about it.

A block is run by a test, so the docs can't drift. The line before a block may say how:

- no annotation, a ``python`` block that defines a test: run as a downstream test file
  (tests/test_readme.py);
- ``<!-- example: NAME -->``: run by the test in tests/test_docs.py that asks for NAME;
- ``<!-- main-command -->``, ``<!-- test-command -->``: the set-up commands, run by .ci/run and
  tests/test_examples.py;
- ``<!-- not run: REASON -->``: shown only, for a reason the reader can judge (it needs AWS, say).

tests/test_docs.py checks that every block is one of these.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[ \t]*$")
_ANNOTATION = re.compile(r"^\s*<!--\s*(?P<text>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str  # dedented
    annotation: str | None  # the HTML comment on the line before, without <!-- -->

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def example(self) -> str | None:
        """The NAME of ``<!-- example: NAME -->``, or None."""
        if self.annotation and self.annotation.startswith("example:"):
            return self.annotation.split(":", 1)[1].strip()
        return None

    @property
    def is_generic_test(self) -> bool:
        """A python block with a test in it and no annotation: tests/test_readme.py runs it."""
        return (
            self.annotation is None
            and self.lang == "python"
            and re.search(r"^\s*def test_", self.text, re.M) is not None
        )


def blocks(pages: tuple[Path, ...] = PAGES) -> list[Block]:
    found: list[Block] = []
    for page in pages:
        lines = page.read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            opening = _FENCE.match(lines[index])
            if opening is None:
                index += 1
                continue
            indent = opening.group("indent")
            body: list[str] = []
            close = index + 1
            while close < len(lines) and lines[close].strip() != "```":
                body.append(lines[close])
                close += 1
            if close == len(lines):
                raise ValueError(f"{page.name}:{index + 1}: a code block that never closes")
            previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            annotation = _ANNOTATION.match(previous)
            text = textwrap.dedent("\n".join(line[len(indent) :] if line.startswith(indent) else line for line in body))
            found.append(
                Block(
                    page=page,
                    line=index + 1,
                    lang=opening.group("lang"),
                    text=text + "\n",
                    annotation=annotation.group("text") if annotation else None,
                )
            )
            index = close + 1
    return found


def example(name: str) -> Block:
    """The one block annotated ``<!-- example: name -->``."""
    named = [block for block in blocks() if block.example == name]
    if len(named) != 1:
        raise LookupError(f"{len(named)} blocks are annotated <!-- example: {name} -->; expected one")
    return named[0]


def commands(block: Block) -> list[str]:
    """A shell block's commands: one a line, comments and blank lines dropped, ``\\`` continuations joined."""
    joined = block.text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        command = re.sub(r"(^|\s)#.*$", "", line).strip()
        if command:
            found.append(command)
    return found
