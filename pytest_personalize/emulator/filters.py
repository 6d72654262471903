"""Filter expressions, applied to declared results where the emulator holds the data they read.

The grammar, and what CreateFilter refuses, are the model's
(:mod:`pytest_personalize.model.rules.filter_expressions`). What can be evaluated, and against what:

- ``Interactions.EVENT_TYPE IN (...)`` -- the events the test sent with PutEvents for the user
  the request names (event types compare without case, ``*`` is any type, as the guide says);
- ``Items.FIELD IN|NOT IN (...)``, ``= < <= > >= !=`` -- the items sent with PutItems to the
  group's Items dataset (a categorical value ``"a|b"`` matches either);
- ``$PARAM`` values from the request's ``filterValues`` (``"\\"a\\",\\"b\\""``); an EXCLUDE
  part whose parameter has no value is left out, as the service does; an INCLUDE part must have
  every value.

Everything else -- ``CurrentUser``/``CurrentItem`` conditions, the Users dataset, action
filters, an item the test never sent with PutItems, interactions imported in bulk -- can't be
evaluated from what a test declares. It is never guessed at: :class:`NotEvaluable` says what
couldn't be evaluated, and the request fails (see :mod:`.runtime_api`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.errors import ServiceError
from ..model.rules.filter_expressions import (
    Condition,
    InvalidExpression,
    Param,
    Reference,
    Star,
    Statement,
    expression_problem,
    parse,
)

INVALID = "InvalidInputException"


class NotEvaluable(Exception):
    """A filter expression (or part of one) the emulator can't evaluate from what the test declared."""


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """What a filter may read: the user's events in the group, and the group's items as sent."""

    user_id: str | None
    event_types: Mapping[str, frozenset[str]]  # item id -> event types (lower case) of the user's events
    item_properties: Mapping[str, Mapping[str, Any]] | None  # item id -> properties; None: no Items dataset


def parse_filter_values(filter_values: Mapping[str, str] | None) -> dict[str, list[str]]:
    """``filterValues`` as the service reads them: each a comma-separated list of quoted values."""
    parsed: dict[str, list[str]] = {}
    for name, text in (filter_values or {}).items():
        values = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
        parsed[name] = [value.replace('\\"', '"') for value in values] if values else [text.strip()]
    return parsed


def apply(
    statements: Sequence[Statement],
    candidates: list[str],
    data: Data,
    filter_values: Mapping[str, list[str]],
) -> list[str]:
    """``candidates`` less those the filter's statements remove, in order."""
    for statement in statements:
        predicate = _statement_predicate(statement, data, filter_values)
        if predicate is None:
            continue  # every part waits for a value the request left out
        candidates = [item for item in candidates if predicate(item) == statement.include]
    return candidates


def _statement_predicate(
    statement: Statement, data: Data, filter_values: Mapping[str, list[str]]
) -> Callable[[str], bool] | None:
    if statement.target.upper() != "ITEMID":
        raise NotEvaluable(f"{statement.target} filters (action or user filters) are not evaluated: {statement.text!r}")
    if statement.conditional:
        raise NotEvaluable(
            f"IF conditions on the request's user ({statement.conditional[0].describe()}) are not evaluated: "
            f"{statement.text!r}"
        )
    groups: list[list[Callable[[str], bool]]] = []
    for group in statement.groups:
        checks = []
        for condition in group:
            values = _resolve(condition, statement, filter_values)
            if values is None:
                continue  # EXCLUDE, no value for its parameter: the service leaves the part out
            checks.append(_condition_check(condition, values, data, statement))
        if checks:
            groups.append(checks)
    if not groups:
        return None
    return lambda item: any(all(check(item) for check in checks) for checks in groups)


def _resolve(condition: Condition, statement: Statement, filter_values: Mapping[str, list[str]]) -> list[Any] | None:
    resolved: list[Any] = []
    for value in condition.values:
        if isinstance(value, Reference):
            raise NotEvaluable(
                f"{value.name} compares with the request's user or item, which the emulator doesn't evaluate: "
                f"{statement.text!r}"
            )
        if isinstance(value, Param):
            given = filter_values.get(value.name)
            if given is None:
                if statement.include:
                    raise ServiceError(
                        INVALID,
                        f"The filter expression uses the parameter ${value.name}, and filters with INCLUDE need a "
                        f"value for every parameter: give filterValues={{'{value.name}': '\"...\"'}}.",
                    )
                return None
            resolved.extend(given)
        else:
            resolved.append(value)
    return resolved


def _condition_check(
    condition: Condition, values: list[Any], data: Data, statement: Statement
) -> Callable[[str], bool]:
    dataset = condition.dataset.upper()
    if dataset == "INTERACTIONS":
        if condition.field.upper() != "EVENT_TYPE" or condition.operator != "IN":
            raise NotEvaluable(
                f"only Interactions.EVENT_TYPE IN (...) is evaluated, not {condition.describe()}: {statement.text!r}"
            )
        # The guide's "any event type" is an asterisk, quoted or not.
        any_type = any(isinstance(value, Star) or value == "*" for value in values)
        wanted = {str(value).lower() for value in values if not isinstance(value, Star)}

        def interacted(item: str) -> bool:
            types = data.event_types.get(item, frozenset())
            return bool(types) and (any_type or bool(types & wanted))

        return interacted
    if dataset == "ITEMS":
        return _item_check(condition, values, data, statement)
    raise NotEvaluable(
        f"{condition.dataset} conditions ({condition.describe()}) are not evaluated; the emulator evaluates "
        f"Interactions.EVENT_TYPE and Items fields: {statement.text!r}"
    )


def _item_check(condition: Condition, values: list[Any], data: Data, statement: Statement) -> Callable[[str], bool]:
    from ..model.rules.records import camel_case

    key = camel_case(condition.field)
    operator = condition.operator

    def check(item: str) -> bool:
        if data.item_properties is None:
            raise NotEvaluable(
                f"{condition.describe()} reads the Items dataset, and the campaign's dataset group has none: "
                f"{statement.text!r}"
            )
        properties = data.item_properties.get(item)
        if properties is None:
            raise NotEvaluable(
                f"{condition.describe()} needs item {item!r}'s metadata, and no PutItems sent it to the fake "
                f"(items imported in bulk aren't read): {statement.text!r}"
            )
        value = properties.get(key)
        if value is None:
            return operator == "NOT IN"
        if operator in ("IN", "NOT IN"):
            categories = {part.strip() for part in str(value).split("|")}
            found = bool(categories & {str(wanted) for wanted in values})
            return found if operator == "IN" else not found
        return _compare(value, operator, values[0], condition, statement)

    return check


_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(value: Any, operator: str, wanted: Any, condition: Condition, statement: Statement) -> bool:
    try:
        left, right = float(value), float(wanted)
    except (TypeError, ValueError):
        raise NotEvaluable(
            f"{condition.describe()} compares {value!r} with {wanted!r}, which aren't both numbers: {statement.text!r}"
        ) from None
    return _COMPARISONS[operator](left, right)


def event_types_by_item(events: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """Item id -> the event types (lower case) of ``events``, for :class:`Data`."""
    found: dict[str, set[str]] = {}
    for event in events:
        item = event.get("itemId")
        if isinstance(item, str):
            found.setdefault(item, set()).add(str(event.get("eventType", "")).lower())
    return {item: frozenset(types) for item, types in found.items()}


__all__ = [
    "Condition",
    "Data",
    "InvalidExpression",
    "NotEvaluable",
    "Param",
    "Reference",
    "Star",
    "Statement",
    "apply",
    "event_types_by_item",
    "expression_problem",
    "parse",
    "parse_filter_values",
]
