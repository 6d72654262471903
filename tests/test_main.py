"""`python -m pytest_personalize`: bad arguments get a clear error, never a traceback."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import pytest
from botocore.config import Config

from pytest_personalize import UsageError
from pytest_personalize._clients import make_client
from pytest_personalize.emulator.backend import Backend

TIMEOUT = 30.0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "70000"], "'70000' is not a port"),
        (["--port", "http"], "'http' is not a whole number"),
        (["--quota", "-1"], "'-1' is negative"),
    ],
)
def test_bad_serve_arguments_are_usage_errors(arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("quota", [-1, 2.5, True, "5"])
def test_a_backend_quota_must_be_a_whole_number(quota: object) -> None:
    with pytest.raises(UsageError, match="dataset_group_quota must be a whole number"):
        Backend(dataset_group_quota=quota)  # type: ignore[arg-type]


# --- serve: one line per request --------------------------------------------------------------------

LOG_LINE = re.compile(r"(?P<operation>\S+) (?P<status>\d{3})(?: (?P<error>\w+))? (?P<ms>\d+\.\d) ms")


def raw_request(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def serve_and_call(*arguments: str) -> list[str]:
    """Run ``serve`` with ``arguments``, send five requests, stop it: its standard output, by line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_personalize", "serve", "--lifecycle", "instant", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("pytest-personalize: serving"), first
        url = first.rsplit(" ", 1)[1].strip()
        client = make_client(
            "us-east-1", endpoint_url=url, config=Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
        )
        client.create_dataset_group(name="by-hand")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_dataset_group(
                datasetGroupArn="arn:aws:personalize:us-east-1:123456789012:dataset-group/none"
            )
        runtime = make_client(
            "us-east-1",
            "personalize-runtime",
            endpoint_url=url,
            config=Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT),
        )
        with pytest.raises(runtime.exceptions.ResourceNotFoundException):
            runtime.get_recommendations(campaignArn="arn:aws:personalize:us-east-1:123456789012:campaign/x", userId="u")
        # A target with a terminal escape sequence, and a request line nothing can read.
        nothing = (
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonPersonalize.\x1b[2J\r\nContent-Length: 2\r\n\r\n{}"
        )
        assert raw_request(url, nothing).startswith(b"HTTP/1.1 400 ")
        assert raw_request(url, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400 ")

        process.send_signal(signal.SIGINT)
        process.wait(timeout=TIMEOUT)
        # Not communicate(): it reads the pipe beneath readline's buffer, losing what that holds.
        out, err = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
    assert process.returncode == 0, err
    return [first.rstrip("\n"), *out.splitlines()]


def test_serve_logs_each_request_on_one_line() -> None:
    lines = serve_and_call()

    logged = [match.groupdict() for line in lines if (match := LOG_LINE.fullmatch(line))]
    assert [(entry["operation"], entry["status"], entry["error"]) for entry in logged] == [
        ("CreateDatasetGroup", "200", None),
        ("DescribeDatasetGroup", "400", "ResourceNotFoundException"),
        ("GetRecommendations", "404", "ResourceNotFoundException"),  # REST-JSON: named by its path
        ("-", "400", "UnknownOperationException"),  # a header's text is never printed
        ("-", "400", "SerializationException"),
    ]
    assert not any("\x1b" in line for line in lines)
    assert lines[-1] == "pytest-personalize: stopped"
    banner = [line for line in lines if line.startswith(("pytest-personalize: serving", "  AWS_ENDPOINT_URL_"))]
    assert len(banner) == 4  # where it serves, and the variable of each API: control plane, runtime, events
    assert len(lines) == len(banner) + len(logged) + 1  # and nothing else: one line per request, the goodbye


def test_serve_q_is_quiet() -> None:
    lines = serve_and_call("-q")

    assert not [line for line in lines if LOG_LINE.fullmatch(line)]
    assert lines[0].startswith("pytest-personalize: serving") and lines[-1] == "pytest-personalize: stopped"


def test_serve_help_explains_its_switches() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0
    text = result.stdout
    for switch in ("--port", "--lifecycle {describe,instant,clock}", "--quota [TYPE=]N", "--quiet, -q"):
        assert switch in text
    assert "LimitExceededException" in text  # what a quota does when reached
    assert "CREATE PENDING" in text and "ACTIVE" in text  # what --lifecycle moves
    assert "operation, HTTP\nstatus, error code if any, and the time taken" in text  # the log line
