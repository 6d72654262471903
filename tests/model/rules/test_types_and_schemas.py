"""Rules of one kind of resource: CreateSolution's recipe or AutoML, a domain's schema fields, and
the wording of a missing resource."""

from __future__ import annotations

import json

import pytest

from pytest_personalize.model import templates as _templates
from pytest_personalize.model import validate as _validate
from pytest_personalize.model.rules import resources as _resources
from pytest_personalize.model.rules import schemas as _schemas
from pytest_personalize.model.rules import types as _types

GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


@pytest.mark.parametrize(
    ("extra", "refused"),
    [
        ({"recipeArn": RECIPE}, None),
        ({"performAutoML": True}, None),
        ({"recipeArn": RECIPE, "performAutoML": False}, None),
        ({}, "recipeArn is required"),
        ({"performAutoML": False}, "recipeArn is required"),
        ({"performAutoML": True, "recipeArn": RECIPE}, "recipeArn must be omitted"),
    ],
)
def test_create_solution_names_a_recipe_or_asks_for_automl_never_both(
    extra: dict[str, object], refused: str | None
) -> None:
    problem = _validate.request_problem("CreateSolution", {"name": "s", "datasetGroupArn": GROUP, **extra})

    if refused is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.code == "InvalidInputException"
        assert refused in problem.message


def test_the_recipe_rule_is_about_create_solution_only() -> None:
    assert _types.solution_recipe_refusal("UpdateSolution", {"solutionArn": GROUP}) is None


def _schema(*names: str) -> str:
    return json.dumps({"type": "record", "name": "R", "fields": [{"name": n, "type": "string"} for n in names]})


@pytest.mark.parametrize(
    ("domain", "dataset_type", "fields", "missing"),
    [
        ("ECOMMERCE", "Items", ("ITEM_ID",), "PRICE, CATEGORY_L1"),
        ("ECOMMERCE", "Items", ("ITEM_ID", "PRICE", "CATEGORY_L1"), None),
        ("VIDEO_ON_DEMAND", "Items", ("ITEM_ID", "GENRES"), "CREATION_TIMESTAMP"),
        ("VIDEO_ON_DEMAND", "Items", ("ITEM_ID", "GENRES", "CREATION_TIMESTAMP"), None),
        ("ECOMMERCE", "Interactions", ("USER_ID", "ITEM_ID", "TIMESTAMP"), "EVENT_TYPE"),
        ("VIDEO_ON_DEMAND", "Interactions", ("USER_ID", "ITEM_ID", "TIMESTAMP"), "EVENT_TYPE"),
        ("ECOMMERCE", "Interactions", ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"), None),
        ("ECOMMERCE", "Users", ("USER_ID",), "metadata field"),
        ("VIDEO_ON_DEMAND", "Users", ("USER_ID", "AGE"), None),
        (None, "Items", ("ITEM_ID",), None),
        (None, "Interactions", ("USER_ID", "ITEM_ID", "TIMESTAMP"), None),
    ],
)
def test_a_domain_dataset_needs_the_domain_fields(
    domain: str | None, dataset_type: str, fields: tuple[str, ...], missing: str | None
) -> None:
    problem = _schemas.domain_problem(_schema(*fields), dataset_type, domain)

    if missing is None:
        assert problem is None
    else:
        assert problem is not None and missing in problem


@pytest.mark.parametrize("kind", [kind for kind in _resources.RESOURCE_TYPES if kind.arn_type])
def test_a_missing_resource_is_named_in_the_service_form(kind: _resources.ResourceType) -> None:
    arn = f"arn:aws:personalize:us-east-1:123456789012:{kind.arn_type}/x"
    noun = " ".join(part.lower() for part in _split_words(kind.noun))

    assert _templates.not_found_message(arn, kind) == f"The given {noun} does not exist: {arn}"


def _split_words(noun: str) -> list[str]:
    words: list[str] = []
    for char in noun:
        if char.isupper() or not words:
            words.append(char)
        else:
            words[-1] += char
    return words


@pytest.mark.parametrize(
    ("arn", "noun"),
    [
        ("arn:aws:personalize:us-east-1:123456789012:dataset-group/shop", "dataset group"),
        ("arn:aws:personalize:us-east-1:123456789012:solution/s", "solution"),
        ("arn:aws:personalize:us-east-1:123456789012:solution/s/1a2b3c4d", "solution version"),
        ("arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS", "dataset"),
        ("arn:aws:personalize:::recipe/nothing", "recipe"),
        ("not an arn", "resource"),
    ],
)
def test_the_noun_is_read_off_the_arn(arn: str, noun: str) -> None:
    assert _templates.not_found_message(arn) == f"The given {noun} does not exist: {arn}"


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("DescribeSolution", {"solutionArn": f"{GROUP[: -len('dataset-group/shop')]}solution/s"}, "solution"),
        ("DeleteDatasetGroup", {"datasetGroupArn": GROUP}, "dataset group"),
        ("CreateDataset", {"datasetGroupArn": GROUP, "name": "d"}, "dataset group"),
        ("TagResource", {"resourceArn": GROUP}, "dataset group"),
    ],
)
def test_the_default_not_found_text_names_what_the_request_named(
    operation: str, params: dict[str, str], expected: str
) -> None:
    arn = next(iter(value for key, value in params.items() if key.endswith("Arn")))

    message = _templates.error_message("ResourceNotFoundException", params, operation=operation)

    assert message == f"The given {expected} does not exist: {arn}"
