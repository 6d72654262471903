"""What the runtime and events APIs add to the model: wire form, requirements, templates, messages.

``personalize-runtime`` (GetRecommendations, GetPersonalizedRanking, GetActionRecommendations)
and ``personalize-events`` (PutEvents, PutItems, PutUsers, PutActions, PutActionInteractions)
are REST-JSON APIs: the path names the operation (``POST /recommendations``), the body is plain
JSON, and an error travels as an ``x-amzn-ErrorType`` header with a ``{"message": ...}`` body and
the HTTP status its model gives it (404 for ResourceNotFoundException, 409 for ResourceInUse).

What a request must carry besides the model's required members depends on the recipe behind
the campaign, or the use case behind the recommender. Sources: the GetRecommendations and
GetActionRecommendations API reference (the botocore model's own documentation) for recipe
types; the developer guide's "ECOMMERCE use cases" and "VIDEO_ON_DEMAND use cases" pages for
recommenders. Where a page gives no requirement, the parameter is taken as optional, so the
emulator never refuses what the service might accept.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import spec as _spec

REST_JSON_CONTENT_TYPE = "application/json"
ERROR_TYPE_HEADER = "x-amzn-ErrorType"

# The event types of an action interaction: ActionInteraction.eventType's documentation in the
# personalize-events model ("You can specify Viewed, Taken, and Not Taken event types").
ACTION_EVENT_TYPES = ("Viewed", "Taken", "Not Taken")

REQUIRED = "required"
OPTIONAL = "optional"
UNUSED = "unused"


@functools.cache
def rest_routes() -> dict[tuple[str, str], str]:
    """(method, path) -> operation, for every runtime and events operation, from the models."""
    routes: dict[tuple[str, str], str] = {}
    for service in (_spec.RUNTIME_SERVICE_NAME, _spec.EVENTS_SERVICE_NAME):
        model = _spec.service_model(service)
        for name in model.operation_names:
            http = model.operation_model(name).http
            routes[(str(http["method"]).upper(), str(http["requestUri"]).split("?", 1)[0])] = name
    return routes


def rest_operation(method: str, path: str) -> str | None:
    """The runtime or events operation a REST-JSON request is for (``POST /events``), or None."""
    return rest_routes().get((method.upper(), path.split("?", 1)[0] or "/"))


def is_data_plane(operation: str) -> bool:
    """Whether an operation (as the model names it) belongs to the runtime or events API."""
    return _spec.service_of(operation) != _spec.SERVICE_NAME


def rest_error_body(message: str) -> dict[str, str]:
    """A REST-JSON error's body: the code travels in the ``x-amzn-ErrorType`` header."""
    return {"message": message}


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


# --- what the service refuses whatever the state ---------------------------------------------


# PutEvents' and PutActionInteractions' model documentation: "The following can't be included
# as a keyword for properties (case insensitive): userId, sessionId, eventType, timestamp,
# recommendationId, impression".
RESERVED_EVENT_PROPERTIES = ("userId", "sessionId", "eventType", "timestamp", "recommendationId", "impression")

_PROPERTIES_LISTS = {
    "PutEvents": "eventList",
    "PutActionInteractions": "actionInteractions",
    "PutItems": "items",
    "PutUsers": "users",
    "PutActions": "actions",
}


def request_refusal(operation: str, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (code, message) a runtime or events request is refused with before any lookup, or None.

    GetRecommendations names one campaign or one recommender (its API reference: "For campaigns,
    the campaign's ARN is required ... For recommenders, the recommender's ARN is required");
    GetPersonalizedRanking and GetActionRecommendations need their campaign. Record
    ``properties`` are a JSON object (the model marks them ``jsonvalue``), and an event's can't
    use a reserved key. The service's wording isn't public: these messages say what is wrong.
    """
    if operation == "GetRecommendations":
        given = [member for member in ("campaignArn", "recommenderArn") if params.get(member) is not None]
        if len(given) != 1:
            found = "both" if given else "neither"
            return (
                "InvalidInputException",
                f"GetRecommendations needs either a campaignArn or a recommenderArn; the request gave {found}.",
            )
    elif operation in ("GetPersonalizedRanking", "GetActionRecommendations") and params.get("campaignArn") is None:
        return "InvalidInputException", f"{operation} needs the campaignArn of the campaign to ask."
    member = _PROPERTIES_LISTS.get(operation)
    records = params.get(member) if member is not None else None
    if not isinstance(records, list):
        return None
    reserved = operation in ("PutEvents", "PutActionInteractions")
    for index, record in enumerate(records, start=1):
        text = record.get("properties") if isinstance(record, Mapping) else None
        if not isinstance(text, str):
            continue
        problem = properties_problem(text, reserved=reserved)
        if problem is not None:
            return "InvalidInputException", f"Invalid properties at '{member}.{index}.member.properties': {problem}"
    return None


def parse_properties(text: str) -> dict[str, Any] | None:
    """A record's ``properties`` as a dict, or None when they aren't a JSON object."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _refuse_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity: Python's json takes them, JSON (and the service) doesn't.
    raise ValueError(f"{name} is not JSON")


def properties_problem(text: str, *, reserved: bool) -> str | None:
    """Why a record's ``properties`` string is refused whatever the dataset's schema, or None."""
    document = parse_properties(text)
    if document is None:
        return 'properties must be a JSON object, such as {"numberOfRatings": "12"}.'
    if reserved:
        taken = {key.lower() for key in RESERVED_EVENT_PROPERTIES}
        clash = [key for key in document if key.lower() in taken]
        if clash:
            return (
                f"{', '.join(repr(key) for key in clash)} can't be a property of an event: "
                f"{', '.join(RESERVED_EVENT_PROPERTIES)} are reserved (case insensitive)."
            )
    return None


# --- templates ---------------------------------------------------------------------------------


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


def _no_body(params: Mapping[str, Any], context: Any) -> dict[str, Any]:
    return {}


# Members a runtime answer has only when the request asked for them (promotions, metadata
# columns) or the recipe gives them (reasons) are left out of a template.
TEMPLATES: dict[str, Callable[[Mapping[str, Any], Any], dict[str, Any]]] = {
    "GetRecommendations": _get_recommendations,
    "GetPersonalizedRanking": _get_personalized_ranking,
    "GetActionRecommendations": _get_action_recommendations,
    "PutEvents": _no_body,
    "PutItems": _no_body,
    "PutUsers": _no_body,
    "PutActions": _no_body,
    "PutActionInteractions": _no_body,
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

    The campaign form is the service's, as public notebooks show it; the recommender and filter
    forms follow it.
    """
    return f"The given {noun} does not exist: {arn}"


def error_message(operation: str, code: str, params: Mapping[str, Any]) -> str | None:
    """The message a runtime or events error carries when nothing more specific is known, or None."""
    if code == "ResourceNotFoundException":
        target = _target(params)
        if target is not None:
            return not_found_message(*target)
        dataset = params.get("datasetArn")
        if isinstance(dataset, str):
            return f"Could not find resource with Arn {dataset}."
    return None


__all__ = [
    "DEFAULT_NEEDS",
    "RECIPE_TYPE_NEEDS",
    "TEMPLATES",
    "USE_CASE_NEEDS",
    "Needs",
    "descending_scores",
    "error_message",
    "is_data_plane",
    "not_found_message",
    "parse_properties",
    "properties_problem",
    "recommendation_id",
    "request_refusal",
    "rest_error_body",
    "rest_operation",
    "rest_routes",
]
