"""Personalize clients for tests: dummy credentials, a shared botocore session, clients lent per test.

Lending pays: building a client costs a test a few milliseconds, more than the test's own calls
(benchmarks/run.py's row 7 measures a stubbed test about 2.5x as costly without it). Whether a
returned client is as it was built is read from botocore's private event trie
(:func:`pytest_personalize.seams.botocore.client_state`), and a client it can't read is never kept.
Ini ``personalize_lend_clients = false`` builds each test a client of its own instead.

It also says what a Personalize client made while tests are collected (at import time) signs
with in a run that can't record: :func:`offline_collection`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _answering
from .model import spec as _spec
from .seams import botocore as _botocore
from .seams.patching import after_import
from .stub import dispatch as _stubbers

if TYPE_CHECKING:
    from botocore.client import BaseClient

# Obviously fake credentials: botocore needs some to sign, and no real ones belong in a test.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def make_client(region: str, service: str = _spec.SERVICE_NAME, **kwargs: Any) -> BaseClient:
    """A Personalize client (or ``personalize-runtime``, ``personalize-events``) from the process's
    shared session (a few ms, not ~100 ms)."""
    options: dict[str, Any] = {**DUMMY_CREDENTIALS, "region_name": region, **kwargs}
    return _spec.botocore_session().create_client(service, **options)


@dataclass
class _Pooled:
    client: BaseClient
    key: tuple[Any, ...]
    baseline: _botocore.ClientState | None  # None: never kept


# Idle clients by what they were built from, least recently used first. A test's client goes
# back here at teardown only if the test left it as it was built; at most _MAX_IDLE wait.
_idle: OrderedDict[tuple[Any, ...], list[_Pooled]] = OrderedDict()
_idle_lock = threading.Lock()
_MAX_IDLE = 8


# Given explicitly to every lent client, so the environment's don't change what is built.
_OVERRIDDEN = frozenset(
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_REGION")
)


# The names in the environment when it was last keyed (os.environ's own, encoded), and the key.
_last_environment: tuple[set[Any], tuple[tuple[str, str], ...]] | None = None


def _environment_key() -> tuple[tuple[str, str], ...]:
    """The environment botocore may read while it builds a client: its settings, proxies, CA bundles."""
    global _last_environment
    environ = os.environ
    # CPython's os.environ keeps the variables, encoded, in the dict _data. The same names as when
    # the key was made, and the same values for the key's own, say that the key holds without
    # decoding every name again (pytest changes PYTEST_CURRENT_TEST's value at every test).
    data = getattr(environ, "_data", None)
    last = _last_environment
    if last is not None and type(data) is dict and data.keys() == last[0]:
        key = last[1]
        if all(environ.get(name) == value for name, value in key):
            return key
    key = _scan_environment()
    if type(data) is dict:
        _last_environment = (set(data), key)
    return key


def _scan_environment() -> tuple[tuple[str, str], ...]:
    environ = os.environ
    return tuple(
        sorted(
            (name, environ[name])
            for name in environ  # names first: a value is decoded only for the few that count
            if (name[:4].upper() in ("AWS_", "BOTO") and name not in _OVERRIDDEN)
            or "PROXY" in name.upper()
            or name.upper() == "REQUESTS_CA_BUNDLE"
        )
    )


def _config_key(config: Any) -> tuple[tuple[str, str], ...] | None:
    if config is None:
        return None
    from botocore.config import Config

    return tuple((name, repr(getattr(config, name, None))) for name in Config.OPTION_DEFAULTS)


@contextlib.contextmanager
def lent_client(
    service: str, region: str, *, endpoint_url: str | None = None, config: Any = None, lend: bool = True
) -> Iterator[BaseClient]:
    """A client of ``service`` for one test: built once per process for each region, endpoint URL,
    configuration and environment, and lent to one test at a time (``lend=False``: built for
    this test alone, and dropped after it).

    A lent client is wired to whatever fake is active (:func:`pytest_personalize._answering.attach`),
    now and while it waits: without a fake the wiring answers nothing. At the end of the block the
    client goes back for the next test only if it is as it was built: the same event handlers
    (the wiring included), no attribute of the client, its
    class, meta, config, endpoint, HTTP session or signer set or replaced, its retry quota full.
    Anything else (a handler left registered, a method patched, a retry spent) and it is dropped,
    and the next test gets a new one. A client with ``adaptive`` retries (a client-side rate
    limiter, whose state is time) is never kept.
    """
    if not lend:
        yield make_client(region, service=service, **_options(endpoint_url, config))
        return
    key = (
        id(_spec.botocore_session()),
        service,
        region,
        endpoint_url,
        _config_key(config),
        _environment_key(),
    )
    pooled = _take(key)
    if pooled is None:
        pooled = _pooled(make_client(region, service=service, **_options(endpoint_url, config)), key)
    else:
        _answering.wire_if_answering(pooled.client)  # as a client made now would be: a no-op, wired already
    try:
        yield pooled.client
    finally:
        _give_back(pooled)


def _options(endpoint_url: str | None, config: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"endpoint_url": endpoint_url} if endpoint_url is not None else {}
    if config is not None:
        options["config"] = config
    return options


def _pooled(client: BaseClient, key: tuple[Any, ...]) -> _Pooled:
    client.exceptions  # noqa: B018 -- loaded on first use; loaded now, the baseline doesn't see it change
    # Wired for good, to the fake and to its stubbers: while neither is active the wiring does
    # nothing, and a test with either neither registers nor unregisters a handler on it (each
    # of which costs botocore a signature check, and the check at teardown a read of the trie).
    _answering.attach(client)
    _stubbers.wire(client)
    baseline = _botocore.client_state(client)
    retries = getattr(client.meta.config, "retries", None) or {}
    if retries.get("mode") == "adaptive":
        baseline = None
    return _Pooled(client, key, baseline)


def _take(key: tuple[Any, ...]) -> _Pooled | None:
    with _idle_lock:
        waiting = _idle.get(key)
        if not waiting:
            return None
        pooled = waiting.pop()
        if not waiting:
            del _idle[key]
        return pooled


def _give_back(pooled: _Pooled) -> bool:
    """Keep the client for the next test if it is as built; whether it was kept."""
    if pooled.baseline is None:
        return False
    if not pooled.baseline.unchanged(pooled.client):
        return False
    with _idle_lock:
        _idle.setdefault(pooled.key, []).append(pooled)
        _idle.move_to_end(pooled.key)
        while sum(len(waiting) for waiting in _idle.values()) > _MAX_IDLE:
            oldest = next(iter(_idle))
            _idle[oldest].pop(0)
            if not _idle[oldest]:
                del _idle[oldest]
    return True


def offline_environment(region: str | None = None) -> dict[str, str | None]:
    """What code under test needs to build its own client offline (``boto3.client("personalize")``).

    Environment variables to set, and (as None) to unset: dummy credentials, no profile or session
    token from the developer's machine, no instance metadata service, and the region if given.
    """
    changes: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
        # A named profile that doesn't exist here would fail before the environment is consulted.
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        # Never ask the instance metadata service: it is a network call, and a slow one off EC2.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if region is not None:
        changes["AWS_DEFAULT_REGION"] = region
    return changes


@contextlib.contextmanager
def offline_collection() -> Iterator[None]:
    """While inside, a Personalize client made without credentials of its own never asks the
    instance metadata service, and, when nothing else provides credentials, gets dummy ones.

    For a run that can't record (record mode ``none``), while tests are collected: a client made
    at import time, on a machine with no credentials, would otherwise ask 169.254.169.254 (a
    network call) and then be unable to sign, so its replay would fail with NoCredentialsError.
    Credentials the machine has (environment, profile, SSO, process) are used as botocore would;
    other services' clients are left alone. botocore isn't imported here: the wrapper goes in
    when the code under test imports it.
    """
    undos: list[Callable[[], None]] = []
    undo_waiting = after_import(
        "botocore.session", lambda _module: undos.append(_botocore.on_client_arguments(_offline_credentials))
    )
    try:
        yield
    finally:
        undo_waiting()
        for undo in reversed(undos):
            undo()


def _offline_credentials(session: Any, service: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    if service not in _spec.SERVICE_NAMES or kwargs.get("aws_access_key_id") or kwargs.get("aws_secret_access_key"):
        return kwargs
    from botocore import UNSIGNED

    config = kwargs.get("config")
    if config is not None and config.signature_version is UNSIGNED:
        return kwargs  # signs nothing: needs no credentials
    if _botocore.credentials_without_metadata(session) is not None:
        return kwargs
    return {**kwargs, **DUMMY_CREDENTIALS}
