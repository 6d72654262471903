"""Where a cassette meets traffic: botocore's HTTP session, for Amazon Personalize requests only.

vcrpy catches requests by swapping the connection classes of http.client and urllib3. That is
too low for a safe replay: urllib3's pool and the connection are made before vcrpy is asked
(a name lookup per new connection, a real connection when its state races under threads), and
its cassette's state is not guarded, so threads lose recorded interactions. It is also too
wide: every HTTP request of the test lands in the cassette, so a Personalize cassette fails on
an S3 download and fights pytest-recording's own.

One level up, ``URLLib3Session.send`` is where every botocore client -- however and whenever it
was made, on whichever thread -- hands over a signed request. A replayed request is answered
there and never reaches urllib3: no pool, no socket, no lookup. Whether a request is for
Personalize, signed or not, is :func:`pytest_personalize.wire.requests.classify`'s to say; one
that isn't goes on untouched, to the network or to whatever else (vcrpy) is patched below.
The wrapping itself is botocore's internals, kept in one adapter
(:func:`pytest_personalize._botocore_private.intercept_sends`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from vcr.request import Request

from ..wire import requests as _requests
from ..wire import responses as _responses
from . import scrub as _cassette_scrub

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse

    from .._botocore_private import Send
    from .._patching import Undo


class PersonalizeCassette(Protocol):
    """What the transport asks of a cassette: :class:`.cassette.PersonalizeCassette`, never imported here."""

    @property
    def write_protected(self) -> bool: ...

    def learn(self, secrets: Sequence[str] | set[str], /) -> None: ...

    def answer(self, request: Request, /) -> dict[str, Any] | None: ...

    def record(self, request: Request, response: dict[str, Any], /) -> None: ...


# The active cassettes, innermost last: the innermost answers. Shared by every thread.
_active: list[PersonalizeCassette] = []
_active_lock = threading.Lock()
_undo: Undo | None = None
# Set on a thread while its request is being sent on for recording.
_handling = threading.local()


def activate(cassette: PersonalizeCassette) -> None:
    global _undo
    from .._botocore_private import intercept_sends

    with _active_lock:
        if not _active:
            _undo = intercept_sends(_handle)
        _active.append(cassette)


def deactivate(cassette: PersonalizeCassette) -> None:
    global _undo
    with _active_lock:
        if cassette in _active:
            _active.remove(cassette)
        if not _active and _undo is not None:
            _undo()
            _undo = None


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


def _handle(send: Send, request: AWSPreparedRequest) -> AWSResponse:
    innermost = _active[-1:]  # one read: another thread may deactivate the last cassette meanwhile
    cassette = innermost[0] if innermost else None
    # A wrapper of ours left beneath another tool's, and a new one on top: the outer one answers.
    if cassette is None or getattr(_handling, "active", False):
        return send(request)
    if _requests.classify(request.method or "POST", request.url, request.headers).api is None:
        return send(request)
    recorded = _as_vcr_request(request)
    answer = cassette.answer(recorded)
    if answer is not None:
        return _as_aws_response(request.url, answer)
    _handling.active = True
    try:
        response = send(request)
    finally:
        _handling.active = False
    cassette.record(recorded, _as_recorded_response(response))
    return response


def _as_vcr_request(request: AWSPreparedRequest) -> Request:
    body: Any = request.body
    if hasattr(body, "read"):
        # A file-like body is read for the cassette and rewound for the wire.
        position = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if position is not None and hasattr(body, "seek"):
            body.seek(position)
        body = data
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {str(name): _requests.text(value) for name, value in request.headers.items()}
    return Request(method=request.method, uri=request.url, body=bytes(body or b""), headers=headers)


def _as_recorded_response(response: AWSResponse) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers.setdefault(str(name), []).append(_requests.text(value))
    return {
        "status": {"code": response.status_code, "message": str(getattr(response.raw, "reason", "") or "")},
        "headers": headers,
        "body": {"string": bytes(response.content or b"")},
    }


def _as_aws_response(url: str, recorded: dict[str, Any]) -> AWSResponse:
    headers = {name: ", ".join(values) for name, values in recorded["headers"].items()}
    answer = _responses.Encoded(int(recorded["status"]["code"]), headers, bytes(recorded["body"]["string"] or b""))
    return _responses.as_aws_response(url, answer)


@contextlib.contextmanager
def _learning_signing_credentials(cassette: PersonalizeCassette) -> Iterator[None]:
    """Learn the credentials every SigV4 signer uses while recording, whatever provided them.

    The secret key never travels on the wire, so the HTTP layer can't see it; it may still turn
    up in data (a connection string, a basic-auth header). Signing is where every credential
    provider -- environment, profile, SSO, assumed role, instance metadata -- ends up.
    """
    from .._botocore_private import signing_credentials

    def learn(credentials: Any) -> None:
        cassette.learn({v for v in (credentials.access_key, credentials.secret_key, credentials.token) if v})

    with signing_credentials(learn):
        yield
