"""An answer's bytes are built once: the fake, the server, the stubber and the cassette send the same ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_personalize import Backend
from pytest_personalize.model import spec as _spec
from pytest_personalize.model import templates as _templates
from pytest_personalize.model.errors import ServiceError
from pytest_personalize.wire import responses as _responses

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/gone"
# (operation, error code, how the fake receives the request: target, path, body)
ERRORS = [
    ("CreateDatasetGroup", "LimitExceededException", "AmazonPersonalize.CreateDatasetGroup", None, {"name": "shop"}),
    ("GetRecommendations", "ResourceNotFoundException", None, "/recommendations", {"campaignArn": CAMPAIGN}),
]
VOLATILE = {"x-amzn-requestid", "date"}


def _lower(headers: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


@pytest.mark.parametrize(("operation", "code", "target", "path", "params"), ERRORS, ids=[e[0] for e in ERRORS])
def test_a_stubbed_error_the_fakes_and_the_cassettes_are_the_same_bytes(
    operation: str, code: str, target: str | None, path: str | None, params: dict[str, Any]
) -> None:
    from pytest_personalize.recording.cassette import _error_response
    from pytest_personalize.stub.stubber import parsed_error

    backend = Backend()
    backend.fail_next(operation, code, message="said once")
    rest = path is not None
    fake = backend.handle(
        target,
        json.dumps(params).encode(),
        content_type="application/json" if rest else "application/x-amz-json-1.1",
        path=path,
    )
    recorded = _error_response(code, "said once", operation)
    stubbed, parsed = parsed_error(_spec.operation_model(operation), code, "said once", _templates.Context())

    cassette_headers = {name.lower(): values[0] for name, values in recorded["headers"].items()}
    assert fake.status == recorded["status"]["code"] == stubbed.status_code == _templates.error_status(code, operation)
    assert fake.body == recorded["body"]["string"]
    assert json.loads(fake.body) == ({"message": "said once"} if rest else {"__type": code, "message": "said once"})
    # Every header in all three, the code in x-amzn-ErrorType in both protocols.
    names = {"x-amzn-requestid", "content-type", "content-length", "date", "x-amzn-errortype"}
    assert set(_lower(fake.headers)) == set(cassette_headers) == set(_lower(stubbed.headers)) == names
    fixed = {name: value for name, value in _lower(fake.headers).items() if name not in VOLATILE}
    assert fixed == {n: v for n, v in cassette_headers.items() if n not in VOLATILE}
    assert fixed == {n: v for n, v in _lower(stubbed.headers).items() if n not in VOLATILE}
    assert fixed["x-amzn-errortype"] == code
    # What botocore reads from the fake's bytes is what the stubber hands the client.
    assert _botocore_reads(operation, fake) == {
        key: value for key, value in parsed.items() if key != "ResponseMetadata"
    }


def _botocore_reads(operation: str, answer: _responses.Encoded) -> dict[str, Any]:
    from botocore.awsrequest import AWSResponse
    from botocore.parsers import create_parser

    model = _spec.operation_model(operation)
    response = AWSResponse(None, answer.status, dict(answer.headers), None)  # type: ignore[arg-type]
    wire = {"status_code": answer.status, "headers": response.headers, "body": answer.body}
    parser = create_parser(model.metadata["protocol"])
    parsed: dict[str, Any] = parser.parse(wire, model.output_shape)
    shape = model.service_model.shape_for_error_code(parsed["Error"]["Code"])
    if shape is not None:
        parsed.update(parser.parse(wire, shape))
    parsed.pop("ResponseMetadata")
    return parsed


@pytest.mark.parametrize("rest", [False, True], ids=["aws-json", "rest-json"])
def test_an_answer_has_its_protocols_content_type_and_a_length(rest: bool) -> None:
    ok = _responses.success({"a": 1}, rest=rest)
    error = _responses.error(ServiceError("InvalidInputException", "no"), rest=rest)

    for answer in (ok, error):
        content_type = answer.headers["Content-Type"]
        assert content_type == ("application/json" if rest else "application/x-amz-json-1.1")
        assert answer.headers["Content-Length"] == str(len(answer.body))
        assert answer.headers["Date"].endswith(" GMT")
    assert "x-amzn-ErrorType" not in ok.headers and error.headers["x-amzn-ErrorType"] == "InvalidInputException"


def test_an_events_success_has_no_body_and_a_control_plane_one_no_nulls() -> None:
    assert _responses.success({}, rest=True).body == b""
    assert _responses.success({"a": None, "b": [1]}).body == b'{"b":[1]}'


@pytest.mark.parametrize("asynchronous", [False, True], ids=["botocore", "aiobotocore"])
def test_an_answer_reaches_botocore_as_a_response_it_reads_once(asynchronous: bool) -> None:
    if asynchronous:
        pytest.importorskip("aiobotocore")
    import asyncio

    answer = _responses.error(ServiceError("InvalidInputException", "no"))
    response: Any = _responses.as_aws_response("http://127.0.0.1/", answer, asynchronous=asynchronous)

    assert response.status_code == 400 and response.headers["x-amzn-errortype"] == "InvalidInputException"
    read = response.raw.read
    body = asyncio.run(read()) if asynchronous else read()
    assert body == answer.body
    assert (asyncio.run(read()) if asynchronous else read()) == b""
