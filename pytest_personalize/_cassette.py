"""Record and replay: which recorded answer a request gets, and the cassette that holds them.

vcrpy does the patching (every HTTP library botocore may use); this module replaces what it
gets wrong for AWS JSON APIs:

- *matching*: every Personalize call is ``POST /``, so a request is known by its operation
  (``X-Amz-Target``), its JSON body as data (key order irrelevant), method, host and path --
  never by signatures, dates, invocation ids or user agents, which change on every call;
- *order*: identical requests get their recorded answers in the recorded order, so a
  ``DescribeDatasetGroup`` polling loop replays each status in turn;
- *cost*: interactions are indexed by request key when loaded, so a lookup is a dict[str, Any] access
  whatever the cassette's size (vcrpy compares the request with every interaction, every call);
- *scrubbing* (``_cassette_scrub``) and *files* (``_cassette_file``).
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import json
import os
import shlex
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlparse

from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.patch import CassettePatcherBuilder
from vcr.record_mode import RecordMode
from vcr.request import Request

from . import _cassette_file, _cassette_scrub
from ._backend import identity_from_authorization
from ._cassette_file import CassetteFormatError
from ._clients import offline_environment

RECORD_MODES = ("none", "once", "new_episodes", "all")
TARGET_HEADER = "X-Amz-Target"


class RequestKey(NamedTuple):
    """What makes two requests the same request."""

    method: str
    host: str
    path: str
    target: str
    body: str

    @property
    def operation(self) -> str:
        return self.target.rsplit(".", 1)[-1] if self.target else f"{self.method} {self.path}"


def header(request: Request, name: str) -> str:
    value = request.headers.get(name)
    return "" if value is None else _cassette_file.text(value)


def canonical_body(body: Any) -> str:
    """The body as data: JSON re-encoded with sorted keys, anything else as text."""
    if body is None:
        return ""
    if hasattr(body, "read"):  # vcrpy hands file bodies back as fresh BytesIO objects
        body = body.read()
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", errors="surrogateescape")
    if not isinstance(body, str):
        return repr(body)
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return body


def request_key(request: Request) -> RequestKey:
    # The path is in the key although every Personalize call is POST /: it keeps any other
    # traffic in the cassette (an S3 download, say) from matching across resources.
    return RequestKey(
        method=request.method.upper(),
        host=(request.host or "").lower(),
        path=request.path or "/",
        target=header(request, TARGET_HEADER),
        body=canonical_body(request.body),
    )


def personalize_request(r1: Request, r2: Request) -> None:
    """vcrpy matcher with the same rule as the index, for anyone using plain ``vcr.use_cassette``."""
    a, b = request_key(r1), request_key(r2)
    assert a == b, f"{a.operation} {a.body} != {b.operation} {b.body}"


# The modules each of vcrpy's patcher groups imports (vcr/patch.py, CassettePatcherBuilder.build).
_PATCHER_MODULES = {
    "requests": ("requests",),
    "boto3": ("botocore",),
    "urllib3": ("urllib3",),
    "httplib2": ("httplib2",),
    "tornado": ("tornado",),
    "aiohttp": ("aiohttp",),
    "httpx": ("httpx", "httpx_curl_cffi", "pyreqwest"),
    "httpx2": ("httpx2",),
}


@functools.cache
def _absent_patchers() -> tuple[str, ...]:
    """vcrpy's patcher groups for HTTP libraries that aren't installed, found once per process.

    vcrpy tries to import every library it knows on every cassette, and a failed import isn't
    cached: a sys.path scan each, a few milliseconds a test. Skipping them patches the same.
    """
    import importlib.util

    def installed(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            return False

    return tuple(group for group, modules in _PATCHER_MODULES.items() if not any(map(installed, modules)))


class UnrecordedRequestError(CannotOverwriteExistingCassetteException):  # type: ignore[misc]
    """A request the cassette has no (unplayed) answer for, while the record mode may not record it."""

    def __init__(self, message: str, cassette: PersonalizeCassette, request: Request) -> None:
        # vcrpy's constructor builds its own message with a linear scan; ours is already made.
        Exception.__init__(self, message)
        self.cassette = cassette
        self.failed_request = request
        self.similar_requests: list[Any] = []
        self.reason = "no_match"


class PersonalizeCassette(Cassette):  # type: ignore[misc]
    """A vcrpy cassette that matches AWS JSON requests by content, in recorded order, in O(1).

    It is what the ``personalize_cassette`` fixture yields: ``len(cassette)`` interactions,
    ``cassette.play_count`` played, ``cassette.record_mode``, ``cassette.path``, and
    ``cassette.failures``, the messages of requests it could not answer.
    """

    def __init__(
        self,
        path: str | Path,
        record_mode: str = "none",
        *,
        test_id: str = "",
        scrub_account_ids: bool = False,
        **kwargs: Any,
    ) -> None:
        self.secrets = _cassette_scrub.Secrets()
        self.accounts = _cassette_scrub.AccountIds() if scrub_account_ids else None
        super().__init__(
            str(path),
            record_mode=RecordMode(record_mode),
            match_on=(personalize_request,),
            before_record_request=self._scrubbed_request,
            before_record_response=self._scrubbed_response,
            **kwargs,
        )
        self.test_id = test_id
        self.skip_patchers = _absent_patchers()  # read by vcrpy's CassettePatcherBuilder.build
        self.failures: list[str] = []
        self._index: dict[RequestKey, list[int]] = defaultdict(list)
        self._played: Counter[RequestKey] = Counter()
        self._keys: list[RequestKey] = []  # the key of each interaction in self.data
        self._discarded = False

    def discard(self) -> None:
        """Don't save this session's recording: the cassette file stays as it was."""
        self._discarded = True

    # --- loading and saving ---------------------------------------------------------------

    def _load(self) -> None:
        path = Path(self._path)
        # "all" re-records from scratch: a broken cassette must not stand in its way.
        if self.record_mode == RecordMode.ALL or not path.is_file() or not path.read_bytes().strip():
            return
        for request, response in _cassette_file.load(path):
            self._add(request, response)
            self._index[self._keys[-1]].append(len(self.data) - 1)
        self._loaded_count = len(self.data)
        self.rewound = True
        self.dirty = False

    def _add(self, request: Request, response: dict[str, Any]) -> None:
        self.data.append((request, response))
        self._keys.append(request_key(request))

    def interactions_to_save(self) -> list[_cassette_file.Interaction]:
        # "all" keeps exactly this run's traffic; otherwise new interactions follow the old ones.
        data: list[_cassette_file.Interaction] = self.data
        if self.record_mode == RecordMode.ALL:
            return data[self._loaded_count :]
        return list(data)

    def _save(self, force: bool = False) -> None:
        if self._discarded or not (force or self.dirty):
            return
        command = self.rerecord_command()
        header = "Recorded by pytest-personalize; credentials scrubbed."
        if command:
            header += f"\nRe-record: {command}"
        _cassette_file.save(Path(self._path), self.interactions_to_save(), header)
        self.dirty = False

    # --- recording ------------------------------------------------------------------------

    def _scrubbed_request(self, request: Request) -> Request:
        request = copy.copy(request)
        request._was_file = request._was_iter = False  # store the body as bytes, whatever it came as
        headers = {name: _cassette_file.text(value) for name, value in request.headers.items()}
        self.secrets.learn(_cassette_scrub.wire_secrets(headers, request.uri))
        request.headers = {
            name: _cassette_scrub.scrub_header(name, value, self.secrets) for name, value in headers.items()
        }
        request.uri = _cassette_scrub.scrub_uri(self._scrub_accounts(request.uri), self.secrets)
        request.body = self._scrub_body(request.body)
        return request

    def _scrubbed_response(self, response: dict[str, Any]) -> dict[str, Any]:
        response["headers"] = {
            name: [self._scrub_text(_cassette_file.text(value)) for value in values]
            for name, values in response["headers"].items()
        }
        response["body"]["string"] = self._scrub_body(response["body"]["string"])
        return response

    def _scrub_accounts(self, text: str) -> str:
        return self.accounts.scrub(text) if self.accounts is not None else text

    def _scrub_text(self, text: str) -> str:
        # Account ids first: a loopback key id of 12 digits is also the account in every ARN.
        return self.secrets.scrub(self._scrub_accounts(text))

    def _scrub_body(self, body: Any) -> Any:
        if hasattr(body, "read"):
            body = body.read()
        if not body:
            return body
        try:
            text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)
        except UnicodeDecodeError:
            return body  # binary: scanned by `check`, never a Personalize payload
        return self._scrub_text(text).encode("utf-8")

    def append(self, request: Request, response: dict[str, Any]) -> None:
        request = self._before_record_request(request)
        response = self._before_record_response(copy.deepcopy(response))
        self._add(request, response)
        self.dirty = True

    # --- replaying ------------------------------------------------------------------------

    def _lookup_key(self, request: Request) -> RequestKey:
        # Recorded bodies were scrubbed (secrets, and account ids if asked): compare like with like.
        key = request_key(request)
        scrubbed = self._scrub_text(key.body)
        return key if scrubbed == key.body else key._replace(body=canonical_body(scrubbed))

    def _next_index(self, key: RequestKey) -> int | None:
        indices = self._index.get(key)
        if not indices or self._played[key] >= len(indices):
            return None
        return indices[self._played[key]]

    def can_play_response_for(self, request: Request) -> bool:
        if self.record_mode == RecordMode.ALL:
            return False
        key = self._lookup_key(request)
        if self._next_index(key) is not None:
            return True
        if self.write_protected:
            message = self.unmatched_message(request, key)
            self.failures.append(message)
            raise UnrecordedRequestError(message, self, request)
        return False

    def play_response(self, request: Request) -> dict[str, Any]:
        key = self._lookup_key(request)
        index = self._next_index(key)
        if index is None:
            raise UnrecordedRequestError(self.unmatched_message(request, key), self, request)
        self._played[key] += 1
        self.play_counts[index] += 1
        response: dict[str, Any] = self.data[index][1]
        return response

    def __contains__(self, request: Request) -> bool:
        return self._next_index(self._lookup_key(request)) is not None

    def responses_of(self, request: Request) -> list[dict[str, Any]]:
        return [self.data[i][1] for i in self._index.get(self._lookup_key(request), [])]

    def find_requests_with_most_matches(self, request: Request) -> list[Any]:
        closest = self._closest(self._lookup_key(request))
        return [] if closest is None else [(self.data[closest][0], [], [("body", "differs")])]

    # --- telling the user -----------------------------------------------------------------

    def rerecord_command(self, mode: str = "all") -> str:
        if not self.test_id:
            return ""
        return f"pytest --personalize-record-mode={mode} {shlex.quote(self.test_id)}"

    def _closest(self, key: RequestKey) -> int | None:
        """The loaded interaction most like ``key``: same operation first, then the nearest body."""
        loaded = range(self._loaded_count)
        same_operation = [i for i in loaded if self._keys[i].target == key.target]
        candidates = same_operation or list(loaded)
        if not candidates:
            return None

        def distance(i: int) -> tuple[float, int]:
            ratio = difflib.SequenceMatcher(None, self._keys[i].body, key.body).ratio()
            return (-ratio, i)

        # Error path only: a linear scan is fine here, and bounded to keep messages quick.
        return min(candidates[:500], key=distance)

    def unmatched_message(self, request: Request, key: RequestKey) -> str:
        path = self._path
        mode = self.record_mode.value
        lines = []
        if not self.rewound:
            lines.append(
                f"Amazon Personalize call {key.operation} can't be replayed: cassette {path} doesn't exist "
                f"(record mode '{mode}' doesn't record)."
            )
            fix = self.rerecord_command("once")
        else:
            recorded = len(self._index.get(key, ()))
            if recorded:
                problem = (
                    f"the cassette holds {recorded} identical request(s) and all were already replayed: "
                    "the code made more of these calls than were recorded"
                )
            else:
                problem = "no recorded request matches it"
            lines.append(
                f"Amazon Personalize call {key.operation} has no recorded response in cassette {path}: {problem}."
            )
            lines.append(f"  request:  {key.method} {request.uri} {_short(key.body)}")
            closest = None if recorded else self._closest(key)
            if closest is not None:
                near = self._keys[closest]
                lines.append(f"  closest recorded (interaction {closest + 1}): {near.operation} {_short(near.body)}")
                lines.extend(f"    {line}" for line in _differences(key, near))
            elif not recorded:
                lines.append("  the cassette records no requests")
            fix = self.rerecord_command("all")
            lines.append(f"  record mode: '{mode}' (it doesn't record into an existing cassette)")
        if fix:
            lines.append(f"Re-record the cassette with: {fix}")
        else:
            lines.append("Re-record the cassette with --personalize-record-mode=all.")
        return "\n".join(lines)


def _short(body: str, limit: int = 200) -> str:
    return body if len(body) <= limit else body[:limit] + f"... ({len(body)} characters)"


def _differences(key: RequestKey, near: RequestKey) -> list[str]:
    found = [
        f"{name} differs: {getattr(key, name)!r} (recorded {getattr(near, name)!r})"
        for name in ("method", "host", "path", "target")
        if getattr(key, name) != getattr(near, name)
    ]
    try:
        mine, theirs = json.loads(key.body or "{}"), json.loads(near.body or "{}")
    except ValueError:
        return found + ([] if key.body == near.body else ["body differs"])
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for member in sorted(set(mine) | set(theirs)):
            if mine.get(member, ...) != theirs.get(member, ...):
                found.append(f"body member {member!r}: {_shown(mine, member)} (recorded {_shown(theirs, member)})")
    elif mine != theirs:
        found.append("body differs")
    return found


def _shown(body: dict[str, Any], member: str) -> str:
    return json.dumps(body[member]) if member in body else "(absent)"


def replay_environment(cassette: PersonalizeCassette, environ: dict[str, str]) -> dict[str, str | None]:
    """Environment changes a replay needs: dummy credentials, and the recorded endpoint.

    A cassette recorded against a loopback server holds requests to 127.0.0.1; a client that
    resolves the AWS endpoint at replay would match none of them. Unless the test environment
    names an endpoint itself, clients are pointed at the recorded one -- nothing connects to it.
    """
    changes = offline_environment()
    if cassette.data and "AWS_ENDPOINT_URL_PERSONALIZE" not in environ and "AWS_ENDPOINT_URL" not in environ:
        recorded = urlparse(cassette.data[0][0].uri)
        if recorded.hostname and not recorded.hostname.endswith(".amazonaws.com"):
            changes["AWS_ENDPOINT_URL_PERSONALIZE"] = f"{recorded.scheme}://{recorded.netloc}"
    if not environ.get("AWS_DEFAULT_REGION") and not environ.get("AWS_REGION"):
        region = recorded_region(cassette)
        if region:
            changes["AWS_DEFAULT_REGION"] = region
    return changes


def recorded_region(cassette: PersonalizeCassette) -> str | None:
    """The region the first request was signed for (kept in the scrubbed Authorization scope)."""
    if not cassette.data:
        return None
    region, _account = identity_from_authorization(header(cassette.data[0][0], "Authorization"), default_region="")
    return region or None


@contextlib.contextmanager
def use_cassette(
    path: str | Path,
    record_mode: str = "none",
    *,
    test_id: str = "",
    scrub_account_ids: bool = False,
) -> Iterator[PersonalizeCassette]:
    """Patch HTTP for the block: answer from the cassette at ``path``, or record into it.

    Saves when the block ends normally (atomically); a block that raises leaves the file as it
    was. The caller supplies the environment (``replay_environment``) if it wants one.
    """
    if record_mode not in RECORD_MODES:
        raise ValueError(f"record mode {record_mode!r} is not one of {', '.join(RECORD_MODES)}")
    cassette = PersonalizeCassette(path, record_mode, test_id=test_id, scrub_account_ids=scrub_account_ids)
    cassette._load()
    with contextlib.ExitStack() as patches:
        for patcher in CassettePatcherBuilder(cassette).build():
            patches.enter_context(patcher)
        if not cassette.write_protected:
            cassette.secrets.learn(_cassette_scrub.environment_secrets(os.environ))
            patches.enter_context(_learning_signing_credentials(cassette.secrets))
        yield cassette
    cassette._save()


@contextlib.contextmanager
def _learning_signing_credentials(secrets: _cassette_scrub.Secrets) -> Iterator[None]:
    """Learn the credentials every SigV4 signer uses while recording, whatever provided them.

    The secret key never travels on the wire, so the HTTP layer can't see it; it may still turn
    up in data (a connection string, a basic-auth header). Signing is where every credential
    provider -- environment, profile, SSO, assumed role, instance metadata -- ends up.
    """
    from unittest import mock

    from botocore.auth import SigV4Auth

    original = SigV4Auth.add_auth

    def add_auth(signer: SigV4Auth, request: Any) -> None:
        credentials = getattr(signer, "credentials", None)
        if credentials is not None:
            secrets.learn(v for v in (credentials.access_key, credentials.secret_key, credentials.token) if v)
        original(signer, request)

    with mock.patch.object(SigV4Auth, "add_auth", add_auth):
        yield


def cassette_files(paths: Sequence[str | Path]) -> list[Path]:
    """Every cassette under ``paths`` (files as given, directories searched for ``*.yaml``/``*.yml``)."""
    found: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            found.extend(sorted(p for p in given.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(given)
    return found


__all__ = [
    "RECORD_MODES",
    "CassetteFormatError",
    "PersonalizeCassette",
    "RequestKey",
    "UnrecordedRequestError",
    "replay_environment",
    "request_key",
    "use_cassette",
]
