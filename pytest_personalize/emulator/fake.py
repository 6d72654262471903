"""The in-process fake: a :class:`Backend` held behind a botocore client's call events.

botocore serializes the request, and parses the answer's bytes, as it would against AWS. A
success is answered at ``before-call``, before signing (:class:`pytest_personalize._answering._CallRoute`
says when); an error at ``before-send``, after signing, so that botocore retries as it would. While a fake is active, every
Personalize client created -- by any botocore or boto3 session, aiobotocore's included, and
including the default one behind ``boto3.client("personalize")`` -- is wired to it. Clients
made before it became active are reached with :meth:`PersonalizeFake.attach`; until then their
Personalize requests fail with :class:`UnattachedClientError` instead of leaving the machine.

The fake *has* a backend (``fake.backend``, as the server has) and offers its methods as its
own. Activation is one registration in :mod:`pytest_personalize._answering`, which wires clients
and routes each request to the innermost active fake; the fake says only how it answers, which
requests are its own, and which it refuses.

Other services' requests are left alone, for moto or the network. moto's own handler answers
every service, Personalize included: while a fake is active it passes on Personalize, whichever
of the two started first. When moto holds an import job's data in S3, the
job's CSV header is checked against the dataset's schema (the backend's ``import_reader``,
:class:`~.import_data.S3Reader`).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from .. import _answering
from .._answering import UnattachedClientError as UnattachedClientError  # raised here; re-exported
from .._findings import Finding, Kind
from ..wire import exchange as _exchange
from ..wire import requests as _requests
from ..wire import responses as _responses
from ..wire.requests import is_loopback
from . import import_data as _import_data
from .backend import Backend, Call, Fault

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient

    from .lifecycle import Lifecycle

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _forward(method: Callable[Concatenate[Backend, _P], _R]) -> Callable[Concatenate[PersonalizeFake, _P], _R]:
    """``method`` of the fake's backend, offered as the fake's own: its signature and docstring, typed."""
    name = method.__name__

    def forward(fake: PersonalizeFake, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        __tracebackhide__ = True
        result: _R = getattr(fake.backend, name)(*args, **kwargs)
        return result

    functools.update_wrapper(forward, method)
    return forward


class PersonalizeFake:
    """Amazon Personalize, answered in process at botocore's HTTP layer.

    Holds a :class:`Backend` (state, lifecycle, fault injection, the calls received) as
    ``backend``, offers its methods as its own, and, while active, answers every Personalize
    client's requests::

        with PersonalizeFake() as fake:
            client = boto3.client(
                "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
            )
            arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
            assert fake.dataset_groups()[0]["status"] == "CREATE PENDING"

    ``settings`` are :class:`Backend`'s. The ``personalize_fake`` fixture makes one per test, and
    sets dummy credentials and a region for it; outside the fixture, give them as above (or in
    the environment).
    """

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("import_reader", _import_data.S3Reader())
        self.backend = Backend(**settings)
        # The back-off delays botocore's retries asked for while the personalize_fake fixture kept them from sleeping.
        self.retry_sleeps: list[float] = []
        # Why each Personalize request of an unattached client was stopped (see UnattachedClientError).
        self.refused: list[str] = []

    # --- activation ------------------------------------------------------------------------

    def activate(self) -> None:
        """Answer Personalize requests from now on (the innermost active fake answers)."""
        answerer = _answering.Answerer(
            "fake",
            self,
            respond=self.respond,
            respond_async=self._respond_async,
            owns=_owns,
            refuse=self._refuse_unattached,
        )
        if not _answering.register(answerer):
            raise RuntimeError("PersonalizeFake.activate(): this fake is already active")

    def deactivate(self) -> None:
        """Stop answering; clients wired to the fake go back to moto, the network or the next fake."""
        _answering.unregister(self)

    @property
    def active(self) -> bool:
        return _answering.is_registered(self)

    @staticmethod
    def attach(client: BaseClient) -> BaseClient:
        """Wire a client made before the fake became active (a module-level client, say) to it.

        Returns the client. While a fake is active, a Personalize client made earlier and not
        attached has its requests refused with :class:`UnattachedClientError`, never sent.
        Harmless for clients already wired, and for other services' clients (their events never
        name Personalize).
        """
        return _answering.attach(client)

    @staticmethod
    def detach(client: BaseClient) -> BaseClient:
        """Undo :meth:`attach`, or the wiring of a client made while a fake was active. Returns the client.

        A detached Personalize client made before the active fake has its requests refused again.
        """
        return _answering.detach(client)

    def __enter__(self) -> PersonalizeFake:
        self.activate()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.deactivate()

    # --- the backend's, as the fake's own ----------------------------------------------------

    set_lifecycle = _forward(Backend.set_lifecycle)
    use_manual_clock = _forward(Backend.use_manual_clock)
    fail_creation = _forward(Backend.fail_creation)
    set_quota = _forward(Backend.set_quota)
    fail_next = _forward(Backend.fail_next)
    fail_when = _forward(Backend.fail_when)
    reset = _forward(Backend.reset)
    quota = _forward(Backend.quota)
    planned_failure = _forward(Backend.planned_failure)
    import_problem = _forward(Backend.import_problem)
    import_interactions = _forward(Backend.import_interactions)
    resources = _forward(Backend.resources)
    dataset_groups = _forward(Backend.dataset_groups)
    tags = _forward(Backend.tags)
    pending_report = _forward(Backend.pending_report)
    predicate_report = _forward(Backend.predicate_report)
    setting_up = _forward(Backend.setting_up)
    call = _forward(Backend.call)
    handle = _forward(Backend.handle)
    declare = _forward(Backend.declare)
    events = _forward(Backend.events)
    action_interactions = _forward(Backend.action_interactions)
    items = _forward(Backend.items)
    users = _forward(Backend.users)
    actions = _forward(Backend.actions)
    deploy_campaign = _forward(Backend.deploy_campaign)
    deploy_recommender = _forward(Backend.deploy_recommender)

    @property
    def calls(self) -> list[Call]:
        """Every call received, in order, retries included."""
        return self.backend.calls

    @property
    def pending_faults(self) -> list[Fault]:
        return self.backend.pending_faults

    @property
    def unevaluated(self) -> list[str]:
        return self.backend.unevaluated

    @property
    def dataset_group_quota(self) -> int | None:
        return self.backend.dataset_group_quota

    @dataset_group_quota.setter
    def dataset_group_quota(self, limit: int | None) -> None:
        self.backend.dataset_group_quota = limit

    @property
    def account(self) -> str:
        return self.backend.account

    @account.setter
    def account(self, account: str) -> None:
        self.backend.account = account

    @property
    def quotas(self) -> dict[str, int | None]:
        return self.backend.quotas

    @quotas.setter
    def quotas(self, quotas: dict[str, int | None]) -> None:
        self.backend.quotas = quotas

    @property
    def lifecycle(self) -> Lifecycle:
        return self.backend.lifecycle

    @lifecycle.setter
    def lifecycle(self, lifecycle: Lifecycle) -> None:
        self.backend.lifecycle = lifecycle

    @property
    def clock(self) -> Callable[[], datetime.datetime]:
        return self.backend.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime.datetime]) -> None:
        self.backend.clock = clock

    @property
    def default_region(self) -> str:
        """Where ``deploy_campaign`` and ``deploy_recommender`` make their resources when no region is given."""
        return self.backend.default_region

    @default_region.setter
    def default_region(self, region: str) -> None:
        self.backend.default_region = region

    @property
    def checks_training_data(self) -> bool:
        """False while the test sets up resources of its own (``deploy_campaign``): training needs no data then."""
        return self.backend.checks_training_data

    # --- answering -------------------------------------------------------------------------

    def respond(self, request: AWSPreparedRequest) -> AWSResponse:
        """Answer one prepared (serialized and signed) request as the service would."""
        return _responses.as_aws_response(request.url, self._answer_wire(request))

    def _answer_wire(self, request: AWSPreparedRequest) -> _responses.Encoded:
        # An unsigned request to an endpoint that names no region speaks for the backend's default one.
        method, body = request.method or "POST", _body_bytes(request.body)
        return _exchange.answer(
            self.call, method, request.url, request.headers, body, default_region=self.default_region
        )

    def _respond_async(self, request: AWSPreparedRequest) -> AWSResponse:
        """:meth:`respond` for an aiobotocore client, which awaits the body."""
        return _responses.as_aws_response(request.url, self._answer_wire(request), asynchronous=True)

    def findings(self) -> list[Finding]:
        """What a test must not pass with: ``fail_next`` faults that fired fewer times than asked,
        ``fail_when`` predicates that raised, requests it stopped (:class:`UnattachedClientError`), runtime requests it couldn't evaluate."""
        found = []
        report = self.pending_report()
        if report is not None:
            found.append(Finding(report, Kind.UNUSED))
        broken = self.predicate_report()
        if broken is not None:
            found.append(Finding(broken))
        refused = self.refused
        if refused:
            found.append(Finding(f"personalize_fake stopped {len(refused)} request(s): {refused[0]}"))
        unevaluated = self.unevaluated
        if unevaluated:
            found.append(
                Finding(f"personalize_fake couldn't evaluate {len(unevaluated)} runtime request(s): {unevaluated[0]}")
            )
        return found

    def _refuse_unattached(self, request: AWSPreparedRequest) -> None:
        """A request of the fake's reached the HTTP layer while the fake is active: its client isn't wired."""
        if not _owns(request) or is_loopback(request.url):
            return
        operation = _operation_of(request)
        message = (
            f"A Personalize client made before the fake became active sent {operation} to {request.url}; it isn't "
            "attached to the fake, so the request was stopped here instead of reaching AWS. Attach the client with "
            "personalize_fake.attach(client) (PersonalizeFake.attach(client) outside the fixture), or create it "
            "once the fake is active: in the test, or in a fixture that requests personalize_fake."
        )
        self.refused.append(message)
        raise UnattachedClientError(message)


def _owns(request: AWSPreparedRequest) -> bool:
    """Whether a request is an active fake's to answer: one for a Personalize API, signed or not
    (:func:`pytest_personalize.wire.requests.classify`)."""
    return _operation_of(request) is not None


def _operation_of(request: AWSPreparedRequest) -> str | None:
    """The operation of a Personalize request as it names it (its method and path if none), or None for another's."""
    method = request.method or "POST"
    route = _requests.classify(method, request.url, request.headers)
    if route.api is None:
        return None
    return route.operation or _requests.display_name(method, urlsplit(request.url).path or "/", None)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    data = body.read()  # a file-like body: Personalize's JSON never is one, but be safe
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)
