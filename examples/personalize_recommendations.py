"""Serving recommendations: a "Recommended for you" shelf, with a fallback when Personalize can't answer.

The shop's page asks a campaign for the user's shelf. If the campaign isn't there -- deleted,
not deployed yet in this region, a wrong ARN in the configuration -- the page still shows a
shelf: the bestsellers. Purchased items are kept off the shelf with a filter, whose ARN the
configuration may give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

BESTSELLERS = ("bestseller-1", "bestseller-2", "bestseller-3", "bestseller-4", "bestseller-5")


@dataclass(frozen=True)
class Shelf:
    """What the page shows: a title, the item ids in order, and where they came from."""

    title: str
    item_ids: list[str] = field(default_factory=list)
    personalized: bool = False
    # Sent back with the click events, so Personalize ties them to this shelf.
    recommendation_id: str | None = None


def recommended_for_you(
    user_id: str,
    *,
    campaign_arn: str,
    count: int = 3,
    filter_arn: str | None = None,
    client: Any = None,
) -> Shelf:
    """The user's "Recommended for you" shelf, or the bestsellers when the campaign can't answer.

    A missing campaign (ResourceNotFoundException) and an empty answer both fall back; any other
    error is the caller's to see.
    """
    client = client or boto3.client("personalize-runtime")
    params: dict[str, Any] = {"campaignArn": campaign_arn, "userId": user_id, "numResults": count}
    if filter_arn is not None:
        params["filterArn"] = filter_arn
    try:
        answer = client.get_recommendations(**params)
    except client.exceptions.ResourceNotFoundException:
        return bestsellers(count)
    items = [item["itemId"] for item in answer["itemList"]]
    if not items:
        return bestsellers(count)
    return Shelf("Recommended for you", items, personalized=True, recommendation_id=answer["recommendationId"])


def bestsellers(count: int) -> Shelf:
    return Shelf("Bestsellers", list(BESTSELLERS[:count]))
