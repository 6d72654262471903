"""A nightly data import: the app's interactions go to S3 as CSV, and a Personalize import job loads them.

The infrastructure publishes where things are in SSM Parameter Store: the bucket, and the IAM
role Personalize reads the bucket with. The job reads them, writes the export, starts the import
and, on a later run, reports how it went. It talks to four services -- SSM, S3, IAM (through the
role) and Personalize -- which is why its tests run moto and the Personalize fake side by side.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3

BUCKET_PARAMETER = "/recommendations/import-bucket"
ROLE_PARAMETER = "/recommendations/import-role-arn"
# The header Personalize expects: the names of the Interactions schema's fields.
COLUMNS = ("USER_ID", "ITEM_ID", "TIMESTAMP")


@dataclass(frozen=True)
class ImportOutcome:
    """Where an import job stands: its status and, when it failed, the service's reason."""

    status: str
    reason: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("ACTIVE", "CREATE FAILED")


def export_interactions(
    rows: Iterable[tuple[str, str, int]],
    *,
    key: str,
    columns: tuple[str, ...] = COLUMNS,
    ssm: Any = None,
    s3: Any = None,
) -> str:
    """Write ``rows`` as a CSV to the import bucket; return its ``s3://`` location."""
    ssm = ssm or boto3.client("ssm")
    s3 = s3 or boto3.client("s3")
    bucket = ssm.get_parameter(Name=BUCKET_PARAMETER)["Parameter"]["Value"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    s3.put_object(Bucket=bucket, Key=key, Body=text.getvalue().encode("utf-8"), ContentType="text/csv")
    return f"s3://{bucket}/{key}"


def start_import(dataset_arn: str, location: str, *, job_name: str, ssm: Any = None, personalize: Any = None) -> str:
    """Start importing ``location`` into the dataset (adding to what it holds); return the job's ARN.

    The service takes INCREMENTAL only once the dataset holds bulk data: the first import is FULL.
    """
    ssm = ssm or boto3.client("ssm")
    personalize = personalize or boto3.client("personalize")
    role_arn = ssm.get_parameter(Name=ROLE_PARAMETER)["Parameter"]["Value"]
    jobs = personalize.list_dataset_import_jobs(datasetArn=dataset_arn)["datasetImportJobs"]
    has_data = any(job["status"] == "ACTIVE" for job in jobs)
    response = personalize.create_dataset_import_job(
        jobName=job_name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": location},
        roleArn=role_arn,
        importMode="INCREMENTAL" if has_data else "FULL",
    )
    return str(response["datasetImportJobArn"])


def import_outcome(job_arn: str, *, personalize: Any = None) -> ImportOutcome:
    """How the import job stands now (one look: a scheduled run doesn't wait)."""
    personalize = personalize or boto3.client("personalize")
    job = personalize.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]
    return ImportOutcome(job["status"], job.get("failureReason"))
