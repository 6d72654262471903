"""`python -m pytest_personalize`: bad arguments get a clear error, never a traceback."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore import UNSIGNED
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
    banner = [
        line
        for line in lines
        if line.startswith(
            ("pytest-personalize: serving", "  AWS_ENDPOINT_URL_", "pytest-personalize: test controls at ")
        )
    ]
    # Where it serves, the variable of each API (control plane, runtime, events), the test controls.
    assert len(banner) == 5
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
    for switch in (
        "--port",
        "--lifecycle {describe,instant,clock}",
        "--quota [TYPE=]N",
        "--quiet, -q",
        "--config FILE",
        "--region",
        "--account",
        "--manual-clock",
    ):
        assert switch in text
    assert "LimitExceededException" in text  # what a quota does when reached
    assert "CREATE PENDING" in text and "ACTIVE" in text  # what --lifecycle moves
    assert "operation, HTTP\nstatus, error code if any, and the time taken" in text  # the log line
    assert "/pytest-personalize/" in text and "POST reset" in text  # the test controls


# --- serve --config -----------------------------------------------------------------------------------

CONFIG_TOML = """\
region = "eu-west-1"
account = "111122223333"
lifecycle = { mode = "describe", describes_per_stage = 2 }

[quotas]
DatasetGroup = 3
Filter = "none"

[[campaigns]]
name = "shop-recs"
results = [{ user_id = "u1", items = ["i3", "i1"] }, { items = ["i9"] }]

[[recommenders]]
name = "for-you"
use_case = "aws-ecomm-recommended-for-you"
results = [{ items = ["i2"] }]
"""
CAMPAIGN = "arn:aws:personalize:eu-west-1:111122223333:campaign/shop-recs"


class Serving:
    """``serve`` in a subprocess: its banner read, stopped (SIGINT) on exit."""

    def __init__(self, *arguments: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_personalize", "serve", *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stdout = self.process.stdout
        assert stdout is not None
        self.banner = [stdout.readline()]
        if not self.banner[0].startswith("pytest-personalize: serving"):
            raise AssertionError(self.banner[0] + self.process.communicate(timeout=TIMEOUT)[1])
        self.url = self.banner[0].rsplit(" ", 1)[1].strip()
        while not self.banner[-1].startswith("pytest-personalize: test controls at "):
            self.banner.append(stdout.readline())

    def client(self, service: str = "personalize", region: str = "eu-west-1", **kwargs: Any) -> Any:
        return make_client(
            region, service, endpoint_url=self.url, config=Config(retries={"total_max_attempts": 1}), **kwargs
        )

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.communicate(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=TIMEOUT)


def _recommended(serving: Serving, arn: str, user_id: str, region: str = "eu-west-1") -> list[str]:
    runtime = serving.client("personalize-runtime", region)
    return [item["itemId"] for item in runtime.get_recommendations(campaignArn=arn, userId=user_id)["itemList"]]


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_serve_config_sets_settings_and_declared_results(tmp_path: Path, suffix: str) -> None:
    config = tmp_path / f"personalize{suffix}"
    if suffix == ".toml":
        config.write_text(CONFIG_TOML, encoding="utf-8")
    else:
        config.write_text(json.dumps(_serve_config_document()), encoding="utf-8")

    with Serving("--config", str(config), "-q") as serving:
        assert f"pytest-personalize: deployed campaign shop-recs: {CAMPAIGN}\n" in serving.banner
        assert any(
            line.startswith(
                "pytest-personalize: deployed recommender for-you: arn:aws:personalize:eu-west-1:111122223333:"
            )
            for line in serving.banner
        )
        assert _recommended(serving, CAMPAIGN, "u1") == ["i3", "i1"]
        assert _recommended(serving, CAMPAIGN, "u2") == ["i9"]
        control_plane = serving.client()
        # The account of a request whose key isn't 12 digits; two describes per status; three groups at most.
        arn = control_plane.create_dataset_group(name="a")["datasetGroupArn"]
        assert arn == "arn:aws:personalize:eu-west-1:111122223333:dataset-group/a"
        statuses = [
            control_plane.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] for _ in range(3)
        ]
        assert statuses == ["CREATE PENDING", "CREATE PENDING", "ACTIVE"]
        with pytest.raises(control_plane.exceptions.LimitExceededException):
            control_plane.create_dataset_group(name="b")  # shop-recs, for-you and a: the quota of 3


def _serve_config_document() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return tomllib.loads(CONFIG_TOML)


def test_serve_options_override_the_config(tmp_path: Path) -> None:
    config = tmp_path / "personalize.toml"
    config.write_text("port = 1\n" + CONFIG_TOML, encoding="utf-8")

    with Serving(
        "--config",
        str(config),
        "--port",
        "0",
        "--lifecycle",
        "instant",
        "--quota",
        "DatasetGroup=none",
        "--region",
        "us-west-2",
        "--account",
        "444455556666",
        "-q",
    ) as serving:
        arn = "arn:aws:personalize:us-west-2:444455556666:campaign/shop-recs"
        assert f"pytest-personalize: deployed campaign shop-recs: {arn}\n" in serving.banner
        assert _recommended(serving, arn, "u1", region="us-west-2") == ["i3", "i1"]
        # An unsigned request speaks for --region.
        unsigned = make_client(
            "eu-central-1", "personalize-runtime", endpoint_url=serving.url, config=Config(signature_version=UNSIGNED)
        )
        assert [item["itemId"] for item in unsigned.get_recommendations(campaignArn=arn, userId="u2")["itemList"]] == [
            "i9"
        ]
        control_plane = serving.client(region="us-west-2")
        for name in "abcdefgh":  # no dataset-group quota now
            group = control_plane.create_dataset_group(name=name)["datasetGroupArn"]
        assert control_plane.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] == "ACTIVE"


@pytest.mark.parametrize("how", ["option", "config"])
def test_serve_manual_clock_moves_only_when_told(tmp_path: Path, how: str) -> None:
    config = tmp_path / "personalize.json"
    config.write_text(json.dumps({"lifecycle": {"clock": "manual", "seconds_per_stage": 60}}), encoding="utf-8")
    arguments = ["--manual-clock"] if how == "option" else ["--config", str(config)]
    with Serving(*arguments, "-q") as serving:
        control_plane = serving.client(region="us-east-1")
        arn = control_plane.create_dataset_group(name="shop")["datasetGroupArn"]
        request = urllib.request.Request(
            serving.url + "/pytest-personalize/clock", data=b'{"advance": 60}', method="POST"
        )
        assert control_plane.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "CREATE PENDING"
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            assert json.loads(response.read())["manual"] is True
        assert control_plane.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("c.yaml", "", "c.yaml: name a .toml or a .json file (the suffix says which), not .yaml"),
        ("missing.toml", None, "missing.toml: can't read it"),
        ("c.toml", "region = ", "c.toml: not valid TOML"),
        ("c.json", "{", "c.json: not valid JSON"),
        ("c.json", "[]", "c.json: expected a table (a JSON object) of port, region, account, lifecycle"),
        ("c.toml", "regoin = 'us-east-1'", "c.toml: unknown key 'regoin'; accepted: port, region, account, lifecycle"),
        ("c.toml", "port = 70000", "port = 70000: expected a port, 0 (any free one) to 65535"),
        ("c.toml", "region = 'moon-1'", 'region = "moon-1": expected an AWS region name'),
        ("c.toml", "account = 123456789012", "account = 123456789012: expected an account id, 12 digits as a string"),
        ("c.toml", "lifecycle = 'fast'", 'lifecycle.mode = "fast": choose one of describe, instant, clock'),
        ("c.toml", "lifecycle = 3", "lifecycle = 3: expected one of describe, instant, clock, or a table of mode"),
        ("c.toml", "[lifecycle]\nspeed = 2", "unknown key 'lifecycle.speed'; accepted: lifecycle.mode"),
        (
            "c.toml",
            "[lifecycle]\ndescribes_per_stage = 0",
            "lifecycle.describes_per_stage = 0: expected a whole number, 1 or more",
        ),
        (
            "c.toml",
            "[lifecycle]\nseconds_per_stage = -1",
            "lifecycle.seconds_per_stage = -1: expected a positive number",
        ),
        ("c.toml", "[lifecycle]\nclock = 'fast'", 'lifecycle.clock = "fast": choose wall (the default) or manual'),
        (
            "c.toml",
            "[lifecycle]\nmode = 'instant'\nclock = 'manual'",
            'lifecycle.clock = "manual" drives the clock mode',
        ),
        ("c.toml", "quotas = 3", "quotas = 3: expected a table of TYPE = N"),
        ("c.toml", "[quotas]\nFilter = -1", "quotas.Filter: 'Filter=-1': '-1' is not a whole number"),
        ("c.toml", "[quotas]\nFilters = 1", "quotas.Filters: 'Filters=1': 'Filters' is not a resource type"),
        ("c.toml", "[quotas]\nFilter = true", 'quotas.Filter = true: expected a whole number, 0 or more, or "none"'),
        ("c.toml", "[[campaigns]]\nrecipe = 'x'", "campaigns[0].name: expected a non-empty string, not null"),
        (
            "c.toml",
            "[[campaigns]]\nname = 'x'\nresults = [{items = 'i1'}]",
            "campaigns[0].results[0].items: expected a list of strings",
        ),
        ("c.toml", "[[campaigns]]\nname = 'x'\nrecipe = 'aws-nothing'", "campaigns 'x': "),
        (
            "c.toml",
            "[[recommenders]]\nname = 'x'\nuse_case = 'nope'",
            "recommenders 'x': deploy_recommender(use_case='nope'): not a use case",
        ),
        ("c.toml", "[[campaigns]]\nname = 'x'\nresults = [{items = ['']}]", "campaigns 'x': declare("),
    ],
)
def test_a_bad_config_is_a_usage_error_naming_the_key(
    tmp_path: Path, name: str, text: str | None, message: str
) -> None:
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "serve", "--config", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: ")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--region", "moon-1"], '--region = "moon-1": expected an AWS region name'),
        (["--account", "42"], '--account = "42": expected an account id'),
        (["--manual-clock", "--lifecycle", "instant"], "--manual-clock drives the clock lifecycle, not --lifecycle"),
    ],
)
def test_bad_region_or_account_options_are_usage_errors(arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_personalize", "serve", *arguments], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# --- serve on a port already in use ----------------------------------------------------------------


def test_serve_on_a_taken_port_says_nothing_of_ours_listens_there() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        result = subprocess.run(
            [sys.executable, "-m", "pytest_personalize", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert result.stdout == ""  # no banner: nothing suggests it serves
    message = result.stderr
    assert (
        f"cannot listen on 127.0.0.1:{port}: the port is already in use, so nothing of ours is listening on {port}"
        in message
    )
    assert f"requests to http://127.0.0.1:{port} reach whatever program holds it" in message
    assert "--port 0 for a free one" in message
    assert "Traceback" not in message


def test_serve_warns_of_a_program_on_the_same_port_of_ipv6_loopback() -> None:
    try:
        holder = socket.socket(socket.AF_INET6)
        holder.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with holder:
        holder.listen()
        port = holder.getsockname()[1]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                pytest.skip(f"127.0.0.1:{port} is taken too")
        with Serving("--port", str(port), "-q") as serving:
            assert serving.url == f"http://127.0.0.1:{port}"
            serving.process.send_signal(signal.SIGINT)
            _, err = serving.process.communicate(timeout=TIMEOUT)

    assert f"pytest-personalize: warning: another program listens on [::1]:{port}" in err
    assert f"give clients http://127.0.0.1:{port}" in err


def test_serve_alone_on_its_port_gives_no_warning() -> None:
    with Serving("-q") as serving:
        serving.process.send_signal(signal.SIGINT)
        _, err = serving.process.communicate(timeout=TIMEOUT)

    assert "warning" not in err
