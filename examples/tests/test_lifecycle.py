"""The dataset-group lifecycle against the in-process fake: polling, failure, throttling."""

from __future__ import annotations

import pytest
from personalize_app import ensure_dataset_group
from personalize_lifecycle import DatasetGroupFailed, wait_until_active


@pytest.fixture
def no_retry_delay(monkeypatch):
    """botocore backs off before each retry; a test has no reason to wait for it."""
    import types

    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda seconds: None))


def test_polls_until_active(personalize_fake):
    personalize_fake.set_lifecycle(in_progress=True)
    polls = []

    arn = ensure_dataset_group("shop")
    group = wait_until_active(arn, sleep=polls.append)

    assert group["status"] == "ACTIVE"
    assert polls == [10.0, 10.0]  # CREATE PENDING, CREATE IN_PROGRESS, then ACTIVE
    assert group["creationDateTime"] <= group["lastUpdatedDateTime"]


def test_a_failed_creation_surfaces_its_reason(personalize_fake):
    personalize_fake.fail_creation("KMS key access denied: the role cannot use the key")

    arn = ensure_dataset_group("secure")
    with pytest.raises(DatasetGroupFailed, match="KMS key access denied"):
        wait_until_active(arn, sleep=lambda seconds: None)


def test_recovers_from_throttling(personalize_fake, no_retry_delay, monkeypatch):
    # Two throttled attempts: botocore's own retries absorb them and the code never notices. It
    # retries LimitExceededException in standard mode, its default only from botocore 1.44 on.
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    personalize_fake.fail_next("create_dataset_group", "LimitExceededException", times=2)

    arn = ensure_dataset_group("shop")

    assert arn.endswith(":dataset-group/shop")
    assert [call.error for call in personalize_fake.calls] == ["LimitExceededException", "LimitExceededException", None]


def test_finds_the_group_that_exists_by_listing(personalize_fake):
    personalize_fake.set_lifecycle("instant")
    for name in ("a", "b", "c"):
        ensure_dataset_group(name)

    assert ensure_dataset_group("c") == personalize_fake.dataset_groups()[2]["datasetGroupArn"]
