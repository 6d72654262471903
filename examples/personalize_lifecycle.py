"""Waiting for a dataset group: the polling loop most code that creates one contains."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3

READY = "ACTIVE"
FAILED = "CREATE FAILED"


class DatasetGroupFailed(Exception):
    """The dataset group ended in CREATE FAILED; ``reason`` is the service's failureReason."""

    def __init__(self, arn: str, reason: str) -> None:
        super().__init__(f"{arn}: {reason}")
        self.arn = arn
        self.reason = reason


def wait_until_active(
    arn: str,
    *,
    client: Any = None,
    poll_seconds: float = 10.0,
    max_polls: int = 60,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Describe the dataset group until it is ACTIVE and return it; raise if its creation failed."""
    client = client or boto3.client("personalize")
    for _ in range(max_polls):
        group: dict[str, Any] = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]
        if group["status"] == READY:
            return group
        if group["status"] == FAILED:
            raise DatasetGroupFailed(arn, group.get("failureReason", "no reason given"))
        sleep(poll_seconds)
    raise TimeoutError(f"{arn} was not ACTIVE after {max_polls} polls")
