"""The REST-JSON wire form of the runtime and events APIs, read from their models.

``personalize-runtime`` (GetRecommendations, GetPersonalizedRanking, GetActionRecommendations)
and ``personalize-events`` (PutEvents, PutItems, PutUsers, PutActions, PutActionInteractions)
are REST-JSON APIs: the path names the operation (``POST /recommendations``), the body is plain
JSON, and an error travels as an ``x-amzn-ErrorType`` header with a ``{"message": ...}`` body and
the HTTP status its model gives it (404 for ResourceNotFoundException, 409 for ResourceInUse).
What these APIs add to their models is in :mod:`.rules.runtime` and :mod:`.rules.events`.
"""

from __future__ import annotations

import functools

from . import spec as _spec

REST_JSON_CONTENT_TYPE = "application/json"
ERROR_TYPE_HEADER = "x-amzn-ErrorType"


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
