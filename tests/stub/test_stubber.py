"""PersonalizeStubber used directly, outside the fixture."""

from __future__ import annotations

import pytest

from pytest_personalize import ConformanceError, PersonalizeStubber, UsageError, common_errors, modeled_errors
from pytest_personalize._clients import make_client
from pytest_personalize.model import validate as _validate


@pytest.fixture
def client():
    return make_client("eu-west-1")


def test_add_response_returns_what_the_client_gets(client):
    with PersonalizeStubber(client) as stubber:
        queued = stubber.add_response("CreateDatasetGroup", {"name": "shop"})
        received = client.create_dataset_group(name="shop")
    assert (
        received["datasetGroupArn"]
        == queued["datasetGroupArn"]
        == "arn:aws:personalize:eu-west-1:123456789012:dataset-group/shop"
    )
    assert received["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_overrides_replace_and_none_removes(client):
    stubber = PersonalizeStubber(client)
    arn = "arn:aws:personalize:eu-west-1:123456789012:dataset-group/shop"
    assert stubber.add_response("create_dataset_group", {"name": "shop"}, datasetGroupArn=arn)["datasetGroupArn"] == arn
    assert "domain" not in stubber.add_response(
        "create_dataset_group", {"name": "s", "domain": "ECOMMERCE"}, domain=None
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"datasetGroupArn": "not-an-arn"},
            r"Value 'not-an-arn' at 'datasetGroupArn' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
        (
            {"domain": "ECOMERCE"},
            r"at 'domain' .* enum value set: \[ECOMMERCE, VIDEO_ON_DEMAND\] \(did you mean 'ECOMMERCE'\?\)",
        ),
        (
            {"datasetGroupArn": "arn:aws:personalize:us-east-1:1:dataset-group/" + "x" * 256},
            r"Member must have length less than or equal to 256",
        ),
        (
            {"datasetGroupArns": "x"},
            r"'datasetGroupArns' is not a member of CreateDatasetGroupResponse \(did you mean 'datasetGroupArn'\?\)",
        ),
        ({"domain": 3}, r"Member must be a string, not int"),
    ],
)
def test_refused_overrides_fail_at_queue_time(client, overrides, expected):
    stubber = PersonalizeStubber(client)
    with pytest.raises(
        ConformanceError,
        match=r"add_response\('CreateDatasetGroup'\): the service never sends this response: .*" + expected,
    ):
        stubber.add_response("create_dataset_group", **overrides)
    assert stubber.pending == []


def test_expected_params_the_service_would_refuse_fail_at_queue_time(client):
    stubber = PersonalizeStubber(client)
    with pytest.raises(
        ConformanceError, match=r"expected_params for CreateDatasetGroup would be refused .*Value 'my group' at 'name'"
    ):
        stubber.add_response("create_dataset_group", {"name": "my group"})
    with pytest.raises(ConformanceError, match="KMS key"):
        stubber.add_error(
            "create_dataset_group",
            "LimitExceededException",
            expected_params={"name": "g", "roleArn": "arn:aws:iam::123456789012:role/r"},
        )


def test_expected_params_may_use_stub_any(client):
    from botocore.stub import ANY

    with PersonalizeStubber(client) as stubber:
        stubber.add_response("create_dataset_group", {"name": ANY, "domain": "ECOMMERCE"})
        assert client.create_dataset_group(name="whatever", domain="ECOMMERCE")["domain"] == "ECOMMERCE"


@pytest.mark.parametrize("code", modeled_errors("CreateDatasetGroup"))
def test_every_modeled_error_raises_its_class_as_real_traffic(client, code):
    with PersonalizeStubber(client) as stubber:
        stubber.add_error("CreateDatasetGroup", code, expected_params={"name": "shop"})
        with pytest.raises(getattr(client.exceptions, code)) as raised:
            client.create_dataset_group(name="shop")
    response = raised.value.response
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"] == response["message"] != ""
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["RequestId"] == response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_a_given_message_is_used(client):
    with PersonalizeStubber(client) as stubber:
        stubber.add_error("create_dataset_group", "LimitExceededException", "slow down")
        with pytest.raises(client.exceptions.LimitExceededException, match="slow down"):
            client.create_dataset_group(name="shop")


def test_a_code_the_operation_does_not_model_lists_the_ones_it_does(client):
    stubber = PersonalizeStubber(client)
    modeled = ", ".join(modeled_errors("CreateDatasetGroup"))
    with pytest.raises(ConformanceError) as raised:
        stubber.add_error("create_dataset_group", "ResourceNotFoundException")
    assert str(raised.value) == (
        f"'ResourceNotFoundException' is not modeled for CreateDatasetGroup; modeled: {modeled}; "
        f"common to every operation: {', '.join(common_errors())}"
    )


def test_an_unknown_operation_is_refused(client):
    with pytest.raises(UsageError, match="not an operation of Amazon Personalize"):
        PersonalizeStubber(client).add_response("create_dataset_grup")


def test_pending_lists_what_was_never_used(client):
    with PersonalizeStubber(client) as stubber:
        stubber.add_response("create_dataset_group", {"name": "a"})
        stubber.add_error("create_dataset_group", "TooManyTagsException")
        client.create_dataset_group(name="a")
        assert [call.outcome for call in stubber.pending] == ["TooManyTagsException"]
        with pytest.raises(
            AssertionError,
            match=r"1 queued Personalize answer was never used:\n  - CreateDatasetGroup -> TooManyTagsException \(any parameters\)",
        ):
            stubber.assert_no_pending_responses()


def test_any_operation_can_be_stubbed(client):
    with PersonalizeStubber(client) as stubber:
        stubber.add_response("list_recipes")
        recipes = client.list_recipes()["recipes"]
    assert recipes and recipes[0]["recipeArn"].startswith("arn:aws:personalize:")


def test_nested_overrides_are_checked(client):
    stubber = PersonalizeStubber(client)
    group = {"name": "shop", "status": "ACTIVE"}
    assert stubber.add_response("describe_dataset_group", datasetGroup=group)["datasetGroup"] == group
    with pytest.raises(ConformanceError, match=r"Value 'bad name' at 'datasetGroup.name'"):
        stubber.add_response("describe_dataset_group", datasetGroup={"name": "bad name"})


def test_any_in_expected_params_never_reaches_the_response(client):
    from botocore.stub import ANY

    stubber = PersonalizeStubber(client)
    created = stubber.add_response("create_dataset_group", {"name": ANY, "domain": ANY})
    assert created["datasetGroupArn"].endswith(":dataset-group/example")
    assert "domain" not in created
    described = stubber.add_response("describe_dataset_group", {"datasetGroupArn": ANY})
    assert _validate.response_violations("DescribeDatasetGroup", described) == []


def test_an_operation_that_is_not_a_string_is_refused_clearly(client):
    with pytest.raises(UsageError, match=r"an operation is named by a string .* not NoneType"):
        PersonalizeStubber(client).add_response(None)


def test_two_stubbers_on_one_client_keep_their_own_queues(client):
    first = PersonalizeStubber(client)
    with first:
        first.add_response("create_dataset_group", {"name": "a"})
        client.create_dataset_group(name="a")
    first.add_response("create_dataset_group", {"name": "b"})  # queued, never activated again
    with PersonalizeStubber(client) as second:
        second.add_response("create_dataset_group", {"name": "c"})
        client.create_dataset_group(name="c")
    assert [call.expected_params for call in first.pending] == [{"name": "b"}]
    assert second.pending == []
