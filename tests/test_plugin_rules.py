"""The service's rules on recipes, domain schemas, missing resources, stubbed answers and recorded
ones, as a downstream project meets them: its own clients, under ``personalize_fake``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SHIPPED = Path(__file__).resolve().parent.parent / "cassettes" / "tests" / "test_replay" / "test_lifecycle.yaml"

RULES = """
import json

import boto3
import pytest

from pytest_personalize import PersonalizeStubber

RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


@pytest.fixture
def client(personalize_fake):
    personalize_fake.set_lifecycle("instant")
    return boto3.client("personalize", region_name="eu-west-1")


def code_and_message(raised):
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def schema(*fields, domain=None):
    text = json.dumps({"type": "record", "name": "R", "fields": [{"name": f, "type": "string"} for f in fields]})
    extra = {"domain": domain} if domain else {}
    return text, extra


def test_a_solution_names_a_recipe_or_asks_for_automl(client):
    group = client.create_dataset_group(name="shop")["datasetGroupArn"]
    with pytest.raises(client.exceptions.InvalidInputException) as both:
        client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE, performAutoML=True)
    with pytest.raises(client.exceptions.InvalidInputException) as neither:
        client.create_solution(name="s", datasetGroupArn=group)
    assert "recipeArn must be omitted" in code_and_message(both)[1]
    assert "recipeArn is required" in code_and_message(neither)[1]
    assert client.create_solution(name="s", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]


def test_a_domain_dataset_needs_the_domains_fields(client):
    group = client.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    text, extra = schema("ITEM_ID", domain="ECOMMERCE")
    bare = client.create_schema(name="bare", schema=text, **extra)["schemaArn"]
    with pytest.raises(client.exceptions.InvalidInputException) as raised:
        client.create_dataset(name="items", datasetGroupArn=group, datasetType="Items", schemaArn=bare)
    assert "PRICE, CATEGORY_L1" in code_and_message(raised)[1]
    text, extra = schema("ITEM_ID", "PRICE", "CATEGORY_L1", domain="ECOMMERCE")
    full = client.create_schema(name="full", schema=text, **extra)["schemaArn"]
    assert client.create_dataset(name="items", datasetGroupArn=group, datasetType="Items", schemaArn=full)


def test_a_missing_resource_in_the_services_words(client):
    missing = "arn:aws:personalize:eu-west-1:123456789012:solution/nothing"
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.describe_solution(solutionArn=missing)
    assert code_and_message(raised)[1] == f"The given solution does not exist: {missing}"


def test_a_stubbed_answer_holds_nothing_made_up(personalize_fake):
    client = boto3.client("personalize", region_name="eu-west-1")
    with PersonalizeStubber(client) as stubber:
        stubber.add_response("describe_batch_inference_job")
        stubber.add_response("create_solution")
        job = client.describe_batch_inference_job(batchInferenceJobArn="arn:aws:personalize:eu-west-1:123456789012:batch-inference-job/j")
        solution = client.create_solution(name="s", datasetGroupArn="arn:aws:personalize:eu-west-1:123456789012:dataset-group/g", recipeArn=RECIPE)
    assert "filterArn" not in job["batchInferenceJob"]
    assert "batchInferenceJobConfig" not in job["batchInferenceJob"]
    assert solution["solutionArn"] == "arn:aws:personalize:eu-west-1:123456789012:solution/s"
"""


def test_the_rules_as_a_downstream_project_meets_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_rules=RULES)
    pytester.runpytest().assert_outcomes(passed=4)


def test_check_refuses_a_recorded_status_the_stubber_refuses(pytester: pytest.Pytester) -> None:
    cassettes = pytester.path / "cassettes"
    cassettes.mkdir()
    text = SHIPPED.read_text()
    assert '"status": "ACTIVE"' in text
    (cassettes / "ready.yaml").write_text(text.replace('"status": "ACTIVE"', '"status": "READY"', 1))
    pytester.makeini("[pytest]\n")

    result = pytester.run(sys.executable, "-m", "pytest_personalize", "check")

    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*ready.yaml: interaction * 'READY' at 'datasetGroup.status': a DatasetGroup is never*"]
    )
