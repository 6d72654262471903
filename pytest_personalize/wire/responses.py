"""An answer as bytes on the wire: the one place a response's and an error's status, headers and body are built.

AWS JSON 1.1 (the control plane) answers ``Content-Type: application/x-amz-json-1.1`` and an
error as ``{"__type": code, "message": ...}``; REST-JSON (runtime and events) answers
``application/json``, an error as ``{"message": ...}``, and an events call's success with no
body at all. Both carry ``x-amzn-RequestId``, ``Date`` and ``Content-Length``, and an error's
code again in ``x-amzn-ErrorType`` (AWS JSON names it twice: SDKs read either, a proxy or a log
line can read the header alone).

The fake and the server send these bytes; the stubber has botocore's parser read them; the
cassette stores them for a request the service would refuse. :func:`as_aws_response` hands an
answer to botocore (or aiobotocore) as if it had come off a socket.
"""

from __future__ import annotations

import datetime
import http
import importlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model import rest as _rest
from ..model import templates as _templates
from ..model.errors import ServiceError

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse

JSON_CONTENT_TYPE = _templates.JSON_CONTENT_TYPE
REST_JSON_CONTENT_TYPE = _rest.REST_JSON_CONTENT_TYPE
ERROR_TYPE_HEADER = _rest.ERROR_TYPE_HEADER


@dataclass(frozen=True)
class Encoded:
    """An answer as bytes on the wire: status, headers and a compact JSON body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def reason(self) -> str:
        """The status line's reason phrase (``Bad Request``)."""
        try:
            return http.HTTPStatus(self.status).phrase
        except ValueError:
            return ""


def success(result: Mapping[str, Any], *, rest: bool = False) -> Encoded:
    """A success: AWS JSON 1.1, or REST-JSON (``rest``), whose empty result has no body."""
    if rest:
        # Runtime answers hold strings, numbers, lists and dicts only (no timestamps, no None):
        # they go out as they are, without to_wire's walk.
        return _encode(200, result or None, REST_JSON_CONTENT_TYPE)
    return _encode(200, to_wire(result), JSON_CONTENT_TYPE)


def error(problem: ServiceError, *, rest: bool = False, date: str | None = None) -> Encoded:
    """An error in AWS JSON 1.1 (``__type`` and ``message``) or REST-JSON (``message``), the code in ``x-amzn-ErrorType``.

    ``date``: the ``Date`` header's value (now, unless given).
    """
    if rest:
        document = _rest.rest_error_body(problem.message)
        content_type = REST_JSON_CONTENT_TYPE
    else:
        document = _templates.error_body(problem.code, problem.message)
        content_type = JSON_CONTENT_TYPE
    return _encode(problem.status, document, content_type, {ERROR_TYPE_HEADER: problem.code}, date)


def _encode(
    status: int,
    document: Any,
    content_type: str,
    extra: Mapping[str, str] | None = None,
    date: str | None = None,
) -> Encoded:
    if document is None:
        body = b""
    else:
        try:
            body = _ENCODER.encode(document).encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (from Backend.call or a fault's message; the wire refuses them)
            # has no UTF-8 form: escaped as \udXXX, the answer is still valid JSON.
            body = json.dumps(document, separators=(",", ":")).encode("ascii")
    headers = {
        "x-amzn-RequestId": _templates.request_id(),
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Date": date or http_date_now(),
        **(extra or {}),
    }
    return Encoded(status, headers, body)


# Made once: json.dumps builds an encoder per call when given options.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

_date_header: tuple[int, str] = (0, "")


def http_date_now() -> str:
    """The ``Date`` header for now: formatted once a second, not once a response."""
    global _date_header
    second = int(time.time())
    if _date_header[0] != second:
        _date_header = (second, _templates.http_date(datetime.datetime.fromtimestamp(second, datetime.timezone.utc)))
    return _date_header[1]


# Values sent as they are: checked by exact type first, sparing most values a call and the
# isinstance checks (Mapping's is an ABC's).
_PLAIN = frozenset((str, int, float, bool))


def to_wire(value: Any) -> Any:
    """A result as AWS JSON carries it: members that are None left out, timestamps as epoch seconds.

    Epoch seconds are a JSON number with milliseconds, as the service sends them.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {key: item if type(item) in _PLAIN else to_wire(item) for key, item in value.items() if item is not None}
    if kind is list:
        return [item if type(item) in _PLAIN else to_wire(item) for item in value]
    if isinstance(value, datetime.datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, Mapping):
        return {key: to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [to_wire(item) for item in value]
    return value


# --- handing an answer to botocore ---------------------------------------------------------------


class RawBody:
    """The ``raw`` of an ``AWSResponse``: what botocore reads the body from."""

    def __init__(self, body: bytes, reason: str = "") -> None:
        self._body = body
        self.reason = reason

    def stream(self, **kwargs: Any) -> Any:
        yield self._body

    def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


class AsyncRawBody:
    """The ``raw`` of aiobotocore's ``AioAWSResponse``, which awaits ``read()``.

    aiobotocore before 2.21 also reads the headers from it, as aiohttp's ``raw_headers`` pairs.
    """

    def __init__(self, body: bytes, headers: Mapping[str, str]) -> None:
        self._body = body
        self.raw_headers = tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())

    async def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


def as_aws_response(url: str | None, answer: Encoded, *, asynchronous: bool = False) -> AWSResponse:
    """``answer`` as botocore's response to a request sent to ``url`` (aiobotocore's, ``asynchronous``)."""
    headers = dict(answer.headers)
    if asynchronous:
        # aiobotocore awaits the body: its AWSResponse subclass reads it from an async raw.
        response_class = importlib.import_module("aiobotocore.awsrequest").AioAWSResponse
        response: AWSResponse = response_class(url, answer.status, headers, AsyncRawBody(answer.body, headers))
        return response
    from botocore.awsrequest import AWSResponse

    return AWSResponse(url, answer.status, headers, RawBody(answer.body))  # type: ignore[arg-type]


__all__ = [
    "ERROR_TYPE_HEADER",
    "JSON_CONTENT_TYPE",
    "REST_JSON_CONTENT_TYPE",
    "AsyncRawBody",
    "Encoded",
    "RawBody",
    "as_aws_response",
    "error",
    "http_date_now",
    "success",
    "to_wire",
]
