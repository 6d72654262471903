"""One request in, one encoded answer out: what the fake and the server do with a request's bytes.

:func:`answer` reads a request as it arrived (method, URL, headers, body): its credential
scope (refused as the service refuses a malformed one), the region and account it speaks for,
then :func:`dispatch` routes it -- by ``X-Amz-Target`` (AWS JSON 1.1) or by method and path
(REST-JSON) --, decodes its body strictly, asks the backend's ``call`` and encodes the result
or the error in the request's protocol. The backend keeps state; it never sees a byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from .._constants import DEFAULT_REGION
from ..model.errors import ServiceError
from . import decode as _decode
from . import requests as _requests
from . import responses as _responses
from .responses import Encoded


class Call(Protocol):
    """A backend's ``call``: the operation's result, or a ServiceError."""

    def __call__(
        self, operation: str, params: Mapping[str, Any], *, region: str, account: str | None
    ) -> Mapping[str, Any]: ...


def answer(
    call: Call,
    method: str,
    url: str,
    headers: _requests.Headers,
    body: bytes,
    *,
    default_region: str = DEFAULT_REGION,
) -> Encoded:
    """Answer a request as it arrived, with the bytes to send back.

    ``url`` is the request's URL, or the path of one (as a server reads it). The region is the
    credential scope's, else the one an AWS host names, else ``default_region``; an access key
    id of 12 digits names the account.
    """
    target = _requests.text(headers.get(_requests.TARGET_HEADER))
    path = urlsplit(url).path or "/"
    problem = _requests.credential_problem(_requests.text(headers.get(_requests.AUTHORIZATION_HEADER)))
    if problem is not None:
        return _responses.error(problem, rest=_is_rest(target, path))
    route = _requests.classify(method, url, headers)
    return dispatch(
        call,
        target,
        body,
        region=route.region or default_region,
        account=route.account,
        content_type=_requests.text(headers.get(_requests.CONTENT_TYPE_HEADER)),
        method=method,
        path=path,
    )


def dispatch(
    call: Call,
    target: str | None,
    body: bytes,
    *,
    region: str = DEFAULT_REGION,
    account: str | None = None,
    content_type: str | None = None,
    method: str = "POST",
    path: str | None = None,
) -> Encoded:
    """Answer a request whose region and account are known: route it, decode it, call, encode.

    AWS JSON 1.1 (the control plane) names the operation in ``X-Amz-Target``; a request without
    one at a path other than ``/`` is REST-JSON (runtime, events), and ``method`` and ``path``
    name it. A region that names none is refused first, as the service refuses it
    (InvalidSignatureException, 403).
    """
    rest = _is_rest(target, path)
    try:
        operation = None
        if rest:
            operation = _requests.rest_operation(method, path or "/")
            if operation is None:
                raise _unknown_path(method, path or "/")
        problem = _requests.region_problem(region)
        if problem is not None:
            raise problem
        if operation is None:
            operation = _operation_from_target(target)
        _decode.check_content_type(
            content_type, _decode.REST_JSON_CONTENT_TYPES if rest else _decode.AWS_JSON_CONTENT_TYPES
        )
        params = _decode.parse_body(body)
        result = call(operation, params, region=region, account=account)
    except ServiceError as error:
        return _responses.error(error, rest=rest)
    return _responses.success(result, rest=rest)


def _is_rest(target: str | None, path: str | None) -> bool:
    """REST-JSON: no X-Amz-Target, and a path other than ``/`` (the control plane's)."""
    return not target and path is not None and path.split("?", 1)[0] not in ("", "/")


def _operation_from_target(target: str | None) -> str:
    if not target:
        raise ServiceError(
            "UnknownOperationException", "Missing X-Amz-Target header: expected AmazonPersonalize.<Operation>."
        )
    operation = _requests.operation_of("POST", "/", target)
    if operation is None:
        raise ServiceError(
            "UnknownOperationException", f"Unknown operation {target!r}: expected AmazonPersonalize.<Operation>."
        )
    return operation


def _unknown_path(method: str, path: str) -> ServiceError:
    from ..model.rest import rest_routes

    routes = ", ".join(f"{verb} {route}" for verb, route in sorted(rest_routes()))
    shown = _requests.printable(path.split("?", 1)[0][:100])
    return ServiceError(
        "UnknownOperationException",
        f"No operation is at {method.upper()} {shown}: the runtime and events APIs answer {routes}; the control "
        "plane answers POST / with an X-Amz-Target header.",
        404,
    )


__all__ = ["Call", "answer", "dispatch"]
