"""Where a cassette meets traffic: botocore's HTTP session, for Amazon Personalize requests only.

vcrpy catches requests by swapping the connection classes of http.client and urllib3. That is
too low for a safe replay: urllib3's pool and the connection are made before vcrpy is asked
(a name lookup per new connection, a real connection when its state races under threads), and
its cassette's state is not guarded, so threads lose recorded interactions. It is also too
wide: every HTTP request of the test lands in the cassette, so a Personalize cassette fails on
an S3 download and fights pytest-recording's own.

One level up, ``URLLib3Session.send`` is where every botocore client -- however and whenever it
was made, on whichever thread -- hands over a signed request (aiobotocore's clients, at their
sessions' ``send``: :func:`_exchange_async`). A replayed request is answered
there and never reaches urllib3: no pool, no socket, no lookup. Whether a request is for
Personalize, signed or not, is :func:`pytest_personalize.wire.requests.classify`'s to say; one
that isn't goes on untouched, to the network or to whatever else (vcrpy) is patched below.
A cassette registers in the one registry of who answers Personalize
(:mod:`pytest_personalize._answering`), whose one wrapper of ``URLLib3Session.send`` hands it
each request (:func:`_exchange`), before the fake's guard sees it.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from vcr.request import Request

from .. import _answering
from ..seams import botocore as _botocore
from ..wire import requests as _requests
from ..wire import responses as _responses
from . import scrub as _cassette_scrub

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse

    from ..seams.aiobotocore import AsyncSend
    from ..seams.botocore import Send


class PersonalizeCassette(Protocol):
    """What the transport asks of a cassette: :class:`.cassette.PersonalizeCassette`, never imported here."""

    @property
    def write_protected(self) -> bool: ...

    def learn(self, secrets: Sequence[str] | set[str], /) -> None: ...

    def answer_request(
        self, method: str, url: str, headers: Any, body: bytes | str | None, /
    ) -> dict[str, Any] | None: ...

    def answer_success(
        self, method: str, url: str, headers: Any, body: bytes | str | None, /
    ) -> dict[str, Any] | None: ...

    def record(self, request: Request, response: dict[str, Any], /) -> None: ...


def activate(cassette: PersonalizeCassette) -> None:
    """Answer (or record) Personalize requests from every botocore client: the cassette is the innermost."""
    _answering.register(
        _answering.Answerer(
            "cassette",
            cassette,
            exchange=functools.partial(_exchange, cassette),
            answer_early=functools.partial(_answer_early, cassette),
            exchange_async=functools.partial(_exchange_async, cassette),
        )
    )


def deactivate(cassette: PersonalizeCassette) -> None:
    _answering.unregister(cassette)


@contextlib.contextmanager
def intercepting(cassette: PersonalizeCassette) -> Iterator[PersonalizeCassette]:
    """Answer (or record) Personalize requests from every botocore client for the block."""
    with contextlib.ExitStack() as stack:
        if not cassette.write_protected:
            cassette.learn(_cassette_scrub.environment_secrets(os.environ))
            stack.enter_context(_learning_signing_credentials(cassette))
        activate(cassette)
        stack.callback(deactivate, cassette)
        yield cassette


def _exchange(cassette: PersonalizeCassette, send: Send, request: AWSPreparedRequest) -> AWSResponse:
    """The cassette's answer to a Personalize request, or what ``send`` brings back, recorded."""
    method = request.method or "POST"
    if _requests.classify(method, request.url, request.headers).api is None:
        return send(request)
    body = _body(request)
    answer = cassette.answer_request(method, request.url, request.headers, body)
    if answer is not None:
        return _as_aws_response(request.url, answer)
    recorded = _as_vcr_request(request, body)
    response = send(request)
    cassette.record(recorded, _as_recorded_response(response, bytes(response.content or b"")))
    return response


def _answer_early(cassette: PersonalizeCassette, request: AWSPreparedRequest) -> AWSResponse | None:
    """The cassette's recorded success for a request not yet signed (a wired client's ``before-call``), or None."""
    method = request.method or "POST"
    if _requests.classify(method, request.url, request.headers).api is None:
        return None
    answer = cassette.answer_success(method, request.url, request.headers, _body(request))
    return None if answer is None else _as_aws_response(request.url, answer)


async def _exchange_async(cassette: PersonalizeCassette, send: AsyncSend, request: AWSPreparedRequest) -> AWSResponse:
    """:func:`_exchange` for an aiobotocore client, whose response's body is awaited."""
    method = request.method or "POST"
    if _requests.classify(method, request.url, request.headers).api is None:
        return await send(request)
    body = _body(request)
    answer = cassette.answer_request(method, request.url, request.headers, body)
    if answer is not None:
        return _as_aws_response(request.url, answer, asynchronous=True)
    recorded = _as_vcr_request(request, body)
    response = await send(request)
    # aiobotocore's response keeps the body once read, for its parser to read again.
    body = await response.content  # type: ignore[misc]
    cassette.record(recorded, _as_recorded_response(response, bytes(body or b"")))
    return response


def _body(request: AWSPreparedRequest) -> bytes:
    """The request's body as bytes; a file-like body is read for the cassette and rewound for the wire."""
    body: Any = request.body
    if hasattr(body, "read"):
        position = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if position is not None and hasattr(body, "seek"):
            body.seek(position)
        body = data
    if isinstance(body, str):
        body = body.encode("utf-8")
    return bytes(body or b"")


def _as_vcr_request(request: AWSPreparedRequest, body: bytes) -> Request:
    headers = {str(name): _requests.text(value) for name, value in request.headers.items()}
    return Request(method=request.method, uri=request.url, body=body, headers=headers)


def _as_recorded_response(response: AWSResponse, body: bytes) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers.setdefault(str(name), []).append(_requests.text(value))
    return {
        "status": {"code": response.status_code, "message": str(getattr(response.raw, "reason", "") or "")},
        "headers": headers,
        "body": {"string": body},
    }


def _as_aws_response(url: str, recorded: dict[str, Any], *, asynchronous: bool = False) -> AWSResponse:
    headers = {name: ", ".join(values) for name, values in recorded["headers"].items()}
    answer = _responses.Encoded(int(recorded["status"]["code"]), headers, bytes(recorded["body"]["string"] or b""))
    return _responses.as_aws_response(url, answer, asynchronous=asynchronous)


@contextlib.contextmanager
def _learning_signing_credentials(cassette: PersonalizeCassette) -> Iterator[None]:
    """Learn the credentials every SigV4 signer uses while recording, whatever provided them.

    The secret key never travels on the wire, so the HTTP layer can't see it; it may still turn
    up in data (a connection string, a basic-auth header). Signing is where every credential
    provider -- environment, profile, SSO, assumed role, instance metadata -- ends up.
    """

    def learn(credentials: Any) -> None:
        cassette.learn({v for v in (credentials.access_key, credentials.secret_key, credentials.token) if v})

    with _botocore.signing_credentials(learn):
        yield
