"""The backend's state, lifecycle and fault injection, called directly and through its wire entry."""

from __future__ import annotations

import datetime
import json
import re
import threading
from typing import Any

import pytest

from pytest_personalize import Backend, ConformanceError, Lifecycle, ManualClock, UsageError
from pytest_personalize.emulator.backend import (
    COMMON_ERRORS,
    DEFAULT_DATASET_GROUP_QUOTA,
    EMULATED_OPERATIONS,
    MAX_TAGS_PER_RESOURCE,
    NOT_EMULATED,
    ServiceError,
)
from pytest_personalize.model import spec as _spec
from pytest_personalize.model import templates as _templates
from pytest_personalize.model import validate as _validate
from pytest_personalize.model.rules import arns as _arns
from pytest_personalize.wire.requests import identity_from_authorization

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def backend() -> Backend:
    return Backend()


def create(backend: Backend, name: str = "shop", **params: Any) -> str:
    return str(backend.call("CreateDatasetGroup", {"name": name, **params})["datasetGroupArn"])


def status(backend: Backend, arn: str) -> str:
    response = backend.call("DescribeDatasetGroup", {"datasetGroupArn": arn})
    assert not _validate.response_violations("DescribeDatasetGroup", response)
    return str(response["datasetGroup"]["status"])


def error_of(backend: Backend, operation: str, params: dict[str, Any], **where: str) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        backend.call(operation, params, **where)
    assert raised.value.code in _spec.modeled_errors(operation) or raised.value.code == NOT_EMULATED
    return raised.value


def tags(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"tagKey": key, "tagValue": value} for key, value in pairs]


# --- lifecycle ---------------------------------------------------------------------------------


def test_status_advances_one_step_per_describe(backend: Backend) -> None:
    arn = create(backend)

    assert [status(backend, arn) for _ in range(3)] == ["CREATE PENDING", "ACTIVE", "ACTIVE"]


def test_creation_can_pass_through_in_progress_and_take_several_describes(backend: Backend) -> None:
    backend.set_lifecycle(in_progress=True, describes_per_stage=2)
    arn = create(backend)

    seen = [status(backend, arn) for _ in range(6)]

    assert seen == ["CREATE PENDING"] * 2 + ["CREATE IN_PROGRESS"] * 2 + ["ACTIVE"] * 2


def test_instant_lifecycle_is_active_at_once_and_gone_at_once(backend: Backend) -> None:
    backend.set_lifecycle("instant")
    arn = create(backend)
    assert status(backend, arn) == "ACTIVE"

    backend.call("DeleteDatasetGroup", {"datasetGroupArn": arn})

    assert error_of(backend, "DescribeDatasetGroup", {"datasetGroupArn": arn}).code == "ResourceNotFoundException"
    assert backend.dataset_groups() == []


def test_a_manual_clock_drives_the_lifecycle_and_the_timestamps(backend: Backend) -> None:
    start = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    clock = backend.use_manual_clock(start, seconds_per_stage=30)
    arn = create(backend)
    assert status(backend, arn) == "CREATE PENDING"
    assert status(backend, arn) == "CREATE PENDING"  # describing doesn't move a clocked group

    clock.advance(seconds=29)
    assert status(backend, arn) == "CREATE PENDING"
    clock.advance(seconds=1)
    group = backend.call("DescribeDatasetGroup", {"datasetGroupArn": arn})["datasetGroup"]

    assert group["status"] == "ACTIVE"
    assert group["creationDateTime"] == start
    assert group["lastUpdatedDateTime"] == start + datetime.timedelta(seconds=30)
    backend.call("DeleteDatasetGroup", {"datasetGroupArn": arn})
    clock.advance(minutes=1)
    assert backend.dataset_groups() == []


def test_manual_clock_refuses_naive_times_and_going_back() -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        ManualClock(datetime.datetime(2024, 1, 1))
    with pytest.raises(UsageError, match="forward"):
        ManualClock().advance(seconds=-1)


def test_lifecycle_names_its_choices_when_misconfigured() -> None:
    with pytest.raises(UsageError, match="describe, instant, clock"):
        Lifecycle("eventually")
    with pytest.raises(UsageError, match="describes_per_stage must be a whole number, 1 or more"):
        Lifecycle(describes_per_stage=0)


def test_a_creation_can_be_made_to_fail_with_a_reason(backend: Backend) -> None:
    reason = "KMS key access denied: the role cannot use the key"
    backend.fail_creation(reason, name="secure")
    ok, failed = create(backend, "plain"), create(backend, "secure")

    assert status(backend, failed) == "CREATE PENDING"
    described = backend.call("DescribeDatasetGroup", {"datasetGroupArn": failed})["datasetGroup"]
    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"] == reason
    assert "failureReason" not in backend.call("DescribeDatasetGroup", {"datasetGroupArn": ok})["datasetGroup"]
    summary = backend.call("ListDatasetGroups")["datasetGroups"][1]
    assert summary["failureReason"] == reason
    # A failed group may be deleted; the planned failure was used up.
    backend.call("DeleteDatasetGroup", {"datasetGroupArn": failed})
    assert status(backend, create(backend, "secure2")) == "CREATE PENDING"


def test_deletion_passes_through_delete_pending(backend: Backend) -> None:
    backend.set_lifecycle("describe")
    arn = create(backend)
    status(backend, arn)

    assert backend.call("DeleteDatasetGroup", {"datasetGroupArn": arn}) == {}

    assert status(backend, arn) == "DELETE PENDING"
    assert error_of(backend, "DescribeDatasetGroup", {"datasetGroupArn": arn}).code == "ResourceNotFoundException"


@pytest.mark.parametrize("describes", [0, 2], ids=["while CREATE PENDING", "while DELETE PENDING"])
def test_deleting_a_busy_group_is_resource_in_use(backend: Backend, describes: int) -> None:
    arn = create(backend)
    for _ in range(describes):
        status(backend, arn)
    if describes:
        backend.call("DeleteDatasetGroup", {"datasetGroupArn": arn})

    error = error_of(backend, "DeleteDatasetGroup", {"datasetGroupArn": arn})

    assert error.code == "ResourceInUseException"
    assert arn in error.message


# --- errors --------------------------------------------------------------------------------------


def test_a_name_that_exists_is_resource_already_exists(backend: Backend) -> None:
    arn = create(backend)

    error = error_of(backend, "CreateDatasetGroup", {"name": "shop"})

    assert error.code == "ResourceAlreadyExistsException"
    assert error.message == f"Another resource with Arn {arn} already exists."


def test_the_documented_quota_is_the_default_and_configurable() -> None:
    backend = Backend()
    for index in range(DEFAULT_DATASET_GROUP_QUOTA):
        create(backend, f"g{index}")
    assert error_of(backend, "CreateDatasetGroup", {"name": "one-more"}).code == "LimitExceededException"

    small = Backend(dataset_group_quota=1)
    create(small, "a")
    assert error_of(small, "CreateDatasetGroup", {"name": "b"}).code == "LimitExceededException"


def test_a_group_being_deleted_frees_its_quota(backend: Backend) -> None:
    backend.dataset_group_quota = 1
    arn = create(backend, "a")
    status(backend, arn)
    backend.call("DeleteDatasetGroup", {"datasetGroupArn": arn})

    assert create(backend, "b").endswith("/b")


def test_state_is_kept_per_account_and_region(backend: Backend) -> None:
    backend.dataset_group_quota = 1
    east = create(backend, "shop")
    west = backend.call("CreateDatasetGroup", {"name": "shop"}, region="us-west-2")["datasetGroupArn"]
    other = backend.call("CreateDatasetGroup", {"name": "shop"}, account="210987654321")["datasetGroupArn"]

    assert ":us-west-2:123456789012:" in west and ":us-east-1:210987654321:" in other and east not in (west, other)
    assert error_of(backend, "DescribeDatasetGroup", {"datasetGroupArn": east}, region="us-west-2").code == (
        "ResourceNotFoundException"
    )
    assert len(backend.dataset_groups()) == 3
    assert [g["datasetGroupArn"] for g in backend.dataset_groups(region="us-west-2")] == [west]


def test_partition_follows_the_region(backend: Backend) -> None:
    arn = backend.call("CreateDatasetGroup", {"name": "shop"}, region="cn-north-1")["datasetGroupArn"]

    assert arn.startswith("arn:aws-cn:personalize:cn-north-1:")


@pytest.mark.parametrize("operation", ["DescribeDatasetGroup", "DeleteDatasetGroup"])
def test_an_unknown_arn_is_resource_not_found(backend: Backend, operation: str) -> None:
    arn = _arns.dataset_group_arn("nothing", _templates.Context())

    error = error_of(backend, operation, {"datasetGroupArn": arn})

    assert (error.code, error.message) == ("ResourceNotFoundException", f"Could not find resource with Arn {arn}.")


@pytest.mark.parametrize("operation", ["TagResource", "UntagResource", "ListTagsForResource"])
def test_tagging_an_unknown_arn_is_resource_not_found(backend: Backend, operation: str) -> None:
    params: dict[str, Any] = {"resourceArn": _arns.dataset_group_arn("nothing", _templates.Context())}
    params.update({"TagResource": {"tags": tags(("a", "b"))}, "UntagResource": {"tagKeys": ["a"]}}.get(operation, {}))

    assert error_of(backend, operation, params).code == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "operation",
    [op for op in EMULATED_OPERATIONS if _spec.operation_model(op).input_shape.required_members],
)
def test_every_constraint_violation_is_invalid_input_in_the_service_format(backend: Backend, operation: str) -> None:
    error = error_of(backend, operation, {})

    assert error.code == "InvalidInputException"
    problem = _validate.request_problem(operation, {})
    assert problem is not None and error.message == problem.message
    assert re.match(r"\d validation errors? detected: Value null at '", error.message)


def test_cross_field_rules_are_invalid_input(backend: Backend) -> None:
    error = error_of(backend, "CreateDatasetGroup", {"name": "shop", "roleArn": "arn:aws:iam::123456789012:role/r"})

    assert error.code == "InvalidInputException"
    assert "kmsKeyArn" in error.message
    assert backend.dataset_groups() == []


def test_every_operation_of_the_model_is_emulated() -> None:
    assert set(EMULATED_OPERATIONS) == set(_spec.service_model().operation_names)


@pytest.mark.parametrize("operation", ["ListSchemas", "CreateSolution", "GetSolutionMetrics"])
def test_an_operation_the_engine_doesnt_know_says_so(
    backend: Backend, operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An operation of a newer model than the engine knows: simulated by leaving one out.
    from pytest_personalize.emulator import engine as _engine

    known = _engine.routes()
    monkeypatch.setattr(_engine, "routes", lambda: {op: r for op, r in known.items() if op != operation})

    error = error_of(backend, operation, {})

    assert error.code == NOT_EMULATED
    assert error.status == 501
    assert f"{operation} is an Amazon Personalize operation that pytest-personalize does not emulate" in error.message


# --- tags ----------------------------------------------------------------------------------------


def test_tags_are_kept_merged_and_removed(backend: Backend) -> None:
    arn = create(backend, tags=tags(("team", "recs"), ("env", "test")))

    backend.call("TagResource", {"resourceArn": arn, "tags": tags(("env", "prod"), ("cost", "42"))})
    backend.call("UntagResource", {"resourceArn": arn, "tagKeys": ["team", "absent"]})

    listed = backend.call("ListTagsForResource", {"resourceArn": arn})
    assert listed == {"tags": tags(("env", "prod"), ("cost", "42"))}
    assert backend.tags(arn) == {"env": "prod", "cost": "42"}
    assert not _validate.response_violations("ListTagsForResource", listed)


def test_the_documented_tag_limit_applies_per_resource(backend: Backend) -> None:
    many = tags(*((f"k{i}", "v") for i in range(MAX_TAGS_PER_RESOURCE + 1)))
    # The model lets one request carry 200 tags; the service allows 50 on a resource.
    assert _validate.request_problem("CreateDatasetGroup", {"name": "big", "tags": many[:-1]}) is None

    assert error_of(backend, "CreateDatasetGroup", {"name": "big", "tags": many}).code == "TooManyTagsException"
    arn = create(backend, tags=many[:MAX_TAGS_PER_RESOURCE])
    backend.call("TagResource", {"resourceArn": arn, "tags": tags(("k0", "overwritten"))})  # same key: still 50
    error = error_of(backend, "TagResource", {"resourceArn": arn, "tags": tags(("one", "more"))})
    assert error.code == "TooManyTagsException"
    assert len(backend.tags(arn)) == MAX_TAGS_PER_RESOURCE


def test_tagging_a_group_being_deleted_is_resource_in_use(backend: Backend) -> None:
    arn = create(backend)
    status(backend, arn)
    backend.call("DeleteDatasetGroup", {"datasetGroupArn": arn})

    assert (
        error_of(backend, "TagResource", {"resourceArn": arn, "tags": tags(("a", "b"))}).code
        == "ResourceInUseException"
    )


# --- pagination ----------------------------------------------------------------------------------


def test_pages_cover_every_group_once_and_the_last_has_no_token() -> None:
    backend = Backend(dataset_group_quota=10)
    names = [f"g{i}" for i in range(7)]
    for name in names:
        create(backend, name)
    seen, token, pages = [], None, 0
    while True:
        params: dict[str, Any] = {"maxResults": 3, **({"nextToken": token} if token else {})}
        page = backend.call("ListDatasetGroups", params)
        assert not _validate.response_violations("ListDatasetGroups", page)
        seen += [group["name"] for group in page["datasetGroups"]]
        pages += 1
        if "nextToken" not in page:
            break
        token = page["nextToken"]

    assert (seen, pages) == (names, 3)


def test_a_page_boundary_survives_deletions_before_it(backend: Backend) -> None:
    backend.set_lifecycle("instant")
    arns = [create(backend, name) for name in "abc"]
    first = backend.call("ListDatasetGroups", {"maxResults": 1})
    backend.call("DeleteDatasetGroup", {"datasetGroupArn": arns[0]})

    rest = backend.call("ListDatasetGroups", {"nextToken": first["nextToken"]})

    assert [g["name"] for g in rest["datasetGroups"]] == ["b", "c"]
    assert "nextToken" not in rest


@pytest.mark.parametrize("token", ["nonsense", "djE6eA==", "dj9"])
def test_a_bad_token_is_invalid_next_token(backend: Backend, token: str) -> None:
    error = error_of(backend, "ListDatasetGroups", {"nextToken": token})

    assert error.code == "InvalidNextTokenException"


# --- fault injection -----------------------------------------------------------------------------


def test_fail_next_fails_that_many_calls_then_lets_them_through(backend: Backend) -> None:
    fault = backend.fail_next("create_dataset_group", "LimitExceededException", times=2)

    for _ in range(2):
        assert error_of(backend, "CreateDatasetGroup", {"name": "shop"}).code == "LimitExceededException"
    assert create(backend).endswith("/shop")
    assert (fault.hits, fault.remaining) == (2, 0)
    assert [call.error for call in backend.calls] == ["LimitExceededException", "LimitExceededException", None]
    assert backend.pending_report() is None


def test_faults_fire_before_validation_and_leave_other_operations_alone(backend: Backend) -> None:
    backend.fail_next("DescribeDatasetGroup", "ResourceNotFoundException")
    arn = create(backend)

    assert error_of(backend, "DescribeDatasetGroup", {"datasetGroupArn": arn}).code == "ResourceNotFoundException"
    assert status(backend, arn) == "CREATE PENDING"


def test_an_unmodeled_fault_code_lists_the_modeled_ones(backend: Backend) -> None:
    with pytest.raises(ConformanceError) as raised:
        backend.fail_next("DescribeDatasetGroup", "TooManyTagsException")

    assert "'TooManyTagsException' is not modeled for DescribeDatasetGroup; modeled: InvalidInputException" in str(
        raised.value
    )
    assert "ThrottlingException" in str(raised.value)
    with pytest.raises(ConformanceError, match="not an error Amazon Personalize sends"):
        backend.fail_when(lambda call: True, "NoSuchBucket")
    with pytest.raises(UsageError, match="Did you mean 'CreateDatasetGroup'"):
        backend.fail_next("CreateDatasetGroups", "LimitExceededException")


@pytest.mark.parametrize("code", list(COMMON_ERRORS))
def test_errors_any_operation_may_send_can_be_injected(backend: Backend, code: str) -> None:
    backend.fail_next("DescribeDatasetGroup", code)

    with pytest.raises(ServiceError) as raised:
        backend.call("DescribeDatasetGroup", {"datasetGroupArn": "arn:aws:personalize:us-east-1:1:dataset-group/x"})

    assert (raised.value.code, raised.value.status) == (code, COMMON_ERRORS[code].status)


def test_fail_when_matches_a_predicate_on_operations_that_model_the_code(backend: Backend) -> None:
    offered = []

    def temporary(call: Any) -> bool:
        offered.append(call.operation)
        return str(call.params.get("name", "")).startswith("tmp")

    fault = backend.fail_when(temporary, "TooManyTagsException", message="no temporary groups")
    create(backend, "keep")
    error = error_of(backend, "CreateDatasetGroup", {"name": "tmp-1"})
    backend.call("ListDatasetGroups")  # ListDatasetGroups can't send TooManyTagsException: not offered

    assert (error.code, error.message, fault.hits) == ("TooManyTagsException", "no temporary groups", 1)
    assert offered == ["CreateDatasetGroup", "CreateDatasetGroup"]
    assert backend.pending_report() is None  # predicates may never fire


def test_unfired_fail_next_faults_are_reported(backend: Backend) -> None:
    backend.fail_next("CreateDatasetGroup", "LimitExceededException", times=3)
    error_of(backend, "CreateDatasetGroup", {"name": "shop"})

    assert backend.pending_report() == (
        "1 injected Personalize fault did not fire as often as asked:\n"
        "  - CreateDatasetGroup -> LimitExceededException: fired 1 of 3 times"
    )


def test_each_short_fault_is_reported_with_how_often_it_fired(backend: Backend) -> None:
    backend.fail_next("CreateDatasetGroup", "LimitExceededException")
    backend.fail_next("DescribeDatasetGroup", "ResourceNotFoundException", times=2)
    backend.fail_next("ListDatasetGroups", "InvalidNextTokenException")
    error_of(backend, "ListDatasetGroups", {})

    assert backend.pending_report() == (
        "2 injected Personalize faults did not fire as often as asked:\n"
        "  - CreateDatasetGroup -> LimitExceededException: fired 0 of 1 time\n"
        "  - DescribeDatasetGroup -> ResourceNotFoundException: fired 0 of 2 times"
    )


def test_reset_forgets_state_but_keeps_configuration(backend: Backend) -> None:
    backend.set_lifecycle("instant")
    create(backend)
    backend.fail_next("CreateDatasetGroup", "LimitExceededException")

    backend.reset()

    assert (backend.dataset_groups(), backend.calls, backend.pending_report()) == ([], [], None)
    assert status(backend, create(backend)) == "ACTIVE"


# --- the wire ------------------------------------------------------------------------------------


def test_a_success_on_the_wire_is_compact_json_with_epoch_timestamps(backend: Backend) -> None:
    arn = create(backend, domain="ECOMMERCE")

    answer = backend.handle("AmazonPersonalize.DescribeDatasetGroup", json.dumps({"datasetGroupArn": arn}).encode())

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert UUID.fullmatch(answer.headers["x-amzn-RequestId"])
    assert answer.headers["Content-Length"] == str(len(answer.body))
    assert b" " not in answer.body.replace(b"CREATE PENDING", b"")
    group = json.loads(answer.body)["datasetGroup"]
    assert set(group) == {"name", "datasetGroupArn", "status", "creationDateTime", "lastUpdatedDateTime", "domain"}
    assert isinstance(group["creationDateTime"], float)


@pytest.mark.parametrize(
    ("target", "body", "content_type", "code"),
    [
        (None, b"{}", None, "UnknownOperationException"),
        ("AmazonPersonalize.DescribeNothing", b"{}", None, "UnknownOperationException"),
        ("DynamoDB_20120810.ListTables", b"{}", None, "UnknownOperationException"),
        ("AmazonPersonalize.ListDatasetGroups", b"{not json", None, "SerializationException"),
        ("AmazonPersonalize.ListDatasetGroups", b"[1, 2]", None, "SerializationException"),
        ("AmazonPersonalize.ListDatasetGroups", b"\xff\xfe", None, "SerializationException"),
        ("AmazonPersonalize.ListDatasetGroups", b"{}", "text/plain", "SerializationException"),
    ],
)
def test_bad_requests_get_the_aws_error_shape(
    backend: Backend, target: str | None, body: bytes, content_type: str | None, code: str
) -> None:
    answer = backend.handle(target, body, content_type=content_type)

    assert answer.status == 400
    document = json.loads(answer.body)
    assert set(document) == {"__type", "message"} and document["__type"] == code


def test_an_empty_body_is_an_empty_request(backend: Backend) -> None:
    answer = backend.handle("AmazonPersonalize.ListDatasetGroups", b"", content_type="application/x-amz-json-1.1")

    assert (answer.status, json.loads(answer.body)) == (200, {"datasetGroups": []})


@pytest.mark.parametrize(
    ("authorization", "identity"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=testing/20240101/eu-west-1/personalize/aws4_request, SignedHeaders=host",
            ("eu-west-1", None),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=210987654321/20240101/us-east-2/personalize/aws4_request",
            ("us-east-2", "210987654321"),
        ),
        (None, ("us-east-1", None)),
        ("Bearer x", ("us-east-1", None)),
    ],
)
def test_region_and_account_come_from_the_credential_scope(
    authorization: str | None, identity: tuple[str, str | None]
) -> None:
    assert identity_from_authorization(authorization) == identity


# --- threads -------------------------------------------------------------------------------------


def test_concurrent_callers_lose_and_duplicate_nothing() -> None:
    backend = Backend(dataset_group_quota=1000)
    results: list[str] = []
    errors: list[str] = []
    barrier = threading.Barrier(8, timeout=10)

    def work(worker: int) -> None:
        barrier.wait()
        for index in range(25):
            results.append(create(backend, f"w{worker}-{index}"))
            try:
                create(backend, "contended")
                results.append("contended")
            except ServiceError as error:
                errors.append(error.code)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    names = sorted(group["name"] for group in backend.dataset_groups())
    assert len(names) == len(set(names)) == 8 * 25 + 1
    assert results.count("contended") == 1 and set(errors) == {"ResourceAlreadyExistsException"}
    assert len(backend.calls) == 8 * 50
