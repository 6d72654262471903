"""What the runtime API (personalize-runtime) adds to its model: what a request must carry, how
many results it may ask for, what an answer looks like, and the words of its errors.

What a request must carry besides the model's required members depends on the recipe behind
the campaign, or the use case behind the recommender. Sources: the GetRecommendations and
GetActionRecommendations API reference (the botocore model's own documentation) for recipe
types (https://docs.aws.amazon.com/personalize/latest/dg/API_RS_GetRecommendations.html); the
developer guide's "ECOMMERCE use cases" and "VIDEO_ON_DEMAND use cases" pages for recommenders
(https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-use-cases.html,
https://docs.aws.amazon.com/personalize/latest/dg/VIDEO_ON_DEMAND-use-cases.html). Where a page
gives no requirement, the parameter is taken as optional, so the emulator never refuses what the
service might accept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import spec as _spec
from .common import Refusal, ResponseProblem

REQUIRED = "required"
OPTIONAL = "optional"
UNUSED = "unused"


# --- what a request must carry ---------------------------------------------------------------


@dataclass(frozen=True)
class Needs:
    """What a runtime request for one recipe type or use case must carry, and how it is answered.

    ``operation`` is the runtime operation that serves it; ``user_id`` and ``item_id`` are
    ``required``, ``optional`` or ``unused`` (a declared rule on an unused parameter never
    matches); ``scored``: whether the service returns a score per item.
    """

    operation: str
    user_id: str
    item_id: str
    scored: bool
    label: str

    def missing(self, params: Mapping[str, Any]) -> list[str]:
        """The required members the request leaves out (or gives as an empty string)."""
        wanted = {"userId": self.user_id, "itemId": self.item_id}
        return [member for member, need in wanted.items() if need == REQUIRED and not params.get(member)]


_RECOMMENDATIONS = "GetRecommendations"
_RANKING = "GetPersonalizedRanking"
_ACTIONS = "GetActionRecommendations"

# Custom recipes, by the recipe type of the campaign's solution. GetRecommendations' API
# reference: "USER_PERSONALIZATION - userId required, itemId not used; RELATED_ITEMS - itemId
# required, userId not used; PERSONALIZED_RANKING campaigns use GetPersonalizedRanking".
# POPULAR_ITEMS is the catalogue's type for Trending-Now and Popularity-Count, which the recipe
# pages list as USER_PERSONALIZATION recipes: they are served as such, without scores.
# GetActionRecommendations serves PERSONALIZED_ACTIONS recipes (the catalogue: NEXT_BEST_ACTION).
RECIPE_TYPE_NEEDS: dict[str, Needs] = {
    "USER_PERSONALIZATION": Needs(_RECOMMENDATIONS, REQUIRED, UNUSED, True, "USER_PERSONALIZATION"),
    "POPULAR_ITEMS": Needs(_RECOMMENDATIONS, REQUIRED, UNUSED, False, "USER_PERSONALIZATION (popular items)"),
    "RELATED_ITEMS": Needs(_RECOMMENDATIONS, UNUSED, REQUIRED, False, "RELATED_ITEMS"),
    "PERSONALIZED_RANKING": Needs(_RANKING, REQUIRED, UNUSED, True, "PERSONALIZED_RANKING"),
    "PERSONALIZED_ACTIONS": Needs(_ACTIONS, REQUIRED, UNUSED, True, "PERSONALIZED_ACTIONS"),
    "NEXT_BEST_ACTION": Needs(_ACTIONS, REQUIRED, UNUSED, True, "PERSONALIZED_ACTIONS"),
}

# Domain recommenders, by the recipe (use case) they were created with: the use-case pages'
# "GetRecommendations requirements". "Required only if you filter by CurrentUser" is optional.
USE_CASE_NEEDS: dict[str, Needs] = {
    "aws-ecomm-popular-items-by-views": Needs(_RECOMMENDATIONS, REQUIRED, UNUSED, False, "Most viewed"),
    "aws-ecomm-popular-items-by-purchases": Needs(_RECOMMENDATIONS, REQUIRED, UNUSED, False, "Best sellers"),
    "aws-ecomm-frequently-bought-together": Needs(
        _RECOMMENDATIONS, OPTIONAL, REQUIRED, False, "Frequently bought together"
    ),
    "aws-ecomm-customers-who-viewed-x-also-viewed": Needs(
        _RECOMMENDATIONS, REQUIRED, REQUIRED, False, "Customers who viewed X also viewed"
    ),
    "aws-ecomm-recommended-for-you": Needs(_RECOMMENDATIONS, REQUIRED, UNUSED, True, "Recommended for you"),
    "aws-vod-because-you-watched-x": Needs(_RECOMMENDATIONS, REQUIRED, REQUIRED, False, "Because you watched X"),
    "aws-vod-more-like-x": Needs(_RECOMMENDATIONS, REQUIRED, REQUIRED, False, "More like X"),
    "aws-vod-most-popular": Needs(_RECOMMENDATIONS, OPTIONAL, UNUSED, False, "Most popular"),
    "aws-vod-trending-now": Needs(_RECOMMENDATIONS, OPTIONAL, UNUSED, False, "Trending now"),
    "aws-vod-top-picks": Needs(_RECOMMENDATIONS, REQUIRED, UNUSED, True, "Top picks for you"),
}

# A solution without a recipe (AutoML picks one) is served as the most common type.
DEFAULT_NEEDS = RECIPE_TYPE_NEEDS["USER_PERSONALIZATION"]


# --- how many results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultLimit:
    """How many results a runtime operation answers with, and where they travel.

    ``asked``: the request member that bounds the answer -- ``numResults`` (left out, the answer
    holds at most ``default``) or the ``inputList`` to rank; ``maximum``: the most it may say;
    ``with_metadata``: the lower maximum when the request gives ``metadataColumns`` (None: the
    operation has no such member). ``answer``: the response's list, each entry named by ``id``.
    """

    asked: str
    default: int | None
    maximum: int
    with_metadata: int | None
    answer: str
    id: str

    def maximum_for(self, params: Mapping[str, Any]) -> tuple[int, str]:
        """The most ``asked`` may be for this request, and why (for a message)."""
        columns = params.get("metadataColumns")
        # expected_params' ANY may stand for no columns at all: only the request sent decides.
        if self.with_metadata is not None and columns and not _spec.is_stub_wildcard(columns):
            return self.with_metadata, " when metadataColumns is given"
        return self.maximum, ""


# The botocore personalize-runtime model states these in its documentation, not as constraints
# (tests/stub/test_runtime_and_events_stubbers.py holds the table to that text): GetRecommendations.numResults
# "The default is 25. If you are including metadata in recommendations, the maximum is 50.
# Otherwise, the maximum is 500."; GetActionRecommendations.numResults "The default is 5. The
# maximum is 100."; GetPersonalizedRanking.inputList "If you are including metadata in
# recommendations, the maximum is 50. Otherwise, the maximum is 500."
RESULT_LIMITS: dict[str, ResultLimit] = {
    "GetRecommendations": ResultLimit("numResults", 25, 500, 50, "itemList", "itemId"),
    "GetActionRecommendations": ResultLimit("numResults", 5, 100, None, "actionList", "actionId"),
    "GetPersonalizedRanking": ResultLimit("inputList", None, 500, 50, "personalizedRanking", "itemId"),
}


def too_many_results(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    # The service's wording isn't public: the message says what was asked and what is allowed.
    limit = RESULT_LIMITS.get(operation)
    if limit is None:
        return None
    highest, why = limit.maximum_for(params)
    asked = params.get(limit.asked)
    if limit.asked == "inputList":
        if isinstance(asked, list) and len(asked) > highest:
            return Refusal(
                "InvalidInputException", f"inputList has {len(asked)} items: at most {highest} can be ranked{why}."
            )
    elif isinstance(asked, int) and not isinstance(asked, bool) and asked > highest:
        return Refusal(
            "InvalidInputException", f"numResults is {asked}: {operation} returns at most {highest} results{why}."
        )
    return None


def result_problems(
    limit: ResultLimit, response: Mapping[str, Any], params: Mapping[str, Any] | None
) -> list[ResponseProblem]:
    """A runtime answer's list: no longer than the request allows, each id once, ranking only what was given."""
    entries = response.get(limit.answer)
    if not isinstance(entries, list):
        return []
    found: list[ResponseProblem] = []
    most, rule = _most_results(limit, params)
    if len(entries) > most:
        found.append(ResponseProblem(limit.answer, f"{len(entries)} entries", rule))
    given = params.get("inputList") if params is not None and limit.asked == "inputList" else None
    ranked = {item for item in given if isinstance(item, str)} if isinstance(given, list) else None
    first: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        identifier = entry.get(limit.id) if isinstance(entry, Mapping) else None
        if not isinstance(identifier, str):
            continue
        path = f"{limit.answer}.{index}.{limit.id}"
        if identifier in first:
            found.append(
                ResponseProblem(
                    path,
                    identifier,
                    f"it is already at {limit.answer}.{first[identifier]}: the service lists each {limit.id} once",
                )
            )
            continue
        first[identifier] = index
        if ranked is not None and identifier not in ranked:
            found.append(
                ResponseProblem(
                    path, identifier, "the request's inputList doesn't hold it: the service ranks only those"
                )
            )
    return found


def _most_results(limit: ResultLimit, params: Mapping[str, Any] | None) -> tuple[int, str]:
    """How many entries an answer to ``params`` (None: unknown) may hold, and the rule that says so."""
    if params is None:
        return limit.maximum, f"the service sends at most {limit.maximum}"
    highest, why = limit.maximum_for(params)
    if limit.asked != "numResults":
        return highest, f"the service sends at most {highest}{why}"
    asked = params.get("numResults")
    if asked is None and limit.default is not None:
        return limit.default, f"the request left numResults out, so the service sends at most {limit.default}"
    if isinstance(asked, int) and not isinstance(asked, bool):
        return asked, f"the request's numResults is {asked}, so the service sends at most {asked}"
    return highest, f"the service sends at most {highest}{why}"


def request_refusal(operation: str, params: Mapping[str, Any]) -> Refusal | None:
    """Why a runtime request is refused before any lookup, or None.

    GetRecommendations names one campaign or one recommender (its API reference: "For campaigns,
    the campaign's ARN is required ... For recommenders, the recommender's ARN is required");
    GetPersonalizedRanking and GetActionRecommendations need their campaign. The service's
    wording isn't public: these messages say what is wrong.
    """
    if operation == "GetRecommendations":
        given = [member for member in ("campaignArn", "recommenderArn") if params.get(member) is not None]
        if len(given) != 1:
            found = "both" if given else "neither"
            return Refusal(
                "InvalidInputException",
                f"GetRecommendations needs either a campaignArn or a recommenderArn; the request gave {found}.",
            )
    elif operation in ("GetPersonalizedRanking", "GetActionRecommendations") and params.get("campaignArn") is None:
        return Refusal("InvalidInputException", f"{operation} needs the campaignArn of the campaign to ask.")
    return None


# --- answers ------------------------------------------------------------------------------------


def descending_scores(count: int) -> list[float]:
    """Scores for ``count`` ranked items: descending, each positive, together summing to 1.

    Personalize normalises scores over what it ranks; the exact values come from a model, which
    the emulator doesn't have, so only their order and their sum are like the service's.
    """
    total = count * (count + 1) / 2
    return [round((count - index) / total, 4) for index in range(count)]


def recommendation_id(seed: str) -> str:
    """A recommendation id (``RID-`` and a hex id), stable for a seed.

    34 characters: PutEvents takes it back as ``recommendationId``, whose model allows 40.
    """
    import hashlib

    digest = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
    return f"RID-{digest[:2]}-{digest[2:6]}-{digest[6:10]}-{digest[10:14]}-{digest[14:26]}"


def _seed_of(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _asked_none(params: Mapping[str, Any]) -> bool:
    # numResults=0 is a valid request, and its answer is an empty list.
    return params.get("numResults") == 0 and not isinstance(params.get("numResults"), bool)


def _get_recommendations(params: Mapping[str, Any], context: Any) -> dict[str, Any]:
    # One placeholder item: a test that reads the list gives its own with itemList=[...].
    items = [] if _asked_none(params) else [{"itemId": "example-item"}]
    return {"itemList": items, "recommendationId": recommendation_id(_seed_of(params))}


def _get_personalized_ranking(params: Mapping[str, Any], context: Any) -> dict[str, Any]:
    # The input list in the order it came, as a campaign with nothing to go on ranks it: each
    # item once, and only those (an answer may hold nothing else). Without one, a placeholder.
    given = params.get("inputList")
    if isinstance(given, list):
        items = list(dict.fromkeys(item for item in given if isinstance(item, str)))
    else:
        items = ["example-item"]
    scores = descending_scores(len(items))
    return {
        "personalizedRanking": [{"itemId": item, "score": score} for item, score in zip(items, scores, strict=True)],
        "recommendationId": recommendation_id(_seed_of(params)),
    }


def _get_action_recommendations(params: Mapping[str, Any], context: Any) -> dict[str, Any]:
    return {
        "actionList": [] if _asked_none(params) else [{"actionId": "example-action", "score": 1.0}],
        "recommendationId": recommendation_id(_seed_of(params)),
    }


# Members a runtime answer has only when the request asked for them (promotions, metadata
# columns) or the recipe gives them (reasons) are left out of a template.
TEMPLATES: dict[str, Callable[[Mapping[str, Any], Any], dict[str, Any]]] = {
    "GetRecommendations": _get_recommendations,
    "GetPersonalizedRanking": _get_personalized_ranking,
    "GetActionRecommendations": _get_action_recommendations,
}


# --- messages ----------------------------------------------------------------------------------


def _target(params: Mapping[str, Any]) -> tuple[str, str] | None:
    for member, noun in (("campaignArn", "campaign"), ("recommenderArn", "recommender")):
        arn = params.get(member)
        if isinstance(arn, str):
            return noun, arn
    return None


def not_found_message(noun: str, arn: str) -> str:
    """The runtime's ResourceNotFoundException text: ``The given campaign does not exist: <arn>``.

    The form is the control plane's, as real errors show it for a dataset group and a solution
    (:func:`pytest_personalize.model.templates.not_found_message`); no public runtime output
    shows it for a campaign, recommender or filter, so those are ours.
    """
    return f"The given {noun} does not exist: {arn}"


def error_message(operation: str, code: str, params: Mapping[str, Any]) -> str | None:
    """The message a runtime error carries when nothing more specific is known, or None."""
    if code == "ResourceNotFoundException":
        target = _target(params)
        if target is not None:
            return not_found_message(*target)
    return None
