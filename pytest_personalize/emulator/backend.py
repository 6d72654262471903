"""The emulated control plane's state, shared by the in-process fake and the loopback server.

A :class:`Backend` keeps every Personalize resource and its tags per account and region
(:mod:`pytest_personalize.emulator.store`), answers each control-plane operation through one engine derived from the
service model (:mod:`pytest_personalize.emulator.engine`), moves resources through their statuses (:mod:`pytest_personalize.emulator.lifecycle`),
injects faults, and takes requests as they arrive on the wire (AWS JSON 1.1): the fake hands it
the body botocore serialized, the server the body a socket delivered. Requests are checked by
:mod:`pytest_personalize.model.validate` and answers are built from the model; no rule lives here twice.

Every public method takes one lock, so a backend can serve many threads at once.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import data_plane as _data_plane_model
from ..model import resources as _resources
from ..model import spec as _spec
from ..model import templates as _templates
from ..model import validate as _validate
from ..model.errors import ConformanceError, ServiceError
from ..model.rules import COMMON_ERRORS, MAX_TAGS_PER_RESOURCE
from . import data_plane as _data_plane
from .engine import Engine, routes
from .import_data import ImportSource
from .lifecycle import ADVANCE_MODES, GONE, Lifecycle, ManualClock, utcnow

__all__ = [
    "ADVANCE_MODES",
    "COMMON_ERRORS",
    "DEFAULT_DATASET_GROUP_QUOTA",
    "GONE",
    "MAX_TAGS_PER_RESOURCE",
    "NOT_EMULATED",
    "Backend",
    "Call",
    "Fault",
    "Lifecycle",
    "ManualClock",
    "ServiceError",
    "WireResponse",
    "identity_from_authorization",
]

# The documented quota (Amazon Personalize developer guide, "Endpoints and quotas"):
# "Total number of active dataset groups: 5 (adjustable)" per region.
DEFAULT_DATASET_GROUP_QUOTA = _resources.DEFAULT_QUOTAS["DatasetGroup"]

# The code an operation the backend doesn't emulate answers with. Deliberately not a code the
# service uses, so no handler in the code under test catches it by accident; 501 is not retried.
NOT_EMULATED = "NotEmulatedException"
NOT_EMULATED_STATUS = 501


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
        return self.predicate is None or bool(self.predicate(call))

    def describe(self) -> str:
        what = self.operation or "matching calls"
        if self.predicate is not None:
            what += f" where {getattr(self.predicate, '__name__', repr(self.predicate))}"
        left = "" if self.remaining is None else f", {self.remaining} of {self.remaining + self.hits} still to fire"
        return f"{what} -> {self.code}{left}"


def _can_answer(operation: str, code: str) -> bool:
    return code in COMMON_ERRORS or (_spec.is_operation(operation) and code in _spec.modeled_errors(operation))


@dataclass
class _PlannedFailure:
    reason: str
    name: str | None
    kind: str | None


def _kind_named(noun: str) -> _resources.ResourceType:
    __tracebackhide__ = True
    kind = _resources.for_noun(noun)
    if kind is None or not kind.arn_type or kind.aws_owned:
        known = ", ".join(k.noun for k in _resources.RESOURCE_TYPES if k.arn_type and not k.aws_owned)
        raise ConformanceError(f"{noun!r} is not a resource type the emulator creates; choose one of {known}")
    return kind


class Backend(_data_plane.DataPlaneAPI):
    """Amazon Personalize's control plane, kept in memory, per account and region.

    Used directly (``backend.call("CreateDatasetGroup", {"name": "shop"})``), or behind the
    fake and the server, which feed it requests as they arrive on the wire::

        backend = Backend(dataset_group_quota=2, quotas={"Filter": 3})
        backend.set_lifecycle("instant")
        backend.fail_next("CreateDatasetGroup", "LimitExceededException", times=2)

    ``dataset_group_quota`` defaults to the documented quota, 5 active dataset groups per region;
    ``quotas`` caps other resource types per region (by type: ``"Solution"``, ``"Filter"``, ...);
    tags are limited to the documented 50 per resource.

    The runtime and events APIs are answered too, from results the test declares
    (:meth:`declare`, :meth:`deploy_campaign`) and the records it sends (:meth:`events`, :meth:`items`).
    """

    def __init__(
        self,
        *,
        account: str = _templates.DEFAULT_ACCOUNT,
        dataset_group_quota: int = DEFAULT_DATASET_GROUP_QUOTA,
        quotas: Mapping[str, int] | None = None,
        lifecycle: Lifecycle | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
    ) -> None:
        _check_quota_value("dataset_group_quota", dataset_group_quota)
        for noun, value in (quotas or {}).items():
            _kind_named(noun)
            _check_quota_value(f"quotas[{noun!r}]", value)
        self.account = account
        self.dataset_group_quota = dataset_group_quota
        self.quotas: dict[str, int] = dict(quotas or {})
        self.lifecycle = lifecycle or Lifecycle()
        self.clock: Callable[[], datetime.datetime] = clock or utcnow
        self._lock = threading.RLock()
        self._engine = Engine(self)
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._failures: list[_PlannedFailure] = []
        self._data_plane = _data_plane.State()

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
        with self._lock:
            self.lifecycle = Lifecycle(advance, in_progress, describes_per_stage, seconds_per_stage)
            return self.lifecycle

    def use_manual_clock(
        self, start: datetime.datetime | None = None, *, seconds_per_stage: float | None = None
    ) -> ManualClock:
        """Drive the lifecycle and the timestamps with a clock the test moves::

        clock = backend.use_manual_clock(seconds_per_stage=30)
        ...create...
        clock.advance(seconds=30)   # CREATE PENDING -> ACTIVE
        """
        with self._lock:
            clock = ManualClock(start)
            self.clock = clock
            changes: dict[str, Any] = {"advance": "clock"}
            if seconds_per_stage is not None:
                changes["seconds_per_stage"] = seconds_per_stage
            self.lifecycle = dataclasses.replace(self.lifecycle, **changes)
            return clock

    def fail_creation(self, reason: str, *, name: str | None = None, kind: str | None = None) -> None:
        """Make the next resource created (named ``name``, of type ``kind``, or any) end in CREATE FAILED.

        It passes through the usual creation statuses and then reports ``failureReason``
        (jobs of data deletion end in FAILED)::

            backend.fail_creation("KMS key access denied: the role cannot use the key", name="shop")
            backend.fail_creation("Insufficient data: at least 1000 interactions", kind="SolutionVersion")
        """
        __tracebackhide__ = True
        if kind is not None:
            _kind_named(kind)
        with self._lock:
            self._failures.append(_PlannedFailure(reason, name, kind))

    def set_quota(self, kind: str, limit: int | None) -> None:
        """Cap the resources of type ``kind`` per account and region (None: no cap)::

        backend.set_quota("Filter", 10)        # the 11th CreateFilter is LimitExceededException
        backend.set_quota("DatasetGroup", 1)   # the same as dataset_group_quota = 1
        """
        __tracebackhide__ = True
        _kind_named(kind)
        if limit is not None:
            _check_quota_value(f"set_quota({kind!r}, ...)", limit)
        with self._lock:
            if kind == "DatasetGroup":
                self.dataset_group_quota = DEFAULT_DATASET_GROUP_QUOTA if limit is None else limit
            elif limit is None:
                self.quotas.pop(kind, None)
            else:
                self.quotas[kind] = limit

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
        if times < 1:
            raise ConformanceError(f"fail_next({name!r}, {code!r}, times={times}): times must be at least 1")
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
        """
        __tracebackhide__ = True
        name = _spec.operation_name(operation) if operation is not None else None
        _templates.check_error_code(name, code)
        fault = Fault(code, message, operation=name, predicate=predicate, remaining=times)
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
            self._data_plane = _data_plane.State()

    # --- what the engine asks ----------------------------------------------------------------

    def quota(self, noun: str) -> int | None:
        """How many resources of type ``noun`` a region may hold (None: no limit is emulated)."""
        if noun == "DatasetGroup":
            return self.dataset_group_quota
        return self.quotas.get(noun)

    def planned_failure(self, kind: _resources.ResourceType, name: str | None) -> str | None:
        for planned in self._failures:
            if (planned.name is None or planned.name == name) and (planned.kind is None or planned.kind == kind.noun):
                self._failures.remove(planned)
                return planned.reason
        return None

    def import_problem(self, source: ImportSource) -> str | None:
        """Why a dataset import job's data won't import: None here; the in-process fake reads moto's S3."""
        return None

    # --- what a test asserts on -------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call received, in order, retries included."""
        with self._lock:
            return list(self._calls)

    def resources(self, kind: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
        """The resources that exist (of type ``kind`` such as ``"Dataset"``, in ``region``; or all),
        as their Describe shows them, oldest first. Reading them doesn't move their lifecycle on.
        """
        __tracebackhide__ = True
        if kind is not None:
            _kind_named(kind)
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
        """The dataset groups that exist (in ``region``, or all), as DescribeDatasetGroup shows them.

        Reading them doesn't move their lifecycle on.
        """
        return self.resources("DatasetGroup", region)

    def tags(self, arn: str) -> dict[str, str]:
        """The tags of the resource ``arn`` as a dict (empty when it has none or doesn't exist)."""
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

    def pending_report(self) -> str | None:
        """Why a test that armed faults it never triggered should fail, or None."""
        pending = self.pending_faults
        if not pending:
            return None
        lines = "\n".join(f"  - {fault.describe()}" for fault in pending)
        return f"{len(pending)} injected Personalize {'fault was' if len(pending) == 1 else 'faults were'} never triggered:\n{lines}"

    # --- requests ---------------------------------------------------------------------------

    def call(
        self,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        region: str = _templates.DEFAULT_REGION,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Answer one request: the response (datetimes, no ResponseMetadata), or raise ServiceError."""
        __tracebackhide__ = True
        operation = _spec.operation_name(operation)
        params = dict(params or {})
        account = account or self.account
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
        region: str = _templates.DEFAULT_REGION,
        account: str | None = None,
        content_type: str | None = None,
        method: str = "POST",
        path: str | None = None,
    ) -> WireResponse:
        """Answer a request as it arrives on the wire with the bytes to send back.

        AWS JSON 1.1 (the control plane) names the operation in ``X-Amz-Target``; a request
        without one is REST-JSON (runtime, events), and ``method`` and ``path`` name it.
        """
        rest = _data_plane_model.rest_operation(method, path) if not target and path is not None else None
        if rest is not None:
            return self._handle_rest(rest, body, region=region, account=account, content_type=content_type)
        try:
            _check_region(region)
            operation = _operation_from_target(target)
            _check_content_type(content_type)
            params = _parse_body(body)
            result = self.call(operation, params, region=region, account=account)
        except ServiceError as error:
            return WireResponse.error(error)
        return WireResponse.ok(result)

    def _handle_rest(
        self, operation: str, body: bytes, *, region: str, account: str | None, content_type: str | None
    ) -> WireResponse:
        try:
            _check_region(region)
            _check_content_type(content_type, _REST_CONTENT_TYPES)
            params = _parse_body(body)
            result = self.call(operation, params, region=region, account=account)
        except ServiceError as error:
            return WireResponse.rest_error(error)
        return WireResponse.rest_ok(result)

    def _answer(self, call: Call) -> dict[str, Any]:
        for fault in self._faults:
            if fault.matches(call):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                raise self._fault_error(fault, call)
        if not self._engine.emulates(call.operation) and not _data_plane.emulates(call.operation):
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
        if _data_plane.emulates(call.operation):
            return _data_plane.answer(self._data_plane, self._engine, call.operation, call.params, context)
        return self._engine.answer(call.operation, call.params, context)

    def _fault_error(self, fault: Fault, call: Call) -> ServiceError:
        common = COMMON_ERRORS.get(fault.code)
        if common is not None:
            return ServiceError(fault.code, fault.message or common.message, common.status)
        context = _templates.Context(region=call.region, account=call.account, now=self.clock())
        message = fault.message or _templates.error_message(fault.code, call.params, context, operation=call.operation)
        return ServiceError(fault.code, message, _templates.error_status(fault.code, call.operation))


def _check_quota_value(what: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConformanceError(f"{what} must be a whole number, 0 or more, not {value!r}")


# --- the wire: AWS JSON 1.1 -------------------------------------------------------------------


@dataclass(frozen=True)
class WireResponse:
    """An answer as bytes on the wire: status, headers and a compact JSON body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def ok(cls, result: Mapping[str, Any]) -> WireResponse:
        return cls._make(200, _to_wire(result))

    @classmethod
    def error(cls, error: ServiceError) -> WireResponse:
        return cls._make(error.status, _templates.error_body(error.code, error.message))

    @classmethod
    def rest_ok(cls, result: Mapping[str, Any]) -> WireResponse:
        """A REST-JSON success: the events API's carries no body at all."""
        # Runtime answers hold strings, numbers, lists and dicts only (no timestamps, no None):
        # they go out as they are, without _to_wire's walk.
        return cls._make(200, result or None, content_type=_data_plane_model.REST_JSON_CONTENT_TYPE)

    @classmethod
    def rest_error(cls, error: ServiceError) -> WireResponse:
        """A REST-JSON error: the code in ``x-amzn-ErrorType``, the message in the body."""
        response = cls._make(
            error.status,
            _data_plane_model.rest_error_body(error.message),
            content_type=_data_plane_model.REST_JSON_CONTENT_TYPE,
        )
        return cls(
            response.status, {**response.headers, _data_plane_model.ERROR_TYPE_HEADER: error.code}, response.body
        )

    @classmethod
    def _make(cls, status: int, document: Any, content_type: str = _templates.JSON_CONTENT_TYPE) -> WireResponse:
        body = b"" if document is None else json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "x-amzn-RequestId": _templates.request_id(),
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "Date": _http_date_now(),
        }
        return cls(status, headers, body)


_date_header: tuple[int, str] = (0, "")


def _http_date_now() -> str:
    """The ``Date`` header for now: formatted once a second, not once a response."""
    global _date_header
    second = int(time.time())
    if _date_header[0] != second:
        _date_header = (second, email.utils.formatdate(second, usegmt=True))
    return _date_header[1]


def _to_wire(value: Any) -> Any:
    # Timestamps travel as epoch seconds (a JSON number with milliseconds), as the service sends them.
    if type(value) is str:  # most values: skip the isinstance checks (Mapping's is an ABC's)
        return value
    if isinstance(value, datetime.datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, Mapping):
        return {key: _to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_to_wire(item) for item in value]
    return value


def _operation_from_target(target: str | None) -> str:
    if not target:
        raise ServiceError(
            "UnknownOperationException", "Missing X-Amz-Target header: expected AmazonPersonalize.<Operation>."
        )
    prefix, _, operation = target.partition(".")
    if prefix + "." != _spec.target_prefix() or operation not in _spec.operation_names():
        raise ServiceError(
            "UnknownOperationException", f"Unknown operation {target!r}: expected AmazonPersonalize.<Operation>."
        )
    return operation


_ACCEPTED_CONTENT_TYPES = ("application/x-amz-json-1.1", "application/x-amz-json-1.0")
_REST_CONTENT_TYPES = (_data_plane_model.REST_JSON_CONTENT_TYPE,)


def _check_content_type(content_type: str | None, accepted: tuple[str, ...] = _ACCEPTED_CONTENT_TYPES) -> None:
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in accepted:
        raise ServiceError(
            "SerializationException",
            f"Unsupported Content-Type {content_type!r}: expected {accepted[0]}.",
        )


def _parse_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ServiceError("SerializationException", f"The request body is not valid JSON: {error}") from None
    except RecursionError:
        raise ServiceError(
            "SerializationException", "The request body nests JSON arrays or objects too deeply to read."
        ) from None
    if not isinstance(document, dict):
        raise ServiceError(
            "SerializationException", f"The request body must be a JSON object, not {type(document).__name__}."
        )
    if _SURROGATE_ESCAPE.search(body):
        _refuse_lone_surrogates(document)
    return document


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON has no such values, and the service's parser refuses them.
    raise ServiceError("SerializationException", f"The request body is not valid JSON: {name} is not a JSON value.")


# A \uD800-\uDFFF escape: only then can a decoded string hold a surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(document: Any) -> None:
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ServiceError(
                    "SerializationException",
                    "The request body is not valid JSON: a string holds an unpaired UTF-16 surrogate escape "
                    "(\\uD800-\\uDFFF without its pair), which is not a Unicode character.",
                ) from None


def _check_region(region: str) -> None:
    # AWS answers a SigV4 scope naming no region with this error and text; an unchecked scope
    # would otherwise land in every ARN the request creates.
    if not _spec.is_region_name(region):
        raise ServiceError(
            "InvalidSignatureException", f"Credential should be scoped to a valid region, not '{region}'. ", 403
        )


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/")
_ACCOUNT_KEY = re.compile(r"\d{12}")


def identity_from_authorization(
    authorization: str | None, default_region: str = _templates.DEFAULT_REGION
) -> tuple[str, str | None]:
    """The region and account a SigV4-signed request speaks for.

    The region is the one in the credential scope. An access key id of 12 digits names the
    account (as moto does), so a test can keep accounts apart; any other key means the default.
    """
    match = _CREDENTIAL.search(authorization or "")
    if match is None:
        return default_region, None
    key, region = match.groups()
    return region, key if _ACCOUNT_KEY.fullmatch(key) else None
