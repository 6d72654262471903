"""Record once, replay forever: personalize_app against recorded Amazon Personalize traffic.

The same test bodies run three ways:

- ``pytest`` replays the cassettes: no AWS account, no credentials, no network;
- ``pytest --personalize-record-mode=all tests/test_replay.py`` records them again, here against
  the plugin's loopback server (started below only while recording, faults injected on it);
- without the ``loopback`` fixture, the same command records against whatever endpoint the
  client resolves -- real AWS with real credentials.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from personalize_app import ensure_dataset_group

pytestmark = pytest.mark.personalize_cassette


@pytest.fixture
def personalize_cassette_dir(request: pytest.FixtureRequest) -> Path:
    # These cassettes are the ones the repository ships at its root. A project of your own keeps
    # its cassettes in ./cassettes (the default), or names a directory with the ini key
    # personalize_cassette_dir; this fixture override is the per-module alternative.
    return request.config.rootpath.parent / "cassettes"


@pytest.fixture
def loopback(request: pytest.FixtureRequest, personalize_record_mode: str):
    """While recording: the loopback server, with its backend for fault injection. Replaying: None."""
    if personalize_record_mode == "none":
        return None
    return request.getfixturevalue("personalize_server")


def wait_until_active(client, arn: str) -> list[str]:
    # No sleep: the loopback server (and the replay) moves on one status per call. Against AWS,
    # sleep between calls while recording -- replay doesn't wait either way.
    statuses = [client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"]]
    while statuses[-1] not in ("ACTIVE", "CREATE FAILED"):
        statuses.append(client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"])
    return statuses


def test_lifecycle(loopback):
    client = boto3.client("personalize")
    arns = [ensure_dataset_group(name, client=client) for name in ("shop", "shoes", "books")]

    # A polling loop replays each recorded status in turn.
    assert wait_until_active(client, arns[0]) == ["CREATE PENDING", "ACTIVE"]
    for arn in arns[1:]:
        assert wait_until_active(client, arn)[-1] == "ACTIVE"

    # Asking again finds the existing group (ResourceAlreadyExistsException, then the listing).
    assert ensure_dataset_group("shoes", client=client) == arns[1]

    pages = list(client.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["datasetGroups"]) for page in pages] == [2, 1]
    assert sorted(g["name"] for page in pages for g in page["datasetGroups"]) == ["books", "shoes", "shop"]

    for arn in arns:
        client.delete_dataset_group(datasetGroupArn=arn)
    assert client.describe_dataset_group(datasetGroupArn=arns[0])["datasetGroup"]["status"] == "DELETE PENDING"


@pytest.mark.personalize_error_matrix("create_dataset_group")
def test_create_dataset_group_error(loopback, personalize_error_code):
    if loopback is not None:
        loopback.backend.fail_next("CreateDatasetGroup", personalize_error_code)
    # One attempt: botocore would retry LimitExceededException, and the retry would succeed.
    client = boto3.client("personalize", config=Config(retries={"total_max_attempts": 1}))

    with pytest.raises(client.exceptions.ClientError) as raised:
        client.create_dataset_group(name="shop")

    error = raised.value.response["Error"]
    assert error["Code"] == personalize_error_code
    assert error["Message"]
