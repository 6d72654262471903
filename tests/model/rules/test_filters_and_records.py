"""The pieces the data plane is built from: filter expressions and schema checks of records."""

from __future__ import annotations

import json
import re

import pytest

from pytest_personalize.emulator import filters
from pytest_personalize.model.errors import ServiceError
from pytest_personalize.model.rules import records

ITEMS = {
    "i1": {"genre": "shoes|boots", "price": 12.5},
    "i2": {"genre": "hats", "price": "8"},
    "i3": {"genre": "shoes"},
}


def _apply(
    expression: str, candidates: list[str], *, events: dict[str, set[str]] | None = None, **values: str
) -> list[str]:
    data = filters.Data(
        user_id="u1",
        event_types={item: frozenset(types) for item, types in (events or {}).items()},
        item_properties=ITEMS,
    )
    return filters.apply(filters.parse(expression), candidates, data, filters.parse_filter_values(values))


@pytest.mark.parametrize(
    ("expression", "kept"),
    [
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("boots")', ["i2", "i3"]),
        ('INCLUDE ItemID WHERE Items.GENRE NOT IN ("shoes")', ["i2"]),
        ("INCLUDE ItemID WHERE Items.PRICE < 10", ["i2"]),
        ("INCLUDE ItemID WHERE Items.PRICE >= 8 AND Items.PRICE != 12.5", ["i2"]),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("hats") OR Items.GENRE IN ("boots")', ["i1", "i2"]),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("hats") | EXCLUDE ItemID WHERE Items.GENRE IN ("boots")', ["i3"]),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("a|b")', ["i1", "i2", "i3"]),  # a quoted | is no chain
    ],
)
def test_item_conditions(expression: str, kept: list[str]) -> None:
    candidates = ["i1", "i2", "i3"]
    if "PRICE" in expression:
        candidates = ["i1", "i2"]  # i3 has no price: a comparison can't read it
    assert _apply(expression, candidates) == [item for item in kept if item in candidates]


def test_interaction_conditions_match_event_types_without_case_and_star_is_any() -> None:
    events = {"i1": {"purchase"}, "i2": {"click"}}
    assert _apply(
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("PURCHASE")', ["i1", "i2", "i3"], events=events
    ) == [
        "i2",
        "i3",
    ]
    assert _apply("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)", ["i1", "i2", "i3"], events=events) == ["i3"]
    assert _apply(
        "INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($TYPES)", ["i1", "i2", "i3"], events=events, TYPES='"click"'
    ) == ["i2"]


def test_parameters_exclude_leaves_out_include_demands() -> None:
    assert _apply("EXCLUDE ItemID WHERE Items.GENRE IN ($G)", ["i1", "i2"]) == ["i1", "i2"]
    assert _apply("EXCLUDE ItemID WHERE Items.GENRE IN ($G)", ["i1", "i2"], G='"hats","x"') == ["i1"]
    with pytest.raises(ServiceError, match=r"needs? a value for every parameter"):
        _apply("INCLUDE ItemID WHERE Items.GENRE IN ($G)", ["i1"])


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ('INCLUDE ItemID WHERE Items.GENRE IN ("x") IF CurrentUser.AGE > 30', "IF conditions"),
        ("INCLUDE ItemID WHERE Items.GENRE IN (CurrentItem.GENRE)", "CurrentItem.GENRE compares"),
        ('EXCLUDE ActionID WHERE Actions.KIND IN ("x")', "ActionID filters"),
        ('INCLUDE ItemID WHERE Users.AGE IN ("30")', "Users conditions"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE NOT IN ("x")', "only Interactions.EVENT_TYPE IN"),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("shoes")', "no PutItems sent it"),
    ],
)
def test_what_cant_be_evaluated_says_why(expression: str, why: str) -> None:
    with pytest.raises(filters.NotEvaluable, match=why):
        _apply(expression, ["i1", "unknown-item"])


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("garbage here", "expected INCLUDE or EXCLUDE"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click"', r"expected \) closing the values"),
        ("EXCLUDE ItemID WHERE Items.GENRE IN ('x')", "can't start a token"),
        ("EXCLUDE ItemID WHERE Items.GENRE NOT IN ($GENRE)", "placeholder parameter with NOT IN"),
        (
            'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click") AND Items.GENRE IN ("a")',
            "reads INTERACTIONS and ITEMS: one expression reads one dataset",
        ),
        ('EXCLUDE ItemID WHERE Interactions.DEVICE IN ("phone")', "EVENT_TYPE only"),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("x") IF Items.PRICE > 3', "IF checks CurrentUser"),
        (
            " | ".join(f'EXCLUDE ItemID WHERE Items.F{n} IN ("x")' for n in range(6)),
            "6 distinct dataset fields; a filter reads at most 5",
        ),
    ],
)
def test_create_filter_refuses_what_the_guide_rules_out(expression: str, why: str) -> None:
    problem = filters.expression_problem(expression)
    assert problem is not None and re.search(why, problem), problem


@pytest.mark.parametrize(
    "expression",
    [
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
        'INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
        'INCLUDE ItemID WHERE Items.PRICE < 10 AND Items.GENRE IN ("a", "b")',
        'INCLUDE ItemID WHERE Items.GENRE IN ("x") IF CurrentUser.AGE > 30',
        "INCLUDE ItemID WHERE Items.GENRE IN (CurrentItem.GENRE)",
        'EXCLUDE ActionID WHERE Action_Interactions.EVENT_TYPE IN ("NOT_TAKEN")',
        " | ".join(f'EXCLUDE ItemID WHERE Items.F{n} IN ("x")' for n in range(5)),
    ],
)
def test_the_guides_expressions_are_taken(expression: str) -> None:
    assert filters.expression_problem(expression) is None


@pytest.mark.parametrize("star", ['"*"', "*"])
def test_an_asterisk_quoted_or_not_is_any_event_type(star: str) -> None:
    data = filters.Data("u1", {"i1": frozenset({"click"}), "i2": frozenset({"purchase"})}, None)
    statements = filters.parse(f"EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ({star})")
    assert filters.apply(statements, ["i1", "i2", "i3"], data, {}) == ["i3"]


@pytest.mark.parametrize(
    ("field", "key"),
    [("NUMBER_OF_RATINGS", "numberOfRatings"), ("GENRE", "genre"), ("CATEGORY_L1", "categoryL1"), ("price", "price")],
)
def test_properties_use_camel_case_field_names(field: str, key: str) -> None:
    assert records.camel_case(field) == key


SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Users",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "AGE", "type": "int"},
            {"name": "MEMBER", "type": ["null", "boolean"]},
            {"name": "TIER", "type": "string", "default": "basic"},
        ],
    }
)


@pytest.mark.parametrize(
    ("properties", "problems"),
    [
        ({"age": 30}, []),
        ({"age": "30", "member": "True"}, []),
        ({"age": 30, "member": None}, []),
        ({"age": 30.5}, ["'age' (AGE, int): 30.5 is not a 32-bit integer"]),
        ({"age": True}, ["'age' (AGE, int): true is not a 32-bit integer"]),
        ({"age": 2**31 - 1}, []),
        ({"age": 2**31}, ["'age' (AGE, int): 2147483648 is not a 32-bit integer"]),
        ({"age": "-2147483649"}, ["'age' (AGE, int): \"-2147483649\" is not a 32-bit integer"]),
        ({}, ["'age' is missing: the schema's field AGE is int, not nullable, so every record must give it"]),
        ({"age": 1, "userId": "u2"}, ["'userId' is not a field of the dataset's schema"]),
    ],
)
def test_record_problems(properties: dict[str, object], problems: list[str]) -> None:
    found = records.record_problems(properties, SCHEMA, "USERS")
    assert len(found) == len(problems)
    for problem, expected in zip(found, problems, strict=True):
        assert problem.startswith(expected)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_properties_holding_nan_or_infinity_are_not_json(constant: str) -> None:
    from pytest_personalize.model.rules import events as model

    assert model.parse_properties(f'{{"price": {constant}}}') is None
    assert model.properties_problem(f'{{"price": {constant}}}', reserved=False) is not None
    assert model.parse_properties('{"price": 1.5}') == {"price": 1.5}
