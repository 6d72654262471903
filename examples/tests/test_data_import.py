"""The nightly import and the provisioning job with moto beside the fake: moto is S3, SSM and IAM, the fake Personalize.

Either can start first. moto holds the CSVs; the fake reads their header when an import job
starts, so a header that doesn't match the schema fails the job as the service would.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from personalize_data_import import (
    BUCKET_PARAMETER,
    ROLE_PARAMETER,
    export_interactions,
    import_outcome,
    start_import,
)
from personalize_provisioning import Plan, ProvisioningFailed, provision

INTERACTIONS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
        "version": "1.0",
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "personalize.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
ROWS = [("u1", "i1", 1_700_000_000), ("u2", "i1", 1_700_000_060)]


@pytest.fixture
def aws(monkeypatch):
    """moto's S3, SSM and IAM, with the bucket and the role the infrastructure would have made.

    It starts before personalize_fake in the tests that take both (it is listed first).
    """
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="example-bucket")
        role = boto3.client("iam").create_role(RoleName="PersonalizeS3Access", AssumeRolePolicyDocument=TRUST)
        ssm = boto3.client("ssm")
        ssm.put_parameter(Name=BUCKET_PARAMETER, Value="example-bucket", Type="String")
        ssm.put_parameter(Name=ROLE_PARAMETER, Value=role["Role"]["Arn"], Type="String")
        yield


@pytest.fixture
def dataset_arn(personalize_fake, personalize_client):
    personalize_fake.set_lifecycle("instant")
    schema = personalize_client.create_schema(name="interactions", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group = personalize_client.create_dataset_group(name="shop")["datasetGroupArn"]
    return personalize_client.create_dataset(
        name="interactions", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema
    )["datasetArn"]


def test_the_nightly_import_loads_the_export(aws, personalize_fake, dataset_arn):
    personalize_fake.set_lifecycle("describe")
    location = export_interactions(ROWS, key="exports/2024-01-01.csv")
    job = start_import(dataset_arn, location, job_name="nightly-2024-01-01")

    first, second = import_outcome(job), import_outcome(job)

    assert (first.status, second.status) == ("CREATE PENDING", "ACTIVE")
    assert second.reason is None
    (created,) = [call for call in personalize_fake.calls if call.operation == "CreateDatasetImportJob"]
    # The role came from moto's SSM, as moto's IAM made it; the CSV is in moto's S3.
    assert created.params["roleArn"] == boto3.client("iam").get_role(RoleName="PersonalizeS3Access")["Role"]["Arn"]
    assert boto3.client("s3").get_object(Bucket="example-bucket", Key="exports/2024-01-01.csv")["Body"].read()


def test_an_export_with_the_apps_own_column_names_fails_the_import(aws, dataset_arn):
    location = export_interactions(ROWS, key="exports/bad.csv", columns=("user", "item", "ts"))
    job = start_import(dataset_arn, location, job_name="nightly-bad")

    outcome = import_outcome(job)

    assert outcome.status == "CREATE FAILED"
    assert "Input CSV is missing the following columns:[USER_ID, ITEM_ID, TIMESTAMP]" in outcome.reason


def test_a_missing_export_fails_the_import(aws, dataset_arn):
    job = start_import(dataset_arn, "s3://example-bucket/exports/never-written.csv", job_name="nightly-missing")

    assert import_outcome(job).status == "CREATE FAILED"


def test_the_fake_can_start_before_moto(personalize_fake, dataset_arn):
    # dataset_arn made the fake's resources before moto started; moto then answers everything else.
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="example-bucket")
        boto3.client("ssm").put_parameter(Name=BUCKET_PARAMETER, Value="example-bucket", Type="String")
        boto3.client("ssm").put_parameter(
            Name=ROLE_PARAMETER, Value="arn:aws:iam::123456789012:role/PersonalizeS3Access", Type="String"
        )
        job = start_import(dataset_arn, export_interactions(ROWS, key="a.csv"), job_name="fake-first")

        assert import_outcome(job).status == "ACTIVE"


def upload_plan_data(items_header: str = "ITEM_ID,GENRE", interactions: int = 1000) -> None:
    # Training needs 1000 interactions from at least 25 users with 2 each (the service's quotas):
    # 40 users here, each with a share of the rows.
    rows = "".join(f"u{n % 40},i{n % 7},{1_700_000_000 + n}\n" for n in range(interactions))
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=Plan().bucket)
    s3.put_object(Bucket=Plan().bucket, Key="interactions.csv", Body=f"USER_ID,ITEM_ID,TIMESTAMP\n{rows}".encode())
    s3.put_object(Bucket=Plan().bucket, Key="items.csv", Body=f"{items_header}\ni1,drama\n".encode())


def test_provisioning_reads_its_data_from_moto(personalize_fake):
    with mock_aws():
        upload_plan_data()

        assert provision()[-1] == "done"

    (campaign,) = personalize_fake.resources("Campaign")
    assert campaign["status"] == "ACTIVE"


def test_provisioning_stops_when_there_is_too_little_data_to_train_on(personalize_fake):
    with mock_aws():
        upload_plan_data(interactions=999)

        with pytest.raises(ProvisioningFailed, match="fewer than 1000 interactions"):
            provision()


def test_provisioning_stops_on_a_csv_that_does_not_match_its_schema(personalize_fake):
    with mock_aws():
        upload_plan_data(items_header="ITEM_ID,CATEGORY")

        with pytest.raises(ProvisioningFailed, match=r"missing the following columns:\[GENRE\]"):
            provision()
