"""The "Recommended for you" shelf in each mode: queued answers, the fake, and the loopback server.

- ``personalize_runtime_stubber`` queues the answer each call gets (checked against the model);
- ``personalize_fake`` answers from what the test declares for the campaign, and keeps the
  events the code sends, which the "no purchased items" filter then reads;
- ``personalize_server`` is the same over HTTP, for code that builds its own client from
  ``AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME``.
"""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from personalize_events import track
from personalize_recommendations import BESTSELLERS, recommended_for_you

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"
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


# --- queued answers ------------------------------------------------------------------------------


def test_the_shelf_shows_what_the_campaign_recommends(personalize_runtime_client, personalize_runtime_stubber):
    personalize_runtime_stubber.add_response(
        "get_recommendations",
        expected_params={"campaignArn": CAMPAIGN, "userId": "u1", "numResults": 3},
        itemList=[{"itemId": "i3"}, {"itemId": "i1"}],
    )
    shelf = recommended_for_you("u1", campaign_arn=CAMPAIGN, client=personalize_runtime_client)
    assert (shelf.title, shelf.item_ids, shelf.personalized) == ("Recommended for you", ["i3", "i1"], True)
    assert shelf.recommendation_id


def test_a_missing_campaign_shows_the_bestsellers(personalize_runtime_client, personalize_runtime_stubber):
    personalize_runtime_stubber.add_error("get_recommendations", "ResourceNotFoundException")
    shelf = recommended_for_you("u1", campaign_arn=CAMPAIGN, client=personalize_runtime_client)
    assert (shelf.title, shelf.item_ids, shelf.personalized) == ("Bestsellers", list(BESTSELLERS[:3]), False)


# --- the fake ----------------------------------------------------------------------------------


@pytest.fixture
def shop(personalize_fake, personalize_client):
    """An ACTIVE campaign, an Interactions dataset and an event tracker in its group."""
    personalize_fake.set_lifecycle("instant")
    group = personalize_client.create_dataset_group(name="shop")["datasetGroupArn"]
    schema = personalize_client.create_schema(name="interactions", schema=json.dumps(INTERACTIONS_SCHEMA))
    personalize_client.create_dataset(
        name="interactions", datasetGroupArn=group, datasetType="Interactions", schemaArn=schema["schemaArn"]
    )
    tracker = personalize_client.create_event_tracker(name="shop-events", datasetGroupArn=group)
    no_purchased = personalize_client.create_filter(
        name="no-purchased",
        datasetGroupArn=group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    )
    campaign = personalize_fake.deploy_campaign("shop-recs", dataset_group_arn=group)
    return {"campaign": campaign, "tracking_id": tracker["trackingId"], "filter": no_purchased["filterArn"]}


def test_each_user_gets_their_own_shelf(personalize_fake, shop):
    personalize_fake.declare(shop["campaign"], user_id="u1", items=["i3", "i1", "i7"])
    personalize_fake.declare(shop["campaign"], items=["i9", "i8"])

    assert recommended_for_you("u1", campaign_arn=shop["campaign"]).item_ids == ["i3", "i1", "i7"]
    assert recommended_for_you("someone-new", campaign_arn=shop["campaign"]).item_ids == ["i9", "i8"]


def test_purchased_items_leave_the_shelf(personalize_fake, shop):
    personalize_fake.declare(shop["campaign"], user_id="u1", items=["i3", "i1", "i7"])
    shelf = recommended_for_you("u1", campaign_arn=shop["campaign"], filter_arn=shop["filter"])
    at = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)

    track(
        "purchase",
        user_id="u1",
        session_id="s1",
        item_id="i3",
        tracking_id=shop["tracking_id"],
        recommendation_id=shelf.recommendation_id,
        at=at,
    )

    assert [event["itemId"] for event in personalize_fake.events(user_id="u1")] == ["i3"]
    assert recommended_for_you("u1", campaign_arn=shop["campaign"], filter_arn=shop["filter"]).item_ids == ["i1", "i7"]


def test_a_campaign_in_another_region_is_missing_here(personalize_fake, shop):
    elsewhere = shop["campaign"].replace("us-east-1", "eu-west-1")
    assert recommended_for_you("u1", campaign_arn=elsewhere).title == "Bestsellers"


# --- the loopback server -----------------------------------------------------------------------


def test_over_http_too(personalize_server):
    backend = personalize_server.backend
    campaign = backend.deploy_campaign("shop-recs")
    backend.declare(campaign, user_id="u1", items=["i2"])

    # The code builds its own client: AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME points at the server.
    assert recommended_for_you("u1", campaign_arn=campaign, client=boto3.client("personalize-runtime")).item_ids == [
        "i2"
    ]
    assert recommended_for_you("u1", campaign_arn=campaign.replace("shop-recs", "gone")).personalized is False
