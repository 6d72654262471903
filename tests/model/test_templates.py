"""Conformant responses and errors built from the model."""

from __future__ import annotations

import html.parser as html_parser
import uuid

import pytest

from pytest_personalize.model import spec as _spec
from pytest_personalize.model import templates as _templates


@pytest.mark.parametrize(
    ("region", "arn"),
    [
        ("us-east-1", "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"),
        ("cn-north-1", "arn:aws-cn:personalize:cn-north-1:123456789012:dataset-group/shop"),
        ("us-gov-west-1", "arn:aws-us-gov:personalize:us-gov-west-1:123456789012:dataset-group/shop"),
    ],
)
def test_create_dataset_group_arn_follows_the_region(region, arn):
    response = _templates.template("CreateDatasetGroup", {"name": "shop"}, _templates.Context(region=region))
    assert response == {"datasetGroupArn": arn}


def test_domain_is_present_only_when_requested():
    assert "domain" not in _templates.template("CreateDatasetGroup", {"name": "shop"}, _templates.Context())
    response = _templates.template(
        "CreateDatasetGroup", {"name": "shop", "domain": "VIDEO_ON_DEMAND"}, _templates.Context()
    )
    assert response["domain"] == "VIDEO_ON_DEMAND"


def test_generic_templates_echo_the_request_and_look_real():
    arn = "arn:aws:personalize:us-east-1:123456789012:solution/movies"
    solution = _templates.template("DescribeSolution", {"solutionArn": arn}, _templates.Context())["solution"]
    assert solution["solutionArn"] == arn
    assert solution["status"] == "ACTIVE"


def test_describe_dataset_group_names_the_group_from_its_arn():
    arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
    group = _templates.template("DescribeDatasetGroup", {"datasetGroupArn": arn}, _templates.Context())["datasetGroup"]
    assert (group["name"], group["datasetGroupArn"], group["status"]) == ("shop", arn, "ACTIVE")
    assert "failureReason" not in group and "roleArn" not in group


def test_request_ids_are_lowercase_version_4_uuids():
    ids = [_templates.request_id() for _ in range(500)]
    for rid in ids:
        parsed = uuid.UUID(rid)
        # A random id has one chance in 64 of looking like a version-4 one; 500 of them, none.
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122), rid
        assert str(parsed) == rid  # lowercase, hyphenated, as the service writes it
    assert len(set(ids)) == len(ids)


def test_already_exists_names_the_arn_in_the_services_words():
    message = _templates.error_message("ResourceAlreadyExistsException", {"name": "shop"})
    assert (
        message
        == "Another resource with Arn arn:aws:personalize:us-east-1:123456789012:dataset-group/shop already exists."
    )


def documented(code: str) -> str:
    """An error's documentation as text, read from the raw model file by an HTML parser."""
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    html = loader.load_service_model("personalize", "service-2")["shapes"][code]["documentation"]
    parser = html_parser.HTMLParser()
    pieces: list[str] = []
    parser.handle_data = pieces.append  # type: ignore[method-assign]
    parser.feed(html)
    parser.close()
    return " ".join("".join(pieces).split())


@pytest.mark.parametrize("code", sorted(_spec.all_modeled_errors()))
def test_a_modeled_errors_default_message_is_its_documentation(code):
    message = _templates.error_message(code)
    assert message != code
    assert " ".join(message.split()) == documented(code)


def test_an_error_travels_as_type_and_message():
    assert _templates.error_body("LimitExceededException", "m") == {"__type": "LimitExceededException", "message": "m"}


def test_the_date_header_is_rfc_7231_whatever_the_locale():
    import datetime

    moment = datetime.datetime(2026, 11, 25, 19, 32, 5, tzinfo=datetime.timezone.utc)
    assert _templates.http_date(moment) == "Wed, 25 Nov 2026 19:32:05 GMT"
