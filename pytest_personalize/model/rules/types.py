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

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ..errors import ServiceError
from . import arns as _arns
from . import filter_expressions as _filter_expressions
from . import recipes as _recipes
from . import resources as _resources
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
    recipe = _recipes.recipes_by_name().get(_arns.arn_tail(recipe_arn or ""))
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


# --- the path from data to a trained model and a campaign -------------------------------------
#
# The rules below are checked with the rest; those that need the state of other resources (what
# was imported, what was streamed) are functions the emulator calls with what it counted.

_RATE = re.compile(r"rate\((\d{1,6}) days?\)")


def _auto_training_configs(params: Mapping[str, Any]) -> list[Any]:
    configs = []
    for member in ("solutionConfig", "solutionUpdateConfig"):
        config = params.get(member)
        if isinstance(config, Mapping) and isinstance(config.get("autoTrainingConfig"), Mapping):
            configs.append(config["autoTrainingConfig"])
    return configs


def auto_training_days(params: Mapping[str, Any]) -> int:
    """The days between automatic trainings a solution asked for: the last config given, else 7."""
    days = _resources.DEFAULT_AUTO_TRAINING_DAYS
    for config in _auto_training_configs(params):
        match = _RATE.fullmatch(str(config.get("schedulingExpression", "")))
        if match is not None:
            days = int(match.group(1))
    return days


def auto_training_rule(
    known: Mapping[str, Known], kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """``schedulingExpression`` is ``rate(N day)`` or ``rate(N days)`` with N from 1 to 30 (API_AutoTrainingConfig)."""
    if kind.noun != "Solution":
        return
    low, high = _resources.AUTO_TRAINING_DAYS
    for config in _auto_training_configs(params):
        expression = config.get("schedulingExpression")
        if expression is None:
            continue
        match = _RATE.fullmatch(str(expression))
        if match is None or not low <= int(match.group(1)) <= high:
            raise ServiceError(
                INVALID,
                f"autoTrainingConfig.schedulingExpression {expression!r} is not a rate of {low} to {high} days: "
                "write it as rate(7 days) or rate(1 day).",
            )


def campaign_latest_rule(
    known: Mapping[str, Known], kind: ResourceType, params: Mapping[str, Any], refs: Mapping[str, str]
) -> None:
    """A campaign that syncs with the latest version names it ``<solution ARN>/$LATEST`` (API_CampaignConfig)."""
    if kind.noun != "Campaign":
        return
    config = params.get("campaignConfig")
    if not isinstance(config, Mapping) or config.get("syncWithLatestSolutionVersion") is not True:
        return
    named = str(params.get("solutionVersionArn", ""))
    if not named.endswith(_resources.LATEST_VERSION_SUFFIX):
        raise ServiceError(
            INVALID,
            f"syncWithLatestSolutionVersion is true, so solutionVersionArn must be the solution's ARN followed by "
            f"{_resources.LATEST_VERSION_SUFFIX}, not {named}.",
        )


def incremental_import_problem(params: Mapping[str, Any], has_bulk_data: bool) -> str | None:
    """Why an import job can't be INCREMENTAL: its dataset has no bulk data yet (API_CreateDatasetImportJob)."""
    if params.get("importMode") == "INCREMENTAL" and not has_bulk_data:
        return (
            f"The dataset {params.get('datasetArn')} has no imported bulk data yet: its first import job must use "
            "importMode FULL."
        )
    return None


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


def training_data_problem(interactions: Sequence[tuple[str | None, str | None]], event_type: str | None) -> str | None:
    """The failure reason of a training on these (user, event type) interactions, or None.

    The minimums are the quotas page's (:data:`.resources.MIN_TRAINING_INTERACTIONS` ...); the
    wording the error-messages page's, and a real failed version's (aws-samples/retail-demo-store
    pull 562).
    """
    kept = [user for user, kind in interactions if event_type is None or kind == event_type]
    minimum = _resources.MIN_TRAINING_INTERACTIONS
    if len(kept) < minimum:
        if event_type is not None:
            return f"Dataset has fewer than {minimum} interactions after filtering by event type: {event_type}"
        return f"Create failed. Dataset has fewer than {minimum} interactions."
    per_user = Counter(kept)
    each, users = _resources.MIN_INTERACTIONS_PER_TRAINING_USER, _resources.MIN_TRAINING_USERS
    active = sum(1 for count in per_user.values() if count >= each)
    if active < users:
        return f"Create failed. Dataset has fewer than {users} users with at least {each} interactions each."
    if active * 100 < _resources.MIN_TRAINING_USERS_PERCENT * len(per_user):
        return (
            f"Create failed. Fewer than {_resources.MIN_TRAINING_USERS_PERCENT:g} percent of the dataset's users "
            f"have at least {each} interactions."
        )
    return None


RULES: tuple[Rule, ...] = (
    schema_rule,
    dataset_schema_rule,
    filter_rule,
    recipe_rule,
    auto_training_rule,
    campaign_latest_rule,
)


REQUEST_REFUSALS: tuple[Callable[[str, Mapping[str, Any]], Refusal | None], ...] = (solution_recipe_refusal,)


def request_refusal(operation: str, params: Mapping[str, Any]) -> Refusal | None:
    """The first of :data:`REQUEST_REFUSALS` that ``params`` break, or None."""
    for rule in REQUEST_REFUSALS:
        refusal = rule(operation, params)
        if refusal is not None:
            return refusal
    return None
