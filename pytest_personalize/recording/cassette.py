"""Record and replay: which recorded answer a request gets, and the cassette that holds them.

Requests are caught at botocore's HTTP session (:mod:`.transport`); this module decides
what each one gets:

- *matching*: a request is known by its operation (``X-Amz-Target``, for the control plane),
  its method, host, path and query, and its JSON body as data (key order irrelevant) -- never
  by signatures, dates, invocation ids or user agents, which change on every call. The runtime
  and events APIs are REST-JSON, so for them the path names the operation;
- *order*: identical requests get their recorded answers in the recorded order, so a
  ``DescribeDatasetGroup`` polling loop replays each status in turn;
- *cost*: interactions are indexed by request key when loaded, so a lookup is a dict access
  whatever the cassette's size;
- *threads*: one lock guards the index, the play counts and the recording, so threads sharing a
  client neither lose an interaction nor replay one twice;
- *sharing*: several tests may name one cassette; saving re-reads the file under a lock and adds
  this test's interactions, so neither tests nor xdist workers overwrite each other;
- *the user's control* (:mod:`.matching`): members ignored or normalised, per operation, and a
  custom matcher, for recording and replay alike;
- *scrubbing* (:mod:`.scrub`) and *files* (:mod:`.file`).

What a request is for (:mod:`pytest_personalize.wire.requests`) and the bytes of an error the
service would answer (:mod:`pytest_personalize.wire.responses`) are the wire's, as in every mode.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import json
import os
import shlex
import stat
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlparse

from vcr.request import Request

from .._clients import offline_environment
from .._constants import DEFAULT_REGION, RECORD_MODES
from .._findings import Finding, Kind
from ..model.errors import ServiceError
from ..wire import requests as _requests
from ..wire import responses as _responses
from . import file as _cassette_file
from . import scrub as _cassette_scrub
from .file import CassetteFormatError, Interaction
from .matching import Matching, suggestion, volatile_members

TARGET_HEADER = _requests.TARGET_HEADER


class RequestKey(NamedTuple):
    """What makes two requests the same request."""

    method: str
    host: str
    path: str
    target: str
    body: str

    @property
    def operation(self) -> str:
        """The operation as the request names it (runtime and events: by their path), else its method and path."""
        return _requests.display_name(self.method, self.path, self.target)

    @property
    def named_operation(self) -> str | None:
        """The operation the request names, None when it names none (what matching rules are scoped by)."""
        return _requests.named_operation(self.method, self.path.split("?", 1)[0], self.target)


def header(request: Request, name: str) -> str:
    value = request.headers.get(name)
    return "" if value is None else _requests.text(value)


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
    except (ValueError, RecursionError):
        return body


def request_key(request: Request) -> RequestKey:
    return key_of(request.method, request.uri, header(request, TARGET_HEADER), request.body)


def key_of(method: str, url: str, target: str, body: Any) -> RequestKey:
    """The key of a request given by its parts: ``target`` is its ``X-Amz-Target`` ("" without one)."""
    # The path (and query, in a fixed order) is in the key: it is the operation of a REST-JSON
    # call (GetRecommendations is POST /recommendations), and keeps other traffic apart.
    parsed = urlparse(url)
    path = parsed.path or "/"
    if parsed.query:
        path += "?" + "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parsed.query, keep_blank_values=True)))
    return RequestKey(
        method=method.upper(),
        host=(parsed.hostname or "").lower(),
        path=path,
        target=target,
        body=canonical_body(body),
    )


def header_value(headers: Any, name: str) -> str:
    """A header of ``headers`` (botocore's, vcrpy's or a plain mapping) as text, its name in any case; "" if absent."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == lowered), None)
    return "" if value is None else _requests.text(value)


def _record_key(record: _cassette_file.Record) -> RequestKey:
    """A loaded record's key, computed once for every load of the same cassette text."""
    key: RequestKey | None = record.derived.get("key")
    if key is None:
        target = ""
        for name, value in record.request_headers:
            if name.lower() == "x-amz-target":
                target = value  # the last, as vcrpy's headers keep it
        key = record.derived["key"] = key_of(record.method, record.uri, target, record.request_body)
    return key


def _vcr_request(method: str, url: str, headers: Any, body: bytes | str | None) -> Request:
    """A request given by its parts as vcrpy's (what a custom matcher, a miss and a recording are handed)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    text = {str(name): _requests.text(value) for name, value in headers.items()}
    return Request(method=method, uri=url, body=bytes(body or b""), headers=text)


# What stat says when there is no file to read: as pathlib's is_file() takes them.
_NO_FILE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _file_bytes(path: Path) -> bytes:
    """The cassette file's bytes; none when there is no regular file there."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb") as stream:
            return stream.read()
    except ValueError:  # a NUL in the name
        return b""
    except OSError as error:
        if error.errno in _NO_FILE:
            return b""
        raise CassetteFormatError(path, f"it can't be read ({error.strerror or error})") from None


class _Headers:
    """A record's request headers as ``classify`` reads them: by name, in any case, the last of a name."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._values = {name.lower(): value for name, value in pairs}

    def get(self, name: str, /) -> Any:
        return self._values.get(name.lower())


def _endpoint(method: str, uri: str, headers: Any) -> tuple[str, str | None]:
    """The API a recorded request is for, and the endpoint it went to unless that was AWS's."""
    api = _requests.classify(method, uri, headers).api or _requests.CONTROL_PLANE
    recorded = urlparse(uri)
    if not recorded.hostname or recorded.hostname.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return api, None
    return api, f"{recorded.scheme}://{recorded.netloc}"


def _region(authorization: str) -> str | None:
    region, _account = _requests.identity_from_authorization(authorization, default_region="")
    return region or None


def _record_facts(record: _cassette_file.Record) -> tuple[str, str | None, str | None]:
    """A loaded record's API, endpoint (as :func:`_endpoint`) and signed region, computed once."""
    facts: tuple[str, str | None, str | None] | None = record.derived.get("facts")
    if facts is None:
        headers = _Headers(record.request_headers)
        api, endpoint = _endpoint(record.method, record.uri, headers)
        authorization = headers.get(_requests.AUTHORIZATION_HEADER)
        facts = record.derived["facts"] = (api, endpoint, _region(authorization or ""))
    return facts


def _refusal(key: RequestKey) -> tuple[str, str] | None:
    """The error code and message the service answers a control-plane request with, or None."""
    from ..model import validate as _validate

    operation = _requests.operation_of(key.method, key.path, key.target)
    if operation is None:
        return None  # no operation the model knows
    try:
        params = json.loads(key.body) if key.body else {}
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    problem = _validate.request_problem(operation, params)
    return None if problem is None else (problem.code, problem.message)


def _error_response(code: str, message: str, operation: str | None = None) -> dict[str, Any]:
    """A refusal in the recorded-response form: the bytes the fake and the server would send.

    A runtime or events operation answers in REST-JSON, the control plane in AWS JSON 1.1.
    """
    from ..model import rest as _rest
    from ..model import templates as _templates

    rest = operation is not None and _rest.is_data_plane(operation)
    answer = _responses.error(ServiceError(code, message, _templates.error_status(code, operation)), rest=rest)
    return {
        "status": {"code": answer.status, "message": answer.reason},
        "headers": {name: [value] for name, value in answer.headers.items()},
        "body": {"string": answer.body},
    }


def _error_code(response: dict[str, Any]) -> str | None:
    """The error a recorded response carries (``__type``, as AWS JSON sends it), or None for a success."""
    if int(response.get("status", {}).get("code", 200)) < 300:
        return None
    for name, values in (response.get("headers") or {}).items():
        if str(name).lower() == "x-amzn-errortype" and values:
            # REST-JSON: "ResourceNotFoundException:http://internal.amazon.com/..." names the code.
            return str(values[0] if isinstance(values, list) else values).split(":", 1)[0]
    try:
        document = json.loads(_requests.text(response.get("body", {}).get("string") or b"{}"))
    except (ValueError, TypeError):
        return "UnknownError"
    code = (document.get("__type") or document.get("code")) if isinstance(document, dict) else None
    return str(code).rsplit("#", 1)[-1] if code else "UnknownError"


class UnrecordedRequestError(Exception):
    """A request the cassette has no (unplayed) answer for, while the record mode may not record it.

    Its own type, not a connection error: botocore retries connection errors, and a missing
    answer stays missing however often it is asked for.
    """

    def __init__(self, message: str, cassette: PersonalizeCassette, request: Request) -> None:
        super().__init__(message)
        self.cassette = cassette
        self.failed_request = request


class PersonalizeCassette:
    """Recorded Personalize interactions: matched by content, in recorded order, in O(1), thread-safe.

    It is what the ``personalize_cassette`` fixture yields: ``len(cassette)`` interactions,
    ``cassette.play_count`` played, ``cassette.unplayed()``, ``cassette.record_mode``,
    ``cassette.path``, and ``cassette.failures``, the messages of requests it could not answer.
    """

    def __init__(
        self,
        path: str | Path,
        record_mode: str = "none",
        *,
        test_id: str = "",
        scrub_account_ids: bool = False,
        run_id: str | None = None,
        matching: Matching | Mapping[str, Any] | None = None,
    ) -> None:
        if record_mode not in RECORD_MODES:
            raise ValueError(f"record mode {record_mode!r} is not one of {', '.join(RECORD_MODES)}")
        self.path = str(path)
        self.record_mode = record_mode
        self.test_id = test_id
        # Tests of one run share a cassette; without a run, this cassette is a run of its own.
        self.run_id = run_id or uuid.uuid4().hex
        self.secrets = _cassette_scrub.Secrets()
        self.accounts = _cassette_scrub.AccountIds() if scrub_account_ids else None
        # What a comparison leaves out or normalises: the same for every lookup, recording or replaying.
        self.matching = Matching.of(matching)
        # The loaded interactions stay records until someone needs them as vcrpy's requests
        # (``data``); a replay that only answers builds the responses it gives, nothing else.
        self._records: tuple[_cassette_file.Record, ...] = ()
        self._data: list[Interaction] | None = []
        self._built_requests: dict[int, Request] = {}
        self._built_responses: dict[int, dict[str, Any]] = {}
        # id() of each response given, to its interaction: how mark_played knows what it marks.
        self._given: dict[int, int] = {}
        self.play_counts: Counter[int] = Counter()
        self.failures: list[str] = []
        self.rewound = False  # a cassette file was loaded
        self._may_record = record_mode != "none"
        self._index: dict[RequestKey, list[int]] = defaultdict(list)
        self._played: Counter[RequestKey] = Counter()
        # (operation, error code or None) of every answer replayed, for the error-path coverage report.
        self.answered: list[tuple[str, str | None]] = []
        self._keys: list[RequestKey] = []
        self._loaded_count = 0
        self._discarded = False
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._records) if self._data is None else len(self._data)

    @property
    def data(self) -> list[Interaction]:
        """Every interaction, as vcrpy's requests and recorded responses: the loaded ones, then this session's."""
        if self._data is None:
            self._data = [(self._request(i), self._response(i)) for i in range(len(self._records))]
        return self._data

    def _request(self, index: int) -> Request:
        if self._data is not None:
            return self._data[index][0]
        request = self._built_requests.get(index)
        if request is None:
            request = self._built_requests[index] = self._records[index].request()
        return request

    def _response(self, index: int) -> dict[str, Any]:
        if self._data is not None:
            response = self._data[index][1]
        else:
            found = self._built_responses.get(index)
            response = self._built_responses[index] = self._records[index].response() if found is None else found
        self._given[id(response)] = index
        return response

    @property
    def write_protected(self) -> bool:
        """Whether a request the cassette lacks fails (rather than being recorded)."""
        return not self._may_record

    @property
    def play_count(self) -> int:
        return sum(self.play_counts.values())

    @property
    def recorded(self) -> list[Interaction]:
        """The interactions recorded in this session, in the order their answers came."""
        return [] if self._data is None else self._data[self._loaded_count :]

    def unplayed(self) -> list[int]:
        """Numbers (from 1) of the loaded interactions this session never replayed."""
        return [i + 1 for i in range(self._loaded_count) if not self.play_counts[i]]

    def discard(self) -> None:
        """Don't save this session's recording: the cassette file stays as it was."""
        self._discarded = True

    # --- loading and saving ---------------------------------------------------------------

    def load(self) -> None:
        """Read the cassette file, if there is one the record mode replays from."""
        if self.record_mode == "all":
            return  # "all" re-records from scratch: a broken cassette must not stand in its way
        path = Path(self.path)
        data = _file_bytes(path)
        if not data.strip():
            return
        records = _cassette_file.load_records(data, path)
        keys = [_record_key(record) for record in records]
        start = len(self)
        if start:
            self.data.extend(record.interaction() for record in records)
        else:
            self._records, self._data = records, None
        self._keys.extend(keys)
        for number, key in enumerate(keys, start):
            self._index[self._matching(key)].append(number)
        self._loaded_count = len(self)
        self.rewound = True
        if self.record_mode == "once":
            # "once" records a cassette the run doesn't have yet: a file another test of this run
            # started is still this run's to add to.
            with _cassette_file.locked(path) as lock:
                self._may_record = lock.read() == self.run_id

    def recorded_endpoints(self) -> list[tuple[str, str | None]]:
        """Each interaction's API, and the endpoint its request went to unless that was AWS's (``scheme://host:port``)."""
        with self._lock:
            found = [_record_facts(record)[:2] for record in self._records]
            later = self._data[len(self._records) :] if self._data is not None else []
            found.extend(_endpoint(request.method, request.uri, request.headers) for request, _ in later)
            return found

    def recorded_region(self) -> str | None:
        """The region the first request was signed for (kept in the scrubbed Authorization scope)."""
        with self._lock:
            if self._records:
                return _record_facts(self._records[0])[2]
            if not self._data:
                return None
            return _region(header(self._data[0][0], _requests.AUTHORIZATION_HEADER))

    def _add(self, request: Request, response: dict[str, Any], key: RequestKey | None = None) -> None:
        # Recording: the interactions become requests, the loaded ones too.
        self.data.append((request, response))
        self._keys.append(request_key(request) if key is None else key)

    def save(self) -> bool:
        """Add this session's recording to the cassette file; False if there was nothing to save.

        Under the file's lock, the file is read again and this session's interactions follow
        what it holds, so tests sharing a cassette (and xdist workers) never drop each other's.
        The first test of a run to save in mode ``all`` starts the file afresh.
        """
        with self._lock:
            if self._discarded or not self.recorded:
                return False
            new = list(self.recorded)
        path = Path(self.path)
        with _cassette_file.locked(path) as lock:
            fresh = self.record_mode == "all" and lock.read() != self.run_id
            base: list[Interaction] = []
            if not fresh and path.is_file() and path.read_bytes().strip():
                try:
                    base = _cassette_file.load(path)
                except CassetteFormatError:
                    if self.record_mode != "all":
                        raise
            interactions = self._scrubbed(base + new)
            command = self.rerecord_command()
            header = "Recorded by pytest-personalize; credentials scrubbed."
            if command:
                header += f"\nRe-record: {command}"
            _cassette_file.save(path, interactions, header)
            if fresh or not base:
                lock.write(self.run_id)
        return True

    # --- recording ------------------------------------------------------------------------

    def learn(self, secrets: Sequence[str] | set[str]) -> None:
        with self._lock:
            self.secrets.learn(secrets)

    def record(self, request: Request, response: dict[str, Any]) -> None:
        """Keep one interaction (scrubbed when saved, with every credential the session met)."""
        headers = {name: _requests.text(value) for name, value in request.headers.items()}
        wire = _cassette_scrub.wire_secrets(headers, request.uri)
        with self._lock:
            self.secrets.learn(wire)
            self._add(request, response)
            self.answered.append((self._keys[-1].operation, _error_code(response)))

    def _scrubbed(self, interactions: list[Interaction]) -> list[Interaction]:
        # Scrubbing waits for the save: a credential seen only in the last interaction is still
        # scrubbed from the first. Account ids get placeholders in the order they appear.
        with self._lock:
            return scrub_interactions(interactions, self.secrets, self.accounts)

    # --- replaying ------------------------------------------------------------------------

    def _matching(self, key: RequestKey) -> RequestKey:
        if self.accounts is not None:
            mask = _cassette_scrub.masked_accounts
            key = key._replace(path=mask(key.path), body=mask(key.body))
        if self.matching.changes_bodies:
            key = key._replace(body=self.matching.body(key.named_operation, key.body))
        return key

    def _lookup_key(self, request: Request) -> RequestKey:
        return self._compared(request_key(request))

    def _compared(self, key: RequestKey) -> RequestKey:
        # Recorded bodies were scrubbed (secrets, and account ids if asked): compare like with like.
        scrubbed = self.secrets.scrub(key.body)
        if scrubbed != key.body:
            key = key._replace(body=canonical_body(scrubbed))
        return self._matching(key)

    def _next_index(self, key: RequestKey, request: Callable[[], Request]) -> int | None:
        indices = self._index.get(key)
        if not indices:
            return None
        if self.matching.matcher is None:
            return indices[self._played[key]] if self._played[key] < len(indices) else None
        # The custom matcher may refuse a recorded request: the first unplayed one it accepts answers.
        for index in indices:
            if not self.play_counts[index] and self.matching.accepts(request(), self._request(index))[0]:
                return index
        return None

    def _play(self, index: int, key: RequestKey, operation: str) -> dict[str, Any]:
        self._played[key] += 1
        self.play_counts[index] += 1
        response = self._response(index)
        self.answered.append((operation, _error_code(response)))
        return response

    def lookup(self, method: str, url: str, headers: Any, body: bytes | str | None) -> dict[str, Any] | None:
        """The recorded response a request would get now, or None; nothing is played.

        ``headers`` is any mapping (botocore's, a dict); ``body`` the bytes sent. The response
        is in vcrpy's form (``status``, ``headers``, ``body``); give it to :meth:`mark_played`
        once it answers the request. A request the cassette lacks gets None, whatever the
        record mode: :meth:`answer` says what happens to it.
        """
        with self._lock:
            if self.record_mode == "all":
                return None
            key = self._compared(key_of(method, url, header_value(headers, TARGET_HEADER), body))
            index = self._next_index(key, lambda: _vcr_request(method, url, headers, body))
            return None if index is None else self._response(index)

    def mark_played(self, response: dict[str, Any]) -> bool:
        """Count ``response``, which :meth:`lookup` gave, as played; False if it was played since (look up again)."""
        with self._lock:
            index = self._given.get(id(response))
            if index is None or self._response(index) is not response:
                raise ValueError("mark_played takes a response this cassette's lookup gave")
            if self.play_counts[index]:
                return False
            recorded = self._keys[index]
            key = self._matching(recorded)
            if self.matching.matcher is None:
                indices = self._index.get(key, [])
                played = self._played[key]
                if played >= len(indices) or indices[played] != index:
                    return False
            self._play(index, key, recorded.operation)
            return True

    def answer(self, request: Request) -> dict[str, Any] | None:
        """The recorded response for ``request`` (counted as played), or None to record it.

        Raises ``UnrecordedRequestError`` when the cassette lacks it and may not record.
        """
        with self._lock:
            if self.record_mode == "all":
                return None
            return self._answer(self._lookup_key(request), lambda: request)

    def answer_request(self, method: str, url: str, headers: Any, body: bytes | str | None) -> dict[str, Any] | None:
        """:meth:`answer` for a request given by its parts (as :meth:`lookup` takes them)."""
        with self._lock:
            if self.record_mode == "all":
                return None
            key = self._compared(key_of(method, url, header_value(headers, TARGET_HEADER), body))
            built: list[Request] = []

            def request() -> Request:  # built once, and only for a miss or a custom matcher
                if not built:
                    built.append(_vcr_request(method, url, headers, body))
                return built[0]

            return self._answer(key, request)

    def _answer(self, key: RequestKey, request: Callable[[], Request]) -> dict[str, Any] | None:
        index = self._next_index(key, request)
        if index is not None:
            return self._play(index, key, key.operation)
        if self._may_record:
            return None
        # A request the service would refuse isn't a miss: it gets the service's answer.
        # Judged on the request as sent: matching may have left members out of the key.
        refusal = _refusal(request_key(request()))
        if refusal is not None:
            self.answered.append((key.operation, refusal[0]))
            return _error_response(*refusal, key.operation)
        message = self.unmatched_message(request(), key)
        self.failures.append(message)
        raise UnrecordedRequestError(message, self, request())

    def answer_success(self, method: str, url: str, headers: Any, body: bytes | str | None) -> dict[str, Any] | None:
        """The recorded response for a request given by its parts (as :meth:`lookup` takes them) when
        it is a success, counted as played; else None with nothing counted: an error, a miss, a
        recording and a custom matcher's choice are :meth:`answer`'s, at the send, where botocore's
        retries see an error."""
        if self.matching.matcher is not None:
            return None
        response = self.lookup(method, url, headers, body)
        if response is None or int(response["status"]["code"]) >= 300:
            return None
        return response if self.mark_played(response) else None

    def __contains__(self, request: Request) -> bool:
        with self._lock:
            return self._next_index(self._lookup_key(request), lambda: request) is not None

    # --- telling the user -----------------------------------------------------------------

    def rerecord_command(self, mode: str = "all") -> str:
        if not self.test_id:
            return ""
        # A credential in a test id (a parametrize value) must not reach the file's comment.
        return self.secrets.scrub(f"pytest --personalize-record-mode={mode} {shlex.quote(self.test_id)}")

    def unplayed_message(self) -> str:
        numbers = self.unplayed()
        lines = [
            f"{len(numbers)} of {self._loaded_count} recorded interaction(s) in cassette {self.path} were never "
            "replayed (the code made fewer calls than were recorded):"
        ]
        for number in numbers[:20]:
            key = self._keys[number - 1]
            lines.append(f"  interaction {number}: {key.operation} {_short(key.body, 120)}")
        if len(numbers) > 20:
            lines.append(f"  ... and {len(numbers) - 20} more")
        command = self.rerecord_command("all")
        if command:
            lines.append(f"Re-record the cassette with: {command}")
        return "\n".join(lines)

    def _closest(self, key: RequestKey) -> int | None:
        """The loaded interaction most like ``key``: same operation first, then the nearest body."""
        loaded = range(self._loaded_count)
        same_operation = [i for i in loaded if self._keys[i].target == key.target and self._keys[i].path == key.path]
        candidates = same_operation or list(loaded)
        if not candidates:
            return None

        def distance(i: int) -> tuple[float, int]:
            ratio = difflib.SequenceMatcher(None, self._keys[i].body, key.body).ratio()
            return (-ratio, i)

        # Error path only: a linear scan is fine here, and bounded to keep messages quick.
        return min(candidates[:500], key=distance)

    def unmatched_message(self, request: Request, key: RequestKey) -> str:
        path = self.path
        mode = self.record_mode
        lines = []
        if not self.rewound:
            lines.append(
                f"Amazon Personalize call {key.operation} can't be replayed: cassette {path} doesn't exist "
                f"(record mode '{mode}' doesn't record)."
            )
            # Never recorded: there is nothing to re-record.
            command = self.rerecord_command("once")
            lines.append(f"Record it with: {command}" if command else "Record it with --personalize-record-mode=once.")
            return "\n".join(lines)
        recorded = len(self._index.get(key, ()))
        unplayed = [i for i in self._index.get(key, ()) if not self.play_counts[i]]
        if recorded and unplayed and self.matching.matcher is not None:
            reason = self.matching.accepts(request, self._request(unplayed[0]))[1]
            problem = f"the custom matcher refused the {len(unplayed)} unplayed recorded request(s) like it" + (
                f" ({reason})" if reason else ""
            )
        elif recorded:
            problem = (
                f"the cassette holds {recorded} identical request(s) and all were already replayed: "
                "the code made more of these calls than were recorded"
            )
        else:
            problem = "no recorded request matches it"
        # A REST-JSON call is shown with its path too: POST /recommendations is what a log shows.
        call = key.operation if key.target else f"{key.operation} ({key.method} {key.path})"
        lines.append(f"Amazon Personalize call {call} has no recorded response in cassette {path}: {problem}.")
        lines.append(f"  request:  {key.method} {request.uri} {_short(key.body)}")
        closest = None if recorded else self._closest(key)
        volatile = None
        if closest is not None:
            near = self._matching(self._keys[closest])
            lines.append(
                f"  closest recorded (interaction {closest + 1}): {near.operation} {_short(self._keys[closest].body)}"
            )
            lines.extend(f"    {line}" for line in _differences(key, near))
            if all(getattr(key, name) == getattr(near, name) for name in ("method", "host", "path", "target")):
                volatile = volatile_members(key.body, near.body)
        elif not recorded:
            lines.append("  the cassette records no requests")
        lines.append(f"  record mode: '{mode}' (it doesn't record into an existing cassette)")
        if volatile:
            lines.extend(suggestion(key.named_operation, volatile))
            return "\n".join(lines)
        fix = self.rerecord_command("all")
        if fix:
            lines.append(f"Re-record the cassette with: {fix}")
        else:
            lines.append("Re-record the cassette with --personalize-record-mode=all.")
        return "\n".join(lines)

    # --- what the plugin checks at teardown ---------------------------------------------------

    def findings(self, *, unplayed: bool = True) -> list[Finding]:
        """What a test must not pass with: a request the cassette couldn't answer (the code under
        test may have swallowed the error), and loaded interactions it never replayed (unless
        ``unplayed`` is False)."""
        found = []
        if self.failures:
            found.append(Finding(self.failures[0]))
        if unplayed and self.rewound and self.unplayed():
            found.append(Finding(self.unplayed_message(), Kind.UNPLAYED))
        return found

    def reporting(self, *, unplayed: bool) -> _Reporting:
        """The cassette as the teardown check reads it: with its unplayed interactions, or without
        them when they couldn't fail the test (their message isn't worked out then)."""
        return _Reporting(self, unplayed)


class _Reporting:
    def __init__(self, cassette: PersonalizeCassette, unplayed: bool) -> None:
        self._cassette = cassette
        self._unplayed = unplayed

    def findings(self) -> list[Finding]:
        return self._cassette.findings(unplayed=self._unplayed)


class _Scrubbing:
    """One pass of scrubbing: the secrets it knows, and the account placeholders if asked for."""

    def __init__(self, secrets: _cassette_scrub.Secrets, accounts: _cassette_scrub.AccountIds | None) -> None:
        self.secrets = secrets
        self.accounts = accounts

    def request(self, request: Request) -> Request:
        headers = {_requests.text(name): _requests.text(value) for name, value in request.headers.items()}
        return Request(
            method=request.method,
            uri=_cassette_scrub.scrub_uri(self._accounts(request.uri), self.secrets),
            body=self._body(request.body),
            headers={
                self._name(name): _cassette_scrub.scrub_header(name, self._accounts(value), self.secrets)
                for name, value in headers.items()
            },
        )

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        values = response.get("headers") or {}
        return {
            **response,
            "status": dict(response["status"]),
            "headers": {
                self._name(_requests.text(name)): [
                    self._text(_requests.text(value) or "") for value in (v if isinstance(v, list) else [v])
                ]
                for name, v in values.items()
            },
            "body": {**response["body"], "string": self._body(response["body"]["string"])},
        }

    def _accounts(self, text: str) -> str:
        return self.accounts.scrub(text) if self.accounts is not None else text

    def _text(self, text: str) -> str:
        # Account ids first: a loopback key id of 12 digits is also the account in every ARN.
        return self.secrets.scrub(self._accounts(text))

    def _name(self, name: str) -> str:
        return _cassette_scrub.scrub_header_name(self._accounts(name), self.secrets)

    def _body(self, body: Any) -> Any:
        if hasattr(body, "read"):
            body = body.read()
        if not body:
            return body
        try:
            text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)
        except UnicodeDecodeError:
            return body  # binary: scanned by `check`, never a Personalize payload
        return self._text(text).encode("utf-8")


def learn_wire_secrets(secrets: _cassette_scrub.Secrets, request: Request) -> None:
    """Teach ``secrets`` what ``request`` carries: its key id, session token, presigned parameters, named secrets."""
    headers = {_requests.text(name): _requests.text(value) for name, value in request.headers.items()}
    secrets.learn(_cassette_scrub.wire_secrets(headers, request.uri))
    secrets.learn(_cassette_scrub.found_secrets(_requests.text(request.body or b"")))


def scrub_interactions(
    interactions: Sequence[Interaction],
    secrets: _cassette_scrub.Secrets,
    accounts: _cassette_scrub.AccountIds | None = None,
) -> list[Interaction]:
    """The interactions with every credential ``secrets`` knows or finds replaced, account ids too if asked.

    What each request's body names a secret is learnt first, so it is scrubbed everywhere.
    The recorder, the migration of vcrpy cassettes and vcrpy's ``before_record`` hooks share it.
    """
    for request, _response in interactions:
        secrets.learn(_cassette_scrub.found_secrets(_requests.text(request.body or b"")))
    scrubbing = _Scrubbing(secrets, accounts)
    return [(scrubbing.request(request), scrubbing.response(response)) for request, response in interactions]


def scrub_request(request: Request, secrets: _cassette_scrub.Secrets) -> Request:
    """One request, scrubbed with ``secrets`` (what vcrpy's ``before_record_request`` is handed)."""
    return _Scrubbing(secrets, None).request(request)


def scrub_response(response: dict[str, Any], secrets: _cassette_scrub.Secrets) -> dict[str, Any]:
    """One recorded response, scrubbed with ``secrets`` (what vcrpy's ``before_record_response`` is handed)."""
    return _Scrubbing(secrets, None).response(response)


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


# The environment variable that points each Personalize API's clients at an endpoint.
_ENDPOINT_VARIABLES = {
    "personalize": "AWS_ENDPOINT_URL_PERSONALIZE",
    "personalize-runtime": "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME",
    "personalize-events": "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS",
}


def replay_environment(
    cassette: PersonalizeCassette, environ: Mapping[str, str], default_region: str = DEFAULT_REGION
) -> dict[str, str | None]:
    """Environment changes a replay needs: dummy credentials, a region, and the recorded endpoints.

    A cassette recorded against a loopback server holds requests to 127.0.0.1; a client that
    resolves the AWS endpoint at replay would match none of them. Unless the test environment
    names an endpoint itself, clients are pointed at the recorded one -- nothing connects to it.
    With no region anywhere, clients get ``default_region``: a missing cassette must be told as
    such, not as botocore's ``NoRegionError``.
    """
    changes = offline_environment()
    if "AWS_ENDPOINT_URL" not in environ:
        for api, endpoint in cassette.recorded_endpoints():
            variable = _ENDPOINT_VARIABLES[api]
            if endpoint is not None and variable not in environ and variable not in changes:
                changes[variable] = endpoint
    if not environ.get("AWS_DEFAULT_REGION") and not environ.get("AWS_REGION"):
        changes["AWS_DEFAULT_REGION"] = cassette.recorded_region() or default_region
    return changes


def recording_environment(environ: Mapping[str, str], default_region: str = DEFAULT_REGION) -> dict[str, str | None]:
    """Environment changes a recording against a loopback server needs on a clean machine.

    A loopback server checks no signature, but botocore still wants credentials to sign with and
    a region: with none configured, dummy credentials and ``default_region`` are supplied. A
    Personalize API whose endpoint variable is unset is pointed at the same loopback URL as the
    others, never left to reach AWS.
    Credentials the machine does have are used (and scrubbed) as they would be against AWS.
    Recording against anything else changes nothing: that is the user's own AWS setup.
    """
    endpoints = [environ[name] for name in (*_ENDPOINT_VARIABLES.values(), "AWS_ENDPOINT_URL") if environ.get(name)]
    if not endpoints or not all(_requests.is_loopback(endpoint) for endpoint in endpoints):
        return {}
    changes: dict[str, str | None] = {}
    if not environ.get("AWS_ENDPOINT_URL"):
        # The loopback server answers every Personalize API on one port: an API left unset would
        # otherwise go to AWS, signed with the dummy credentials below, mid-recording.
        for variable in _ENDPOINT_VARIABLES.values():
            if not environ.get(variable):
                changes[variable] = endpoints[0]
    if not _has_credentials(environ):
        changes.update(offline_environment())
    if not environ.get("AWS_DEFAULT_REGION") and not environ.get("AWS_REGION"):
        changes["AWS_DEFAULT_REGION"] = default_region
    return changes


_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
# A file botocore reads credentials from: the variable's path when it is set, else the default.
_CREDENTIAL_FILES = {
    "AWS_SHARED_CREDENTIALS_FILE": Path(".aws", "credentials"),
    "AWS_CONFIG_FILE": Path(".aws", "config"),
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
}


def _has_credentials(environ: Mapping[str, str]) -> bool:
    # Asking botocore would try the instance metadata service: a network call, slow off EC2.
    if any(environ.get(name) for name in _CREDENTIAL_VARIABLES):
        return True
    home = Path(environ.get("HOME") or Path.home())
    for variable, default in _CREDENTIAL_FILES.items():
        given = environ.get(variable)
        path = Path(given).expanduser() if given else (home / default if default is not None else None)
        if path is not None and path.is_file():
            return True
    return False


def recorded_region(cassette: PersonalizeCassette) -> str | None:
    """The region the first request was signed for (kept in the scrubbed Authorization scope)."""
    return cassette.recorded_region()


@contextlib.contextmanager
def use_cassette(
    path: str | Path,
    record_mode: str = "none",
    *,
    test_id: str = "",
    scrub_account_ids: bool = False,
    run_id: str | None = None,
    matching: Matching | Mapping[str, Any] | None = None,
) -> Iterator[PersonalizeCassette]:
    """Answer Personalize requests from the cassette at ``path`` for the block, or record them.

    Saves when the block ends normally (atomically); a block that raises -- KeyboardInterrupt
    too -- leaves the file as it was. The caller supplies the environment
    (``replay_environment``) if it wants one.
    """
    from .transport import intercepting

    cassette = PersonalizeCassette(
        path, record_mode, test_id=test_id, scrub_account_ids=scrub_account_ids, run_id=run_id, matching=matching
    )
    cassette.load()
    with intercepting(cassette):
        yield cassette
    cassette.save()


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
    "recording_environment",
    "replay_environment",
    "request_key",
    "use_cassette",
]
