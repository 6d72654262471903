"""The whole control plane as a downstream project sees it: pytester writes the tests, the fake answers."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_a_scheduled_provisioning_job_runs_until_the_campaign_is_active(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        provisioning=(EXAMPLES / "personalize_provisioning.py").read_text(),
        test_job="""
        from provisioning import provision_step

        def test_every_run_takes_one_step(personalize_fake):
            steps = []
            while not steps or steps[-1] != "done":
                assert len(steps) < 100, steps[-5:]
                steps.append(provision_step())
            assert steps.count("created dataset group") == 1
            assert "waiting for solution version" in steps
            created = [c.operation for c in personalize_fake.calls if c.operation.startswith("Create")]
            assert created == [
                "CreateSchema", "CreateSchema", "CreateDatasetGroup", "CreateDataset", "CreateDataset",
                "CreateDatasetImportJob", "CreateDatasetImportJob", "CreateEventTracker", "CreateFilter",
                "CreateSolution", "CreateSolutionVersion", "CreateCampaign",
            ]
            (campaign,) = personalize_fake.resources("Campaign")
            assert campaign["status"] == "ACTIVE"
        """,
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_the_server_answers_the_same_job_over_http(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        provisioning=(EXAMPLES / "personalize_provisioning.py").read_text(),
        test_job="""
        from provisioning import provision

        def test_over_http(personalize_server):
            assert provision()[-1] == "done"
            (campaign,) = personalize_server.backend.resources("Campaign")
            assert campaign["status"] == "ACTIVE"
            assert personalize_server.backend.calls[0].operation == "ListSchemas"
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


# One test per rule of the emulated service, as a downstream project would write it.
RULES = """
import json

import boto3
import pytest

SCHEMA = json.dumps({"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
                     "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                                {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"})
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


@pytest.fixture
def client(personalize_fake):
    personalize_fake.set_lifecycle("instant")
    return boto3.client("personalize")


@pytest.fixture
def group(client):
    return client.create_dataset_group(name="shop")["datasetGroupArn"]


@pytest.fixture
def dataset(client, group):
    schema = client.create_schema(name="interactions", schema=SCHEMA)["schemaArn"]
    return client.create_dataset(name="events", schemaArn=schema, datasetGroupArn=group,
                                 datasetType="Interactions")["datasetArn"]


@pytest.fixture
def imported(client, dataset):
    # Without moto's S3 the rows can't be counted: an ACTIVE import is assumed to hold enough to train on.
    client.create_dataset_import_job(jobName="import", datasetArn=dataset, dataSource={"dataLocation": "s3://b/i.csv"},
                                     roleArn="arn:aws:iam::123456789012:role/personalize")


def code(raised):
    return raised.value.response["Error"]["Code"]


def test_a_missing_parent_is_not_found(client):
    missing = "arn:aws:personalize:us-east-1:123456789012:dataset-group/none"
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=f"The given dataset group does not exist: {missing}"):
        client.create_filter(name="f", datasetGroupArn=missing, filterExpression='EXCLUDE ItemID WHERE Items.X IN ("y")')


def test_a_parent_still_being_created_is_in_use(personalize_fake, client):
    personalize_fake.set_lifecycle("describe")
    group = client.create_dataset_group(name="slow")["datasetGroupArn"]
    with pytest.raises(client.exceptions.ResourceInUseException, match="CREATE PENDING"):
        client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)


def test_one_dataset_per_type_per_group(client, group, dataset):
    schema = client.list_schemas()["schemas"][0]["schemaArn"]
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException, match=f"Another resource with Arn {dataset}"):
        client.create_dataset(name="again", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")


def test_one_event_tracker_per_group(client, group):
    first = client.create_event_tracker(name="one", datasetGroupArn=group)["eventTrackerArn"]
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException) as raised:
        client.create_event_tracker(name="two", datasetGroupArn=group)
    assert raised.value.response["Error"]["Message"] == f"EventTracker {first} already exists for DatasetGroup {group}"


def test_names_are_unique_per_type(client, group):
    client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)


def test_a_schema_domain_must_match_the_group(client, group):
    schema = client.create_schema(name="ecomm", schema=SCHEMA, domain="ECOMMERCE")["schemaArn"]
    with pytest.raises(client.exceptions.InvalidInputException, match="ECOMMERCE"):
        client.create_dataset(name="d", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")


def test_a_recommender_needs_a_domain_group(client, group):
    with pytest.raises(client.exceptions.InvalidInputException, match="Domain dataset group"):
        client.create_recommender(name="r", datasetGroupArn=group,
                                  recipeArn="arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you")


def test_a_schema_must_carry_its_dataset_types_fields(client, group):
    items_only = json.dumps({"type": "record", "name": "Items", "fields": [{"name": "ITEM_ID", "type": "string"}]})
    schema = client.create_schema(name="items", schema=items_only)["schemaArn"]
    with pytest.raises(client.exceptions.InvalidInputException, match="USER_ID, TIMESTAMP"):
        client.create_dataset(name="d", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")
    with pytest.raises(client.exceptions.InvalidInputException, match="Avro record"):
        client.create_schema(name="broken", schema='{"fields": []}')


def test_a_group_with_datasets_cant_be_deleted(client, group, dataset):
    with pytest.raises(client.exceptions.ResourceInUseException, match=dataset):
        client.delete_dataset_group(datasetGroupArn=group)
    client.delete_dataset(datasetArn=dataset)
    client.delete_dataset_group(datasetGroupArn=group)


def test_the_catalogue_is_read_only_with_real_arns(client):
    arns = [r["recipeArn"] for r in client.list_recipes()["recipes"]]
    assert RECIPE in arns
    recipe = client.describe_recipe(recipeArn=RECIPE)["recipe"]
    assert client.describe_algorithm(algorithmArn=recipe["algorithmArn"])["algorithm"]["name"] == "aws-user-personalization"
    assert not hasattr(client, "delete_recipe")


def test_polling_by_list_moves_the_status_on(personalize_fake, client):
    personalize_fake.set_lifecycle("describe")
    client.create_dataset_group(name="polled")
    statuses = [client.list_dataset_groups()["datasetGroups"][0]["status"] for _ in range(2)]
    assert statuses == ["CREATE PENDING", "ACTIVE"]


def test_training_can_be_stopped(personalize_fake, client, group, imported):
    solution = client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    personalize_fake.set_lifecycle("describe")
    version = client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    client.stop_solution_version_creation(solutionVersionArn=version)
    statuses = [client.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"]
                for _ in range(2)]
    assert statuses == ["CREATE STOPPED", "CREATE STOPPED"]  # stopped while pending: no CREATE STOPPING


def test_quotas_are_the_documented_ones_or_the_tests(personalize_fake, client, group):
    for name in "abcd":
        client.create_dataset_group(name=name)
    with pytest.raises(client.exceptions.LimitExceededException):
        client.create_dataset_group(name="sixth")
    personalize_fake.set_quota("Solution", 1)
    client.create_solution(name="s1", datasetGroupArn=group, recipeArn=RECIPE)
    with pytest.raises(client.exceptions.LimitExceededException, match="More than 1 resources"):
        client.create_solution(name="s2", datasetGroupArn=group, recipeArn=RECIPE)


def test_metrics_are_plausible_and_conformant(client, group, imported):
    solution = client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    version = client.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    metrics = client.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert 0 < metrics["precision_at_25"] < 1
"""


def test_one_downstream_test_per_rule(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_rules=RULES)

    result = pytester.runpytest("--strict-markers")

    result.assert_outcomes(passed=RULES.count("\ndef test_"))


def test_the_stubber_answers_its_operations_on_top_of_the_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_mixed(personalize_fake, personalize_client, personalize_stubber):
            personalize_stubber.add_error("DescribeDatasetGroup", "ResourceNotFoundException")
            arn = personalize_client.create_dataset_group(name="shop")["datasetGroupArn"]
            with pytest.raises(personalize_client.exceptions.ResourceNotFoundException):
                personalize_client.describe_dataset_group(datasetGroupArn=arn)
            # The queued answer was used once; the fake answers the same operation from then on.
            group = personalize_client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]
            assert group["status"] == "CREATE PENDING"
            assert [c.operation for c in personalize_fake.calls] == ["CreateDatasetGroup", "DescribeDatasetGroup"]

        def test_unused_answers_still_fail_the_test(personalize_fake, personalize_client, personalize_stubber):
            personalize_stubber.add_response("ListSchemas")
            personalize_client.create_dataset_group(name="shop")

        def test_alone_the_stubber_is_still_strict(personalize_client, personalize_stubber):
            from botocore.exceptions import UnStubbedResponseError
            with pytest.raises(UnStubbedResponseError):
                personalize_client.list_schemas()

        @pytest.mark.personalize(assert_all_used=False)
        def test_a_client_the_code_builds_gets_the_fakes_answer(personalize_fake, personalize_stubber):
            import boto3
            personalize_stubber.add_error("DescribeDatasetGroup", "ResourceNotFoundException")
            own = boto3.client("personalize")
            arn = own.create_dataset_group(name="shop")["datasetGroupArn"]
            assert own.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["name"] == "shop"
            assert [answer.operation for answer in personalize_stubber.pending] == ["DescribeDatasetGroup"]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*1 queued Personalize answer was never used:", "*- ListSchemas -> response*"])


def test_retries_under_the_fake_do_not_sleep_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time

        import botocore.endpoint
        import pytest

        def test_recorded(personalize_fake, personalize_client):
            personalize_fake.fail_next("ListDatasetGroups", "ThrottlingException", times=2)
            response = personalize_client.list_dataset_groups()
            assert response["ResponseMetadata"]["RetryAttempts"] == 2
            assert len(personalize_fake.retry_sleeps) == 2
            assert all(seconds >= 0 for seconds in personalize_fake.retry_sleeps)

        @pytest.mark.personalize(sleep_on_retry=True)
        def test_opted_back_in(personalize_fake):
            assert botocore.endpoint.time is time
            assert personalize_fake.retry_sleeps == []

        def test_restored_after_the_fake():
            assert botocore.endpoint.time is time
        """
    )
    # In a subprocess: botocore must be imported once, as in a real run (pytester in process re-imports it).
    pytester.runpytest_subprocess().assert_outcomes(passed=3)
