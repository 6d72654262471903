"""``python -m pytest_personalize parity``: how far is the fake from the answers a cassette recorded?

A cassette recorded against AWS holds real answers. Parity replays each cassette's requests, in
the recorded order, against a fresh :class:`~pytest_personalize.emulator.backend.Backend` --
through :func:`pytest_personalize.wire.exchange.answer`, on the recorded bytes, as the fake and
the server answer them -- with the recording's account (each request's region is its credential
scope's), and compares every answer with the recorded one:

- the HTTP status, the error code, and the error message (exact; a message the fake words
  itself is marked *ours*: the service's wordings are :data:`SERVICE_WORDINGS`);
- members present on one side only, and list items on one side only;
- enum values;
- each resource's status path: the statuses its Describe and List answers showed, repeats
  collapsed. The real service takes seconds where the fake takes polls, so the fake shows
  every stage (the ``describe`` lifecycle with IN_PROGRESS), a Describe whose status the fake
  hasn't reached yet is asked again until it does or stops moving, and the recorded path must
  be reachable: its statuses, in order, among the fake's.

What differs on every run is normalised, never compared: ids (an ARN's generated last part,
UUIDs such as ``trackingId``), request ids, timestamps and the account (the fake speaks for the
recorded one; an ARN's account is masked in messages). An id the recording got is mapped to the
fake's id for the same resource, and later requests are sent with the fake's.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("http-status", "error-code", "error-message", "member", "items", "value", "status-path")

# The service's own wordings, as docs/fidelity.md ("Whose wording") lists them: a message of the
# fake that matches none of these is the fake's own wording, and its divergence is marked "ours".
SERVICE_WORDINGS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"\d+ validation errors? detected: ",
        r"The given [a-z -]+ does not exist: ",
        r"Another resource with Arn \S+ already exists\.",
        r"EventTracker \S+ already exists for DatasetGroup ",
        r"Credential should be scoped ",
        r"Authorization header requires ",
        r"Date in Credential scope does not match ",
        r"More than 5 resources with PENDING or IN_PROGRESS status\.",
        r"Insufficient privileges for accessing data in S3\.",
    )
)

_ARN_ACCOUNT = re.compile(r"(arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:)\d{12}(?=:)")
_ACCOUNT_IN_ARN = re.compile(r"arn:aws[a-z-]*:personalize:[a-z0-9-]+:(\d{12}):")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
# The last part of an ARN the service makes up (an event tracker's, a solution version's): hex digits.
_GENERATED_ID = re.compile(r"[0-9a-f]{6,32}")
# How often a Describe is asked again for a status the fake hasn't reached: more than any path's stages.
_CATCH_UP = 8


class ParityInputError(ValueError):
    """Input parity can't use (an accept file it can't read), named with what is wrong."""


@dataclass(frozen=True)
class Divergence:
    """One way the fake's answer differs from the recorded one."""

    file: str
    interaction: int  # 1-based, as ``check`` counts
    operation: str
    kind: str  # one of KINDS
    path: str  # the member's path in the answer ("" for the status line and errors)
    recorded: Any
    ours: Any
    detail: str
    accepted: str | None = None  # the accept file's reason, when the divergence is accepted

    def render(self) -> str:
        where = f"{self.file}: interaction {self.interaction} ({self.operation})"
        line = f"{where}: {self.kind}{f' {self.path}' if self.path else ''}: {self.detail}"
        return line + (f" [accepted: {self.accepted}]" if self.accepted else "")


@dataclass
class Report:
    """What ``parity`` found over every cassette given."""

    cassettes: int = 0
    interactions: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    # Files that aren't readable cassettes: named, never replayed.
    errors: list[str] = field(default_factory=list)
    # Accept entries that matched nothing: the fake may have been fixed since.
    unused: list[Acceptance] = field(default_factory=list)

    @property
    def failing(self) -> list[Divergence]:
        return [d for d in self.divergences if d.accepted is None]

    @property
    def passed(self) -> bool:
        return not self.failing and not self.errors

    def render(self) -> str:
        lines = [*self.errors, *(d.render() for d in self.divergences)]
        lines += [f"accepted but not seen (fixed?): {entry.describe()}" for entry in self.unused]
        accepted = len(self.divergences) - len(self.failing)
        lines.append(
            f"parity: {self.cassettes} cassette(s), {self.interactions} interaction(s): "
            f"{len(self.failing)} divergence(s), {accepted} accepted"
            + (f", {len(self.errors)} unreadable cassette(s)" if self.errors else "")
        )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "cassettes": self.cassettes,
            "interactions": self.interactions,
            "divergences": [asdict(d) for d in self.divergences],
            "failing": len(self.failing),
            "accepted": len(self.divergences) - len(self.failing),
            "errors": list(self.errors),
            "unused_acceptances": [entry.describe() for entry in self.unused],
        }


# --- the accept file ---------------------------------------------------------------------------

_ACCEPT_FIELDS = ("file", "interaction", "operation", "kind", "path", "reason")


@dataclass(frozen=True)
class Acceptance:
    """A divergence a team accepted, and why: every field given must match (``file`` as a glob)."""

    reason: str
    file: str | None = None
    interaction: int | None = None
    operation: str | None = None
    kind: str | None = None
    path: str | None = None

    def matches(self, divergence: Divergence) -> bool:
        if self.file is not None:
            shown = Path(divergence.file).as_posix()
            if not (
                fnmatch.fnmatchcase(shown, self.file)
                or fnmatch.fnmatchcase(Path(shown).name, self.file)
                or shown.endswith("/" + self.file.lstrip("/"))
            ):
                return False
        return all(
            wanted is None or wanted == getattr(divergence, name)
            for name, wanted in (
                ("interaction", self.interaction),
                ("operation", self.operation),
                ("kind", self.kind),
                ("path", self.path),
            )
        )

    def describe(self) -> str:
        given = [f"{name}={getattr(self, name)!r}" for name in _ACCEPT_FIELDS[:-1] if getattr(self, name) is not None]
        return f"{', '.join(given) or 'every divergence'} ({self.reason})"


def load_acceptances(path: Path) -> list[Acceptance]:
    """The entries of an accept file: TOML (``[[accept]]`` tables) or JSON (``{"accept": [...]}`` or a list).

    :class:`ParityInputError` names the file and what is wrong with it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = getattr(error, "strerror", None) or error
        raise ParityInputError(f"accept file {path}: cannot be read ({problem})") from None
    document: Any
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except ValueError as error:
            raise ParityInputError(f"accept file {path}: not valid JSON ({error})") from None
    else:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # the same parser, before the standard library took it in (a dependency below 3.11)
            import tomli as tomllib
        try:
            document = tomllib.loads(text)
        except ValueError as error:
            raise ParityInputError(f"accept file {path}: not valid TOML ({error})") from None
    entries = document.get("accept") if isinstance(document, dict) else document
    if isinstance(document, dict) and set(document) - {"accept"}:
        unknown = ", ".join(sorted(set(document) - {"accept"}))
        raise ParityInputError(f"accept file {path}: unknown top-level key(s) {unknown}; it holds 'accept' only")
    if not isinstance(entries, list):
        raise ParityInputError(f"accept file {path}: needs a list of entries under 'accept' (TOML: [[accept]] tables)")
    return [_acceptance(entry, number, path) for number, entry in enumerate(entries, start=1)]


def _acceptance(entry: Any, number: int, path: Path) -> Acceptance:
    where = f"accept file {path}: entry {number}"
    if not isinstance(entry, dict):
        raise ParityInputError(f"{where} is not a table of {', '.join(_ACCEPT_FIELDS)}")
    unknown = sorted(set(entry) - set(_ACCEPT_FIELDS))
    if unknown:
        raise ParityInputError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(_ACCEPT_FIELDS)}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ParityInputError(f"{where} has no reason: say why the divergence is accepted")
    interaction = entry.get("interaction")
    if interaction is not None and (isinstance(interaction, bool) or not isinstance(interaction, int)):
        raise ParityInputError(f"{where}: interaction must be a whole number (1 is the first), not {interaction!r}")
    for name in ("file", "operation", "kind", "path"):
        value = entry.get(name)
        if value is not None and not isinstance(value, str):
            raise ParityInputError(f"{where}: {name} must be text, not {value!r}")
    kind = entry.get("kind")
    if kind is not None and kind not in KINDS:
        raise ParityInputError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    return Acceptance(
        reason=reason.strip(),
        file=entry.get("file"),
        interaction=interaction,
        operation=entry.get("operation"),
        kind=kind,
        path=entry.get("path"),
    )


# --- normalisation -------------------------------------------------------------------------------


def normalised_text(text: str, ids: Mapping[str, str] | None = None) -> str:
    """``text`` with what differs on every run masked: mapped ids, ARNs' accounts, UUIDs, timestamps."""
    for recorded, ours in sorted((ids or {}).items(), key=lambda item: -len(item[0])):
        text = text.replace(recorded, ours)
    text = _ARN_ACCOUNT.sub(lambda m: m.group(1) + "<account>", text) if "arn:" in text else text
    text = _UUID.sub("<id>", text)
    return _ISO_TIME.sub("<timestamp>", text)


def is_service_wording(message: str) -> bool:
    """Whether ``message`` is worded as the service words it (:data:`SERVICE_WORDINGS`)."""
    return any(pattern.match(message) for pattern in SERVICE_WORDINGS) or _is_model_wording(message)


def _is_model_wording(message: str) -> bool:
    # The model's own description of an error, and the common errors' descriptions, are the service's.
    from ..model import spec as _spec
    from ..model.rules import COMMON_ERRORS

    if any(message == common.message for common in COMMON_ERRORS.values()):
        return True
    return any(
        message == _spec.error_documentation(code, service)
        for service in _spec.SERVICE_NAMES
        for code in _spec.all_modeled_errors()
        if code in _spec.service_model(service).shape_names
    )


def recorded_account(interactions: Sequence[Any]) -> str | None:
    """The account the first Personalize ARN of the recording names (requests or answers), or None."""
    from ..wire.requests import text

    for request, response in interactions:
        for body in (request.body, response["body"]["string"]):
            found = _ACCOUNT_IN_ARN.search(text(body) or "")
            if found:
                return found.group(1)
    return None


def _id_pairs(recorded: Any, ours: Any) -> Iterator[tuple[str, str]]:
    """Ids the recording and the fake gave the same thing at the same place in an answer."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key in recorded.keys() & ours.keys():
            yield from _id_pairs(recorded[key], ours[key])
    elif isinstance(recorded, list) and isinstance(ours, list) and len(recorded) == len(ours) == 1:
        # Only a list of one pairs surely: two lists may hold the same resources in another order.
        yield from _id_pairs(recorded[0], ours[0])
    elif isinstance(recorded, str) and isinstance(ours, str) and recorded != ours:
        if recorded.startswith("arn:") and ours.startswith("arn:"):
            # Same type and parent, another generated last part: event-tracker/<id>, solution/<name>/<id>.
            (recorded_head, _, recorded_id), (our_head, _, our_id) = recorded.rpartition("/"), ours.rpartition("/")
            if (
                _GENERATED_ID.fullmatch(recorded_id)
                and _GENERATED_ID.fullmatch(our_id)
                and _ARN_ACCOUNT.sub(r"\1", recorded_head) == _ARN_ACCOUNT.sub(r"\1", our_head)
            ):
                yield recorded, ours
        elif _UUID.fullmatch(recorded) and _UUID.fullmatch(ours):
            yield recorded, ours


# --- replay and comparison ---------------------------------------------------------------------


@dataclass
class _Observation:
    status: str
    member: str
    interaction: int
    operation: str


@dataclass
class _Replay:
    """One cassette's replay: the fake, the ids mapped so far and the status paths seen."""

    file: str
    call: Any
    ids: dict[str, str] = field(default_factory=dict)
    recorded_paths: dict[str, list[_Observation]] = field(default_factory=dict)
    our_paths: dict[str, list[str]] = field(default_factory=dict)
    found: list[Divergence] = field(default_factory=list)


def parity_paths(paths: Sequence[str | Path], acceptances: Sequence[Acceptance] = ()) -> Report:
    """Replay every cassette under ``paths`` against a fresh fake, and report how the answers differ."""
    from .cassette import cassette_files

    report = Report()
    for path in cassette_files(paths):
        parity_file(path, report)
    used: set[int] = set()
    for number, divergence in enumerate(report.divergences):
        for index, entry in enumerate(acceptances):
            if entry.matches(divergence):
                report.divergences[number] = _accepted(divergence, entry.reason)
                used.add(index)
                break
    report.unused = [entry for index, entry in enumerate(acceptances) if index not in used]
    return report


def _accepted(divergence: Divergence, reason: str) -> Divergence:
    from dataclasses import replace

    return replace(divergence, accepted=reason)


def parity_file(path: Path, report: Report) -> None:
    """Replay one cassette against a fresh backend, adding what differs to ``report``."""
    from ..emulator.backend import Backend
    from .file import CassetteFormatError, load

    report.cassettes += 1
    try:
        interactions = load(path)
    except CassetteFormatError as error:
        report.errors.append(f"{path}: not a readable cassette: {error.problem}")
        return
    account = recorded_account(interactions)
    backend = Backend(account=account) if account else Backend()
    # Every stage shown, one per Describe: the recording's statuses are then reachable by polling.
    backend.set_lifecycle("describe", in_progress=True)
    replay = _Replay(str(path), backend.call)
    for number, (request, response) in enumerate(interactions, start=1):
        report.interactions += 1
        try:
            _replay_one(replay, number, request, response)
        except Exception as error:  # a fault of the fake's, not of the cassette: named, and the run goes on
            report.errors.append(
                f"{path}: interaction {number}: the fake failed to answer: {type(error).__name__}: {error}"
            )
    replay.found.extend(_path_divergences(replay))
    replay.found.sort(key=lambda d: d.interaction)
    report.divergences.extend(replay.found)


def _send(replay: _Replay, request: Any) -> Any:
    from ..wire import exchange as _exchange
    from ..wire.requests import text

    body = request.body if isinstance(request.body, bytes) else (text(request.body) or "").encode()
    if replay.ids and body:
        decoded = body.decode("utf-8", errors="surrogateescape")
        for recorded, ours in sorted(replay.ids.items(), key=lambda item: -len(item[0])):
            decoded = decoded.replace(recorded, ours)
        body = decoded.encode("utf-8", errors="surrogateescape")
    # vcrpy's headers are looked up in any case, as HTTP reads them; the wire reads no Content-Length.
    return _exchange.answer(replay.call, request.method, request.uri, request.headers, body)


def _replay_one(replay: _Replay, number: int, request: Any, response: dict[str, Any]) -> None:
    from ..wire.requests import display_name, named_operation, text

    target = text(request.headers.get("X-Amz-Target", "")) or ""
    path = urlsplit(request.uri).path or "/"
    operation = named_operation(request.method, path, target) or display_name(request.method, path, target)
    recorded_status = int(response["status"]["code"])
    recorded_body = _json(response["body"]["string"])
    recorded_code = _recorded_code(response, recorded_body)
    ours = _send(replay, request)
    our_body = _json(ours.body)
    our_code = _header(ours.headers, "x-amzn-ErrorType").split(":", 1)[0] or None

    def found(kind: str, member: str, recorded: Any, theirs: Any, detail: str) -> None:
        replay.found.append(Divergence(replay.file, number, operation, kind, member, recorded, theirs, detail))

    if recorded_status != ours.status:
        found("http-status", "", recorded_status, ours.status, f"recorded {recorded_status}, ours {ours.status}")
    if recorded_code or our_code:
        if recorded_code != our_code:
            found(
                "error-code",
                "",
                recorded_code,
                our_code,
                f"recorded {recorded_code or 'a success'}, ours {our_code or 'a success'}"
                + _message_shown(our_body if our_code else None),
            )
            return
        _compare_messages(replay, recorded_body, our_body, found)
        return
    if not isinstance(recorded_body, dict) or not isinstance(our_body, dict):
        return
    shape = _output_shape(operation)
    probe: list[tuple[str, str, str, str]] = []
    _compare(recorded_body, our_body, shape, "", None, replay.ids, None, probe)
    shown: dict[str, list[str]] = {}
    if operation.startswith("Describe") and any(recorded != ours for _, _, recorded, ours in probe):
        our_body, shown = _catch_up(replay, request, shape, probe, our_body)
    # Compared with the fake's answer once it caught up: members it shows only when ready count then.
    statuses: list[tuple[str, str, str, str]] = []
    _compare(recorded_body, our_body, shape, "", None, replay.ids, found, statuses)
    for key, member, recorded, ours_status in statuses:
        replay.recorded_paths.setdefault(key, []).append(_Observation(recorded, member, number, operation))
        replay.our_paths.setdefault(key, []).extend([*shown.get(key, []), ours_status])
    replay.ids.update(_id_pairs(recorded_body, our_body))


def _catch_up(
    replay: _Replay, request: Any, shape: Any, statuses: list[tuple[str, str, str, str]], our_body: Any
) -> tuple[Any, dict[str, list[str]]]:
    """Ask a Describe again while the fake hasn't reached the recorded status and still moves.

    Returns the fake's last answer, and per resource the statuses it showed before that answer's.
    """
    shown: dict[str, list[str]] = {}
    for key, _member, recorded, ours in statuses:
        seen = [ours]
        for _ in range(_CATCH_UP):
            if seen[-1] == recorded:
                break
            again = _json(_send(replay, request).body)
            status = _status_at(again, shape, key)
            if status is None or status == seen[-1]:
                break
            seen.append(status)
            our_body = again
        shown[key] = seen[:-1]
    return our_body, shown


def _status_at(body: Any, shape: Any, key: str) -> str | None:
    found: list[tuple[str, str, str, str]] = []
    _compare(body, body, shape, "", None, {}, None, found)
    return next((ours for k, _member, _recorded, ours in found if k == key), None)


def _compare_messages(replay: _Replay, recorded_body: Any, our_body: Any, found: Callable[..., None]) -> None:
    recorded_message = _message(recorded_body)
    our_message = _message(our_body)
    if recorded_message is None and our_message is None:
        return
    if normalised_text(recorded_message or "", replay.ids) == normalised_text(our_message or ""):
        return
    ours_worded = our_message is not None and not is_service_wording(our_message)
    found(
        "error-message",
        "",
        recorded_message,
        our_message,
        f"recorded {recorded_message!r}, ours {our_message!r}"
        + (" (the fake's wording is ours)" if ours_worded else ""),
    )


def _compare(
    recorded: Any,
    ours: Any,
    shape: Any,
    path: str,
    owner: str | None,
    ids: Mapping[str, str],
    found: Callable[..., None] | None,
    statuses: list[tuple[str, str, str, str]],
) -> None:
    """Walk both answers along the output shape: members on one side, enum values (to ``found``),
    and each status with the resource it belongs to (to ``statuses``: key, member, recorded, ours)."""
    type_name = getattr(shape, "type_name", None)
    if isinstance(recorded, dict) and isinstance(ours, dict) and type_name in ("structure", None):
        members = getattr(shape, "members", {}) if shape is not None else {}
        own = _own_arn(shape, recorded)
        if own is not None:
            owner, relative = ids.get(own, own), ""
        else:
            relative = path
        for key in sorted(recorded.keys() | ours.keys()):
            where = f"{path}.{key}" if path else key
            if key not in ours or key not in recorded:
                if found is not None:
                    found(
                        "member",
                        where,
                        *(
                            ("present", "absent", "recorded only")
                            if key in recorded
                            else ("absent", "present", "ours only")
                        ),
                    )
                continue
            if key == "status" and isinstance(recorded[key], str) and isinstance(ours[key], str):
                status_key = f"{owner or '?'}#{relative + '.' if relative else ''}status"
                statuses.append((status_key, where, recorded[key], ours[key]))
                continue
            _compare(recorded[key], ours[key], members.get(key), where, owner, ids, found, statuses)
        return
    if isinstance(recorded, list) and isinstance(ours, list):
        member = getattr(shape, "member", None)
        for left, right in _paired(recorded, ours, member, ids):
            _compare(left, right, member, f"{path}[]", owner, ids, found, statuses)
        if found is not None and len(recorded) != len(ours):
            found("items", path, len(recorded), len(ours), f"{len(recorded)} item(s) recorded, {len(ours)} ours")
        return
    enum = getattr(shape, "enum", None)
    if found is not None and enum and recorded != ours:
        found("value", path, recorded, ours, f"recorded {recorded!r}, ours {ours!r}")


def _own_arn(shape: Any, value: Mapping[str, Any]) -> str | None:
    """The ARN naming the resource a structure describes (``solutionVersionArn`` in a SolutionVersion)."""
    name = getattr(shape, "name", None)
    if name:
        base = name.removesuffix("Summary")
        member = base[:1].lower() + base[1:] + "Arn"
        found = value.get(member)
        return found if isinstance(found, str) else None
    arns = [v for k, v in value.items() if k.endswith("Arn") and isinstance(v, str)]
    return arns[0] if len(arns) == 1 else None


def _paired(recorded: list[Any], ours: list[Any], shape: Any, ids: Mapping[str, str]) -> Iterator[tuple[Any, Any]]:
    """List items by the resource they describe where they name one, else by position."""
    keyed_ours = {own: item for item in ours if isinstance(item, dict) and (own := _own_arn(shape, item))}
    if keyed_ours and all(isinstance(item, dict) and _own_arn(shape, item) for item in recorded):
        for item in recorded:
            own = _own_arn(shape, item) or ""
            match = keyed_ours.get(ids.get(own, own))
            if match is not None:
                yield item, match
        return
    # Unpaired items are the caller's ``items`` divergence.
    yield from zip(recorded, ours, strict=False)


def _path_divergences(replay: _Replay) -> list[Divergence]:
    found = []
    for key, observations in replay.recorded_paths.items():
        recorded = _collapsed([o.status for o in observations])
        ours = _collapsed(replay.our_paths.get(key, []))
        position = 0
        for status in recorded:
            while position < len(ours) and ours[position] != status:
                position += 1
            if position == len(ours):
                where = next(o for o in observations if o.status == status)
                found.append(
                    Divergence(
                        replay.file,
                        where.interaction,
                        where.operation,
                        "status-path",
                        where.member,
                        " > ".join(recorded),
                        " > ".join(ours),
                        f"{normalised_text(key.split('#', 1)[0])}: recorded {' > '.join(recorded)}, "
                        f"ours {' > '.join(ours)}: the fake never shows {status} there",
                    )
                )
                break
            position += 1
    return found


def _collapsed(statuses: Sequence[str]) -> list[str]:
    return [status for index, status in enumerate(statuses) if index == 0 or statuses[index - 1] != status]


# --- reading answers -------------------------------------------------------------------------------


def _json(body: Any) -> Any:
    from ..wire.requests import text

    raw = text(body) or ""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _header(headers: Mapping[str, Any], name: str) -> str:
    from ..wire.requests import text

    for key, value in headers.items():
        if key.lower() == name.lower():
            return text(value[0] if isinstance(value, list) and value else value) or ""
    return ""


def _recorded_code(response: dict[str, Any], body: Any) -> str | None:
    # AWS JSON names the code in the body's __type; REST-JSON in the x-amzn-ErrorType header.
    code = _header(response["headers"], "x-amzn-ErrorType").split(":", 1)[0]
    if not code and isinstance(body, dict) and int(response["status"]["code"]) >= 300:
        code = str(body.get("__type", "")).rsplit("#", 1)[-1]
    return code or None


def _message(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    value = body.get("message", body.get("Message"))
    return value if isinstance(value, str) else None


def _message_shown(body: Any) -> str:
    message = _message(body)
    return f" ({message!r})" if message else ""


def _output_shape(operation: str) -> Any:
    from ..model import spec as _spec

    if not _spec.is_operation(operation):
        return None
    return _spec.operation_model(operation).output_shape


# --- the command ----------------------------------------------------------------------------------


def add_parser(commands: Any) -> None:
    """The ``parity`` subcommand of ``python -m pytest_personalize``."""
    from .check import DEFAULT_DIRECTORY

    parity = commands.add_parser(
        "parity",
        help="replay recorded cassettes against the fake and report where its answers differ",
        description="Replay every recorded interaction against a fresh fake (the recording's account, each "
        "request's region) and compare each answer with the recorded one: HTTP status, error code and message, "
        "members on one side only, enum values, and each resource's status path with repeats collapsed. "
        "Ids, request ids, timestamps and the account are normalised. Exits 1 on any divergence not accepted.",
    )
    parity.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="cassette files or directories (default: the ini key personalize_cassette_dir of the pytest "
        f"configuration here, else ./{DEFAULT_DIRECTORY}, as check finds them)",
    )
    parity.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    parity.add_argument(
        "--accept",
        metavar="FILE",
        help="a TOML or JSON file of accepted divergences, each with a reason: reported, but not failing the run",
    )
    parity.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .check import configured_directory

    name = "pytest-personalize parity"
    paths = [Path(p) for p in args.paths] if args.paths else [configured_directory(Path.cwd())]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"{name}: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        acceptances = load_acceptances(Path(args.accept)) if args.accept else []
    except ParityInputError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    report = parity_paths(paths, acceptances)
    if report.cassettes == 0:
        print(f"{name}: no cassettes (*.yaml, *.yml) under {', '.join(map(str, paths))}", file=sys.stderr)
        return 2
    print(report.render())
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(report.as_json(), indent=2, default=str) + "\n", encoding="utf-8")
        except OSError as error:
            print(f"{name}: cannot write {args.json}: {error.strerror or error}", file=sys.stderr)
            return 2
    return 0 if report.passed else 1


__all__ = [
    "KINDS",
    "SERVICE_WORDINGS",
    "Acceptance",
    "Divergence",
    "ParityInputError",
    "Report",
    "add_parser",
    "is_service_wording",
    "load_acceptances",
    "normalised_text",
    "parity_file",
    "parity_paths",
    "run",
]
