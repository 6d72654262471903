"""Provisioning a whole Amazon Personalize graph, one step per scheduled run.

A job runs every few minutes (a cron, a Lambda on a schedule). Each run looks at what exists,
takes the next step -- create a schema, a dataset group, a dataset, an import job, an event
tracker, a filter, a solution, a version, a campaign -- or reports what it is waiting for, and
returns. It never sleeps and keeps no state of its own: the service is the state, so a run picks
up where the last one left off. Statuses are read by listing, as such jobs usually do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

READY = "ACTIVE"
FAILED = ("CREATE FAILED",)
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


def _schema(name: str, *fields: tuple[str, str]) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": field_name, "type": field_type} for field_name, field_type in fields],
            "version": "1.0",
        }
    )


DATASETS = {
    "Interactions": _schema("Interactions", ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long")),
    "Items": _schema("Items", ("ITEM_ID", "string"), ("GENRE", "string")),
}


class ProvisioningFailed(Exception):
    """A resource ended in a FAILED status; ``reason`` is the service's failureReason."""

    def __init__(self, arn: str, reason: str) -> None:
        super().__init__(f"{arn}: {reason}")
        self.arn = arn
        self.reason = reason


@dataclass(frozen=True)
class Plan:
    """What to provision: names, where the data is, and the role Personalize reads it with."""

    name: str = "shop"
    bucket: str = "example-bucket"
    role_arn: str = "arn:aws:iam::123456789012:role/PersonalizeS3Access"
    datasets: dict[str, str] = field(default_factory=lambda: dict(DATASETS))


def _all(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page[key])
    return items


def _ready(item: dict[str, Any], what: str) -> bool:
    if item["status"] in FAILED:
        arn = next(value for key, value in item.items() if key.endswith("Arn"))
        raise ProvisioningFailed(arn, item.get("failureReason", "no reason given"))
    return bool(item["status"] == READY)


def provision_step(plan: Plan | None = None, *, client: Any = None) -> str:
    """Take the next provisioning step and say what it did: ``"created ..."``, ``"waiting for ..."`` or ``"done"``."""
    plan = plan or Plan()
    client = client or boto3.client("personalize")

    schemas = {s["name"]: s["schemaArn"] for s in _all(client, "list_schemas", "schemas")}
    for dataset_type, schema in plan.datasets.items():
        schema_name = f"{plan.name}-{dataset_type.lower()}"
        if schema_name not in schemas:
            client.create_schema(name=schema_name, schema=schema)
            return f"created schema {schema_name}"

    groups = {g["name"]: g for g in _all(client, "list_dataset_groups", "datasetGroups")}
    group = groups.get(plan.name)
    if group is None:
        client.create_dataset_group(name=plan.name)
        return "created dataset group"
    if not _ready(group, "dataset group"):
        return "waiting for dataset group"
    group_arn = group["datasetGroupArn"]

    datasets = {
        d["datasetType"].upper(): d for d in _all(client, "list_datasets", "datasets", datasetGroupArn=group_arn)
    }
    for dataset_type in plan.datasets:
        dataset = datasets.get(dataset_type.upper())
        if dataset is None:
            client.create_dataset(
                name=f"{plan.name}-{dataset_type.lower()}",
                datasetType=dataset_type,
                datasetGroupArn=group_arn,
                schemaArn=schemas[f"{plan.name}-{dataset_type.lower()}"],
            )
            return f"created dataset {dataset_type}"
        if not _ready(dataset, "dataset"):
            return f"waiting for dataset {dataset_type}"

    for dataset_type in plan.datasets:
        dataset_arn = datasets[dataset_type.upper()]["datasetArn"]
        jobs = _all(client, "list_dataset_import_jobs", "datasetImportJobs", datasetArn=dataset_arn)
        if not jobs:
            client.create_dataset_import_job(
                jobName=f"{plan.name}-{dataset_type.lower()}-import",
                datasetArn=dataset_arn,
                dataSource={"dataLocation": f"s3://{plan.bucket}/{dataset_type.lower()}.csv"},
                roleArn=plan.role_arn,
            )
            return f"created import job {dataset_type}"
        if not _ready(jobs[0], "import job"):
            return f"waiting for import job {dataset_type}"

    trackers = _all(client, "list_event_trackers", "eventTrackers", datasetGroupArn=group_arn)
    if not trackers:
        client.create_event_tracker(name=f"{plan.name}-tracker", datasetGroupArn=group_arn)
        return "created event tracker"
    if not _ready(trackers[0], "event tracker"):
        return "waiting for event tracker"

    filters = _all(client, "list_filters", "Filters", datasetGroupArn=group_arn)
    if not filters:
        client.create_filter(
            name=f"{plan.name}-not-purchased",
            datasetGroupArn=group_arn,
            filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
        )
        return "created filter"
    if not _ready(filters[0], "filter"):
        return "waiting for filter"

    solutions = _all(client, "list_solutions", "solutions", datasetGroupArn=group_arn)
    if not solutions:
        client.create_solution(name=f"{plan.name}-solution", datasetGroupArn=group_arn, recipeArn=RECIPE)
        return "created solution"
    if not _ready(solutions[0], "solution"):
        return "waiting for solution"
    solution_arn = solutions[0]["solutionArn"]

    versions = _all(client, "list_solution_versions", "solutionVersions", solutionArn=solution_arn)
    if not versions:
        client.create_solution_version(solutionArn=solution_arn)
        return "created solution version"
    if not _ready(versions[0], "solution version"):
        return "waiting for solution version"

    campaigns = _all(client, "list_campaigns", "campaigns", solutionArn=solution_arn)
    if not campaigns:
        client.create_campaign(
            name=f"{plan.name}-campaign", solutionVersionArn=versions[0]["solutionVersionArn"], minProvisionedTPS=1
        )
        return "created campaign"
    if not _ready(campaigns[0], "campaign"):
        return "waiting for campaign"
    return "done"


def provision(plan: Plan | None = None, *, client: Any = None, max_runs: int = 200) -> list[str]:
    """Run :func:`provision_step` until it says ``"done"``: what a schedule does over hours, at once."""
    steps: list[str] = []
    while not steps or steps[-1] != "done":
        if len(steps) >= max_runs:
            raise TimeoutError(f"not done after {max_runs} runs: {steps[-3:]}")
        steps.append(provision_step(plan, client=client))
    return steps
