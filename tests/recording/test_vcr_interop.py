"""vcrpy and pytest-recording, both ways, as a downstream project uses them: a cassette pytest-recording
recorded replays under ``personalize_cassette``, ours replays under pytest-recording and plain vcrpy
with the exported matcher, the exported hooks scrub what vcrpy records, and ``migrate`` converts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from pytest_personalize import PersonalizeServer
from pytest_personalize.__main__ import main
from pytest_personalize.recording import file as cassette_file
from tests.cassette_helpers import FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN, recording_against, replaying_offline

APP = """
import boto3


def lifecycle(name="shop"):
    client = boto3.client("personalize")
    arn = client.create_dataset_group(name=name)["datasetGroupArn"]
    statuses = []
    while not statuses or statuses[-1] != "ACTIVE":
        statuses.append(client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"])
    names = [group["name"] for group in client.list_dataset_groups()["datasetGroups"]]
    return arn, statuses, names
"""

CHECKS = """
    arn, statuses, names = lifecycle()
    assert arn.endswith(":dataset-group/shop")
    assert statuses == ["CREATE PENDING", "ACTIVE"]
    assert names == ["shop"]
"""

# pytest-recording's default configuration: no vcr_config at all.
VCR_TEST = f"""
import pytest
from app import lifecycle


@pytest.mark.vcr
def test_lifecycle():
{CHECKS}
"""

OURS_TEST = f"""
import pytest
from app import lifecycle


@pytest.mark.personalize_cassette
def test_lifecycle():
{CHECKS}
"""

# A pytest-recording user with our pieces registered.
WITH_OUR_PIECES = """
import pytest
import pytest_personalize


def pytest_recording_configure(config, vcr):
    vcr.register_matcher("personalize", pytest_personalize.personalize_matcher)


@pytest.fixture(scope="module")
def vcr_config():
    return {
        "match_on": ["personalize"],
        "before_record_request": pytest_personalize.before_record_request,
        "before_record_response": pytest_personalize.before_record_response,
    }
"""


BODY_MATCHING = """
import pytest


@pytest.fixture(scope="module")
def vcr_config():
    return {"match_on": ["method", "uri", "body"]}
"""


@pytest.fixture
def project(project: pytest.Pytester) -> pytest.Pytester:
    project.makepyfile(app=APP)
    return project


def _cassette(project: pytest.Pytester) -> Path:
    # pytest-recording's <test dir>/cassettes/<module>/<test>.yaml is ours too for a test at the rootdir.
    return project.path / "cassettes" / "test_app" / "test_lifecycle.yaml"


def test_a_cassette_pytest_recording_recorded_replays_unmodified_under_personalize_cassette(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=VCR_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("-p", "recording", "--record-mode=once").assert_outcomes(passed=1)
    cassette = _cassette(project)
    recorded = cassette.read_bytes()
    # vcrpy's own forms: header values as bytes, no closing count, the key id left in Authorization.
    assert b"!!binary" in recorded and b"interaction_count" not in recorded
    authorization = yaml.safe_load(recorded)["interactions"][0]["request"]["headers"]["Authorization"][0]
    assert FAKE_KEY_ID.encode() in authorization

    server.stop()
    replaying_offline(monkeypatch)
    project.makepyfile(test_app=OURS_TEST)
    project.runpytest().assert_outcomes(passed=1)
    assert cassette.read_bytes() == recorded  # replayed as it stands


def test_our_cassette_replays_under_pytest_recording_with_the_exported_matcher(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=OURS_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    ours = _cassette(project).read_text()
    assert "interaction_count: 4" in ours and "!!binary" not in ours

    _replaying_under_vcrpy(monkeypatch, server)
    project.makepyfile(test_app=VCR_TEST)
    # vcrpy's own body matcher compares bytes: our indented JSON never equals what botocore sends.
    conftest = _conftest(project)
    project.makeconftest(conftest + BODY_MATCHING)
    project.runpytest("-p", "recording").assert_outcomes(failed=1)
    project.makeconftest(conftest + WITH_OUR_PIECES)
    project.runpytest("-p", "recording").assert_outcomes(passed=1)
    assert _cassette(project).read_text() == ours


def test_the_exported_hooks_scrub_what_pytest_recording_records_and_it_replays_both_ways(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makeconftest(_conftest(project) + WITH_OUR_PIECES)
    project.makepyfile(test_app=VCR_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("-p", "recording", "--record-mode=once").assert_outcomes(passed=1)
    recorded = _cassette(project).read_text()
    for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN):
        assert secret not in recorded
    assert "Signature=" in recorded and "!!binary" not in recorded  # scrubbed, and readable
    assert "AmazonPersonalize.CreateDatasetGroup" in recorded

    _replaying_under_vcrpy(monkeypatch, server)
    project.runpytest("-p", "recording").assert_outcomes(passed=1)
    monkeypatch.delenv("AWS_ENDPOINT_URL_PERSONALIZE")
    project.makepyfile(test_app=OURS_TEST)
    project.runpytest().assert_outcomes(passed=1)


def _replaying_under_vcrpy(monkeypatch: pytest.MonkeyPatch, server: PersonalizeServer) -> None:
    """The server stopped, no network, other credentials; vcrpy patches below botocore's endpoint
    resolution, so the client is pointed at the recorded endpoint, as a vcrpy user's test is."""
    endpoint = server.endpoint_url
    server.stop()
    replaying_offline(monkeypatch)
    monkeypatch.delenv("AWS_PROFILE")
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOTHEROTHEROTHER1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "other")


def _conftest(project: pytest.Pytester) -> str:
    return (project.path / "conftest.py").read_text()


def test_plain_vcrpy_replays_a_shipped_cassette_with_the_exported_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    import vcr
    from botocore import xform_name
    from botocore.exceptions import ClientError

    from pytest_personalize import personalize_matcher

    root = Path(__file__).resolve().parents[2]
    path = root / "cassettes" / "tests" / "test_replay" / "test_lifecycle.yaml"
    interactions = cassette_file.load(path)
    request = interactions[0][0]
    endpoint = request.uri.rsplit("/", 1)[0]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    recorder = vcr.VCR(record_mode="none")
    recorder.register_matcher("personalize", personalize_matcher)
    with recorder.use_cassette(str(path), match_on=["personalize"]) as cassette:
        client = boto3.client("personalize", region_name="us-east-1", endpoint_url=endpoint)
        # Every recorded call, distinct requests in the reverse order (identical ones keep theirs):
        # only matching by content answers each as recorded.
        first: dict[tuple[str, str], int] = {}
        keys = [(str(q.headers["X-Amz-Target"]), json.dumps(json.loads(q.body or b"{}"))) for q, _ in interactions]
        for number, key in enumerate(keys):
            first.setdefault(key, number)
        for number in sorted(range(len(interactions)), key=lambda n: -first[keys[n]]):
            request, response = interactions[number]
            operation = xform_name(keys[number][0].split(".", 1)[1])
            try:
                answer = getattr(client, operation)(**json.loads(request.body or b"{}"))["ResponseMetadata"]
            except ClientError as error:
                answer = error.response["ResponseMetadata"]
            assert answer["HTTPStatusCode"] == response["status"]["code"]
    assert cassette.play_count == len(interactions) > 1


def test_the_matcher_says_what_differs_and_leaves_other_traffic_to_vcrpys_rules() -> None:
    from vcr.request import Request

    from pytest_personalize import PersonalizeMatcher, personalize_matcher

    def call(name: str, body: object, target: bytes = b"AmazonPersonalize.CreateDatasetGroup") -> Request:
        return Request(
            "POST", "https://personalize.us-east-1.amazonaws.com/", json.dumps(body), {"X-Amz-Target": target}
        )

    personalize_matcher(call("a", {"name": "shop", "x": 1}), call("a", {"x": 1, "name": "shop"}))
    with pytest.raises(AssertionError, match="body differs"):
        personalize_matcher(call("a", {"name": "shop"}), call("a", {"name": "shoes"}))
    with pytest.raises(AssertionError, match="target differs"):
        personalize_matcher(call("a", {}), call("a", {}, b"AmazonPersonalize.ListDatasetGroups"))
    job = "job-0b7e2f3c-7a9d-4c53-9f1e-3d2a0c1b4e5f"
    other = "job-5c1d9e7a-2b3f-4d8e-a6c0-1f2e3d4c5b6a"
    configured = PersonalizeMatcher({"normalize": {"CreateDatasetGroup:name": "uuid"}})
    configured(call("a", {"name": job}), call("a", {"name": other}))
    get = Request("GET", "https://example.com/a?b=1&c=2", None, {})
    personalize_matcher(get, Request("GET", "https://example.com/a?c=2&b=1", None, {}))
    with pytest.raises(AssertionError, match="path differs"):
        personalize_matcher(get, Request("GET", "https://example.com/b?b=1&c=2", None, {}))


def _vcrpy_cassette(path: Path, *, compressed: bool) -> None:
    """A cassette in vcrpy's forms: bytes headers, text and bytes bodies, gzip as recorded."""
    body = json.dumps({"datasetGroups": [], "nextToken": None}).encode()
    document = {
        "interactions": [
            {
                "request": {
                    "body": b'{"maxResults": 5}',
                    "headers": {
                        "X-Amz-Target": [b"AmazonPersonalize.ListDatasetGroups"],
                        "Content-Type": [b"application/x-amz-json-1.1"],
                        "Authorization": [
                            f"AWS4-HMAC-SHA256 Credential={FAKE_KEY_ID}/20261206/us-east-1/personalize/aws4_request, "
                            "SignedHeaders=host, Signature=" + "ab" * 32
                        ],
                    },
                    "method": "POST",
                    "uri": "https://personalize.us-east-1.amazonaws.com/",
                },
                "response": {
                    "body": {"string": gzip.compress(body) if compressed else body.decode()},
                    "headers": {
                        "Content-Type": ["application/x-amz-json-1.1"],
                        **({"Content-Encoding": ["gzip"]} if compressed else {}),
                    },
                    "status": {"code": 200, "message": "OK"},
                },
            }
        ],
        "version": 1,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(document))


@pytest.mark.parametrize("compressed", [False, True], ids=["text", "gzip"])
def test_every_form_vcrpy_writes_is_read(tmp_path: Path, compressed: bool) -> None:
    path = tmp_path / "vcr.yaml"
    _vcrpy_cassette(path, compressed=compressed)
    [(request, response)] = cassette_file.load(path)
    assert request.headers["X-Amz-Target"] == "AmazonPersonalize.ListDatasetGroups"
    assert json.loads(response["body"]["string"]) == {"datasetGroups": [], "nextToken": None}
    assert not any(name.lower() == "content-encoding" for name in response["headers"])


def test_migrate_scrubs_into_our_layout_and_leaves_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "tests" / "cassettes" / "test_app" / "test_list.yaml"
    _vcrpy_cassette(source, compressed=True)
    original = source.read_bytes()
    assert main(["check", str(source)]) == 1
    assert "python -m pytest_personalize migrate" in capsys.readouterr().out

    assert main(["migrate", str(tmp_path / "tests" / "cassettes"), "--output", str(tmp_path / "ours")]) == 0
    assert source.read_bytes() == original
    migrated = tmp_path / "ours" / "test_app" / "test_list.yaml"
    text = migrated.read_text()
    assert FAKE_KEY_ID not in text and "ab" * 32 not in text and "!!binary" not in text
    assert "interaction_count: 1" in text and "Credential=SCRUBBED/20261206/us-east-1/personalize" in text
    assert main(["check", str(migrated)]) == 0

    assert main(["migrate", str(source), "--in-place"]) == 0
    assert source.read_text() == text.replace("(test_list.yaml)", "(test_list.yaml)")


def test_migrate_needs_to_be_told_where_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["migrate", "cassettes"])
    assert "--output" in capsys.readouterr().err


def test_migrate_leaves_other_traffic_out_and_never_loses_it_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "mixed.yaml"
    _vcrpy_cassette(source, compressed=False)
    document = yaml.safe_load(source.read_text())
    other = {
        "request": {"body": None, "headers": {}, "method": "GET", "uri": "https://example.com/file"},
        "response": {"body": {"string": "hello"}, "headers": {}, "status": {"code": 200, "message": "OK"}},
    }
    document["interactions"].append(other)
    source.write_text(yaml.dump(document))
    original = source.read_bytes()

    assert main(["migrate", str(source), "--in-place"]) == 1
    assert "which --in-place would lose" in capsys.readouterr().err
    assert source.read_bytes() == original

    assert main(["migrate", str(source), "-o", str(tmp_path / "ours")]) == 0
    assert "1 Personalize interaction(s), scrubbed, 1 other interaction(s) left out" in capsys.readouterr().out
    assert len(cassette_file.load(tmp_path / "ours" / "mixed.yaml")) == 1
