"""Credential material in recorded traffic: finding it in the bytes as sent, and scrubbing just it.

One detector serves two masters: the recorder scrubs what it finds before a cassette is written,
and ``python -m pytest_personalize check`` reports what it finds in a cassette on disk.

The detector searches *views* of a text: the text as written, and what it decodes to -- JSON
string escapes and percent-encoding undone (``\\uXXXX``, ``\\/``, ``%2F`` ...), each base64 run
decoded at each of its four alignments (MIME line breaks skipped; of binary data, only the
stretches of printable text) -- and each view's own views, up to ``MAX_DEPTH`` decodings deep
(JSON in a JSON string in a base64 text ...). Every character of a view knows the span of the
original text it came from, so a hit in any view is a span of the original, and only those
spans are replaced: nothing is decoded and re-encoded, and the recording holds the bytes that
were sent except the scrubbed spans.

Three kinds of rule, applied in every view:
- *positional*: where AWS puts credentials -- ``Credential=`` and ``Signature=`` in the
  ``Authorization`` header, ``X-Amz-Security-Token``, presigned-URL query parameters (in a URI
  or anywhere in a body), members named like ``SecretAccessKey`` in JSON or XML;
- *by shape*: access key ids (``AKIA``/``ASIA``... and 16 more characters; any case in header
  names and ``Authorization``, where HTTP lower-cases them) and 40-character secret keys or
  session tokens next to a telling name;
- *learnt literals*: every secret found or handed over (the environment, the signer) is matched
  in every view, ignoring case, wherever it appears.

Every pattern is linear (no nested or overlapping unbounded quantifiers), each view is at most
as long as the text it decodes, and each level adds one escape view and four base64 views of
each run (a run met again is decoded once), so scrubbing costs the same per byte at any size.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote

SCRUBBED = "SCRUBBED"
# Literal secrets shorter than this are scrubbed where they stand (the Authorization header) but
# not hunted through bodies: a dummy key such as "testing" would otherwise eat test data.
MIN_LITERAL = 12
# Decodings stacked on the text as written: a JSON body's own escapes, then three levels of
# data nested in it (JSON in a JSON string, URL-encoded, base64, in any order).
MAX_DEPTH = 4
# The shortest base64 run that can hold the shortest secret looked for.
_MIN_BASE64 = 4 * MIN_LITERAL // 3

# Prefixes of AWS access key ids (IAM users, STS, roles, ...): documented unique-id prefixes.
# Inside a longer word too: code that glues a key id to other text still sends the key id.
# Written to start with a plain "A", which the regex engine finds fast.
_KEY_TAILS = "KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|ROA|PKA|SCA"
_KEY_ID = re.compile(rf"A(?:{_KEY_TAILS})[A-Z0-9]{{16}}")
# HTTP header names are case-insensitive, and SigV4 lower-cases them in SignedHeaders.
_ANY_CASE_KEY_ID = re.compile(rf"(?i)A(?:{_KEY_TAILS})[A-Z0-9]{{16}}")
# A secret access key is 40 base64 characters; alone that shape is too common to flag, so it
# counts only next to a name that says what it is. Every gap is bounded: no backtracking.
_SECRET_KEY = re.compile(
    r"(?i)(?:secret_?access_?key|aws_?secret(?:_?key)?|secretkey)[\"'\s]{0,8}[:=>]\s{0,8}[\"']?"
    r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
)
# A session token has no fixed length; next to its name (a credentials file, a config dump) it is one.
_SESSION_TOKEN = re.compile(
    r"(?i)(?:aws_?session_?token|aws_?security_?token)[\"'\s]{0,8}[:=]\s{0,8}[\"']?([A-Za-z0-9/+=]{16,})"
)
_MEMBER_NAMES = r"access_?key_?id|secret_?access_?key|session_?token|secret_?key|security_?token"
_JSON_MEMBER = re.compile(rf'(?i)"(?:{_MEMBER_NAMES})"\s{{0,8}}:\s{{0,8}}"((?:[^"\\]|\\.)*)"')
_XML_MEMBER = re.compile(rf"(?i)<({_MEMBER_NAMES})>([^<]*)</\1>")
_AUTH_CREDENTIAL = re.compile(r"(Credential=)([^/,\s]+)")
_AUTH_SIGNATURE = re.compile(r"(Signature=)([^,\s]+)")
_TOKEN_HEADERS = frozenset({"x-amz-security-token"})
# A presigned URL's secrets, in a URI or anywhere in a body: the value stops where a URL's
# characters stop (a closing quote, a backslash), so the JSON around it stays intact.
_QUERY_SECRETS = re.compile(r"(?i)[?&](X-Amz-Credential|X-Amz-Signature|X-Amz-Security-Token)=([A-Za-z0-9%/+=._~-]*)")

_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))|%([0-9A-Fa-f]{2})')
# The same, one kind at a time: for text where a literal "%" or "\\" stands beside escapes of the other kind.
_JSON_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_PERCENT_ESCAPE = re.compile(r"%()()([0-9A-Fa-f]{2})")
_JSON_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}")
# MIME-style base64 (base64.encodebytes, PEM) breaks its text every 76 characters.
_FOLD = re.compile(r"\r?\n[ \t]*")
_FOLDED_TAIL = re.compile(r"\r?\n[ \t]*([A-Za-z0-9+/]{1,15})(?![A-Za-z0-9+/])")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PRINTABLE = re.compile(rf"[\x20-\x7e\t\r\n]{{{MIN_LITERAL},}}")


@dataclass(frozen=True)
class Finding:
    """Credential material found in recorded traffic: what kind, and where."""

    where: str
    kind: str
    # The secret itself, to tell two findings of one kind apart; never rendered.
    secret: str = field(default="", repr=False, compare=False)

    def render(self) -> str:
        return f"{self.where}: {self.kind}"


@dataclass(frozen=True)
class Hit:
    """A secret found in a text: the span ``[start, end)`` of the text as written that carries it."""

    start: int
    end: int
    secret: str = field(repr=False)
    kind: str


# --- views: a text and what it decodes to, each character knowing where it came from ----------


class _Pieces:
    """Positions in a view to positions in its parent: runs copied as they were, single characters
    decoded from a longer span (an escape)."""

    __slots__ = ("copied", "ends", "sources", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.sources: list[int] = []
        self.ends: list[int] = []
        self.copied: list[bool] = []

    def copy(self, start: int, source: int, length: int) -> None:
        if length > 0:
            self._add(start, source, source + length, True)

    def decoded(self, start: int, source: int, source_end: int) -> None:
        self._add(start, source, source_end, False)

    def _add(self, start: int, source: int, end: int, copied: bool) -> None:
        self.starts.append(start)
        self.sources.append(source)
        self.ends.append(end)
        self.copied.append(copied)

    def __call__(self, start: int, end: int) -> tuple[int, int]:
        first = bisect_right(self.starts, start) - 1
        last = bisect_right(self.starts, end - 1) - 1
        mapped_start = self.sources[first] + (start - self.starts[first]) if self.copied[first] else self.sources[first]
        mapped_end = self.sources[last] + (end - self.starts[last]) if self.copied[last] else self.ends[last]
        return mapped_start, mapped_end


class _Base64Map:
    """Bytes decoded from a base64 run to the run's characters: byte k is bits 8k..8k+7, which
    characters 8k//6 .. (8k+7)//6 of the run carry."""

    __slots__ = ("length", "offset", "run")

    def __init__(self, run: _Pieces, offset: int, length: int) -> None:
        self.run, self.offset, self.length = run, offset, length

    def __call__(self, start: int, end: int) -> tuple[int, int]:
        first = self.offset + 8 * start // 6
        last = min(self.offset + (8 * (end - 1) + 7) // 6 + 1, self.length)
        return self.run(first, last)


@dataclass(frozen=True)
class _View:
    """A decoded text, and how to map a span of it to a span of the text it was decoded from."""

    text: str
    parent: _View | None = None
    to_parent: Callable[[int, int], tuple[int, int]] | None = None
    depth: int = 0

    def root_span(self, start: int, end: int) -> tuple[int, int]:
        view: _View = self
        while view.parent is not None and view.to_parent is not None:
            start, end = view.to_parent(start, end)
            view = view.parent
        return start, end


def _views(text: str) -> list[_View]:
    """``text`` and every view of it, each at most as long as the text it decodes.

    A base64 run met again in a later view (the same characters from the same span of the
    text: a JSON view repeats every run that holds no escape) is decoded once.
    """
    found = [_View(text)]
    runs: set[tuple[int, int, str]] = set()
    index = 0
    while index < len(found):
        view = found[index]
        index += 1
        if view.depth >= MAX_DEPTH:
            continue
        found.extend(_unescaped(view))
        found.extend(_base64_decoded(view, runs))
    return found


def _unescaped(view: _View) -> list[_View]:
    """JSON's string escapes and percent-encoding undone, a character at a time, in one pass.

    Left to right, so ``\\\\u0041`` stays the text ``\\u0041`` (the next view undoes that).
    One view for both, not one each: nested views then grow with depth, not with 2**depth, and
    every order of the two (a URL in a JSON string, JSON in a URL) is undone a level a view.
    Where the text holds both a backslash and a percent sign, either may be literal (``%fa`` in
    a JSON string is no escape, nor is ``\\f`` in a URL): the two views of one kind each are
    searched too, so a secret beside a literal one is still found.
    """
    text = view.text
    has_json, has_percent = "\\" in text, "%" in text
    if not has_json and not has_percent:
        return []
    views = [_decoded(view, _ESCAPE, _unescape)]
    if has_json and has_percent:
        views += [_decoded(view, _JSON_ESCAPE, _unescape), _decoded(view, _PERCENT_ESCAPE, _unescape)]
    distinct: dict[str, _View] = {}
    for each in views:
        if each is not None and each.text != text:
            distinct.setdefault(each.text, each)
    return list(distinct.values())


def _unescape(match: re.Match[str]) -> str:
    if match.group(1):
        return chr(int(match.group(1), 16))
    if match.group(2):
        return _JSON_SIMPLE[match.group(2)]
    return chr(int(match.group(3), 16))


def _decoded(view: _View, pattern: re.Pattern[str], decode: Callable[[re.Match[str]], str]) -> _View | None:
    text = view.text
    parts: list[str] = []
    pieces = _Pieces()
    done = written = 0
    for match in pattern.finditer(text):
        start = match.start()
        if start > done:
            parts.append(text[done:start])
            pieces.copy(written, done, start - done)
            written += start - done
        parts.append(decode(match))
        pieces.decoded(written, start, match.end())
        written += 1
        done = match.end()
    if not parts:
        return None
    parts.append(text[done:])
    pieces.copy(written, done, len(text) - done)
    return _View("".join(parts), view, pieces, view.depth + 1)


def _base64_decoded(view: _View, seen: set[tuple[int, int, str]]) -> Iterator[_View]:
    """Each base64 run of ``view`` (MIME line breaks inside it skipped), decoded at each alignment.

    Runs are found by the regex engine, 16 characters or more; a Python step per run (never per
    character or short word) joins the lines of a folded one.
    """
    text = view.text
    run: list[tuple[int, int]] = []
    for match in _BASE64_RUN.finditer(text):
        if run and _FOLD.fullmatch(text, run[-1][1], match.start()):
            run.append(match.span())
            continue
        yield from _run_views(view, run, seen)
        run = [match.span()]
    yield from _run_views(view, run, seen)


def _run_views(view: _View, run: list[tuple[int, int]], seen: set[tuple[int, int, str]]) -> Iterator[_View]:
    if not run:
        return
    # A folded run's last line may be short.
    tail = _FOLDED_TAIL.match(view.text, run[-1][1])
    if tail is not None:
        run = [*run, tail.span(1)]
    length = sum(end - start for start, end in run)
    if length < _MIN_BASE64:
        return
    pieces = _Pieces()
    written = 0
    for start, end in run:
        pieces.copy(written, start, end - start)
        written += end - start
    compact = "".join(view.text[start:end] for start, end in run)
    key = (*view.root_span(run[0][0], run[-1][1]), compact)
    if key in seen:
        return
    seen.add(key)
    for offset in range(4):
        chunk = compact[offset:]
        if len(chunk) % 4 == 1:  # a lone last character carries no whole byte
            chunk = chunk[:-1]
        if len(chunk) < _MIN_BASE64:
            continue
        try:
            data = binascii.a2b_base64(chunk + "=" * (-len(chunk) % 4))
        except binascii.Error:
            continue
        # Latin-1: one character per byte, so a position in the view is a byte of the data.
        decoded = _View(data.decode("latin-1"), view, _Base64Map(pieces, offset, len(compact)), view.depth + 1)
        if _CONTROL.search(data) is None and _is_utf8(data):
            yield decoded
            continue
        # Binary (or the wrong alignment): only its stretches of printable ASCII can hold a
        # secret, and garbage has next to none, so they are all that is searched.
        for stretch in _PRINTABLE.finditer(decoded.text):
            window = _Pieces()
            window.copy(0, stretch.start(), stretch.end() - stretch.start())
            yield _View(stretch.group(0), decoded, window, decoded.depth)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- the detector -------------------------------------------------------------------------------


def _shape_hits(text: str, any_case: bool) -> Iterator[tuple[int, int, str, str]]:
    """Secrets in one view by where they stand and what they look like: (start, end, secret, kind)."""
    for match in (_ANY_CASE_KEY_ID if any_case else _KEY_ID).finditer(text):
        yield match.start(), match.end(), match.group(0), "access key id"
    lowered = text.lower()
    if "secret" in lowered:
        for match in _SECRET_KEY.finditer(text):
            yield match.start(1), match.end(1), match.group(1), "secret access key"
    if "token" in lowered:
        for match in _SESSION_TOKEN.finditer(text):
            yield match.start(1), match.end(1), match.group(1), "session token"
    if '"' in text and ("key" in lowered or "token" in lowered):
        for match in _JSON_MEMBER.finditer(text):
            value = match.group(1)
            if "\\" not in value:  # escaped: the view with the escapes undone finds it whole
                yield match.start(1), match.end(1), value, "credential member"
    if "<" in text and ("key" in lowered or "token" in lowered):
        for match in _XML_MEMBER.finditer(text):
            yield match.start(2), match.end(2), match.group(2), "credential member"
    if "x-amz-" in lowered:
        for match in _QUERY_SECRETS.finditer(text):
            yield match.start(2), match.end(2), _query_secret(match.group(1), match.group(2)), "query credential"


def _query_secret(parameter: str, value: str) -> str:
    # X-Amz-Credential is "<key id>/<date>/<region>/<service>/aws4_request": only the key id is secret.
    decoded = unquote(value)
    return decoded.split("/", 1)[0] if "credential" in parameter.lower() else decoded


def _found(text: str, any_case: bool) -> tuple[list[_View], list[Hit]]:
    views = _views(text)
    hits = []
    for view in views:
        for start, end, secret, kind in _shape_hits(view.text, any_case):
            if secret and secret != SCRUBBED:
                hits.append(Hit(*view.root_span(start, end), secret, kind))
    return views, hits


def found_secrets(text: str, *, any_case_key_ids: bool = False) -> set[str]:
    """The credential values ``text`` holds, recognised by shape, name or place, in any view of it."""
    return {hit.secret for hit in _found(text, any_case_key_ids)[1]}


@dataclass
class Secrets:
    """The detector, with the literal secrets one recording (or one ``check`` of a file) has met."""

    literals: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None
    _by_case: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given, self.literals = self.literals, set()
        self.learn(given)

    def learn(self, values: Iterable[str]) -> None:
        new = {v for v in values if len(v) >= MIN_LITERAL and v != SCRUBBED and v.lower() not in self._by_case}
        if new:
            self.literals |= new
            self._by_case.update((value.lower(), value) for value in new)
            # Longest first, so a secret holding another is replaced whole; case is ignored
            # because header names (and SignedHeaders) carry key ids lower-cased.
            ordered = sorted(self._by_case, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered), re.IGNORECASE)

    def hits(self, text: str, *, any_case_key_ids: bool = False) -> list[Hit]:
        """Every span of ``text`` that carries a secret, in any view; what is found is learnt."""
        if not text:
            return []
        views, hits = _found(text, any_case_key_ids)
        self.learn(hit.secret for hit in hits)
        pattern = self._pattern
        if pattern is not None:
            for view in views:
                for match in pattern.finditer(view.text):
                    secret = self._by_case.get(match.group(0).lower(), match.group(0))
                    hits.append(Hit(*view.root_span(match.start(), match.end()), secret, "known secret"))
        return hits

    def scrub(self, text: str, *, any_case_key_ids: bool = False) -> str:
        """``text`` with each span that carries a secret replaced by ``SCRUBBED``, and nothing else changed."""
        return replaced(text, self.hits(text, any_case_key_ids=any_case_key_ids))


def replaced(text: str, hits: Iterable[Hit]) -> str:
    """``text`` with the spans of ``hits`` (merged where they meet) replaced by ``SCRUBBED``."""
    spans = sorted((hit.start, hit.end) for hit in hits if hit.end > hit.start)
    if not spans:
        return text
    parts = []
    done = 0
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end:
            end = max(end, next_end)
            continue
        parts += [text[done:start], SCRUBBED]
        done, (start, end) = end, (next_start, next_end)
    parts += [text[done:start], SCRUBBED, text[end:]]
    return "".join(parts)


def encodings(value: str) -> set[str]:
    """Forms ``value`` takes on the wire: plain, URL-encoded, and the part of its base64 that
    depends on it alone, at each alignment. The detector finds all of them by decoding; tests
    use this list to look for leftovers without the detector's help.
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


def _authorization_hits(value: str) -> list[Hit]:
    return [
        Hit(match.start(2), match.end(2), match.group(2), what)
        for pattern, what in ((_AUTH_CREDENTIAL, "access key id"), (_AUTH_SIGNATURE, "request signature"))
        for match in pattern.finditer(value)
        if match.group(2) != SCRUBBED
    ]


def _is_sigv4(value: str) -> bool:
    return "Credential=" in value or "Signature=" in value


def scrub_header(name: str, value: str, secrets: Secrets) -> str:
    """A header value with its credential material replaced, keeping what a reviewer needs.

    ``Authorization: AWS4-HMAC-SHA256 Credential=SCRUBBED/20240101/us-east-1/personalize/aws4_request,
    SignedHeaders=..., Signature=SCRUBBED`` still says which region and service were signed for;
    a key id used in a header name is scrubbed from ``SignedHeaders`` too.
    """
    lowered = name.lower()
    if lowered == "authorization":
        if _is_sigv4(value):
            return replaced(value, _authorization_hits(value) + secrets.hits(value, any_case_key_ids=True))
        return SCRUBBED
    if lowered in _TOKEN_HEADERS:
        return SCRUBBED
    return secrets.scrub(value)


def scrub_header_name(name: str, secrets: Secrets) -> str:
    """A header name with key ids (in any case: header names are case-insensitive) replaced."""
    return secrets.scrub(name, any_case_key_ids=True)


def scrub_uri(uri: str, secrets: Secrets) -> str:
    return secrets.scrub(uri)


# --- what check reports -------------------------------------------------------------------------


def learn_header(secrets: Secrets, name: str, value: str) -> None:
    """Teach ``secrets`` what one recorded header holds (``check``'s first pass over a file)."""
    secrets.learn(found_secrets(name, any_case_key_ids=True))
    if name.lower() == "authorization":
        secrets.learn(m.group(2) for m in _AUTH_CREDENTIAL.finditer(value) if m.group(2) != SCRUBBED)
        secrets.learn(found_secrets(value, any_case_key_ids=True))
    elif name.lower() not in _TOKEN_HEADERS:
        secrets.learn(found_secrets(value))
    elif value != SCRUBBED:
        secrets.learn([value])


def header_findings(where: str, name: str, value: str, secrets: Secrets | None = None) -> list[Finding]:
    """Credential material left in one header of a cassette (its name and its value): what the
    recorder's ``scrub_header_name`` and ``scrub_header`` would have replaced."""
    secrets = secrets if secrets is not None else Secrets()
    found = text_findings(f"{where} header name", name, secrets, any_case_key_ids=True)
    lowered = name.lower()
    if lowered == "authorization":
        if _is_sigv4(value):
            found += [
                Finding(f"{where} header {name}", f"unscrubbed {hit.kind} in Authorization", hit.secret)
                for hit in _authorization_hits(value)
            ]
            reported = {finding.secret.lower() for finding in found}
            found += [
                finding
                for finding in text_findings(f"{where} header {name}", value, secrets, any_case_key_ids=True)
                if finding.secret.lower() not in reported
            ]
        elif value != SCRUBBED:
            found.append(Finding(f"{where} header {name}", "unscrubbed Authorization value", value))
    elif lowered in _TOKEN_HEADERS:
        if value != SCRUBBED:
            found.append(Finding(f"{where} header {name}", "unscrubbed session token", value))
    else:
        found += text_findings(f"{where} header {name}", value, secrets)
    return found


def text_findings(
    where: str, text: str, secrets: Secrets | None = None, *, any_case_key_ids: bool = False
) -> list[Finding]:
    """Credential material in a piece of recorded text, in any view of it: each secret once.

    These are exactly the spans ``Secrets.scrub`` would replace; ``secrets`` carries what the rest
    of the file taught (a secret found by name in one place is then found bare in another).
    """
    secrets = secrets if secrets is not None else Secrets()
    found: list[Finding] = []
    reported: set[str] = set()
    hits = secrets.hits(text, any_case_key_ids=any_case_key_ids)
    # A presigned URL's parameters first: X-Amz-Credential holds a key id the shape rule finds too.
    for hit in sorted(hits, key=lambda hit: (hit.kind != "query credential", hit.start)):
        key = hit.secret.lower()
        if key in reported:
            continue
        reported.add(key)
        kind = (
            "unscrubbed query credential"
            if hit.kind == "query credential"
            else f"credential material {_redacted(hit.secret)}"
        )
        found.append(Finding(where, kind, hit.secret))
    return found


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
