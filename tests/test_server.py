"""The loopback server: the same backend over real sockets, and what it does with bad input."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from pytest_personalize import Backend, PersonalizeServer
from pytest_personalize._clients import make_client

TIMEOUT = 10.0
TARGET = "AmazonPersonalize.ListDatasetGroups"


@pytest.fixture
def server() -> Iterator[PersonalizeServer]:
    with PersonalizeServer() as running:
        yield running


def client_for(server: PersonalizeServer, **kwargs: Any) -> Any:
    config = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, **kwargs)
    return make_client("us-east-1", endpoint_url=server.endpoint_url, config=config)


def post(
    server: PersonalizeServer, body: bytes, headers: dict[str, str] | None = None, method: str = "POST"
) -> tuple[int, dict[str, str], Any]:
    host, port = server.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    try:
        sent = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET, **(headers or {})}
        connection.request(method, "/", body=body, headers={k: v for k, v in sent.items() if v})
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
    client = client_for(server)
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


def _aws_cli_runs() -> bool:
    # A pyenv shim can stand on PATH for a CLI that no installed Python has.
    if shutil.which("aws") is None:
        return False
    try:
        return subprocess.run(["aws", "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_the_aws_cli_works_against_it(server: PersonalizeServer, tmp_path: Any) -> None:
    # Asked here, not in a skipif: `aws --version` takes a second or more, which every collection would pay.
    if not _aws_cli_runs():
        pytest.skip("the AWS CLI is not installed")
    env = {
        "PATH": __import__("os").environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_PERSONALIZE": server.endpoint_url,
    }
    server.backend.call("CreateDatasetGroup", {"name": "from-python"})

    result = subprocess.run(
        ["aws", "personalize", "list-dataset-groups", "--endpoint-url", server.endpoint_url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["datasetGroups"][0]["name"] == "from-python"


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


def test_other_methods_are_refused(server: PersonalizeServer) -> None:
    status, _, document = post(server, b"", method="GET")

    assert (status, document["__type"]) == (405, "UnknownOperationException")


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
