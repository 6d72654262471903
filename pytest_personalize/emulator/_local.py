"""What stays on the machine: loopback addresses, and answers made in process for botocore to read."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (127.0.0.0/8, ::1, localhost): a request there stays on it."""
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RawBody:
    """The ``raw`` of an ``AWSResponse``: what botocore reads the body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Any:
        yield self._body

    def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


class AsyncRawBody:
    """The ``raw`` of aiobotocore's ``AioAWSResponse``, which awaits ``read()``.

    aiobotocore before 2.21 also reads the headers from it, as aiohttp's ``raw_headers`` pairs.
    """

    def __init__(self, body: bytes, headers: Mapping[str, str]) -> None:
        self._body = body
        self.raw_headers = tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())

    async def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body
