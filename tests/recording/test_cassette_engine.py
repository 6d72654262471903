"""The cassette engine's edge cases: matching, scrubbing, files, and the check command.

What lookups and recording cost is measured in benchmarks/ (rows 13 and 14), as ratios: tests
assert no timings. What is deterministic about it (one key computed per lookup) is checked here.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from vcr.request import Request

from pytest_personalize._constants import RECORD_MODES
from pytest_personalize.recording import file as _cassette_file
from pytest_personalize.recording import scrub as _cassette_scrub
from pytest_personalize.recording.cassette import PersonalizeCassette, UnrecordedRequestError, request_key
from pytest_personalize.recording.check import check_paths, configured_directory
from pytest_personalize.recording.file import CassetteFormatError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "cassettes"
FAKE_KEY_ID = "AKIA" + "FAKEFAKEFAKE0002"  # fake
FAKE_SECRET = "fakeSecretKey/NotReal+ForTests1111111111"  # fake, 40 characters
HOST = "https://personalize.us-east-1.amazonaws.com/"


def call(operation: str, body: object, **headers: str) -> Request:
    return Request(
        "POST",
        HOST,
        json.dumps(body).encode(),
        {
            "X-Amz-Target": f"AmazonPersonalize.{operation}".encode(),
            "Content-Type": "application/x-amz-json-1.1",
            **headers,
        },
    )


def answer(body: object, status: int = 200) -> dict:
    encoded = json.dumps(body).encode()
    return {
        "status": {"code": status, "message": "OK"},
        "headers": {"Content-Type": ["application/x-amz-json-1.1"], "Content-Length": [str(len(encoded))]},
        "body": {"string": encoded},
    }


def loaded(tmp_path: Path, interactions: list[tuple[Request, dict]], mode: str = "none") -> PersonalizeCassette:
    path = tmp_path / "c.yaml"
    _cassette_file.save(path, interactions)
    cassette = PersonalizeCassette(path, mode, test_id="tests/test_x.py::test_y")
    cassette.load()
    return cassette


# --- matching ------------------------------------------------------------------------------


def test_the_key_ignores_signatures_dates_invocation_ids_and_user_agents() -> None:
    a = call(
        "ListDatasetGroups",
        {},
        Authorization="sig-a",
        **{"X-Amz-Date": "1", "User-Agent": "a", "amz-sdk-invocation-id": "x"},
    )
    b = call(
        "ListDatasetGroups",
        {},
        Authorization="sig-b",
        **{"X-Amz-Date": "2", "User-Agent": "b", "amz-sdk-invocation-id": "y"},
    )
    assert request_key(a) == request_key(b)


def test_the_key_compares_bodies_as_data_and_tells_operations_apart() -> None:
    assert request_key(call("CreateDatasetGroup", {"name": "a", "domain": "VIDEO_ON_DEMAND"})) == request_key(
        call("CreateDatasetGroup", {"domain": "VIDEO_ON_DEMAND", "name": "a"})
    )
    assert request_key(call("CreateDatasetGroup", {})) != request_key(call("ListDatasetGroups", {}))


def test_identical_requests_replay_in_recorded_order(tmp_path: Path) -> None:
    describe = {"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/a"}
    statuses = ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    cassette = loaded(
        tmp_path, [(call("DescribeDatasetGroup", describe), answer({"datasetGroup": {"status": s}})) for s in statuses]
    )
    replayed = []
    for _ in statuses:
        assert call("DescribeDatasetGroup", describe) in cassette
        answer_ = cassette.answer(call("DescribeDatasetGroup", describe))
        assert answer_ is not None
        replayed.append(json.loads(answer_["body"]["string"]))
    assert [r["datasetGroup"]["status"] for r in replayed] == statuses
    with pytest.raises(UnrecordedRequestError, match="all were already replayed"):
        cassette.answer(call("DescribeDatasetGroup", describe))


def indexed(tmp_path: Path, size: int) -> PersonalizeCassette:
    """A replaying cassette of ``size`` interactions."""
    return loaded(tmp_path, [(call("CreateDatasetGroup", {"name": f"g{i}"}), answer({})) for i in range(size)])


def test_a_lookup_touches_only_its_own_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Deterministic, where timings are not: one key is computed per call, whatever the size.
    import pytest_personalize.recording.cassette as engine

    cassette = indexed(tmp_path, 500)  # a scan would compute 500 keys
    keys = []
    monkeypatch.setattr(engine, "request_key", lambda request: keys.append(1) or request_key(request))
    assert cassette.answer(call("CreateDatasetGroup", {"name": "g432"})) is not None
    assert len(keys) == 1


def test_the_record_modes_are_vcrpys() -> None:
    from vcr.record_mode import RecordMode

    assert set(RECORD_MODES) <= {mode.value for mode in RecordMode}


# --- scrubbing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "carrier",
    [
        lambda s: s,
        lambda s: base64.b64encode(f"user:{s}".encode()).decode(),
        lambda s: base64.b64encode(f"ab{s}cd".encode()).decode(),
        lambda s: quote(s, safe=""),
        lambda s: f"https://example.invalid/?X-Amz-Credential={quote(s, safe='')}%2F20240101",
    ],
    ids=["plain", "base64", "base64-offset", "url-encoded", "query"],
)
@pytest.mark.parametrize("secret", [FAKE_KEY_ID, FAKE_SECRET], ids=["key-id", "secret-key"])
def test_a_learnt_secret_is_scrubbed_in_every_encoding(carrier, secret: str) -> None:
    secrets = _cassette_scrub.Secrets()
    secrets.learn({secret})
    text = f"before {carrier(secret)} after"
    scrubbed = secrets.scrub(text)
    assert all(form not in scrubbed for form in _cassette_scrub.encodings(secret))
    assert scrubbed.startswith("before ") and scrubbed.endswith(" after")


def test_key_ids_and_named_secrets_are_found_without_being_told() -> None:
    found = _cassette_scrub.found_secrets(
        json.dumps(
            {
                "note": base64.b64encode(FAKE_KEY_ID.encode()).decode(),
                "SecretAccessKey": "abc",
                "x": f"aws_secret_access_key={FAKE_SECRET}",
            }
        )
    )
    assert {FAKE_KEY_ID, "abc", FAKE_SECRET} <= found


def test_a_dummy_credential_is_not_hunted_through_the_data() -> None:
    secrets = _cassette_scrub.Secrets()
    secrets.learn({"testing"})  # the personalize_client fixture's dummy key
    assert secrets.scrub('{"name": "testing-group"}') == '{"name": "testing-group"}'


def test_the_authorization_header_keeps_its_scope_and_loses_its_secrets() -> None:
    value = f"AWS4-HMAC-SHA256 Credential={FAKE_KEY_ID}/20240101/eu-west-1/personalize/aws4_request, SignedHeaders=host, Signature={'ab' * 32}"
    scrubbed = _cassette_scrub.scrub_header("Authorization", value, _cassette_scrub.Secrets())
    assert (
        scrubbed
        == "AWS4-HMAC-SHA256 Credential=SCRUBBED/20240101/eu-west-1/personalize/aws4_request, SignedHeaders=host, Signature=SCRUBBED"
    )
    assert _cassette_scrub.header_findings("here", "Authorization", scrubbed) == []
    assert len(_cassette_scrub.header_findings("here", "Authorization", value)) == 2


def test_a_credential_learnt_late_is_scrubbed_from_earlier_interactions(tmp_path: Path) -> None:
    # No shape to recognise it by: only the signer's later use tells the recorder what it is.
    secret = "Zq9" + "x" * 30 + "late0001"  # fake
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")
    cassette.record(call("CreateDatasetGroup", {"name": "g", "note": secret}), answer({"echo": secret}))
    cassette.record(call("ListDatasetGroups", {}), answer({}))
    cassette.learn({secret})  # as the signer learns it when interaction 3 is signed
    cassette.record(call("ListDatasetGroups", {}), answer({}))
    assert cassette.save()
    written = (tmp_path / "c.yaml").read_text()
    assert secret not in written
    assert written.count("SCRUBBED") >= 2


def test_account_ids_get_one_placeholder_each() -> None:
    accounts = _cassette_scrub.AccountIds()
    text = "arn:aws:personalize:us-east-1:111122223333:dataset-group/a arn:aws:iam::444455556666:role/r arn:aws:personalize:us-east-1:111122223333:x/y"
    assert accounts.scrub(text) == (
        "arn:aws:personalize:us-east-1:123456789012:dataset-group/a arn:aws:iam::000000000002:role/r "
        "arn:aws:personalize:us-east-1:123456789012:x/y"
    )


# --- files ---------------------------------------------------------------------------------


def test_a_cassette_round_trips_with_readable_headers_and_indented_json(tmp_path: Path) -> None:
    request = call("CreateDatasetGroup", {"name": "shop"})
    path = tmp_path / "c.yaml"
    _cassette_file.save(path, [(request, answer({"datasetGroupArn": "arn:x"}))], "a header")
    text = path.read_text()
    assert text.startswith("# a header\n")
    assert "!!binary" not in text and '  "name": "shop"\n' in text
    [(loaded_request, response)] = _cassette_file.load(path)
    assert request_key(loaded_request) == request_key(request)
    assert json.loads(response["body"]["string"]) == {"datasetGroupArn": "arn:x"}
    assert response["headers"]["Content-Length"] == [str(len(response["body"]["string"]))]


def test_a_failed_write_leaves_the_previous_cassette_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    _cassette_file.write_atomic(path, "previous")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        _cassette_file.write_atomic(path, "new " * 100_000)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_a_cassette_cut_short_is_told_from_a_short_one(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _cassette_file.save(path, [(call("ListDatasetGroups", {}), answer({"datasetGroups": []}))] * 3)
    text = path.read_text()
    for cut in (text.index("interaction_count"), text.rindex("- request:"), len(text) * 2 // 3):
        path.write_text(text[:cut])
        with pytest.raises(CassetteFormatError) as raised:
            _cassette_file.load(path)
        assert str(path) in str(raised.value)


def test_a_plain_vcrpy_cassette_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "vcr.yaml"
    path.write_text(
        "interactions:\n- request:\n    body: '{}'\n    headers: {X-Amz-Target: [AmazonPersonalize.ListDatasetGroups]}\n"
        "    method: POST\n    uri: https://x/\n  response:\n    body: {string: '{}'}\n    headers: {}\n"
        "    status: {code: 200, message: OK}\nversion: 1\n"
    )
    assert len(_cassette_file.load(path)) == 1


# --- check ---------------------------------------------------------------------------------


def test_the_shipped_cassettes_conform_and_are_clean() -> None:
    report = check_paths([SHIPPED])
    assert report.cassettes >= 5 and report.clean, report.render()


def test_the_shipped_lifecycle_replays_each_status_in_turn() -> None:
    import boto3

    from pytest_personalize.recording.cassette import use_cassette

    with use_cassette(SHIPPED / "tests" / "test_replay" / "test_lifecycle.yaml") as cassette:
        client = boto3.client(
            "personalize",
            region_name="us-east-1",
            endpoint_url="http://127.0.0.1:1",  # the recorded host; the port doesn't matter
            aws_access_key_id="replay",
            aws_secret_access_key="replay",
        )
        arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
        statuses = [client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] for _ in range(2)]
        assert statuses == ["CREATE PENDING", "ACTIVE"]
        assert cassette.play_count == 3


def doctor(target: Path, old: str, new: str) -> Path:
    source = SHIPPED / "tests" / "test_replay" / "test_lifecycle.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    return target


def run_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "check", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_passes_a_good_cassette_and_fails_a_doctored_one(tmp_path: Path) -> None:
    good = run_check(SHIPPED)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "no credential material" in good.stdout

    bad_status = doctor(
        tmp_path / "arn.yaml",
        '"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"\n',
        '"datasetGroupArn": "not an arn"\n',
    )
    leaked = doctor(tmp_path / "leaked" / "leaked.yaml", "Credential=SCRUBBED/", f"Credential={FAKE_KEY_ID}/")
    result = run_check(bad_status, leaked.parent)
    assert result.returncode == 1
    assert (
        "arn.yaml: interaction 1 (CreateDatasetGroup) response: Value 'not an arn' at 'datasetGroupArn'"
        in result.stdout
    )
    assert "unscrubbed access key id in Authorization" in result.stdout
    assert FAKE_KEY_ID not in result.stdout  # the report doesn't leak it again


def test_check_applies_the_stubbers_rules_not_only_the_models(tmp_path: Path) -> None:
    # The model leaves status a free string; the stubber refuses one a dataset group never reports.
    from pytest_personalize import PersonalizeStubber

    ready = doctor(tmp_path / "ready.yaml", '"status": "ACTIVE"', '"status": "READY"')
    report = check_paths([ready])
    assert not report.clean
    (finding,) = report.violations
    assert "(DescribeDatasetGroup) response" in finding.render()
    assert "'READY' at 'datasetGroup.status': a DatasetGroup is never in that status" in finding.render()

    import boto3

    client = boto3.client("personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with pytest.raises(Exception, match="a DatasetGroup is never in that status"):
        PersonalizeStubber(client).add_response("describe_dataset_group", datasetGroup={"status": "READY"})


def test_check_reports_an_unmodeled_error_and_an_unreadable_file(tmp_path: Path) -> None:
    from pytest_personalize.recording.check import Report, check_file

    error = SHIPPED / "tests" / "test_replay" / "test_create_dataset_group_error[LimitExceededException].yaml"
    unmodeled = tmp_path / "unmodeled.yaml"
    unmodeled.write_text(
        error.read_text().replace('"__type": "LimitExceededException"', '"__type": "ResourceNotFoundException"')
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ninteractions:\n- request: [\n")
    report = Report()
    check_file(unmodeled, report)
    check_file(broken, report)
    rendered = report.render()
    assert "ResourceNotFoundException is not modeled for CreateDatasetGroup" in rendered
    assert f"{broken}: not valid YAML" in rendered


def test_check_without_cassettes_is_a_usage_error(tmp_path: Path) -> None:
    result = run_check(tmp_path / "nowhere")
    assert result.returncode == 2 and "no such file or directory" in result.stderr


@pytest.mark.parametrize("stored", [{"base64": 123}, {"base64": "not base64!"}, {"string": {"base64": ["x"]}}])
def test_a_malformed_base64_body_names_the_file(tmp_path: Path, stored: object) -> None:
    path = tmp_path / "c.yaml"
    with pytest.raises(CassetteFormatError, match="body is not valid base64") as raised:
        _cassette_file.body_bytes(stored, "interaction 1 response", path)
    assert str(path) in str(raised.value)


def test_check_reports_a_second_key_of_the_same_kind_outside_the_interactions(tmp_path: Path) -> None:
    other_key = "AKIA" + "FAKEFAKEFAKE0003"  # fake, a different key of the same shape
    leaked = doctor(tmp_path / "leaked.yaml", '"name": "shop"', f'"name": "{FAKE_KEY_ID}"')
    leaked.write_text(f"# copied from a shell: {other_key}\n" + leaked.read_text())

    result = run_check(leaked)

    assert result.returncode == 1
    # The comment's key is reported on its own, though a key of the same kind was found inside.
    assert f"{leaked}: credential material 'AKIA...' (20 characters)" in result.stdout
    assert other_key not in result.stdout and FAKE_KEY_ID not in result.stdout


LEAKS_IN_ONE_PLACE = {
    "authorization": lambda: (
        HOST,
        {
            "Authorization": f"AWS4-HMAC-SHA256 Credential={FAKE_KEY_ID}/20240101/us-east-1/personalize/aws4_request, "
            "SignedHeaders=host, Signature=SCRUBBED"
        },
    ),
    "presigned-url": lambda: (
        f"{HOST}?X-Amz-Credential={FAKE_KEY_ID}%2F20240101%2Fus-east-1%2Fpersonalize%2Faws4_request",
        {},
    ),
    "session-token": lambda: (HOST, {"X-Amz-Security-Token": FAKE_SECRET * 2}),
}


@pytest.mark.parametrize("leak", sorted(LEAKS_IN_ONE_PLACE))
def test_check_counts_one_leaked_secret_once(tmp_path: Path, leak: str) -> None:
    uri, headers = LEAKS_IN_ONE_PLACE[leak]()
    request = call("ListDatasetGroups", {}, **headers)
    request.uri = uri
    path = tmp_path / "c.yaml"
    _cassette_file.save(path, [(request, answer({}))])

    report = check_paths([path])

    # Found where it sits, by the rule for that place, and not again by the scan of the whole file.
    assert len(report.credentials) == 1, report.render()
    assert report.render().endswith("1 credential finding(s)")


def test_check_reports_one_secret_once_per_place_it_sits(tmp_path: Path) -> None:
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={FAKE_KEY_ID}/20240101/us-east-1/personalize/aws4_request"
    }
    path = tmp_path / "c.yaml"
    _cassette_file.save(path, [(call("ListDatasetGroups", {}, **headers), answer({"echo": FAKE_KEY_ID}))])

    wheres = sorted(finding.where for finding in check_paths([path]).credentials)

    assert wheres == [
        f"{path}: interaction 1 (ListDatasetGroups) request header Authorization",
        f"{path}: interaction 1 (ListDatasetGroups) response body",
    ]


# --- encodings the scrubber and check both see -----------------------------------------------------


def _credentials_file() -> str:
    return f"[default]\naws_access_key_id = {FAKE_KEY_ID}\naws_secret_access_key = {FAKE_SECRET}\n"


LEAKY_BODIES = {
    # quote() keeps "/" by default: the secret key's slash stays a slash.
    "url-encoded-keeping-slash": lambda: {"note": quote(f"aws_secret_access_key={FAKE_SECRET}")},
    # base64.encodebytes (and PEM) break lines every 76 characters.
    "mime-base64": lambda: {"note": base64.encodebytes(_credentials_file().encode()).decode()},
    "mime-base64-long-token": lambda: {
        "note": base64.encodebytes(f"aws_session_token = {FAKE_SECRET * 3}\n".encode()).decode()
    },
}


@pytest.mark.parametrize("leak", sorted(LEAKY_BODIES))
def test_a_known_secret_is_scrubbed_and_checked_in_each_encoding(tmp_path: Path, leak: str) -> None:
    body = LEAKY_BODIES[leak]()
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")
    cassette.learn({FAKE_KEY_ID, FAKE_SECRET})
    cassette.record(call("CreateDatasetGroup", {"name": "g", **body}), answer({"echo": body}))
    assert cassette.save()
    written = (tmp_path / "c.yaml").read_text()
    for secret in (FAKE_KEY_ID, FAKE_SECRET):
        assert secret not in written and quote(secret) not in written
        assert not _cassette_scrub.found_secrets(written) & {FAKE_KEY_ID, FAKE_SECRET}
    assert "SCRUBBED" in written

    # check, on the unscrubbed text, finds it without being told the secret.
    raw = tmp_path / "raw" / "c.yaml"
    _cassette_file.save(raw, [(call("CreateDatasetGroup", {"name": "g"}), answer(body))])
    assert check_paths([raw]).credentials, leak


def test_json_escapes_are_scrubbed_before_the_pretty_printer_undoes_them(tmp_path: Path) -> None:
    # A service may write "/" as "\/" and any letter as "\u00XX"; the file holds the plain text.
    escaped = json.dumps({"key": FAKE_KEY_ID, "secret": FAKE_SECRET}).replace("A", "\\u0041").replace("/", "\\/")
    response = answer({})
    response["body"]["string"] = escaped.encode()
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")
    cassette.learn({FAKE_SECRET})
    cassette.record(call("ListDatasetGroups", {}), response)
    assert cassette.save()
    written = (tmp_path / "c.yaml").read_text()
    assert FAKE_KEY_ID not in written and FAKE_SECRET not in written

    doctored = tmp_path / "doctored" / "c.yaml"
    _cassette_file.save(doctored, [(call("ListDatasetGroups", {}), answer({}))])
    text = doctored.read_text().replace("      {}\n", f"      {escaped}\n", 1)
    doctored.write_text(text)
    assert {f.secret for f in check_paths([doctored]).credentials} >= {FAKE_KEY_ID}


def test_header_names_are_scrubbed_and_checked(tmp_path: Path) -> None:
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")
    request = call("ListDatasetGroups", {}, **{f"X-Key-{FAKE_KEY_ID}": "1"})
    response = answer({})
    response["headers"][f"X-Echo-{FAKE_KEY_ID}"] = ["1"]
    cassette.record(request, response)
    assert cassette.save()
    assert FAKE_KEY_ID not in (tmp_path / "c.yaml").read_text()

    raw = tmp_path / "raw" / "c.yaml"
    _cassette_file.save(raw, [(request, response)])
    wheres = {f.where for f in check_paths([raw]).credentials}
    assert any("request header name" in w for w in wheres) and any("response header name" in w for w in wheres)


def test_check_reports_a_secret_in_every_file_that_holds_it(tmp_path: Path) -> None:
    # In a's data, and only in b's comment: the scan outside b's interactions must still say so.
    _cassette_file.save(tmp_path / "a.yaml", [(call("ListDatasetGroups", {}), answer({"k": FAKE_KEY_ID}))])
    _cassette_file.save(tmp_path / "b.yaml", [(call("ListDatasetGroups", {}), answer({}))], header=f"key {FAKE_KEY_ID}")
    files = {f.where.split(":")[0] for f in check_paths([tmp_path]).credentials}
    assert files == {str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")}


def test_check_counts_a_truncated_file_as_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _cassette_file.save(path, [(call("ListDatasetGroups", {}), answer({}))] * 2)
    content = path.read_text()
    path.write_text(content[: content.index("interaction_count")])
    report = check_paths([path])
    assert report.violations == [] and len(report.format_errors) == 1
    assert "format error" in report.render()


def test_check_reads_the_cassette_directory_from_the_ini_file(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\npersonalize_cassette_dir = recorded\n")
    _cassette_file.save(tmp_path / "recorded" / "c.yaml", [(call("ListDatasetGroups", {}), answer({}))])
    (tmp_path / "sub").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "check"],
        cwd=tmp_path / "sub",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "checked 1 cassette(s), 1 interaction(s)" in result.stdout


def test_check_reads_the_cassette_directory_from_pyproject_toml_on_every_python(tmp_path: Path) -> None:
    # tomllib from 3.11, tomli before it: on neither may the setting be skipped silently.
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npersonalize_cassette_dir = "recorded"\n')
    (tmp_path / "sub").mkdir()

    assert configured_directory(tmp_path / "sub") == tmp_path / "recorded"


# --- loading is safe and bounded -------------------------------------------------------------------


def _alias_bomb(levels: int) -> str:
    # The shape of the "billion laughs": each level repeats the one before nine times. Kept small
    # here (9**levels strings), so a loader that expanded it would still finish.
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]")
    return "version: 1\n" + "\n".join(lines) + "\ninteractions: []\ninteraction_count: 0\n"


def _valid_with(**replacements: str) -> str:
    text = _cassette_file.dumps([(call("ListDatasetGroups", {}), answer({}))])
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


MALFORMED = {
    "alias-bomb": (lambda: _alias_bomb(5), "YAML anchor or alias"),
    "invalid-uri": (
        lambda: _valid_with(**{"uri: https://personalize": "uri: http://[::1/personalize"}),
        "request uri is invalid",
    ),
    "not-http-uri": (
        lambda: _valid_with(**{"uri: https://personalize": "uri: file:///personalize"}),
        r"is not an http\(s\) URL",
    ),
    "5000-digit-status": (lambda: _valid_with(**{"code: 200": "code: " + "9" * 5000}), "value has 5000 digits"),
    "status-out-of-range": (lambda: _valid_with(**{"code: 200": "code: 1000"}), "is not an HTTP status"),
    "deeply-nested-json": (
        lambda: _valid_with(**{"      {}\n": "      " + "[" * 100_000 + "]" * 100_000 + "\n"}),
        "nested too deep",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_every_malformed_cassette_is_the_plugins_error_and_a_format_error_for_check(tmp_path: Path, case: str) -> None:
    content, problem = MALFORMED[case]
    path = tmp_path / "c.yaml"
    path.write_text(content())
    with pytest.raises(CassetteFormatError, match=problem) as caught:
        _cassette_file.load(path)
    assert str(path) in str(caught.value)
    report = check_paths([path])
    assert len(report.format_errors) == 1 and report.violations == [], report.render()


def test_a_name_too_long_to_read_is_the_plugins_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteFormatError, match="can't be read"):
        _cassette_file.load(tmp_path / ("x" * 300 + ".yaml"))


def test_saving_again_keeps_the_placeholders_already_in_a_cassette() -> None:
    accounts = _cassette_scrub.AccountIds()
    # A cassette's second placeholder appears first; then a new, real account.
    text = "arn:aws:iam::000000000002:role/r arn:aws:personalize:us-east-1:123456789012:x/y arn:aws:iam::444455556666:role/s"
    assert accounts.scrub(text) == (
        "arn:aws:iam::000000000002:role/r arn:aws:personalize:us-east-1:123456789012:x/y "
        "arn:aws:iam::000000000003:role/s"
    )


@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE"])
def test_recording_on_loopback_gets_dummy_credentials_when_a_credentials_file_is_named_but_missing(
    tmp_path: Path, variable: str
) -> None:
    from pytest_personalize.recording.cassette import recording_environment

    loopback = {"HOME": str(tmp_path), "AWS_ENDPOINT_URL_PERSONALIZE": "http://127.0.0.1:4566"}
    missing = {**loopback, variable: str(tmp_path / "nowhere")}
    present = {**loopback, variable: str(tmp_path / "there")}
    (tmp_path / "there").write_text("[default]\n", encoding="utf-8")

    # A path to no file gives botocore no credentials: the recording signs with dummy ones.
    assert recording_environment(missing).get("AWS_ACCESS_KEY_ID")
    # A file that is there is the user's own setup, used as it would be against AWS.
    assert "AWS_ACCESS_KEY_ID" not in recording_environment(present)


def test_a_cassette_wrapper_left_beneath_another_tools_records_each_request_once(tmp_path: Path) -> None:
    from botocore.httpsession import URLLib3Session

    from pytest_personalize import PersonalizeServer
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording import transport
    from pytest_personalize.recording.cassette import use_cassette

    original = URLLib3Session.__dict__["send"]
    first = PersonalizeCassette(tmp_path / "first.yaml", "all")
    transport.activate(first)
    ours = URLLib3Session.__dict__["send"]
    URLLib3Session.send = lambda self, request: ours(self, request)  # type: ignore[method-assign]
    other_tool = URLLib3Session.__dict__["send"]
    try:
        transport.deactivate(first)
        assert URLLib3Session.__dict__["send"] is other_tool  # ours stays beneath, passing requests on
        with PersonalizeServer() as server, use_cassette(tmp_path / "second.yaml", "all") as second:
            make_client("us-east-1", endpoint_url=server.endpoint_url).list_dataset_groups()
        assert len(second) == 1
        assert len(first) == 0
    finally:
        URLLib3Session.send = original  # type: ignore[method-assign]


def test_a_loopback_recording_sends_every_personalize_api_to_the_loopback_server(tmp_path: Path) -> None:
    from pytest_personalize.recording.cassette import recording_environment

    environ = {"HOME": str(tmp_path), "AWS_ENDPOINT_URL_PERSONALIZE": "http://127.0.0.1:4566"}
    changes = recording_environment(environ)

    assert changes["AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME"] == "http://127.0.0.1:4566"
    assert changes["AWS_ENDPOINT_URL_PERSONALIZE_EVENTS"] == "http://127.0.0.1:4566"
    # One the user set stays theirs; a recording against AWS itself changes nothing.
    own = {**environ, "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS": "http://localhost:9000"}
    assert "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS" not in recording_environment(own)
    assert recording_environment({"HOME": str(tmp_path)}) == {}


# --- looking up without playing: the API an earlier answering point uses ------------------------


def test_lookup_gives_the_recorded_answer_without_playing_it_and_mark_played_plays_it(tmp_path: Path) -> None:
    statuses = ["CREATE PENDING", "ACTIVE"]
    describe = {"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"}
    cassette = loaded(
        tmp_path,
        [(call("DescribeDatasetGroup", describe), answer({"datasetGroup": {"status": s}})) for s in statuses],
    )
    request = call("DescribeDatasetGroup", describe)

    def look() -> dict | None:
        return cassette.lookup(request.method, request.uri, request.headers, request.body)

    first = look()
    assert first is not None and look() is first  # looking up plays nothing
    assert cassette.play_count == 0 and cassette.answered == []
    assert json.loads(first["body"]["string"])["datasetGroup"]["status"] == "CREATE PENDING"
    assert cassette.mark_played(first) is True
    assert cassette.mark_played(first) is False  # played already: look up again
    second = look()
    assert second is not None and json.loads(second["body"]["string"])["datasetGroup"]["status"] == "ACTIVE"
    assert cassette.mark_played(second) is True
    assert look() is None  # every identical request replayed; lookup never raises
    assert cassette.play_count == 2 and cassette.unplayed() == []
    assert cassette.answered == [("DescribeDatasetGroup", None)] * 2
    # botocore's headers: any case, values as bytes.
    other = cassette.lookup("POST", HOST, {"x-amz-target": b"AmazonPersonalize.ListDatasetGroups"}, b"{}")
    assert other is None
    with pytest.raises(ValueError, match="mark_played takes a response"):
        cassette.mark_played(answer({}))


def test_mark_played_refuses_an_answer_another_caller_played_first(tmp_path: Path) -> None:
    body = {"name": "g"}
    cassette = loaded(tmp_path, [(call("CreateDatasetGroup", body), answer({"n": i})) for i in range(2)])
    request = call("CreateDatasetGroup", body)
    looked = cassette.lookup(request.method, request.uri, request.headers, request.body)
    assert looked is not None
    assert cassette.answer(request) is looked  # another thread got there first
    assert cassette.mark_played(looked) is False
    assert cassette.play_count == 1


def test_lookup_asks_the_custom_matcher_and_answer_request_raises_on_a_miss(tmp_path: Path) -> None:
    seen = []

    def matcher(request: Request, recorded: Request) -> bool:
        seen.append((request.uri, recorded.uri))
        return json.loads(request.body)["name"] != "refused"

    path = tmp_path / "c.yaml"
    _cassette_file.save(path, [(call("CreateDatasetGroup", {"name": "refused"}), answer({}))])
    cassette = PersonalizeCassette(path, "none", matching={"matcher": matcher, "ignore": ["name"]})
    cassette.load()
    request = call("CreateDatasetGroup", {"name": "refused"})
    assert cassette.lookup(request.method, request.uri, request.headers, request.body) is None
    assert seen == [(HOST, HOST)]
    with pytest.raises(UnrecordedRequestError, match="the custom matcher refused") as caught:
        cassette.answer_request(request.method, request.uri, request.headers, request.body)
    assert caught.value.failed_request.uri == HOST
    assert cassette.failures and cassette.play_count == 0


def test_a_replay_builds_no_vcr_request_until_one_is_asked_for(tmp_path: Path) -> None:
    cassette = loaded(tmp_path, [(call("CreateDatasetGroup", {"name": "g"}), answer({}))])
    request = call("CreateDatasetGroup", {"name": "g"})
    assert cassette.answer_request(request.method, request.uri, request.headers, request.body) is not None
    assert cassette.data[0][0].uri == HOST and len(cassette) == 1  # built when asked for, the same each time
    assert cassette.data[0][1] is cassette.data[0][1]
    assert cassette.recorded == [] and cassette.save() is False


YAML_DOCUMENTS = [
    "version: 1\ninteractions: []\ninteraction_count: 0\n",
    "a: 1\nb: [1, 2.5, true, null, ~, 0x1F, 1_000, 2001-12-14, !!binary aGVsbG8=, '7', \"x\\ty\"]\n",
    "base: {a: 1}\nmerged:\n  <<: {c: 3, d: 4}\n  d: 5\n",
    "? [a, b]\n: 1\n",
    "a: !!set {x, y}\nb: !!omap [a: 1]\nc: !!pairs [a: 1]\n",
    "=: 2\n",
    "1: 2\nfalse: 3\n0o17: 4\n.inf: 5\nnull: 6\n",
    "a: 1\na: 2\n",
    "",
    "just text",
    "- |\n  block\n- >\n  folded\n  text\n- plain\n  over lines\n",
    "a: !custom 1\n",
]


@pytest.mark.parametrize("document", YAML_DOCUMENTS)
def test_a_cassettes_yaml_is_built_as_pyyamls_safe_loader_builds_it(document: str) -> None:
    import yaml

    def outcome(load: object) -> tuple[str, object]:
        try:
            return "value", load()  # type: ignore[operator]
        except yaml.YAMLError as error:
            return "error", str(error)

    expected = outcome(lambda: yaml.load(document, Loader=_cassette_file._SafeLoader))
    found = outcome(lambda: _cassette_file._load_yaml(document))
    assert found == expected and repr(found) == repr(expected)


def test_every_shipped_cassette_is_built_as_pyyaml_builds_it() -> None:
    import yaml

    for path in sorted(SHIPPED.rglob("*.yaml")):
        text = path.read_text()
        assert _cassette_file._load_yaml(text) == yaml.load(text, Loader=_cassette_file._SafeLoader), path
