"""The server's test controls (emulator/admin.py), over HTTP as a test in another language reaches them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from pytest_personalize import Backend, PersonalizeServer
from pytest_personalize._clients import make_client
from pytest_personalize.emulator import admin

INTERACTIONS_SCHEMA = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
    "version": "1.0",
}
ITEMS_SCHEMA = {
    "type": "record",
    "name": "Items",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True}],
    "version": "1.0",
}
CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"


@pytest.fixture
def server() -> Iterator[PersonalizeServer]:
    with PersonalizeServer(Backend()) as server:
        yield server


def control(server: PersonalizeServer, path: str, body: Any = None, method: str | None = None) -> tuple[int, Any]:
    """The status and the JSON answer of a test control."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(
        server.endpoint_url + admin.PREFIX + path, data=data, method=method or ("GET" if data is None else "POST")
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def shelf(server: PersonalizeServer, user_id: str) -> list[str]:
    runtime = make_client("us-east-1", "personalize-runtime", endpoint_url=server.endpoint_url)
    return [item["itemId"] for item in runtime.get_recommendations(campaignArn=CAMPAIGN, userId=user_id)["itemList"]]


def test_no_aws_api_uses_the_prefix() -> None:
    session = botocore.session.get_session()
    for service in ("personalize", "personalize-runtime", "personalize-events"):
        model = session.get_service_model(service)
        for name in model.operation_names:
            uri = model.operation_model(name).http["requestUri"]
            assert not admin.owns(uri), (service, name, uri)
            assert not uri.startswith(admin.PREFIX.rstrip("/")), (service, name, uri)


def test_the_index_describes_each_control(server: PersonalizeServer) -> None:
    status, answer = control(server, "")

    assert status == 200
    paths = {entry["path"]: entry["methods"] for entry in answer["endpoints"]}
    assert paths == {
        "/pytest-personalize/reset": ["POST"],
        "/pytest-personalize/declare": ["POST"],
        "/pytest-personalize/clock": ["GET", "POST"],
        "/pytest-personalize/events": ["GET"],
        "/pytest-personalize/records": ["GET"],
    }


def test_declare_deploys_then_declares_on_what_exists(server: PersonalizeServer) -> None:
    status, answer = control(
        server,
        "declare",
        {
            "campaigns": [{"name": "shop-recs", "results": [{"user_id": "u1", "items": ["i3", "i1"]}]}],
            "recommenders": [{"name": "for-you", "results": [{"items": ["i2"]}]}],
        },
    )
    assert status == 200, answer
    assert answer["campaigns"] == {"shop-recs": CAMPAIGN}
    assert answer["recommenders"]["for-you"].endswith(":recommender/for-you")
    assert shelf(server, "u1") == ["i3", "i1"]
    assert shelf(server, "u2") == []

    # The same name again declares on the campaign that exists; an ARN works as well.
    status, _ = control(server, "declare", {"campaigns": [{"name": "shop-recs", "results": [{"items": ["i9"]}]}]})
    assert status == 200
    status, _ = control(server, "declare", {"declare": [{"arn": CAMPAIGN, "user_id": "u3", "items": ["i7"]}]})
    assert status == 200
    assert (shelf(server, "u1"), shelf(server, "u2"), shelf(server, "u3")) == (["i3", "i1"], ["i9"], ["i7"])
    assert len(server.backend.resources("Campaign")) == 1


def test_reset_forgets_everything_but_what_serve_started_with(server: PersonalizeServer) -> None:
    backend = server.backend
    initial = admin.read_declarations({"campaigns": [{"name": "shop-recs", "results": [{"items": ["i1"]}]}]})
    admin.set_initial(backend, initial)
    control(server, "declare", {"declare": [{"arn": CAMPAIGN, "user_id": "u1", "items": ["i5"]}]})
    backend.call("CreateDatasetGroup", {"name": "mine"})
    assert shelf(server, "u1") == ["i5"]

    status, answer = control(server, "reset", b"")

    assert status == 200
    assert answer == {"campaigns": {"shop-recs": CAMPAIGN}, "recommenders": {}}
    assert [group["name"] for group in backend.dataset_groups()] == ["shop-recs"]
    assert backend.calls == []
    assert shelf(server, "u1") == ["i1"]  # the rule declared since is gone; the initial one is back


def test_the_clock_is_taken_over_then_advanced(server: PersonalizeServer) -> None:
    status, answer = control(server, "clock", {"advance": 60})
    assert status == 409
    assert '{"manual": true}' in answer["message"]

    status, answer = control(server, "clock", {"manual": True, "seconds_per_stage": 30})
    assert status == 200
    assert (answer["manual"], answer["lifecycle"], answer["seconds_per_stage"]) == (True, "clock", 30)
    client = make_client("us-east-1", endpoint_url=server.endpoint_url)
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "CREATE PENDING"

    before = control(server, "clock")[1]["now"]
    status, answer = control(server, "clock", {"advance": 30})

    assert status == 200
    assert answer["now"] > before
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"


def test_events_and_records_are_read_back(server: PersonalizeServer) -> None:
    backend = server.backend
    backend.set_lifecycle("instant")
    control_plane = make_client("us-east-1", endpoint_url=server.endpoint_url)
    group = control_plane.create_dataset_group(name="shop")["datasetGroupArn"]
    datasets = {}
    for kind, schema in (("Interactions", INTERACTIONS_SCHEMA), ("Items", ITEMS_SCHEMA)):
        schema_arn = control_plane.create_schema(name=kind.lower(), schema=json.dumps(schema))["schemaArn"]
        datasets[kind] = control_plane.create_dataset(
            name=kind.lower(), datasetGroupArn=group, datasetType=kind, schemaArn=schema_arn
        )["datasetArn"]
    tracking_id = control_plane.create_event_tracker(name="clicks", datasetGroupArn=group)["trackingId"]
    events = make_client("us-east-1", "personalize-events", endpoint_url=server.endpoint_url)
    for user, event_type in (("u1", "click"), ("u2", "buy")):
        events.put_events(
            trackingId=tracking_id,
            userId=user,
            sessionId="s1",
            eventList=[{"eventType": event_type, "itemId": "i3", "sentAt": 1764000000}],
        )
    events.put_items(
        datasetArn=datasets["Items"], items=[{"itemId": "i3", "properties": json.dumps({"genre": "books"})}]
    )

    status, answer = control(server, "events?user_id=u2")
    assert status == 200
    ((event,),) = [answer["events"]]
    assert (event["userId"], event["eventType"], event["itemId"]) == ("u2", "buy", "i3")
    assert event["sentAt"].startswith("2025-11-24T")  # a datetime, as ISO 8601
    assert [event["userId"] for event in control(server, "events")[1]["events"]] == ["u1", "u2"]

    status, answer = control(server, "records")
    assert status == 200
    assert [(item["itemId"], item["properties"]) for item in answer["items"]] == [("i3", {"genre": "books"})]
    assert answer["users"] == answer["actions"] == answer["action_interactions"] == []


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("nothing", None, 404, "no test control at '/pytest-personalize/nothing'; there are /pytest-personalize/reset"),
        ("events", b"{}", 405, "/pytest-personalize/events takes GET, not POST"),
        ("events?user=u1", None, 400, "unknown query parameter 'user'; accepted: user_id, event_type, tracking_id"),
        ("declare", b"{not json", 400, "the body is not JSON"),
        ("declare", [], 400, "the body is a JSON object, not []"),
        ("declare", {"campaign": []}, 400, "the body: unknown key 'campaign'; accepted: campaigns, recommenders"),
        ("declare", {"campaigns": {"name": "x"}}, 400, 'campaigns: expected a list of tables (objects), not {"name"'),
        ("declare", {"campaigns": [{}]}, 400, "campaigns[0].name: expected a non-empty string, not null"),
        (
            "declare",
            {"campaigns": [{"name": "x", "results": [{"items": "i1"}]}]},
            400,
            'campaigns[0].results[0].items: expected a list of strings, not "i1"',
        ),
        (
            "declare",
            {"campaigns": [{"name": "x", "results": [{"item": "i1"}]}]},
            400,
            "campaigns[0].results[0]: unknown key 'item'; accepted: user_id, item_id, items, actions, scores",
        ),
        (
            "declare",
            {"campaigns": [{"name": "x", "results": [{"item_id": "i1", "items": ["i2"]}]}]},
            400,
            "campaigns 'x': declare(",  # the backend's own words: user personalization takes no item_id
        ),
        ("declare", {"declare": [{"arn": CAMPAIGN, "items": ["i1"]}]}, 400, "no campaign or recommender has this ARN"),
        (
            "declare",
            {"campaigns": [{"name": "x", "region": "moon"}]},
            400,
            "campaigns[0].region: expected an AWS region",
        ),
        ("declare", {"campaigns": [{"name": "x y"}]}, 400, "campaigns 'x y': CreateDatasetGroup"),
        ("declare", {"recommenders": [{"name": "r", "use_case": "nope"}]}, 400, "not a use case; choose one of"),
        ("clock", {"advance": -1}, 400, "advance: expected a number of seconds, 0 or more, not -1"),
        ("clock", {"manual": "yes"}, 400, 'manual: expected true or false, not "yes"'),
        ("clock", {"speed": 2}, 400, "unknown key 'speed'; accepted: manual, seconds_per_stage, advance"),
        ("reset", {"all": True}, 400, "the body: unknown key 'all'; accepted: none"),
    ],
)
def test_bad_input_is_a_4xx_naming_what_is_accepted(
    server: PersonalizeServer, path: str, body: Any, status: int, message: str
) -> None:
    got, answer = control(server, path, body)

    assert got == status
    assert message in answer["message"]


def test_aws_requests_still_reach_the_backend(server: PersonalizeServer) -> None:
    client = make_client("us-east-1", endpoint_url=server.endpoint_url)
    client.create_dataset_group(name="shop")

    status, _ = control(server, "reset", b"")

    assert status == 200
    assert client.list_dataset_groups()["datasetGroups"] == []


def test_the_request_log_names_a_control_it_knows_and_no_other() -> None:
    lines: list[str] = []
    with PersonalizeServer(Backend(), request_log=lines.append) as server:
        control(server, "reset", b"")
        control(server, "events?user_id=u1")
        control(server, "%1b%5b2J")

    assert [line.split()[:2] for line in lines] == [
        ["/pytest-personalize/reset", "200"],
        ["/pytest-personalize/events", "200"],
        ["-", "404"],  # a request's own text never reaches a terminal
    ]
