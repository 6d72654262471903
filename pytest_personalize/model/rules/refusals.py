"""Whether the service refuses a request that its model accepts: the one entry every mode asks.

The stubber, the fake, the server and replay all reach this (through
:mod:`pytest_personalize.model.validate`), so the same request gets the same answer whichever
way a test runs. The rules themselves live by concern: :mod:`.common` (tags, the role/KMS
pairing), :mod:`.types` (what one kind of resource's request must hold by itself: CreateSolution's
recipe or AutoML), :mod:`.runtime` (result limits, the campaign or recommender a request names),
:mod:`.events` (what a record's ``properties`` may hold).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import events as _events
from . import runtime as _runtime
from . import types as _types
from .common import COMMON_REQUEST_MEMBERS, COMMON_REQUEST_RULES, Refusal, RequestRule

# In the order the service applies them, as far as it is known.
REQUEST_RULES: tuple[RequestRule, ...] = (*COMMON_REQUEST_RULES, _runtime.too_many_results)


def request_refusal(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    """The first rule beyond the model that ``params`` break, or None. ``modeled``: the operation's errors."""
    # Every rule of REQUEST_RULES reads one of these members, or answers one of these operations.
    if any(member in params for member in COMMON_REQUEST_MEMBERS) or operation in _runtime.RESULT_LIMITS:
        for rule in REQUEST_RULES:
            refusal = rule(operation, params, modeled)
            if refusal is not None:
                return refusal
    # Each names the operations it rules on.
    return (
        _types.request_refusal(operation, params)
        or _runtime.request_refusal(operation, params)
        or _events.request_refusal(operation, params)
    )
