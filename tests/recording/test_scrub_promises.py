"""SECURITY.md's scrubbing promise, a test per sentence, each named after what it promises.

The recorder and ``check`` share one detector (``recording/scrub.py``): each test scrubs as the
recorder does and asks ``check`` about the unscrubbed text, so a promise kept by one and not by
the other fails here. What is *not* covered is tested too: those encodings are recorded as
sent, as SECURITY.md says.
"""

from __future__ import annotations

import base64
import codecs
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from vcr.request import Request

from pytest_personalize.recording import file as _cassette_file
from pytest_personalize.recording import scrub as _scrub
from pytest_personalize.recording.cassette import PersonalizeCassette
from pytest_personalize.recording.check import check_paths

# FAKE credentials, made up for the tests.
KEY_ID = "AKIA" + "FAKEFAKEFAKE0088"  # fake
SECRET = "fakeSecretKey/NotReal+ForTests8888888888"  # fake, 40 characters
TOKEN = "IQoJb3JpZ2luX2VjEFakePromiseToken/ForTests+Only8888=="  # fake
HOST = "https://personalize.us-east-1.amazonaws.com/"
AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20240101/us-east-1/personalize/aws4_request, "
    f"SignedHeaders=content-type;host;x-amz-date;x-{KEY_ID.lower()}, Signature=" + "ab12" * 16
)


def call(body: object, **headers: str) -> Request:
    return Request(
        "POST",
        HOST,
        json.dumps(body).encode(),
        {
            "X-Amz-Target": "AmazonPersonalize.CreateDatasetGroup",
            "Content-Type": "application/x-amz-json-1.1",
            **headers,
        },
    )


def answer(body: object = None) -> dict:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/x-amz-json-1.1"]},
        "body": {"string": json.dumps(body if body is not None else {}).encode()},
    }


def recorded(tmp_path: Path, request: Request, response: dict | None = None, learnt: set[str] = frozenset()) -> str:
    """The cassette text the recorder writes for one interaction, the signer's credentials learnt."""
    cassette = PersonalizeCassette(tmp_path / "recorded.yaml", "all")
    cassette.learn(set(learnt))
    cassette.record(request, response or answer())
    assert cassette.save()
    return (tmp_path / "recorded.yaml").read_text(encoding="utf-8")


def checked(tmp_path: Path, request: Request, response: dict | None = None) -> set[str]:
    """The secrets ``check`` reports in an unscrubbed cassette of one interaction."""
    path = tmp_path / "unscrubbed.yaml"
    _cassette_file.save(path, [(request, response or answer())])
    return {finding.secret for finding in check_paths([path]).credentials}


# --- wherever they travel ---------------------------------------------------------------------


def test_wherever_they_travel_authorization_keeps_its_scope_and_loses_key_id_signature_and_signed_header_key_ids(
    tmp_path: Path,
) -> None:
    request = call({"name": "g"}, Authorization=AUTHORIZATION, **{f"X-{KEY_ID}": "1"})
    text = recorded(tmp_path, request)
    assert "Credential=SCRUBBED/20240101/us-east-1/personalize/aws4_request" in text
    assert "Signature=SCRUBBED" in text and "ab12" not in text
    assert "SignedHeaders=content-type;host;x-amz-date;x-SCRUBBED" in text
    assert KEY_ID.lower() not in text.lower()
    assert KEY_ID in checked(tmp_path, request)
    where = {f.kind for f in check_paths([tmp_path / "unscrubbed.yaml"]).credentials}
    assert {"unscrubbed access key id in Authorization", "unscrubbed request signature in Authorization"} <= where


PRESIGNED = (
    "https://bucket.s3.amazonaws.com/data.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    f"&X-Amz-Credential={KEY_ID}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z"
    f"&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Security-Token={quote(TOKEN, safe='')}"
    "&X-Amz-Signature=" + "cd34" * 16
)


@pytest.mark.parametrize(
    "place",
    ["uri", "body", "body-with-unicode-escapes", "body-json-in-json"],
)
def test_wherever_they_travel_presigned_url_parameters_in_a_uri_and_in_any_body(tmp_path: Path, place: str) -> None:
    if place == "uri":
        request = Request("GET", PRESIGNED, b"", {})
    elif place == "body":
        request = call({"name": "g", "dataLocation": PRESIGNED})
    elif place == "body-with-unicode-escapes":
        body = json.dumps({"name": "g", "dataLocation": PRESIGNED}).replace("&", "\\u0026").encode()
        request = Request("POST", HOST, body, {"Content-Type": "application/x-amz-json-1.1"})
    else:
        request = call({"name": "g", "tags": [{"tagKey": "k", "tagValue": json.dumps({"url": PRESIGNED})}]})
    text = recorded(tmp_path, request)
    for gone in ("cd34", KEY_ID, quote(TOKEN, safe="")):
        assert gone not in text, gone
    for kept in ("X-Amz-Signature=SCRUBBED", "X-Amz-Credential=SCRUBBED", "X-Amz-Security-Token=SCRUBBED"):
        assert kept in text
    assert "X-Amz-Date=20240101T000000Z" in text  # what isn't secret stays
    # check: the signature and the token are found by their parameter's name, the key id by its shape.
    assert checked(tmp_path, request) >= {KEY_ID, "cd34" * 16, TOKEN}


# --- in these encodings, nested up to four deep ----------------------------------------------------


def _b64(prefix: bytes) -> Callable[[str], str]:
    return lambda text: base64.b64encode(prefix + text.encode()).decode()


ENCODINGS: dict[str, Callable[[str], str]] = {
    "as-written": lambda text: text,
    "json-unicode-escapes": lambda text: json.dumps(text)[1:-1].replace("A", "\\u0041").replace("k", "\\u006b"),
    "json-escaped-slashes": lambda text: json.dumps(text)[1:-1].replace("/", "\\/"),
    "percent-upper": lambda text: quote(text, safe=""),
    "percent-lower": lambda text: quote(text, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),
    "percent-keeping-slashes": quote,
    "base64": _b64(b""),
    "base64-offset-1": _b64(b"x"),
    "base64-offset-2": _b64(b"xy"),
    "base64-after-binary": _b64(b"\x00\xff\x01"),
    "mime-base64": lambda text: base64.encodebytes(("header line\n" * 3 + text).encode()).decode(),
    "pem-folded-with-indent": lambda text: "\n    ".join(
        base64.b64encode(text.encode()).decode()[i : i + 16] for i in range(0, 80, 16)
    ),
}
NESTINGS = [
    ["as-written"],
    *([name] for name in ENCODINGS if name != "as-written"),
    ["json-escaped-slashes", "json-escaped-slashes", "json-escaped-slashes"],
    ["base64", "percent-upper", "json-unicode-escapes"],
    ["percent-keeping-slashes", "mime-base64", "json-escaped-slashes"],
    ["base64-offset-1", "base64-offset-2", "base64"],
]


@pytest.mark.parametrize("secret", [KEY_ID, SECRET, TOKEN], ids=["key-id", "secret-key", "token"])
@pytest.mark.parametrize("nesting", NESTINGS, ids=["+".join(n) for n in NESTINGS])
def test_in_these_encodings_nested_up_to_four_deep(tmp_path: Path, nesting: list[str], secret: str) -> None:
    # Four decodings: the request body's own JSON escapes, then up to three levels in a tag value.
    value = f"before {secret} after"
    for name in nesting:
        value = ENCODINGS[name](value)
    request = call({"name": "g", "tags": [{"tagKey": "k", "tagValue": value}]})
    text = recorded(tmp_path, request, learnt={SECRET, TOKEN})
    assert "SCRUBBED" in text
    assert not _scrub.found_secrets(text)
    learnt = _scrub.Secrets()
    learnt.learn({KEY_ID, SECRET, TOKEN})
    assert learnt.hits(text) == [], nesting
    if secret == KEY_ID:
        assert KEY_ID in checked(tmp_path, request)


# --- recognised three ways ---------------------------------------------------------------------


def test_recognised_three_ways_learnt_credentials_wherever_they_appear_ignoring_case(tmp_path: Path) -> None:
    request = call({"name": "g", "notes": [SECRET, SECRET.lower(), SECRET.upper(), TOKEN.swapcase()]})
    text = recorded(tmp_path, request, learnt={SECRET, TOKEN})
    assert text.count("SCRUBBED") >= 4
    for form in (SECRET, SECRET.lower(), SECRET.upper(), TOKEN.swapcase()):
        assert form not in text


@pytest.mark.parametrize(
    "value",
    [f"id={KEY_ID}", f"glued{KEY_ID}0123", "ASIA" + "FAKEFAKEFAKE0099", f"x\n{KEY_ID}\n"],
    ids=["after-a-sign", "inside-a-longer-word", "another-prefix", "on-its-own-line"],
)
def test_recognised_three_ways_access_key_ids_by_their_shape_inside_a_longer_word_too(
    tmp_path: Path, value: str
) -> None:
    request = call({"name": "g", "note": value})
    secret = next(iter(_scrub.found_secrets(value)))
    text = recorded(tmp_path, request)  # nothing learnt: the shape alone
    assert secret not in text and "SCRUBBED" in text
    assert secret in checked(tmp_path, request)


def test_recognised_three_ways_access_key_ids_in_any_case_in_header_names(tmp_path: Path) -> None:
    request = call({"name": "g"}, **{f"x-meta-{KEY_ID.lower()}": "1"})
    response = answer()
    response["headers"][f"X-Echo-{KEY_ID.lower()}"] = ["1"]
    text = recorded(tmp_path, request, response)
    assert KEY_ID.lower() not in text.lower()
    assert KEY_ID.lower() in {secret.lower() for secret in checked(tmp_path, request, response)}
    # In a body, lower case alone is not a key id: names such as "asiapacificsales2024" stay.
    assert _scrub.found_secrets('{"name": "asiapacificsales2024"}') == set()


@pytest.mark.parametrize(
    "text",
    [
        f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n",
        json.dumps({"Credentials": {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "SessionToken": TOKEN}}),
        json.dumps({"secret_key": SECRET, "security_token": TOKEN, "access_key_id": KEY_ID}),
        f"<AccessKeyId>{KEY_ID}</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey>"
        f"<SessionToken>{TOKEN}</SessionToken>",
    ],
    ids=["credentials-file", "json-members", "json-members-with-underscores", "xml-elements"],
)
def test_recognised_three_ways_secret_keys_and_tokens_next_to_their_names(tmp_path: Path, text: str) -> None:
    response = answer()
    response["body"]["string"] = text.encode()
    written = recorded(tmp_path, call({"name": "g"}), response)  # nothing learnt: the names alone
    for secret in (KEY_ID, SECRET, TOKEN):
        assert secret not in written
    assert checked(tmp_path, call({"name": "g"}), response) >= {KEY_ID, SECRET, TOKEN}


def test_the_secrets_a_detector_is_made_with_are_matched() -> None:
    secret = "fakeSecretKey/NotReal+ForTests6666666666"  # fake, 40 characters
    assert _scrub.Secrets({secret}).scrub(f"x {secret} y") == "x SCRUBBED y"


# --- what is not recognised ---------------------------------------------------------------------

NOT_RECOGNISED: dict[str, Callable[[str], str]] = {
    "hex": lambda text: text.encode().hex(),
    "base32": lambda text: base64.b32encode(text.encode()).decode(),
    "url-safe-base64": lambda text: base64.urlsafe_b64encode(text.encode()).decode(),
    "reversed": lambda text: text[::-1],
    "rot13": lambda text: codecs.encode(text, "rot13"),
    "five-decodings-deep": lambda text: _b64(b"")(_b64(b"")(_b64(b"")(_b64(b"")(_b64(b"")(text))))),
}
# Made up, 40 characters; "~~~" at a multiple of three bytes is "fn5-" in URL-safe base64.
UNCOVERED_SECRET = "fakeSecretKe~~~NotReal0ForTests888888888"  # fake


@pytest.mark.parametrize("encoding", sorted(NOT_RECOGNISED))
def test_what_is_not_recognised_is_recorded_as_sent(tmp_path: Path, encoding: str) -> None:
    # SECURITY.md lists these as not covered; if one becomes covered, move it up and say so there.
    value = NOT_RECOGNISED[encoding](UNCOVERED_SECRET)
    text = recorded(tmp_path, call({"name": "g", "note": value}), learnt={UNCOVERED_SECRET})
    assert value in text and "SCRUBBED" not in text


# --- only the secrets are replaced --------------------------------------------------------------


def test_only_the_secrets_are_replaced_a_sent_escaped_slash_and_a_literal_unicode_escape_are_recorded_as_sent(
    tmp_path: Path,
) -> None:
    # The data: a tag whose text holds a backslash-slash and a backslash-u0041, then JSON with "\/".
    tags = [
        {"tagKey": "literal", "tagValue": "path\\/to and \\u0041 as text"},
        {"tagKey": "nested", "tagValue": json.dumps({"url": "a/b", "key": SECRET}).replace("/", "\\/")},
    ]
    request = call({"name": "g", "tags": tags})
    text = recorded(tmp_path, request, learnt={SECRET})
    [(loaded, _)] = _cassette_file.load(tmp_path / "recorded.yaml")
    stored = json.loads(loaded.body)["tags"]
    assert stored[0] == tags[0]  # as sent, not "path/to and A"
    assert stored[1]["tagValue"] == '{"url": "a\\/b", "key": "SCRUBBED"}'
    assert SECRET not in text

    # And the unchanged test replays: the request the code sends again is the one recorded.
    cassette = PersonalizeCassette(tmp_path / "recorded.yaml", "none")
    cassette.learn({SECRET})
    cassette.load()
    assert cassette.answer(call({"name": "g", "tags": tags})) is not None


@pytest.mark.parametrize(
    "body",
    [b'{"a": "\\ud800"}', b'{"a": 1, "a": 2}', b"[1e400]"],
    ids=["lone-surrogate-escape", "repeated-member", "infinite-number"],
)
def test_only_the_secrets_are_replaced_json_that_indenting_would_change_is_stored_as_sent(
    tmp_path: Path, body: bytes
) -> None:
    request = Request("POST", HOST, body, {"Content-Type": "application/x-amz-json-1.1"})
    recorded(tmp_path, request)
    [(loaded, _)] = _cassette_file.load(tmp_path / "recorded.yaml")
    assert loaded.body == body


# --- bounded work --------------------------------------------------------------------------------


def _work(text: str) -> int:
    """Characters the detector searches for one text: every view's length."""
    return sum(len(view.text) for view in _scrub._views(text))


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "base64-run-then-a-line-break": lambda n: "A" * n + "\n",
    "base64-run-then-an-escaped-line-break": lambda n: json.dumps({"v": "A" * n + "\n"}),
    "folded-lines": lambda n: "QUJDREVGR0hJSktMTU5PUA==\n" * (n // 25),
    "escaped-backslashes": lambda n: "\\" * n,
    "escaped-escapes": lambda n: "\\u005c" * (n // 6),
    "percent-of-percent": lambda n: "%25" * (n // 3),
    "json-in-json-in-json": lambda n: json.dumps(json.dumps(json.dumps({"v": "a/b" * (n // 3)}))),
    "words-and-short-runs": lambda n: "ab cd+/ef\n" * (n // 10),
}


@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_bounded_work_scrubbing_searches_a_bounded_multiple_of_the_input(shape: str) -> None:
    # Work, not time: the characters searched grow in step with the input, whatever its shape.
    small, large = ADVERSARIAL[shape](2_000), ADVERSARIAL[shape](20_000)
    assert _work(large) <= 8 * len(large)
    assert _work(large) / len(large) <= 1.2 * _work(small) / len(small)
    secrets = _scrub.Secrets()
    secrets.learn({SECRET})
    assert secrets.scrub(large) == large  # nothing there, nothing changed


def test_bounded_work_check_ends_on_crafted_files_with_a_named_error(tmp_path: Path) -> None:
    digits = tmp_path / "digits.yaml"
    digits.write_text("version: 1\ninteractions: []\ninteraction_count: " + "1" * 100_000 + "\n")
    scalar = tmp_path / "scalar.yaml"
    with scalar.open("w") as stream:
        for _ in range(60):
            stream.write("x" * 1_000_000)
        stream.write("\n")
    report = check_paths([digits, scalar])
    problems = {Path(f.where).name: f.kind for f in report.format_errors}
    assert "digits.yaml" in problems and "integer" in problems["digits.yaml"]
    assert problems["scalar.yaml"] == "it has no 'interactions' list (is it a cassette?)"
    assert report.credentials == []
