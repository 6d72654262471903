"""The Stubber mode: botocore's Stubber, fed only responses the service model allows."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _spec, _templates, _validate
from ._errors import ConformanceError

if TYPE_CHECKING:
    from types import TracebackType

    from botocore.client import BaseClient
    from botocore.stub import Stubber


_AFTER_CALL = f"after-call.{_spec.SERVICE_NAME}"


@dataclass(frozen=True)
class QueuedCall:
    """A response or error waiting in the stubber's queue."""

    operation: str
    outcome: str
    expected_params: Mapping[str, Any] | None

    def describe(self) -> str:
        params = "any parameters" if self.expected_params is None else f"expected_params={dict(self.expected_params)!r}"
        return f"{self.operation} -> {self.outcome} ({params})"


class PersonalizeStubber:
    """botocore's ``Stubber`` for a Personalize client, queueing only conformant answers.

    Every response is built from the service model and checked against it *when it is queued*,
    so a stub the service could never send fails on the line that wrote it::

        def test_create(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": "shop"})
            response = personalize_client.create_dataset_group(name="shop")
            assert response["datasetGroupArn"].endswith(":dataset-group/shop")

    Used as a context manager (or with :meth:`activate`), it answers the client's calls in
    order; the ``personalize_stubber`` fixture does that for you and checks at teardown that
    every queued answer was used.
    """

    def __init__(self, client: BaseClient, context: _templates.Context | None = None) -> None:
        self.client = client
        self.context = context or _templates.Context(region=client.meta.region_name)
        self._stubber: Any = _stubber_class()(client)  # a botocore Stubber with a `trusted` switch
        self._queue: deque[QueuedCall] = deque()

    def add_response(
        self, operation: str, expected_params: Mapping[str, Any] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """Queue the conformant success response to ``operation``, and return it.

        The response is built from ``expected_params`` where they inform it (the name in the ARN,
        the domain). Each keyword in ``overrides`` replaces a member of the response (``None``
        removes it) and is checked against the output shape::

            stubber.add_response("CreateDatasetGroup", {"name": "shop", "domain": "ECOMMERCE"})
            stubber.add_response("describe_dataset_group", datasetGroup={...})

        Raises :class:`ConformanceError` if ``expected_params`` would be refused by the service,
        or an override breaks a constraint of the model.
        """
        __tracebackhide__ = True
        name = _spec.operation_name(operation)
        self._check_expected_params(name, expected_params)
        response = _templates.success_response(name, expected_params, self.context)
        for key, value in overrides.items():
            if value is None:
                response.pop(key, None)
            else:
                response[key] = value
        # Templates conform by construction (the test suite checks every operation's), so only
        # what the test changed needs checking here.
        changed = {key: value for key, value in overrides.items() if value is not None}
        violations = _validate.response_violations(name, changed, partial=True) if changed else []
        if violations:
            raise ConformanceError(
                f"add_response({name!r}): the service never sends this response: "
                + "; ".join(v.explain() for v in violations)
            )
        response["ResponseMetadata"] = _templates.response_metadata(self.context)
        # An untouched template conforms by construction: botocore's second look at it would
        # cost more than the rest of this method. Anything a test changed, botocore checks too.
        self._stubber.trusted = not overrides
        try:
            self._stubber.add_response(self._method(name), response, _as_dict(expected_params))
        finally:
            self._stubber.trusted = False
        self._queue.append(QueuedCall(name, "response", expected_params))
        return response

    def add_error(
        self,
        operation: str,
        code: str,
        message: str | None = None,
        expected_params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue one of ``operation``'s modeled errors, as the client would receive it.

        The client raises the modeled exception class (``client.exceptions.<code>``) with HTTP
        status 400, ``Error.Code``, ``Error.Message``, the ``message`` member and a request id::

            stubber.add_error("create_dataset_group", "ResourceAlreadyExistsException")

        ``message`` defaults to what the service says for that error. A code the operation
        doesn't model raises :class:`ConformanceError` listing the ones it does.
        """
        __tracebackhide__ = True
        name = _spec.operation_name(operation)
        _templates.check_modeled(name, code)
        self._check_expected_params(name, expected_params)
        if message is None:
            message = _templates.error_message(code, expected_params, self.context)
        elif not isinstance(message, str):
            raise ConformanceError(
                f"add_error({name!r}, {code!r}): message must be a string, not {type(message).__name__}"
            )
        meta = _templates.response_metadata(self.context, status=_templates.ERROR_STATUS)
        self._stubber.add_client_error(
            self._method(name),
            service_error_code=code,
            service_message=message,
            http_status_code=_templates.ERROR_STATUS,
            expected_params=_as_dict(expected_params),
            response_meta=meta,
            modeled_fields={"message": message},
        )
        self._queue.append(QueuedCall(name, code, expected_params))
        return {"Error": {"Code": code, "Message": message}, "message": message, "ResponseMetadata": meta}

    @property
    def pending(self) -> list[QueuedCall]:
        """The queued answers no call has used yet, oldest first."""
        return list(self._queue)

    def pending_report(self) -> str | None:
        """What :meth:`assert_no_pending_responses` would say, or None when nothing is pending."""
        if not self._queue:
            return None
        count = len(self._queue)
        lines = "\n".join(f"  - {call.describe()}" for call in self._queue)
        return f"{count} queued Personalize {'answer was' if count == 1 else 'answers were'} never used:\n{lines}"

    def assert_no_pending_responses(self) -> None:
        """Fail, listing them, if any queued answer was never used."""
        __tracebackhide__ = True
        report = self.pending_report()
        if report is not None:
            raise AssertionError(report)

    def activate(self) -> None:
        self._stubber.activate()
        self.client.meta.events.register(_AFTER_CALL, self._mark_used, unique_id=self._handler_id)

    def deactivate(self) -> None:
        self._stubber.deactivate()
        self.client.meta.events.unregister(_AFTER_CALL, unique_id=self._handler_id)

    @property
    def _handler_id(self) -> str:
        return f"pytest-personalize-stubber-{id(self)}"

    def __enter__(self) -> PersonalizeStubber:
        self.activate()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.deactivate()

    def _method(self, operation: str) -> str:
        return _spec.method_name(operation)

    def _mark_used(self, **kwargs: Any) -> None:
        if self._queue:
            self._queue.popleft()

    @staticmethod
    def _check_expected_params(operation: str, expected_params: Mapping[str, Any] | None) -> None:
        __tracebackhide__ = True
        if expected_params is None:
            return
        problem = _validate.request_problem(operation, expected_params)
        if problem is not None:
            raise ConformanceError(
                f"expected_params for {operation} would be refused by the service "
                f"(InvalidInputException): {problem.explain()}"
            )


@functools.cache
def _stubber_class() -> type[Stubber]:
    from botocore.stub import Stubber

    class _Stubber(Stubber):
        """botocore's Stubber, told when a response needs no validation (a template we built)."""

        trusted = False

        def _validate_operation_response(self, operation_name: str, service_response: dict[str, Any]) -> None:
            if not self.trusted:
                super()._validate_operation_response(operation_name, service_response)  # type: ignore[misc]

    return _Stubber


def _as_dict(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if params is None else dict(params)
