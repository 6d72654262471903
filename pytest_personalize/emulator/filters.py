"""Filter expressions, applied to declared results where the emulator holds the data they read.

The grammar is the developer guide's ("Filter expression structure and elements")::

    EXCLUDE|INCLUDE ItemID WHERE Dataset.FIELD IN|NOT IN ("value", $PARAM) [AND|OR ...] [| ...]

What can be evaluated, and against what:

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
couldn't be evaluated, and the request fails (see :mod:`.data_plane`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.errors import ServiceError

INVALID = "InvalidInputException"


class NotEvaluable(Exception):
    """A filter expression (or part of one) the emulator can't evaluate from what the test declared."""


class InvalidExpression(NotEvaluable):
    """Not a filter expression at all: the service refuses it at CreateFilter."""


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Star:
    pass


@dataclass(frozen=True)
class Reference:
    """``CurrentItem.FIELD`` (or ``CurrentUser.FIELD``) as a value: the request's item or user."""

    name: str


Value = str | float | Param | Star | Reference


@dataclass(frozen=True)
class Condition:
    dataset: str
    field: str
    operator: str
    values: tuple[Value, ...]

    def describe(self) -> str:
        return f"{self.dataset}.{self.field} {self.operator} (...)"


@dataclass(frozen=True)
class Statement:
    include: bool
    target: str
    # OR of AND-groups: AND binds tighter, as in the guide's examples.
    groups: tuple[tuple[Condition, ...], ...]
    conditional: tuple[Condition, ...]
    text: str


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<param>\$[A-Za-z0-9_]+)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[(),|*])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidExpression(
                f"the filter expression {text!r} has a character that can't start a token at {position}"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse(expression: str) -> list[Statement]:
    """The statements of a filter expression (chained with ``|``), or NotEvaluable."""
    statements = []
    for part in _split_statements(expression):
        statements.append(_Parser(part).statement())
    return statements


def _split_statements(expression: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in expression:
        if char == '"':
            quoted = not quoted
        if char == "|" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self.tokens = _tokens(text)
        self.position = 0

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        self.position += 1
        return token

    def _word(self, *allowed: str) -> str:
        kind, value = self._next()
        if kind != "word" or (allowed and value.upper() not in allowed):
            raise InvalidExpression(f"expected {' or '.join(allowed) or 'a name'} in {self.text!r}, found {value!r}")
        return value

    def statement(self) -> Statement:
        include = self._word("INCLUDE", "EXCLUDE").upper() == "INCLUDE"
        target = self._word("ITEMID", "ACTIONID", "USERID")
        self._word("WHERE")
        groups: list[tuple[Condition, ...]] = []
        group = [self._condition()]
        conditional: list[Condition] = []
        while True:
            if self._peek()[0] == "end":
                break
            word = self._word("AND", "OR", "IF").upper()
            if word == "AND":
                group.append(self._condition())
            elif word == "OR":
                groups.append(tuple(group))
                group = [self._condition()]
            else:
                conditional.append(self._condition())
                while self._peek()[0] != "end":
                    self._word("AND")
                    conditional.append(self._condition())
        groups.append(tuple(group))
        return Statement(include, target, tuple(groups), tuple(conditional), self.text)

    def _condition(self) -> Condition:
        name = self._word()
        if "." not in name:
            raise InvalidExpression(f"expected Dataset.FIELD in {self.text!r}, found {name!r}")
        dataset, field = name.split(".", 1)
        kind, value = self._peek()
        if kind == "op":
            self._next()
            return Condition(dataset, field, value, (self._value(),))
        operator = self._word("IN", "NOT").upper()
        if operator == "NOT":
            self._word("IN")
            operator = "NOT IN"
        if self._next() != ("punct", "("):
            raise InvalidExpression(f"expected ( after {operator} in {self.text!r}")
        values = [self._value()]
        while self._peek() == ("punct", ","):
            self._next()
            values.append(self._value())
        if self._next() != ("punct", ")"):
            raise InvalidExpression(f"expected ) closing the values in {self.text!r}")
        return Condition(dataset, field, operator, tuple(values))

    def _value(self) -> Value:
        kind, value = self._next()
        if kind == "string":
            return value[1:-1].replace('\\"', '"')
        if kind == "number":
            return float(value)
        if kind == "param":
            return Param(value[1:])
        if (kind, value) == ("punct", "*"):
            return Star()
        if kind == "word" and "." in value:
            return Reference(value)
        raise InvalidExpression(f"expected a value in {self.text!r}, found {value!r}")


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
    from ..model.records import camel_case

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


# --- what CreateFilter refuses -----------------------------------------------------------------

_INTERACTION_DATASETS = ("INTERACTIONS", "ACTION_INTERACTIONS")
# "The maximum number of distinct dataset fields for a filter, either in one expression or across
# multiple expressions chained together, is 5." (Guidelines and requirements)
MAX_FILTER_FIELDS = 5


def expression_problem(expression: str) -> str | None:
    """Why CreateFilter refuses ``expression``, or None.

    The developer guide's "Guidelines and requirements": the grammar; one dataset per expression
    (chain expressions with ``|`` to read several); interactions filtered by EVENT_TYPE only; no
    placeholder parameter with NOT IN; at most 5 distinct dataset fields. The wording is ours.
    """
    try:
        statements = parse(expression)
    except InvalidExpression as error:
        return f"The filter expression is invalid: {error}."
    if not statements:
        return "The filter expression is empty: give EXCLUDE|INCLUDE ItemID|ActionID|UserID WHERE Dataset.FIELD ..."
    fields: set[tuple[str, str]] = set()
    for statement in statements:
        conditions = [condition for group in statement.groups for condition in group]
        datasets = sorted({condition.dataset.upper() for condition in conditions})
        if len(datasets) > 1:
            return (
                f"The filter expression {statement.text!r} reads {' and '.join(datasets)}: one expression reads one "
                f"dataset; chain expressions with | to filter by several."
            )
        for condition in (*conditions, *statement.conditional):
            if condition.operator == "NOT IN" and any(isinstance(value, Param) for value in condition.values):
                return (
                    f"The filter expression {statement.text!r} uses a placeholder parameter with NOT IN: use IN "
                    f"with the opposite action (INCLUDE for EXCLUDE)."
                )
            fields.add((condition.dataset.upper(), condition.field.upper()))
        for condition in conditions:
            if condition.dataset.upper() in _INTERACTION_DATASETS and condition.field.upper() != "EVENT_TYPE":
                return (
                    f"The filter expression {statement.text!r} filters by {condition.dataset}.{condition.field}: "
                    f"interactions data is filtered by EVENT_TYPE only."
                )
        for condition in statement.conditional:
            if condition.dataset.upper() != "CURRENTUSER":
                return f"The filter expression {statement.text!r} has an IF condition on {condition.dataset}: IF checks CurrentUser."
    if len(fields) > MAX_FILTER_FIELDS:
        return (
            f"The filter reads {len(fields)} distinct dataset fields; a filter reads at most {MAX_FILTER_FIELDS}, "
            f"in one expression or across chained ones."
        )
    return None
