"""One teardown shape for every mode (pytest_personalize._findings): each mode's findings(), and the verdict."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from pytest_personalize import (
    PersonalizeCassette,
    PersonalizeFake,
    PersonalizeServer,
    PersonalizeStubber,
    UnattachedClientError,
)
from pytest_personalize._findings import Finding, Kind, ReportsFindings, verdict

UNUSED = Finding("1 queued Personalize answer was never used", Kind.UNUSED)
STOPPED = Finding("personalize_fake stopped 1 request(s)")
UNPLAYED = Finding("1 of 2 recorded interaction(s) were never replayed", Kind.UNPLAYED)
ALL = [UNUSED, STOPPED, UNPLAYED]


@pytest.mark.parametrize(
    ("outcome", "options", "expected"),
    [
        ("passed", {}, [UNUSED, STOPPED]),
        ("passed", {"fail_unplayed": True}, ALL),
        ("passed", {"assert_all_used": False}, [STOPPED]),
        ("skipped", {"fail_unplayed": True}, [UNUSED, STOPPED]),  # unplayed counts after a passing call only
        (None, {}, [UNUSED, STOPPED]),
        ("failed", {"fail_unplayed": True}, []),  # the test's own failure comes first
    ],
)
def test_the_verdict_follows_each_findings_kind(
    outcome: str | None, options: dict[str, bool], expected: list[Finding]
) -> None:
    message = verdict(ALL, call_outcome=outcome, **options)
    assert message == ("\n".join(finding.message for finding in expected) if expected else None)


def test_nothing_found_passes() -> None:
    assert verdict([], call_outcome="passed", fail_unplayed=True) is None


def _client() -> object:
    return boto3.client(
        "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def test_the_stubber_reports_an_unused_answer() -> None:
    stubber: ReportsFindings = PersonalizeStubber(_client())  # type: ignore[arg-type]
    assert stubber.findings() == []
    stubber.add_response("list_recipes")  # type: ignore[attr-defined]
    (finding,) = stubber.findings()
    assert finding.kind is Kind.UNUSED and "ListRecipes -> response" in finding.message


def test_the_fake_and_the_server_report_an_unfired_fault() -> None:
    fake, server = PersonalizeFake(), PersonalizeServer()
    assert fake.findings() == [] and server.findings() == []
    fake.fail_next("create_dataset_group", "LimitExceededException")
    server.backend.fail_next("create_dataset_group", "LimitExceededException")
    for mode in (fake, server):
        (finding,) = mode.findings()
        assert finding.kind is Kind.UNUSED and "did not fire as often as asked" in finding.message


def test_the_fake_reports_a_stopped_request() -> None:
    client = _client()
    with PersonalizeFake() as fake, pytest.raises(UnattachedClientError):
        client.list_recipes()  # type: ignore[attr-defined]
    (finding,) = fake.findings()
    assert finding.kind is Kind.STOPPED and finding.message.startswith("personalize_fake stopped 1 request(s): ")


def test_the_cassette_reports_a_request_it_could_not_answer(tmp_path: Path) -> None:
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "none")
    assert cassette.findings() == []
    cassette.failures.append("Amazon Personalize call ListRecipes can't be replayed")
    assert cassette.findings() == [Finding("Amazon Personalize call ListRecipes can't be replayed", Kind.STOPPED)]
