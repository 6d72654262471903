"""Sending what happens in the shop to Personalize: clicks and purchases, and new products.

Events go to the dataset group's event tracker (its tracking id comes from the configuration);
new products go to the Items dataset, ten at a time, their attributes as the schema's fields in
camel case (GENRE is ``genre``). A product Personalize refuses -- a missing genre, a price that
isn't a number -- is reported with the service's reason, so the catalogue team can fix it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

BATCH = 10  # PutItems takes at most 10 items a call


@dataclass(frozen=True)
class Product:
    item_id: str
    genre: str
    price: float | None = None


class CatalogError(Exception):
    """Personalize refused a batch of products; ``reason`` is the service's message."""

    def __init__(self, item_ids: Sequence[str], reason: str) -> None:
        super().__init__(f"products {', '.join(item_ids)} were refused: {reason}")
        self.item_ids = list(item_ids)
        self.reason = reason


def track(
    event_type: str,
    *,
    user_id: str,
    session_id: str,
    item_id: str,
    tracking_id: str,
    recommendation_id: str | None = None,
    at: datetime.datetime | None = None,
    client: Any = None,
) -> None:
    """Record one event ("click", "purchase") of a user on an item."""
    client = client or boto3.client("personalize-events")
    event: dict[str, Any] = {
        "eventType": event_type,
        "itemId": item_id,
        "sentAt": at or datetime.datetime.now(datetime.timezone.utc),
    }
    if recommendation_id is not None:
        event["recommendationId"] = recommendation_id
    client.put_events(trackingId=tracking_id, userId=user_id, sessionId=session_id, eventList=[event])


def add_products(products: Iterable[Product], *, dataset_arn: str, client: Any = None) -> int:
    """Add products to the Items dataset; the number added. Raises CatalogError for a refused batch."""
    client = client or boto3.client("personalize-events")
    added = 0
    for batch in _batches(list(products)):
        items = [{"itemId": product.item_id, "properties": json.dumps(_properties(product))} for product in batch]
        try:
            client.put_items(datasetArn=dataset_arn, items=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidInputException":
                raise
            raise CatalogError([product.item_id for product in batch], error.response["Error"]["Message"]) from error
        added += len(batch)
    return added


def _properties(product: Product) -> dict[str, Any]:
    properties: dict[str, Any] = {"genre": product.genre}
    if product.price is not None:
        properties["price"] = product.price
    return properties


def _batches(products: list[Product]) -> Iterator[list[Product]]:
    for start in range(0, len(products), BATCH):
        yield products[start : start + BATCH]
