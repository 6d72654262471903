"""A request body read as AWS's JSON protocols read it: strict JSON, or SerializationException.

Strict means RFC 8259: UTF-8, no ``NaN`` or ``Infinity`` (nor a number too large for a
double), no unpaired UTF-16 surrogate escape (``"\\ud800"`` alone, which no Unicode string
holds), nesting no deeper than :data:`MAX_JSON_DEPTH`, and a JSON object at the top. The
``Content-Type`` is checked against the protocol's. The fake and the server both read every
body here.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..model.errors import ServiceError
from ..model.rest import REST_JSON_CONTENT_TYPE

# The deepest request the model allows nests 7 levels (CreateSolution's solutionConfig); the
# limit leaves room for that many times over, and keeps every recursive walk far from Python's
# recursion limit, whatever the thread's stack already holds.
MAX_JSON_DEPTH = 64

AWS_JSON_CONTENT_TYPES = ("application/x-amz-json-1.1", "application/x-amz-json-1.0")
REST_JSON_CONTENT_TYPES = (REST_JSON_CONTENT_TYPE,)

_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A \uD800-\uDFFF escape: only then can a decoded string hold a surrogate (raw UTF-8 can't).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def check_content_type(content_type: str | None, accepted: tuple[str, ...] = AWS_JSON_CONTENT_TYPES) -> None:
    """Refuse a ``Content-Type`` the protocol doesn't take (SerializationException); none is taken as given."""
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in accepted:
        raise ServiceError(
            "SerializationException",
            f"Unsupported Content-Type {content_type!r}: expected {accepted[0]}.",
        )


def parse_body(body: bytes) -> dict[str, Any]:
    """The request's JSON object (``{}`` for an empty body), or SerializationException for one that isn't strict JSON."""
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        document = _DECODER.decode(text)
    except RecursionError:
        raise _not_json(f"it nests deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise _not_json(str(error)) from None
    if not isinstance(document, dict):
        raise ServiceError(
            "SerializationException", f"The request body must be a JSON object, not {type(document).__name__}."
        )
    # Most bodies can hold neither problem; two C-speed scans spare them the walk.
    if _SURROGATE_ESCAPE.search(body) or body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH:
        _check_document(document)
    return document


def _not_json(reason: str) -> ServiceError:
    return ServiceError("SerializationException", f"The request body is not valid JSON: {reason}")


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON has no such values, and the service's parser refuses them.
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as inf: Infinity by another name
        raise ValueError(f"the number {text[:40]} is too large for a double")
    return value


# Made once: json.loads builds a decoder per call when given options.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _check_document(document: dict[str, Any]) -> None:
    """Refuse unpaired surrogates and deep nesting, naming where; iterative, so no body exhausts the stack."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(document, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise _not_json(f"the string at {_render_path(path)} holds {_unpaired(value)}")
            continue
        if isinstance(value, dict):
            items: Any = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _not_json(f"it nests deeper than {MAX_JSON_DEPTH} levels (at {_render_path(path)})")
        for key, item in items:
            if isinstance(key, str) and _SURROGATE.search(key):
                raise _not_json(f"a member name at {_render_path(path)} holds {_unpaired(key)}")
            stack.append((item, depth + 1, (*path, key)))


def _unpaired(text: str) -> str:
    match = _SURROGATE.search(text)
    code = ord(match.group()) if match else 0
    return f"an unpaired UTF-16 surrogate escape (\\u{code:04x}), which is not a Unicode character"


def _render_path(path: tuple[str | int, ...]) -> str:
    if not path:
        return "the top level"
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    # The path quotes the body's own member names: keep it encodable.
    return "'" + text.encode("utf-8", "backslashreplace").decode("utf-8") + "'"


__all__ = [
    "AWS_JSON_CONTENT_TYPES",
    "MAX_JSON_DEPTH",
    "REST_JSON_CONTENT_TYPES",
    "check_content_type",
    "parse_body",
]
