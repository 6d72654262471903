"""Conformant responses and errors built from the model."""

from __future__ import annotations

import re

import pytest

from pytest_personalize import modeled_errors
from pytest_personalize.model import spec as _spec
from pytest_personalize.model import templates as _templates
from pytest_personalize.model import validate as _validate

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.mark.parametrize(
    ("region", "arn"),
    [
        ("us-east-1", "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"),
        ("cn-north-1", "arn:aws-cn:personalize:cn-north-1:123456789012:dataset-group/shop"),
        ("us-gov-west-1", "arn:aws-us-gov:personalize:us-gov-west-1:123456789012:dataset-group/shop"),
    ],
)
def test_create_dataset_group_arn_follows_the_region(region, arn):
    response = _templates.success_response("CreateDatasetGroup", {"name": "shop"}, _templates.Context(region=region))
    assert response == {"datasetGroupArn": arn}


def test_domain_is_present_only_when_requested():
    assert "domain" not in _templates.success_response("CreateDatasetGroup", {"name": "shop"})
    response = _templates.success_response("CreateDatasetGroup", {"name": "shop", "domain": "VIDEO_ON_DEMAND"})
    assert response["domain"] == "VIDEO_ON_DEMAND"


@pytest.mark.parametrize("operation", sorted(_spec.service_model().operation_names))
def test_every_operations_template_conforms(operation):
    response = _templates.success_response(operation)
    assert _validate.response_violations(operation, response) == []


def test_generic_templates_echo_the_request_and_look_real():
    arn = "arn:aws:personalize:us-east-1:123456789012:solution/movies"
    solution = _templates.success_response("DescribeSolution", {"solutionArn": arn})["solution"]
    assert solution["solutionArn"] == arn
    assert solution["status"] == "ACTIVE"


def test_describe_dataset_group_names_the_group_from_its_arn():
    arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
    group = _templates.success_response("DescribeDatasetGroup", {"datasetGroupArn": arn})["datasetGroup"]
    assert (group["name"], group["datasetGroupArn"], group["status"]) == ("shop", arn, "ACTIVE")
    assert "failureReason" not in group and "roleArn" not in group


def test_request_ids_are_lowercase_uuids():
    assert UUID.match(_templates.request_id())
    assert _templates.request_id() != _templates.request_id()


def test_already_exists_names_the_arn_in_the_services_words():
    message = _templates.error_message("ResourceAlreadyExistsException", {"name": "shop"})
    assert (
        message
        == "Another resource with Arn arn:aws:personalize:us-east-1:123456789012:dataset-group/shop already exists."
    )


@pytest.mark.parametrize("code", modeled_errors("CreateDatasetGroup"))
def test_every_modeled_error_has_a_message(code):
    assert _templates.error_message(code)
    assert _templates.error_body(code, "m") == {"__type": code, "message": "m"}


def test_default_messages_come_from_the_model():
    documented = _spec.error_documentation("LimitExceededException")
    assert documented and "<" not in documented
    assert _templates.error_message("LimitExceededException") == documented


def test_the_date_header_is_rfc_7231_whatever_the_locale():
    import datetime

    moment = datetime.datetime(2026, 11, 25, 19, 32, 5, tzinfo=datetime.timezone.utc)
    assert _templates.http_date(moment) == "Wed, 25 Nov 2026 19:32:05 GMT"
