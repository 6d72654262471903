"""Matching the user controls, as a downstream project uses it: a uuid in a job name blocks replay
until the marker, the ini key or the fixture says how to compare it, recording and replay alike;
the miss message says so."""

from __future__ import annotations

import pytest

from pytest_personalize import PersonalizeServer
from pytest_personalize.model.errors import UsageError
from pytest_personalize.recording.matching import Matching, volatile_members
from tests.cassette_helpers import recording_against, replaying_offline

APP = """
import uuid

import boto3


def create_job_group():
    client = boto3.client("personalize")
    name = f"job-{uuid.uuid4()}"  # a new name on every run
    arn = client.create_dataset_group(name=name)["datasetGroupArn"]
    return client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["name"]
"""

TEST = """
import pytest
from app import create_job_group


@pytest.mark.personalize_cassette{marker}
def test_job():
    assert create_job_group().startswith("job-")
"""

MARKER = "(matching={'normalize': {'CreateDatasetGroup:name': 'uuid'}})"


@pytest.fixture
def project(project: pytest.Pytester) -> pytest.Pytester:
    project.makepyfile(app=APP)
    return project


def _record(project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """Record the test against the server, then stop it and go offline; the server's (dead) URL."""
    project.makepyfile(test_app=TEST.format(marker=""))
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    endpoint = server.endpoint_url
    server.stop()
    replaying_offline(monkeypatch)
    return endpoint


def test_a_uuid_in_a_job_name_fails_replay_and_the_message_shows_the_configuration(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(project, server, monkeypatch)
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "members that look volatile: 'name' (a uuid)" in output
    assert "@pytest.mark.personalize_cassette(matching={'normalize': {'CreateDatasetGroup:name': 'uuid'}})" in output
    assert "normalize CreateDatasetGroup:name uuid" in output
    assert "Re-record" not in output  # a re-recording would only get a new uuid


def test_the_marker_makes_it_replay(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(project, server, monkeypatch)
    project.makepyfile(test_app=TEST.format(marker=MARKER))
    project.runpytest().assert_outcomes(passed=1)


def test_the_ini_key_makes_it_replay(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(project, server, monkeypatch)
    project.makeini("[pytest]\npersonalize_cassette_matching =\n    normalize CreateDatasetGroup:name uuid\n")
    project.runpytest().assert_outcomes(passed=1)


def test_the_fixture_makes_it_replay_and_recording_agrees(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = _record(project, server, monkeypatch)
    cassette = project.path / "cassettes" / "test_app" / "test_job.yaml"
    recorded = cassette.read_text()
    project.makeconftest(
        (project.path / "conftest.py").read_text()
        + """

@pytest.fixture
def personalize_cassette_matching():
    return {"ignore": ["CreateDatasetGroup:name"]}
"""
    )
    project.runpytest().assert_outcomes(passed=1)
    # new_episodes records what the cassette lacks, judged by the same matching: nothing here
    # (the server is stopped, so a request it thought new would fail).
    monkeypatch.delenv("AWS_PROFILE")
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", endpoint)
    project.runpytest("--personalize-record-mode=new_episodes").assert_outcomes(passed=1)
    assert cassette.read_text() == recorded


def test_a_custom_matcher_is_one_more_condition(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(project, server, monkeypatch)
    project.makeconftest(
        (project.path / "conftest.py").read_text()
        + """

CALLS = []


def refuse_creates(request, recorded):
    CALLS.append(request.uri)
    assert b"CreateDatasetGroup" not in str(request.headers.get("X-Amz-Target")).encode(), "no creates today"


@pytest.fixture
def personalize_cassette_matching():
    return {"ignore": ["name"], "matcher": refuse_creates}
"""
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*the custom matcher refused the 1 unplayed recorded request(s) like it (no creates today)*"]
    )


def test_a_misspelt_matching_key_fails_the_test_naming_it(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_app="""
        import pytest

        @pytest.mark.personalize_cassette(matching={"ignores": ["name"]})
        def test_x():
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)  # at setup, as any bad marker argument
    result.stdout.fnmatch_lines(["*matching has unknown key(s) ignores; it takes ignore, normalize, matcher*"])


def test_a_bad_ini_line_names_the_key(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\npersonalize_cassette_matching = normalise name uuid\n")
    project.makepyfile(test_app="import pytest\n\n@pytest.mark.personalize_cassette\ndef test_x():\n    pass\n")
    result = project.runpytest()
    assert result.ret != 0
    assert "ini personalize_cassette_matching: 'normalise name uuid'" in result.stdout.str()


def test_ignore_and_normalize_reach_nested_members_and_list_elements() -> None:
    matching = Matching.of(
        {
            "ignore": ["PutEvents:sessionId", "eventList.eventId"],
            "normalize": {"eventList.sentAt": "timestamp", "trackingId": r"[a-z]{3}"},
        }
    )
    body = (
        '{"eventList":[{"eventId":"e1","sentAt":1765047626,"eventType":"click"}],"sessionId":"s1","trackingId":"abc-1"}'
    )
    assert matching.body("PutEvents", body) == (
        '{"eventList":[{"eventType":"click","sentAt":"<timestamp>"}],"trackingId":"<normalized>-1"}'
    )
    # Another operation keeps its sessionId.
    assert '"sessionId":"s1"' in matching.body("PutItems", body)


@pytest.mark.parametrize(
    ("mine", "recorded", "expected"),
    [
        (
            '{"name":"job-0b7e2f3c-7a9d-4c53-9f1e-3d2a0c1b4e5f"}',
            '{"name":"job-5c1d9e7a-2b3f-4d8e-a6c0-1f2e3d4c5b6a"}',
            [("name", "uuid")],
        ),
        (
            '{"jobName":"import-2026-12-06T19:00:26Z"}',
            '{"jobName":"import-2025-01-31T08:15:00Z"}',
            [("jobName", "timestamp")],
        ),
        ('{"a":{"b":["run-7"]}}', '{"a":{"b":["run-12"]}}', [("a.b", "counter")]),
        ('{"name":"shop"}', '{"name":"shoes"}', None),
        ('{"name":"job-1","x":1}', '{"name":"job-2"}', None),
    ],
)
def test_volatile_members_are_told_only_when_they_alone_differ(
    mine: str, recorded: str, expected: list[tuple[str, str]] | None
) -> None:
    assert volatile_members(mine, recorded) == expected


def test_a_bad_member_or_pattern_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a member path"):
        Matching.of({"ignore": ["a..b"]})
    with pytest.raises(UsageError, match="not a regular expression"):
        Matching.of({"normalize": {"name": "("}})
    with pytest.raises(UsageError, match="must be a list of members"):
        Matching.of({"ignore": "name"})
