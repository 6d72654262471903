"""Record and replay where real suites live: threads sharing a client, other HTTP in the same test,
pytest-recording beside us, the runtime and events APIs, and a machine with no AWS setup at all."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from pytest_personalize import PersonalizeServer
from pytest_personalize.recording.file import load
from tests.cassette_helpers import recording_against, replaying_offline

THREADS, CALLS = 8, 75

THREADED_TEST = f"""
import os
import threading

import boto3
import pytest
from pytest_personalize import UnrecordedRequestError

THREADS, CALLS = {THREADS}, {CALLS}


@pytest.mark.personalize_cassette
def test_threads(personalize_cassette):
    client = boto3.client("personalize")  # one client, shared by every thread
    outcomes = {{}}
    misses = []

    def work(t):
        arn = client.create_dataset_group(name=f"t{{t}}")["datasetGroupArn"]
        statuses = [client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] for _ in range(CALLS - 1)]
        outcomes[t] = statuses
        if os.environ.get("NO_NETWORK"):
            for n in range(3):  # never recorded: each must fail at once, and never go out
                try:
                    client.create_dataset_group(name=f"unrecorded-{{t}}-{{n}}")
                except UnrecordedRequestError as error:
                    misses.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == list(range(THREADS))
    assert all(statuses[0] == "CREATE PENDING" and statuses[-1] == "ACTIVE" for statuses in outcomes.values())
    if os.environ.get("NO_NETWORK"):
        assert len(misses) == THREADS * 3
        # Once each: a miss retried by botocore would be asked (and logged) four times.
        assert len(personalize_cassette.failures) == THREADS * 3
        assert personalize_cassette.play_count == THREADS * CALLS
        personalize_cassette.failures.clear()  # the misses were this test's point
"""


def test_eight_threads_record_every_interaction_and_replay_without_a_socket_or_a_lookup(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=THREADED_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    assert len(server.backend.calls) == THREADS * CALLS
    cassette = project.path / "cassettes" / "test_app" / "test_threads.yaml"
    assert len(load(cassette)) == THREADS * CALLS  # not one lost

    server.stop()
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=1)


def test_a_miss_fails_once_under_its_own_type_in_either_retry_mode(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest
        from botocore.exceptions import HTTPClientError
        from pytest_personalize import UnrecordedRequestError


        @pytest.mark.personalize_cassette
        @pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
        def test_miss(mode, monkeypatch, personalize_cassette):
            monkeypatch.setenv("AWS_RETRY_MODE", mode)
            with pytest.raises(UnrecordedRequestError) as caught:
                boto3.client("personalize").list_dataset_groups()
            assert not isinstance(caught.value, HTTPClientError)
            assert len(personalize_cassette.failures) == 1
            personalize_cassette.failures.clear()
        """
    )
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=3)


def test_a_missing_cassette_with_no_region_anywhere_says_how_to_record_it(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_list():
            boto3.client("personalize").list_dataset_groups()
        """
    )
    replaying_offline(monkeypatch)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ListDatasetGroups can't be replayed: cassette *test_list.yaml doesn't exist*"])
    result.stdout.no_fnmatch_line("*NoRegionError*")


def test_replay_with_no_region_anywhere_uses_the_recorded_one(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_list():
            client = boto3.client("personalize")
            assert client.meta.region_name == "eu-west-1"
            client.list_dataset_groups()
        """
    )
    recording_against(monkeypatch, server)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    project.runpytest("--personalize-region=us-west-2").assert_outcomes(passed=1)


def test_the_readme_rerecord_command_works_on_a_machine_with_no_aws_setup(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the README writes it: the endpoint and the record mode, nothing else.
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_list():
            boto3.client("personalize").list_dataset_groups()
        """
    )
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(project.path))  # no ~/.aws
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", server.endpoint_url)
    project.runpytest("--personalize-record-mode=all").assert_outcomes(passed=1)
    assert len(server.backend.calls) == 1
    assert len(load(project.path / "cassettes" / "test_app" / "test_list.yaml")) == 1


class _OtherService(http.server.BaseHTTPRequestHandler):
    """A loopback HTTP service that isn't Personalize: it answers with a count of its requests."""

    requests = 0

    def do_GET(self) -> None:
        type(self).requests += 1
        body = json.dumps({"served": type(self).requests}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_service() -> Iterator[str]:
    _OtherService.requests = 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OtherService)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/status"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


OTHER_HTTP_TEST = """
import json
import os
import urllib.request

import boto3
import pytest


@pytest.mark.personalize_cassette
def test_both():
    boto3.client("personalize").list_dataset_groups()
    with urllib.request.urlopen(os.environ["OTHER_URL"]) as response:
        assert json.load(response)["served"] >= 1
"""


def test_other_http_passes_through_and_stays_out_of_the_cassette(
    project: pytest.Pytester, server: PersonalizeServer, other_service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=OTHER_HTTP_TEST)
    monkeypatch.setenv("OTHER_URL", other_service)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_app" / "test_both.yaml"
    assert [request.path for request, _ in load(cassette)] == ["/"]
    assert "/status" not in cassette.read_text()
    assert _OtherService.requests == 1

    # Replaying, the Personalize call comes from the cassette and the other request still goes out.
    server.stop()
    for name in ("AWS_ENDPOINT_URL_PERSONALIZE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    project.runpytest().assert_outcomes(passed=1)
    assert _OtherService.requests == 2


def _plain_vcrpy_patches_this_urllib3() -> bool:
    # vcrpy before 6.0.2 can't stand in for urllib3 2.3+'s responses (version_string): there
    # pytest-recording itself fails on any urllib3 traffic, ours or not.
    from vcr.stubs import VCRHTTPResponse

    return "version_string" in VCRHTTPResponse.__init__.__code__.co_names


@pytest.mark.skipif(
    not _plain_vcrpy_patches_this_urllib3(), reason="this vcrpy can't patch this urllib3 (pytest-recording fails alone)"
)
def test_pytest_recordings_vcr_marker_and_the_personalize_cassette_in_one_test(
    project: pytest.Pytester, server: PersonalizeServer, other_service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a folder of tests, as a project lays them out: pytest-recording keeps
    # suite/cassettes/<module>/, we keep cassettes/suite/<module>/ at the rootdir.
    project.mkdir("suite")
    both = OTHER_HTTP_TEST.replace(
        "@pytest.mark.personalize_cassette", "@pytest.mark.vcr\n@pytest.mark.personalize_cassette"
    )
    (project.path / "suite" / "test_app.py").write_text(both)
    monkeypatch.setenv("OTHER_URL", other_service)
    recording_against(monkeypatch, server)
    result = project.runpytest("-p", "recording", "--record-mode=once", "--personalize-record-mode=once")
    result.assert_outcomes(passed=1)
    ours = project.path / "cassettes" / "suite" / "test_app" / "test_both.yaml"
    assert "/status" not in ours.read_text()
    assert [request.path for request, _ in load(ours)] == ["/"]
    theirs = project.path / "suite" / "cassettes" / "test_app" / "test_both.yaml"
    assert "/status" in theirs.read_text()

    # Both replay with every server gone and the network refused.
    server.stop()
    requests_before = _OtherService.requests
    replaying_offline(monkeypatch)
    project.runpytest("-p", "recording", "--record-mode=none").assert_outcomes(passed=1)
    assert _OtherService.requests == requests_before


class _RestJson(http.server.BaseHTTPRequestHandler):
    """A loopback stand-in for the runtime and events endpoints (REST-JSON, as the service speaks)."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path == "/recommendations":
            answer = {"itemList": [{"itemId": f"for-{body['userId']}"}], "recommendationId": "rid-1"}
        else:
            answer = {}
        encoded = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_runtime_and_events_calls_record_and_replay_matched_on_path_and_body(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import datetime
        import os

        import boto3
        import pytest

        CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop"


        @pytest.mark.personalize_cassette
        def test_recommend_then_track():
            runtime = boto3.client("personalize-runtime")
            events = boto3.client("personalize-events")
            user = os.environ.get("USER_ID", "u1")
            items = runtime.get_recommendations(campaignArn=CAMPAIGN, userId=user, numResults=3)["itemList"]
            assert items == [{"itemId": f"for-{user}"}]
            events.put_events(
                trackingId="tracking-1",
                sessionId="session-1",
                eventList=[{"eventType": "click", "itemId": items[0]["itemId"], "sentAt": datetime.datetime(2024, 1, 1)}],
            )
        """
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RestJson)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{httpd.server_address[1]}"
        monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME", endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE_EVENTS", endpoint)
        project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
    cassette = project.path / "cassettes" / "test_app" / "test_recommend_then_track.yaml"
    assert [(r.method, r.path) for r, _ in load(cassette)] == [("POST", "/recommendations"), ("POST", "/events")]

    replaying_offline(monkeypatch)
    for name in ("AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME", "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS"):
        monkeypatch.delenv(name)
    project.runpytest().assert_outcomes(passed=1)
    # Another user is another request: its body differs as data.
    monkeypatch.setenv("USER_ID", "u2")
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*GetRecommendations (POST /recommendations) has no recorded response*", "*body member 'userId'*"]
    )


def test_a_client_made_at_import_time_records_and_replays_too(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest

        # Made while the module is collected, before any cassette exists.
        CLIENT = boto3.client("personalize", endpoint_url=os.environ["ENDPOINT"])


        @pytest.mark.personalize_cassette
        def test_module_client():
            assert CLIENT.list_dataset_groups()["datasetGroups"] == []
        """
    )
    recording_against(monkeypatch, server)
    monkeypatch.setenv("ENDPOINT", server.endpoint_url)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    assert len(server.backend.calls) == 1
    server.stop()
    monkeypatch.setenv("NO_NETWORK", "1")  # the probe refuses every socket and lookup
    project.runpytest().assert_outcomes(passed=1)
