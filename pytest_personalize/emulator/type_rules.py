"""The rules that belong to one kind of resource, checked at Create and again at Update.

Each rule looks at the request (merged with the resource, for an update) and the ARNs it names,
and raises the service's error when the service would refuse it: a schema that isn't an Avro
record, a dataset whose schema lacks its type's fields or has another domain than its group, a
filter expression the grammar or the guide's requirements refuse, a solution on a retired or
domain recipe, a recommender outside a Domain dataset group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..model import avro as _avro
from ..model import catalogue as _catalogue
from ..model import resources as _resources
from ..model.errors import ServiceError
from ..model.resources import ResourceType
from . import filters as _filters
from .store import RegionStore

INVALID = "InvalidInputException"

Rule = Callable[[RegionStore, ResourceType, Mapping[str, Any], Mapping[str, str]], None]


def schema_rule(store: RegionStore, kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]) -> None:
    """A schema is an Avro record in JSON."""
    if kind.noun == "Schema":
        problem = _avro.record_problem(str(params.get("schema", "")))
        if problem is not None:
            raise ServiceError(INVALID, problem)


def dataset_schema_rule(
    store: RegionStore, kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """A dataset's schema has the fields its type needs and the domain of its group."""
    if kind.noun != "Dataset" or "schemaArn" not in refs or "datasetGroupArn" not in refs:
        return
    schema, group = store.by_arn[refs["schemaArn"]], store.by_arn[refs["datasetGroupArn"]]
    problem = _avro.dataset_problem(str(schema.params.get("schema", "")), str(params.get("datasetType", "")))
    if problem is not None:
        raise ServiceError(INVALID, problem)
    schema_domain, group_domain = schema.params.get("domain"), group.params.get("domain")
    if schema_domain != group_domain:
        raise ServiceError(
            INVALID,
            f"The schema {schema.arn} has domain {schema_domain or 'none'}, but the dataset group {group.arn} "
            f"has domain {group_domain or 'none'}: they must match.",
        )


def filter_rule(store: RegionStore, kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]) -> None:
    """A filter's expression follows the filter grammar and the guide's requirements."""
    if kind.noun == "Filter":
        problem = _filters.expression_problem(str(params.get("filterExpression", "")))
        if problem is not None:
            raise ServiceError(INVALID, problem)


def recipe_rule(store: RegionStore, kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]) -> None:
    """Solutions take a current custom recipe; recommenders a use case of their group's domain."""
    recipe_arn = refs.get("recipeArn")
    if recipe_arn is None and kind.noun != "Recommender":
        return
    recipe = _catalogue.recipes_by_name().get(_resources.arn_tail(recipe_arn or ""))
    if kind.noun == "Solution" and recipe is not None:
        if recipe.retired:
            raise ServiceError(INVALID, f"The recipe {recipe_arn} is retired: new solutions can't use it.")
        if recipe.domain is not None:
            raise ServiceError(
                INVALID,
                f"The recipe {recipe_arn} is a use case of the {recipe.domain} domain: use it in a recommender.",
            )
    if kind.noun == "Recommender":
        group = store.by_arn[refs["datasetGroupArn"]]
        domain = group.params.get("domain")
        if domain is None:
            raise ServiceError(
                INVALID, f"The dataset group {group.arn} is not a Domain dataset group: recommenders need one."
            )
        if recipe is None or recipe.domain != domain:
            raise ServiceError(INVALID, f"The recipe {recipe_arn} is not a use case of the {domain} domain.")


RULES: tuple[Rule, ...] = (schema_rule, dataset_schema_rule, filter_rule, recipe_rule)
