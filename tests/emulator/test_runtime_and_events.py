"""The runtime and events APIs in the fake and the server: declared results, the service's refusals, records."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pytest_personalize import ConformanceError, PersonalizeFake, PersonalizeServer, UsageError

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

INTERACTIONS_SCHEMA = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "DEVICE", "type": ["null", "string"]},
    ],
    "version": "1.0",
}
ITEMS_SCHEMA = {
    "type": "record",
    "name": "Items",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRE", "type": "string", "categorical": True},
        {"name": "PRICE", "type": ["null", "float"]},
        {"name": "DESCRIPTION", "type": ["null", "string"], "textual": True},
    ],
    "version": "1.0",
}
USERS_SCHEMA = {
    "type": "record",
    "name": "Users",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"}],
    "version": "1.0",
}


@pytest.fixture
def fake() -> Iterator[PersonalizeFake]:
    with PersonalizeFake() as fake:
        fake.set_lifecycle("instant")
        yield fake


@pytest.fixture
def clients(fake: PersonalizeFake) -> Any:
    class Clients:
        control = boto3.client("personalize", **CREDENTIALS)
        runtime = boto3.client("personalize-runtime", **CREDENTIALS)
        events = boto3.client("personalize-events", **CREDENTIALS)

    return Clients


def _error(raised: pytest.ExceptionInfo[Any]) -> tuple[str, int, str]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def _group_of(clients: Any, campaign: str) -> str:
    version = clients.control.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
    return str(
        clients.control.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["datasetGroupArn"]
    )


def _dataset(clients: Any, group: str, kind: str, schema: dict[str, Any]) -> str:
    name = f"{kind.lower()}-schema"
    schema_arn = clients.control.create_schema(name=name, schema=json.dumps(schema))["schemaArn"]
    return str(
        clients.control.create_dataset(
            name=kind.lower(), datasetGroupArn=group, datasetType=kind, schemaArn=schema_arn
        )["datasetArn"]
    )


@pytest.fixture
def shop(fake: PersonalizeFake, clients: Any) -> dict[str, str]:
    """A campaign with an Interactions and an Items dataset and an event tracker in its group."""
    campaign = fake.deploy_campaign("shop")
    group = _group_of(clients, campaign)
    tracker = clients.control.create_event_tracker(name="shop-events", datasetGroupArn=group)
    return {
        "campaign": campaign,
        "group": group,
        "interactions": _dataset(clients, group, "Interactions", INTERACTIONS_SCHEMA),
        "items": _dataset(clients, group, "Items", ITEMS_SCHEMA),
        "tracking_id": tracker["trackingId"],
    }


# --- runtime ---------------------------------------------------------------------------------


def test_declared_rules_answer_in_order_of_specificity(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("recs")
    fake.declare(campaign, user_id="u1", items=["i3", "i1"])
    fake.declare(campaign, items=["i9"], scores=[0.25])

    mine = clients.runtime.get_recommendations(campaignArn=campaign, userId="u1")["itemList"]
    theirs = clients.runtime.get_recommendations(campaignArn=campaign, userId="u2")["itemList"]

    assert [item["itemId"] for item in mine] == ["i3", "i1"]
    assert mine[0]["score"] > mine[1]["score"] and abs(sum(item["score"] for item in mine) - 1) < 0.001
    assert theirs == [{"itemId": "i9", "score": 0.25}]


def test_nothing_declared_is_an_empty_list_and_num_results_cuts(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("recs")
    assert clients.runtime.get_recommendations(campaignArn=campaign, userId="u1")["itemList"] == []
    fake.declare(campaign, items=[f"i{n}" for n in range(30)])
    assert len(clients.runtime.get_recommendations(campaignArn=campaign, userId="u1")["itemList"]) == 25
    assert len(clients.runtime.get_recommendations(campaignArn=campaign, userId="u1", numResults=3)["itemList"]) == 3
    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="at most 500"):
        clients.runtime.get_recommendations(campaignArn=campaign, userId="u1", numResults=501)


def test_a_missing_or_unready_campaign_is_the_services_404(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("recs")
    missing = campaign.replace("campaign/recs", "campaign/nope")
    with pytest.raises(clients.runtime.exceptions.ResourceNotFoundException) as raised:
        clients.runtime.get_recommendations(campaignArn=missing, userId="u1")
    assert _error(raised) == ("ResourceNotFoundException", 404, f"The given campaign does not exist: {missing}")

    fake.set_lifecycle("describe")
    version = clients.control.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
    pending = clients.control.create_campaign(name="pending", solutionVersionArn=version)["campaignArn"]
    with pytest.raises(clients.runtime.exceptions.ResourceNotFoundException):
        clients.runtime.get_recommendations(campaignArn=pending, userId="u1")


def test_similar_items_needs_an_item_and_answers_by_item(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("similar", recipe="aws-similar-items")
    fake.declare(campaign, item_id="i3", items=["i4", "i5"])
    answer = clients.runtime.get_recommendations(campaignArn=campaign, itemId="i3")["itemList"]
    assert answer == [{"itemId": "i4"}, {"itemId": "i5"}]  # related items carry no score
    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="needs itemId"):
        clients.runtime.get_recommendations(campaignArn=campaign, userId="u1")
    with pytest.raises(UsageError, match="doesn't use userId"):
        fake.declare(campaign, user_id="u1", items=["i1"])


def test_ranking_ranks_the_input_list_as_given_or_declared_first(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("ranking", recipe="aws-personalized-ranking")
    ranked = clients.runtime.get_personalized_ranking(campaignArn=campaign, userId="u1", inputList=["a", "b", "c"])
    assert [item["itemId"] for item in ranked["personalizedRanking"]] == ["a", "b", "c"]

    fake.declare(campaign, user_id="u1", items=["c", "z"])
    ranked = clients.runtime.get_personalized_ranking(campaignArn=campaign, userId="u1", inputList=["a", "b", "c"])
    assert [item["itemId"] for item in ranked["personalizedRanking"]] == ["c", "a", "b"]

    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="ask it with GetPersonalizedRanking"):
        clients.runtime.get_recommendations(campaignArn=campaign, userId="u1")


def test_a_user_personalization_campaign_refuses_ranking(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("recs")
    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="ask it with GetRecommendations"):
        clients.runtime.get_personalized_ranking(campaignArn=campaign, userId="u1", inputList=["a"])


def test_action_recommendations(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("actions", recipe="aws-next-best-action")
    fake.declare(campaign, user_id="u1", actions=["join", "download", "share"])
    answer = clients.runtime.get_action_recommendations(campaignArn=campaign, userId="u1", numResults=2)
    assert [action["actionId"] for action in answer["actionList"]] == ["join", "download"]
    with pytest.raises(UsageError, match=r"give actions=\[...\]"):
        fake.declare(campaign, items=["i1"])


def test_recommenders_follow_their_use_case(fake: PersonalizeFake, clients: Any) -> None:
    more_like = fake.deploy_recommender("more-like", use_case="aws-vod-more-like-x")
    fake.declare(more_like, item_id="m1", user_id="u1", items=["m2"])
    fake.declare(more_like, item_id="m1", items=["m3"])
    assert clients.runtime.get_recommendations(recommenderArn=more_like, itemId="m1", userId="u1")["itemList"] == [
        {"itemId": "m2"}
    ]
    assert clients.runtime.get_recommendations(recommenderArn=more_like, itemId="m1", userId="u2")["itemList"] == [
        {"itemId": "m3"}
    ]
    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="needs userId"):
        clients.runtime.get_recommendations(recommenderArn=more_like, itemId="m1")

    clients.control.stop_recommender(recommenderArn=more_like)
    with pytest.raises(clients.runtime.exceptions.ResourceNotFoundException, match="The given recommender does not"):
        clients.runtime.get_recommendations(recommenderArn=more_like, itemId="m1", userId="u1")


def test_declaring_against_nothing_names_what_exists(fake: PersonalizeFake) -> None:
    campaign = fake.deploy_campaign("recs")
    with pytest.raises(UsageError, match=f"known: {campaign}"):
        fake.declare(campaign + "x", items=["i1"])
    with pytest.raises(ConformanceError, match="less than or equal to 256"):
        fake.declare(campaign, items=["x" * 257])
    with pytest.raises(UsageError, match="scores must be a list of 2 finite numbers, one per id"):
        fake.declare(campaign, items=["a", "b"], scores=[0.5])
    with pytest.raises(UsageError, match=r"items is a list, not a string \(one id a string: items=\['abc'\]\)"):
        fake.declare(campaign, items="abc")
    with pytest.raises(ConformanceError, match="'i1' given twice"):
        fake.declare(campaign, items=["i1", "i2", "i1"])


def test_injected_runtime_faults_carry_their_status(fake: PersonalizeFake, clients: Any) -> None:
    campaign = fake.deploy_campaign("recs")
    fake.fail_next("get_recommendations", "ResourceNotFoundException")
    with pytest.raises(clients.runtime.exceptions.ResourceNotFoundException) as raised:
        clients.runtime.get_recommendations(campaignArn=campaign, userId="u1")
    assert _error(raised)[1:] == (404, f"The given campaign does not exist: {campaign}")


# --- events ----------------------------------------------------------------------------------


def test_events_need_a_tracker_and_are_kept(fake: PersonalizeFake, clients: Any, shop: dict[str, str]) -> None:
    event = {"eventType": "click", "itemId": "i1", "sentAt": 1_700_000_000, "properties": '{"device": "phone"}'}
    clients.events.put_events(trackingId=shop["tracking_id"], userId="u1", sessionId="s1", eventList=[event])

    (kept,) = fake.events(user_id="u1")
    assert (kept["eventType"], kept["itemId"], kept["sessionId"]) == ("click", "i1", "s1")
    assert kept["sentAt"].timestamp() == 1_700_000_000 and kept["datasetGroupArn"] == shop["group"]

    with pytest.raises(clients.events.exceptions.InvalidInputException, match="belongs to no event tracker"):
        clients.events.put_events(trackingId="not-a-tracker", sessionId="s1", eventList=[event])
    wrong = {**event, "properties": '{"browser": "x"}'}
    with pytest.raises(clients.events.exceptions.InvalidInputException, match="'browser' is not a field"):
        clients.events.put_events(trackingId=shop["tracking_id"], sessionId="s1", eventList=[wrong])
    assert len(fake.events()) == 1


def test_events_need_the_groups_interactions_dataset(fake: PersonalizeFake, clients: Any) -> None:
    group = clients.control.create_dataset_group(name="bare")["datasetGroupArn"]
    tracking_id = clients.control.create_event_tracker(name="t", datasetGroupArn=group)["trackingId"]
    with pytest.raises(clients.events.exceptions.InvalidInputException, match="has no Interactions dataset"):
        clients.events.put_events(
            trackingId=tracking_id, sessionId="s1", eventList=[{"eventType": "click", "sentAt": 1}]
        )


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ({"price": 3.5}, "'genre' is missing"),
        ({"genre": "shoes", "price": "cheap"}, '"cheap" is not a number'),
        ({"genre": 7}, "7 is not a string"),
        ({"genre": "x" * 1001}, "1001 characters; a string value has at most 1000"),
        ({"genre": "shoes", "description": "d" * 20_001}, "a textual value has at most 20000"),
        ({"GENRE": "shoes"}, "did you mean 'genre'"),
    ],
)
def test_items_must_match_the_items_schema(
    clients: Any, shop: dict[str, str], properties: dict[str, Any], problem: str
) -> None:
    item = {"itemId": "i1", "properties": json.dumps(properties)}
    with pytest.raises(clients.events.exceptions.InvalidInputException) as raised:
        clients.events.put_items(datasetArn=shop["items"], items=[item])
    code, status, message = _error(raised)
    assert (code, status) == ("InvalidInputException", 400)
    assert problem in message and "items.1 (itemId 'i1')" in message


def test_items_are_kept_latest_first_and_numbers_may_be_strings(
    fake: PersonalizeFake, clients: Any, shop: dict[str, str]
) -> None:
    put = clients.events.put_items
    put(datasetArn=shop["items"], items=[{"itemId": "i1", "properties": '{"genre": "shoes", "price": "12.5"}'}])
    put(datasetArn=shop["items"], items=[{"itemId": "i1", "properties": '{"genre": "boots"}'}])
    assert fake.items() == [{"itemId": "i1", "properties": {"genre": "boots"}, "datasetArn": shop["items"]}]


def test_records_need_their_dataset_ready_and_of_their_type(
    fake: PersonalizeFake, clients: Any, shop: dict[str, str]
) -> None:
    missing = shop["items"].replace("/ITEMS", "/USERS")
    with pytest.raises(clients.events.exceptions.ResourceNotFoundException) as raised:
        clients.events.put_users(datasetArn=missing, users=[{"userId": "u1"}])
    assert _error(raised)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(
        clients.events.exceptions.InvalidInputException, match="is an Items dataset: PutUsers adds to a Users dataset"
    ):
        clients.events.put_users(datasetArn=shop["items"], users=[{"userId": "u1"}])

    fake.set_lifecycle("describe")
    users = _dataset(clients, shop["group"], "Users", USERS_SCHEMA)
    with pytest.raises(clients.events.exceptions.ResourceInUseException) as raised:
        clients.events.put_users(datasetArn=users, users=[{"userId": "u1", "properties": '{"age": 30}'}])
    assert _error(raised)[:2] == ("ResourceInUseException", 409)
    clients.control.describe_dataset(datasetArn=users)  # describe mode: one look moves it to ACTIVE
    with pytest.raises(clients.events.exceptions.InvalidInputException, match="'age' is missing"):
        clients.events.put_users(datasetArn=users, users=[{"userId": "u1"}])
    clients.events.put_users(datasetArn=users, users=[{"userId": "u1", "properties": '{"age": "30"}'}])
    assert fake.users() == [{"userId": "u1", "properties": {"age": "30"}, "datasetArn": users}]


def test_action_interactions_go_to_the_datasets_tracker(fake: PersonalizeFake, clients: Any) -> None:
    group = clients.control.create_dataset_group(name="actions")["datasetGroupArn"]
    schema = {
        "type": "record",
        "name": "ActionInteractions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ACTION_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
            {"name": "EVENT_TYPE", "type": "string"},
        ],
        "version": "1.0",
    }
    dataset = _dataset(clients, group, "Action_Interactions", schema)
    tracking_id = clients.control.describe_dataset(datasetArn=dataset)["dataset"]["trackingId"]
    interaction = {
        "actionId": "join",
        "userId": "u1",
        "sessionId": "s1",
        "timestamp": 1_700_000_000,
        "eventType": "Taken",
    }
    clients.events.put_action_interactions(trackingId=tracking_id, actionInteractions=[interaction])
    assert [(i["actionId"], i["eventType"]) for i in fake.action_interactions(user_id="u1")] == [("join", "Taken")]
    # The model's documented event types only: Viewed, Taken, Not Taken.
    with pytest.raises(clients.events.exceptions.InvalidInputException, match="one of Viewed, Taken, Not Taken"):
        clients.events.put_action_interactions(
            trackingId=tracking_id, actionInteractions=[{**interaction, "eventType": "Clicked"}]
        )
    assert len(fake.action_interactions()) == 1
    with pytest.raises(clients.events.exceptions.ResourceNotFoundException):
        clients.events.put_action_interactions(trackingId="nope", actionInteractions=[interaction])


# --- filters ---------------------------------------------------------------------------------


def _filter(clients: Any, group: str, name: str, expression: str) -> str:
    return str(
        clients.control.create_filter(name=name, datasetGroupArn=group, filterExpression=expression)["filterArn"]
    )


def test_create_filter_refuses_an_expression_the_service_refuses(
    fake: PersonalizeFake, clients: Any, shop: dict[str, str]
) -> None:
    mixed = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click") AND Items.GENRE IN ("a")'
    for expression, why in (
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click"', "is invalid"),
        ("EXCLUDE ItemID WHERE Items.GENRE NOT IN ($GENRE)", "placeholder parameter with NOT IN"),
        (mixed, "chain expressions with |"),
    ):
        with pytest.raises(clients.control.exceptions.InvalidInputException, match=re.escape(why)):
            _filter(clients, shop["group"], "refused", expression)
    assert fake.resources("Filter") == []
    # The same conditions chained, as the guide says, make a filter.
    _filter(clients, shop["group"], "chained", mixed.replace(" AND ", " | EXCLUDE ItemID WHERE "))
    assert len(fake.resources("Filter")) == 1


def test_an_interactions_filter_reads_the_events_the_test_sent(
    fake: PersonalizeFake, clients: Any, shop: dict[str, str]
) -> None:
    fake.declare(shop["campaign"], items=["i1", "i2", "i3"])
    purchased = _filter(
        clients, shop["group"], "no-purchased", 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchased")'
    )
    event = {"eventType": "Purchased", "itemId": "i2", "sentAt": 1_700_000_000}
    clients.events.put_events(trackingId=shop["tracking_id"], userId="u1", sessionId="s1", eventList=[event])

    def recommended(user: str) -> list[str]:
        answer = clients.runtime.get_recommendations(campaignArn=shop["campaign"], userId=user, filterArn=purchased)
        return [item["itemId"] for item in answer["itemList"]]

    assert recommended("u1") == ["i1", "i3"]  # event types match without case, as the service says
    assert recommended("u2") == ["i1", "i2", "i3"]  # someone else's purchase filters nothing


def test_an_items_filter_reads_put_items_and_its_parameters(
    fake: PersonalizeFake, clients: Any, shop: dict[str, str]
) -> None:
    fake.declare(shop["campaign"], items=["i1", "i2"])
    for item, genre in (("i1", "shoes|boots"), ("i2", "hats")):
        properties = json.dumps({"genre": genre})
        clients.events.put_items(datasetArn=shop["items"], items=[{"itemId": item, "properties": properties}])
    include = _filter(clients, shop["group"], "genre", "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)")
    exclude = _filter(clients, shop["group"], "not-genre", "EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE)")
    ask = clients.runtime.get_recommendations

    def ids(**kwargs: Any) -> list[str]:
        return [item["itemId"] for item in ask(campaignArn=shop["campaign"], userId="u1", **kwargs)["itemList"]]

    assert ids(filterArn=include, filterValues={"GENRE": '"boots"'}) == ["i1"]
    assert ids(filterArn=exclude, filterValues={"GENRE": '"boots","hats"'}) == []
    assert ids(filterArn=exclude) == ["i1", "i2"]  # EXCLUDE without its value: that part is left out
    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="need a value for every parameter"):
        ids(filterArn=include)


def test_a_filter_the_fake_cant_evaluate_says_so(fake: PersonalizeFake, clients: Any, shop: dict[str, str]) -> None:
    fake.declare(shop["campaign"], items=["i1"])
    unknown_item = _filter(clients, shop["group"], "cheap", "INCLUDE ItemID WHERE Items.PRICE < 10")
    user_based = _filter(clients, shop["group"], "by-user", 'INCLUDE ItemID WHERE Users.AGE IN ("30")')
    for arn, why in ((unknown_item, "no PutItems sent it"), (user_based, "Users conditions")):
        with pytest.raises(clients.runtime.exceptions.ClientError) as raised:
            clients.runtime.get_recommendations(campaignArn=shop["campaign"], userId="u1", filterArn=arn)
        code, status, message = _error(raised)
        assert (code, status) == ("NotEmulatedException", 501) and why in message
    assert len(fake.unevaluated) == 2


def test_a_filter_of_another_group_is_refused(fake: PersonalizeFake, clients: Any, shop: dict[str, str]) -> None:
    other = clients.control.create_dataset_group(name="other")["datasetGroupArn"]
    foreign = _filter(clients, other, "foreign", 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")')
    with pytest.raises(clients.runtime.exceptions.InvalidInputException, match="belongs to the dataset group"):
        clients.runtime.get_recommendations(campaignArn=shop["campaign"], userId="u1", filterArn=foreign)


# --- the server ----------------------------------------------------------------------------


def test_one_server_port_serves_all_three_apis() -> None:
    with PersonalizeServer() as server:
        server.backend.set_lifecycle("instant")
        options = {**CREDENTIALS, "endpoint_url": server.endpoint_url}
        control = boto3.client("personalize", **options)
        runtime = boto3.client("personalize-runtime", **options)
        events = boto3.client("personalize-events", **options)
        group = control.create_dataset_group(name="shop")["datasetGroupArn"]
        campaign = server.backend.deploy_campaign("recs", dataset_group_arn=group)
        server.backend.declare(campaign, user_id="u1", items=["i3", "i1"])

        answer = runtime.get_recommendations(campaignArn=campaign, userId="u1")
        assert [item["itemId"] for item in answer["itemList"]] == ["i3", "i1"]
        assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"
        with pytest.raises(events.exceptions.ResourceNotFoundException) as raised:
            events.put_items(datasetArn=f"{group.replace('dataset-group', 'dataset')}/ITEMS", items=[{"itemId": "i1"}])
        assert _error(raised)[1] == 404
        operations = [call.operation for call in server.backend.calls]
        assert operations == ["CreateDatasetGroup", "GetRecommendations", "PutItems"]


def test_the_aws_cli_reaches_runtime_and_events_on_the_server(aws_cli: Any) -> None:
    # Another process, another botocore: what any client of the endpoint sees.
    with PersonalizeServer() as server:
        server.backend.set_lifecycle("instant")
        campaign = server.backend.deploy_campaign("recs")
        server.backend.declare(campaign, user_id="u1", items=["i3", "i1"])

        def aws(*args: str) -> subprocess.CompletedProcess[str]:
            return aws_cli(server.endpoint_url, *args)

        found = aws("personalize-runtime", "get-recommendations", "--campaign-arn", campaign, "--user-id", "u1")
        assert found.returncode == 0, found.stderr
        assert [item["itemId"] for item in json.loads(found.stdout)["itemList"]] == ["i3", "i1"]

        missing = aws("personalize-runtime", "get-recommendations", "--campaign-arn", campaign + "x", "--user-id", "u1")
        assert missing.returncode != 0
        assert "(ResourceNotFoundException) when calling the GetRecommendations operation: The given campaign" in (
            missing.stderr
        )
        refused = aws(
            "personalize-events",
            "put-events",
            "--tracking-id",
            "nope",
            "--session-id",
            "s1",
            "--event-list",
            "eventType=click,sentAt=1700000000",
        )
        assert "(InvalidInputException) when calling the PutEvents operation" in refused.stderr
