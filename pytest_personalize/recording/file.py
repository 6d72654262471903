"""Cassette files: a readable YAML layout, strict loading, atomic saving.

The layout is vcrpy's (``version: 1``, ``interactions`` of ``request``/``response``), so plain
vcrpy can read our cassettes, with three differences that make them review well in a diff:
header values are text (vcrpy writes botocore's byte headers as base64 ``!!binary``), JSON
bodies are indented JSON in a literal block, and a closing ``interaction_count`` lets a
truncated file be told from a short one.

Every form vcrpy (7.0 and later) and pytest-recording write is read as it stands: header
values as text or ``!!binary`` bytes, a single value or a list; bodies as text, bytes or
``{string: ...}``; a response body vcrpy kept compressed (its default, without
``decode_compressed_response``) is decompressed here, as the client's HTTP layer would.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from vcr.request import Request

from ..wire.requests import text

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION = 1
Interaction = tuple[Request, dict[str, Any]]

try:  # libyaml is ~10x faster than the pure-Python emitter and parser
    from yaml import CSafeDumper as _SafeDumper
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _SafeDumper
    from yaml import SafeLoader as _SafeLoader


class CassetteFormatError(ValueError):
    """A cassette file that can't be read: names the file and what is wrong with it."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(
            f"Cassette {self.path} is unreadable: {problem}. "
            "Fix it, delete it, or re-record it with --personalize-record-mode=all."
        )


class _Dumper(_SafeDumper):  # type: ignore[misc]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text (indented JSON) as a literal block: one JSON line per YAML line.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def pretty_body(body: bytes | str | None) -> str | dict[str, str] | None:
    """A body as it is best read: indented JSON, plain text, or (only if binary) base64."""
    if body is None:
        return None
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode()}
    try:
        data = json.loads(decoded, object_pairs_hook=_unique_members)
        if not isinstance(data, (dict, list)):
            return decoded
        # Indented only where that keeps the data as sent: a repeated member, an infinite number
        # or a lone surrogate escape (``"\\ud800"``) would not survive the round trip.
        pretty = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        pretty.encode("utf-8")
    except (ValueError, UnicodeEncodeError, RecursionError):
        return decoded
    return pretty


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("a member is repeated")
    return members


def body_bytes(stored: Any, where: str, path: Path) -> bytes:
    if stored is None:
        return b""
    if isinstance(stored, dict) and "string" in stored:  # vcrpy's response layout
        stored = stored["string"]
    if isinstance(stored, dict) and "base64" in stored:
        try:
            return base64.b64decode(stored["base64"], validate=True)
        except (ValueError, TypeError) as error:  # TypeError: the value isn't text at all
            raise CassetteFormatError(path, f"{where} body is not valid base64 ({error})") from None
    if isinstance(stored, bytes):
        return stored
    if not isinstance(stored, str):
        raise CassetteFormatError(path, f"{where} body is a {type(stored).__name__}, not text")
    return stored.encode("utf-8")


def _interaction_dict(request: Request, response: dict[str, Any]) -> dict[str, Any]:
    body = pretty_body(response["body"]["string"])
    length = str(len(body.encode("utf-8"))) if isinstance(body, str) else None
    headers = {
        # The stored length is the stored body's, so the file agrees with itself in review.
        name: [length] if length is not None and name.lower() == "content-length" else [text(v) for v in values]
        for name, values in response["headers"].items()
    }
    return {
        "request": {
            "method": request.method,
            "uri": request.uri,
            "headers": {name: [text(value)] for name, value in request.headers.items()},
            "body": pretty_body(request.body),
        },
        "response": {
            "status": dict(response["status"]),
            "headers": headers,
            "body": {"string": body},
        },
    }


def dumps(interactions: Iterable[Interaction], header: str = "") -> str:
    """The cassette text for ``interactions``, with ``header`` as a leading comment."""
    items = [_interaction_dict(request, response) for request, response in interactions]
    document = {"version": FORMAT_VERSION, "interactions": items, "interaction_count": len(items)}
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    dumped: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return comment + dumped


def save(path: Path, interactions: Iterable[Interaction], header: str = "") -> None:
    """Write the cassette atomically: readers see the old file or the new one, never half of one."""
    write_atomic(path, dumps(interactions, header))


def file_tag(path: Path) -> str:
    """A short fixed-length tag for ``path``'s temporary and lock files.

    Derived from the name rather than containing it, so a cassette name as long as the file
    system allows still leaves room for the files that travel with it.
    """
    return hashlib.sha256(path.name.encode("utf-8", errors="surrogateescape")).hexdigest()[:16]


def lock_path(path: Path) -> Path:
    """Where ``path``'s lock lives: outside the project, so nothing but cassettes lands in a commit.

    Every process of the user on this machine (xdist workers) finds the same lock for a file.
    """
    user = getattr(os, "getuid", lambda: "user")()
    directory = Path(tempfile.gettempdir()) / f"pytest-personalize-locks-{user}"
    directory.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:32]
    return directory / f"{digest}.lock"


def _temporary_prefix(path: Path) -> str:
    return f".{file_tag(path)}."


def _umask() -> int:
    # Reading the umask means setting it; /proc says it without the race where it can.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def stale_temporaries(path: Path) -> list[Path]:
    """Temporary files of ``path`` left by writers that no longer run (a killed recording)."""
    found = []
    prefix = _temporary_prefix(path)
    with contextlib.suppress(FileNotFoundError):
        for candidate in path.parent.iterdir():
            name = candidate.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            pid = name[len(prefix) :].split(".", 1)[0]
            if not pid.isdigit() or not _running(int(pid)):
                found.append(candidate)
    return found


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: leave its file alone
    return True


def write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique temporary name in the same directory: os.replace is atomic only within a file
    # system, and two xdist workers must never share a temporary file. The writer's pid in the
    # name lets a later run tell a killed writer's leftovers from a live one's file.
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f"{_temporary_prefix(path)}{os.getpid()}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); a cassette is committed and shared like any source file.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    for stale in stale_temporaries(path):
        with contextlib.suppress(OSError):
            stale.unlink()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[LockFile]:
    """Hold ``path``'s lock file exclusively: one writer at a time across processes (xdist workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        else:  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)
        yield LockFile(descriptor)
    finally:
        os.close(descriptor)  # closing releases the lock


class LockFile:
    """The held lock file, which also keeps a short stamp: the run that last started the cassette afresh."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor

    def read(self) -> str:
        os.lseek(self._descriptor, 0, os.SEEK_SET)
        return os.read(self._descriptor, 256).decode("ascii", errors="replace").strip()

    def write(self, stamp: str) -> None:
        os.lseek(self._descriptor, 0, os.SEEK_SET)
        os.ftruncate(self._descriptor, 0)
        os.write(self._descriptor, stamp.encode("ascii", errors="replace"))


def load(path: Path) -> list[Interaction]:
    """The interactions of the cassette at ``path``; ``CassetteFormatError`` says what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CassetteFormatError(path, f"it can't be read ({error.strerror or error})") from None
    return loads_bytes(data, path)


def loads_bytes(data: bytes, path: Path) -> list[Interaction]:
    """The interactions of a cassette file's bytes, read as text (UTF-8, universal newlines)."""
    return [record.interaction() for record in load_records(data, path)]


def load_records(data: bytes, path: Path) -> tuple[Record, ...]:
    """The checked interactions of a cassette file's bytes, as immutable records (:func:`loads_bytes`'s)."""
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CassetteFormatError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    if "\r" in content:  # as a file opened in text mode reads it
        content = content.replace("\r\n", "\n").replace("\r", "\n")
    return _checked(content, path)


def _refuse_aliases(content: str, path: Path) -> None:
    """A cassette has no use for YAML anchors and aliases; nested ones expand exponentially.

    The parser's events are cheap (nothing is built from them), and only text with an ``&`` or
    ``*`` in it can hold an alias at all.
    """
    if "*" not in content and "&" not in content:
        return
    try:
        for event in yaml.parse(content, Loader=_SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise CassetteFormatError(
                    path,
                    f"it uses a YAML anchor or alias at line {mark.line + 1}, column {mark.column + 1} "
                    "(cassettes don't; nested aliases expand without bound)",
                )
    except yaml.YAMLError:
        return  # reported, with its position, by the loader


def loads(content: str, path: Path) -> list[Interaction]:
    """The interactions ``content`` holds; anything wrong with it is a ``CassetteFormatError``."""
    return [record.interaction() for record in _checked(content, path)]


def _checked(content: str, path: Path) -> tuple[Record, ...]:
    try:
        return _loads(content, path)
    except CassetteFormatError:
        raise
    except (ValueError, TypeError, RecursionError, MemoryError) as error:
        # Whatever else a hand-edited file can provoke: still the plugin's error, naming the file.
        raise CassetteFormatError(path, f"{type(error).__name__}: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else "no detail"


# The cassettes read last, by their text, as validated immutable records: tests sharing a
# cassette (or replaying one test after test) parse and check it once. Each load still builds
# its own requests and responses from them, so nothing a test changes reaches another.
_records: OrderedDict[str, tuple[Record, ...]] = OrderedDict()
_records_lock = threading.Lock()
_RECORDS_KEPT = 16
_RECORDS_KEPT_BELOW = 4_000_000  # characters: a huge cassette is parsed each time, not held


@dataclass(frozen=True)
class Record:
    """One interaction of a cassette file, checked, as plain values.

    ``derived`` keeps what a reader computes from the record once (its request key, say): a
    record is shared by every load of the same text.
    """

    method: str
    uri: str
    request_body: bytes
    request_headers: tuple[tuple[str, str], ...]
    status: int
    message: str
    headers: tuple[tuple[str, tuple[str, ...]], ...]
    body: bytes
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def interaction(self) -> Interaction:
        return self.request(), self.response()

    def request(self) -> Request:
        return Request(method=self.method, uri=self.uri, body=self.request_body, headers=dict(self.request_headers))

    def response(self) -> dict[str, Any]:
        """The recorded response, a new mapping at each call."""
        return {
            "status": {"code": self.status, "message": self.message},
            "headers": {name: list(values) for name, values in self.headers},
            "body": {"string": self.body},
        }


def _loads(content: str, path: Path) -> tuple[Record, ...]:
    with _records_lock:
        records = _records.get(content)
        if records is not None:
            _records.move_to_end(content)
    if records is None:
        records = _read_records(content, path)
        if len(content) < _RECORDS_KEPT_BELOW:
            with _records_lock:
                _records[content] = records
                while len(_records) > _RECORDS_KEPT:
                    _records.popitem(last=False)
    return records


def _read_records(content: str, path: Path) -> tuple[Record, ...]:
    _refuse_aliases(content, path)
    try:
        document = _load_yaml(content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CassetteFormatError(path, f"not valid YAML{where}: {problem}") from None
    except (ValueError, RecursionError) as error:  # a 5,000-digit number, nesting too deep
        raise CassetteFormatError(path, f"not a readable YAML value ({_first_line(error)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise CassetteFormatError(path, "it has no 'interactions' list (is it a cassette?)")
    items = document["interactions"]
    count = document.get("interaction_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        kind = type(count).__name__
        shown = f"{repr(count)[:40]} (a {kind})" if isinstance(count, (str, float, bool)) else f"a {kind}"
        raise CassetteFormatError(
            path,
            f"its 'interaction_count' is {shown}, not a whole number (it holds {len(items)} interaction(s); edited?)",
        )
    if count is None:
        if "version" in document and list(document)[-1] == "interactions":
            raise CassetteFormatError(
                path, f"it ends after {len(items)} interaction(s) without its closing 'interaction_count' (truncated?)"
            )
    elif count != len(items):
        raise CassetteFormatError(
            path, f"it declares {count} interaction(s) but holds {len(items)} (truncated or edited?)"
        )
    return tuple(_record(item, number, path) for number, item in enumerate(items, start=1))


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Unusual(Exception):
    """A node the quick construction leaves to PyYAML's own."""


def _load_yaml(content: str) -> Any:
    """``yaml.load(content, Loader=SafeLoader)``, with a cassette's usual nodes built directly.

    PyYAML's constructor spends more than libyaml's parser does on a small cassette. A cassette
    holds mappings with text keys, lists and scalars: those are built here, each scalar by the
    safe constructor's own function for its tag; any other node (a merge key, a tag of a
    collection it doesn't know, a key that isn't a scalar) and the document is built by PyYAML,
    as before, errors included.
    """
    loader = _SafeLoader(content)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _constructed(node, loader, loader.yaml_constructors)
        except _Unusual:
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _constructed(node: yaml.Node, loader: Any, constructors: dict[Any, Any]) -> Any:
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        construct = constructors.get(tag)
        if construct is None:
            raise _Unusual
        return construct(loader, node)
    if isinstance(node, yaml.SequenceNode) and tag == _SEQ:
        return [_constructed(child, loader, constructors) for child in node.value]
    if isinstance(node, yaml.MappingNode) and tag == _MAP:
        mapping = {}
        for key_node, value_node in node.value:
            # A merge key ("<<") or a value key ("=") changes the mapping: PyYAML's to build.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (
                _STR,
                "tag:yaml.org,2002:int",
                "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null",
                "tag:yaml.org,2002:float",
            ):
                raise _Unusual
            mapping[_constructed(key_node, loader, constructors)] = _constructed(value_node, loader, constructors)
        return mapping
    raise _Unusual


def _record(item: Any, number: int, path: Path) -> Record:
    where = f"interaction {number}"
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("request"), dict)
        or not isinstance(item.get("response"), dict)
    ):
        raise CassetteFormatError(path, f"{where} needs a 'request' and a 'response' mapping")
    stored_request, stored_response = item["request"], item["response"]
    for key in ("method", "uri"):
        if not isinstance(stored_request.get(key), str):
            raise CassetteFormatError(path, f"{where}: the request has no '{key}'")
    status = stored_response.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        raise CassetteFormatError(path, f"{where}: the response has no status code")
    if not 100 <= status["code"] <= 599:
        raise CassetteFormatError(
            path, f"{where}: the response status {str(status['code'])[:12]} is not an HTTP status"
        )
    try:
        uri = urlparse(stored_request["uri"])
        uri.port  # noqa: B018 - parsing the port is what rejects a bad one
    except ValueError as error:
        raise CassetteFormatError(path, f"{where}: the request uri is invalid ({error})") from None
    if uri.scheme not in ("http", "https") or not uri.hostname:
        raise CassetteFormatError(
            path, f"{where}: the request uri {stored_request['uri'][:80]!r} is not an http(s) URL"
        )
    request_headers = _headers(stored_request.get("headers"), f"{where} request", path)
    request_body = body_bytes(stored_request.get("body"), f"{where} request", path)
    headers = _headers(stored_response.get("headers"), f"{where} response", path)
    body = _decompressed(body_bytes(stored_response.get("body"), f"{where} response", path), headers, where, path)
    _check_json(body, headers, f"{where} response", path)
    _check_json(request_body, request_headers, f"{where} request", path)
    # The body was re-indented when saved: the length the client reads must be the stored one.
    for name in [name for name in headers if name.lower() == "content-length"]:
        headers[name] = [str(len(body))]
    return Record(
        method=stored_request["method"],
        uri=stored_request["uri"],
        request_body=request_body,
        request_headers=tuple((name, values[0] if values else "") for name, values in request_headers.items()),
        status=status["code"],
        message=str(status.get("message", "")),
        headers=tuple((name, tuple(values)) for name, values in headers.items()),
        body=body,
    )


def _headers(stored: Any, where: str, path: Path) -> dict[str, list[str]]:
    if stored is None:
        return {}
    if not isinstance(stored, dict):
        raise CassetteFormatError(path, f"{where} headers are not a mapping")
    headers: dict[str, list[str]] = {}
    for name, values in stored.items():
        values = values if isinstance(values, list) else [values]
        # vcrpy keeps the bytes botocore handed http.client: ``!!binary`` in its files.
        headers[str(text(name))] = [
            text(value) if isinstance(value, (bytes, bytearray)) else str(value) for value in values
        ]
    return headers


# What a compressed body may grow to: far beyond any Personalize answer, well short of a bomb.
_DECOMPRESSED_LIMIT = 64 * 1024 * 1024
# zlib's window bits for each Content-Encoding it reads: gzip's header, or zlib's (deflate).
_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decompressed(body: bytes, headers: dict[str, list[str]], where: str, path: Path) -> bytes:
    """The body a compressed recorded response stands for, its Content-Encoding header dropped.

    vcrpy keeps a response's body as the wire carried it unless told to decode it; the client
    reads it decoded. An encoding zlib doesn't read is left as it is.
    """
    name = next((name for name in headers if name.lower() == "content-encoding"), None)
    if name is None or not body:
        return body
    encodings = [value.strip().lower() for value in headers[name] if value.strip()]
    if len(encodings) != 1 or encodings[0] not in _ENCODINGS:
        return body
    decompressor = zlib.decompressobj(_ENCODINGS[encodings[0]])
    try:
        data = decompressor.decompress(body, _DECOMPRESSED_LIMIT)
    except zlib.error as error:
        raise CassetteFormatError(path, f"{where} body is not valid {encodings[0]} data ({error})") from None
    if decompressor.unconsumed_tail:
        raise CassetteFormatError(
            path, f"{where} body decompresses to more than {_DECOMPRESSED_LIMIT // (1024 * 1024)} MB"
        )
    del headers[name]
    return data


def _check_json(body: bytes, headers: dict[str, list[str]], where: str, path: Path) -> None:
    content_type = next(
        (values[0] for name, values in headers.items() if name.lower() == "content-type" and values), ""
    )
    if "json" not in content_type or not body.strip():
        return
    try:
        json.loads(body)
    except ValueError as error:
        raise CassetteFormatError(path, f"{where} body is not valid JSON ({error}; truncated?)") from None
    except RecursionError:
        raise CassetteFormatError(path, f"{where} body is JSON nested too deep to read") from None
