"""The documented quotas as a downstream project meets them: one family of quotas per test.

Each quota family of the developer guide's "Endpoints and quotas" table: resources active per
region (dataset groups, schemas), resources pending or in progress per region (import jobs,
solution versions, batch jobs), and resources active per dataset group (solutions, campaigns,
filters, recommenders). Each is on by default, refused with the service's documented words,
and changed by ``set_quota``, the ``personalize_quotas`` ini key or ``serve --quota``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_personalize.__main__ import build_parser
from pytest_personalize.emulator.backend import DEFAULT_QUOTAS, parse_quota
from pytest_personalize.model.rules.resources import QUOTAS

pytest_plugins = ["pytester"]

PRELUDE = """
import json

import boto3
import pytest

SCHEMA = json.dumps({"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
                     "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                                {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"})
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
ROLE = "arn:aws:iam::123456789012:role/personalize"
ACTIVE_WORDS = "More than {} resources in ACTIVE state. Please delete some and try again."
IN_FLIGHT_WORDS = "More than {} resources with PENDING or IN_PROGRESS status."


@pytest.fixture
def client(personalize_fake):
    return boto3.client("personalize")


def active(client, noun, arn):
    # The default lifecycle: a resource is ACTIVE once a Describe has shown it pending.
    describe = getattr(client, "describe_" + noun)
    key = "".join(word.capitalize() if i else word for i, word in enumerate(noun.split("_")))
    for _ in range(5):
        if describe(**{key + "Arn": arn})[key]["status"] == "ACTIVE":
            return arn
    raise AssertionError(f"{arn} never became ACTIVE")


def refused(client, call, **params):
    with pytest.raises(client.exceptions.LimitExceededException) as raised:
        call(**params)
    return raised.value.response["Error"]["Message"]


@pytest.fixture
def group(client):
    return active(client, "dataset_group", client.create_dataset_group(name="shop")["datasetGroupArn"])


@pytest.fixture
def dataset(client, group):
    schema = client.create_schema(name="interactions", schema=SCHEMA)["schemaArn"]
    arn = client.create_dataset(name="events", schemaArn=schema, datasetGroupArn=group,
                                datasetType="Interactions")["datasetArn"]
    return active(client, "dataset", arn)


@pytest.fixture
def version(client, group, dataset):
    # Training needs data: an ACTIVE import (its rows uncounted without moto's S3, so assumed enough).
    active(client, "dataset_import_job", client.create_dataset_import_job(
        jobName="data", datasetArn=dataset, roleArn=ROLE, dataSource={"dataLocation": "s3://b/i.csv"}
    )["datasetImportJobArn"])
    solution = active(client, "solution",
                      client.create_solution(name="ranking", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"])
    return active(client, "solution_version", client.create_solution_version(solutionArn=solution)["solutionVersionArn"])
"""


def test_every_documented_quota_has_a_default_with_its_source() -> None:
    # The developer guide's table: per region, then per dataset group.
    assert DEFAULT_QUOTAS == {
        "Schema": 500,
        "DatasetGroup": 5,
        "DatasetImportJob": 5,
        "BatchInferenceJob": 5,
        "BatchSegmentJob": 5,
        "SolutionVersion": 20,
        "Solution": 10,
        "Campaign": 5,
        "Recommender": 5,
        "Filter": 10,
    }
    for noun, quota in QUOTAS.items():
        assert f": {quota.limit}" in quota.source, noun
        assert ("per dataset group" in quota.source) == (quota.per == "datasetGroupArn"), noun


def test_resources_active_per_region(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        PRELUDE
        + """
def test_a_sixth_dataset_group_is_refused_until_one_is_deleted(client):
    groups = [active(client, "dataset_group", client.create_dataset_group(name=f"g{i}")["datasetGroupArn"])
              for i in range(5)]
    message = refused(client, client.create_dataset_group, name="sixth")
    assert message == "Cannot create a dataset group. " + ACTIVE_WORDS.format(5)
    client.delete_dataset_group(datasetGroupArn=groups[0])  # DELETE PENDING no longer counts
    client.create_dataset_group(name="sixth")


def test_the_501st_schema_is_refused(client):
    for i in range(500):
        client.create_schema(name=f"s{i}", schema=SCHEMA)
    assert refused(client, client.create_schema, name="one-more", schema=SCHEMA) == (
        "Cannot create a schema. " + ACTIVE_WORDS.format(500)
    )


def test_a_test_changes_or_lifts_them(client, personalize_fake):
    personalize_fake.set_quota("DatasetGroup", 1)
    client.create_dataset_group(name="a")
    assert "More than 1 resources" in refused(client, client.create_dataset_group, name="b")
    personalize_fake.set_quota("DatasetGroup", None)
    for i in range(10):
        client.create_dataset_group(name=f"many{i}")
"""
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_resources_pending_or_in_progress_per_region(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        PRELUDE
        + """
def test_a_sixth_import_job_waits_for_one_to_finish(client, dataset):
    jobs = [client.create_dataset_import_job(jobName=f"j{i}", datasetArn=dataset, roleArn=ROLE,
                                             dataSource={"dataLocation": f"s3://bucket/{i}.csv"})["datasetImportJobArn"]
            for i in range(5)]
    message = refused(client, client.create_dataset_import_job, jobName="sixth", datasetArn=dataset, roleArn=ROLE,
                      dataSource={"dataLocation": "s3://bucket/6.csv"})
    assert message == IN_FLIGHT_WORDS.format(5)  # the developer guide's "Error messages" page
    active(client, "dataset_import_job", jobs[0])  # a finished job no longer counts
    client.create_dataset_import_job(jobName="sixth", datasetArn=dataset, roleArn=ROLE,
                                     dataSource={"dataLocation": "s3://bucket/6.csv"})


def test_twenty_solution_versions_train_at_a_time(client, group, personalize_fake):
    solution = active(client, "solution",
                      client.create_solution(name="ranking", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"])
    for _ in range(20):
        client.create_solution_version(solutionArn=solution)
    assert refused(client, client.create_solution_version, solutionArn=solution) == IN_FLIGHT_WORDS.format(20)
    personalize_fake.set_quota("SolutionVersion", 21)
    client.create_solution_version(solutionArn=solution)


def test_five_batch_inference_jobs_run_at_a_time(client, version):
    def batch(i):
        return client.create_batch_inference_job(
            jobName=f"b{i}", solutionVersionArn=version, roleArn=ROLE,
            jobInput={"s3DataSource": {"path": f"s3://bucket/in/{i}.json"}},
            jobOutput={"s3DataDestination": {"path": f"s3://bucket/out/{i}/"}},
        )
    for i in range(5):
        batch(i)
    with pytest.raises(client.exceptions.LimitExceededException, match="PENDING or IN_PROGRESS"):
        batch(5)
"""
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_resources_active_per_dataset_group(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        PRELUDE
        + """
def test_eleven_solutions_fit_in_two_groups_not_one(client, group):
    for i in range(10):
        client.create_solution(name=f"s{i}", datasetGroupArn=group, recipeArn=RECIPE)
    assert refused(client, client.create_solution, name="s10", datasetGroupArn=group, recipeArn=RECIPE) == (
        "Cannot create a solution. " + ACTIVE_WORDS.format(10)
    )
    other = active(client, "dataset_group", client.create_dataset_group(name="other")["datasetGroupArn"])
    client.create_solution(name="s10", datasetGroupArn=other, recipeArn=RECIPE)


def test_a_sixth_campaign_in_a_group_is_refused(client, version):
    for i in range(5):
        client.create_campaign(name=f"c{i}", solutionVersionArn=version)
    # The developer guide's "Error messages" page, word for word.
    assert refused(client, client.create_campaign, name="c5", solutionVersionArn=version) == (
        "Cannot create a campaign. More than 5 resources in ACTIVE state. Please delete some and try again."
    )


def test_filters_count_per_group_and_a_test_changes_the_limit(client, group, personalize_fake):
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'
    for i in range(10):
        client.create_filter(name=f"f{i}", datasetGroupArn=group, filterExpression=expression)
    assert "More than 10 resources" in refused(client, client.create_filter, name="f10", datasetGroupArn=group,
                                               filterExpression=expression)
    personalize_fake.set_quota("Filter", 11)
    client.create_filter(name="f10", datasetGroupArn=group, filterExpression=expression)
"""
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_the_ini_key_sets_quotas_for_a_whole_suite(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_quotas = Filter=1 Schema=none\n    Solution=2\n")
    pytester.makepyfile(
        PRELUDE
        + """
def test_the_suites_quotas(client, group):
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'
    client.create_filter(name="f0", datasetGroupArn=group, filterExpression=expression)
    assert "More than 1 resources" in refused(client, client.create_filter, name="f1", datasetGroupArn=group,
                                              filterExpression=expression)
    for i in range(2):
        client.create_solution(name=f"s{i}", datasetGroupArn=group, recipeArn=RECIPE)
    assert "More than 2 resources" in refused(client, client.create_solution, name="s2", datasetGroupArn=group,
                                              recipeArn=RECIPE)
    for i in range(501):
        client.create_schema(name=f"schema{i}", schema=SCHEMA)
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("Filters=2", "'Filters' is not a resource type the emulator creates; choose one of"),
        ("Filter=many", "'many' is not a whole number"),
        ("Filter", "is not TYPE=N"),
    ],
)
def test_a_bad_ini_entry_is_an_error_naming_it(pytester: pytest.Pytester, entry: str, message: str) -> None:
    # As with personalize_lifecycle: the fixture that reads the key fails, and says why.
    pytester.makeini(f"[pytest]\npersonalize_quotas = {entry}\n")
    pytester.makepyfile("def test_x(personalize_fake):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*UsageError: ini personalize_quotas: *{message}*"])


def test_serve_takes_quotas_by_type() -> None:
    args = build_parser().parse_args(["serve", "--quota", "3", "--quota", "Filter=20", "--quota", "Schema=none"])
    assert dict(args.quota) == {"DatasetGroup": 3, "Filter": 20, "Schema": None}
    assert parse_quota("Campaign=0") == ("Campaign", 0)

    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "serve", "--quota", "Campaigns=1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "'Campaigns' is not a resource type the emulator creates" in result.stderr
    assert "Traceback" not in result.stderr
