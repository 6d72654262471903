"""Dataset-group state and lifecycle, shared by the in-process fake and the loopback server.

A :class:`Backend` keeps dataset groups and their tags per account and region, moves each group
through the service's lifecycle (CREATE PENDING > [CREATE IN_PROGRESS] > ACTIVE or CREATE FAILED;
DELETE PENDING > gone), and answers requests as they arrive on the wire (AWS JSON 1.1): the fake
hands it the body botocore serialized, the server the body a socket delivered. Requests are
checked by :mod:`._validate` and answered with :mod:`._templates`; no rule lives here twice.

Every public method takes one lock, so a backend can serve many threads at once.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import email.utils
import functools
import itertools
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from . import _spec, _templates, _validate
from ._errors import ConformanceError
from ._rules import COMMON_ERRORS, MAX_TAGS_PER_RESOURCE

# The documented quota (Amazon Personalize developer guide, "Endpoints and quotas"):
# "Total number of active dataset groups: 5 (adjustable)" per region.
DEFAULT_DATASET_GROUP_QUOTA = 5


CREATE_PENDING = "CREATE PENDING"
CREATE_IN_PROGRESS = "CREATE IN_PROGRESS"
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
DELETE_PENDING = "DELETE PENDING"
_GONE = ""  # the stage after DELETE PENDING: the group no longer exists
_BUSY = frozenset({CREATE_PENDING, CREATE_IN_PROGRESS, DELETE_PENDING})

ADVANCE_MODES = ("describe", "instant", "clock")

# The code an operation the backend doesn't emulate answers with. Deliberately not a code the
# service uses, so no handler in the code under test catches it by accident; 501 is not retried.
NOT_EMULATED = "NotEmulatedException"
NOT_EMULATED_STATUS = 501


class ServiceError(Exception):
    """An error the backend answers a request with: a code, its message and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = _templates.ERROR_STATUS) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Call:
    """One request the backend received, and the error code it answered with (None on success)."""

    operation: str
    params: Mapping[str, Any]
    region: str
    account: str
    error: str | None = None


@dataclass(frozen=True)
class Lifecycle:
    """How dataset groups move through their statuses.

    ``advance``:
      - ``"describe"`` (default): each DescribeDatasetGroup answers with the current status, and
        after ``describes_per_stage`` of them the group moves on (CREATE PENDING, then ACTIVE).
      - ``"instant"``: a group is ACTIVE (or CREATE FAILED) as soon as it is created, and gone
        as soon as it is deleted.
      - ``"clock"``: each stage lasts ``seconds_per_stage`` on the backend's clock; use
        :meth:`Backend.use_manual_clock` to hold that clock in the test.

    ``in_progress`` adds CREATE IN_PROGRESS between CREATE PENDING and the final status.
    """

    advance: str = "describe"
    in_progress: bool = False
    describes_per_stage: int = 1
    seconds_per_stage: float = 60.0

    def __post_init__(self) -> None:
        if self.advance not in ADVANCE_MODES:
            raise ConformanceError(f"lifecycle advance={self.advance!r} is not one of {', '.join(ADVANCE_MODES)}")
        if self.describes_per_stage < 1:
            raise ConformanceError(f"describes_per_stage must be at least 1, not {self.describes_per_stage}")
        if self.seconds_per_stage < 0:
            raise ConformanceError(f"seconds_per_stage must not be negative, not {self.seconds_per_stage}")


def _utcnow() -> datetime.datetime:
    # Milliseconds, as the service reports them: a value survives the wire round trip unchanged.
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class ManualClock:
    """A clock the test moves by hand: ``clock.advance(seconds=90)``.

    >>> clock = ManualClock(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    >>> clock.advance(seconds=60)
    >>> clock()
    datetime.datetime(2024, 1, 1, 0, 1, tzinfo=datetime.timezone.utc)
    """

    def __init__(self, start: datetime.datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ConformanceError("ManualClock(start=...) needs a timezone-aware datetime (the service speaks UTC)")
        self._now = start or _utcnow()
        self._lock = threading.Lock()

    def __call__(self) -> datetime.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, **timedelta_kwargs: float) -> None:
        """Move the clock forward by ``seconds`` (and any ``datetime.timedelta`` keywords)."""
        delta = datetime.timedelta(seconds=seconds, **timedelta_kwargs)
        if delta < datetime.timedelta(0):
            raise ConformanceError("a ManualClock only moves forward")
        with self._lock:
            self._now += delta


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
    return code in COMMON_ERRORS or (operation in _spec.operation_names() and code in _spec.modeled_errors(operation))


@functools.cache
def _default_page_size() -> int:
    """ListDatasetGroups without maxResults: the model's largest page."""
    request = _spec.operation_model("ListDatasetGroups").input_shape
    assert request is not None  # the model gives ListDatasetGroups a request shape
    return int(request.members["maxResults"].metadata["max"])


@dataclass
class _Group:
    name: str
    arn: str
    params: dict[str, Any]
    created: datetime.datetime
    updated: datetime.datetime
    path: tuple[str, ...]
    seq: int
    failure_reason: str | None = None
    stage: int = 0
    stage_since: datetime.datetime = field(default_factory=_utcnow)
    describes: int = 0

    @property
    def status(self) -> str:
        return self.path[self.stage]

    def enter(self, path: tuple[str, ...], now: datetime.datetime) -> None:
        self.path, self.stage, self.stage_since, self.describes, self.updated = path, 0, now, 0, now

    def step(self, now: datetime.datetime) -> None:
        if self.stage < len(self.path) - 1:
            self.stage += 1
            self.stage_since, self.describes, self.updated = now, 0, now

    def description(self) -> dict[str, Any]:
        failure = self.failure_reason if self.status == CREATE_FAILED else None
        return _templates.dataset_group_description(
            name=self.name,
            arn=self.arn,
            status=self.status,
            created=self.created,
            updated=self.updated,
            params=self.params,
            failure_reason=failure,
        )


@dataclass
class _Region:
    groups: dict[str, _Group] = field(default_factory=dict)  # by ARN, in creation order
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # by ARN
    # ARNs of groups being deleted: only they can reach _GONE, so settling looks at them alone
    # and a call costs the same with a thousand groups as with one.
    deleting: set[str] = field(default_factory=set)


@dataclass
class _PlannedFailure:
    reason: str
    name: str | None


class Backend:
    """Amazon Personalize's dataset groups, kept in memory, per account and region.

    Used directly (``backend.call("CreateDatasetGroup", {"name": "shop"})``), or behind the
    fake and the server, which feed it requests as they arrive on the wire::

        backend = Backend(dataset_group_quota=2)
        backend.set_lifecycle("instant")
        backend.fail_next("CreateDatasetGroup", "LimitExceededException", times=2)

    ``dataset_group_quota`` defaults to the documented quota, 5 active dataset groups per region;
    tags are limited to the documented 50 per resource.
    """

    def __init__(
        self,
        *,
        account: str = _templates.DEFAULT_ACCOUNT,
        dataset_group_quota: int = DEFAULT_DATASET_GROUP_QUOTA,
        lifecycle: Lifecycle | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
    ) -> None:
        if isinstance(dataset_group_quota, bool) or not isinstance(dataset_group_quota, int) or dataset_group_quota < 0:
            raise ConformanceError(
                f"dataset_group_quota must be a whole number, 0 or more, not {dataset_group_quota!r}"
            )
        self.account = account
        self.dataset_group_quota = dataset_group_quota
        self.lifecycle = lifecycle or Lifecycle()
        self.clock: Callable[[], datetime.datetime] = clock or _utcnow
        self._lock = threading.RLock()
        self._regions: dict[tuple[str, str], _Region] = {}
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._failures: list[_PlannedFailure] = []
        self._seq = itertools.count(1)

    # --- configuration ---------------------------------------------------------------------

    def set_lifecycle(
        self,
        advance: str = "describe",
        *,
        in_progress: bool = False,
        describes_per_stage: int = 1,
        seconds_per_stage: float = 60.0,
    ) -> Lifecycle:
        """Choose how groups move through their statuses (see :class:`Lifecycle`)::

        backend.set_lifecycle("instant")                  # ACTIVE at once
        backend.set_lifecycle(in_progress=True)           # PENDING, IN_PROGRESS, ACTIVE
        backend.set_lifecycle(describes_per_stage=3)      # three describes per status
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

    def fail_creation(self, reason: str, *, name: str | None = None) -> None:
        """Make the next dataset group created (named ``name``, or any) end in CREATE FAILED.

        The group passes through the usual creation statuses and then reports ``failureReason``::

            backend.fail_creation("KMS key access denied: the role cannot use the key", name="shop")
        """
        with self._lock:
            self._failures.append(_PlannedFailure(reason, name))

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
        """Forget every group, tag, call, fault and planned failure (configuration stays)."""
        with self._lock:
            self._regions.clear()
            self._calls.clear()
            self._faults.clear()
            self._failures.clear()

    # --- what a test asserts on -------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call received, in order, retries included."""
        with self._lock:
            return list(self._calls)

    def dataset_groups(self, region: str | None = None) -> list[dict[str, Any]]:
        """The dataset groups that exist (in ``region``, or all), as DescribeDatasetGroup shows them.

        Reading them doesn't move their lifecycle on.
        """
        with self._lock:
            found: list[dict[str, Any]] = []
            for (_account, where), bucket in self._regions.items():
                if region is None or where == region:
                    self._settle(bucket)
                    found.extend(group.description() for group in bucket.groups.values())
            return found

    def tags(self, arn: str) -> dict[str, str]:
        """The tags of the resource ``arn`` as a dict (empty when it has none or doesn't exist)."""
        with self._lock:
            for bucket in self._regions.values():
                if arn in bucket.tags:
                    return dict(bucket.tags[arn])
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
    ) -> WireResponse:
        """Answer a request as it arrives on the wire (AWS JSON 1.1) with the bytes to send back."""
        try:
            operation = _operation_from_target(target)
            _check_content_type(content_type)
            params = _parse_body(body)
            result = self.call(operation, params, region=region, account=account)
        except ServiceError as error:
            return WireResponse.error(error)
        return WireResponse.ok(result)

    def _answer(self, call: Call) -> dict[str, Any]:
        for fault in self._faults:
            if fault.matches(call):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                raise self._fault_error(fault, call)
        handler = _HANDLERS.get(call.operation)
        if handler is None:
            raise ServiceError(
                NOT_EMULATED,
                f"{call.operation} is an Amazon Personalize operation that pytest-personalize does not "
                f"emulate; emulated: {', '.join(_HANDLERS)}. Use personalize_stubber to answer it.",
                NOT_EMULATED_STATUS,
            )
        problem = _validate.request_problem(call.operation, call.params)
        if problem is not None:
            raise ServiceError(problem.code, problem.message)
        now = self.clock()
        context = _templates.Context(region=call.region, account=call.account, now=now)
        bucket = self._regions.get((call.account, call.region))
        if bucket is None:
            bucket = self._regions[(call.account, call.region)] = _Region()
        self._settle(bucket)
        return handler(self, bucket, call.params, context)

    def _fault_error(self, fault: Fault, call: Call) -> ServiceError:
        common = COMMON_ERRORS.get(fault.code)
        if common is not None:
            return ServiceError(fault.code, fault.message or common.message, common.status)
        context = _templates.Context(region=call.region, account=call.account, now=self.clock())
        return ServiceError(fault.code, fault.message or _templates.error_message(fault.code, call.params, context))

    # --- lifecycle --------------------------------------------------------------------------

    def _settle(self, bucket: _Region) -> None:
        """Move groups on by the clock (``advance="clock"``); drop the ones whose deletion ended."""
        if self.lifecycle.advance == "clock":
            now = self.clock()
            stage = datetime.timedelta(seconds=self.lifecycle.seconds_per_stage)
            for group in bucket.groups.values():
                while group.stage < len(group.path) - 1 and now - group.stage_since >= stage:
                    group.step(group.stage_since + stage)
        if not bucket.deleting:
            return
        for arn in [arn for arn in bucket.deleting if bucket.groups[arn].status == _GONE]:
            del bucket.groups[arn]
            bucket.tags.pop(arn, None)
            bucket.deleting.discard(arn)

    def _creation_path(self, failed: bool) -> tuple[str, ...]:
        final = CREATE_FAILED if failed else ACTIVE
        if self.lifecycle.advance == "instant":
            return (final,)
        middle = (CREATE_IN_PROGRESS,) if self.lifecycle.in_progress else ()
        return (CREATE_PENDING, *middle, final)

    def _planned_failure(self, name: str) -> str | None:
        for planned in self._failures:
            if planned.name is None or planned.name == name:
                self._failures.remove(planned)
                return planned.reason
        return None

    # --- operations -------------------------------------------------------------------------

    def _create_dataset_group(
        self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        name = str(params["name"])
        arn = _templates.dataset_group_arn(name, context)
        if arn in bucket.groups:
            code = "ResourceAlreadyExistsException"
            raise ServiceError(code, _templates.error_message(code, params, context))
        # Fewer groups than the quota can't fill it: count the live ones only when they might.
        if len(bucket.groups) >= self.dataset_group_quota:
            live = sum(1 for group in bucket.groups.values() if group.status != DELETE_PENDING)
            if live >= self.dataset_group_quota:
                raise ServiceError(
                    "LimitExceededException",
                    f"The account {context.account} has reached its limit of {self.dataset_group_quota} "
                    f"dataset groups in {context.region}.",
                )
        tags = _tag_dict(params.get("tags") or ())
        _check_tag_count(arn, len(tags))
        reason = self._planned_failure(name)
        group = _Group(
            name=name,
            arn=arn,
            params={k: v for k, v in params.items() if k in ("roleArn", "kmsKeyArn", "domain")},
            created=context.now,
            updated=context.now,
            path=self._creation_path(failed=reason is not None),
            seq=next(self._seq),
            failure_reason=reason,
            stage_since=context.now,
        )
        bucket.groups[arn] = group
        if tags:
            bucket.tags[arn] = tags
        return _templates.success_response("CreateDatasetGroup", params, context)

    def _describe_dataset_group(
        self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        group = _find(bucket, params, context)
        response = {"datasetGroup": group.description()}
        if self.lifecycle.advance == "describe":
            group.describes += 1
            if group.describes >= self.lifecycle.describes_per_stage:
                group.step(context.now)
                self._settle(bucket)
        return response

    def _list_dataset_groups(
        self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        after = _decode_token(params["nextToken"]) if params.get("nextToken") is not None else 0
        size = int(params.get("maxResults") or _default_page_size())
        remaining = [group for group in bucket.groups.values() if group.seq > after]
        page = remaining[:size]
        response: dict[str, Any] = {"datasetGroups": [_templates.dataset_group_summary(g.description()) for g in page]}
        if len(remaining) > size:
            response["nextToken"] = _encode_token(page[-1].seq)
        return response

    def _delete_dataset_group(
        self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        group = _find(bucket, params, context)
        if group.status in _BUSY:
            doing = "being deleted" if group.status == DELETE_PENDING else "still being created"
            raise ServiceError(
                "ResourceInUseException",
                f"The dataset group {group.arn} is {doing} (status {group.status}); "
                "it can be deleted once it is ACTIVE or CREATE FAILED.",
            )
        group.enter((DELETE_PENDING, _GONE), context.now)
        bucket.deleting.add(group.arn)
        if self.lifecycle.advance == "instant":
            group.step(context.now)
            self._settle(bucket)
        return {}

    def _tag_resource(self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context) -> dict[str, Any]:
        group = _find_taggable(bucket, params, context)
        tags = {**bucket.tags.get(group.arn, {}), **_tag_dict(params["tags"])}
        _check_tag_count(group.arn, len(tags))
        bucket.tags[group.arn] = tags
        return {}

    def _untag_resource(
        self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        group = _find_taggable(bucket, params, context)
        tags = bucket.tags.get(group.arn, {})
        for key in params["tagKeys"]:
            tags.pop(key, None)
        return {}

    def _list_tags_for_resource(
        self, bucket: _Region, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        group = _find_taggable(bucket, params, context)
        tags = bucket.tags.get(group.arn, {})
        return {"tags": [{"tagKey": key, "tagValue": value} for key, value in tags.items()]}


_Handler = Callable[[Backend, _Region, Mapping[str, Any], _templates.Context], dict[str, Any]]
_HANDLERS: dict[str, _Handler] = {
    "CreateDatasetGroup": Backend._create_dataset_group,
    "DescribeDatasetGroup": Backend._describe_dataset_group,
    "ListDatasetGroups": Backend._list_dataset_groups,
    "DeleteDatasetGroup": Backend._delete_dataset_group,
    "TagResource": Backend._tag_resource,
    "UntagResource": Backend._untag_resource,
    "ListTagsForResource": Backend._list_tags_for_resource,
}
EMULATED_OPERATIONS = tuple(_HANDLERS)


def _find(bucket: _Region, params: Mapping[str, Any], context: _templates.Context) -> _Group:
    arn = params.get("datasetGroupArn") or params.get("resourceArn")
    group = bucket.groups.get(str(arn))
    if group is None:
        code = "ResourceNotFoundException"
        raise ServiceError(code, _templates.error_message(code, params, context))
    return group


def _find_taggable(bucket: _Region, params: Mapping[str, Any], context: _templates.Context) -> _Group:
    group = _find(bucket, params, context)
    if group.status == DELETE_PENDING:
        raise ServiceError("ResourceInUseException", f"The dataset group {group.arn} is being deleted.")
    return group


def _tag_dict(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {str(tag["tagKey"]): str(tag["tagValue"]) for tag in tags}


def _check_tag_count(arn: str, count: int) -> None:
    if count > MAX_TAGS_PER_RESOURCE:
        raise ServiceError(
            "TooManyTagsException",
            f"The resource {arn} would have {count} tags; a resource can have at most {MAX_TAGS_PER_RESOURCE}.",
        )


# Page tokens are opaque to the caller: a version and the sequence number of the last group
# returned, so a page boundary stays put when groups before it are deleted.
_TOKEN = re.compile(r"v1:(\d+)")


def _encode_token(after: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{after}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        match = _TOKEN.fullmatch(base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii"))
    except (binascii.Error, UnicodeError, ValueError):
        match = None
    if match is None:
        raise ServiceError("InvalidNextTokenException", f"The next token {token!r} is invalid.")
    return int(match.group(1))


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
    def _make(cls, status: int, document: Any) -> WireResponse:
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        headers = {
            "x-amzn-RequestId": _templates.request_id(),
            "Content-Type": _templates.JSON_CONTENT_TYPE,
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


def _check_content_type(content_type: str | None) -> None:
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in _ACCEPTED_CONTENT_TYPES:
        raise ServiceError(
            "SerializationException",
            f"Unsupported Content-Type {content_type!r}: expected {_templates.JSON_CONTENT_TYPE}.",
        )


def _parse_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ServiceError("SerializationException", f"The request body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ServiceError(
            "SerializationException", f"The request body must be a JSON object, not {type(document).__name__}."
        )
    return document


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
