"""What the events API (personalize-events) adds to its model: the event types of an action
interaction, what a record's ``properties`` may hold, what an answer looks like, the words of its errors.

Sources: the personalize-events model's documentation (ActionInteraction.eventType; PutEvents'
and PutActionInteractions' reserved property keywords;
https://docs.aws.amazon.com/personalize/latest/dg/API_UBS_PutEvents.html). How a record's
properties must match its dataset's schema is :mod:`.records`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .common import Refusal

# The event types of an action interaction: ActionInteraction.eventType's documentation in the
# personalize-events model ("You can specify Viewed, Taken, and Not Taken event types").
ACTION_EVENT_TYPES = ("Viewed", "Taken", "Not Taken")

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


def request_refusal(operation: str, params: Mapping[str, Any]) -> Refusal | None:
    """Why an events request is refused before any lookup, or None.

    Record ``properties`` are a JSON object (the model marks them ``jsonvalue``), and an event's
    can't use a reserved key. The service's wording isn't public: these messages say what is wrong.
    """
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
            return Refusal(
                "InvalidInputException", f"Invalid properties at '{member}.{index}.member.properties': {problem}"
            )
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


def _no_body(params: Mapping[str, Any], context: Any) -> dict[str, Any]:
    return {}


# Every events operation answers with an empty body.
TEMPLATES: dict[str, Callable[[Mapping[str, Any], Any], dict[str, Any]]] = {
    "PutEvents": _no_body,
    "PutItems": _no_body,
    "PutUsers": _no_body,
    "PutActions": _no_body,
    "PutActionInteractions": _no_body,
}


def error_message(operation: str, code: str, params: Mapping[str, Any]) -> str | None:
    """The message an events error carries when nothing more specific is known, or None."""
    if code == "ResourceNotFoundException":
        dataset = params.get("datasetArn")
        if isinstance(dataset, str):
            return f"Could not find resource with Arn {dataset}."
    return None
