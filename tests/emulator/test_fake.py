"""The in-process fake: botocore's own serializer, signer, parser and retries against the backend."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pytest_personalize import PersonalizeFake
from pytest_personalize._clients import make_client
from pytest_personalize.model import spec as _spec

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def fake() -> Iterator[PersonalizeFake]:
    with PersonalizeFake() as active:
        yield active


@pytest.fixture
def client(fake: PersonalizeFake) -> Any:
    return make_client("us-east-1")


def wait_until_active(client: Any, arn: str, attempts: int = 10) -> tuple[dict[str, Any], list[str]]:
    seen = []
    for _ in range(attempts):
        group = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]
        seen.append(group["status"])
        if group["status"] in ("ACTIVE", "CREATE FAILED"):
            return group, seen
    raise AssertionError(f"never ACTIVE: {seen}")


# --- the downstream view -------------------------------------------------------------------------


def test_the_fixture_answers_code_that_builds_its_own_client(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        app="""
        import boto3

        def make_group(name):
            client = boto3.client("personalize")
            arn = client.create_dataset_group(name=name)["datasetGroupArn"]
            while client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] != "ACTIVE":
                pass
            return arn
        """,
        test_app="""
        import app

        def test_make_group(personalize_fake):
            arn = app.make_group("shop")
            assert arn == "arn:aws:personalize:eu-central-1:123456789012:dataset-group/shop"
            assert [c.operation for c in personalize_fake.calls] == [
                "CreateDatasetGroup", "DescribeDatasetGroup", "DescribeDatasetGroup"]
            assert personalize_fake.dataset_groups()[0]["status"] == "ACTIVE"

        def test_state_is_fresh_for_every_test(personalize_fake, personalize_client):
            personalize_client.create_dataset_group(name="shop")
            assert len(personalize_fake.dataset_groups()) == 1
        """,
    )

    pytester.runpytest("--personalize-region=eu-central-1").assert_outcomes(passed=2)


def test_the_fixture_reaches_a_personalize_client_made_before_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_client_first(personalize_client, personalize_fake):
            personalize_client.create_dataset_group(name="shop")
            assert personalize_fake.dataset_groups()[0]["name"] == "shop"
        """
    )

    pytester.runpytest().assert_outcomes(passed=1)


def test_a_fault_that_never_fired_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_forgot(personalize_fake):
            personalize_fake.fail_next("create_dataset_group", "LimitExceededException", times=2)

        def test_already_failing(personalize_fake):
            personalize_fake.fail_next("create_dataset_group", "LimitExceededException")
            assert False, "the test's own failure"
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 injected Personalize fault did not fire as often as asked:",
            "*CreateDatasetGroup -> LimitExceededException: fired 0 of 2 times",
        ]
    )
    # errors=1 above: the test that failed on its own is not also blamed for its unused fault.
    result.stdout.no_fnmatch_line("ERROR *test_already_failing*")


def test_ini_keys_configure_lifecycle_and_quota(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_lifecycle = instant\npersonalize_dataset_group_quota = 1\n")
    pytester.makepyfile(
        """
        import pytest

        def test_instant(personalize_client, personalize_fake):
            arn = personalize_client.create_dataset_group(name="a")["datasetGroupArn"]
            assert personalize_client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"
            with pytest.raises(personalize_client.exceptions.LimitExceededException):
                personalize_client.create_dataset_group(name="b")
        """
    )

    pytester.runpytest().assert_outcomes(passed=1)


def test_a_bad_ini_value_names_the_choices(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_lifecycle = soon\n")
    pytester.makepyfile("def test_it(personalize_fake):\n    pass\n")

    result = pytester.runpytest()

    result.stdout.fnmatch_lines(["*personalize_lifecycle = 'soon': choose one of describe, instant, clock*"])


# --- the lifecycle through boto3 -----------------------------------------------------------------


def test_create_wait_list_delete(client: Any, fake: PersonalizeFake) -> None:
    fake.set_lifecycle(in_progress=True)
    created = client.create_dataset_group(
        name="shop", domain="ECOMMERCE", tags=[{"tagKey": "team", "tagValue": "recs"}]
    )
    arn = created["datasetGroupArn"]

    group, seen = wait_until_active(client, arn)
    listed = client.list_dataset_groups()["datasetGroups"]
    client.delete_dataset_group(datasetGroupArn=arn)
    deleting = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"]

    assert created["domain"] == "ECOMMERCE"
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert isinstance(group["creationDateTime"], datetime.datetime) and group["creationDateTime"].tzinfo is not None
    assert group["lastUpdatedDateTime"] >= group["creationDateTime"]
    assert [g["name"] for g in listed] == ["shop"] and "roleArn" not in listed[0]
    assert deleting == "DELETE PENDING"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset_group(datasetGroupArn=arn)


def test_the_paginator_walks_every_page(client: Any, fake: PersonalizeFake) -> None:
    fake.dataset_group_quota = 20
    names = [f"group-{i:02}" for i in range(11)]
    for name in names:
        client.create_dataset_group(name=name)

    pages = list(client.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 4}))

    assert [len(page["datasetGroups"]) for page in pages] == [4, 4, 3]
    assert [g["name"] for page in pages for g in page["datasetGroups"]] == names
    assert "nextToken" not in pages[-1]
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.list_dataset_groups(nextToken="not-a-token")


def test_a_failed_creation_reports_its_reason(client: Any, fake: PersonalizeFake) -> None:
    fake.fail_creation("KMS key access denied: the role cannot use the key")
    arn = client.create_dataset_group(
        name="secure",
        roleArn="arn:aws:iam::123456789012:role/personalize",
        kmsKeyArn="arn:aws:kms:us-east-1:123456789012:key/abcd",
    )["datasetGroupArn"]

    group, _ = wait_until_active(client, arn)

    assert group["status"] == "CREATE FAILED"
    assert group["failureReason"] == "KMS key access denied: the role cannot use the key"
    assert group["kmsKeyArn"].endswith("key/abcd")


def test_tags_round_trip(client: Any, fake: PersonalizeFake) -> None:
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]

    client.tag_resource(resourceArn=arn, tags=[{"tagKey": "team", "tagValue": "recs"}])
    client.untag_resource(resourceArn=arn, tagKeys=["nothing"])

    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "team", "tagValue": "recs"}]
    assert fake.tags(arn) == {"team": "recs"}


# --- errors as the client sees them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "operation", "params", "code"),
    [
        ("none", "create_dataset_group", {"name": "bad name"}, "InvalidInputException"),
        ("shop", "create_dataset_group", {"name": "shop"}, "ResourceAlreadyExistsException"),
        ("full", "create_dataset_group", {"name": "one-more"}, "LimitExceededException"),
        (
            "none",
            "create_dataset_group",
            {"name": "t", "tags": [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]},
            "TooManyTagsException",
        ),
        (
            "none",
            "describe_dataset_group",
            {"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/x"},
            "ResourceNotFoundException",
        ),
        (
            "shop",
            "delete_dataset_group",
            {"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"},
            "ResourceInUseException",
        ),
        ("none", "list_dataset_groups", {"nextToken": "x"}, "InvalidNextTokenException"),
    ],
)
def test_every_error_path_raises_the_modeled_exception(
    client: Any,
    fake: PersonalizeFake,
    retry_sleeps: list[float],  # botocore retries LimitExceededException, the quota's too
    setup: str,
    operation: str,
    params: dict[str, Any],
    code: str,
) -> None:
    fake.dataset_group_quota = 1 if setup == "full" else 5
    if setup in ("shop", "full"):
        client.create_dataset_group(name="shop")
    assert code in _spec.modeled_errors(operation)

    with pytest.raises(getattr(client.exceptions, code)) as raised:
        getattr(client, operation)(**params)

    response = raised.value.response
    assert response["Error"]["Code"] == code and response["message"] == response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert UUID.fullmatch(response["ResponseMetadata"]["RequestId"])


def test_an_operation_not_emulated_is_a_clear_error(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every operation of today's model is emulated: one of a newer model would not be.
    from pytest_personalize.emulator import engine as _engine

    known = _engine.routes()
    monkeypatch.setattr(_engine, "routes", lambda: {op: r for op, r in known.items() if op != "CreateSolution"})
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.create_solution(name="s", datasetGroupArn="arn:aws:personalize:us-east-1:123456789012:dataset-group/x")

    error = raised.value.response["Error"]
    assert error["Code"] == "NotEmulatedException"
    assert (
        "CreateSolution is an Amazon Personalize operation that pytest-personalize does not emulate" in error["Message"]
    )
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 0


# --- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config", [None, Config(retries={"mode": "standard", "max_attempts": 4})], ids=["environment", "config"]
)
def test_botocore_retries_throttling_then_succeeds(
    fake: PersonalizeFake, retry_sleeps: list[float], config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Standard mode, the default from botocore 1.44, chosen either way: older releases default to legacy.
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    client = make_client("us-east-1", **({"config": config} if config else {}))
    fake.fail_next("CreateDatasetGroup", "LimitExceededException", times=2)

    response = client.create_dataset_group(name="shop")

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(retry_sleeps) == 2
    assert [call.error for call in fake.calls] == ["LimitExceededException", "LimitExceededException", None]
    assert len(fake.dataset_groups()) == 1


def test_legacy_retry_mode_does_not_retry_limit_exceeded(fake: PersonalizeFake, retry_sleeps: list[float]) -> None:
    # botocore's legacy rules retry LimitExceededException for Kinesis only: the fake shows that too.
    client = make_client("us-east-1", config=Config(retries={"mode": "legacy"}))
    fake.fail_next("CreateDatasetGroup", "LimitExceededException")

    with pytest.raises(client.exceptions.LimitExceededException) as raised:
        client.create_dataset_group(name="shop")

    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 0


def test_retries_give_up_with_the_service_error(fake: PersonalizeFake, retry_sleeps: list[float]) -> None:
    # Config's max_attempts counts retries, not attempts: two retries, then the error.
    client = make_client("us-east-1", config=Config(retries={"mode": "standard", "max_attempts": 2}))
    fake.fail_when(lambda call: True, "ThrottlingException", operation="DescribeDatasetGroup")

    with pytest.raises(client.exceptions.ClientError) as raised:
        client.describe_dataset_group(datasetGroupArn="arn:aws:personalize:us-east-1:123456789012:dataset-group/x")

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2


# --- reach and activation ------------------------------------------------------------------------


def test_every_session_kind_is_reached(fake: PersonalizeFake, monkeypatch: pytest.MonkeyPatch) -> None:
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    clients = [
        boto3.client("personalize", region_name="us-east-1", **credentials),
        boto3.Session(region_name="us-east-1", **credentials).client("personalize"),
        make_client("us-east-1"),
    ]

    for index, client in enumerate(clients):
        client.create_dataset_group(name=f"g{index}")

    assert len(fake.dataset_groups()) == 3


def test_other_services_are_left_alone(fake: PersonalizeFake) -> None:
    def wired(service: str) -> bool:
        client = boto3.client(service, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        return "pytest-personalize-fake" in client.meta.events._emitter._unique_id_handlers

    # The three Personalize APIs are the fake's; any other service is left alone.
    assert wired("personalize") and wired("personalize-runtime") and wired("personalize-events")
    assert not wired("s3") and not wired("sts")


def test_a_client_made_before_activation_is_reached_once_attached() -> None:
    early = make_client("us-east-1")

    with PersonalizeFake() as fake:
        PersonalizeFake.attach(early)
        early.create_dataset_group(name="shop")

    assert fake.calls[0].operation == "CreateDatasetGroup"


def test_the_innermost_fake_answers_and_deactivation_restores_botocore() -> None:
    from botocore.client import BaseClient

    original = BaseClient.__init__
    with PersonalizeFake() as outer:
        with PersonalizeFake() as inner:
            make_client("us-east-1").create_dataset_group(name="shop")
        assert outer.active and not inner.active
        make_client("us-east-1").create_dataset_group(name="shop")

    assert len(inner.calls) == len(outer.calls) == 1
    assert BaseClient.__init__ is original
    assert not outer.active


def test_headers_on_the_response_are_the_services(client: Any) -> None:
    headers = client.list_dataset_groups()["ResponseMetadata"]["HTTPHeaders"]

    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert UUID.fullmatch(headers["x-amzn-requestid"])
    assert "date" in headers


# --- the fake has a backend ----------------------------------------------------------------------


def test_the_fake_offers_every_public_method_and_attribute_of_its_backend() -> None:
    import inspect

    from pytest_personalize import Backend

    fake = PersonalizeFake(dataset_group_quota=3)
    names = [name for name in dir(fake.backend) if not name.startswith("_")]

    missing = [name for name in names if not hasattr(fake, name)]
    assert missing == [], f"PersonalizeFake lacks the backend's {missing}"
    for name in names:
        ours, theirs = getattr(fake, name), getattr(fake.backend, name)
        if inspect.ismethod(theirs):
            assert inspect.signature(ours) == inspect.signature(theirs), name
            assert ours.__doc__ == theirs.__doc__, name
        else:
            assert ours is theirs or ours == theirs, name
    assert isinstance(fake.backend, Backend) and fake.dataset_group_quota == 3


def test_settings_made_on_the_fake_are_its_backends() -> None:
    fake = PersonalizeFake()

    fake.default_region = "eu-west-1"
    fake.dataset_group_quota = 1
    clock = fake.use_manual_clock()

    assert fake.backend.default_region == "eu-west-1"
    assert fake.backend.dataset_group_quota == 1
    assert fake.clock is fake.backend.clock is clock


def test_an_import_reader_passed_in_decides_an_import_jobs_fate() -> None:
    from pytest_personalize import Backend
    from pytest_personalize.emulator.import_data import ImportSource

    class Reader:
        def __init__(self) -> None:
            self.sources: list[ImportSource] = []

        def problem(self, source: ImportSource) -> str | None:
            self.sources.append(source)
            return "Input CSV is missing the following columns:[ITEM_ID]."

    schema = '{"type": "record", "name": "I", "fields": [{"name": "USER_ID", "type": "string"}, '
    schema += '{"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}]}'
    reader = Reader()
    backend = Backend(import_reader=reader)
    backend.set_lifecycle("instant")
    group = backend.call("CreateDatasetGroup", {"name": "g"})["datasetGroupArn"]
    schema_arn = backend.call("CreateSchema", {"name": "s", "schema": schema})["schemaArn"]
    dataset = backend.call(
        "CreateDataset", {"name": "d", "datasetType": "Interactions", "datasetGroupArn": group, "schemaArn": schema_arn}
    )["datasetArn"]
    job = backend.call(
        "CreateDatasetImportJob",
        {
            "jobName": "j",
            "datasetArn": dataset,
            "dataSource": {"dataLocation": "s3://data/i.csv"},
            "roleArn": "arn:aws:iam::123456789012:role/PersonalizeS3Access",
        },
    )["datasetImportJobArn"]
    described = backend.call("DescribeDatasetImportJob", {"datasetImportJobArn": job})["datasetImportJob"]

    assert [source.location for source in reader.sources] == ["s3://data/i.csv"]
    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"].endswith("missing the following columns:[ITEM_ID].")
    # Without a reader (the server's backend), import jobs simply succeed.
    assert Backend().import_problem(reader.sources[0]) is None
