"""Requests and responses checked against every constraint, in the service's wording."""

from __future__ import annotations

import datetime

import pytest

from pytest_personalize.model import validate as _validate
from pytest_personalize.model.rules import MAX_TAGS_PER_RESOURCE
from tests.conftest import create_dataset_group_member

ROLE = "arn:aws:iam::123456789012:role/PersonalizeKms"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def problem(**params):
    found = _validate.request_problem("CreateDatasetGroup", params)
    return None if found is None else found.message


def test_a_valid_request_has_no_problem():
    assert (
        problem(name="shop", domain="ECOMMERCE", roleArn=ROLE, kmsKeyArn=KEY, tags=[{"tagKey": "a", "tagValue": ""}])
        is None
    )


def test_name_length_boundary(name_limits):
    _low, high = name_limits
    assert problem(name="a" * high) is None
    assert problem(name="a" * (high + 1)) == (
        f"1 validation error detected: Value '{'a' * (high + 1)}' at 'name' failed to satisfy constraint: "
        f"Member must have length less than or equal to {high}"
    )
    assert "Member must have length greater than or equal to 1" in problem(name="")


def test_a_space_in_the_name_gives_the_services_message():
    pattern = create_dataset_group_member("name").metadata["pattern"]
    assert problem(name="my group") == (
        "1 validation error detected: Value 'my group' at 'name' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}"
    )


@pytest.mark.parametrize("name", ["-shop", "_shop", "shop!", "shöp", "shop\n", "ショップ", "a b"])
def test_names_the_pattern_refuses(name):
    assert "Member must satisfy regular expression pattern" in problem(name=name)


@pytest.mark.parametrize("name", ["a", "0", "Shop-2_b", "a-", "a_"])
def test_names_the_pattern_accepts(name):
    assert problem(name=name) is None


def test_a_missing_name_is_null():
    assert (
        problem()
        == "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize("domain", create_dataset_group_member("domain").enum)
def test_each_domain_is_accepted(domain):
    assert problem(name="shop", domain=domain) is None


def test_a_wrong_domain_lists_the_enum():
    enum = create_dataset_group_member("domain").enum
    assert problem(name="shop", domain="RETAIL") == (
        "1 validation error detected: Value 'RETAIL' at 'domain' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(enum)}]"
    )


def tags(count, key="k", value="v"):
    return [{"tagKey": f"{key}{i}", "tagValue": value} for i in range(count)]


def test_tag_count_boundary():
    high = create_dataset_group_member("tags").metadata["max"]
    assert problem(name="shop", tags=tags(MAX_TAGS_PER_RESOURCE)) is None
    # The model lets a request carry more tags than a resource may have: the documented limit refuses them.
    refused = _validate.request_problem("CreateDatasetGroup", {"name": "shop", "tags": tags(MAX_TAGS_PER_RESOURCE + 1)})
    assert refused is not None and refused.code == "TooManyTagsException"
    assert problem(name="shop", tags=tags(high + 1)) == (
        f"1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {high}"
    )


def tag_member_limit(member):
    return create_dataset_group_member("tags").member.members[member].metadata


def test_tag_key_length_boundary():
    high = tag_member_limit("tagKey")["max"]
    assert problem(name="shop", tags=[{"tagKey": "k" * high, "tagValue": "v"}]) is None
    message = problem(name="shop", tags=[{"tagKey": "k" * (high + 1), "tagValue": "v"}])
    # Newer models mark tag keys sensitive, and then the service leaves their value out.
    shown = "" if tag_member_limit("tagKey").get("sensitive") else f" '{'k' * (high + 1)}'"
    assert message == (
        f"1 validation error detected: Value{shown} at 'tags.1.member.tagKey' failed to satisfy constraint: "
        f"Member must have length less than or equal to {high}"
    )
    assert "Member must have length greater than or equal to 1" in problem(
        name="shop", tags=[{"tagKey": "", "tagValue": "v"}]
    )


def test_tag_value_length_boundary():
    high = tag_member_limit("tagValue")["max"]
    assert problem(name="shop", tags=[{"tagKey": "k", "tagValue": "v" * high}]) is None
    assert problem(name="shop", tags=[{"tagKey": "k", "tagValue": ""}]) is None
    shown = "" if tag_member_limit("tagValue").get("sensitive") else f" '{'v' * (high + 1)}'"
    assert (
        f"Value{shown} at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to {high}"
        in problem(name="shop", tags=[{"tagKey": "k", "tagValue": "v" * (high + 1)}])
    )


def test_lengths_count_utf16_units_as_the_service_does():
    high = tag_member_limit("tagValue")["max"]
    assert problem(name="shop", tags=[{"tagKey": "k", "tagValue": "é" * high}]) is None
    # U+1D7D8 (a mathematical digit, \p{N}) is two UTF-16 units: half as many fit.
    assert problem(name="shop", tags=[{"tagKey": "k", "tagValue": "\U0001d7d8" * (high // 2)}]) is None
    assert problem(name="shop", tags=[{"tagKey": "k", "tagValue": "\U0001d7d8" * (high // 2 + 1)}]) is not None


@pytest.mark.parametrize("text", ["team:recs", "équipe", "a b", "x=y+z@w/v.u-t_s", "١٢٣"])
def test_tag_characters_the_pattern_accepts(text):
    assert problem(name="shop", tags=[{"tagKey": text, "tagValue": text}]) is None


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a!b", "emoji😀", "a#b"])
def test_tag_characters_the_pattern_refuses(text):
    assert "tags.1.member.tagKey" in problem(name="shop", tags=[{"tagKey": text, "tagValue": "v"}])


def test_a_tag_without_a_value_is_refused():
    assert "Value null at 'tags.1.member.tagValue' failed to satisfy constraint: Member must not be null" in problem(
        name="shop", tags=[{"tagKey": "k"}]
    )


@pytest.mark.parametrize(
    ("role", "key", "refused"),
    [
        (None, None, None),
        (ROLE, KEY, None),
        (ROLE, None, "Supplying an IAM role (roleArn) is only valid when also specifying a KMS key (kmsKeyArn)."),
        (
            None,
            KEY,
            "If you specify a KMS key (kmsKeyArn), you must also include an IAM role (roleArn) that has permission to access the key.",
        ),
    ],
)
def test_each_role_and_kms_key_combination(role, key, refused):
    params = {"name": "shop", **({"roleArn": role} if role else {}), **({"kmsKeyArn": key} if key else {})}
    assert problem(**params) == refused


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("roleArn", "arn:aws:iam::12345678901:role/short-account"),
        ("roleArn", "arn:aws:iam::123456789012:user/not-a-role"),
        ("kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:alias/not-a-key"),
        ("kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/" + "k" * 2048),
    ],
)
def test_malformed_role_and_key_arns(member, value):
    params = {"name": "shop", "roleArn": ROLE, "kmsKeyArn": KEY, member: value}
    assert f"at '{member}' failed to satisfy constraint" in problem(**params)


def test_constraints_are_checked_before_cross_field_rules():
    assert problem(name="bad name", roleArn=ROLE).startswith("1 validation error detected")


def test_several_violations_are_counted_and_joined():
    message = problem(name="-" * 64, domain="RETAIL")
    assert message.startswith("3 validation errors detected: ")
    assert message.count("; ") == 2


def test_wrong_types_are_violations():
    assert "Member must be a string, not int" in problem(name=5)
    assert "Member must be a list" in problem(name="shop", tags="team")


def test_response_violations_name_the_member_and_suggest():
    violations = _validate.response_violations("CreateDatasetGroup", {"datasetGroupArn": "nope", "domian": "ECOMMERCE"})
    explained = [violation.explain() for violation in violations]
    assert any("at 'datasetGroupArn'" in text and "regular expression pattern" in text for text in explained)
    assert any("'domian' is not a member" in text and "did you mean 'domain'?" in text for text in explained)


def test_nested_response_members_are_checked():
    response = {"datasetGroups": [{"name": "ok", "status": "x" * 257}]}
    (violation,) = _validate.response_violations("ListDatasetGroups", response)
    assert violation.path == "datasetGroups.1.member.status"


def test_list_and_integer_limits_from_the_model():
    assert _validate.request_problem("ListDatasetGroups", {"maxResults": 100}) is None
    message = _validate.request_problem("ListDatasetGroups", {"maxResults": 101}).message
    assert message == (
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


def input_member(operation, *path):
    from pytest_personalize.model import spec as _spec

    shape = _spec.operation_model(operation).input_shape
    for name in path:
        shape = shape.members[name]
    return shape


SOLUTION_PARAMS = {
    "name": "movies",
    "datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop",
    "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization",
}


def test_map_keys_are_checked_against_the_key_shape_and_reported_as_the_service_does():
    hyperparameters = input_member("CreateSolution", "solutionConfig", "algorithmHyperParameters")
    high = hyperparameters.key.metadata["max"]
    config = {"algorithmHyperParameters": {"k" * high: "1"}}
    assert _validate.request_problem("CreateSolution", {**SOLUTION_PARAMS, "solutionConfig": config}) is None
    too_long = "k" * (high + 1)
    config = {"algorithmHyperParameters": {too_long: "1", "other": "2"}}
    refused = _validate.request_problem("CreateSolution", {**SOLUTION_PARAMS, "solutionConfig": config})
    assert refused is not None
    # Once for the map, at its path, with every constraint of the key shape, as real AWS
    # validation messages show it ("Map keys must satisfy constraint: [Member must have length
    # less than or equal to 256, Member must have length greater than or equal to 1, ...]").
    ((path, constraint, shown),) = [(v.path, v.constraint, v.value) for v in refused.violations]
    assert path == "solutionConfig.algorithmHyperParameters"
    assert constraint.startswith(
        f"Map keys must satisfy constraint: [Member must have length less than or equal to {high}"
    )
    assert constraint.endswith("]")
    assert shown == f"{{{too_long}=1, other=2}}"
    assert f"Value '{{{too_long}=1, other=2}}' at 'solutionConfig.algorithmHyperParameters'" in refused.message


def test_map_values_are_checked_against_the_value_shape():
    hyperparameters = input_member("CreateSolution", "solutionConfig", "algorithmHyperParameters")
    high = hyperparameters.value.metadata["max"]
    config = {"algorithmHyperParameters": {"k": "v" * (high + 1), "j": "v" * (high + 2)}}
    refused = _validate.request_problem("CreateSolution", {**SOLUTION_PARAMS, "solutionConfig": config})
    assert refused is not None
    (constraint,) = [v.constraint for v in refused.violations]  # one for the map, however many values fail
    assert constraint.startswith(
        f"Map value must satisfy constraint: [Member must have length less than or equal to {high}"
    )


def test_failing_keys_and_values_are_reported_keys_first():
    config = {"algorithmHyperParameters": {"k" * 1000: "v" * 1001}}
    refused = _validate.request_problem("CreateSolution", {**SOLUTION_PARAMS, "solutionConfig": config})
    assert refused is not None
    assert [v.constraint.split(":")[0] for v in refused.violations] == [
        "Map keys must satisfy constraint",
        "Map value must satisfy constraint",
    ]


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_an_integer(value):
    # Python counts True as 1: the service's JSON reader doesn't.
    refused = _validate.request_problem("ListDatasetGroups", {"maxResults": value})
    assert refused is not None
    assert refused.message == (
        f"1 validation error detected: Value '{str(value).lower()}' at 'maxResults' failed to satisfy constraint: "
        "Member must be an integer, not bool"
    )


def test_an_integer_is_not_a_boolean():
    refused = _validate.request_problem("CreateSolution", {**SOLUTION_PARAMS, "performHPO": 1})
    assert refused is not None
    assert (
        "Value '1' at 'performHPO' failed to satisfy constraint: Member must be a boolean, not int" in refused.message
    )
    assert _validate.request_problem("CreateSolution", {**SOLUTION_PARAMS, "performHPO": True}) is None


def test_a_boolean_in_a_string_member_is_shown_as_json_writes_it():
    # What the sender wrote on the wire is `true`, and the service quotes it so; Python would say True.
    refused = _validate.request_problem("CreateDatasetGroup", {"name": True})
    assert refused is not None
    assert refused.message == (
        "1 validation error detected: Value 'true' at 'name' failed to satisfy constraint: "
        "Member must be a string, not bool"
    )


def described_group(**members):
    group = {
        "name": "shop",
        "datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop",
        "status": "ACTIVE",
        "creationDateTime": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        **members,
    }
    return {"datasetGroup": group}


@pytest.mark.parametrize("value", [datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc), 1704067200, 1.5])
def test_timestamps_may_be_datetimes_or_epoch_numbers(value):
    assert _validate.response_violations("DescribeDatasetGroup", described_group(lastUpdatedDateTime=value)) == []


@pytest.mark.parametrize("value", [True, False, [1], {"epoch": 1}])
def test_a_boolean_or_a_container_is_not_a_timestamp(value):
    violations = _validate.response_violations("DescribeDatasetGroup", described_group(lastUpdatedDateTime=value))
    assert [(v.path, v.constraint) for v in violations] == [
        ("datasetGroup.lastUpdatedDateTime", f"Member must be a timestamp, not {type(value).__name__}")
    ]


def test_an_explicit_null_member_is_an_absent_one():
    # JSON null for an optional member is the member left out: only the real violation is reported.
    assert problem(name="shop", domain=None, roleArn=None, kmsKeyArn=None, tags=None) is None
    refused = _validate.request_problem("CreateDatasetGroup", {"name": "bad name", "domain": None, "tags": None})
    assert refused is not None
    assert [v.path for v in refused.violations] == ["name"]
    assert _validate.validate(input_member("CreateDatasetGroup", "tags").member, {"tagKey": "k", "tagValue": None}) == [
        _validate.Violation("tagValue", "Member must not be null", None)
    ]


def test_a_sensitive_members_value_is_left_out_of_the_message():
    # filterExpression is sensitive in every model since botocore 1.34; name in none.
    expression = input_member("CreateFilter", "filterExpression")
    assert expression.metadata.get("sensitive") and not input_member("CreateFilter", "name").metadata.get("sensitive")
    too_long = "x" * (expression.metadata["max"] + 1)
    refused = _validate.request_problem(
        "CreateFilter",
        {"name": "b" * 64, "datasetGroupArn": SOLUTION_PARAMS["datasetGroupArn"], "filterExpression": too_long},
    )
    assert refused is not None
    assert (
        f"Value at 'filterExpression' failed to satisfy constraint: Member must have length less than or equal to {expression.metadata['max']}"
        in refused.message
    )
    assert too_long not in refused.message
    assert f"Value '{'b' * 64}' at 'name'" in refused.message
