"""What the record-and-replay tests share: a downstream project's conftest, recording and replaying
environments, the fake credentials they record with, and readers of what was written.

The ``server`` and ``project`` fixtures built on these live in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

# Imported here, not first inside a pytester run: pytester drops the modules a run imported,
# libyaml's C emitter can't work with a re-imported yaml package, and re-importing boto3 for
# every run costs a second.
import boto3  # noqa: F401
import pytest

import pytest_personalize.recording.cassette  # noqa: F401
from pytest_personalize import PersonalizeServer

# Obviously fake credentials in the realistic formats (never real keys): the scrubber must
# recognise them by shape as well as by where they travel.
FAKE_KEY_ID = "AKIA" + "FAKEFAKEFAKE0001"  # fake
FAKE_SECRET = "fakeSecretKey/NotReal+ForTests0000000000"  # fake, 40 characters
FAKE_TOKEN = "FwoGZXIvYXdzEFakeSessionTokenForTestsOnly0123456789"  # fake

# The downstream project's conftest. Each pytester run stands for a separate pytest process, so
# no boto3 session carries over from one run to the next (within a run, tests share it, as in a
# real process). While NO_NETWORK is set, every socket connection and name lookup is counted and
# refused -- loopback included: replay must not even try -- and a test that tried fails at
# teardown even if the code under test swallowed the refusal.
NO_NETWORK_CONFTEST = """
import os
import socket

import boto3
import pytest

ATTEMPTS = []


def pytest_sessionstart(session):
    boto3.DEFAULT_SESSION = None


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    ATTEMPTS.clear()
    if os.environ.get("NO_NETWORK"):
        def refused(what):
            def attempt(*args, **kwargs):
                ATTEMPTS.append((what, repr(args[:2])))
                raise AssertionError(f"replay tried {what}")
            return attempt
        monkeypatch.setattr(socket, "getaddrinfo", refused("getaddrinfo"))
        monkeypatch.setattr(socket, "create_connection", refused("create_connection"))
        monkeypatch.setattr(socket.socket, "connect", refused("connect"))
    yield
    assert ATTEMPTS == [], ATTEMPTS
"""


# What a recording or a replay must not inherit from the machine running the suite.
MACHINE_VARIABLES = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_PERSONALIZE",
    "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME",
    "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS",
    "NO_NETWORK",
)
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def recording_against(monkeypatch: pytest.MonkeyPatch, server: PersonalizeServer) -> None:
    """The loopback server as the Personalize endpoint, and the fake credentials to sign with."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", FAKE_TOKEN)


def replaying_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No endpoint, no credentials at all (a profile that doesn't exist), no network."""
    for name in ("AWS_ENDPOINT_URL_PERSONALIZE", *CREDENTIAL_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("NO_NETWORK", "1")


def cassette_files(pytester: pytest.Pytester, directory: str = "cassettes") -> list[Path]:
    return sorted((pytester.path / directory).rglob("*.yaml"))


def cassette_text(pytester: pytest.Pytester) -> str:
    """Every cassette the project holds, in one text."""
    return "\n".join(path.read_text() for path in cassette_files(pytester))


def cassette_names(pytester: pytest.Pytester) -> list[str]:
    """The project's cassettes, relative to its cassette directory."""
    root = pytester.path / "cassettes"
    return sorted(path.relative_to(root).as_posix() for path in cassette_files(pytester))
