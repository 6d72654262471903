"""``python -m pytest_personalize parity``: a cassette replayed against a fresh fake, its answers compared.

A cassette recorded from the loopback server has no divergence; every divergence planted by editing
it is reported; the corpus of real answers (``parity_corpus/``) passes with its accept file; the
accept file, the JSON report and bad input behave as documented.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_personalize import PersonalizeServer
from pytest_personalize.__main__ import main
from pytest_personalize.recording.parity import (
    Divergence,
    is_service_wording,
    load_acceptances,
    normalised_text,
    parity_paths,
)
from tests.cassette_helpers import recording_against

CORPUS = Path(__file__).parent / "parity_corpus"
DOCS = Path(__file__).parents[2] / "docs"


def _record(path: Path) -> None:
    """What a provisioning test does: a group polled to ACTIVE, a tracker (generated ids), a solution, errors."""
    import boto3

    from pytest_personalize.recording.cassette import use_cassette

    with use_cassette(path, "all"):
        client = boto3.client("personalize")
        group = client.create_dataset_group(name="shop")["datasetGroupArn"]
        while client.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] != "ACTIVE":
            pass
        tracker = client.create_event_tracker(name="clicks", datasetGroupArn=group)["eventTrackerArn"]
        while client.describe_event_tracker(eventTrackerArn=tracker)["eventTracker"]["status"] != "ACTIVE":
            pass
        solution = client.create_solution(
            name="recs", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-user-personalization"
        )["solutionArn"]
        while client.describe_solution(solutionArn=solution)["solution"]["status"] != "ACTIVE":
            pass
        client.list_event_trackers(datasetGroupArn=group)
        domain = client.create_dataset_group(name="shop-domain", domain="ECOMMERCE")["datasetGroupArn"]
        client.describe_dataset_group(datasetGroupArn=domain)
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_campaign(campaignArn=group.replace("dataset-group/shop", "campaign/none"))
        with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
            client.create_dataset_group(name="shop")


@pytest.fixture
def recorded(tmp_path: Path, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cassette recorded from the loopback server over HTTP, in eu-west-1."""
    recording_against(monkeypatch, server)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    path = tmp_path / "cassettes" / "provisioning.yaml"
    _record(path)
    return path


def _edit(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    document = yaml.safe_load(path.read_text())
    change(document["interactions"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _answer(interaction: dict[str, Any]) -> dict[str, Any]:
    body = interaction["response"]["body"]["string"]
    return json.loads(body) if isinstance(body, str) else json.loads(json.dumps(body))


def _set_answer(interaction: dict[str, Any], answer: dict[str, Any]) -> None:
    interaction["response"]["body"]["string"] = json.dumps(answer)


def _operation(interaction: dict[str, Any]) -> str:
    return str(interaction["request"]["headers"]["X-Amz-Target"][0]).split(".", 1)[1]


def _index(interactions: list[dict[str, Any]], operation: str, last: bool = False) -> int:
    found = [number for number, item in enumerate(interactions) if _operation(item) == operation]
    return found[-1] if last else found[0]


def _kinds(found: list[Divergence]) -> list[tuple[int, str, str, str]]:
    return [(d.interaction, d.operation, d.kind, d.path) for d in found]


# --- a recording from the server --------------------------------------------------------------


def test_a_cassette_recorded_from_the_server_has_no_divergence(recorded: Path) -> None:
    report = parity_paths([recorded])
    assert report.cassettes == 1
    assert report.interactions >= 12
    assert report.divergences == []
    assert report.passed


def test_ids_the_service_made_up_are_mapped_to_the_fakes(recorded: Path) -> None:
    # The real service gives the tracker another id and trackingId than a fresh fake does: later
    # requests that name them reach the fake's tracker, and nothing diverges.
    text = recorded.read_text()
    [tracker_id] = set(re.findall(r"event-tracker/([0-9a-f]{8})", text))
    [tracking_id] = set(re.findall(r'"trackingId": "([0-9a-f-]{36})"', text))
    recorded.write_text(
        text.replace(tracker_id, "0badc0de").replace(tracking_id, "55d3a75d-f05d-4fd1-a503-8b740c13c67c")
    )
    assert "event-tracker/0badc0de" in recorded.read_text()
    assert parity_paths([recorded]).divergences == []


def test_normalisation_masks_accounts_ids_and_timestamps() -> None:
    text = (
        "arn:aws:personalize:eu-west-1:210987654321:event-tracker/ca4f41f3 at 2024-08-02T10:11:12.345Z "
        "tracking 55d3a75d-f05d-4fd1-a503-8b740c13c67c"
    )
    assert normalised_text(text, {"arn:aws:personalize:eu-west-1:210987654321:event-tracker/ca4f41f3": "X"}) == (
        "X at <timestamp> tracking <id>"
    )
    assert normalised_text(text) == (
        "arn:aws:personalize:eu-west-1:<account>:event-tracker/ca4f41f3 at <timestamp> tracking <id>"
    )


@pytest.mark.parametrize(
    ("message", "service"),
    [
        ("The given solution does not exist: arn:aws:personalize:us-east-1:123456789012:solution/x", True),
        ("1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: ...", True),
        ("More than 5 resources with PENDING or IN_PROGRESS status.", True),
        ("Rate exceeded", True),  # a common error's description
        ("Could not find resource with Arn arn:aws:personalize:us-east-1:123456789012:solution/x.", False),
    ],
)
def test_whose_wording_a_message_is(message: str, service: bool) -> None:
    assert is_service_wording(message) is service


def test_a_changed_error_code_is_reported(recorded: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        item = interactions[_index(interactions, "DescribeCampaign")]
        item["response"]["headers"]["x-amzn-ErrorType"] = ["InvalidInputException"]
        _set_answer(item, {**_answer(item), "__type": "InvalidInputException"})

    _edit(recorded, change)
    [divergence] = parity_paths([recorded]).divergences
    assert (divergence.operation, divergence.kind) == ("DescribeCampaign", "error-code")
    assert (divergence.recorded, divergence.ours) == ("InvalidInputException", "ResourceNotFoundException")


def test_a_missing_member_and_an_extra_one_are_reported(recorded: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        item = interactions[_index(interactions, "DescribeSolution", last=True)]
        answer = _answer(item)
        del answer["solution"]["recipeArn"]
        answer["solution"]["trainingType"] = "MANUAL"
        _set_answer(item, answer)

    _edit(recorded, change)
    found = parity_paths([recorded]).divergences
    assert [(d.kind, d.path, d.recorded, d.ours) for d in found] == [
        ("member", "solution.recipeArn", "absent", "present"),
        ("member", "solution.trainingType", "present", "absent"),
    ]
    assert {d.operation for d in found} == {"DescribeSolution"}


def test_a_changed_status_is_reported_as_its_path(recorded: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        item = interactions[_index(interactions, "DescribeEventTracker", last=True)]
        answer = _answer(item)
        answer["eventTracker"]["status"] = "CREATE FAILED"
        _set_answer(item, answer)

    _edit(recorded, change)
    [divergence] = parity_paths([recorded]).divergences
    assert (divergence.operation, divergence.kind, divergence.path) == (
        "DescribeEventTracker",
        "status-path",
        "eventTracker.status",
    )
    assert divergence.recorded.startswith("CREATE PENDING > CREATE FAILED")  # ListEventTrackers: ACTIVE after
    assert divergence.ours.endswith("ACTIVE")
    assert ":event-tracker/" in divergence.detail  # which resource, its id as the fake gave it


def test_an_extra_list_item_and_an_http_status_are_reported(recorded: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        item = interactions[_index(interactions, "ListEventTrackers")]
        answer = _answer(item)
        answer["eventTrackers"].append(dict(answer["eventTrackers"][0], eventTrackerArn="arn:x"))
        _set_answer(item, answer)
        refused = interactions[_index(interactions, "CreateDatasetGroup", last=True)]
        refused["response"]["status"]["code"] = 409

    _edit(recorded, change)
    assert {(d.kind, d.path) for d in parity_paths([recorded]).divergences} == {
        ("items", "eventTrackers"),
        ("http-status", ""),
    }


def test_a_changed_enum_value_is_reported(recorded: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        item = interactions[_index(interactions, "DescribeDatasetGroup", last=True)]
        answer = _answer(item)
        assert answer["datasetGroup"]["domain"] == "ECOMMERCE"
        answer["datasetGroup"]["domain"] = "VIDEO_ON_DEMAND"
        _set_answer(item, answer)

    _edit(recorded, change)
    [divergence] = parity_paths([recorded]).divergences
    assert (divergence.kind, divergence.path, divergence.recorded, divergence.ours) == (
        "value",
        "datasetGroup.domain",
        "VIDEO_ON_DEMAND",
        "ECOMMERCE",
    )


def test_the_status_path_a_slow_service_took_is_reachable(recorded: Path) -> None:
    # The real service polls many times through IN_PROGRESS; the fake takes a poll per stage.
    def change(interactions: list[dict[str, Any]]) -> None:
        index = _index(interactions, "DescribeDatasetGroup") + 1
        active = interactions[index]
        slow = json.loads(json.dumps(active))
        answer = _answer(slow)
        answer["datasetGroup"]["status"] = "CREATE IN_PROGRESS"
        _set_answer(slow, answer)
        interactions[index:index] = [json.loads(json.dumps(slow)) for _ in range(5)]

    _edit(recorded, change)
    document = yaml.safe_load(recorded.read_text())
    document["interaction_count"] = len(document["interactions"])
    recorded.write_text(yaml.safe_dump(document, sort_keys=False))
    assert parity_paths([recorded]).divergences == []


# --- the corpus of real answers ------------------------------------------------------------------


def test_the_corpus_of_real_answers_passes_with_its_accepted_divergences() -> None:
    acceptances = load_acceptances(CORPUS / "accepted.toml")
    report = parity_paths([CORPUS], acceptances)
    assert report.cassettes >= 4
    assert report.errors == []
    assert report.failing == [], report.render()
    # Each interaction of the corpus names its source.
    for path in CORPUS.glob("*.yaml"):
        text = path.read_text()
        assert text.count("- request:") == len(re.findall(r"^# Source: ", text, re.MULTILINE)), path.name
        assert set(re.findall(r"arn:aws:[a-z]+:[a-z0-9-]*:(\d{12}):", text)) <= {"123456789012", "210987654321"}


def test_every_accepted_divergence_of_the_corpus_is_listed_in_the_fidelity_page() -> None:
    page = (DOCS / "fidelity.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `") and ".yaml" in line]
    for entry in load_acceptances(CORPUS / "accepted.toml"):
        assert any(f"`{entry.file}`" in row and f"`{entry.kind}`" in row for row in rows), entry.describe()


# --- the command ---------------------------------------------------------------------------------


def test_the_command_prints_a_line_per_divergence_and_a_summary_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["parity", str(CORPUS)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith(f"parity: {len(list(CORPUS.glob('*.yaml')))} cassette(s), ")
    assert lines[-1].endswith(" 0 accepted")
    assert (
        f"{CORPUS / 'refusals.yaml'}: interaction 1 (CreateDatasetGroup): error-code: recorded AccessDeniedException, ours a success"
        in lines
    )


def test_a_message_worded_by_the_fake_is_marked_ours(recorded: Path) -> None:
    def change(interactions: list[dict[str, Any]]) -> None:
        item = interactions[_index(interactions, "CreateDatasetGroup", last=True)]
        _set_answer(item, {**_answer(item), "message": "Resource of type dataset group named shop exists."})
        item = interactions[_index(interactions, "DescribeCampaign")]
        _set_answer(item, {**_answer(item), "message": "Something else."})

    _edit(recorded, change)
    found = {d.operation: d for d in parity_paths([recorded]).divergences}
    assert set(found) == {"CreateDatasetGroup", "DescribeCampaign"}
    assert {d.kind for d in found.values()} == {"error-message"}
    # "Another resource with Arn ... already exists." is the service's own wording; the other isn't known.
    assert found["CreateDatasetGroup"].recorded == "Resource of type dataset group named shop exists."
    assert "ours" not in found["CreateDatasetGroup"].detail.rsplit("'", 1)[-1]
    assert found["DescribeCampaign"].detail.endswith("(the fake's wording is ours)")


def test_accepted_divergences_are_reported_but_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["parity", str(CORPUS), "--accept", str(CORPUS / "accepted.toml")]) == 0
    out = capsys.readouterr().out
    assert "[accepted: IAM isn't emulated" in out
    summary = out.splitlines()[-1]
    assert " 0 divergence(s), " in summary
    assert out.count("[accepted: ") == int(summary.rsplit(" ", 2)[-2])


def test_an_accept_file_may_be_json_and_an_entry_that_matched_nothing_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    accept = tmp_path / "accept.json"
    accept.write_text(
        json.dumps(
            {
                "accept": [
                    {"file": "refus*.yaml", "interaction": 1, "kind": "http-status", "reason": "IAM isn't emulated"},
                    {"operation": "DescribeRecipe", "reason": "no such interaction"},
                ]
            }
        )
    )
    assert main(["parity", str(CORPUS / "refusals.yaml"), "--accept", str(accept)]) == 1
    out = capsys.readouterr().out
    # The error code isn't accepted: it fails the run alone.
    assert out.splitlines()[-1].endswith(" 1 divergence(s), 1 accepted")
    assert "accepted but not seen (fixed?): operation='DescribeRecipe' (no such interaction)" in out


def test_the_json_report_holds_every_divergence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "parity.json"
    assert main(["parity", str(CORPUS / "refusals.yaml"), "--json", str(output)]) == 1
    report = json.loads(output.read_text())
    assert (report["cassettes"], report["interactions"], report["failing"], report["accepted"]) == (1, 1, 2, 0)
    assert [(d["interaction"], d["operation"], d["kind"]) for d in report["divergences"]] == [
        (1, "CreateDatasetGroup", "http-status"),
        (1, "CreateDatasetGroup", "error-code"),
    ]
    assert report["divergences"][1]["recorded"] == "AccessDeniedException"


def test_the_default_is_the_cassette_directory(
    recorded: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(recorded.parent.parent)
    assert main(["parity"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("parity: 1 cassette(s), ")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("accept.toml", "[[accept]]\nfile = 'x.yaml'\n", "entry 1 has no reason"),
        ("accept.toml", "[[accept]]\nreason = 'r'\nfiles = 'x'\n", "unknown key(s) files"),
        ("accept.toml", "[[accept]]\nreason = 'r'\nkind = 'colour'\n", "kind 'colour' is not one of http-status"),
        ("accept.toml", "[[accept]]\nreason = 'r'\ninteraction = 'one'\n", "interaction must be a whole number"),
        ("accept.toml", "[[accept]\n", "not valid TOML"),
        ("accept.json", "{", "not valid JSON"),
        ("accept.json", '{"accept": {"reason": "r"}}', "needs a list of entries"),
    ],
)
def test_a_bad_accept_file_is_named_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    accept = tmp_path / name
    accept.write_text(content)
    assert main(["parity", str(CORPUS), "--accept", str(accept)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pytest-personalize parity: accept file {accept}")
    assert message in err


def test_an_unreadable_cassette_is_named_and_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.yaml").write_text("version: 1\ninteractions: [\n")
    assert main(["parity", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'broken.yaml'}: not a readable cassette: not valid YAML at line" in out
    assert "1 unreadable cassette(s)" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-directory"], "no such file or directory: no-such-directory"),
        (["--accept", "no-such-file.toml", "{corpus}"], "accept file no-such-file.toml: cannot be read"),
        (["{empty}"], "no cassettes (*.yaml, *.yml) under"),
    ],
)
def test_bad_arguments_exit_2_without_a_traceback(tmp_path: Path, arguments: list[str], message: str) -> None:
    given = [a.format(corpus=CORPUS, empty=tmp_path) for a in arguments]
    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "parity", *given],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
