"""The scheduled provisioning job against the in-process fake: the whole graph, resumed, failing, stubbed."""

from __future__ import annotations

import boto3
import pytest
from personalize_provisioning import Plan, ProvisioningFailed, provision, provision_step


def created(fake, operation):
    return [call for call in fake.calls if call.operation == operation and call.error is None]


def test_runs_until_the_campaign_is_active(personalize_fake):
    steps = provision()

    assert steps[-1] == "done"
    (campaign,) = personalize_fake.resources("Campaign")
    assert campaign["status"] == "ACTIVE"
    # Statuses were read by listing only, and each resource was created once.
    assert not [call for call in personalize_fake.calls if call.operation.startswith("Describe")]
    assert len(created(personalize_fake, "CreateDataset")) == 2
    assert len(created(personalize_fake, "CreateCampaign")) == 1


def test_a_run_picks_up_where_the_last_one_left_off(personalize_fake):
    first = [provision_step() for _ in range(6)]
    # A new process: a new client, nothing remembered but what the service holds.
    rest = provision(client=boto3.client("personalize"))

    assert first[:3] == ["created schema shop-interactions", "created schema shop-items", "created dataset group"]
    assert rest[-1] == "done"
    assert len(created(personalize_fake, "CreateSchema")) == 2
    assert len(created(personalize_fake, "CreateDatasetGroup")) == 1


def test_a_failed_training_stops_the_job_with_its_reason(personalize_fake):
    personalize_fake.fail_creation("Insufficient data: at least 1000 interactions are needed", kind="SolutionVersion")

    with pytest.raises(ProvisioningFailed, match="at least 1000 interactions"):
        provision()


def test_two_plans_share_nothing_but_the_account(personalize_fake):
    provision(Plan(name="shop"))
    provision(Plan(name="video"))

    assert sorted(group["name"] for group in personalize_fake.resources("DatasetGroup")) == ["shop", "video"]
    assert len(personalize_fake.resources("Campaign")) == 2


def test_one_exact_answer_injected_into_a_stateful_run(personalize_fake, personalize_client, personalize_stubber):
    # The stubber answers CreateCampaign once with an error; the fake answers everything else.
    personalize_stubber.add_error("CreateCampaign", "LimitExceededException", message="Too many campaigns")

    with pytest.raises(personalize_client.exceptions.LimitExceededException, match="Too many campaigns"):
        provision(client=personalize_client)
    steps = provision(client=personalize_client)

    assert steps[-1] == "done"
    assert len(personalize_fake.resources("Campaign")) == 1
