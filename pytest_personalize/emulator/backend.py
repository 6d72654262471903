"""The emulated control plane's state, shared by the in-process fake and the loopback server.

A :class:`Backend` keeps every Personalize resource and its tags per account and region
(:mod:`pytest_personalize.emulator.store`), answers each control-plane operation through one engine derived from the
service model (:mod:`pytest_personalize.emulator.engine`), moves resources through their statuses (:mod:`pytest_personalize.emulator.lifecycle`),
and injects faults. It reads and writes no bytes: the fake and the server hand it each request
through :mod:`pytest_personalize.wire`, which routes, decodes and encodes (:meth:`Backend.handle`
does the same for one request given by hand). The runtime and events APIs are answered by two
collaborators it has, :mod:`.runtime_api` and :mod:`.events_api`. Requests are checked by
:mod:`pytest_personalize.model.validate` and answers are built from the model; no rule lives here twice.

Every public method takes one lock, so a backend can serve many threads at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._constants import DEFAULT_REGION
from ..model import arguments as _arguments
from ..model import spec as _spec
from ..model import templates as _templates
from ..model import validate as _validate
from ..model.errors import ServiceError, UsageError
from ..model.rules import resources as _resources
from ..model.rules.common import COMMON_ERRORS, MAX_TAGS_PER_RESOURCE
from ..wire import exchange as _exchange
from ..wire.responses import Encoded
from . import events_api as _events_api
from . import runtime_api as _runtime_api
from .engine import NOT_EMULATED, NOT_EMULATED_STATUS, Engine, routes
from .import_data import ImportReader, ImportSource, Interaction
from .lifecycle import ADVANCE_MODES, GONE, Lifecycle, ManualClock, utcnow

__all__ = [
    "ADVANCE_MODES",
    "COMMON_ERRORS",
    "DEFAULT_DATASET_GROUP_QUOTA",
    "DEFAULT_QUOTAS",
    "GONE",
    "MAX_TAGS_PER_RESOURCE",
    "NOT_EMULATED",
    "Backend",
    "Call",
    "Fault",
    "Lifecycle",
    "ManualClock",
    "ServiceError",
]

# The documented quotas, by resource type (model/rules/resources.py's QUOTAS gives each one's
# source); "Total number of active dataset groups: 5 (adjustable)" per region among them.
DEFAULT_QUOTAS = dict(_resources.DEFAULT_QUOTAS)
DEFAULT_DATASET_GROUP_QUOTA = DEFAULT_QUOTAS["DatasetGroup"]


def __getattr__(name: str) -> Any:
    # EMULATED_OPERATIONS: every operation the engine answers, derived from the model's operation
    # names -- read on first use, so importing this module doesn't load the model.
    if name == "EMULATED_OPERATIONS":
        return tuple(routes())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Call:
    """One request the backend received, and the error code it answered with (None on success)."""

    operation: str
    params: Mapping[str, Any]
    region: str
    account: str
    error: str | None = None


@dataclass(eq=False)
class Fault:
    """An injected failure: which calls it matches, the error they get, and how often it fired."""

    code: str
    message: str | None
    operation: str | None = None
    predicate: Callable[[Call], bool] | None = None
    remaining: int | None = None  # None: every matching call, for as long as the backend lives
    hits: int = 0

    def matches(self, call: Call) -> bool:
        if self.remaining == 0:
            return False
        if self.operation is not None and call.operation != self.operation:
            return False
        if self.operation is None and not _can_answer(call.operation, self.code):
            return False
        if self.predicate is None:
            return True
        try:
            return bool(self.predicate(call))
        except Exception as error:
            # The test's own code failed: whether the fault fires is unknown, so the call can't be
            # answered either way. UsageError, chained to the predicate's error, says whose it is.
            raise UsageError(
                f"fail_when's predicate {_arguments.described(self.predicate)} raised {type(error).__name__}: "
                f"{error} -- for {call.operation} {_arguments.shown(dict(call.params))}; a predicate must "
                "answer True or False for every call it is offered (each call of an operation that can send "
                f"{self.code}, or of its operation=)"
            ) from error

    def describe(self) -> str:
        what = self.operation or "matching calls"
        if self.predicate is not None:
            what += f" where {getattr(self.predicate, '__name__', repr(self.predicate))}"
        if self.remaining is None:
            return f"{what} -> {self.code}"
        asked = self.remaining + self.hits
        return f"{what} -> {self.code}: fired {self.hits} of {asked} time{'' if asked == 1 else 's'}"


def _can_answer(operation: str, code: str) -> bool:
    return code in COMMON_ERRORS or (_spec.is_operation(operation) and code in _spec.modeled_errors(operation))


@dataclass
class _PlannedFailure:
    reason: str
    name: str | None
    kind: str | None


def _kind_named(noun: str) -> _resources.ResourceType:
    __tracebackhide__ = True
    kind = _resources.for_noun(noun) if isinstance(noun, str) else None
    if kind is None or not kind.arn_type or kind.aws_owned:
        known = ", ".join(k.noun for k in _resources.RESOURCE_TYPES if k.arn_type and not k.aws_owned)
        raise UsageError(f"{noun!r} is not a resource type the emulator creates; choose one of {known}")
    return kind


class Backend:
    """Amazon Personalize's control plane, kept in memory, per account and region.

    Used directly (``backend.call("CreateDatasetGroup", {"name": "shop"})``), or behind the
    fake and the server, which feed it requests as they arrive on the wire::

        backend = Backend(dataset_group_quota=2, quotas={"Filter": 3})
        backend.set_lifecycle("instant")
        backend.fail_next("CreateDatasetGroup", "LimitExceededException", times=2)

    Every documented quota is counted (:data:`DEFAULT_QUOTAS`): 5 active dataset groups and
    500 schemas per region, 5 dataset import jobs, 5 batch inference and 5 batch segment jobs
    and 20 solution versions pending or in progress per region, and per dataset group 10
    solutions, 5 campaigns, 5 recommenders and 10 filters. ``quotas`` changes any of them, or
    caps another type per region (by type: ``"Solution"``, ``"Filter"``, ...; None: no cap);
    ``dataset_group_quota`` is the dataset groups' alone. Tags are limited to the documented 50
    per resource. ``import_reader`` checks a dataset import job's data where it is held (the
    in-process fake passes one that reads moto's S3); without one, import jobs simply succeed.

    The runtime and events APIs are answered too, from results the test declares
    (:meth:`declare`, :meth:`deploy_campaign`) and the records it sends (:meth:`events`, :meth:`items`):
    by two collaborators the backend has, :class:`~.runtime_api.RuntimeAPI` and
    :class:`~.events_api.EventsAPI`.
    """

    _default_region: str = DEFAULT_REGION

    def __init__(
        self,
        *,
        account: str = _templates.DEFAULT_ACCOUNT,
        dataset_group_quota: int | None = DEFAULT_DATASET_GROUP_QUOTA,
        quotas: Mapping[str, int | None] | None = None,
        lifecycle: Lifecycle | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
        import_reader: ImportReader | None = None,
    ) -> None:
        __tracebackhide__ = True
        _check_quota_value("Backend", "dataset_group_quota", dataset_group_quota)
        if quotas is not None:
            _check_quotas("Backend", quotas)
        if import_reader is not None and not callable(getattr(import_reader, "problem", None)):
            raise _arguments.problem(
                "Backend", "import_reader", import_reader, "an ImportReader (with a problem(source) method) or None"
            )
        self._account = _arguments.account("Backend", "account", account)
        self._quotas: dict[str, int | None] = {"DatasetGroup": dataset_group_quota, **(quotas or {})}
        self._lifecycle = _lifecycle_argument("Backend", lifecycle) if lifecycle is not None else Lifecycle()
        self._clock: Callable[[], datetime.datetime] = (
            _clock_argument("Backend", clock) if clock is not None else utcnow
        )
        self._lock = threading.RLock()
        self._engine = Engine(self)
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._failures: list[_PlannedFailure] = []
        # What fail_when predicates raised, as the calls that offered them were told: a test fails on it.
        self._broken_predicates: list[str] = []
        self._events_api = _events_api.EventsAPI(self._engine, self._lock)
        self._runtime_api = _runtime_api.RuntimeAPI(self, self._engine, self._lock, self._events_api)
        # What checks an import job's data where it is held (the fake's reads moto's S3); None: nothing.
        self._import_reader = import_reader

    # --- what a test may read and set ----------------------------------------------------------

    @property
    def quotas(self) -> dict[str, int | None]:
        """The quotas the test changed, by type (None: no cap); the others are the documented ones."""
        return self._quotas

    @quotas.setter
    def quotas(self, quotas: dict[str, int | None]) -> None:
        __tracebackhide__ = True
        _check_quotas("backend.quotas =", quotas)
        self._quotas = quotas

    @property
    def account(self) -> str:
        """The account id resources are made in when a request names none: 12 digits."""
        return self._account

    @account.setter
    def account(self, account: str) -> None:
        __tracebackhide__ = True
        self._account = _arguments.account("backend.account =", "account", account)

    @property
    def lifecycle(self) -> Lifecycle:
        """How resources move through their statuses (:meth:`set_lifecycle` sets it by its settings)."""
        return self._lifecycle

    @lifecycle.setter
    def lifecycle(self, lifecycle: Lifecycle) -> None:
        __tracebackhide__ = True
        self._lifecycle = _lifecycle_argument("backend.lifecycle =", lifecycle)

    @property
    def clock(self) -> Callable[[], datetime.datetime]:
        """What tells the backend the time: a callable returning a timezone-aware datetime."""
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime.datetime]) -> None:
        __tracebackhide__ = True
        self._clock = _clock_argument("backend.clock =", clock)

    @property
    def default_region(self) -> str:
        """Where ``deploy_campaign`` and ``deploy_recommender`` make their resources when no region is
        given, and the region an unsigned request speaks for: the fixtures set ``personalize_region``."""
        return self._default_region

    @default_region.setter
    def default_region(self, region: str) -> None:
        __tracebackhide__ = True
        self._default_region = _arguments.region("backend.default_region =", "default_region", region)

    # --- configuration ---------------------------------------------------------------------

    def set_lifecycle(
        self,
        advance: str = "describe",
        *,
        in_progress: bool = False,
        describes_per_stage: int = 1,
        seconds_per_stage: float = 60.0,
    ) -> Lifecycle:
        """Choose how resources move through their statuses (see :class:`Lifecycle`)::

        backend.set_lifecycle("instant")                  # ACTIVE at once
        backend.set_lifecycle(in_progress=True)           # PENDING, IN_PROGRESS, ACTIVE
        backend.set_lifecycle(describes_per_stage=3)      # three describes (or lists) per status
        """
        __tracebackhide__ = True
        lifecycle = Lifecycle.checked(
            "set_lifecycle",
            advance=advance,
            in_progress=in_progress,
            describes_per_stage=describes_per_stage,
            seconds_per_stage=seconds_per_stage,
        )
        with self._lock:
            self._lifecycle = lifecycle
            return lifecycle

    def use_manual_clock(
        self, start: datetime.datetime | None = None, *, seconds_per_stage: float | None = None
    ) -> ManualClock:
        """Drive the lifecycle and the timestamps with a clock the test moves::

        clock = backend.use_manual_clock(seconds_per_stage=30)
        ...create...
        clock.advance(seconds=30)   # CREATE PENDING -> ACTIVE
        """
        __tracebackhide__ = True
        if start is not None:
            _arguments.aware_datetime("use_manual_clock", "start", start)
        changes: dict[str, Any] = {"advance": "clock"}
        if seconds_per_stage is not None:
            changes["seconds_per_stage"] = _arguments.seconds(
                "use_manual_clock", "seconds_per_stage", seconds_per_stage
            )
        clock = ManualClock(start)
        with self._lock:
            self._clock = clock
            self._lifecycle = dataclasses.replace(self._lifecycle, **changes)
            return clock

    def fail_creation(self, reason: str, *, name: str | None = None, kind: str | None = None) -> None:
        """Make the next resource created (named ``name``, of type ``kind``, or any) end in CREATE FAILED.

        It passes through the usual creation statuses and then reports ``failureReason``
        (jobs of data deletion end in FAILED)::

            backend.fail_creation("KMS key access denied: the role cannot use the key", name="shop")
            backend.fail_creation("Insufficient data: at least 1000 interactions", kind="SolutionVersion")
        """
        __tracebackhide__ = True
        _arguments.text("fail_creation", "reason", reason, empty=False)
        _arguments.optional_text("fail_creation", "name", name)
        if kind is not None:
            _kind_named(kind)
        with self._lock:
            self._failures.append(_PlannedFailure(reason, name, kind))

    def set_quota(self, kind: str, limit: int | None) -> None:
        """Change the quota of type ``kind`` (None: no cap; ``DEFAULT_QUOTAS[kind]``: the documented one).

        A documented quota keeps its scope (per region, or per dataset group for solutions,
        campaigns, recommenders and filters) and what it counts (jobs and solution versions
        only while pending or in progress); another type is capped per region::

            backend.set_quota("Filter", 2)         # the 3rd CreateFilter in a group is LimitExceededException
            backend.set_quota("DatasetGroup", 1)   # the same as dataset_group_quota = 1
            backend.set_quota("Schema", None)      # as many schemas as the test makes
        """
        __tracebackhide__ = True
        _kind_named(kind)
        _check_quota_value("set_quota", "limit", limit)
        with self._lock:
            self.quotas[kind] = limit

    @property
    def dataset_group_quota(self) -> int | None:
        """Dataset groups per account and region (default 5, the documented quota; None: no cap)."""
        return self.quota("DatasetGroup")

    @dataset_group_quota.setter
    def dataset_group_quota(self, limit: int | None) -> None:
        self.set_quota("DatasetGroup", limit)

    def fail_next(self, operation: str, code: str, times: int = 1, *, message: str | None = None) -> Fault:
        """Answer the next ``times`` calls of ``operation`` with the error ``code``.

        ``code`` is one the model declares for the operation, or one any operation may send
        (:func:`pytest_personalize.common_errors`, each with its own HTTP status). botocore retries throttling,
        so two LimitExceededExceptions then a success show ``RetryAttempts == 2``::

            backend.fail_next("create_dataset_group", "LimitExceededException", times=2)
        """
        __tracebackhide__ = True
        name = _spec.operation_name(operation)
        _templates.check_error_code(name, code)
        times = _arguments.whole("fail_next", "times", times, least=1)
        _arguments.optional_text("fail_next", "message", message)
        fault = Fault(code, message, operation=name, remaining=times)
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail_when(
        self,
        predicate: Callable[[Call], bool],
        code: str,
        *,
        operation: str | None = None,
        message: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """Answer every call for which ``predicate(call)`` is true with the error ``code``.

        Only calls of operations that can send ``code`` are offered to the predicate (or only
        ``operation``'s, if given); ``times`` limits how often it fires::

            backend.fail_when(lambda call: call.params.get("name", "").startswith("tmp"),
                              "InvalidInputException", operation="CreateDatasetGroup")

        ``predicate`` takes one argument, the :class:`Call` (checked here, where Python can read
        its signature). One that raises leaves the fault undecided: the call that offered it
        raises :class:`UsageError` naming the predicate (chained to its error), and the test
        fails at teardown (:meth:`predicate_report`) even if the code under test caught it.
        """
        __tracebackhide__ = True
        _arguments.callable_of("fail_when", "predicate", predicate, arguments=1, what="one argument, the Call")
        name = _spec.operation_name(operation) if operation is not None else None
        _templates.check_error_code(name, code)
        _arguments.optional_text("fail_when", "message", message)
        remaining = _arguments.optional_whole("fail_when", "times", times, least=1, none="every matching call")
        fault = Fault(code, message, operation=name, predicate=predicate, remaining=remaining)
        with self._lock:
            self._faults.append(fault)
        return fault

    def reset(self) -> None:
        """Forget every resource, tag, call, fault and planned failure (configuration stays)."""
        with self._lock:
            self._engine.regions.clear()
            self._calls.clear()
            self._faults.clear()
            self._failures.clear()
            self._broken_predicates.clear()
            self._runtime_api.reset()
            self._events_api.reset()

    # --- what the engine asks ----------------------------------------------------------------

    def quota(self, noun: str) -> int | None:
        """The limit of the quota of type ``noun`` (None: no limit is emulated)."""
        if noun in self.quotas:
            return self.quotas[noun]
        return DEFAULT_QUOTAS.get(noun)

    def planned_failure(self, kind: _resources.ResourceType, name: str | None) -> str | None:
        for planned in self._failures:
            if (planned.name is None or planned.name == name) and (planned.kind is None or planned.kind == kind.noun):
                self._failures.remove(planned)
                return planned.reason
        return None

    def import_problem(self, source: ImportSource) -> str | None:
        """Why a dataset import job's data won't import, as the ``import_reader`` finds it; None without one."""
        return None if self._import_reader is None else self._import_reader.problem(source)

    def import_interactions(self, source: ImportSource) -> list[Interaction] | None:
        """The (user, event type) rows an Interactions import holds, where the ``import_reader`` counts them."""
        count = getattr(self._import_reader, "interactions", None)
        return None if count is None else count(source)

    # While the test sets up its own resources (deploy_campaign), training needs no data.
    checks_training_data: bool = True

    @contextlib.contextmanager
    def setting_up(self) -> Iterator[None]:
        """Hold the backend for a set-up of the test's own (``deploy_campaign``): while it lasts,
        every resource is ACTIVE at once, and a ``fail_creation`` the test planned stays for its
        own creations."""
        with self._lock:
            saved_lifecycle, saved_failures = self.lifecycle, self._failures
            self.lifecycle = dataclasses.replace(saved_lifecycle, advance="instant")
            self._failures = []
            self.checks_training_data = False
            try:
                yield
            finally:
                self.lifecycle, self._failures = saved_lifecycle, saved_failures
                self.checks_training_data = True

    # --- what a test asserts on -------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call received, in order, retries included."""
        with self._lock:
            return list(self._calls)

    def resources(self, kind: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        """The resources that exist, as their Describe shows them, oldest first: of type ``kind``
        (such as ``"Dataset"``) or every type, in ``region`` or every region, in every account.
        Reading them doesn't move their lifecycle on.
        """
        __tracebackhide__ = True
        if kind is not None:
            _kind_named(kind)
        _arguments.optional_region("resources", "region", region)
        with self._lock:
            found: list[tuple[int, dict[str, Any]]] = []
            for (_account, where), store in self._engine.regions.items():
                if region is not None and where != region:
                    continue
                self._engine.settle(store, self.clock())
                for resource in store.by_arn.values():
                    if kind is None or resource.kind.noun == kind:
                        found.append((resource.seq, self._engine.description(store, resource)))
            return [description for _, description in sorted(found, key=lambda item: item[0])]

    def dataset_groups(self, region: str | None = None) -> list[dict[str, Any]]:
        """The dataset groups that exist, as DescribeDatasetGroup shows them, oldest first.

        In ``region``, or with no region in every region -- not only the test's -- and in every
        account. Reading them doesn't move their lifecycle on.
        """
        return self.resources("DatasetGroup", region)

    def tags(self, arn: str) -> dict[str, str]:
        """The tags of the resource ``arn`` as a dict (empty when it has none or doesn't exist)."""
        __tracebackhide__ = True
        _arguments.text("tags", "arn", arn)
        with self._lock:
            for store in self._engine.regions.values():
                if arn in store.tags:
                    return dict(store.tags[arn])
            return {}

    @property
    def pending_faults(self) -> list[Fault]:
        """``fail_next`` faults that haven't fired as often as asked."""
        with self._lock:
            return [f for f in self._faults if f.predicate is None and f.remaining]

    def predicate_report(self) -> str | None:
        """Why a test whose ``fail_when`` predicate raised should fail (even if the code under test
        caught the error its call raised), or None."""
        with self._lock:
            broken = list(self._broken_predicates)
        if not broken:
            return None
        count = len(broken)
        return f"A fail_when predicate raised on {count} call{'' if count == 1 else 's'}: {broken[0]}"

    def pending_report(self) -> str | None:
        """Why a test whose ``fail_next`` faults fired fewer times than asked should fail, or None."""
        pending = self.pending_faults
        if not pending:
            return None
        lines = "\n".join(f"  - {fault.describe()}" for fault in pending)
        count = len(pending)
        return f"{count} injected Personalize fault{'' if count == 1 else 's'} did not fire as often as asked:\n{lines}"

    # --- the runtime and events APIs ----------------------------------------------------------

    def declare(
        self,
        arn: str,
        *,
        user_id: str | None = None,
        item_id: str | None = None,
        items: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        scores: Sequence[float] | None = None,
    ) -> None:
        """Declare what a campaign or recommender recommends, for a user, an item, both, or by default::

            fake.declare(campaign_arn, user_id="u1", items=["i3", "i1"])          # for u1
            fake.declare(campaign_arn, items=["i9", "i8"], scores=[0.6, 0.4])    # anyone else
            fake.declare(similar_items_arn, item_id="i3", items=["i4", "i5"])    # related to i3
            fake.declare(ranking_arn, items=["i2"])                              # i2 ranks first
            fake.declare(actions_arn, user_id="u1", actions=["a1", "a2"])

        The most specific rule a request reaches answers it: item and user, item, user, default.
        GetPersonalizedRanking puts declared items first, in order, then the rest of the
        ``inputList`` as given. ``scores`` (one per id) are returned as declared; without them a
        recipe that scores gets descending scores summing to 1. Declaring again replaces the rule.

        Raises :class:`UsageError` for an ARN no campaign or recommender has, a rule on a
        parameter the recipe doesn't use (``item_id`` for user personalization) or scores that
        don't pair with the ids, and :class:`ConformanceError` for ids the service couldn't return.
        """
        __tracebackhide__ = True
        self._runtime_api.declare(arn, user_id=user_id, item_id=item_id, items=items, actions=actions, scores=scores)

    def deploy_campaign(
        self,
        name: str,
        *,
        recipe: str = "aws-user-personalization",
        dataset_group_arn: str | None = None,
        region: str | None = None,
    ) -> str:
        """Make an ACTIVE campaign on ``recipe`` at once, and return its ARN.

        Creates what the service would need first -- a dataset group called ``name`` (unless
        ``dataset_group_arn`` names one), a solution and a solution version -- all ACTIVE, none
        in ``calls``, whatever the lifecycle::

            arn = fake.deploy_campaign("shop-recs")
            fake.declare(arn, user_id="u1", items=["i3", "i1"])
        """
        __tracebackhide__ = True
        return self._runtime_api.deploy_campaign(
            name, recipe=recipe, dataset_group_arn=dataset_group_arn, region=region
        )

    def deploy_recommender(
        self,
        name: str,
        *,
        use_case: str = "aws-ecomm-recommended-for-you",
        dataset_group_arn: str | None = None,
        region: str | None = None,
    ) -> str:
        """Make an ACTIVE recommender for ``use_case`` at once (in a Domain dataset group of its
        domain called ``name``, unless ``dataset_group_arn`` names one), and return its ARN."""
        __tracebackhide__ = True
        return self._runtime_api.deploy_recommender(
            name, use_case=use_case, dataset_group_arn=dataset_group_arn, region=region
        )

    @property
    def unevaluated(self) -> list[str]:
        """Why requests got NotEmulatedException: filters or options the emulator can't evaluate."""
        return self._runtime_api.unevaluated()

    def events(
        self, *, user_id: str | None = None, event_type: str | None = None, tracking_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The events PutEvents accepted, oldest first: each as sent, with its ``trackingId``,
        ``userId``, ``sessionId`` and ``datasetGroupArn`` (``sentAt`` as a datetime)."""
        __tracebackhide__ = True
        _arguments.optional_text("events", "user_id", user_id)
        _arguments.optional_text("events", "event_type", event_type)
        _arguments.optional_text("events", "tracking_id", tracking_id)
        return self._events_api.events(user_id=user_id, event_type=event_type, tracking_id=tracking_id)

    def action_interactions(self, *, user_id: str | None = None) -> list[dict[str, Any]]:
        """The action interactions PutActionInteractions accepted, oldest first."""
        __tracebackhide__ = True
        _arguments.optional_text("action_interactions", "user_id", user_id)
        return self._events_api.action_interactions(user_id=user_id)

    def items(self, dataset_arn: str | None = None) -> list[dict[str, Any]]:
        """The items PutItems accepted (the latest of each ``itemId``), with their properties parsed."""
        __tracebackhide__ = True
        _arguments.optional_text("items", "dataset_arn", dataset_arn)
        return self._events_api.records("ITEMS", dataset_arn)

    def users(self, dataset_arn: str | None = None) -> list[dict[str, Any]]:
        """The users PutUsers accepted (the latest of each ``userId``), with their properties parsed."""
        __tracebackhide__ = True
        _arguments.optional_text("users", "dataset_arn", dataset_arn)
        return self._events_api.records("USERS", dataset_arn)

    def actions(self, dataset_arn: str | None = None) -> list[dict[str, Any]]:
        """The actions PutActions accepted (the latest of each ``actionId``), with their properties parsed."""
        __tracebackhide__ = True
        _arguments.optional_text("actions", "dataset_arn", dataset_arn)
        return self._events_api.records("ACTIONS", dataset_arn)

    # --- requests ---------------------------------------------------------------------------

    def call(
        self,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        region: str = DEFAULT_REGION,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Answer one request: the response (datetimes, no ResponseMetadata), or raise ServiceError."""
        __tracebackhide__ = True
        operation = _spec.operation_name(operation)
        if params is not None and not isinstance(params, Mapping):
            raise _arguments.problem("call", "params", params, "a dict of the request's parameters, or None")
        params = dict(params or {})
        # What the wire hands over is checked already (a region no partition has is the service's
        # InvalidSignatureException); these catch a test's direct call.
        _arguments.region("call", "region", region)
        account = self.account if account is None else _arguments.account("call", "account", account)
        with self._lock:
            call = Call(operation, params, region, account)
            try:
                result = self._answer(call)
            except ServiceError as error:
                self._calls.append(dataclasses.replace(call, error=error.code))
                raise
            self._calls.append(call)
            return result

    def handle(
        self,
        target: str | None,
        body: bytes,
        *,
        region: str = DEFAULT_REGION,
        account: str | None = None,
        content_type: str | None = None,
        method: str = "POST",
        path: str | None = None,
    ) -> Encoded:
        """Answer a request as it arrives on the wire with the bytes to send back.

        AWS JSON 1.1 (the control plane) names the operation in ``X-Amz-Target``; a request
        without one is REST-JSON (runtime, events), and ``method`` and ``path`` name it.
        ``region`` is the one the request's credential scope names; one that names no AWS region
        is refused first, as the service refuses it (InvalidSignatureException, 403). The
        decoding, routing and encoding are :mod:`pytest_personalize.wire`'s.
        """
        __tracebackhide__ = True
        _arguments.optional_text("handle", "target", target)
        _arguments.instance("handle", "body", body, bytes, "the request body as bytes (b'{}')")
        return _exchange.dispatch(
            self.call,
            target,
            body,
            region=region,
            account=account,
            content_type=content_type,
            method=method,
            path=path,
        )

    def _answer(self, call: Call) -> dict[str, Any]:
        for fault in self._faults:
            try:
                matched = fault.matches(call)
            except UsageError as error:
                self._broken_predicates.append(str(error))
                raise
            if matched:
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                raise self._fault_error(fault, call)
        runtime, events = _runtime_api.emulates(call.operation), _events_api.emulates(call.operation)
        if not self._engine.emulates(call.operation) and not runtime and not events:
            raise ServiceError(
                NOT_EMULATED,
                f"{call.operation} is an Amazon Personalize operation that pytest-personalize does not "
                f"emulate; emulated: {', '.join(routes())}. Use personalize_stubber to answer it.",
                NOT_EMULATED_STATUS,
            )
        problem = _validate.request_problem(call.operation, call.params)
        if problem is not None:
            raise ServiceError(problem.code, problem.message)
        context = _templates.Context(region=call.region, account=call.account, now=self.clock())
        if runtime:
            return self._runtime_api.answer(call.operation, call.params, context)
        if events:
            return self._events_api.answer(call.operation, call.params, context)
        return self._engine.answer(call.operation, call.params, context)

    def _fault_error(self, fault: Fault, call: Call) -> ServiceError:
        common = COMMON_ERRORS.get(fault.code)
        if common is not None:
            return ServiceError(fault.code, fault.message or common.message, common.status)
        context = _templates.Context(region=call.region, account=call.account, now=self.clock())
        message = fault.message or _templates.error_message(fault.code, call.params, context, operation=call.operation)
        return ServiceError(fault.code, message, _templates.error_status(fault.code, call.operation))


def parse_quota(text: str) -> tuple[str, int | None]:
    """``"Filter=20"`` as ``("Filter", 20)``, ``"Solution=none"`` as ``("Solution", None)`` (no cap).

    ValueError names what is wrong: the form, the type (with the types that have a quota), the number.
    """
    kind, equals, value = text.partition("=")
    kind, value = kind.strip(), value.strip()
    if not equals or not kind or not value:
        raise ValueError(f"{text!r} is not TYPE=N (a resource type and a whole number, or none), e.g. Filter=20")
    known = _resources.for_noun(kind)
    if known is None or not known.arn_type or known.aws_owned:
        creatable = ", ".join(k.noun for k in _resources.RESOURCE_TYPES if k.arn_type and not k.aws_owned)
        raise ValueError(f"{text!r}: {kind!r} is not a resource type the emulator creates; choose one of {creatable}")
    if value.lower() == "none":
        return kind, None
    if not value.isdigit():
        raise ValueError(f"{text!r}: {value!r} is not a whole number, 0 or more, or none (no cap)")
    return kind, int(value)


def _check_quota_value(call: str, name: str, value: object) -> None:
    __tracebackhide__ = True
    _arguments.optional_whole(call, name, value, least=0, none="no cap")


def _check_quotas(call: str, quotas: object) -> None:
    __tracebackhide__ = True
    given = _arguments.mapping(call, "quotas", quotas, what="a dict of resource type to quota, such as {'Filter': 3}")
    for noun, value in given.items():
        _kind_named(noun)
        _check_quota_value(call, f"quotas[{noun!r}]", value)


def _lifecycle_argument(call: str, value: object) -> Lifecycle:
    __tracebackhide__ = True
    return _arguments.instance(
        call,
        "lifecycle",
        value,
        Lifecycle,
        "a Lifecycle, such as Lifecycle('instant') (or set_lifecycle('instant') on the backend)",
    )


def _clock_argument(call: str, value: object) -> Callable[[], datetime.datetime]:
    __tracebackhide__ = True
    return _arguments.callable_of(
        call, "clock", value, arguments=0, what="no arguments and returning a timezone-aware datetime"
    )
