"""Who answers Personalize requests now: the one registry of the active fakes, cassettes and stubbers.

Each mode registers while it is active and unregisters when it ends, innermost last; no mode
looks another up. A registration (:class:`Answerer`) says what it does to requests, and what
that needs of every client in the process is put in place through :mod:`pytest_personalize.seams`
while at least one registration needs it, and taken out with the last:

- ``respond`` (a fake): every Personalize client made from now on is wired, at its
  ``before-call`` event (a success, :class:`_CallRoute`) and its ``before-send`` event, to the
  innermost registration that responds (:func:`attach` reaches a client made earlier); moto's
  handler passes on the requests it ``owns``.
- ``exchange`` (a cassette) and ``refuse`` (the fake's guard): one wrapper of the HTTP sessions'
  ``send`` -- botocore's, and aiobotocore's loaded ones -- the last step before a request leaves
  the machine. There a request meets, in this order: the innermost cassette, which answers it,
  or sends it on and keeps the answer (botocore's clients only); every ``refuse``, innermost
  first, which may stop it (the fake stops a Personalize client it isn't wired to); then the
  network, or whatever another tool patched below.
- A stubber answers on its own client's events; it registers a ``refuse`` that stops any other
  client's Personalize request at the send (:mod:`pytest_personalize._guard`), as does the
  session-wide guard (``--personalize-guard``).

Whatever a refusal stops raises :class:`UnattachedClientError`, the one error for "stopped
before it left the machine". An aiobotocore client's request takes the same path at its
sessions' ``send``: a cassette's ``exchange_async``, then the refusals, then the network.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from .model import spec as _spec
from .seams import aiobotocore as _aiobotocore
from .seams import botocore as _botocore
from .seams import moto as _moto
from .wire import requests as _requests

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient
    from botocore.model import OperationModel

    from .seams.aiobotocore import AsyncSend
    from .seams.botocore import Send
    from .seams.patching import Undo

Kind = Literal["fake", "cassette", "stubber", "guard"]
Respond = Callable[["AWSPreparedRequest"], "AWSResponse"]
Check = Callable[["AWSPreparedRequest"], None]

_EVENT = "before-send"
_CALL_EVENT = "before-call"
# The handlers a wired client carries; the fake's name, as the fake is what they route to.
HANDLER_ID = "pytest-personalize-fake"
_CALL_HANDLER_ID = f"{HANDLER_ID}-call"


class UnattachedClientError(RuntimeError):
    """A Personalize request that no active fixture answers, stopped before it was sent.

    Raised at the HTTP session, before any socket is opened or name looked up: by the fake for a
    client made before it and not attached, by a stubber for any client but its own, by a cassette
    for an aiobotocore client, and by the session-wide guard (``--personalize-guard``). The
    message names the fixtures that would answer the request. botocore doesn't retry it, and the
    fixture (or the guard) fails the test at teardown even if the code under test caught it.
    """


@dataclass(frozen=True, eq=False)
class Answerer:
    """One active mode as the registry knows it: what it is, and what it does to requests.

    ``owner`` is the :class:`PersonalizeFake`, ``PersonalizeCassette`` or ``PersonalizeStubber``
    itself. Every callable is optional:

    - ``respond(request)`` answers a wired botocore client's request at ``before-send``, or at
      ``before-call`` the request as it would be sent but for its signature;
      ``respond_async`` the same for an aiobotocore client (its response awaits the body);
    - ``owns(request)``: whether ``respond`` is for this request, so moto passes it on;
    - ``exchange(send, request)`` gets each request at the HTTP session: it answers it, or calls
      ``send(request)`` (the refusals, then the network) and may keep what comes back;
      ``exchange_async`` the same for aiobotocore's sessions, awaiting ``send``;
    - ``refuse(request)`` raises to stop a request at the HTTP session, before it is sent;
    - ``answer_early(request)`` (a cassette) answers a wired client's request at ``before-call``,
      as it would be sent but for its signature, with a success or None (the whole way then).
    """

    kind: Kind
    owner: object
    respond: Respond | None = None
    respond_async: Respond | None = None
    owns: Callable[[AWSPreparedRequest], bool] | None = None
    exchange: Callable[[Send, AWSPreparedRequest], AWSResponse] | None = None
    exchange_async: Callable[[AsyncSend, AWSPreparedRequest], Awaitable[AWSResponse]] | None = None
    refuse: Check | None = None
    answer_early: Callable[[AWSPreparedRequest], AWSResponse | None] | None = None


@dataclass(frozen=True)
class _View:
    """The registrations as the per-request paths read them: one read of a global, no lock."""

    answerers: tuple[Answerer, ...] = ()  # innermost last
    responders: tuple[Answerer, ...] = ()  # innermost first, from here on
    exchangers: tuple[Answerer, ...] = ()
    refusals: tuple[Check, ...] = ()
    early: tuple[Answerer, ...] = ()
    owns: tuple[Callable[[AWSPreparedRequest], bool], ...] = ()  # each once

    @staticmethod
    def of(answerers: tuple[Answerer, ...]) -> _View:
        inward = answerers[::-1]
        owns = dict.fromkeys(each.owns for each in inward if each.owns is not None)
        return _View(
            answerers,
            tuple(each for each in inward if each.respond is not None),
            tuple(each for each in inward if each.exchange is not None),
            tuple(each.refuse for each in inward if each.refuse is not None),
            tuple(each for each in inward if each.answer_early is not None),
            tuple(owns),
        )


_lock = threading.RLock()
_view = _View()
# What is patched now, by the need it serves (see _install_needed), and whether a need waits
# for its dependency to be imported (moto, aiobotocore).
_installed: dict[str, Undo] = {}
_waiting = False
# Set on a thread while one of its requests goes on from the send wrapper: a wrapper of ours left
# beneath another tool's (and reached through it) has nothing left to do.
_sending = threading.local()
# On a thread, the answer a responder gave at a call's before-call that its before-send returns.
_early = threading.local()


def register(answerer: Answerer) -> bool:
    """Make ``answerer`` the innermost of its kind; False (and nothing changes) if its owner is registered already."""
    global _view
    with _lock:
        if any(each.owner is answerer.owner for each in _view.answerers):
            return False
        _view = _View.of((*_view.answerers, answerer))
        _install_needed()
    return True


def unregister(owner: object) -> None:
    """Take ``owner``'s registration out, wherever it is in the nesting; what no one needs any more is undone."""
    global _view
    with _lock:
        kept = tuple(each for each in _view.answerers if each.owner is not owner)
        if len(kept) != len(_view.answerers):
            _view = _View.of(kept)
            _install_needed()


def is_registered(owner: object) -> bool:
    return any(each.owner is owner for each in _view.answerers)


def active(kind: Kind | None = None) -> list[object]:
    """The owners registered now (of ``kind``, or all), innermost last."""
    return [each.owner for each in _view.answerers if kind is None or each.kind == kind]


# --- what is patched, while something needs it --------------------------------------------------


def _install_needed() -> None:
    """Patch what the registrations need and isn't patched; undo what no one needs (hold _lock)."""
    global _waiting
    view = _view
    refusing_or_exchanging = bool(view.refusals or view.exchangers)
    needed = {
        # Refusals need it too: an aiobotocore loaded later is patched when its first client is made.
        "clients": refusing_or_exchanging or bool(view.responders or view.early),
        "moto": bool(view.owns),
        "sends": refusing_or_exchanging,
        "async sends": refusing_or_exchanging,
    }
    _waiting = False
    for name, install in _INSTALLS:
        if needed[name] and name not in _installed:
            undo = install()
            if undo is None:
                _waiting = True  # its dependency isn't imported yet: asked again as clients are made
            else:
                _installed[name] = undo
    if len(_installed) > sum(needed.values()) or not all(map(needed.__getitem__, _installed)):
        for name in reversed(list(_installed)):
            if not needed[name]:
                _installed.pop(name)()


# What each need patches, in the order they are put in place (and taken out in reverse).
_INSTALLS: tuple[tuple[str, Callable[[], Undo | None]], ...] = (
    ("clients", lambda: _botocore.on_new_clients(_client_made)),
    ("moto", lambda: _moto.moto_defers(_moto_passes_on)),
    ("sends", lambda: _botocore.intercept_sends(_at_send)),
    ("async sends", lambda: _aiobotocore.intercept_sends(_at_send_async)),
)


def _client_made(client: BaseClient) -> None:
    if _waiting:
        # moto or aiobotocore may have been imported since: this client may carry moto's handler,
        # or send through aiobotocore's sessions.
        with _lock:
            _install_needed()
    view = _view
    if (view.responders or view.early) and client.meta.service_model.service_name in _spec.SERVICE_NAMES:
        ensure_attached(client)


def _moto_passes_on(request: AWSPreparedRequest) -> bool:
    return any(owns(request) for owns in _view.owns)


# --- a client's before-call and before-send: the innermost responder answers ------------------------


def attach(client: BaseClient) -> BaseClient:
    """Wire ``client`` to whatever responds (the innermost fake), now and for as long as it is wired.

    While nothing responds its requests go on as if it weren't wired. Harmless for a client
    already wired, and for other services' clients (their events never name Personalize).
    """
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    if _aiobotocore.is_async_client(client):
        events.register(f"{_EVENT}.{service}", _route_async, unique_id=HANDLER_ID)  # type: ignore[arg-type]
        return client
    events.register(f"{_EVENT}.{service}", _route, unique_id=HANDLER_ID)  # type: ignore[arg-type]
    # Last, so that a stubber on the same client (ours or botocore's) answers first.
    events.register_last(f"{_CALL_EVENT}.{service}", _CallRoute(client), unique_id=_CALL_HANDLER_ID)  # type: ignore[arg-type]
    return client


def detach(client: BaseClient) -> BaseClient:
    """Undo :func:`attach` (or the wiring of a client made while something responded)."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    events.unregister(f"{_EVENT}.{service}", unique_id=HANDLER_ID)
    events.unregister(f"{_CALL_EVENT}.{service}", unique_id=_CALL_HANDLER_ID)
    return client


def wire_if_answering(client: BaseClient) -> None:
    """Wire ``client`` as if it were made now: a Personalize client while something responds or answers early."""
    if _waiting or ((_view.responders or _view.early) and not is_attached(client)):
        _client_made(client)


def is_attached(client: BaseClient) -> bool:
    """Whether ``client`` is wired (:func:`attach`); False when that can't be told."""
    return _botocore.has_unique_handler(client, HANDLER_ID)


def ensure_attached(client: BaseClient) -> BaseClient:
    """:func:`attach`, unless ``client`` is wired already (a lent client is, for good): asking
    costs less than botocore's registration does even when it has nothing to do."""
    if not is_attached(client):
        attach(client)
    return client


def _route(request: AWSPreparedRequest, **kwargs: object) -> AWSResponse | None:
    pending = getattr(_early, "pending", None)
    if pending is not None:
        _early.pending = None
        url, body, response = pending
        if request.url == url and request.body == body:
            kept: AWSResponse = response
            return kept
    responders = _view.responders
    respond = responders[0].respond if responders else None
    # Nothing responds: moto or the network answers, as if the client weren't wired.
    return respond(request) if respond is not None else None


class _CallRoute:
    """A wired botocore client's ``before-call``: the innermost fake's success (else the innermost
    cassette's recorded success), answered there.

    What is answered is the same either way (it reads the request as it would be sent,
    but for its signature, with the credential scope the signer would write); answered here, the
    call skips signing, the HTTP request's preparation and the send, most of what a call costs.
    The answer is parsed by the client's own parser, and ``needs-retry`` is emitted, as at the
    send. Anything else goes the whole way: an error (botocore's retries must see it: it is kept
    for this request's ``before-send``, not answered twice), a client whose signer can't say how
    it would sign (no credentials: NoCredentialsError), or one with a handler of the test's own
    on the events skipped (:func:`pytest_personalize.seams.botocore.skips_only_known_handlers`).
    """

    __slots__ = ("_client",)

    def __init__(self, client: BaseClient) -> None:
        self._client = weakref.ref(client)

    def __call__(
        self, model: OperationModel, params: dict[str, Any], request_signer: Any, context: dict[str, Any], **_: object
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        _early.pending = None
        view = _view
        # The innermost fake, else the innermost cassette: as at the send, where a wired client's
        # request reaches no cassette while a fake answers it at before-send.
        respond = view.responders[0].respond if view.responders else view.early[0].answer_early if view.early else None
        client = self._client()
        if respond is None or client is None or not _botocore.skips_only_known_handlers(client, model.name):
            return None
        signing = _botocore.signing_of(request_signer, context)
        if signing is None:
            return None
        authorization = (
            None
            if signing.key is None
            else _requests.unsigned_authorization(signing.key, signing.region, signing.service)
        )
        request = _botocore.unsent_request(params, authorization)
        if request is None:
            return None
        response = respond(request)
        if response is None:
            return None
        if response.status_code >= 300:
            _early.pending = (request.url, request.body, response)
            return None
        return response, _botocore.parsed_as_sent(client, model, params, response)


def _route_async(request: AWSPreparedRequest, **kwargs: object) -> AWSResponse | None:
    responders = _view.responders
    respond = responders[0].respond_async if responders else None
    return respond(request) if respond is not None else None


# --- the HTTP sessions' send: cassette, then refusals, then the network ----------------------------


def _at_send(send: Send, request: AWSPreparedRequest) -> AWSResponse:
    if getattr(_sending, "on", False):
        return send(request)
    view = _view
    if not view.exchangers and not view.refusals:
        return send(request)

    def send_on(request: AWSPreparedRequest) -> AWSResponse:
        for refuse in view.refusals:
            refuse(request)
        _sending.on = True
        try:
            return send(request)
        finally:
            _sending.on = False

    exchange = view.exchangers[0].exchange if view.exchangers else None
    return exchange(send_on, request) if exchange is not None else send_on(request)


async def _at_send_async(send: AsyncSend, request: AWSPreparedRequest) -> AWSResponse:
    view = _view

    async def send_on(request: AWSPreparedRequest) -> AWSResponse:
        for refuse in view.refusals:
            refuse(request)
        return await send(request)

    if not view.exchangers:
        return await send_on(request)
    exchange = view.exchangers[0].exchange_async
    if exchange is not None:
        return await exchange(send_on, request)
    operation = operation_of(request)
    if operation is not None:
        raise UnattachedClientError(
            f"An aiobotocore client sent {operation} to {request.url}, and the active cassette answers botocore's "
            "clients only: the request was stopped here instead of leaving the machine. Answer it with "
            "personalize_fake or personalize_server."
        )
    return await send_on(request)


def operation_of(request: AWSPreparedRequest) -> str | None:
    """The operation of a Personalize request as it names it (its method and path if none), or None for another's.

    Signed or not (:func:`pytest_personalize.wire.requests.classify`).
    """
    method = request.method or "POST"
    route = _requests.classify(method, request.url, request.headers)
    if route.api is None:
        return None
    return route.operation or _requests.display_name(method, urlsplit(request.url).path or "/", None)
