"""Products and events reach Personalize only as the dataset's schema allows: the fake checks each record.

The Items schema has a required categorical GENRE and a nullable PRICE; a product without a
genre, or with a price that isn't a number, is refused with the service's error, which
add_products turns into a CatalogError naming the batch.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from personalize_events import CatalogError, Product, add_products, track

ITEMS_SCHEMA = {
    "type": "record",
    "name": "Items",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRE", "type": "string", "categorical": True},
        {"name": "PRICE", "type": ["null", "float"]},
    ],
    "version": "1.0",
}


@pytest.fixture
def items_dataset(personalize_fake, personalize_client):
    personalize_fake.set_lifecycle("instant")
    group = personalize_client.create_dataset_group(name="shop")["datasetGroupArn"]
    schema = personalize_client.create_schema(name="items", schema=json.dumps(ITEMS_SCHEMA))["schemaArn"]
    return personalize_client.create_dataset(
        name="items", datasetGroupArn=group, datasetType="Items", schemaArn=schema
    )["datasetArn"]


def test_products_are_added_in_batches_of_ten(personalize_fake, items_dataset):
    products = [Product(f"p{n}", genre="shoes|boots", price=10.0 + n) for n in range(12)]
    assert add_products(products, dataset_arn=items_dataset) == 12
    added = {item["itemId"]: item["properties"] for item in personalize_fake.items(items_dataset)}
    assert len(added) == 12 and added["p11"] == {"genre": "shoes|boots", "price": 21.0}
    assert [call.operation for call in personalize_fake.calls].count("PutItems") == 2


@pytest.mark.parametrize(
    ("product", "reason"),
    [
        (Product("p1", genre="shoes", price="cheap"), "'price' (PRICE, null/float): \"cheap\" is not a number"),
        (Product("p1", genre="x" * 1001), "a string value has at most 1000"),
    ],
    ids=["price-not-a-number", "genre-too-long"],
)
def test_a_product_the_schema_refuses_is_reported(personalize_fake, items_dataset, product, reason):
    with pytest.raises(CatalogError) as raised:
        add_products([Product("ok", genre="hats"), product], dataset_arn=items_dataset)
    assert raised.value.item_ids == ["ok", "p1"]
    assert reason in raised.value.reason
    assert personalize_fake.items() == []  # the batch is refused whole


def test_a_missing_required_field_is_refused(personalize_events_client, items_dataset):
    with pytest.raises(personalize_events_client.exceptions.InvalidInputException, match="'genre' is missing"):
        personalize_events_client.put_items(datasetArn=items_dataset, items=[{"itemId": "p1", "properties": "{}"}])


def test_an_overlong_event_type_never_leaves(personalize_events_stubber, personalize_events_client):
    # Queued answers or not, every request is checked against the whole model (botocore checks
    # minimums only): an event type has at most 256 characters.
    with pytest.raises(personalize_events_client.exceptions.InvalidInputException, match="eventType"):
        track("x" * 257, user_id="u1", session_id="s1", item_id="i1", tracking_id="t", client=personalize_events_client)


def test_events_need_the_trackers_id(personalize_fake):
    with pytest.raises(ClientError) as raised:
        track("click", user_id="u1", session_id="s1", item_id="i1", tracking_id="not-a-tracker")
    assert raised.value.response["Error"]["Code"] == "InvalidInputException"
    assert "belongs to no event tracker" in raised.value.response["Error"]["Message"]
    assert personalize_fake.events() == []
