"""Tests of personalize_app with the Stubber fixtures: no AWS, no network."""

from __future__ import annotations

import pytest
from personalize_app import DatasetGroupError, ensure_dataset_group


def test_creates_a_new_group(personalize_client, personalize_stubber):
    personalize_stubber.add_response("create_dataset_group", expected_params={"name": "shop"})

    arn = ensure_dataset_group("shop", client=personalize_client)

    assert arn == "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"


def test_creates_a_domain_group_with_tags(personalize_client, personalize_stubber):
    personalize_stubber.add_response(
        "create_dataset_group",
        expected_params={
            "name": "shop",
            "domain": "ECOMMERCE",
            "tags": [{"tagKey": "team", "tagValue": "recs"}],
        },
    )

    arn = ensure_dataset_group("shop", domain="ECOMMERCE", tags={"team": "recs"}, client=personalize_client)

    assert arn.endswith(":dataset-group/shop")


def test_finds_the_group_that_already_exists(personalize_client, personalize_stubber):
    personalize_stubber.add_error(
        "create_dataset_group", "ResourceAlreadyExistsException", expected_params={"name": "shop"}
    )
    existing = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
    personalize_stubber.add_response(
        "list_dataset_groups",
        datasetGroups=[{"name": "shop", "datasetGroupArn": existing, "status": "ACTIVE"}],
    )

    assert ensure_dataset_group("shop", client=personalize_client) == existing


# ResourceAlreadyExistsException is handled by finding the existing group (the test above).
@pytest.mark.personalize_error_matrix("create_dataset_group", common=True, exclude=["ResourceAlreadyExistsException"])
def test_every_other_error_is_reported_with_its_code(personalize_client, personalize_stubber, personalize_error_code):
    personalize_stubber.add_error("create_dataset_group", personalize_error_code)

    with pytest.raises(DatasetGroupError) as raised:
        ensure_dataset_group("shop", client=personalize_client)

    assert raised.value.code == personalize_error_code
    assert raised.value.retryable == (personalize_error_code in ("LimitExceededException", "ThrottlingException"))


def test_a_name_the_service_refuses_is_reported_as_bad_input(personalize_client, personalize_stubber):
    # Every request is checked against the service's rules: this name is refused, as the service
    # would refuse it, with no answer queued.
    with pytest.raises(DatasetGroupError) as raised:
        ensure_dataset_group("my shop!", client=personalize_client)

    assert raised.value.code == "InvalidInputException"
    assert "failed to satisfy constraint" in str(raised.value)
