"""Filter expressions as the service reads them: the grammar, and what CreateFilter refuses.

The grammar is the developer guide's ("Filter expression structure and elements",
https://docs.aws.amazon.com/personalize/latest/dg/creating-filter-expressions.html)::

    EXCLUDE|INCLUDE ItemID WHERE Dataset.FIELD IN|NOT IN ("value", $PARAM) [AND|OR ...] [| ...]

The requirements CreateFilter holds an expression to are the guide's "Guidelines and
requirements" (https://docs.aws.amazon.com/personalize/latest/dg/filter-expression-guidelines-requirements.html). Applying a filter to results is the emulator's (:mod:`pytest_personalize.emulator.filters`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class InvalidExpression(ValueError):
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
    """The statements of a filter expression (chained with ``|``), or InvalidExpression."""
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
