"""What a request carries besides its members, read the same way by every mode.

The emulator reads the region and account a request speaks for from its SigV4 credential
scope; the recorder reads from the same scope which service a request was signed for. Header
values arrive as text or as bytes (vcrpy hands over bytes, and ``putheader`` tuples of them).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, overload

# ``Credential=<access key id>/<yyyymmdd>/<region>/<service>/aws4_request`` in an Authorization header.
_CREDENTIAL_SCOPE = re.compile(
    r"Credential=(?P<key>[^/,\s]*)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request"
)


class CredentialScope(NamedTuple):
    """The parts of a SigV4 credential scope: whose key signed, for which region and service."""

    key: str
    region: str
    service: str


def credential_scope(authorization: str | None) -> CredentialScope | None:
    """The credential scope of a SigV4 ``Authorization`` header, or None if it has none."""
    match = _CREDENTIAL_SCOPE.search(authorization or "")
    if match is None:
        return None
    return CredentialScope(match["key"], match["region"], match["service"])


@overload
def text(value: None) -> None: ...


@overload
def text(value: str | bytes | bytearray | list[Any] | tuple[Any, ...]) -> str: ...


def text(value: Any) -> str | None:
    """A header value or a body as text; None (no such header, no body) stays None.

    Bytes are read as UTF-8, an undecodable byte shown as U+FFFD rather than failing: what is
    read here is compared, scanned and shown, never sent on.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return text(value[0])
        value = b", ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)
