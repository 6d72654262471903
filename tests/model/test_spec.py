"""The service model, read from botocore."""

from __future__ import annotations

import pytest

from pytest_personalize import UsageError, modeled_errors
from pytest_personalize.model import spec as _spec


def test_operation_names_are_accepted_in_both_spellings():
    assert _spec.operation_name("CreateDatasetGroup") == "CreateDatasetGroup"
    assert _spec.operation_name("create_dataset_group") == "CreateDatasetGroup"


def test_an_unknown_operation_names_the_closest_ones():
    with pytest.raises(
        UsageError, match=r"'CreateDatasetGrup' is not an operation .*Did you mean 'CreateDatasetGroup'"
    ):
        _spec.operation_name("CreateDatasetGrup")


def test_modeled_errors_are_the_models():
    operation = _spec.service_model().operation_model("CreateDatasetGroup")
    assert modeled_errors("create_dataset_group") == tuple(error.name for error in operation.error_shapes)
    assert set(modeled_errors("CreateDatasetGroup")) == {
        "InvalidInputException",
        "LimitExceededException",
        "ResourceAlreadyExistsException",
        "TooManyTagsException",
    }


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("xx-new-1", "aws"),
    ],
)
def test_partition_for_region(region, partition):
    assert _spec.partition_for_region(region) == partition


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*", "my-group_1", True),
        (r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*", "my group", False),  # a prefix matches; the whole value must
        (r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$", "équipe 1", True),
        (r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$", "tab\there", False),
        (r"\p{ASCII}{0,1500}", "token", True),
        (r"\p{ASCII}{0,1500}", "tökén", False),
    ],
)
def test_patterns_match_the_whole_value_with_java_classes(pattern, value, matches):
    # The service anchors every pattern at both ends, whether the model writes ^ and $ or not.
    assert (_spec.compiled_pattern(pattern).fullmatch(value) is not None) is matches
