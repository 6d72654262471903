"""What AWS owns and every account can read: the recipes, with their algorithms and feature transformations.

Read-only, the same in every region, with the ARNs the public documentation gives
(``arn:aws:personalize:::recipe/aws-user-personalization``). Sources: the developer guide's
"Choosing a recipe" and "Choosing recommender use cases" pages, and DescribeRecipe outputs in
public notebooks (aws-samples/amazon-personalize-samples), which name each recipe's algorithm
and feature transformation. How DescribeRecipe, DescribeAlgorithm and
DescribeFeatureTransformation show them is :mod:`pytest_personalize.model.templates`'s.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


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
