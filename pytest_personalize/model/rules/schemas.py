"""Checks of a dataset schema: an Avro record in JSON, and the fields its dataset type requires.

Sources: the developer guide's "Creating schema JSON files"
(https://docs.aws.amazon.com/personalize/latest/dg/how-it-works-dataset-schema.html) and
"Custom datasets and schemas" (https://docs.aws.amazon.com/personalize/latest/dg/custom-datasets-and-schemas.html),
whose required fields by dataset type are :data:`.resources.DATASET_REQUIRED_FIELDS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .resources import DATASET_REQUIRED_FIELDS


def record_problem(text: str) -> str | None:
    """Why ``text`` is not an Avro record schema (a JSON object of type record with named fields), or None."""
    try:
        document = json.loads(text)
    except ValueError as error:
        return f"The schema is not valid JSON: {error}."
    if not isinstance(document, Mapping) or document.get("type") != "record":
        return 'The schema must be an Avro record: a JSON object with "type": "record".'
    if not isinstance(document.get("name"), str) or not document["name"]:
        return 'The schema must name its record ("name").'
    fields = document.get("fields")
    if not isinstance(fields, list) or not fields:
        return 'The schema must list its record\'s fields ("fields").'
    for index, item in enumerate(fields, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or "type" not in item:
            return f"Field {index} of the schema must be an object with a name and a type."
    return None


def field_names(text: str) -> list[str]:
    document: Any = json.loads(text)
    return [str(item["name"]) for item in document["fields"]]


def dataset_problem(schema_text: str, dataset_type: str) -> str | None:
    """Why a schema can't serve a dataset of ``dataset_type`` (an unknown type, a missing field), or None."""
    required = DATASET_REQUIRED_FIELDS.get(dataset_type.upper())
    if required is None:
        known = ", ".join(name.title() for name in DATASET_REQUIRED_FIELDS)
        return f"Invalid dataset type {dataset_type}: expected one of {known}."
    present = set(field_names(schema_text))
    missing = [name for name in required if name not in present]
    if missing:
        return (
            f"The schema is missing the required field(s) {', '.join(missing)} for a dataset of type "
            f"{dataset_type}; it needs {', '.join(required)}."
        )
    return None
