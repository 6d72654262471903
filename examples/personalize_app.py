"""A small downstream module: the kind of code pytest-personalize exists to test."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError


class DatasetGroupError(Exception):
    """The dataset group could not be made ready; ``code`` is the service's error code."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = retryable


def ensure_dataset_group(
    name: str,
    *,
    domain: str | None = None,
    tags: dict[str, str] | None = None,
    client: Any = None,
) -> str:
    """Create the dataset group ``name``, or find it if it exists already; return its ARN.

    Errors the caller can act on become a DatasetGroupError: bad input and too many tags are
    the caller's to fix, the dataset-group quota or throttling may pass (``retryable``).
    """
    client = client or boto3.client("personalize")
    params: dict[str, Any] = {"name": name}
    if domain is not None:
        params["domain"] = domain
    if tags:
        params["tags"] = [{"tagKey": key, "tagValue": value} for key, value in tags.items()]
    try:
        return str(client.create_dataset_group(**params)["datasetGroupArn"])
    except client.exceptions.ResourceAlreadyExistsException:
        return find_dataset_group(name, client=client)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        message = error.response["Error"]["Message"]
        retryable = code in ("LimitExceededException", "ThrottlingException")
        raise DatasetGroupError(code, message, retryable=retryable) from error


def find_dataset_group(name: str, *, client: Any = None) -> str:
    """The ARN of the dataset group called ``name``, walking every page of ListDatasetGroups."""
    client = client or boto3.client("personalize")
    for page in client.get_paginator("list_dataset_groups").paginate():
        for group in page["datasetGroups"]:
            if group["name"] == name:
                return str(group["datasetGroupArn"])
    raise DatasetGroupError("ResourceNotFoundException", f"no dataset group is called {name!r}")
