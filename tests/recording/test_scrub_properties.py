"""The scrubbing promise as a property: any secret, nested in any listed encoding, anywhere.

Hypothesis nests each encoding SECURITY.md lists (JSON string escapes, ``\\/`` included; JSON
in a JSON string; percent-encoding; base64, MIME-folded or not, at any alignment) up to three
levels deep, puts the result in a tag, a name, a runtime ``context`` or a header, records it,
and asserts:

- no decoded view of the cassette file holds the secret, judged by an oracle written here that
  decodes with the standard library (``json``, ``urllib``, ``binascii``), not with the scrubber;
- what was recorded equals what was sent outside the spans replaced by ``SCRUBBED``: JSON data
  member by member, every string and header value character by character;
- ``check`` finds a key id in the unscrubbed file, and nothing in the scrubbed one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcr.request import Request

from pytest_personalize.recording import file as _cassette_file
from pytest_personalize.recording.cassette import PersonalizeCassette
from pytest_personalize.recording.check import check_paths

# FAKE credentials, made up for the tests.
KEY_ID = "AKIA" + "FAKEFAKEFAKE0077"  # fake
SECRET = "fakeSecretKey/NotReal+ForTests7777777777"  # fake, 40 characters
TOKEN = "IQoJb3JpZ2luX2VjEFakePropertyToken/ForTests+Only7777=="  # fake
CONTROL_HOST = "https://personalize.us-east-1.amazonaws.com/"
RUNTIME_HOST = "https://personalize-runtime.us-east-1.amazonaws.com/recommendations"


def _json_escaped_slashes(text: str) -> str:
    # As Java's and PHP's encoders write it.
    return json.dumps({"v": text}).replace("/", "\\/")


def _json_all_unicode_escapes(text: str) -> str:
    return '{"v": "' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in text) + '"}'


def _base64_at(offset: int) -> Callable[[str], str]:
    return lambda text: base64.b64encode(b"\x01" * offset + text.encode("utf-8", "surrogatepass")).decode()


ENCODINGS: dict[str, Callable[[str], str]] = {
    "json": lambda text: json.dumps({"v": text}),
    "json-ascii": lambda text: json.dumps({"v": text}, ensure_ascii=True),
    "json-escaped-slashes": _json_escaped_slashes,
    "json-unicode-escapes": _json_all_unicode_escapes,
    "url": lambda text: quote(text, safe=""),
    "url-keeping-slashes": quote,
    "url-plus": lambda text: quote_plus(text, safe=""),
    "base64": _base64_at(0),
    "base64-offset-1": _base64_at(1),
    "base64-offset-2": _base64_at(2),
    "mime-base64": lambda text: base64.encodebytes(text.encode("utf-8", "surrogatepass")).decode(),
}

# Text around the secret, and text sent beside it, that a scrubber which decodes and re-encodes
# would change: literal escapes, a sent "\/", percent signs, quotes, line breaks.
TRICKY = ["\\u0041", "\\/", "\\\\", "%41", "%", '"', "\n", "a/b", "+", "=", " "]
noise = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=3)), max_size=4).map("".join)


# --- an oracle that decodes with the standard library -------------------------------------------


def oracle_views(text: str, depth: int = 0) -> Iterator[str]:
    yield text
    if depth >= 5:
        return
    if "\\" in text or text.lstrip().startswith(("{", "[")):
        for candidate in (text, '"' + text + '"'):
            try:
                data = json.loads(candidate)
            except ValueError:
                continue
            for string in _strings(data):
                yield from oracle_views(string, depth + 1)
    if "%" in text:
        yield from oracle_views(unquote(text), depth + 1)
    for run in re.findall(r"[A-Za-z0-9+/=\s]{16,}", text):
        compact = re.sub(r"[\s=]", "", run)
        for start in range(4):
            chunk = compact[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4] if len(chunk) % 4 == 1 else chunk
            try:
                data = binascii.a2b_base64(chunk + "=" * (-len(chunk) % 4))
            except binascii.Error:
                continue
            yield from oracle_views(data.decode("latin-1"), depth + 1)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif node is not None:
        yield str(node)


def test_the_oracle_sees_through_every_nesting_it_is_given() -> None:
    for chain in (["json", "url", "base64-offset-1"], ["mime-base64", "json-unicode-escapes", "json"]):
        text = "x" + SECRET + "y"
        for name in chain:
            text = ENCODINGS[name](text)
        body = json.dumps({"tags": [{"tagKey": "k", "tagValue": text}]})
        assert any(SECRET in view for view in oracle_views(body)), chain


# --- what was sent, and what was recorded --------------------------------------------------------


def outside_spans_equal(sent: str, recorded: str) -> bool:
    """Whether ``recorded`` is ``sent`` with some (non-empty) spans replaced by SCRUBBED."""
    if "SCRUBBED" not in recorded:
        return sent == recorded
    pieces = recorded.split("SCRUBBED")
    if not (sent.startswith(pieces[0]) and sent.endswith(pieces[-1])):
        return False
    position = len(pieces[0])
    for piece in pieces[1:-1]:
        found = sent.find(piece, position + 1)
        if found < 0:
            return False
        position = found + len(piece)
    return len(sent) - len(pieces[-1]) > position


def assert_same_data_outside_spans(sent: Any, recorded: Any) -> None:
    if isinstance(sent, dict):
        assert isinstance(recorded, dict) and list(sent) == list(recorded)
        for key in sent:
            assert_same_data_outside_spans(sent[key], recorded[key])
    elif isinstance(sent, list):
        assert isinstance(recorded, list) and len(sent) == len(recorded)
        for left, right in zip(sent, recorded, strict=True):
            assert_same_data_outside_spans(left, right)
    elif isinstance(sent, str):
        assert isinstance(recorded, str) and outside_spans_equal(sent, recorded), (sent, recorded)
    else:
        assert sent == recorded


def _request(place: str, value: str, beside: str) -> tuple[Request, dict[str, str]]:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Beside": quote(beside, safe="")}
    body: dict[str, Any]
    if place == "context":
        body = {"campaignArn": "arn:aws:personalize:us-east-1:123456789012:campaign/c", "context": {"d": value}}
        return Request("POST", RUNTIME_HOST, json.dumps(body).encode(), headers), headers
    headers["X-Amz-Target"] = "AmazonPersonalize.CreateDatasetGroup"
    if place == "header":
        # A header carries text on one line: what isn't printable ASCII is percent-encoded first.
        headers["X-Data"] = value if value.isascii() and value.isprintable() else quote(value, safe="")
        body = {"name": "g", "tags": [{"tagKey": "beside", "tagValue": beside}]}
    elif place == "name":
        body = {"name": value, "tags": [{"tagKey": "beside", "tagValue": beside}]}
    else:
        body = {"name": "g", "tags": [{"tagKey": "beside", "tagValue": beside}, {"tagKey": "k", "tagValue": value}]}
    return Request("POST", CONTROL_HOST, json.dumps(body, ensure_ascii=False).encode(), dict(headers)), headers


def _answer() -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/x-amz-json-1.1"]},
        "body": {"string": b"{}"},
    }


@settings(max_examples=80, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    secret=st.sampled_from([KEY_ID, SECRET, TOKEN]),
    chain=st.lists(st.sampled_from(sorted(ENCODINGS)), max_size=3),
    place=st.sampled_from(["tag", "name", "context", "header"]),
    before=noise,
    after=noise,
    beside=noise,
)
def test_no_decoded_view_holds_a_secret_and_the_rest_is_recorded_as_sent(
    secret: str, chain: list[str], place: str, before: str, after: str, beside: str
) -> None:
    value = before + secret + after
    for name in chain:
        value = ENCODINGS[name](value)
    request, sent_headers = _request(place, value, beside)
    sent_body = json.loads(request.body)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "c.yaml"
        cassette = PersonalizeCassette(path, "all")
        cassette.learn({SECRET, TOKEN})  # as the signer hands them over; the key id is found by its shape
        cassette.record(request, _answer())
        assert cassette.save()
        written = path.read_text(encoding="utf-8")

        # (a) No decoded view of the file, or of any string YAML reads from it, holds the secret.
        for text in (written, *_strings(yaml.safe_load(written))):
            for view in oracle_views(text):
                assert secret.lower() not in view.lower(), (chain, place, view[:200])

        # (b) What was recorded is what was sent, outside the scrubbed spans.
        [(recorded, _response)] = _cassette_file.load(path)
        assert_same_data_outside_spans(sent_body, json.loads(recorded.body))
        for name, sent_value in sent_headers.items():
            assert outside_spans_equal(sent_value, recorded.headers[name]), name

        # (c) check finds nothing left in the scrubbed file, and a key id in the unscrubbed one.
        assert check_paths([path]).credentials == []
        if secret == KEY_ID:
            raw = Path(directory) / "raw.yaml"
            _cassette_file.save(raw, [(request, _answer())])
            assert {finding.secret for finding in check_paths([raw]).credentials} == {KEY_ID}
