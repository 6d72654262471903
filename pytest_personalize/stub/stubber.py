"""The Stubber mode: queued answers for a Personalize client, and every request checked.

Built on botocore's public events, not on its ``Stubber``: ``before-parameter-build`` sees the
request the code under test sends, ``before-call`` answers it, through one pair of handlers per
client (:mod:`.dispatch`). A request the service would refuse
is answered as the service would answer it (InvalidInputException, or TooManyTagsException for
too many tags), so the code's own error handling runs; the queued answer stays unused, and the
teardown check says why. Errors travel as bytes through botocore's own response parser, so a
stubbed error is the ``ClientError`` real traffic gives.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pprint import pformat
from typing import TYPE_CHECKING, Any

from .. import _answering
from .._findings import Finding, Kind
from .._guard import stubber_guard
from ..model import arguments as _arguments
from ..model import rules as _rules
from ..model import spec as _spec
from ..model import templates as _templates
from ..model import validate as _validate
from ..model.errors import ConformanceError, ServiceError, UsageError
from ..wire import responses as _responses
from . import dispatch as _dispatch

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.client import BaseClient
    from botocore.model import OperationModel


@dataclass(frozen=True)
class QueuedCall:
    """A response or error waiting in the stubber's queue.

    ``refused`` holds the service's error when a request meant for this answer was refused
    instead: the answer stays queued, and the teardown report quotes the refusal.
    """

    operation: str
    outcome: str
    expected_params: Mapping[str, Any] | None
    refused: str | None = None

    def describe(self) -> str:
        params = "any parameters" if self.expected_params is None else f"expected_params={dict(self.expected_params)!r}"
        line = f"{self.operation} -> {self.outcome} ({params})"
        if self.refused is not None:
            line += f"\n    not used: the service refuses the request the code sent: {self.refused}"
        return line


@dataclass
class _Entry:
    call: QueuedCall
    answer: Callable[[Mapping[str, Any]], Any]


class _StubQueue:
    """The queue, the request checks and the answers shared by both stubber call shapes."""

    def __init__(self, client: BaseClient, context: _templates.Context | None = None) -> None:
        __tracebackhide__ = True
        meta = getattr(client, "meta", None)
        if getattr(meta, "service_model", None) is None:
            raise _arguments.problem(
                type(self).__name__, "client", client, "a botocore client, such as boto3.client('personalize')"
            )
        service = client.meta.service_model.service_name
        if service not in _spec.SERVICE_NAMES:
            raise UsageError(
                f"{type(self).__name__} answers a Personalize client ({', '.join(_spec.SERVICE_NAMES)}), "
                f"not a {service!r} client"
            )
        self.client = client
        self.service = service
        self.context = context or _templates.Context(region=client.meta.region_name)
        self._handler_id = f"pytest-personalize-stubber-{id(self)}"
        self._queue: deque[_Entry] = deque()
        self._blank: dict[str, dict[str, Any]] = {}
        # (operation, error code or None) of every answer given, for the error-path coverage report.
        self.answered: list[tuple[str, str | None]] = []
        # Stops any other client's Personalize request at the send while the stubber is active.
        self._guard = stubber_guard(service)

    # --- what a test asserts on -------------------------------------------------------------

    @property
    def pending(self) -> list[QueuedCall]:
        """The queued answers no call has used yet, oldest first."""
        return [entry.call for entry in self._queue]

    def pending_report(self) -> str | None:
        """What :meth:`assert_no_pending_responses` would say, or None when nothing is pending."""
        if not self._queue:
            return None
        count = len(self._queue)
        lines = "\n".join(f"  - {entry.call.describe()}" for entry in self._queue)
        return f"{count} queued Personalize {'answer was' if count == 1 else 'answers were'} never used:\n{lines}"

    def assert_no_pending_responses(self) -> None:
        """Fail, listing them, if any queued answer was never used."""
        __tracebackhide__ = True
        report = self.pending_report()
        if report is not None:
            raise AssertionError(report)

    # --- activation -------------------------------------------------------------------------

    def activate(self) -> None:
        """Answer the client's calls from the queue, in order."""
        _dispatch.add(self.client, self)
        _answering.register(_answering.Answerer("stubber", self, refuse=self._guard.refuse))

    def deactivate(self) -> None:
        _answering.unregister(self)
        _dispatch.remove(self.client, self)

    def _enter(self) -> None:
        self.activate()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.deactivate()

    # --- queueing ---------------------------------------------------------------------------

    def _queue_answer(
        self, operation: str, outcome: str, expected_params: Mapping[str, Any] | None, answer: Callable[..., Any]
    ) -> None:
        self._queue.append(_Entry(QueuedCall(operation, outcome, expected_params), answer))

    def _success(self, operation: str, response: Mapping[str, Any]) -> Any:
        from botocore.awsrequest import AWSResponse

        parsed = _copy(response)
        parsed["ResponseMetadata"] = _templates.response_metadata(
            self.context, content_type=_templates.content_type(operation)
        )
        return AWSResponse(None, 200, {}, None), parsed  # type: ignore[arg-type]

    def _error(self, operation: str, code: str, message: str) -> Any:
        return parsed_error(_spec.operation_model(operation), code, message, self.context)

    def _operation(self, operation: str) -> str:
        """The model's name of an operation of this client's API (a ConformanceError otherwise)."""
        __tracebackhide__ = True
        return _spec.operation_name(operation, self.service)

    # --- the client's side ------------------------------------------------------------------

    def _check_request(self, params: dict[str, Any], model: OperationModel, context: dict[str, Any], **_: Any) -> None:
        if context.get("is_presign_request"):
            return
        # The service refuses a request before anything else happens, queued answer or not.
        problem = _validate.request_problem(model.name, params)
        entry = self._queued(model.name) if problem is not None else self._head(model.name)
        if entry is None and (problem is None or _fake_is_active()):
            return  # nothing queued for it, and a fake answers the rest
        if problem is None and entry is not None:
            _assert_expected_params(model.name, entry.call.expected_params, params)
        context[self._handler_id] = (params, problem, entry)

    def _answer_call(self, model: OperationModel, context: dict[str, Any], **_: Any) -> Any:
        checked = context.pop(self._handler_id, None)
        if checked is None:
            return None
        params, problem, entry = checked
        if problem is not None:
            if entry is not None:
                entry.call = dataclasses.replace(entry.call, refused=f"{problem.code}: {problem.message}")
            self.answered.append((model.name, problem.code))
            return self._error(model.name, problem.code, problem.message)
        self._queue.remove(entry)
        answer = entry.answer(params)
        status = answer[1]["ResponseMetadata"]["HTTPStatusCode"]
        self.answered.append((model.name, None if status < 300 else answer[1]["Error"]["Code"]))
        return answer

    def _queued(self, operation: str) -> _Entry | None:
        """The answer queued for this call, if any (the next one; on top of a fake, the operation's next)."""
        if self._queue and self._queue[0].call.operation == operation:
            return self._queue[0]
        if _fake_is_active():
            return next((entry for entry in self._queue if entry.call.operation == operation), None)
        return None

    def _head(self, operation: str) -> _Entry | None:
        """The queued answer for this call; None when a fake is active and nothing is queued for it.

        Alone, the queue is strict: the next answer must be for this operation. On top of a
        fake, each operation takes its own answers in order, and the fake answers the rest.
        """
        entry = self._queued(operation)
        if entry is not None or _fake_is_active():
            return entry
        from botocore.exceptions import StubResponseError, UnStubbedResponseError

        if not self._queue:
            raise UnStubbedResponseError(
                operation_name=operation,
                reason="Unexpected API Call: a call was made but no answer is queued for it. Queue one with "
                f"add_response({operation!r}) or add_error({operation!r}, code), once per call.",
            )
        head = self._queue[0]
        if head.call.operation != operation:
            raise StubResponseError(
                operation_name=operation,
                reason=f"Operation mismatch: the next queued answer is for {head.call.operation}.",
            )
        return head

    # --- what the plugin checks at teardown ---------------------------------------------------

    @property
    def refused(self) -> list[str]:
        """Why each Personalize request of another client was stopped while the stubber was active."""
        return self._guard.refused

    def findings(self) -> list[Finding]:
        """What a test must not pass with: the queued answers it never used (:meth:`pending_report`),
        and the requests of other clients it stopped (:class:`~pytest_personalize.UnattachedClientError`)."""
        report = self.pending_report()
        return [*self._guard.findings(), *([] if report is None else [Finding(report, Kind.UNUSED)])]


class PersonalizeStubber(_StubQueue):
    """Queued answers for a Personalize client, built from the model, and every request checked.

    Every response is built from the service model and checked against it *when it is queued*,
    so a stub the service could never send fails on the line that wrote it::

        def test_create(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group")
            response = personalize_client.create_dataset_group(name="shop")
            assert response["datasetGroupArn"].endswith(":dataset-group/shop")

    The request the code sends is checked too, ``expected_params`` or not: one the service would
    refuse gets the service's error instead of the queued answer, and the teardown check (of the
    ``personalize_stubber`` fixture) reports the answer as unused, quoting the error.
    """

    def add_response(
        self, operation: str, expected_params: Mapping[str, Any] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """Queue the conformant success response to ``operation``, and return it.

        The response is built from the request the code sends (the name in the ARN, the parent,
        the domain); what is returned here is built from ``expected_params``. Each keyword in
        ``overrides`` replaces a member of the response (``None`` removes it)::

            stubber.add_response("CreateDatasetGroup", {"name": "shop", "domain": "ECOMMERCE"})
            stubber.add_response("describe_dataset_group", datasetGroup={...})

        Raises :class:`ConformanceError` if ``expected_params`` would be refused by the service,
        or an override breaks a constraint of the model or a rule of the service (a status the
        resource never reports, an ARN of the wrong form or not the one the request names).
        """
        __tracebackhide__ = True
        name = self._operation(operation)
        _check_expected_params(name, expected_params)
        known = _known_params(expected_params)
        response = self._build(name, known, overrides, rule_params=expected_params)

        def answer(params: Mapping[str, Any]) -> Any:
            __tracebackhide__ = True
            built = response if params == known else self._build(name, params, overrides, rule_params=params)
            return self._success(name, built)

        self._queue_answer(name, "response", expected_params, answer)
        copied: dict[str, Any] = _copy(response)
        return copied

    def add_error(
        self,
        operation: str,
        code: str,
        message: str | None = None,
        expected_params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue an error ``operation`` can answer with, as the client would receive it.

        ``code`` is one the model declares for the operation, or a common error any AWS JSON
        operation may send (:func:`pytest_personalize.common_errors`: AccessDeniedException,
        ThrottlingException, ServiceUnavailable, ...). The client raises the modeled class
        (``client.exceptions.<code>``), or ``ClientError`` for a common error, with the HTTP
        status the error really carries::

            stubber.add_error("create_dataset_group", "ResourceAlreadyExistsException")

        ``message`` defaults to what the service says for that error, naming what the request
        named. Any other code raises :class:`ConformanceError` listing the ones allowed.
        """
        __tracebackhide__ = True
        name = self._operation(operation)
        _templates.check_error_code(name, code)
        _check_expected_params(name, expected_params)
        if message is not None and not isinstance(message, str):
            raise UsageError(f"add_error({name!r}, {code!r}): message must be a string, not {type(message).__name__}")

        def answer(params: Mapping[str, Any]) -> Any:
            text = (
                message if message is not None else _templates.error_message(code, params, self.context, operation=name)
            )
            return self._error(name, code, text)

        self._queue_answer(name, code, expected_params, answer)
        shown = (
            message
            if message is not None
            else _templates.error_message(code, _known_params(expected_params), self.context, operation=name)
        )
        return self._error(name, code, shown)[1]  # type: ignore[no-any-return]

    def __enter__(self) -> PersonalizeStubber:
        self._enter()
        return self

    def _build(
        self,
        operation: str,
        params: Mapping[str, Any],
        overrides: Mapping[str, Any],
        *,
        rule_params: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The response to ``params`` with ``overrides``, checked against the rules that answer
        ``rule_params`` (the request as the test wrote it, ``ANY`` and all; None: unknown)."""
        __tracebackhide__ = True
        if not overrides and not params:
            # The template for no parameters is the same every time (the context holds the moment).
            blank = self._blank.get(operation)
            if blank is None:
                blank = self._blank[operation] = _templates.template(operation, params, self.context)
            return blank
        response = _templates.template(operation, params, self.context)
        if not overrides:
            return response  # a template conforms by construction (the suite checks every one)
        for key, value in overrides.items():
            if value is None:
                response.pop(key, None)
            else:
                response[key] = value
        changed = {key: value for key, value in overrides.items() if value is not None}
        violations = _validate.response_violations(operation, changed, partial=True) if changed else []
        problems = [v.explain() for v in violations] or [
            p.explain() for p in _rules.response_problems(operation, response, rule_params, region=self.context.region)
        ]
        if problems:
            raise ConformanceError(
                f"add_response({operation!r}): the service never sends this response: " + "; ".join(problems)
            )
        return response


class Stubber(_StubQueue):
    """botocore's ``Stubber``, call for call, with every check pytest-personalize makes.

    Moving a test from botocore's stubber is one import::

        from pytest_personalize import Stubber   # was: from botocore.stub import Stubber

        with Stubber(client) as stubber:
            stubber.add_response("create_dataset_group", {"datasetGroupArn": arn}, {"name": "shop"})
            stubber.add_client_error("create_dataset_group", "LimitExceededException")

    The response is checked against the whole model and the service's rules (botocore checks
    types and required members only), ``expected_params`` must be a request the service accepts,
    an error code must be one the operation can answer with and carry its real HTTP status, and
    the request the code sends is checked as :class:`PersonalizeStubber` checks it.
    """

    def add_response(
        self, method: str, service_response: Mapping[str, Any], expected_params: Mapping[str, Any] | None = None
    ) -> None:
        """Queue ``service_response`` for the next call of ``method`` (botocore's signature)."""
        __tracebackhide__ = True
        name = self._operation(method)
        _check_expected_params(name, expected_params)
        if not isinstance(service_response, Mapping):
            raise UsageError(
                f"add_response({name!r}): service_response must be a dict, not {type(service_response).__name__}"
            )
        if service_response.get("ResponseMetadata") is not None:
            _arguments.mapping(
                "add_response", "service_response['ResponseMetadata']", service_response["ResponseMetadata"]
            )
        body = {key: value for key, value in service_response.items() if key != "ResponseMetadata"}
        problems = [v.explain() for v in _validate.response_violations(name, body)] or [
            p.explain() for p in _rules.response_problems(name, body, expected_params, region=self.context.region)
        ]
        if problems:
            raise ConformanceError(
                f"add_response({name!r}): the service never sends this response: " + "; ".join(problems)
            )

        def answer(params: Mapping[str, Any]) -> Any:
            __tracebackhide__ = True
            problems = _rules.response_problems(name, body, params, region=self.context.region)
            if problems:
                raise ConformanceError(
                    f"add_response({name!r}): the service never sends this response to the request the code sent: "
                    + "; ".join(p.explain() for p in problems)
                )
            http, parsed = self._success(name, body)
            parsed["ResponseMetadata"].update(service_response.get("ResponseMetadata") or {})
            return http, parsed

        self._queue_answer(name, "response", expected_params, answer)

    def add_client_error(
        self,
        method: str,
        service_error_code: str = "",
        service_message: str = "",
        http_status_code: int | None = None,
        service_error_meta: Mapping[str, Any] | None = None,
        expected_params: Mapping[str, Any] | None = None,
        response_meta: Mapping[str, Any] | None = None,
        modeled_fields: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue an error for the next call of ``method`` (botocore's signature).

        ``http_status_code`` may be left out: it is the status the error really carries. Given,
        it must be that one.
        """
        __tracebackhide__ = True
        name = self._operation(method)
        _templates.check_error_code(name, service_error_code)
        _check_expected_params(name, expected_params)
        _arguments.text("add_client_error", "service_message", service_message)
        if http_status_code is not None:
            _arguments.whole("add_client_error", "http_status_code", http_status_code, least=100)
        for member, given in (
            ("service_error_meta", service_error_meta),
            ("response_meta", response_meta),
            ("modeled_fields", modeled_fields),
        ):
            if given is not None:
                _arguments.mapping("add_client_error", member, given)
        status = _templates.error_status(service_error_code, name)
        if http_status_code is not None and http_status_code != status:
            raise ConformanceError(
                f"add_client_error({name!r}, {service_error_code!r}): the service sends {service_error_code} "
                f"with HTTP status {status}, not {http_status_code}"
            )
        message = (modeled_fields or {}).get("message", service_message) or _templates.error_message(
            service_error_code, _known_params(expected_params), self.context, operation=name
        )

        def answer(params: Mapping[str, Any]) -> Any:
            http, parsed = self._error(name, service_error_code, message)
            parsed["Error"].update(service_error_meta or {})
            parsed["ResponseMetadata"].update(response_meta or {})
            return http, parsed

        self._queue_answer(name, service_error_code, expected_params, answer)

    def __enter__(self) -> Stubber:
        self._enter()
        return self


def _fake_is_active() -> bool:
    return bool(_answering.active("fake"))


def parsed_error(operation_model: OperationModel, code: str, message: str, context: _templates.Context) -> Any:
    """An error as the client receives it: the bytes the fake would send, read by botocore's own parser."""
    from botocore.awsrequest import AWSResponse

    protocol = str(operation_model.metadata["protocol"])
    status = _templates.error_status(code, operation_model.name)
    answer = _responses.error(ServiceError(code, message, status), rest=protocol == "rest-json", date=context.http_date)
    response = AWSResponse(None, status, dict(answer.headers), None)  # type: ignore[arg-type]
    # The headers as botocore's endpoint hands them to its parser: case-insensitive.
    wire = {"status_code": status, "headers": response.headers, "body": answer.body}
    parser = _json_parser(protocol)
    parsed: dict[str, Any] = parser.parse(wire, operation_model.output_shape)
    # What botocore's endpoint adds for an error the model declares: its members (``message``).
    error_shape = operation_model.service_model.shape_for_error_code(code)  # type: ignore[arg-type]
    if error_shape is not None:
        parsed.update(parser.parse(wire, error_shape))
    parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return response, parsed


@functools.cache
def _json_parser(protocol: str = "json") -> Any:
    from botocore.parsers import create_parser

    return create_parser(protocol)


def _copy(value: Any) -> Any:
    """A copy of a response's dicts and lists, so what one call returns can't change the next's."""
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


def _known_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """What ``expected_params`` say for sure: ``botocore.stub.ANY`` says nothing a response could echo."""
    return {key: value for key, value in (params or {}).items() if not _spec.is_stub_wildcard(value)}


def _check_expected_params(operation: str, expected_params: Mapping[str, Any] | None) -> None:
    __tracebackhide__ = True
    if expected_params is None:
        return
    if not isinstance(expected_params, Mapping):
        raise UsageError(
            f"expected_params for {operation} must be a dict of the call's parameters, not {type(expected_params).__name__}"
        )
    problem = _validate.request_problem(operation, expected_params)
    if problem is not None:
        raise ConformanceError(
            f"expected_params for {operation} would be refused by the service ({problem.code}): {problem.explain()}"
        )


def _assert_expected_params(operation: str, expected: Mapping[str, Any] | None, params: Mapping[str, Any]) -> None:
    """botocore's comparison: every expected member equal (``ANY`` matches any value), no others."""
    if expected is None:
        return
    if any(key not in params or value != params[key] for key, value in expected.items()) or set(expected) != set(
        params
    ):
        from botocore.exceptions import StubAssertionError

        raise StubAssertionError(
            operation_name=operation,
            reason=f"Expected parameters:\n{pformat(dict(expected))},\nbut received:\n{pformat(dict(params))}",
        )
