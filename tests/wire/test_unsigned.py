"""An unsigned client (``Config(signature_version=UNSIGNED)``) is known as Personalize's in every mode.

Its requests carry no credential scope: the fake answers them in the region its host names, and
a cassette records and replays them, never letting one reach the network.
"""

from __future__ import annotations

from typing import Any

# Imported here, not first inside a pytester run (see tests/recording/test_cassette.py).
import boto3  # noqa: F401
import pytest

import pytest_personalize.recording.cassette  # noqa: F401
from pytest_personalize.recording.file import load

pytest_plugins = ["pytester"]


def _unsigned(service: str, region: str = "eu-west-1") -> Any:
    import botocore
    from botocore.config import Config

    from pytest_personalize._clients import make_client

    return make_client(region, service, config=Config(signature_version=botocore.UNSIGNED))


def test_the_fake_answers_an_unsigned_client_in_the_region_its_host_names(personalize_fake: Any) -> None:
    personalize_fake.set_lifecycle("instant")
    control, runtime = _unsigned("personalize"), _unsigned("personalize-runtime")

    arn = control.create_dataset_group(name="shop")["datasetGroupArn"]
    campaign = personalize_fake.deploy_campaign("recs", region="eu-west-1")
    personalize_fake.declare(campaign, user_id="u1", items=["i3", "i1"])
    items = runtime.get_recommendations(campaignArn=campaign, userId="u1")["itemList"]

    assert arn.split(":")[3] == "eu-west-1"
    assert [item["itemId"] for item in items] == ["i3", "i1"]
    assert [(call.operation, call.region) for call in personalize_fake.calls] == [
        ("CreateDatasetGroup", "eu-west-1"),
        ("GetRecommendations", "eu-west-1"),
    ]


def test_an_unsigned_runtime_client_made_before_the_fake_is_stopped_like_a_signed_one() -> None:
    from pytest_personalize import PersonalizeFake, UnattachedClientError

    runtime = _unsigned("personalize-runtime")
    campaign = "arn:aws:personalize:eu-west-1:123456789012:campaign/recs"
    with PersonalizeFake() as fake, pytest.raises(UnattachedClientError, match="sent GetRecommendations"):
        runtime.get_recommendations(campaignArn=campaign, userId="u1")

    assert len(fake.refused) == 1


# Replay must open no connection at all, loopback included: the recording server is gone.
NO_CONNECTION_CONFTEST = """
import socket

import boto3
import pytest


@pytest.fixture(autouse=True)
def _no_connection(monkeypatch, personalize_record_mode):
    boto3.DEFAULT_SESSION = None
    if personalize_record_mode == "none":
        def refuse(self, address):
            raise AssertionError(f"replay opened a connection to {address}")
        monkeypatch.setattr(socket.socket, "connect", refuse)
"""

UNSIGNED_TEST = """
import boto3
import botocore
import pytest
from botocore.config import Config

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"


@pytest.fixture
def upstream(request, personalize_record_mode):
    # While recording: the loopback server stands in for AWS. Replaying: nothing.
    if personalize_record_mode != "none":
        server = request.getfixturevalue("personalize_server")
        assert server.backend.deploy_campaign("shop-recs") == CAMPAIGN
        server.backend.declare(CAMPAIGN, user_id="u1", items=["i3", "i1"])


@pytest.mark.personalize_cassette
def test_unsigned(upstream):
    config = Config(signature_version=botocore.UNSIGNED)
    control = boto3.client("personalize", config=config)
    runtime = boto3.client("personalize-runtime", config=config)
    arn = control.create_dataset_group(name="shop")["datasetGroupArn"]
    items = runtime.get_recommendations(campaignArn=CAMPAIGN, userId="u1")["itemList"]
    assert arn.endswith(":dataset-group/shop")
    assert [item["itemId"] for item in items] == ["i3", "i1"]
"""


def test_a_cassette_of_an_unsigned_client_records_on_loopback_and_replays_without_a_connection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_PERSONALIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    pytester.makeconftest(NO_CONNECTION_CONFTEST)
    pytester.makepyfile(test_unsigned=UNSIGNED_TEST)

    pytester.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    interactions = load(pytester.path / "cassettes" / "test_unsigned" / "test_unsigned.yaml")
    assert [(request.host, request.path) for request, _ in interactions] == [
        ("127.0.0.1", "/"),
        ("127.0.0.1", "/recommendations"),
    ]
    assert not any("Authorization" in request.headers for request, _ in interactions)

    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
