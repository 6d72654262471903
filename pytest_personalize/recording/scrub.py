"""Credential material in recorded traffic: finding it in any encoding, and scrubbing it.

One set of rules serves two masters: the recorder scrubs what they find before a cassette is
written, and ``python -m pytest_personalize check`` reports what they find in a cassette on disk.

Two kinds of rule:
- *positional*: where AWS puts credentials on the wire -- the ``Authorization`` header's
  ``Credential=`` and ``Signature=``, ``X-Amz-Security-Token``, presigned-URL query parameters,
  and members named like ``SecretAccessKey`` in a JSON or XML body;
- *by shape*: access key ids (``AKIA``/``ASIA``... and 16 more characters) and 40-character
  secret keys next to a telling name, looked for in the text as written, URL-decoded, and
  base64-decoded.

Every secret found is remembered as a literal, and every encoding of a remembered literal
(plain, base64 at any alignment, URL-encoded) is replaced wherever it appears.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote, unquote_plus

SCRUBBED = "SCRUBBED"

# Prefixes of AWS access key ids (IAM users, STS, roles, ...): documented unique-id prefixes.
_KEY_ID = re.compile(
    r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}(?![A-Z0-9])"
)
# A secret access key is 40 base64 characters; alone that shape is too common to flag, so it
# counts only next to a name that says what it is.
_SECRET_KEY = re.compile(
    r"(?i)(?:secret_?access_?key|aws_?secret(?:_?key)?|secretkey)[\"'\s]*[:=>]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
)
# A session token has no fixed length; next to its name (a credentials file, a config dump) it is one.
_SESSION_TOKEN = re.compile(
    r"(?i)(?:aws_?session_?token|aws_?security_?token)[\"'\s]*[:=]\s*[\"']?([A-Za-z0-9/+=]{16,})"
)
_SECRET_MEMBERS = frozenset({"accesskeyid", "secretaccesskey", "sessiontoken", "secretkey", "securitytoken"})
_JSON_MEMBER = re.compile(r'"([A-Za-z_]+)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_XML_MEMBER = re.compile(r"<([A-Za-z_]+)>([^<]*)</\1>")
_AUTH_CREDENTIAL = re.compile(r"(Credential=)([^/,\s]+)")
_AUTH_SIGNATURE = re.compile(r"(Signature=)([0-9A-Fa-f]+|[^,\s]+)")
_TOKEN_HEADERS = frozenset({"x-amz-security-token"})
_QUERY_SECRETS = re.compile(r"(?i)([?&](?:X-Amz-Credential|X-Amz-Signature|X-Amz-Security-Token)=)([^&]*)")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
# MIME-style base64 (base64.encodebytes, PEM) breaks its text every 76 characters; inside a JSON
# string the break is the two characters backslash-n.
_LINE_BREAK = r"(?:\r?\n|\\r\\n|\\n)"
_FOLDED_BASE64 = re.compile(rf"[A-Za-z0-9+/]{{8,}}={{0,2}}(?:{_LINE_BREAK}[ \t]*[A-Za-z0-9+/]+={{0,2}})+")
_BREAKS = re.compile(rf"{_LINE_BREAK}[ \t]*")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(/)")
# Literal secrets shorter than this are scrubbed where they stand (the Authorization header) but
# not hunted through bodies: a dummy key such as "testing" would otherwise eat test data.
MIN_LITERAL = 12


@dataclass(frozen=True)
class Finding:
    """Credential material found in recorded traffic: what kind, and where."""

    where: str
    kind: str
    # The secret itself, to tell two findings of one kind apart; never rendered.
    secret: str = field(default="", repr=False, compare=False)

    def render(self) -> str:
        return f"{self.where}: {self.kind}"


@dataclass
class Secrets:
    """The literal secrets one recording has met, to scrub in every encoding they may take."""

    literals: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None

    def learn(self, values: Iterable[str]) -> None:
        new = {v for v in values if len(v) >= MIN_LITERAL and v != SCRUBBED} - self.literals
        if new:
            self.literals |= new
            variants = sorted(
                {variant for value in self.literals for variant in encodings(value)}, key=len, reverse=True
            )
            self._pattern = re.compile("|".join(re.escape(v) for v in variants))

    def scrub(self, text: str) -> str:
        """``text`` with every encoding of every learnt secret replaced by ``SCRUBBED``."""
        self.learn(found_secrets(text))
        pattern = self._pattern
        if pattern is None:
            return text

        def unfolded(match: re.Match[str]) -> str:
            # A secret's base64 may straddle a line break: look at the run without its breaks.
            joined = _BREAKS.sub("", match.group(0))
            scrubbed = pattern.sub(SCRUBBED, joined)
            return match.group(0) if scrubbed == joined else scrubbed

        if "\n" in text or "\\n" in text:
            text = _FOLDED_BASE64.sub(unfolded, text)
        if "\\" in text:
            text = json_unescaped(text)
        return pattern.sub(SCRUBBED, text)


def json_unescaped(text: str) -> str:
    """``text`` with JSON's ``\\uXXXX`` and ``\\/`` escapes undone where that keeps JSON valid.

    A secret written as ``AKIA\\u0046...`` or ``abc\\/def`` is the secret once parsed (and once
    the cassette's pretty-printer writes it): scrubbing must see it so. Escapes of quotes,
    backslashes, control characters and surrogates stay, so JSON text stays the same data.
    """

    def undone(match: re.Match[str]) -> str:
        if match.group(2):
            return "/"
        code = int(match.group(1), 16)
        if code < 0x20 or code in (0x22, 0x5C) or 0xD800 <= code <= 0xDFFF:
            return match.group(0)
        return chr(code)

    return _JSON_ESCAPE.sub(undone, text)


def encodings(value: str) -> set[str]:
    """The forms ``value`` takes on the wire: plain, URL-encoded, and base64 at each alignment.

    A value inside a longer base64 text encodes differently depending on its offset modulo 3;
    the characters that depend only on the value itself are the same at a given offset, so the
    three "cores" catch it wherever it sits.
    """
    raw = value.encode()
    # quote() keeps "/" unless told otherwise, and is what most code calls.
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value, safe=""), quote_plus(value, safe="/")}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in list(forms)}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        start = (8 * offset + 5) // 6  # the first characters still carry bits of what comes before
        end = 8 * (offset + len(raw)) // 6  # the last ones carry bits of what comes after
        core = encoded[start:end]
        if len(core) >= MIN_LITERAL:
            forms.add(core)
    return forms


def _decoded_views(text: str) -> Iterator[str]:
    """``text`` as written, URL-decoded, and each base64 run in it decoded (at any alignment)."""
    yield text
    if "\\" in text:
        text = json_unescaped(text)
        yield text
    if "%" in text or "+" in text:
        yield unquote(text)
        yield unquote_plus(text)
    runs = _BASE64_RUN.findall(text)
    if "\n" in text or "\\n" in text:
        runs += [_BREAKS.sub("", folded) for folded in _FOLDED_BASE64.findall(text)]
    for run in runs:
        for start in range(4):
            chunk = run[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            try:
                decoded = base64.b64decode(chunk, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            if decoded.isprintable() or "\n" in decoded:
                yield decoded
                yield unquote(decoded)


def found_secrets(text: str) -> set[str]:
    """The credential values ``text`` holds, recognised by shape or by name, in any encoding."""
    found: set[str] = set()
    for view in _decoded_views(text):
        found.update(_KEY_ID.findall(view))
        found.update(_SECRET_KEY.findall(view))
        found.update(_SESSION_TOKEN.findall(view))
        for pattern in (_JSON_MEMBER, _XML_MEMBER):
            for name, value in pattern.findall(view):
                if name.replace("_", "").lower() in _SECRET_MEMBERS and value and value != SCRUBBED:
                    found.add(value)
    return found


_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def environment_secrets(environ: Mapping[str, str]) -> set[str]:
    """Credentials the environment holds (the signer's are learnt too, as they are used)."""
    return {environ[name] for name in _CREDENTIAL_VARIABLES if environ.get(name)}


# --- headers and URIs ----------------------------------------------------------------------


def wire_secrets(headers: dict[str, str], uri: str) -> set[str]:
    """Secrets sent where AWS puts them: the key id in ``Authorization``, the session token."""
    found: set[str] = set()
    for name, value in headers.items():
        if name.lower() == "authorization":
            found.update(m.group(2) for m in _AUTH_CREDENTIAL.finditer(value))
        elif name.lower() in _TOKEN_HEADERS:
            found.add(value)
    for match in _QUERY_SECRETS.finditer(uri):
        found.add(_query_secret(match.group(1), match.group(2)))
    return {value for value in found if value and value != SCRUBBED}


def scrub_header(name: str, value: str, secrets: Secrets) -> str:
    """A header value with its credential material replaced, keeping what a reviewer needs.

    ``Authorization: AWS4-HMAC-SHA256 Credential=SCRUBBED/20240101/us-east-1/personalize/aws4_request,
    SignedHeaders=..., Signature=SCRUBBED`` still says which region and service were signed for.
    """
    lowered = name.lower()
    if lowered == "authorization":
        if "Credential=" in value or "Signature=" in value:
            value = _AUTH_CREDENTIAL.sub(lambda m: m.group(1) + SCRUBBED, value)
            return _AUTH_SIGNATURE.sub(lambda m: m.group(1) + SCRUBBED, value)
        return SCRUBBED
    if lowered in _TOKEN_HEADERS:
        return SCRUBBED
    return secrets.scrub(value)


def scrub_uri(uri: str, secrets: Secrets) -> str:
    return secrets.scrub(_QUERY_SECRETS.sub(lambda m: m.group(1) + SCRUBBED, uri))


def header_findings(where: str, name: str, value: str) -> list[Finding]:
    """Credential material left in one header of a cassette, each finding carrying its secret."""
    lowered = name.lower()
    found = []
    if lowered == "authorization":
        for pattern, what in ((_AUTH_CREDENTIAL, "access key id"), (_AUTH_SIGNATURE, "request signature")):
            for match in pattern.finditer(value):
                if match.group(2) != SCRUBBED:
                    found.append(
                        Finding(f"{where} header {name}", f"unscrubbed {what} in Authorization", match.group(2))
                    )
        if "Credential=" not in value and "Signature=" not in value and value != SCRUBBED:
            found.append(Finding(f"{where} header {name}", "unscrubbed Authorization value", value))
    elif lowered in _TOKEN_HEADERS and value != SCRUBBED:
        found.append(Finding(f"{where} header {name}", "unscrubbed session token", value))
    return found


def text_findings(where: str, text: str) -> list[Finding]:
    """Credential material in a piece of recorded text, in any encoding it may take: each secret once."""
    found = [
        Finding(where, "unscrubbed query credential", _query_secret(m.group(1), m.group(2)))
        for m in _QUERY_SECRETS.finditer(text)
        if m.group(2) != SCRUBBED
    ]
    # A presigned URL's X-Amz-Credential holds an access key id that the shape rule finds too.
    reported = {finding.secret for finding in found}
    for value in sorted(found_secrets(text) - reported):
        found.append(Finding(where, f"credential material {_redacted(value)}", value))
    return found


def _query_secret(parameter: str, value: str) -> str:
    # X-Amz-Credential is "<key id>/<date>/<region>/<service>/aws4_request": only the key id is secret.
    decoded = unquote(value)
    return decoded.split("/", 1)[0] if "credential" in parameter.lower() else decoded


def _redacted(value: str) -> str:
    # Say which secret without printing it again into a CI log.
    return f"'{value[:4]}...' ({len(value)} characters)"


# --- account ids ---------------------------------------------------------------------------

_ARN_ACCOUNT = re.compile(r"(arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(?=:)")
# AWS's documentation example account: obviously not anybody's.
ACCOUNT_PLACEHOLDERS = ("123456789012",)


def _placeholders() -> Iterator[str]:
    """The placeholders in the order they are handed out: the example account, then 000000000002, ..."""
    yield from ACCOUNT_PLACEHOLDERS
    number = len(ACCOUNT_PLACEHOLDERS) + 1
    while True:
        yield f"{number:012d}"
        number += 1


def is_placeholder(account: str) -> bool:
    return account in ACCOUNT_PLACEHOLDERS or account.startswith("00000000")


@dataclass
class AccountIds:
    """Replaces each account id met in an ARN by the same placeholder, every time."""

    mapping: dict[str, str] = field(default_factory=dict)

    def placeholder(self, account: str) -> str:
        if account not in self.mapping:
            if is_placeholder(account):
                # Already scrubbed (a cassette that is added to): it keeps its placeholder, so
                # saving again never swaps two accounts' placeholders.
                self.mapping[account] = account
                return account
            used = set(self.mapping.values())
            self.mapping[account] = next(p for p in _placeholders() if p not in used)
        return self.mapping[account]

    def scrub(self, text: str) -> str:
        if "arn:" not in text:
            return text
        return _ARN_ACCOUNT.sub(lambda m: m.group(1) + self.placeholder(m.group(2)), text)


def masked_accounts(text: str) -> str:
    """``text`` with the account of every ARN left out, to match requests whatever placeholder they got.

    Placeholders follow the order accounts first appear in the recording, responses included;
    a replay sees only requests, so it can't give a second account the same placeholder again.
    """
    return _ARN_ACCOUNT.sub(lambda m: m.group(1) + "<account>", text) if "arn:" in text else text
