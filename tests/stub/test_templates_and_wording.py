"""The stubber's answers hold nothing made up: no placeholder values, no optional member the request
didn't give, ARNs in the client's region; and a missing resource in the service's words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_personalize import ConformanceError, PersonalizeStubber, Stubber
from pytest_personalize._clients import make_client
from pytest_personalize.model import spec as _spec

REGION = "eu-west-1"
ACCOUNT_ARN = f"arn:aws:personalize:{REGION}:123456789012"


@pytest.fixture
def client() -> Any:
    return make_client(REGION)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(text for item in value.values() for text in _strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


READS = sorted(
    name for name in _spec.operation_names() if name.startswith(("Create", "Describe", "List", "Get", "Update"))
)


@pytest.mark.parametrize("operation", READS)
def test_no_answer_holds_a_placeholder(client: Any, operation: str) -> None:
    answer = PersonalizeStubber(client).add_response(operation)

    # Names are what nothing decides ("example"); no value or key of another member is made up.
    made_up = [text for text in _strings(answer) if text == "example" and not _is_a_name(answer, text)]
    assert made_up == []
    arns = [text for text in _strings(answer) if text.startswith("arn:aws:personalize:") and ":::" not in text]
    assert all(arn.startswith(f"arn:aws:personalize:{REGION}:123456789012:") for arn in arns), arns


def _is_a_name(answer: Any, text: str) -> bool:
    found: list[bool] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if item == text:
                    found.append(key in ("name", "jobName"))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answer)
    return all(found)


@pytest.mark.parametrize(
    ("operation", "member", "absent"),
    [
        (
            "DescribeSolution",
            "solution",
            ("eventType", "autoMLResult", "latestSolutionVersion", "latestSolutionUpdate"),
        ),
        ("DescribeSolutionVersion", "solutionVersion", ("eventType", "tunedHPOParams", "failureReason")),
        ("DescribeCampaign", "campaign", ("campaignConfig", "latestCampaignUpdate")),
        ("DescribeBatchInferenceJob", "batchInferenceJob", ("filterArn", "batchInferenceJobConfig", "numResults")),
        ("DescribeBatchSegmentJob", "batchSegmentJob", ("filterArn", "numResults")),
        ("DescribeDataset", "dataset", ("trackingId", "latestDatasetUpdate")),
        ("DescribeRecommender", "recommender", ("recommenderConfig", "modelMetrics", "latestRecommenderUpdate")),
    ],
)
def test_optional_members_are_absent_unless_given(
    client: Any, operation: str, member: str, absent: tuple[str, ...]
) -> None:
    description = PersonalizeStubber(client).add_response(operation)[member]

    assert [name for name in absent if name in description] == []
    assert description["status"] == "ACTIVE"


def test_what_the_service_fills_in_is_there(client: Any) -> None:
    stubber = PersonalizeStubber(client)

    solution = stubber.add_response("describe_solution")["solution"]
    tracker = stubber.add_response("describe_event_tracker")["eventTracker"]
    version = stubber.add_response("describe_solution_version")["solutionVersion"]

    # DescribeSolution as real outputs show it: the recipe, the flags, an empty solutionConfig.
    assert solution["recipeArn"] == "arn:aws:personalize:::recipe/aws-user-personalization"
    assert (solution["performHPO"], solution["performAutoML"], solution["solutionConfig"]) == (False, False, {})
    assert tracker["accountId"] == "123456789012"
    assert tracker["eventTrackerArn"].startswith(f"{ACCOUNT_ARN}:event-tracker/")
    assert version["trainingType"] == "MANUAL"  # what CreateSolutionVersion makes


def test_given_members_are_kept(client: Any) -> None:
    filter_arn = f"{ACCOUNT_ARN}:filter/no-purchases"

    job = PersonalizeStubber(client).add_response(
        "describe_batch_inference_job", batchInferenceJob={"filterArn": filter_arn, "status": "ACTIVE"}
    )

    assert job["batchInferenceJob"]["filterArn"] == filter_arn


def test_a_schema_and_a_filter_are_ones_the_service_accepted(client: Any) -> None:
    stubber = PersonalizeStubber(client)

    schema = json.loads(stubber.add_response("describe_schema")["schema"]["schema"])
    expression = stubber.add_response("describe_filter")["filter"]["filterExpression"]

    assert [field["name"] for field in schema["fields"]] == ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    assert expression.startswith("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN")


def test_a_create_answer_is_in_the_clients_region(client: Any) -> None:
    stubber = PersonalizeStubber(client)

    with stubber:
        stubber.add_response("create_dataset_group")
        arn = client.create_dataset_group(name="shop")["datasetGroupArn"]

    assert arn == f"{ACCOUNT_ARN}:dataset-group/shop"
    with pytest.raises(ConformanceError, match="the client asked in eu-west-1"):
        stubber.add_response(
            "create_dataset_group", datasetGroupArn="arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
        )
    with pytest.raises(ConformanceError, match="the client asked in eu-west-1"):
        Stubber(client).add_response(
            "create_solution", {"solutionArn": "arn:aws:personalize:us-east-1:123456789012:solution/s"}
        )


@pytest.mark.parametrize(
    ("operation", "params", "noun"),
    [
        ("describe_solution", {"solutionArn": f"{ACCOUNT_ARN}:solution/s"}, "solution"),
        ("delete_dataset_group", {"datasetGroupArn": f"{ACCOUNT_ARN}:dataset-group/shop"}, "dataset group"),
        ("describe_campaign", {"campaignArn": f"{ACCOUNT_ARN}:campaign/c"}, "campaign"),
        ("describe_event_tracker", {"eventTrackerArn": f"{ACCOUNT_ARN}:event-tracker/1a2b3c4d"}, "event tracker"),
    ],
)
def test_add_errors_default_not_found_text_is_the_services(
    client: Any, operation: str, params: dict[str, str], noun: str
) -> None:
    (arn,) = params.values()
    with PersonalizeStubber(client) as stubber:
        stubber.add_error(operation, "ResourceNotFoundException")
        with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
            getattr(client, operation)(**params)

    assert raised.value.response["Error"]["Message"] == f"The given {noun} does not exist: {arn}"
