"""The runtime and events APIs in the model layer and the stubber: names, templates, errors, wire form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import ANY

from pytest_personalize import ConformanceError, PersonalizeStubber, UsageError, modeled_errors
from pytest_personalize._clients import make_client
from pytest_personalize.model import rest as _rest
from pytest_personalize.model import rules as _rules
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
    assert _rest.rest_operation(http["method"], http["requestUri"]) == operation


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


# --- result limits: the table in model/rules.py, the model's documentation, and each mode's use --


@pytest.mark.parametrize(("operation", "limit"), sorted(_rules.RESULT_LIMITS.items()))
def test_the_result_limits_are_the_ones_the_runtime_model_documents(operation: str, limit: _rules.ResultLimit) -> None:
    shape = _spec.operation_model(operation).input_shape
    assert shape is not None
    text = " ".join(shape.members[limit.asked].documentation.split())
    assert f"maximum is {limit.maximum}." in text
    if limit.default is not None:
        assert f"The default is {limit.default}." in text
    if limit.with_metadata is not None:
        assert "metadataColumns" in shape.members
        assert f"If you are including metadata in recommendations, the maximum is {limit.with_metadata}." in text
    else:
        assert "metadataColumns" not in shape.members
    output = _spec.operation_model(operation).output_shape
    assert output is not None and limit.answer in output.members
    assert limit.id in output.members[limit.answer].member.members  # type: ignore[attr-defined]


METADATA = {"ITEMS": ["GENRE"]}


@pytest.mark.parametrize(
    ("operation", "params", "refused"),
    [
        ("GetRecommendations", {"numResults": 500}, False),
        ("GetRecommendations", {"numResults": 501}, True),
        ("GetRecommendations", {"numResults": 50, "metadataColumns": METADATA}, False),
        ("GetRecommendations", {"numResults": 51, "metadataColumns": METADATA}, True),
        ("GetRecommendations", {"numResults": 51, "metadataColumns": {}}, False),
        ("GetRecommendations", {"numResults": 51, "metadataColumns": ANY}, False),
        ("GetActionRecommendations", {"numResults": 100}, False),
        ("GetActionRecommendations", {"numResults": 101}, True),
        ("GetPersonalizedRanking", {"inputList": ["i"] * 500}, False),
        ("GetPersonalizedRanking", {"inputList": ["i"] * 501}, True),
        ("GetPersonalizedRanking", {"inputList": ["i"] * 50, "metadataColumns": METADATA}, False),
        ("GetPersonalizedRanking", {"inputList": ["i"] * 51, "metadataColumns": METADATA}, True),
    ],
)
def test_result_limits_refuse_past_the_maximum_and_no_sooner(
    operation: str, params: dict[str, Any], refused: bool
) -> None:
    problem = _validate.request_problem(operation, {"campaignArn": CAMPAIGN, "userId": "u1", **params})
    assert (problem is not None) == refused
    if problem is not None:
        assert problem.code == "InvalidInputException"
        assert ("when metadataColumns is given" in problem.message) == bool(params.get("metadataColumns"))


def _ids(member: str, *ids: str) -> list[dict[str, str]]:
    return [{member: identifier} for identifier in ids]


def test_a_runtime_answer_is_held_to_the_request_it_answers() -> None:
    def problems(operation: str, response: dict[str, Any], params: dict[str, Any] | None) -> list[str]:
        return [p.explain() for p in _rules.response_problems(operation, response, params)]

    items = {"itemList": _ids("itemId", *(f"i{n}" for n in range(26)))}
    assert problems("GetRecommendations", items, {"numResults": 26}) == []
    assert problems("GetRecommendations", items, {}) == [
        "'26 entries' at 'itemList': the request left numResults out, so the service sends at most 25"
    ]
    # Unknown request (add_response without expected_params) or numResults=ANY: the maximum.
    assert problems("GetRecommendations", items, None) == []
    assert problems("GetRecommendations", items, {"numResults": ANY}) == []
    # ANY for metadataColumns may be no columns: the higher maximum until the request is sent.
    fifty_one = {"itemList": _ids("itemId", *(f"i{n}" for n in range(51)))}
    assert problems("GetRecommendations", fifty_one, {"numResults": ANY, "metadataColumns": ANY}) == []
    assert problems("GetRecommendations", fifty_one, {"numResults": ANY, "metadataColumns": METADATA}) == [
        "'51 entries' at 'itemList': the service sends at most 50 when metadataColumns is given"
    ]
    many = {"itemList": _ids("itemId", *(f"i{n}" for n in range(501)))}
    assert problems("GetRecommendations", many, None) == ["'501 entries' at 'itemList': the service sends at most 500"]
    assert problems("GetRecommendations", {"itemList": _ids("itemId", "i1", "i2")}, {"numResults": 0}) == [
        "'2 entries' at 'itemList': the request's numResults is 0, so the service sends at most 0"
    ]
    ranking = {"personalizedRanking": _ids("itemId", "b", "a", "b", "z")}
    assert problems("GetPersonalizedRanking", ranking, {"inputList": ["a", "b"]}) == [
        "'b' at 'personalizedRanking.3.itemId': it is already at personalizedRanking.1: the service lists each "
        "itemId once",
        "'z' at 'personalizedRanking.4.itemId': the request's inputList doesn't hold it: the service ranks only those",
    ]
    actions = {"actionList": _ids("actionId", "a1", "a1")}
    assert problems("GetActionRecommendations", actions, None) == [
        "'a1' at 'actionList.2.actionId': it is already at actionList.1: the service lists each actionId once"
    ]


def test_runtime_templates_keep_the_rules_they_are_held_to() -> None:
    context = _templates.Context()
    for operation, params, member in [
        ("GetRecommendations", {"numResults": 0}, "itemList"),
        ("GetActionRecommendations", {"numResults": 0}, "actionList"),
        ("GetPersonalizedRanking", {"inputList": []}, "personalizedRanking"),
    ]:
        assert _templates.template(operation, params, context)[member] == []
    params = {"campaignArn": CAMPAIGN, "userId": "u1", "inputList": ["b", "a", "b"]}
    ranking = _templates.template("GetPersonalizedRanking", params, context)
    assert [item["itemId"] for item in ranking["personalizedRanking"]] == ["b", "a"]
    assert _rules.response_problems("GetPersonalizedRanking", ranking, params) == []


@pytest.mark.parametrize(
    ("service", "method", "params", "content_type"),
    [
        ("personalize-runtime", "get_recommendations", {"campaignArn": CAMPAIGN, "userId": "u1"}, "application/json"),
        ("personalize-events", "put_items", {"datasetArn": DATASET, "items": [{"itemId": "i1"}]}, "application/json"),
        ("personalize", "list_dataset_groups", {}, "application/x-amz-json-1.1"),
    ],
)
def test_a_stubbed_success_carries_its_apis_content_type(
    service: str, method: str, params: dict[str, Any], content_type: str
) -> None:
    # REST-JSON (runtime, events) answers application/json, as the fake and the server send it.
    with PersonalizeStubber(make_client("us-east-1", service)) as stubber:
        stubber.add_response(method)
        headers = getattr(stubber.client, method)(**params)["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == content_type
