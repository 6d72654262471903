"""What AWS owns and every account can read: recipes, their algorithms and feature transformations,
and how DescribeRecipe, DescribeAlgorithm and DescribeFeatureTransformation show them.

Read-only, the same in every region, with the ARNs the public documentation gives
(``arn:aws:personalize:::recipe/aws-user-personalization``). Sources: the developer guide's
"Choosing a recipe" and "Choosing recommender use cases" pages, and DescribeRecipe outputs in
public notebooks (aws-samples/amazon-personalize-samples), which name each recipe's algorithm
and feature transformation.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from . import spec as _spec
from . import templates as _templates
from .errors import ServiceError
from .rules import arns as _arns
from .rules import resources as _resources

# When the catalogue says its resources were made: Amazon Personalize's launch.
CATALOGUE_DATE = datetime.datetime(2019, 6, 10, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class Recipe:
    """A recipe of the catalogue: its type, the domain of a domain recipe, and whether it was retired."""

    name: str
    recipe_type: str
    domain: str | None = None
    feature_transformation: str | None = None
    retired: bool = False

    @property
    def algorithm(self) -> str:
        return self.name

    @property
    def transformation(self) -> str:
        return self.feature_transformation or self.name.removeprefix("aws-")


RECIPES: tuple[Recipe, ...] = (
    Recipe("aws-user-personalization", "USER_PERSONALIZATION", feature_transformation="user-personalization"),
    Recipe("aws-user-personalization-v2", "USER_PERSONALIZATION"),
    Recipe("aws-personalized-ranking", "PERSONALIZED_RANKING"),
    Recipe("aws-personalized-ranking-v2", "PERSONALIZED_RANKING"),
    Recipe("aws-trending-now", "POPULAR_ITEMS"),
    Recipe("aws-popularity-count", "POPULAR_ITEMS", feature_transformation="JSON-percentile-filtering"),
    Recipe("aws-similar-items", "RELATED_ITEMS"),
    Recipe("aws-sims", "RELATED_ITEMS", feature_transformation="sims"),
    Recipe("aws-semantic-similarity", "RELATED_ITEMS"),
    Recipe("aws-item-affinity", "USER_SEGMENTATION"),
    Recipe("aws-item-attribute-affinity", "USER_SEGMENTATION"),
    Recipe("aws-next-best-action", "NEXT_BEST_ACTION"),
    # The legacy HRNN recipes: listed, described, and refused for new solutions.
    Recipe("aws-hrnn", "USER_PERSONALIZATION", retired=True),
    Recipe("aws-hrnn-metadata", "USER_PERSONALIZATION", retired=True),
    Recipe("aws-hrnn-coldstart", "USER_PERSONALIZATION", retired=True),
    # Domain recipes: the use cases of recommenders in a domain dataset group.
    Recipe("aws-ecomm-customers-who-viewed-x-also-viewed", "RELATED_ITEMS", domain="ECOMMERCE"),
    Recipe("aws-ecomm-frequently-bought-together", "RELATED_ITEMS", domain="ECOMMERCE"),
    Recipe("aws-ecomm-popular-items-by-purchases", "POPULAR_ITEMS", domain="ECOMMERCE"),
    Recipe("aws-ecomm-popular-items-by-views", "POPULAR_ITEMS", domain="ECOMMERCE"),
    Recipe("aws-ecomm-recommended-for-you", "USER_PERSONALIZATION", domain="ECOMMERCE"),
    Recipe("aws-vod-because-you-watched-x", "RELATED_ITEMS", domain="VIDEO_ON_DEMAND"),
    Recipe("aws-vod-more-like-x", "RELATED_ITEMS", domain="VIDEO_ON_DEMAND"),
    Recipe("aws-vod-most-popular", "POPULAR_ITEMS", domain="VIDEO_ON_DEMAND"),
    Recipe("aws-vod-top-picks", "USER_PERSONALIZATION", domain="VIDEO_ON_DEMAND"),
    Recipe("aws-vod-trending-now", "POPULAR_ITEMS", domain="VIDEO_ON_DEMAND"),
)


@functools.cache
def recipes_by_name() -> dict[str, Recipe]:
    return {recipe.name: recipe for recipe in RECIPES}


@functools.cache
def names(noun: str) -> dict[str, Recipe]:
    """The catalogue entries of a kind (Recipe, Algorithm, FeatureTransformation) by name, with their recipe."""
    if noun == "Recipe":
        return recipes_by_name()
    if noun == "Algorithm":
        return {recipe.algorithm: recipe for recipe in RECIPES}
    if noun == "FeatureTransformation":
        return {recipe.transformation: recipe for recipe in RECIPES}
    return {}


def catalogue_entry(kind: _resources.ResourceType, arn: Any) -> str:
    """The name of the AWS-owned resource ``arn`` names, or ResourceNotFoundException."""
    name = _arns.arn_tail(arn) if isinstance(arn, str) else ""
    if not isinstance(arn, str) or not _arns.arn_pattern(kind).fullmatch(arn) or name not in names(kind.noun):
        raise ServiceError("ResourceNotFoundException", _templates.not_found_message(arn, kind))
    return name


def owned_description(kind: _resources.ResourceType, name: str, context: _templates.Context) -> dict[str, Any]:
    """An AWS-owned resource as Describe<X> shows it: the model's example, with the catalogue's facts."""
    arn = _arns.arn(kind, name, context)
    operation = f"Describe{kind.noun}"
    member = single_member(operation)
    dated = context.__class__(region=context.region, account=context.account, now=CATALOGUE_DATE)
    description: dict[str, Any] = dict(_templates.model_example(operation, {kind.arn_member: arn}, dated)[member])
    description.update({"name": name, kind.arn_member: arn})
    recipe = names(kind.noun)[name]
    # What the model's example would make up and nothing in a test reads: left empty.
    for member in (
        "defaultHyperParameters",
        "defaultHyperParameterRanges",
        "defaultResourceConfig",
        "defaultParameters",
    ):
        if member in description:
            description[member] = {}
    if kind.noun == "Algorithm":
        description["trainingInputMode"] = "File"
        description["algorithmImage"] = {"name": name, "dockerURI": f"personalize/{name}:latest"}
    if kind.noun == "Recipe":
        algorithm, transformation = (_resources.for_noun(noun) for noun in ("Algorithm", "FeatureTransformation"))
        assert algorithm is not None and transformation is not None
        description["algorithmArn"] = _arns.arn(algorithm, recipe.algorithm, context)
        description["featureTransformationArn"] = _arns.arn(transformation, recipe.transformation, context)
        description["recipeType"] = recipe.recipe_type
        description["description"] = f"The {recipe.name} recipe ({recipe.recipe_type})."
    return description


@functools.cache
def single_member(operation: str) -> str:
    """The one member of an operation's answer: ``recipe`` for DescribeRecipe."""
    output = _spec.operation_model(operation).output_shape
    assert output is not None
    (member,) = output.members
    return str(member)
