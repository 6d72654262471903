"""Checks of a dataset schema: an Avro record in JSON, and the fields its dataset type requires.

Sources: the developer guide's "Creating schema JSON files"
(https://docs.aws.amazon.com/personalize/latest/dg/how-it-works-dataset-schema.html) and
"Custom datasets and schemas" (https://docs.aws.amazon.com/personalize/latest/dg/custom-datasets-and-schemas.html),
whose required fields by dataset type are :data:`.resources.DATASET_REQUIRED_FIELDS`; and for a
Domain dataset group, the domain's own required fields (:data:`DOMAIN_REQUIRED_FIELDS`).
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


# The fields a dataset of a Domain dataset group needs on top of its type's, by (domain, type).
# Sources, the developer guide's domain schema pages:
# - ECOMMERCE Items, https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-items-dataset.html:
#   "your schema must include the following fields: ITEM_ID, PRICE (float), CATEGORY_L1 (categorical string)";
# - VIDEO_ON_DEMAND Items, https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-items-dataset.html:
#   "ITEM_ID, GENRES (categorical string), CREATION_TIMESTAMP (in Unix epoch time format)";
# - Interactions of both domains, https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-interactions-dataset.html
#   and awsdocs/amazon-personalize-developer-guide:doc_source/VIDEO-ON-DEMAND-interactions-dataset.md@4661646:
#   "USER_ID (string), ITEM_ID (string), TIMESTAMP (long), EVENT_TYPE (string ...)".
# Users of both domains need USER_ID and one metadata field: :data:`DOMAIN_USERS_METADATA`.
DOMAIN_REQUIRED_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ECOMMERCE", "ITEMS"): ("ITEM_ID", "PRICE", "CATEGORY_L1"),
    ("VIDEO_ON_DEMAND", "ITEMS"): ("ITEM_ID", "GENRES", "CREATION_TIMESTAMP"),
    ("ECOMMERCE", "INTERACTIONS"): ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"),
    ("VIDEO_ON_DEMAND", "INTERACTIONS"): ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"),
}

# Domain Users: "your schema must include the following fields. USER_ID; 1 metadata field
# (categorical string or numerical)" (awsdocs/amazon-personalize-developer-guide@4661646:
# doc_source/ECOMMERCE-users-dataset.md and VIDEO-ON-DEMAND-users-dataset.md).
DOMAIN_USERS_METADATA = 1


def domain_problem(schema_text: str, dataset_type: str, domain: str | None) -> str | None:
    """Why a schema can't serve a dataset of ``dataset_type`` in a group of ``domain``, or None.

    Only the fields' presence is checked (and for Users, that one field besides USER_ID is
    there): the pages' types (PRICE a float, CATEGORY_L1 categorical) are not.
    """
    if domain is None:
        return None
    kind = dataset_type.upper()
    names = field_names(schema_text)
    if kind == "USERS":
        if "USER_ID" in names and len(names) - 1 >= DOMAIN_USERS_METADATA:
            return None
        return (
            f"A Users dataset in a {domain} dataset group needs USER_ID and at least "
            f"{DOMAIN_USERS_METADATA} metadata field; the schema has {', '.join(names)}."
        )
    required = DOMAIN_REQUIRED_FIELDS.get((domain, kind))
    if required is None:
        return None
    missing = [name for name in required if name not in names]
    if missing:
        return (
            f"The schema is missing the required field(s) {', '.join(missing)} for a {dataset_type} dataset "
            f"in a {domain} dataset group; it needs {', '.join(required)}."
        )
    return None
