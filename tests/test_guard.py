"""No Personalize request leaves the machine unless the test records (SECURITY.md's promise of that name).

Attacked the downstream way: the code under test builds its own clients -- at import time, in
another thread, unsigned, with its own ``endpoint_url`` -- while every socket connection and
name lookup of the inner run, loopback included, is refused and written to a log the test reads
(so an attempt the code swallowed still shows).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# Imported before any pytester run: see tests/test_cassette.py.
import boto3  # noqa: F401
import pytest

import pytest_personalize.recording.cassette  # noqa: F401
from pytest_personalize import Backend, PersonalizeServer
from pytest_personalize.recording.file import load

pytest_plugins = ["pytester"]

# From the moment the inner run is configured (so collection too), while NO_NETWORK names a log:
# every connection and name lookup is refused, and written to that log first.
NO_NETWORK_CONFTEST = """
import os
import socket
import sys

_saved = {}


def pytest_configure(config):
    # Each inner run stands for a process of its own. botocore isn't imported here: in a process
    # of its own, the test module imports it first, while it is collected.
    if "boto3" in sys.modules:
        sys.modules["boto3"].DEFAULT_SESSION = None
    log = os.environ.get("NO_NETWORK")
    if not log:
        return

    def refused(what):
        def attempt(*args, **kwargs):
            with open(log, "a") as stream:
                stream.write(f"{what}{args[:2]!r}\\n")
            raise AssertionError(f"tried {what}")
        return attempt

    for owner, name in ((socket, "getaddrinfo"), (socket, "create_connection"), (socket.socket, "connect"),
                        (socket.socket, "connect_ex")):
        _saved[owner, name] = getattr(owner, name)
        setattr(owner, name, refused(name))


def pytest_unconfigure(config):
    for (owner, name), value in _saved.items():
        setattr(owner, name, value)
    _saved.clear()
"""


@pytest.fixture
def attempts(tmp_path: Path) -> Path:
    """The log the inner run writes each refused connection or lookup to."""
    return tmp_path / "network-attempts.log"


def attempted(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(NO_NETWORK_CONFTEST)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_PERSONALIZE",
        "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME",
        "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS",
        "NO_NETWORK",
    ):
        monkeypatch.delenv(name, raising=False)
    # Credentials a machine might have: the stubber's refusal must come before they are used.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "FAKEFAKEGUARD001")  # fake
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fakeGuardSecret/NotReal+ForTests00000000")  # fake
    return pytester


@pytest.fixture
def server() -> Iterator[PersonalizeServer]:
    with PersonalizeServer(Backend(dataset_group_quota=1000)) as running:
        yield running


def offline(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    monkeypatch.setenv("NO_NETWORK", str(log))


# --- stubber-only tests ---------------------------------------------------------------------

STUBBER_TESTS = """
import threading

import boto3
import botocore
import pytest
from botocore.config import Config
from pytest_personalize import UnattachedClientError


def own_client(service="personalize", **options):
    return boto3.client(service, region_name="us-east-1", **options)


def test_own_client(personalize_stubber):
    with pytest.raises(UnattachedClientError) as stopped:
        own_client().list_dataset_groups()
    message = str(stopped.value)
    assert "ListDatasetGroups" in message
    for fixture in ("personalize_stubber", "personalize_client", "personalize_fake", "personalize_cassette"):
        assert fixture in message


def test_runtime(personalize_runtime_stubber):
    with pytest.raises(UnattachedClientError, match="personalize_runtime_client"):
        own_client("personalize-runtime").get_recommendations(campaignArn="arn:aws:personalize:us-east-1:000000000000:campaign/c", userId="u")


def test_events(personalize_events_stubber):
    with pytest.raises(UnattachedClientError, match="personalize_events_client"):
        own_client("personalize-events").put_events(trackingId="t", sessionId="s", eventList=[{"eventType": "click", "sentAt": 1}])


def test_own_endpoint_and_unsigned(personalize_stubber):
    unsigned = Config(signature_version=botocore.UNSIGNED)
    for client in (own_client(endpoint_url="https://personalize.example.test"), own_client(config=unsigned)):
        with pytest.raises(UnattachedClientError):
            client.list_dataset_groups()


def test_another_thread(personalize_stubber):
    errors = []

    def work():
        try:
            own_client().list_dataset_groups()
        except Exception as error:
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert [type(error).__name__ for error in errors] == ["UnattachedClientError"]


def test_swallowed(personalize_stubber):
    try:
        own_client().list_dataset_groups()
    except Exception:
        pass  # the code under test carries on


def test_the_stubbed_client_still_answers(personalize_stubber, personalize_client):
    personalize_stubber.add_response("list_dataset_groups")
    assert personalize_client.list_dataset_groups()["datasetGroups"] == []
"""


def test_a_stubber_only_test_stops_every_other_clients_request_before_any_socket(
    project: pytest.Pytester, attempts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=STUBBER_TESTS)
    offline(monkeypatch, attempts)

    result = project.runpytest("-p", "no:randomly")

    # Each test passes its call; the ones whose requests were stopped fail at teardown.
    result.assert_outcomes(passed=7, errors=6)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_swallowed*", "*stopped before they left the machine*"])
    assert "ERROR at teardown of test_the_stubbed_client_still_answers" not in result.stdout.str()
    assert attempted(attempts) == []


def test_a_stubber_beside_a_recording_cassette_lets_the_recording_through(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app=f"""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_both(personalize_stubber):
            client = boto3.client("personalize", endpoint_url={server.endpoint_url!r})
            assert client.list_dataset_groups()["datasetGroups"] == []
        """
    )
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    assert len(server.backend.calls) == 1


# --- the session-wide guard -----------------------------------------------------------------

GUARDED_TESTS = """
import boto3
import pytest
from pytest_personalize import UnattachedClientError


def test_no_fixture():
    with pytest.raises(UnattachedClientError, match="personalize_guard"):
        boto3.client("personalize").list_dataset_groups()


def test_no_fixture_swallowed():
    try:
        boto3.client("personalize-runtime").get_recommendations(campaignArn="arn:aws:personalize:us-east-1:000000000000:campaign/c", userId="u")
    except Exception:
        pass


def test_with_the_fake(personalize_fake):
    assert boto3.client("personalize").list_dataset_groups()["datasetGroups"] == []


def test_with_the_server(personalize_server):
    assert boto3.client("personalize").list_dataset_groups()["datasetGroups"] == []


def test_nothing_personalize():
    pass
"""


@pytest.mark.parametrize("switch", ["option", "ini"])
def test_the_session_guard_fails_every_test_whose_personalize_request_no_fixture_answers(
    project: pytest.Pytester, attempts: Path, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    project.makepyfile(test_app=GUARDED_TESTS)
    # The server's own loopback sockets are allowed here; the log shows any other attempt.
    args = ["-p", "no:randomly"]
    if switch == "option":
        args.append("--personalize-guard")
    else:
        project.makeini("[pytest]\npersonalize_guard = true\n")

    result = project.runpytest(*args)

    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_no_fixture *", "*ERROR at teardown of test_no_fixture_swallowed*"]
    )
    result.stdout.no_fnmatch_line("*teardown of test_with_the*")


def test_without_the_session_guard_a_bare_request_is_not_stopped(
    project: pytest.Pytester, attempts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same request, guard off: it reaches the socket layer (refused there by the probe).
    project.makepyfile(
        test_app="""
        import boto3

        def test_no_fixture():
            try:
                boto3.client("personalize").list_dataset_groups()
            except Exception:
                pass
        """
    )
    offline(monkeypatch, attempts)
    project.runpytest().assert_outcomes(passed=1)
    assert attempted(attempts) != []


def test_the_session_guard_stops_a_request_made_while_collecting_before_any_socket(
    project: pytest.Pytester, attempts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3

        GROUPS = boto3.client("personalize").list_dataset_groups()


        def test_never_runs():
            pass
        """
    )
    offline(monkeypatch, attempts)
    result = project.runpytest("--personalize-guard")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UnattachedClientError*ListDatasetGroups*"])
    assert attempted(attempts) == []


def test_the_session_guard_lets_a_recording_through(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_recorded():
            client = boto3.client("personalize", endpoint_url=os.environ["RECORD_URL"])
            assert client.list_dataset_groups()["datasetGroups"] == []
        """
    )
    # A recording against the loopback server, then one whose endpoint isn't loopback.
    monkeypatch.setenv("RECORD_URL", server.endpoint_url)
    project.runpytest("--personalize-guard", "--personalize-record-mode=once").assert_outcomes(passed=1)
    assert len(server.backend.calls) == 1


# --- unsigned clients under a cassette --------------------------------------------------------

UNSIGNED_TEST = """
import os

import boto3
import botocore
import pytest
from botocore.config import Config


@pytest.mark.personalize_cassette
def test_unsigned():
    options = {"endpoint_url": os.environ["ENDPOINT"]} if os.environ.get("ENDPOINT") else {}
    client = boto3.client("personalize", config=Config(signature_version=botocore.UNSIGNED), **options)
    assert client.create_dataset_group(name="shop")["datasetGroupArn"].endswith(":dataset-group/shop")
"""


def test_an_unsigned_client_with_its_own_endpoint_replays_without_a_lookup_or_a_connection(
    project: pytest.Pytester, server: PersonalizeServer, attempts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=UNSIGNED_TEST)
    monkeypatch.setenv("ENDPOINT", server.endpoint_url)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    # The recording names a host the replay would have to look up, were it not answered first.
    path = project.path / "cassettes" / "test_app" / "test_unsigned.yaml"
    host = server.endpoint_url.split("//", 1)[1]
    path.write_text(path.read_text().replace(host, "personalize.example.test"))
    assert [request.host for request, _ in load(path)] == ["personalize.example.test"]
    server.stop()

    monkeypatch.setenv("ENDPOINT", "http://personalize.example.test")
    offline(monkeypatch, attempts)
    project.runpytest().assert_outcomes(passed=1)
    assert attempted(attempts) == []


def test_an_unsigned_client_with_the_default_endpoint_replays_from_the_cassette_not_the_live_server(
    project: pytest.Pytester, server: PersonalizeServer, attempts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=UNSIGNED_TEST)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", server.endpoint_url)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    assert len(server.backend.calls) == 1

    # The server still listens, on the recorded URL: the replay must not reach it, nor look it up.
    monkeypatch.delenv("AWS_ENDPOINT_URL_PERSONALIZE")
    offline(monkeypatch, attempts)
    project.runpytest().assert_outcomes(passed=1)
    assert len(server.backend.calls) == 1
    assert attempted(attempts) == []


# --- a client made at import time, on a machine with no credentials -----------------------------


def test_a_client_made_at_import_time_asks_no_metadata_service_and_replays_without_credentials(
    project: pytest.Pytester, server: PersonalizeServer, attempts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest

        # Made while the module is collected: botocore resolves its credentials now.
        CLIENT = boto3.client("personalize", endpoint_url=os.environ["ENDPOINT"])


        @pytest.mark.personalize_cassette
        def test_module_client():
            assert CLIENT.list_dataset_groups()["datasetGroups"] == []
        """
    )
    monkeypatch.setenv("ENDPOINT", server.endpoint_url)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    server.stop()

    # No credentials anywhere: no variables, no files, no profile; metadata service not disabled.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(project.path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(project.path / "no-config"))
    offline(monkeypatch, attempts)
    # A process of its own: botocore is first imported by the test module, while it is collected.
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:recording")
    result.assert_outcomes(passed=1)
    assert attempted(attempts) == []


def test_a_recording_run_still_resolves_credentials_as_botocore_does(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine's credentials sign an import-time client's recording, and are scrubbed from it.
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest

        CLIENT = boto3.client("personalize", endpoint_url=os.environ["ENDPOINT"])


        @pytest.mark.personalize_cassette
        def test_module_client():
            assert CLIENT._request_signer._credentials.access_key == os.environ["AWS_ACCESS_KEY_ID"]
            assert CLIENT.list_dataset_groups()["datasetGroups"] == []
        """
    )
    monkeypatch.setenv("ENDPOINT", server.endpoint_url)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    text = (project.path / "cassettes" / "test_app" / "test_module_client.yaml").read_text()
    assert "FAKEFAKEGUARD001" not in text


def test_after_import_runs_its_callback_once_the_module_body_ran_and_never_imports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from pytest_personalize.seams.patching import after_import

    (tmp_path / "guard_probe_module.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[int] = []
    undo = after_import("guard_probe_module", lambda module: seen.append(module.VALUE))
    try:
        assert "guard_probe_module" not in sys.modules and seen == []
        import guard_probe_module  # type: ignore[import-not-found]

        assert seen == [1] and guard_probe_module.VALUE == 1
    finally:
        undo()
        sys.modules.pop("guard_probe_module", None)
    assert not any(type(finder).__name__ == "_AfterImport" for finder in sys.meta_path)
