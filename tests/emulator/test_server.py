"""The loopback server: the same backend over real sockets, and what it does with bad input."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pytest_personalize import Backend, PersonalizeFake, PersonalizeServer
from pytest_personalize._clients import make_client

TIMEOUT = 10.0
TARGET = "AmazonPersonalize.ListDatasetGroups"


def client_for(server: PersonalizeServer, **kwargs: Any) -> Any:
    config = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, **kwargs)
    return make_client("us-east-1", endpoint_url=server.endpoint_url, config=config)


def post(
    server: PersonalizeServer,
    body: bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/",
) -> tuple[int, dict[str, str], Any]:
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    try:
        sent = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET, **(headers or {})}
        connection.request(method, path, body=body, headers={k: v for k, v in sent.items() if v})
        response = connection.getresponse()
        raw = response.read()
        return response.status, dict(response.getheaders()), json.loads(raw) if raw else None
    finally:
        connection.close()


def raw_exchange(server: PersonalizeServer, data: bytes) -> bytes:
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def raw_post(
    server: PersonalizeServer, body: bytes, headers: bytes = b"", *, target: str = TARGET, length: bool = True
) -> bytes:
    """One POST written byte for byte (headers exactly as given), and everything the server answered."""
    head = b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + target.encode() + b"\r\n"
    head += b"Content-Type: application/x-amz-json-1.1\r\n"
    if length:
        head += b"Content-Length: %d\r\n" % len(body)
    return raw_exchange(server, head + headers + b"\r\n" + body)


def parse_reply(reply: bytes) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of exactly one HTTP response (it fails on a second one)."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert len(body) == int(headers["Content-Length"]), f"more than one answer: {reply!r}"
    return int(lines[0].split()[1]), headers, json.loads(body.decode("utf-8"))


def signed(scope: str) -> bytes:
    """An Authorization header (a SigV4 one in form; signatures aren't checked) with ``scope``."""
    return (
        f"Authorization: AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host;x-amz-date, "
        "Signature=0000000000000000000000000000000000000000000000000000000000000000\r\n"
    ).encode()


# --- the downstream view -------------------------------------------------------------------------


def test_the_fixture_serves_code_that_builds_its_own_client(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3

        def test_env_points_at_the_server(personalize_server):
            client = boto3.client("personalize")
            arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
            assert client.meta.endpoint_url == personalize_server.endpoint_url
            assert personalize_server.endpoint_url.startswith("http://127.0.0.1:")
            assert personalize_server.backend.dataset_groups()[0]["datasetGroupArn"] == arn
        """
    )

    pytester.runpytest().assert_outcomes(passed=1)


# --- the lifecycle over HTTP ---------------------------------------------------------------------


def test_the_whole_lifecycle_over_http(server: PersonalizeServer, retry_sleeps: list[float]) -> None:
    # Standard retries (botocore's default only from 1.44) absorb the two throttled attempts.
    client = client_for(server, retries={"mode": "standard"})
    server.backend.dataset_group_quota = 10
    server.backend.fail_next("CreateDatasetGroup", "LimitExceededException", times=2)

    created = client.create_dataset_group(name="shop", tags=[{"tagKey": "team", "tagValue": "recs"}])
    arn = created["datasetGroupArn"]
    statuses = []
    while not statuses or statuses[-1] != "ACTIVE":
        statuses.append(client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"])
    for index in range(4):
        client.create_dataset_group(name=f"more-{index}")
    pages = list(client.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 2}))
    tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
    client.delete_dataset_group(datasetGroupArn=arn)

    assert created["ResponseMetadata"]["RetryAttempts"] == 2
    assert statuses == ["CREATE PENDING", "ACTIVE"]
    assert [len(page["datasetGroups"]) for page in pages] == [2, 2, 1]
    assert tags == [{"tagKey": "team", "tagValue": "recs"}]
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "DELETE PENDING"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset_group(datasetGroupArn=arn)


def test_answers_on_the_wire_look_like_the_services(server: PersonalizeServer) -> None:
    status, headers, body = post(
        server, b'{"name":"bad name"}', {"X-Amz-Target": "AmazonPersonalize.CreateDatasetGroup"}
    )

    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-ErrorType"] == "InvalidInputException"
    assert len(headers["x-amzn-RequestId"]) == 36 and headers["x-amzn-RequestId"] == headers["x-amzn-RequestId"].lower()
    assert body["__type"] == "InvalidInputException"
    assert body["message"].startswith("1 validation error detected: Value 'bad name' at 'name'")


def test_the_region_comes_from_the_signature(server: PersonalizeServer) -> None:
    client = make_client("ap-south-1", endpoint_url=server.endpoint_url)

    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]

    assert arn.startswith("arn:aws:personalize:ap-south-1:123456789012:")


def test_servers_can_share_a_backend() -> None:
    backend = Backend()
    with PersonalizeServer(backend) as first, PersonalizeServer(backend) as second:
        client_for(first).create_dataset_group(name="shop")
        listed = client_for(second).list_dataset_groups()["datasetGroups"]

    assert [group["name"] for group in listed] == ["shop"]


AwsCli = Callable[..., subprocess.CompletedProcess[str]]


def test_the_aws_cli_works_against_it(server: PersonalizeServer, aws_cli: AwsCli) -> None:
    server.backend.call("CreateDatasetGroup", {"name": "from-python"})

    result = aws_cli(server.endpoint_url, "personalize", "list-dataset-groups")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["datasetGroups"][0]["name"] == "from-python"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ("create-dataset-group", "--name", "bad name"),
            "(InvalidInputException) when calling the CreateDatasetGroup operation: "
            "1 validation error detected: Value 'bad name' at 'name'",
        ),
        (
            ("list-dataset-groups", "--region", "local"),
            "(InvalidSignatureException) when calling the ListDatasetGroups operation: "
            "Credential should be scoped to a valid region, not 'local'.",
        ),
    ],
    ids=["invalid input", "no such region"],
)
def test_the_aws_cli_shows_the_services_errors(
    server: PersonalizeServer, aws_cli: AwsCli, arguments: tuple[str, ...], expected: str
) -> None:
    result = aws_cli(server.endpoint_url, "personalize", *arguments)

    assert result.returncode != 0
    assert expected in result.stderr
    assert server.backend.resources() == []


def test_the_aws_cli_region_lands_in_the_arn(server: PersonalizeServer, aws_cli: AwsCli) -> None:
    result = aws_cli(
        server.endpoint_url, "personalize", "create-dataset-group", "--name", "shop", "--region", "eu-west-1"
    )

    assert result.returncode == 0, result.stderr
    assert (
        json.loads(result.stdout)["datasetGroupArn"] == "arn:aws:personalize:eu-west-1:123456789012:dataset-group/shop"
    )


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{not json", {}, 400, "SerializationException"),
        (b'"a string"', {}, 400, "SerializationException"),
        (b"{}", {"X-Amz-Target": ""}, 400, "UnknownOperationException"),
        (b"{}", {"X-Amz-Target": "AmazonPersonalize.DropEverything"}, 400, "UnknownOperationException"),
        (b"{}", {"Content-Type": "text/html"}, 400, "SerializationException"),
        (b"{}", {"Content-Length": "-4"}, 400, "SerializationException"),
        (b"{}", {"Content-Length": "lots"}, 400, "SerializationException"),
    ],
    ids=[
        "malformed json",
        "not an object",
        "no target",
        "unknown target",
        "wrong content type",
        "negative length",
        "bad length",
    ],
)
def test_bad_requests_get_aws_style_errors(
    server: PersonalizeServer, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    got_status, _, document = post(server, body, headers)

    assert (got_status, document["__type"]) == (status, code)
    assert post(server, b"{}")[0] == 200  # and the server carries on


CREATE = "AmazonPersonalize.CreateDatasetGroup"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"name": "a\\ud800b"}', "unpaired UTF-16 surrogate"),
        (b'{"name": "a\\udc00"}', "unpaired UTF-16 surrogate"),
        (b'{"name": "shop", "tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nests deeper than 64 levels"),
        (b'{"name": "shop", "x": NaN}', "NaN is not a JSON value"),
        (b'{"name": "shop", "x": -Infinity}', "-Infinity is not a JSON value"),
    ],
    ids=["lone high surrogate", "lone low surrogate", "deep nesting", "NaN", "infinity"],
)
def test_bodies_json_cannot_carry_are_refused_as_the_service_refuses_them(
    server: PersonalizeServer, body: bytes, needle: str
) -> None:
    status, _, document = post(server, body, {"X-Amz-Target": CREATE})

    assert (status, document["__type"]) == (400, "SerializationException")
    assert needle in document["message"]
    assert server.backend.dataset_groups() == []


def test_a_paired_surrogate_escape_is_an_ordinary_character(server: PersonalizeServer) -> None:
    body = b'{"name": "shop", "tags": [{"tagKey": "letter", "tagValue": "\\ud835\\udc00"}]}'

    status, _, document = post(server, body, {"X-Amz-Target": CREATE})

    assert status == 200, document
    assert server.backend.dataset_groups()[0]["name"] == "shop"


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 1_5\r\n",
        b"Content-Length: +15\r\n",
        b"Content-Length: 0x0f\r\n",
        b"Content-Length: 15\r\nContent-Length: 15\r\n",
        b"Content-Length: 15\r\nTransfer-Encoding: chunked\r\n",
    ],
    ids=["underscore", "plus sign", "hex", "twice", "with transfer-encoding"],
)
def test_ambiguous_framing_is_refused_and_nothing_is_created(server: PersonalizeServer, framing: bytes) -> None:
    body = b'{"name":"shop"}'
    assert len(body) == 15
    head = b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + CREATE.encode() + b"\r\n"
    head += b"Content-Type: application/x-amz-json-1.1\r\n" + framing + b"\r\n"

    reply = raw_exchange(server, head + body)

    assert reply.startswith(b"HTTP/1.1 400 "), reply[:80]
    assert b'"__type":"SerializationException"' in reply
    assert b"Connection: close" in reply
    assert server.backend.dataset_groups() == []


@pytest.mark.parametrize("region", ["us-east-1:999999999999", "mars-1", "US-EAST-1", "us-east-1\u00e9"])
def test_a_signing_scope_naming_no_region_is_refused_before_it_reaches_an_arn(
    server: PersonalizeServer, region: str
) -> None:
    authorization = (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/{region}/personalize/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )
    body = json.dumps({"name": "shop"}).encode()
    status, _, document = post(
        server, body, {"X-Amz-Target": CREATE, "Authorization": authorization.encode().decode("latin-1")}
    )

    assert (status, document["__type"]) == (403, "InvalidSignatureException")
    assert document["message"].startswith("Credential should be scoped to a valid region, not ")
    assert server.backend.dataset_groups(region=None) == []


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-north-1", "il-central-1"])
def test_every_partitions_regions_are_served(server: PersonalizeServer, region: str) -> None:
    client = make_client(region, endpoint_url=server.endpoint_url)

    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]

    assert arn.split(":")[3] == region


@pytest.mark.parametrize(
    ("body", "target", "where"),
    [
        (b'{"name":"a","tags":[{"tagKey":"\\udc00","tagValue":"x"}]}', CREATE, "the string at 'tags[0].tagKey'"),
        (b'{"\\ud800":1}', TARGET, "a member name at the top level"),
        (
            b'{"datasetGroupArn":"arn:aws:personalize:us-east-1:123456789012:dataset-group/\\ud800"}',
            "AmazonPersonalize.DescribeDatasetGroup",
            "the string at 'datasetGroupArn'",
        ),
    ],
    ids=["in a tag key", "in a member name", "in an ARN that isn't found"],
)
def test_an_unpaired_surrogate_is_refused_where_it_is(
    server: PersonalizeServer, body: bytes, target: str, where: str
) -> None:
    status, headers, document = parse_reply(raw_post(server, body, target=target))

    assert (status, document["__type"], headers["x-amzn-ErrorType"]) == (
        400,
        "SerializationException",
        "SerializationException",
    )
    assert f"{where} holds an unpaired UTF-16 surrogate escape" in document["message"]
    assert server.backend.calls == []  # refused before the engine saw it


@pytest.mark.parametrize("through", ["fake", "server"])
def test_the_fake_and_the_server_refuse_an_unpaired_surrogate_alike(server: PersonalizeServer, through: str) -> None:
    with PersonalizeFake() as fake:
        # The fake answers clients without an endpoint; it leaves loopback endpoints to the server.
        client = make_client("us-east-1") if through == "fake" else client_for(server)
        with pytest.raises(client.exceptions.ClientError) as raised:
            client.create_dataset_group(name="\ud800")

    assert raised.value.response["Error"]["Code"] == "SerializationException"
    assert "'name' holds an unpaired UTF-16 surrogate" in raised.value.response["Error"]["Message"]
    assert fake.calls == [] and server.backend.calls == []


def test_an_error_holding_a_surrogate_is_still_answered(server: PersonalizeServer) -> None:
    # Backend.call takes Python strings, surrogates included; the answer escapes what UTF-8 can't hold.
    server.backend.fail_next("ListDatasetGroups", "InvalidNextTokenException", message="bad \udc80 byte")

    status, _, document = post(server, b"{}")

    assert (status, document["message"]) == (400, "bad \udc80 byte")


@pytest.mark.parametrize("depth", [65, 500], ids=["just over the limit", "well under Python's recursion limit"])
def test_nesting_past_the_limit_is_refused_at_any_depth(server: PersonalizeServer, depth: int) -> None:
    # The object is one level; the name's lists make up the rest.
    body = b'{"name":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"

    status, headers, document = parse_reply(raw_post(server, body, target=CREATE))

    assert (status, headers["x-amzn-ErrorType"]) == (400, "SerializationException")
    assert "nests deeper than 64 levels (at 'name" in document["message"]


def test_nesting_within_the_limit_reaches_validation(server: PersonalizeServer) -> None:
    body = b'{"name":' + b"[" * 63 + b"]" * 63 + b"}"

    status, _, document = parse_reply(raw_post(server, body, target=CREATE))

    assert (status, document["__type"]) == (400, "InvalidInputException")


def test_a_number_too_large_for_a_double_is_refused_like_infinity(server: PersonalizeServer) -> None:
    status, _, document = parse_reply(raw_post(server, b'{"maxResults":1e400}'))

    assert (status, document["__type"]) == (400, "SerializationException")
    assert "the number 1e400 is too large for a double" in document["message"]


def test_unknown_members_are_refused_by_name(server: PersonalizeServer) -> None:
    # Refused, not ignored: the module docstring of pytest_personalize.emulator.server says why.
    status, _, document = post(server, b'{"maxResult":5}')

    assert (status, document["__type"]) == (400, "InvalidInputException")
    assert "'maxResult' is not a member of ListDatasetGroupsRequest" in document["message"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (b"Content-Length: -0\r\n", "Invalid Content-Length '-0'"),
        (b"Content-Length: 2\xa0\r\n", r"Invalid Content-Length '2\xa0'"),
        (b"Content-Length: 2, 2\r\n", "Invalid Content-Length '2, 2'"),
        (b"Content-Length: 2\r\nContent-Length: 5\r\n", "Content-Length header, not 2"),
    ],
    ids=["minus zero", "no-break space", "a list", "twice, differing"],
)
def test_more_ambiguous_framing_is_refused(server: PersonalizeServer, headers: bytes, message: str) -> None:
    status, reply_headers, document = parse_reply(raw_post(server, b"{}", headers, length=False))

    assert (status, document["__type"]) == (400, "SerializationException")
    assert message in document["message"]
    assert reply_headers["Connection"] == "close"
    assert server.backend.calls == []


@pytest.mark.parametrize("value", [b"\t2 ", b"0000000000000000000002"], ids=["whitespace", "leading zeros"])
def test_a_plain_content_length_is_read(server: PersonalizeServer, value: bytes) -> None:
    status, _, document = parse_reply(raw_post(server, b"{}", b"Content-Length: " + value + b"\r\n", length=False))

    assert (status, document) == (200, {"datasetGroups": []})


def test_a_content_length_of_many_digits_is_too_large_not_a_dropped_connection(server: PersonalizeServer) -> None:
    status, _, document = parse_reply(
        raw_post(server, b"{}", b"Content-Length: " + b"9" * 5000 + b"\r\n", length=False)
    )

    assert (status, document["__type"]) == (413, "SerializationException")
    assert "exceeds the limit" in document["message"]


@pytest.mark.parametrize("region", ["local", ""], ids=["not a region", "empty"])
def test_more_scopes_naming_no_region_are_refused(server: PersonalizeServer, region: str) -> None:
    scope = f"AKIDEXAMPLE/20240101/{region}/personalize/aws4_request"

    status, headers, document = parse_reply(raw_post(server, b'{"name":"shop"}', signed(scope), target=CREATE))

    assert (status, headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    assert document["message"] == f"Credential should be scoped to a valid region, not '{region}'. "


@pytest.mark.parametrize(
    ("authorization", "status", "code", "message"),
    [
        (
            signed("AKIDEXAMPLE/20240101/us-east-1/aws4_request"),
            400,
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            "got 'AKIDEXAMPLE/20240101/us-east-1/aws4_request'",
        ),
        (
            signed("AKIDEXAMPLE/20240101/us-east-1 x/personalize/aws4_request"),
            400,
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements",
        ),
        (
            signed("AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request"),
            403,
            "InvalidSignatureException",
            "Credential should be scoped to correct service: 'personalize'. ",
        ),
        (
            signed("AKIDEXAMPLE/2024-01-01/us-east-1/personalize/aws4_request"),
            403,
            "InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD",
        ),
        (
            signed("AKIDEXAMPLE/20240101/us-east-1/personalize/aws4"),
            403,
            "InvalidSignatureException",
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'. ",
        ),
        (
            b"Authorization: Bearer abc\r\n",
            400,
            "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter.",
        ),
    ],
    ids=[
        "four elements",
        "a space in the region",
        "another service",
        "a date of another form",
        "another terminator",
        "no credential",
    ],
)
def test_a_malformed_credential_scope_is_refused(
    server: PersonalizeServer, authorization: bytes, status: int, code: str, message: str
) -> None:
    got_status, headers, document = parse_reply(raw_post(server, b'{"name":"shop"}', authorization, target=CREATE))

    assert (got_status, document["__type"], headers["x-amzn-ErrorType"]) == (status, code, code)
    assert message in document["message"]
    assert server.backend.resources() == []


def test_a_client_in_a_region_that_doesnt_exist_is_refused(server: PersonalizeServer) -> None:
    client = make_client("local", endpoint_url=server.endpoint_url)

    with pytest.raises(client.exceptions.ClientError) as raised:
        client.create_dataset_group(name="shop")

    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_other_methods_are_refused(server: PersonalizeServer) -> None:
    status, _, document = post(server, b"", method="GET")

    assert (status, document["__type"]) == (405, "UnknownOperationException")
    assert "to the operation's path for the runtime and events APIs" in document["message"]


def test_a_path_no_operation_has_names_the_paths_that_have_one(server: PersonalizeServer) -> None:
    status, headers, document = post(
        server, b"{}", {"X-Amz-Target": "", "Content-Type": "application/json"}, path="/recomendations"
    )

    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    assert "No operation is at POST /recomendations" in document["message"]
    assert "POST /recommendations" in document["message"] and "POST /events" in document["message"]


def test_an_oversized_body_is_refused_without_reading_it(server: PersonalizeServer) -> None:
    head = (
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + TARGET.encode() + b"\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 999999999\r\n\r\n{"
    )

    reply = raw_exchange(server, head)

    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b'"__type":"SerializationException"' in reply
    assert b"Connection: close" in reply


def test_a_garbled_request_line_gets_a_json_error(server: PersonalizeServer) -> None:
    reply = raw_exchange(server, b"NONSENSE\r\n\r\n")

    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b'"__type":"SerializationException"' in reply


def test_a_client_that_disconnects_mid_request_harms_nothing(server: PersonalizeServer) -> None:
    head = (
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + TARGET.encode() + b"\r\n"
        b'Content-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{"max'
    )
    for _ in range(5):
        assert raw_exchange(server, head) == b""  # a clean close: nobody is left to answer

    assert post(server, b"{}")[0] == 200
    assert [call.operation for call in server.backend.calls] == ["ListDatasetGroups"]


# --- concurrency and shutdown --------------------------------------------------------------------


def test_concurrent_clients_lose_and_duplicate_nothing(server: PersonalizeServer) -> None:
    server.backend.dataset_group_quota = 1000
    failures: list[BaseException] = []
    contended: list[str] = []

    def work(worker: int) -> None:
        try:
            client = client_for(server)
            for index in range(10):
                client.create_dataset_group(name=f"w{worker}-{index}")
            try:
                client.create_dataset_group(name="contended")
                contended.append("created")
            except client.exceptions.ResourceAlreadyExistsException:
                contended.append("exists")
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures and not any(thread.is_alive() for thread in threads)
    names = [group["name"] for group in server.backend.dataset_groups()]
    assert len(names) == len(set(names)) == 81
    assert sorted(contended) == ["created"] + ["exists"] * 7


def test_stop_closes_idle_keep_alive_connections_and_joins_every_thread() -> None:
    before = set(threading.enumerate())
    server = PersonalizeServer()
    server.start()
    client = client_for(server)
    client.list_dataset_groups()  # leaves a pooled keep-alive connection open
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    idle = socket.create_connection((host, int(port)), timeout=TIMEOUT)  # connected, never speaks

    started = time.monotonic()
    server.stop()
    server.stop()  # idempotent

    assert time.monotonic() - started < 5
    assert set(threading.enumerate()) <= before
    assert not server.running
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1).close()


def test_misuse_is_explained() -> None:
    server = PersonalizeServer()
    with pytest.raises(RuntimeError, match="call start"):
        server.endpoint_url  # noqa: B018
    with pytest.raises(ValueError, match="loopback"):
        PersonalizeServer(host="0.0.0.0")
    with server:
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        assert repr(server) == f"<PersonalizeServer {server.endpoint_url}>"
    assert repr(server) == "<PersonalizeServer stopped>"


def test_localhost_means_the_ipv4_loopback() -> None:
    with PersonalizeServer(host="localhost") as server:
        assert server.endpoint_url.startswith("http://127.0.0.1:")


# --- python -m pytest_personalize serve ----------------------------------------------------------


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_runs_until_interrupted(stop_with: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_personalize", "serve", "--port", "0", "--lifecycle", "instant"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("pytest-personalize: serving Amazon Personalize on http://127.0.0.1:"), first
        url = first.rsplit(" ", 1)[1].strip()
        client = boto3.client(
            "personalize",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT),
        )
        arn = client.create_dataset_group(name="by-hand")["datasetGroupArn"]
        assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"

        process.send_signal(stop_with)
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)

    assert process.returncode == 0, err
    assert out.strip().endswith("pytest-personalize: stopped")


def test_serve_reports_a_port_it_cannot_take() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "pytest_personalize", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("quiet", [False, True], ids=["logged", "quiet"])
def test_serve_prints_a_line_per_request_unless_quiet(quiet: bool) -> None:
    command = [sys.executable, "-m", "pytest_personalize", "serve", "--port", "0", *(["--quiet"] if quiet else [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().rsplit(" ", 1)[1].strip()  # type: ignore[union-attr]
        client = boto3.client(
            "personalize",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, retries={"max_attempts": 1}),
        )
        client.create_dataset_group(name="logged")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_dataset_group(
                datasetGroupArn="arn:aws:personalize:us-east-1:123456789012:dataset-group/none"
            )
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)

    assert process.returncode == 0, err
    requests = [
        line for line in out.splitlines() if line and not line.startswith(("  AWS_ENDPOINT", "pytest-personalize:"))
    ]
    if quiet:
        assert requests == []
    else:
        assert len(requests) == 2, out
        assert re.fullmatch(r"CreateDatasetGroup 200 \d+\.\d ms", requests[0]), requests[0]
        assert re.fullmatch(r"DescribeDatasetGroup 400 ResourceNotFoundException \d+\.\d ms", requests[1]), requests[1]
