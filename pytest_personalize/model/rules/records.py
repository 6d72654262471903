"""One record sent by PutItems, PutUsers, PutActions or PutEvents, checked against its dataset's schema.

A record's ``properties`` is a JSON object whose keys are the camel-case names of the schema's
fields (``NUMBER_OF_RATINGS`` is ``numberOfRatings``: the PutItems/PutUsers model documentation),
the id field excepted: it travels as its own member (``itemId``). Each value must fit its field's
Avro type -- numbers may come as numeric strings, as the documentation's own example sends
``{"numberOfRatings": "12"}`` -- and a field whose type has no ``null`` (and no default) must be
given. Strings are held to the developer guide's quotas ("Endpoints and quotas",
https://docs.aws.amazon.com/personalize/latest/dg/limits.html): 1,000 characters for categorical
and other string data, 20,000 for a textual field.

The service's wording for these refusals isn't public: each message names the record, the field
and the rule it breaks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_STRING_CHARACTERS = 1000
MAX_TEXTUAL_CHARACTERS = 20_000

# The fields a record's own members carry, by dataset type: never in ``properties``.
ID_FIELDS: dict[str, tuple[str, ...]] = {
    "ITEMS": ("ITEM_ID",),
    "USERS": ("USER_ID",),
    "ACTIONS": ("ACTION_ID",),
    # An event's members: userId, itemId, eventType, eventValue, sentAt (TIMESTAMP),
    # impression, recommendationId.
    "INTERACTIONS": ("USER_ID", "ITEM_ID", "EVENT_TYPE", "EVENT_VALUE", "TIMESTAMP", "IMPRESSION", "RECOMMENDATION_ID"),
    "ACTION_INTERACTIONS": ("USER_ID", "ACTION_ID", "EVENT_TYPE", "TIMESTAMP", "IMPRESSION", "RECOMMENDATION_ID"),
}


def camel_case(field: str) -> str:
    """A schema field's name as ``properties`` spells it: ``NUMBER_OF_RATINGS`` -> ``numberOfRatings``."""
    head, *rest = field.split("_")
    return head.lower() + "".join(part[:1].upper() + part[1:].lower() for part in rest)


@dataclass(frozen=True)
class Field:
    """One field of an Avro record schema, as the check needs it."""

    name: str
    types: tuple[str, ...]  # the Avro types it accepts, "null" included where it may be null
    required: bool
    textual: bool

    @property
    def key(self) -> str:
        return camel_case(self.name)


def schema_fields(schema_text: str) -> list[Field]:
    """The fields of a dataset schema (already checked to be an Avro record by CreateSchema)."""
    document: Any = json.loads(schema_text)
    fields: list[Field] = []
    for item in document.get("fields", ()):
        declared = item.get("type")
        kinds = tuple(_type_name(kind) for kind in (declared if isinstance(declared, list) else [declared]))
        fields.append(
            Field(
                name=str(item["name"]),
                types=kinds,
                required="null" not in kinds and "default" not in item,
                textual=bool(item.get("textual")),
            )
        )
    return fields


def _type_name(kind: Any) -> str:
    # A complex type ({"type": "array", ...}) is known by its "type"; Personalize's schemas use primitives.
    if isinstance(kind, Mapping):
        return str(kind.get("type", ""))
    return str(kind)


def record_problems(properties: Mapping[str, Any], schema_text: str, dataset_type: str) -> list[str]:
    """Every way one record's parsed ``properties`` break its dataset's schema (none: accepted)."""
    fields = [field for field in schema_fields(schema_text) if field.name not in ID_FIELDS.get(dataset_type, ())]
    by_key = {field.key: field for field in fields}
    problems: list[str] = []
    for key, value in properties.items():
        field = by_key.get(key)
        if field is None:
            problems.append(_unknown_key(key, fields))
            continue
        problem = _value_problem(field, value)
        if problem is not None:
            problems.append(f"{key!r} ({field.name}, {'/'.join(field.types)}): {problem}")
    for field in fields:
        if field.required and field.key not in properties:
            problems.append(
                f"{field.key!r} is missing: the schema's field {field.name} is {field.types[0]}, "
                "not nullable, so every record must give it"
            )
    return problems


def _unknown_key(key: str, fields: list[Field]) -> str:
    known = ", ".join(field.key for field in fields) or "none"
    close = [field.key for field in fields if field.key.lower() == key.lower() or field.name == key]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{key!r} is not a field of the dataset's schema (properties take camel-case field names: {known}){hint}"


_INTEGER = re.compile(r"[+-]?\d{1,30}")
# Avro's int is 32-bit and its long 64-bit, signed (the Avro specification, "Primitive Types").
_INTEGER_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _value_problem(field: Field, value: Any) -> str | None:
    if value is None:
        return None if "null" in field.types else "null is not allowed: the field's type has no null"
    kinds = [kind for kind in field.types if kind != "null"]
    if any(_fits(kind, value) for kind in kinds):
        if isinstance(value, str):
            limit = MAX_TEXTUAL_CHARACTERS if field.textual else MAX_STRING_CHARACTERS
            if len(value) > limit:
                return (
                    f"{len(value)} characters; a {'textual' if field.textual else 'string'} value has at most {limit}"
                )
        return None
    return f"{json.dumps(value)[:60]} is not {' or '.join(_describe(kind) for kind in kinds)}"


def _fits(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind in ("int", "long"):
        if isinstance(value, bool):
            return False
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()) is not None:
            value = int(value)
        low, high = _INTEGER_RANGES[kind]
        return isinstance(value, int) and low <= value <= high
    if kind in ("float", "double"):
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return True
        if isinstance(value, str):
            try:
                return math.isfinite(float(value))
            except ValueError:
                return False
        return False
    if kind == "boolean":
        return isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))
    return True  # a type Personalize's schemas don't use: not checked here


def _describe(kind: str) -> str:
    return {
        "string": "a string",
        "int": "a 32-bit integer",
        "long": "a 64-bit integer",
        "float": "a number",
        "double": "a number",
        "boolean": "a boolean",
    }.get(kind, kind)
