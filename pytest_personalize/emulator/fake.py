"""The in-process fake: a :class:`Backend` answering botocore's ``before-send`` event.

botocore serializes, signs, retries and parses exactly as it would against AWS; only the bytes
that would have gone to the network are answered here instead. While a fake is active, every
Personalize client created -- by any botocore or boto3 session, aiobotocore's included, and
including the default one behind ``boto3.client("personalize")`` -- is wired to it. Clients
made before it became active are reached with :meth:`PersonalizeFake.attach`; until then their
Personalize requests fail with :class:`UnattachedClientError` instead of leaving the machine.

Other services' requests are left alone, for moto or the network. moto's own handler answers
every service, Personalize included: while a fake is active it passes on Personalize, whichever
of the two started first. When moto holds an import job's data in S3, the
job's CSV header is checked against the dataset's schema (:mod:`.import_data`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._findings import Finding, Kind
from ..model import spec as _spec
from ..wire import exchange as _exchange
from ..wire import requests as _requests
from ..wire import responses as _responses
from ..wire.requests import is_loopback
from . import _seams
from . import import_data as _import_data
from .backend import Backend

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient

_EVENT = "before-send"
_HANDLER_ID = "pytest-personalize-fake"

# The active fakes, innermost last: the innermost answers. Shared by every thread of the process.
_active: list[PersonalizeFake] = []
_active_lock = threading.Lock()
# How to take the seams out again (see _seams), while any fake is active.
_undo_seams: list[Callable[[], None]] = []
_moto_deferring = False


class UnattachedClientError(RuntimeError):
    """A Personalize request from a client the active fake isn't wired to, stopped before it was sent.

    The client was made before the fake became active and never attached. botocore doesn't retry
    the error; the ``personalize_fake`` fixture also fails the test at teardown if the code under
    test caught it.
    """


class PersonalizeFake(Backend):
    """Amazon Personalize's control plane, answered in process at botocore's HTTP layer.

    A :class:`Backend` (state, lifecycle, fault injection, the calls received) that, while
    active, answers every Personalize client's requests::

        with PersonalizeFake() as fake:
            client = boto3.client(
                "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
            )
            arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
            assert fake.dataset_groups()[0]["status"] == "CREATE PENDING"

    The ``personalize_fake`` fixture makes one per test, and sets dummy credentials and a region for
    it; outside the fixture, give them as above (or in the environment).
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        # The back-off delays botocore's retries asked for while the personalize_fake fixture kept them from sleeping.
        self.retry_sleeps: list[float] = []
        # Why each Personalize request of an unattached client was stopped (see UnattachedClientError).
        self.refused: list[str] = []
        self._s3 = _import_data.S3Reader()

    def activate(self) -> None:
        """Answer Personalize requests from now on (the innermost active fake answers)."""
        with _active_lock:
            if self in _active:
                raise RuntimeError("PersonalizeFake.activate(): this fake is already active")
            if not _active:
                _undo_seams.append(_seams.on_new_clients(_wire_if_personalize))
                _undo_seams.append(_seams.guard_sends(_refuse_unattached))
                _defer_moto()
            _active.append(self)

    def deactivate(self) -> None:
        """Stop answering; clients wired to the fake go back to moto, the network or the next fake."""
        global _moto_deferring
        with _active_lock:
            if self in _active:
                _active.remove(self)
            if not _active:
                _moto_deferring = False
                while _undo_seams:
                    _undo_seams.pop()()

    @property
    def active(self) -> bool:
        return self in _active

    @staticmethod
    def attach(client: BaseClient) -> BaseClient:
        """Wire a client made before the fake became active (a module-level client, say) to it.

        Returns the client. While a fake is active, a Personalize client made earlier and not
        attached has its requests refused with :class:`UnattachedClientError`, never sent.
        Harmless for clients already wired, and for other services' clients (their events never
        name Personalize).
        """
        route = _route_async if _is_async(client) else _route
        client.meta.events.register(_event_of(client), route, unique_id=_HANDLER_ID)  # type: ignore[arg-type]
        return client

    @staticmethod
    def detach(client: BaseClient) -> BaseClient:
        """Undo :meth:`attach`, or the wiring of a client made while a fake was active. Returns the client.

        A detached Personalize client made before the active fake has its requests refused again.
        """
        client.meta.events.unregister(_event_of(client), unique_id=_HANDLER_ID)
        return client

    def __enter__(self) -> PersonalizeFake:
        self.activate()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.deactivate()

    def respond(self, request: AWSPreparedRequest) -> AWSResponse:
        """Answer one prepared (serialized and signed) request as the service would."""
        return _responses.as_aws_response(request.url, self._answer_wire(request))

    def import_problem(self, source: _import_data.ImportSource) -> str | None:
        """Why an import job reading ``source`` fails: checked where moto (or a loopback S3) holds the data."""
        return _import_data.problem(source, self._s3)

    def _answer_wire(self, request: AWSPreparedRequest) -> _responses.Encoded:
        # An unsigned request to an endpoint that names no region speaks for the backend's default one.
        method, body = request.method or "POST", _body_bytes(request.body)
        return _exchange.answer(
            self.call, method, request.url, request.headers, body, default_region=self.default_region
        )

    def findings(self) -> list[Finding]:
        """What a test must not pass with: ``fail_next`` faults that fired fewer times than asked,
        requests it stopped (:class:`UnattachedClientError`), runtime requests it couldn't evaluate."""
        found = []
        report = self.pending_report()
        if report is not None:
            found.append(Finding(report, Kind.UNUSED))
        refused = self.refused
        if refused:
            found.append(Finding(f"personalize_fake stopped {len(refused)} request(s): {refused[0]}"))
        unevaluated = self.unevaluated
        if unevaluated:
            found.append(
                Finding(f"personalize_fake couldn't evaluate {len(unevaluated)} runtime request(s): {unevaluated[0]}")
            )
        return found


def active_fakes() -> list[PersonalizeFake]:
    """The fakes answering now, innermost last."""
    with _active_lock:
        return list(_active)


def _innermost() -> PersonalizeFake | None:
    innermost = _active[-1:]  # one read: another thread may deactivate the last fake meanwhile
    return innermost[0] if innermost else None


def _owns(request: AWSPreparedRequest) -> bool:
    """Whether a request is the active fake's to answer, while a fake is active: one for a
    Personalize API, signed or not (:func:`pytest_personalize.wire.requests.classify`)."""
    return bool(_active) and _operation_of(request) is not None


def _operation_of(request: AWSPreparedRequest) -> str | None:
    """The operation of a Personalize request as it names it (its method and path if none), or None for another's."""
    method = request.method or "POST"
    route = _requests.classify(method, request.url, request.headers)
    if route.api is None:
        return None
    return route.operation or _requests.display_name(method, urlsplit(request.url).path or "/", None)


def _defer_moto() -> None:
    """Once moto is loaded, it passes on the fake's requests until the last fake deactivates (hold _active_lock)."""
    global _moto_deferring
    if not _moto_deferring:
        undo = _seams.moto_defers(_owns)
        if undo is not None:
            _undo_seams.append(undo)
            _moto_deferring = True


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    data = body.read()  # a file-like body: Personalize's JSON never is one, but be safe
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _is_async(client: BaseClient) -> bool:
    """Whether ``client`` is aiobotocore's, which awaits the response's body."""
    async_client = getattr(sys.modules.get("aiobotocore.client"), "AioBaseClient", None)
    return isinstance(async_client, type) and isinstance(client, async_client)


def _route(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
    fake = _innermost()
    if fake is None:
        return None  # no fake active: moto or the network answers, as if the fake weren't there
    return fake.respond(request)


def _route_async(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
    fake = _innermost()
    if fake is None:
        return None
    return _responses.as_aws_response(request.url, fake._answer_wire(request), asynchronous=True)


def _event_of(client: BaseClient) -> str:
    # botocore names a client's events after its service id: personalize-runtime, not personalize.
    return f"{_EVENT}.{client.meta.service_model.service_id.hyphenize()}"


def wire_if_active(client: BaseClient) -> None:
    """Wire ``client`` to the fakes as if it were made now: a Personalize client while one is active."""
    _wire_if_personalize(client)


def _wire_if_personalize(client: BaseClient) -> None:
    """Made while a fake is active: a Personalize client is wired to it, any other is left alone."""
    if not _active:
        return
    if not _moto_deferring:
        # moto may have been imported since the fake became active: this client may carry its handler.
        with _active_lock:
            if _active:
                _defer_moto()
    if client.meta.service_model.service_name in _spec.SERVICE_NAMES:
        PersonalizeFake.attach(client)


def _refuse_unattached(request: AWSPreparedRequest) -> None:
    """A control-plane request reached the HTTP layer while a fake is active: its client isn't wired."""
    fake = _innermost()
    if fake is None:
        return
    if not _owns(request) or is_loopback(request.url):
        return
    operation = _operation_of(request)
    message = (
        f"A Personalize client made before the fake became active sent {operation} to {request.url}; it isn't "
        "attached to the fake, so the request was stopped here instead of reaching AWS. Attach the client with "
        "personalize_fake.attach(client) (PersonalizeFake.attach(client) outside the fixture), or create it "
        "once the fake is active: in the test, or in a fixture that requests personalize_fake."
    )
    fake.refused.append(message)
    raise UnattachedClientError(message)
