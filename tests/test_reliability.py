"""The plugin's reliability promises, attacked (SECURITY.md).

- The loopback server under load: thousands of requests from many threads, none failed, no
  dataset group lost or duplicated, exactly one winner when threads race for one name.
- Malformed and hostile input -- bad JSON, a huge body, an unknown target, a client that
  stalls mid-request -- gets the service's error or a timeout close, while others are served.
- A recording killed mid-write leaves the previous cassette intact and loadable.

Every socket, thread, barrier and subprocess here has a timeout; nothing waits unbounded, and
each test checks it leaves no thread behind. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Imported before any pytester test: pytester drops modules a test imported, and libyaml's C
# loader can't work with a re-imported yaml package (see tests/cassette_helpers.py).
import pytest_personalize.recording.cassette  # noqa: F401
from pytest_personalize import PersonalizeServer

TARGET = "AmazonPersonalize."
SOCKET_TIMEOUT = 20.0  # a safety limit on every socket operation, never a performance claim
LOAD_DEADLINE = 120.0  # the load tests stop by themselves by then, whatever happens


@pytest.fixture(autouse=True)
def _no_threads_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    limit = time.monotonic() + 10
    stray = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in stray:
        thread.join(timeout=max(0.0, limit - time.monotonic()))
    assert not [t for t in stray if t.is_alive()], f"threads left behind: {stray}"


def _port(server: PersonalizeServer) -> int:
    return int(server.endpoint_url.rsplit(":", 1)[1])


def call(connection: http.client.HTTPConnection, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One AWS JSON 1.1 request on a keep-alive connection: the status and the decoded answer."""
    connection.request(
        "POST",
        "/",
        body=json.dumps(body).encode(),
        headers={"X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1"},
    )
    response = connection.getresponse()
    answer = json.loads(response.read() or b"{}")
    return response.status, answer


def connect(server: PersonalizeServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", _port(server), timeout=SOCKET_TIMEOUT)


def run_threads(count: int, work: Any) -> list[BaseException]:
    """``work(index)`` on ``count`` threads; every thread joined (bounded), every failure returned."""
    failures: list[BaseException] = []
    lock = threading.Lock()

    def guarded(index: int) -> None:
        try:
            work(index)
        except BaseException as error:
            with lock:
                failures.append(error)

    threads = [threading.Thread(target=guarded, args=(i,), name=f"load-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + LOAD_DEADLINE
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = [thread.name for thread in threads if thread.is_alive()]
    assert not hung, f"threads still running after {LOAD_DEADLINE} s: {hung}"
    return failures


def all_dataset_groups(server: PersonalizeServer) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    connection = connect(server)
    try:
        body: dict[str, Any] = {"maxResults": 100}
        for _ in range(10_000):  # a bound on pages, in case nextToken never ends
            status, page = call(connection, "ListDatasetGroups", body)
            assert status == 200, page
            groups.extend(page["datasetGroups"])
            if not page.get("nextToken"):
                return groups
            body = {"maxResults": 100, "nextToken": page["nextToken"]}
        raise AssertionError("ListDatasetGroups never stopped paginating")
    finally:
        connection.close()


# --- load -------------------------------------------------------------------------------------

THREADS = 8
GROUPS_PER_THREAD = 150  # 8 x (150 creates + 150 describes) = 2,400 requests, then the listing


def test_thousands_of_concurrent_requests_lose_and_duplicate_nothing(server: PersonalizeServer) -> None:
    start = threading.Barrier(THREADS, timeout=SOCKET_TIMEOUT)
    answered: Counter[int] = Counter()
    answered_lock = threading.Lock()
    created: dict[str, str] = {}

    def work(index: int) -> None:
        connection = connect(server)
        statuses: Counter[int] = Counter()
        arns: list[tuple[str, str]] = []
        try:
            start.wait()
            for n in range(GROUPS_PER_THREAD):
                name = f"load-{index}-{n}"
                status, answer = call(connection, "CreateDatasetGroup", {"name": name})
                statuses[status] += 1
                assert status == 200, (name, answer)
                arns.append((name, answer["datasetGroupArn"]))
            for name, arn in arns:
                status, answer = call(connection, "DescribeDatasetGroup", {"datasetGroupArn": arn})
                statuses[status] += 1
                assert status == 200 and answer["datasetGroup"]["name"] == name, answer
        finally:
            connection.close()
            with answered_lock:
                answered.update(statuses)
                created.update(arns)

    assert run_threads(THREADS, work) == []
    assert answered == {200: 2 * THREADS * GROUPS_PER_THREAD}

    listed = all_dataset_groups(server)
    expected = sorted(f"load-{i}-{n}" for i in range(THREADS) for n in range(GROUPS_PER_THREAD))
    assert sorted(group["name"] for group in listed) == expected  # none lost, none duplicated
    assert sorted(group["datasetGroupArn"] for group in listed) == sorted(created.values())
    assert len({group["datasetGroupArn"] for group in listed}) == len(expected)


RACERS = 16
ROUNDS = 25


def test_threads_racing_for_one_name_get_exactly_one_success(server: PersonalizeServer) -> None:
    go = threading.Barrier(RACERS, timeout=SOCKET_TIMEOUT)
    outcomes: dict[int, list[str]] = {round_: [] for round_ in range(ROUNDS)}
    lock = threading.Lock()

    def work(index: int) -> None:
        connection = connect(server)
        try:
            for round_ in range(ROUNDS):
                go.wait()  # all racers send the same create at once
                status, answer = call(connection, "CreateDatasetGroup", {"name": f"contested-{round_}"})
                outcome = "created" if status == 200 else f"{status} {answer.get('__type')}"
                with lock:
                    outcomes[round_].append(outcome)
        finally:
            connection.close()

    failures = run_threads(RACERS, work)
    assert failures == []
    for round_, seen in outcomes.items():
        assert Counter(seen) == {"created": 1, "400 ResourceAlreadyExistsException": RACERS - 1}, (round_, seen)
    names = [group["name"] for group in all_dataset_groups(server)]
    assert sorted(names) == sorted(f"contested-{round_}" for round_ in range(ROUNDS))


# --- malformed input --------------------------------------------------------------------------


def raw_exchange(server: PersonalizeServer, request: bytes) -> bytes:
    """Send ``request`` as is, then read until the server closes or answers in full."""
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=SOCKET_TIMEOUT) as sock:
        # The server may answer early and close: what it said is still readable.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(body) >= length:
                break
        return received


def post(target: str | None, body: bytes, *, length: int | None = None, extra: bytes = b"") -> bytes:
    headers = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
    if target is not None:
        headers += b"X-Amz-Target: " + target.encode() + b"\r\n"
    headers += b"Content-Length: %d\r\n" % (len(body) if length is None else length)
    return headers + extra + b"\r\n" + body


HUGE = 4 * 1024 * 1024  # above the server's 1 MiB limit

MALFORMED: dict[str, tuple[bytes, int, str]] = {
    "bad-json": (post(TARGET + "ListDatasetGroups", b'{"maxResults": 5,'), 400, "SerializationException"),
    "not-utf8": (post(TARGET + "ListDatasetGroups", b"\xff\xfe\x00{"), 400, "SerializationException"),
    "json-not-an-object": (post(TARGET + "ListDatasetGroups", b"[1, 2]"), 400, "SerializationException"),
    "unknown-target": (post(TARGET + "DropAllTables", b"{}"), 400, "UnknownOperationException"),
    "other-service-target": (post("AmazonS3.ListBuckets", b"{}"), 400, "UnknownOperationException"),
    "no-target": (post(None, b"{}"), 400, "UnknownOperationException"),
    # Declared huge, and actually sent: the server refuses without reading it all.
    "huge-body": (post(TARGET + "ListDatasetGroups", b"{" * HUGE), 413, "SerializationException"),
    "huge-declared-length": (post(TARGET + "ListDatasetGroups", b"{}", length=10**12), 413, "SerializationException"),
    "negative-length": (post(TARGET + "ListDatasetGroups", b"", length=-5), 400, "SerializationException"),
    "huge-header": (
        post(TARGET + "ListDatasetGroups", b"{}", extra=b"X-Pad: " + b"a" * 100_000 + b"\r\n"),
        431,
        "SerializationException",
    ),
    "garbage-request-line": (b"\x16\x03\x01\x02\x00 not http at all\r\n\r\n", 400, "SerializationException"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_gets_the_service_error_and_the_server_goes_on(server: PersonalizeServer, case: str) -> None:
    request, status, code = MALFORMED[case]
    answer = raw_exchange(server, request)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split(b" ")[1] == str(status).encode(), answer[:500]
    body = rest.partition(b"\r\n\r\n")[2]
    if code:
        assert json.loads(body)["__type"] == code
    connection = connect(server)
    try:
        assert call(connection, "ListDatasetGroups", {})[0] == 200  # still serving
    finally:
        connection.close()


def test_a_huge_valid_json_body_is_answered_with_a_validation_error(server: PersonalizeServer) -> None:
    connection = connect(server)
    try:
        status, answer = call(connection, "CreateDatasetGroup", {"name": "n" * 900_000})  # under the byte limit
        assert (status, answer["__type"]) == (400, "InvalidInputException")
        assert call(connection, "ListDatasetGroups", {}) == (200, {"datasetGroups": []})  # same connection
    finally:
        connection.close()


# --- stalled clients (slowloris) ---------------------------------------------------------------

STALLS = {
    "body-unfinished": post(TARGET + "CreateDatasetGroup", b'{"name": "sl', length=1000),
    "headers-unfinished": b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n",
    "request-line-unfinished": b"POS",
    "nothing-sent": b"",
}


def _stalled(server: PersonalizeServer, sent: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", _port(server)), timeout=SOCKET_TIMEOUT)
    if sent:
        sock.sendall(sent)
    return sock


def _closed_without_answer(sock: socket.socket) -> bool:
    """Waits (bounded by the socket timeout) for the server to close; True if it said nothing."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def test_stalled_clients_do_not_stop_others_being_served(server: PersonalizeServer) -> None:
    # The default idle timeout (30 s) is far longer than this test: the stalled connections stay
    # open throughout, while other clients are served normally.
    stalled = [_stalled(server, sent) for sent in STALLS.values()]
    try:
        connection = connect(server)
        try:
            for n in range(200):
                assert call(connection, "CreateDatasetGroup", {"name": f"meanwhile-{n}"})[0] == 200
            assert len(all_dataset_groups(server)) == 200
        finally:
            connection.close()
        readable, _, _ = select.select(stalled, [], [], 0)
        assert readable == [], "a stalled connection was answered or closed early"
    finally:
        server.stop()  # stopping with stalled clients still connected neither hangs nor leaks threads
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize("stall", sorted(STALLS))
def test_a_stalled_client_is_closed_after_the_idle_timeout(stall: str) -> None:
    with PersonalizeServer(idle_timeout=0.5) as server:
        with _stalled(server, STALLS[stall]) as sock:
            assert _closed_without_answer(sock)  # within SOCKET_TIMEOUT: the test's safety limit
        connection = connect(server)
        try:
            assert call(connection, "ListDatasetGroups", {})[0] == 200
        finally:
            connection.close()


def test_the_idle_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="idle_timeout=0"):
        PersonalizeServer(idle_timeout=0)


# --- crash safety -----------------------------------------------------------------------------

CRASH_CONFTEST = """
import os
import pathlib
import time
import types

STAGE = os.environ.get("CRASH_STAGE")
MARK = os.environ.get("CRASH_MARK")


def _stall(what):
    pathlib.Path(MARK).write_text(what)
    time.sleep(300)  # the parent SIGKILLs this process long before


if STAGE:
    # Only the cassette writer's view of os changes; the rest of the process is untouched.
    from pytest_personalize.recording import file as _cassette_file

    real = _cassette_file.os

    class HalfWritten:
        def __init__(self, stream):
            self._stream = stream

        def write(self, content):
            self._stream.write(content[: len(content) // 2])
            self._stream.flush()
            os.fsync(self._stream.fileno())
            _stall("mid-write")

        def __getattr__(self, name):
            return getattr(self._stream, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._stream.__exit__(*exc)

    def fdopen(*args, **kwargs):
        return HalfWritten(real.fdopen(*args, **kwargs))

    def replace(source, destination):
        _stall("before-replace")
        real.replace(source, destination)

    patched = {"mid-write": {"fdopen": fdopen}, "before-replace": {"replace": replace}}[STAGE]
    proxy = types.ModuleType("os")
    proxy.__dict__.update(real.__dict__)
    proxy.__dict__.update(patched)
    _cassette_file.os = proxy
"""

CRASH_TEST = """
import os

import boto3
import pytest


@pytest.mark.personalize_cassette
def test_record(personalize_server):
    client = boto3.client("personalize")
    client.create_dataset_group(name="first")
    for n in range(int(os.environ.get("MORE", "0"))):
        client.create_dataset_group(name=f"more-{n}")
    client.list_dataset_groups()
"""


def _pytest_process(project: Path, *args: str, **environment: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTEST_"))}
    env.update(environment, PYTEST_ADDOPTS="-p no:hypothesispytest -p no:cacheprovider -p no:xdist")
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finished(process: subprocess.Popen[str], timeout: float = 120) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate(timeout=30)
        raise AssertionError(f"pytest subprocess did not finish in {timeout} s:\n{output}") from None
    assert process.returncode == 0, output
    return output


def test_a_recording_killed_mid_write_leaves_the_previous_cassette_intact(pytester: pytest.Pytester) -> None:
    from pytest_personalize.recording.cassette import cassette_files
    from pytest_personalize.recording.file import load

    project = pytester.path
    pytester.makeconftest(CRASH_CONFTEST)
    pytester.makepyfile(test_app=CRASH_TEST)
    pytester.makeini("[pytest]\npersonalize_dataset_group_quota = 100\n")
    cassette = project / "cassettes" / "test_app" / "test_record.yaml"

    _finished(_pytest_process(project, "--personalize-record-mode=once"))
    previous = cassette.read_bytes()
    assert len(load(cassette)) == 2

    # Re-record a longer cassette, and SIGKILL the process while it writes: half-way through
    # the temporary file, then once it is whole, just before it replaces the cassette.
    for stage in ("mid-write", "before-replace"):
        mark = project / f"crash-{stage}.mark"
        earlier = set(cassette.parent.iterdir())
        process = _pytest_process(
            project, "--personalize-record-mode=all", CRASH_STAGE=stage, CRASH_MARK=str(mark), MORE="3"
        )
        try:
            deadline = time.monotonic() + 120
            while not mark.exists():
                if process.poll() is not None:
                    raise AssertionError(f"the recording ended before the {stage} window:\n{process.communicate()[0]}")
                assert time.monotonic() < deadline, f"the recording never reached the {stage} window"
                time.sleep(0.05)
            assert mark.read_text() == stage
            # The new cassette is partly on disk (a temporary file of this run's) at this point.
            temporaries = [p for p in cassette.parent.iterdir() if p not in earlier]
            assert temporaries and any(p.stat().st_size > 0 for p in temporaries), stage
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL, stage

        assert cassette.read_bytes() == previous, stage  # byte for byte
        assert len(load(cassette)) == 2, stage
        # A leftover temporary file is not taken for a cassette, by replay or by `check`.
        assert cassette_files([project / "cassettes"]) == [cassette], stage

    _finished(_pytest_process(project))  # replays the previous cassette
    _finished(_pytest_process(project, "--personalize-record-mode=all", MORE="2"))  # and records anew
    assert len(load(cassette)) == 4
