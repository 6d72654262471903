"""The rules that belong to one kind of resource, checked by the emulator at Create and again at Update.

Each rule looks at the request (merged with the resource, for an update), the ARNs it names and
the resources they name, and raises the service's error when the service would refuse it: a
schema that isn't an Avro record (:mod:`.schemas`), a dataset whose schema lacks its type's
fields or has another domain than its group (developer guide, "Custom datasets and schemas":
https://docs.aws.amazon.com/personalize/latest/dg/custom-datasets-and-schemas.html), a dataset of
a Domain dataset group whose schema lacks the domain's fields (the domain schema pages, cited in
:mod:`.schemas`), a filter
expression the grammar or the guide's requirements refuse (:mod:`.filter_expressions`), a
solution on a retired or domain recipe, a recommender outside a Domain dataset group (developer
guide, "Choosing a recipe" and "Domain dataset groups").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .. import catalogue as _catalogue
from ..errors import ServiceError
from . import arns as _arns
from . import filter_expressions as _filter_expressions
from . import schemas as _schemas
from .common import Refusal
from .resources import ResourceType

INVALID = "InvalidInputException"


class Known(Protocol):
    """A resource a request names, as the rules read it: its ARN and what it was created with."""

    @property
    def arn(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


# (resources by ARN, the kind, the request's parameters, the ARNs it names by member)
Rule = Callable[[Mapping[str, Known], ResourceType, Mapping[str, Any], Mapping[str, str]], None]


def schema_rule(
    known: Mapping[str, Known], kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """A schema is an Avro record in JSON."""
    if kind.noun == "Schema":
        problem = _schemas.record_problem(str(params.get("schema", "")))
        if problem is not None:
            raise ServiceError(INVALID, problem)


def dataset_schema_rule(
    known: Mapping[str, Known], kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """A dataset's schema has the fields its type needs and the domain of its group."""
    if kind.noun != "Dataset" or "schemaArn" not in refs or "datasetGroupArn" not in refs:
        return
    schema, group = known[refs["schemaArn"]], known[refs["datasetGroupArn"]]
    problem = _schemas.dataset_problem(str(schema.params.get("schema", "")), str(params.get("datasetType", "")))
    if problem is not None:
        raise ServiceError(INVALID, problem)
    schema_domain, group_domain = schema.params.get("domain"), group.params.get("domain")
    if schema_domain != group_domain:
        raise ServiceError(
            INVALID,
            f"The schema {schema.arn} has domain {schema_domain or 'none'}, but the dataset group {group.arn} "
            f"has domain {group_domain or 'none'}: they must match.",
        )
    # The domain's own fields, once the schema's domain is the group's (developer guide, the
    # domain schema pages: see schemas.DOMAIN_REQUIRED_FIELDS).
    domain = group_domain if isinstance(group_domain, str) else None
    problem = _schemas.domain_problem(str(schema.params.get("schema", "")), str(params.get("datasetType", "")), domain)
    if problem is not None:
        raise ServiceError(INVALID, problem)


def filter_rule(
    known: Mapping[str, Known], kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """A filter's expression follows the filter grammar and the guide's requirements."""
    if kind.noun == "Filter":
        problem = _filter_expressions.expression_problem(str(params.get("filterExpression", "")))
        if problem is not None:
            raise ServiceError(INVALID, problem)


def recipe_rule(
    known: Mapping[str, Known], kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """Solutions take a current custom recipe; recommenders a use case of their group's domain."""
    recipe_arn = refs.get("recipeArn")
    if recipe_arn is None and kind.noun != "Recommender":
        return
    recipe = _catalogue.recipes_by_name().get(_arns.arn_tail(recipe_arn or ""))
    if kind.noun == "Solution" and recipe is not None:
        if recipe.retired:
            raise ServiceError(INVALID, f"The recipe {recipe_arn} is retired: new solutions can't use it.")
        if recipe.domain is not None:
            raise ServiceError(
                INVALID,
                f"The recipe {recipe_arn} is a use case of the {recipe.domain} domain: use it in a recommender.",
            )
    if kind.noun == "Recommender":
        group = known[refs["datasetGroupArn"]]
        domain = group.params.get("domain")
        if domain is None:
            raise ServiceError(
                INVALID, f"The dataset group {group.arn} is not a Domain dataset group: recommenders need one."
            )
        if recipe is None or recipe.domain != domain:
            raise ServiceError(INVALID, f"The recipe {recipe_arn} is not a use case of the {domain} domain.")


RULES: tuple[Rule, ...] = (schema_rule, dataset_schema_rule, filter_rule, recipe_rule)


# --- rules a request breaks by itself, whatever exists: every mode asks them (:mod:`.refusals`) ---


def solution_recipe_refusal(operation: str, params: Mapping[str, Any]) -> Refusal | None:
    """CreateSolution names a recipe, or asks for AutoML: one of the two, never both.

    Source: API reference, CreateSolution (performAutoML and recipeArn,
    https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolution.html): "The default is
    false. For this case, you must specify recipeArn. When set to true, ... you must omit
    recipeArn." The error code is the one the service answers every refused value with; its
    text isn't public, so the wording is ours.
    """
    if operation != "CreateSolution":
        return None
    automl, recipe = params.get("performAutoML") is True, params.get("recipeArn") is not None
    if automl and recipe:
        return Refusal(
            INVALID,
            "performAutoML is true, so recipeArn must be omitted: Amazon Personalize chooses the recipe itself.",
        )
    if not automl and not recipe:
        return Refusal(
            INVALID, "recipeArn is required when performAutoML is false (the default): name the recipe to train."
        )
    return None


REQUEST_REFUSALS: tuple[Callable[[str, Mapping[str, Any]], Refusal | None], ...] = (solution_recipe_refusal,)


def request_refusal(operation: str, params: Mapping[str, Any]) -> Refusal | None:
    """The first of :data:`REQUEST_REFUSALS` that ``params`` break, or None."""
    for rule in REQUEST_REFUSALS:
        refusal = rule(operation, params)
        if refusal is not None:
            return refusal
    return None
