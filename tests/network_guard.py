"""A network guard: any socket connection (or name lookup) other than loopback fails, before it happens.

Used three ways:

- the whole test suite runs under it (``tests/conftest.py``'s session fixture ``_loopback_only``);
- as a plugin for another pytest process: ``python -m pytest -p network_guard`` with this directory
  on ``PYTHONPATH``; each refused attempt is also appended to the file named by
  ``PERSONALIZE_NETWORK_GUARD_LOG``, so a test that swallows the exception still shows up;
- directly, ``with loopback_only(): ...``.

It patches ``socket.socket.connect``/``connect_ex``, ``socket.create_connection`` and
``socket.getaddrinfo`` (a DNS query is traffic too). Allowed: AF_UNIX, 127.0.0.0/8, ::1, and the
name ``localhost``. The check runs before the original function is called, so a refused address
is never contacted -- ``tests/test_security.py`` proves it with a spy underneath the guard.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

LOG_VARIABLE = "PERSONALIZE_NETWORK_GUARD_LOG"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})


class NetworkBlocked(AssertionError):
    """A connection to a non-loopback address was attempted.

    An AssertionError, not an OSError: urllib3 and botocore turn OSErrors into retried
    connection errors, which would hide the attempt; this one propagates to the test.
    """


def is_loopback_host(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", errors="replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%", 1)[0].lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name would need a DNS lookup: refused


def check_address(family: int, address: Any, how: str) -> None:
    if family == getattr(socket, "AF_UNIX", object()):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback_host(host):
        _refuse(f"{how}({address!r})")


def _refuse(what: str) -> None:
    log = os.environ.get(LOG_VARIABLE)
    if log:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(what + "\n")
    raise NetworkBlocked(f"network guard: {what} refused -- only loopback connections are allowed in tests")


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse every non-loopback connection and name lookup for the block."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        check_address(self.family, address, "socket.connect")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check_address(self.family, address, "socket.connect_ex")
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check_address(socket.AF_INET, address, "socket.create_connection")
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback_host(host):
            _refuse(f"socket.getaddrinfo({host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "create_connection", create_connection)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


def installed() -> bool:
    """Whether the guard is in place (the suite asserts it is)."""
    return getattr(socket.socket.connect, "__qualname__", "").startswith("loopback_only.")


# --- as a pytest plugin (-p network_guard) ------------------------------------------------------

_active: contextlib.ExitStack | None = None


def pytest_configure(config: Any) -> None:
    global _active
    _active = contextlib.ExitStack()
    _active.enter_context(loopback_only())


def pytest_unconfigure(config: Any) -> None:
    global _active
    if _active is not None:
        _active.close()
        _active = None


def pytest_report_header(config: Any) -> str:
    return "network guard: loopback only"
