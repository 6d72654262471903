"""The in-process fake: a :class:`Backend` answering botocore's ``before-send`` event.

botocore serializes, signs, retries and parses exactly as it would against AWS; only the bytes
that would have gone to the network are answered here instead. While a fake is active, every
Personalize client created -- by any botocore or boto3 session, including the default one behind
``boto3.client("personalize")`` -- is wired to it. Clients made before it became active are
reached with :meth:`PersonalizeFake.attach`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import spec as _spec
from .backend import Backend, identity_from_authorization

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient

_EVENT = f"before-send.{_spec.SERVICE_NAME}"
_HANDLER_ID = "pytest-personalize-fake"

# The active fakes, innermost last: the innermost answers. Shared by every thread of the process.
_active: list[PersonalizeFake] = []
_active_lock = threading.Lock()
_original_create_client: Callable[..., Any] | None = None


class PersonalizeFake(Backend):
    """Amazon Personalize's control plane, answered in process at botocore's HTTP layer.

    A :class:`Backend` (state, lifecycle, fault injection, the calls received) that, while
    active, answers every Personalize client's requests::

        with PersonalizeFake() as fake:
            client = boto3.client("personalize", region_name="us-east-1")
            arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
            assert fake.dataset_groups()[0]["status"] == "CREATE PENDING"

    The ``personalize_fake`` fixture makes one per test.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        # The back-off delays botocore's retries asked for while the personalize_fake fixture kept them from sleeping.
        self.retry_sleeps: list[float] = []

    def activate(self) -> None:
        """Answer Personalize requests from now on (the innermost active fake answers)."""
        with _active_lock:
            if self in _active:
                raise RuntimeError("PersonalizeFake.activate(): this fake is already active")
            if not _active:
                _patch_client_creation()
            _active.append(self)

    def deactivate(self) -> None:
        """Stop answering; clients wired to the fake go back to the network (or the next fake)."""
        with _active_lock:
            if self in _active:
                _active.remove(self)
            if not _active:
                _unpatch_client_creation()

    @property
    def active(self) -> bool:
        return self in _active

    @staticmethod
    def attach(client: BaseClient) -> BaseClient:
        """Wire a client made before the fake became active (a module-level client, say) to it.

        Returns the client. Harmless for clients already wired, and for other services' clients
        (their events never name Personalize).
        """
        client.meta.events.register(_EVENT, _route, unique_id=_HANDLER_ID)  # type: ignore[arg-type]
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
        from botocore.awsrequest import AWSResponse

        body = _body_bytes(request.body)
        headers = request.headers
        region, account = identity_from_authorization(_text(headers.get("Authorization")))
        answer = self.handle(
            _text(headers.get("X-Amz-Target")),
            body,
            region=region,
            account=account,
            content_type=_text(headers.get("Content-Type")),
        )
        return AWSResponse(request.url, answer.status, dict(answer.headers), _RawBody(answer.body))  # type: ignore[arg-type]


def active_fakes() -> list[PersonalizeFake]:
    """The fakes answering now, innermost last."""
    with _active_lock:
        return list(_active)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    data = body.read()  # a file-like body: Personalize's JSON never is one, but be safe
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _text(value: str | bytes | None) -> str | None:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class _RawBody:
    """The ``raw`` of an ``AWSResponse``: what botocore reads the body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Any:
        yield self._body

    def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


def _route(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
    fake = _active[-1] if _active else None
    if fake is None:
        return None  # no fake active: botocore sends the request as usual
    return fake.respond(request)


def _patch_client_creation() -> None:
    """Wire every Personalize client created from now on, whatever session creates it."""
    global _original_create_client
    from botocore.client import ClientCreator

    if _original_create_client is not None:
        return
    original = ClientCreator.create_client

    @functools.wraps(original)
    def create_client(self: ClientCreator, *args: Any, **kwargs: Any) -> BaseClient:
        client = original(self, *args, **kwargs)
        if client.meta.service_model.service_name == _spec.SERVICE_NAME:
            PersonalizeFake.attach(client)
        return client

    _original_create_client = original
    ClientCreator.create_client = create_client  # type: ignore[method-assign]


def _unpatch_client_creation() -> None:
    global _original_create_client
    from botocore.client import ClientCreator

    if _original_create_client is None:
        return
    ClientCreator.create_client = _original_create_client  # type: ignore[method-assign]
    _original_create_client = None
