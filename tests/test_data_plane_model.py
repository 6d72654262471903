"""The runtime and events APIs in the model layer and the stubber: names, templates, errors, wire form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_personalize import ConformanceError, PersonalizeStubber, UsageError, modeled_errors
from pytest_personalize._clients import make_client
from pytest_personalize.model import data_plane as _data_plane
from pytest_personalize.model import spec as _spec
from pytest_personalize.model import templates as _templates
from pytest_personalize.model import validate as _validate

DATA_PLANE = (_spec.RUNTIME_SERVICE_NAME, _spec.EVENTS_SERVICE_NAME)
DATA_PLANE_OPERATIONS = sorted(name for service in DATA_PLANE for name in _spec.operation_names(service))
CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"
DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS"


def test_operation_names_never_collide_between_the_three_apis() -> None:
    seen: dict[str, str] = {}
    for service in _spec.SERVICE_NAMES:
        for name in _spec.operation_names(service):
            assert name not in seen, f"{name} is in both {seen[name]} and {service}"
            seen[name] = service
            assert _spec.service_of(name) == service


@pytest.mark.parametrize("operation", DATA_PLANE_OPERATIONS)
def test_every_data_plane_template_conforms(operation: str) -> None:
    response = _templates.template(operation, {}, _templates.Context())
    assert _validate.response_violations(operation, response) == []


@pytest.mark.parametrize("operation", DATA_PLANE_OPERATIONS)
def test_every_data_plane_operation_has_a_rest_route(operation: str) -> None:
    http = _spec.operation_model(operation).http
    assert _data_plane.rest_operation(http["method"], http["requestUri"]) == operation


def test_a_control_plane_operation_on_a_runtime_stubber_names_the_right_api() -> None:
    stubber = PersonalizeStubber(make_client("us-east-1", "personalize-runtime"))
    with pytest.raises(UsageError, match="'create_dataset_group' is an operation of Amazon Personalize, not of"):
        stubber.add_response("create_dataset_group")
    with pytest.raises(UsageError, match="Did you mean 'GetRecommendations'"):
        stubber.add_response("get_recomendations")


def test_runtime_errors_carry_the_status_their_model_gives_them() -> None:
    assert _templates.error_status("ResourceNotFoundException", "GetRecommendations") == 404
    assert _templates.error_status("ResourceInUseException", "PutItems") == 409
    assert _templates.error_status("InvalidInputException", "PutEvents") == 400
    # The control plane's errors carry no status of their own: AWS JSON's 400.
    assert _templates.error_status("ResourceNotFoundException", "DescribeCampaign") == 400


def test_the_campaign_not_found_message_is_the_services() -> None:
    message = _templates.error_message(
        "ResourceNotFoundException", {"campaignArn": CAMPAIGN}, operation="GetRecommendations"
    )
    assert message == f"The given campaign does not exist: {CAMPAIGN}"


@pytest.fixture
def runtime() -> PersonalizeStubber:
    stubber = PersonalizeStubber(make_client("us-east-1", "personalize-runtime"))
    stubber.activate()
    yield stubber
    stubber.deactivate()


@pytest.fixture
def events() -> PersonalizeStubber:
    stubber = PersonalizeStubber(make_client("us-east-1", "personalize-events"))
    stubber.activate()
    yield stubber
    stubber.deactivate()


def test_a_stubbed_rest_json_error_is_the_modeled_exception_with_its_status(runtime: PersonalizeStubber) -> None:
    client = runtime.client
    runtime.add_error("get_recommendations", "ResourceNotFoundException")
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.get_recommendations(campaignArn=CAMPAIGN, userId="u1")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Error"]["Message"] == f"The given campaign does not exist: {CAMPAIGN}"


def test_events_in_use_is_409(events: PersonalizeStubber) -> None:
    client = events.client
    events.add_error("put_items", "ResourceInUseException")
    with pytest.raises(client.exceptions.ResourceInUseException) as raised:
        client.put_items(datasetArn=DATASET, items=[{"itemId": "i1"}])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_an_override_is_checked_against_the_runtime_output_shape(runtime: PersonalizeStubber) -> None:
    with pytest.raises(ConformanceError, match=r"itemList\.1\.member\.itemId.*less than or equal to 256"):
        runtime.add_response("get_recommendations", itemList=[{"itemId": "x" * 257}])
    with pytest.raises(ConformanceError, match="'rank' is not a member of PredictedItem"):
        runtime.add_response("get_recommendations", itemList=[{"itemId": "i1", "rank": 1}])


def test_the_ranking_template_ranks_the_input_list_as_given(runtime: PersonalizeStubber) -> None:
    runtime.add_response("get_personalized_ranking")
    answer = runtime.client.get_personalized_ranking(campaignArn=CAMPAIGN, userId="u1", inputList=["b", "a", "c"])
    ranking = answer["personalizedRanking"]
    assert [item["itemId"] for item in ranking] == ["b", "a", "c"]
    scores = [item["score"] for item in ranking]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1) < 0.001


def test_a_refused_runtime_request_gets_the_services_error_not_the_stub(runtime: PersonalizeStubber) -> None:
    client = runtime.client
    runtime.add_response("get_recommendations")
    with pytest.raises(client.exceptions.InvalidInputException, match="either a campaignArn or a recommenderArn"):
        client.get_recommendations(userId="u1")
    assert runtime.pending[0].refused is not None


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ('{"sessionId": "s2"}', "'sessionId' can't be a property of an event"),
        ('{"EVENTTYPE": "x"}', "'EVENTTYPE' can't be a property of an event"),
        ("[1, 2]", "properties must be a JSON object"),
        ("{not json", "properties must be a JSON object"),
    ],
)
def test_event_properties_the_service_refuses_whatever_the_schema(
    events: PersonalizeStubber, properties: str, problem: str
) -> None:
    client = events.client
    event = {"eventType": "click", "sentAt": 1_700_000_000, "properties": properties}
    with pytest.raises(client.exceptions.InvalidInputException, match=problem):
        client.put_events(trackingId="t-1", sessionId="s-1", eventList=[event])


def test_model_constraints_of_events_are_enforced(events: PersonalizeStubber) -> None:
    client = events.client
    events.add_response("put_events")
    with pytest.raises(client.exceptions.InvalidInputException, match=r"eventList.*length less than or equal to 10"):
        client.put_events(trackingId="t-1", sessionId="s-1", eventList=[{"eventType": "click", "sentAt": 1}] * 11)
    client.put_events(trackingId="t-1", sessionId="s-1", eventList=[{"eventType": "click", "sentAt": 1}])
    assert events.pending == []


@pytest.mark.parametrize("operation", DATA_PLANE_OPERATIONS)
def test_every_modeled_error_of_every_data_plane_operation_can_be_queued(operation: str) -> None:
    service = _spec.service_of(operation)
    stubber = PersonalizeStubber(make_client("us-east-1", service))
    for code in modeled_errors(operation):
        parsed = stubber.add_error(operation, code)
        assert parsed["Error"]["Code"] == code
        assert parsed["ResponseMetadata"]["HTTPStatusCode"] == _templates.error_status(code, operation)


def test_replay_refuses_a_runtime_request_the_service_would_refuse_in_rest_json(tmp_path: Any) -> None:
    from vcr.request import Request

    from pytest_personalize.recording.cassette import PersonalizeCassette

    cassette = PersonalizeCassette(tmp_path / "empty.yaml", "none")
    body = json.dumps({"campaignArn": CAMPAIGN, "userId": "u" * 257}).encode()
    uri = "https://personalize-runtime.us-east-1.amazonaws.com/recommendations"
    response = cassette.answer(Request("POST", uri, body, {"Content-Type": "application/json"}))
    assert response is not None and response["status"]["code"] == 400
    assert response["headers"]["x-amzn-ErrorType"] == ["InvalidInputException"]
    assert "less than or equal to 256" in json.loads(response["body"]["string"])["message"]
    assert cassette.answered == [("GetRecommendations", "InvalidInputException")]


def test_check_holds_recorded_runtime_and_events_traffic_to_their_models() -> None:
    from pytest_personalize.recording.check import _model_findings

    request = json.dumps({"campaignArn": CAMPAIGN, "userId": "u1"})
    too_long = json.dumps({"itemList": [{"itemId": "x" * 257}]})
    (finding,) = _model_findings("w", "GetRecommendations", 200, request, too_long)
    assert "itemList.1.member.itemId" in finding.kind
    # REST-JSON names the error in x-amzn-ErrorType; PutEvents models InvalidInputException only.
    (finding,) = _model_findings("w", "PutEvents", 404, "{}", '{"message": "m"}', "ResourceNotFoundException:http://x/")
    assert finding.kind.startswith("ResourceNotFoundException is not modeled for PutEvents")
    assert _model_findings("w", "PutItems", 409, "{}", '{"message": "m"}', "ResourceInUseException") == []
