"""Errors by kind: ConformanceError for what the service would never do, UsageError for a test's mistake."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from pytest_personalize import (
    Backend,
    ConformanceError,
    ManualClock,
    PersonalizeStubber,
    Stubber,
    UsageError,
    modeled_errors,
)
from pytest_personalize._clients import make_client
from pytest_personalize.model import spec as _spec


@pytest.fixture
def client() -> Any:
    return make_client("us-east-1")


def _s3_stubber() -> None:
    from pytest_personalize._clients import DUMMY_CREDENTIALS

    PersonalizeStubber(_spec.botocore_session().create_client("s3", region_name="us-east-1", **DUMMY_CREDENTIALS))


USAGE_MISTAKES: dict[str, tuple[Callable[[Any], object], str]] = {
    "an operation that doesn't exist": (
        lambda client: PersonalizeStubber(client).add_response("CreateDatasetGrup"),
        "Did you mean 'CreateDatasetGroup'",
    ),
    "an operation that isn't a string": (lambda client: modeled_errors(3), "named by a string"),  # type: ignore[arg-type]
    "a stubber on another service's client": (lambda client: _s3_stubber(), "not a 's3' client"),
    "a message that isn't a string": (
        lambda client: PersonalizeStubber(client).add_error("CreateDatasetGroup", "LimitExceededException", 3),  # type: ignore[arg-type]
        "message must be a string, not int",
    ),
    "expected_params that aren't a dict": (
        lambda client: PersonalizeStubber(client).add_response("CreateDatasetGroup", ["shop"]),  # type: ignore[arg-type]
        "must be a dict of the call's parameters, not list",
    ),
    "a service_response that isn't a dict": (
        lambda client: Stubber(client).add_response("CreateDatasetGroup", "arn"),  # type: ignore[arg-type]
        "service_response must be a dict, not str",
    ),
    "a fault that fires no time": (
        lambda client: Backend().fail_next("CreateDatasetGroup", "LimitExceededException", times=0),
        "times must be a whole number, 1 or more",
    ),
    "a quota for a type the emulator doesn't create": (
        lambda client: Backend().set_quota("Filtre", 3),
        "'Filtre' is not a resource type the emulator creates",
    ),
    "a negative quota": (lambda client: Backend(dataset_group_quota=-1), "must be a whole number, 0 or more"),
    "an unknown lifecycle mode": (lambda client: Backend().set_lifecycle("sometimes"), "describe, instant, clock"),
    "a clock without a timezone": (
        lambda client: ManualClock(datetime.datetime(2024, 1, 1)),
        "timezone-aware",
    ),
    "a clock moved back": (lambda client: ManualClock().advance(seconds=-1), "only moves forward"),
}


SERVICE_NEVER: dict[str, tuple[Callable[[Any], object], str]] = {
    "an error the operation doesn't answer with": (
        lambda client: PersonalizeStubber(client).add_error("CreateDatasetGroup", "ResourceNotFoundException"),
        "is not modeled for CreateDatasetGroup",
    ),
    "a fault the operation doesn't answer with": (
        lambda client: Backend().fail_next("DescribeDatasetGroup", "TooManyTagsException"),
        "is not modeled for DescribeDatasetGroup",
    ),
    "a response the model refuses": (
        lambda client: PersonalizeStubber(client).add_response("CreateDatasetGroup", domain="RETAIL"),
        "the service never sends this response",
    ),
    "a request the service would refuse": (
        lambda client: PersonalizeStubber(client).add_response("CreateDatasetGroup", {"name": "my group"}),
        "would be refused by the service",
    ),
    "an error with another HTTP status": (
        lambda client: Stubber(client).add_client_error(
            "CreateDatasetGroup", "LimitExceededException", http_status_code=429
        ),
        "with HTTP status 400, not 429",
    ),
}


CASES = [(case, UsageError, ConformanceError) for case in sorted(USAGE_MISTAKES)] + [
    (case, ConformanceError, UsageError) for case in sorted(SERVICE_NEVER)
]


@pytest.mark.parametrize(("case", "kind", "other"), CASES, ids=[case for case, _, _ in CASES])
def test_each_error_is_of_its_kind(client: Any, case: str, kind: type[Exception], other: type[Exception]) -> None:
    # A usage error is a mistake in the test; a conformance error, what the service would never do.
    make, message = {**USAGE_MISTAKES, **SERVICE_NEVER}[case]
    with pytest.raises(kind, match=message) as raised:
        make(client)
    assert not isinstance(raised.value, other)
    assert isinstance(raised.value, ValueError)  # what code that caught ValueError keeps catching
