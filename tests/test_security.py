"""The plugin's security promises, attacked (SECURITY.md).

- Credentials never reach a cassette: recorded with known fake credentials from each kind of
  source, with the credentials also planted in request data, in error responses and in
  retried requests, no trace of them is left in any encoding -- judged by an oracle written
  here, independent of the scrubber's own rules.
- Replay opens no connection: the whole suite runs under ``tests/network_guard.py`` (see
  ``tests/conftest.py``), the examples' suite runs under it in its own process
  (``tests/test_examples.py``), and the guard itself is shown to refuse before any connection
  or name lookup is made.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

# Imported before any pytester run: see tests/cassette_helpers.py.
import boto3
import pytest
import yaml

import pytest_personalize.recording.cassette  # noqa: F401
from pytest_personalize import PersonalizeServer
from tests import network_guard
from tests.cassette_helpers import cassette_files

TESTS = Path(__file__).resolve().parent
EXAMPLES = TESTS.parent / "examples"

# Every credential below is FAKE: made-up values in the realistic formats, never real keys.
# Each source gets its own values, so a leak names the source that leaked.
CREDENTIAL_SOURCES: dict[str, dict[str, str]] = {
    "static-environment": {
        "key_id": "AKIA" + "FAKEFAKEFAKE0011",  # fake
        "secret": "fakeSecretKey/NotReal+ForTests1111111111",  # fake, 40 characters
        "token": "FwoGZXIvYXdzEFakeStaticToken/ForTests+Only1111111111==",  # fake
        "method": "env",
    },
    # What an assumed role hands a CI job: an ASIA key id with a session token, in the environment.
    "assumed-role-environment": {
        "key_id": "ASIA" + "FAKEFAKEFAKE0022",  # fake
        "secret": "fakeRoleSecret/NotReal+ForTests222222222",  # fake, 40 characters
        "token": "IQoJb3JpZ2luX2VjEFakeRoleSessionToken/ForTests+Only2222222222=",  # fake
        "method": "env",
    },
    "shared-credentials-file": {
        "key_id": "ASIA" + "FAKEFAKEFAKE0033",  # fake
        "secret": "fakeFileSecret/NotReal+ForTests333333333",  # fake, 40 characters
        "token": "FwoGZXIvYXdzEFakeProfileToken/ForTests+Only3333333333",  # fake
        "method": "shared-credentials-file",
    },
    # A refreshable session-token source (as SSO or an assumed-role helper would be).
    "credential-process": {
        "key_id": "ASIA" + "FAKEFAKEFAKE0044",  # fake
        "secret": "fakeProcSecret/NotReal+ForTests444444444",  # fake, 40 characters
        "token": "IQoJb3JpZ2luX2VjEFakeProcessToken/ForTests+Only4444444444==",  # fake
        "method": "custom-process",
    },
    "client-arguments": {
        "key_id": "AKIA" + "FAKEFAKEFAKE0055",  # fake
        "secret": "fakeArgsSecret/NotReal+ForTests555555555",  # fake, 40 characters
        "token": "FwoGZXIvYXdzEFakeArgumentToken/ForTests+Only5555555555",  # fake
        "method": "explicit",
    },
}
_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

INNER_CONFTEST = """
import types

import boto3
import botocore.endpoint
import pytest


@pytest.fixture(autouse=True)
def _fresh_process_and_no_retry_sleep(monkeypatch):
    boto3.DEFAULT_SESSION = None  # each pytester run stands for a separate process
    # botocore's back-off between retries, skipped: the retried requests are what matter.
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda seconds: None))
"""

# The code under test puts the credentials everywhere it can: plain and base64 (at each
# alignment) in tag values echoed back by ListTagsForResource, URL-encoded in a name the
# service rejects and echoes in its error message. The server adds its own: the credentials in
# the messages of throttling (retried), an internal failure (retried) and a not-found error.
LEAKY_TEST = """
import base64
from urllib.parse import quote

import boto3
import pytest
from botocore.exceptions import ClientError

KEY_ID, SECRET, TOKEN, METHOD = {key_id!r}, {secret!r}, {token!r}, {method!r}


def b64(prefix, value):
    return base64.b64encode(prefix.encode() + value.encode()).decode()


@pytest.mark.personalize_cassette
def test_credentials_everywhere():
    if METHOD == "explicit":
        client = boto3.client(
            "personalize", aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
        )
    else:
        client = boto3.client("personalize")
    # The credentials were the source's under test.
    if METHOD != "explicit":
        assert boto3.Session().get_credentials().method == METHOD
    used = client._request_signer._credentials.get_frozen_credentials()
    assert (used.access_key, used.secret_key, used.token) == (KEY_ID, SECRET, TOKEN)

    # Throttled twice (the messages carry the credentials), then answered: three requests.
    assert client.list_dataset_groups()["ResponseMetadata"]["RetryAttempts"] == 2

    tags = [{{"tagKey": "plain-secret", "tagValue": SECRET}}, {{"tagKey": "plain-token", "tagValue": TOKEN}}]
    tags += [{{"tagKey": "key-id", "tagValue": KEY_ID}}]
    for name, value in (("secret", SECRET), ("token", TOKEN), ("key", KEY_ID)):
        for offset in range(3):
            tags.append({{"tagKey": f"b64-{{name}}-{{offset}}", "tagValue": b64("x" * offset, value)}})
    created = client.create_dataset_group(name="shop", tags=tags)  # an internal failure first, retried
    assert created["ResponseMetadata"]["RetryAttempts"] == 1
    echoed = client.list_tags_for_resource(resourceArn=created["datasetGroupArn"])["tags"]
    assert len(echoed) == len(tags)

    with pytest.raises(ClientError) as raised:
        client.describe_dataset_group(datasetGroupArn=created["datasetGroupArn"])
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"

    for value in (SECRET, "key/" + KEY_ID):  # whole: a truncated secret is not recognised (SECURITY.md)
        assert len(quote(value, safe="")) <= 63
        with pytest.raises(ClientError) as raised:
            client.create_dataset_group(name=quote(value, safe=""))
        assert raised.value.response["Error"]["Code"] == "InvalidInputException"
"""


def _b64(prefix: bytes, value: str) -> str:
    return base64.b64encode(prefix + value.encode()).decode()


def _source_environment(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, credentials: dict[str, str]
) -> None:
    """The credentials where ``source`` keeps them; nothing from the machine running the tests."""
    for name in (*_CREDENTIAL_VARIABLES, "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    config, shared = project.path / "aws-config", project.path / "aws-credentials"
    config.write_text("")
    shared.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    key_id, secret, token = credentials["key_id"], credentials["secret"], credentials["token"]
    if source in ("static-environment", "assumed-role-environment"):
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        monkeypatch.setenv("AWS_SESSION_TOKEN", token)
        if source == "assumed-role-environment":
            monkeypatch.setenv("AWS_SECURITY_TOKEN", token)  # the legacy name some role helpers still set
    elif source == "shared-credentials-file":
        shared.write_text(
            f"[fake-profile]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
            f"aws_session_token = {token}\n"
        )
        monkeypatch.setenv("AWS_PROFILE", "fake-profile")
    elif source == "credential-process":
        helper = project.path / "fake_credentials.py"
        document = {
            "Version": 1,
            "AccessKeyId": key_id,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "Expiration": "2999-01-01T00:00:00Z",
        }
        helper.write_text(f"import json\nprint(json.dumps({document!r}))\n")
        config.write_text(f"[profile fake-process]\ncredential_process = {sys.executable} {helper}\n")
        monkeypatch.setenv("AWS_PROFILE", "fake-process")


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif node is not None:
        yield str(node)


def _base64_cores(value: str) -> set[str]:
    """The base64 characters that depend on ``value`` alone, at each of the three alignments."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + value.encode()).decode()
        cores.add(encoded[-(-8 * offset // 6) : 8 * (offset + len(value)) // 6])
    return cores


def _views(text: str) -> Iterator[str]:
    """The text as written, URL-decoded, and every base64 run decoded at every alignment."""
    yield text
    yield unquote(text)
    yield unquote_plus(text)
    for run in re.findall(r"[A-Za-z0-9+/]{16,}", text):
        for start in range(4):
            chunk = run[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            decoded = base64.b64decode(chunk).decode("latin-1")
            yield decoded
            yield unquote(decoded)


def traces(secret: str, text: str, window: int = 12) -> list[str]:
    """Where any 12 consecutive characters of ``secret`` (in any of its encodings) show in ``text``."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
    forms |= {form.replace("/", "\\/") for form in list(forms)}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in list(forms)}
    forms |= _base64_cores(secret)
    pieces = {form[i : i + window] for form in forms for i in range(len(form) - window + 1)}
    found = []
    for number, view in enumerate(_views(text)):
        found.extend(f"view {number}: {piece!r}" for piece in sorted(pieces) if piece in view)
    return found


def assert_no_trace(cassettes: list[Path], secrets: dict[str, str]) -> None:
    assert cassettes, "nothing was recorded"
    for path in cassettes:
        raw = path.read_text(encoding="utf-8")
        # The file as written, and every string YAML reads from it (folded or escaped lines joined).
        parsed = "\n".join(_strings(yaml.safe_load(raw)))
        for what, secret in secrets.items():
            for text in (raw, parsed):
                leaks = traces(secret, text)
                assert not leaks, f"{path.name}: the fake {what} left a trace: {leaks[:5]}"


@pytest.mark.parametrize("source", sorted(CREDENTIAL_SOURCES))
def test_no_trace_of_any_credential_in_any_cassette(
    pytester: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    credentials = CREDENTIAL_SOURCES[source]
    key_id, secret, token = credentials["key_id"], credentials["secret"], credentials["token"]
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_app=LEAKY_TEST.format(**credentials))
    _source_environment(pytester, monkeypatch, source, credentials)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", server.endpoint_url)
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")

    backend = server.backend
    backend.fail_next(
        "ListDatasetGroups", "ThrottlingException", times=2, message=f"Rate exceeded for {key_id}, token {token}"
    )
    backend.fail_next(
        "CreateDatasetGroup",
        "InternalFailure",
        message=f"failed: {secret} {_b64(b'x', secret)} {_b64(b'xx', token)} {quote(token, safe='')}",
    )
    backend.fail_next(
        "DescribeDatasetGroup",
        "ResourceNotFoundException",
        message=f"no group for {quote_plus(key_id)}:{_b64(b'', secret)}:{_b64(b'x', key_id)}",
    )

    pytester.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)

    cassettes = cassette_files(pytester)
    written = "\n".join(path.read_text() for path in cassettes)
    # The adversarial traffic was recorded, not skipped: retries, errors and echoes are all there.
    assert written.count("AmazonPersonalize.ListDatasetGroups") == 3
    assert written.count("AmazonPersonalize.CreateDatasetGroup") == 4  # retried once, then two rejected
    assert written.count('"__type": "ThrottlingException"') == 2
    for code in ("InternalFailure", "ResourceNotFoundException", "InvalidInputException"):
        assert f'"__type": "{code}"' in written
    assert "SCRUBBED" in written

    assert_no_trace(cassettes, {"access key id": key_id, "secret key": secret, "session token": token})

    from pytest_personalize.recording.check import check_paths

    report = check_paths([pytester.path / "cassettes"])
    assert report.clean, report.render()


@pytest.mark.parametrize("offset", range(3))
def test_the_oracle_finds_each_encoding_it_looks_for(offset: int) -> None:
    # The leak oracle must itself work: it finds each encoding a scrubber could miss.
    secret = CREDENTIAL_SOURCES["static-environment"]["secret"]
    for planted in (
        secret,
        quote(secret, safe=""),
        quote(secret, safe="").lower(),
        _b64(b"y" * offset, secret),
        f"prefix {_b64(b'z' * offset, 'a ' + secret + ' b')} suffix",
        secret[3:18],
        json.dumps({"value": secret}).replace("/", "\\/"),
    ):
        assert traces(secret, f"body: |\n  {planted}\n"), planted
    assert not traces(secret, "Credential=SCRUBBED/20240101/us-east-1/personalize/aws4_request")


# --- no network in replay ---------------------------------------------------------------------


def test_this_suite_runs_under_the_network_guard() -> None:
    # tests/conftest.py's session fixture: every test here, the cassette replay tests included
    # (pytester runs them in this process), can reach loopback only.
    assert network_guard.installed()


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Under the guard, instead of the real socket functions: they note what reached them and
    never connect or resolve anything, so a guard that failed to refuse still sends no traffic."""
    reached: list[str] = []

    def spy(name: str) -> Any:
        def reached_socket_layer(*args: Any, **kwargs: Any) -> Any:
            reached.append(f"{name}{args[1:] if name.startswith('socket.socket') else args}")
            raise ConnectionRefusedError(f"spy: {name} reached")

        return reached_socket_layer

    monkeypatch.setattr(socket.socket, "connect", spy("socket.socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", spy("socket.socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", spy("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", spy("socket.getaddrinfo"))
    return reached


def _attempts() -> dict[str, Any]:
    # Documentation-only addresses (RFC 5737, RFC 3849) and a real AWS name: none is ever contacted.
    def with_socket(family: int, method: str, address: Any) -> Any:
        def attempt() -> Any:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                return getattr(sock, method)(address)

        return attempt

    return {
        "connect-ipv4": with_socket(socket.AF_INET, "connect", ("192.0.2.1", 443)),
        "connect_ex-ipv4": with_socket(socket.AF_INET, "connect_ex", ("192.0.2.1", 443)),
        "connect-ipv6": with_socket(socket.AF_INET6, "connect", ("2001:db8::1", 443, 0, 0)),
        "connect-hostname": with_socket(socket.AF_INET, "connect", ("personalize.us-east-1.amazonaws.com", 443)),
        "create_connection": lambda: socket.create_connection(("192.0.2.1", 443), timeout=1),
        "dns-lookup": lambda: socket.getaddrinfo("personalize.us-east-1.amazonaws.com", 443),
    }


@pytest.mark.parametrize("attempt", sorted(_attempts()))
def test_the_guard_refuses_non_loopback_before_anything_is_sent(spies: list[str], attempt: str) -> None:
    with network_guard.loopback_only(), pytest.raises(network_guard.NetworkBlocked, match="only loopback"):
        _attempts()[attempt]()
    assert spies == []  # refused before the socket layer was reached


def test_the_guard_refuses_a_botocore_call_to_aws(
    spies: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # botocore wraps what urllib3 raises; the log shows the refusal whatever the wrapping.
    from botocore.config import Config

    log = tmp_path / "refused.log"
    monkeypatch.setenv(network_guard.LOG_VARIABLE, str(log))
    client = boto3.client(
        "personalize",
        region_name="us-east-1",
        aws_access_key_id="AKIA" + "FAKEFAKEFAKE0066",  # fake
        aws_secret_access_key="fake-secret-never-used",  # fake
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    with network_guard.loopback_only(), pytest.raises(Exception) as raised:
        client.list_dataset_groups()
    assert "only loopback" in str(raised.value) or "only loopback" in repr(raised.value.__context__)
    assert "personalize.us-east-1.amazonaws.com" in log.read_text()
    assert spies == []


def test_the_guard_lets_loopback_through(spies: list[str]) -> None:
    with network_guard.loopback_only():
        for host in ("127.0.0.1", "127.3.4.5", "localhost", "::1"):
            with pytest.raises(ConnectionRefusedError, match="spy"):
                socket.create_connection((host, 9), timeout=1)
    assert [call.split("(")[0] for call in spies] == ["socket.create_connection"] * 4


def test_a_real_loopback_connection_works_under_the_guard() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            accepted, _ = listener.accept()
            with accepted:
                client.sendall(b"ping")
                accepted.settimeout(5)
                assert accepted.recv(4) == b"ping"


# --- cassette files: names stay inside the directory, errors say what is wrong ----------------------


def _linked_out(directory: Path, outside: Path) -> None:
    """A cassette directory with a link to a file and a link to a folder, both outside it."""
    (directory / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "target.yaml").write_text("version: 1\ninteractions: []\ninteraction_count: 0\n")
    (directory / "file.yaml").symlink_to(outside / "target.yaml")
    (directory / "sub" / "folder").symlink_to(outside, target_is_directory=True)
    (directory / "inside.yaml").symlink_to(directory / "sub")  # a link that stays inside is fine


@pytest.mark.parametrize("name", ["file", "sub/folder/target", "sub/folder/new"])
def test_cassette_names_cant_leave_the_cassette_directory_through_a_symbolic_link(tmp_path: Path, name: str) -> None:
    from pytest_personalize.recording.names import CassetteNameError, cassette_path

    directory = tmp_path / "cassettes"
    _linked_out(directory, tmp_path / "outside")
    with pytest.raises(CassetteNameError, match=r"outside the cassette directory.*symbolic link"):
        cassette_path(directory, name)
    assert cassette_path(directory, "inside") == directory / "inside.yaml"
    assert cassette_path(directory, "sub/new") == directory / "sub" / "new.yaml"


def test_a_cassette_directory_that_is_a_link_still_refuses_a_link_out_below_it(tmp_path: Path) -> None:
    from pytest_personalize.recording.names import CassetteNameError, cassette_path

    real = tmp_path / "checkout" / "cassettes"
    _linked_out(real, tmp_path / "outside")
    (real / "deeper").mkdir()
    (real / "deeper" / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
    directory = tmp_path / "cassettes"
    directory.symlink_to(real, target_is_directory=True)  # a shared checkout: the directory may be a link
    assert cassette_path(directory, "sub/new") == directory / "sub" / "new.yaml"
    assert cassette_path(directory, "missing/deeper/new") == directory / "missing" / "deeper" / "new.yaml"
    for name in ("file", "sub/folder/target", "deeper/out/new", "deeper/out/target"):
        with pytest.raises(CassetteNameError, match=r"outside the cassette directory.*symbolic link"):
            cassette_path(directory, name)


@pytest.mark.parametrize("mode", ["none", "all"])
def test_a_symbolic_link_out_of_the_cassette_directory_is_refused_for_reading_and_writing(
    pytester: pytest.Pytester, mode: str
) -> None:
    _linked_out(pytester.path / "cassettes", pytester.path / "outside")
    before = (pytester.path / "outside" / "target.yaml").read_bytes()
    pytester.makepyfile(
        test_app="""
        import pathlib

        import pytest


        @pytest.mark.personalize_cassette("sub/folder/target")
        def test_named():
            pathlib.Path("body-ran").write_text("yes")
        """
    )
    result = pytester.runpytest(f"--personalize-record-mode={mode}", "-p", "no:hypothesispytest")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*outside the cassette directory*symbolic link*"])
    assert not (pytester.path / "body-ran").exists()
    assert (pytester.path / "outside" / "target.yaml").read_bytes() == before
    assert sorted(p.name for p in (pytester.path / "outside").iterdir()) == ["target.yaml"]


@pytest.mark.parametrize(
    ("count", "said"),
    [("'1'", "'1' (a str)"), ("1.0", "1.0 (a float)"), ("true", "True (a bool)"), ("[1]", "a list")],
)
def test_a_cassette_error_never_contradicts_itself(tmp_path: Path, count: str, said: str) -> None:
    from pytest_personalize.recording.check import check_paths
    from pytest_personalize.recording.file import CassetteFormatError, load

    path = tmp_path / "c.yaml"
    path.write_text(
        "version: 1\ninteractions:\n- request: {method: POST, uri: 'https://personalize.us-east-1.amazonaws.com/'}\n"
        f"  response: {{status: {{code: 200}}}}\ninteraction_count: {count}\n"
    )
    with pytest.raises(CassetteFormatError) as raised:
        load(path)
    assert f"its 'interaction_count' is {said}, not a whole number (it holds 1 interaction(s)" in raised.value.problem
    assert "declares" not in raised.value.problem
    [finding] = check_paths([path]).format_errors
    assert finding.kind == raised.value.problem
