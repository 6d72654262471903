"""What a mode saw during a test that the test must not pass with: one shape for every mode.

Each mode (the stubbers, the fake, the server, the cassette) answers ``findings()`` with a list
of :class:`Finding` when its fixture ends; :func:`verdict` decides, from each finding's kind,
how the test's call went and the test's options, what the test fails with, and :func:`check`
fails it, as pytest_httpx's fixture asserts at teardown. The plugin needs to know nothing else
of a mode: not its queue, its refusals, its faults or its cassette's interactions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import pytest

from ._options import PersonalizeOptions


class Kind(enum.Enum):
    """Why a finding fails a test, which says when it does."""

    # Something the test set up and the code never used: a queued answer, a fail_next fault.
    # ``@pytest.mark.personalize(assert_all_used=False)`` lets it pass.
    UNUSED = "unused"
    # A request the mode stopped or couldn't answer as the service would. The code under test may
    # have caught the error and carried on: the test must not pass on it.
    STOPPED = "stopped"
    # Recorded interactions the test never replayed: a failure with --personalize-fail-unplayed
    # (or its ini key), after a call that passed.
    UNPLAYED = "unplayed"


@dataclass(frozen=True)
class Finding:
    """One thing a mode found: the message the test fails with, and its kind."""

    message: str
    kind: Kind = Kind.STOPPED


class ReportsFindings(Protocol):
    """A mode the plugin checks at teardown."""

    def findings(self) -> list[Finding]: ...


def verdict(
    findings: Iterable[Finding],
    *,
    call_outcome: str | None,
    assert_all_used: bool = True,
    fail_unplayed: bool = False,
) -> str | None:
    """The message a test fails with at teardown, or None when it may pass.

    ``call_outcome`` is how the test's call phase ended: "passed", "failed", "skipped", or None
    (it never ran). A test that failed already isn't also blamed for what its failure left behind.
    """
    if call_outcome == "failed":
        return None
    waived = set()
    if not assert_all_used:
        waived.add(Kind.UNUSED)
    if not (fail_unplayed and call_outcome == "passed"):
        waived.add(Kind.UNPLAYED)
    messages = [finding.message for finding in findings if finding.kind not in waived]
    return "\n".join(messages) if messages else None


def check(
    item: pytest.Item,
    mode: ReportsFindings,
    call_outcome: str | None,
    *,
    fail_unplayed: bool = False,
    options: PersonalizeOptions | None = None,
) -> None:
    """Fail the test at its teardown on what ``mode`` found (see :func:`verdict`), with the test's
    options (``options``, when the fixture read them already)."""
    __tracebackhide__ = True
    # Read even when nothing was found: a misspelt marker argument fails the test.
    assert_all_used = (options or PersonalizeOptions.of(item)).assert_all_used
    findings = mode.findings()
    if not findings:
        return
    message = verdict(findings, call_outcome=call_outcome, assert_all_used=assert_all_used, fail_unplayed=fail_unplayed)
    if message is not None:
        pytest.fail(message, pytrace=False)
