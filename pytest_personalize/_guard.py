"""Stopping the Personalize requests no active mode answers, before they leave the machine.

Two registrations in :mod:`pytest_personalize._answering` stop them at the HTTP session's send,
before a socket is opened or a name looked up, with :class:`~._answering.UnattachedClientError`:

- each active stubber: it answers its own client alone, so any other client's Personalize
  request (one the code under test built itself, say) would otherwise reach AWS;
- the session-wide guard (``--personalize-guard``, ini ``personalize_guard``): any Personalize
  request a test without a Personalize fixture makes, or an import at collection.

Both step aside for what another mode says: a loopback URL (the server, a local emulator), an
active fake (whose own guard names ``attach``), and an active cassette (a request reaches the
send under a cassette only when the cassette records it). Each :class:`Guard` keeps what it
stopped, so the test fails at teardown even if the code under test caught the error.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from . import _answering
from ._answering import UnattachedClientError
from ._findings import Finding
from .wire.requests import is_loopback

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest

# The fixture that lends each API's client, and its stubber's.
CLIENT_FIXTURES = {
    "personalize": ("personalize_client", "personalize_stubber"),
    "personalize-runtime": ("personalize_runtime_client", "personalize_runtime_stubber"),
    "personalize-events": ("personalize_events_client", "personalize_events_stubber"),
}
_OWN_CLIENTS = (
    "for code that builds its own clients, use personalize_fake (or personalize_server), or personalize_cassette"
)


class Guard:
    """A refusal of Personalize requests no other mode answers, and the messages of those it stopped.

    ``why`` completes "… was stopped here instead of leaving the machine: " with who stopped it
    and which fixtures would answer the request.
    """

    def __init__(self, kind: _answering.Kind, why: str) -> None:
        self.kind = kind
        self.why = why
        self.refused: list[str] = []
        self._lock = threading.Lock()

    def activate(self) -> None:
        _answering.register(_answering.Answerer(self.kind, self, refuse=self.refuse))

    def deactivate(self) -> None:
        _answering.unregister(self)

    def refuse(self, request: AWSPreparedRequest) -> None:
        """Stop ``request`` if it is Personalize's, leaves the machine, and no fake or cassette speaks for it."""
        operation = _answering.operation_of(request)
        if operation is None or is_loopback(request.url):
            return
        if _answering.active("fake") or _answering.active("cassette"):
            return
        message = f"{operation} to {request.url} was stopped here instead of leaving the machine: {self.why}"
        with self._lock:
            self.refused.append(message)
        raise UnattachedClientError(message)

    def findings(self) -> list[Finding]:
        refused = self.refused
        if not refused:
            return []
        return [Finding(f"{len(refused)} Personalize request(s) stopped before they left the machine: {refused[0]}")]


def stubber_guard(service: str) -> Guard:
    """The guard an active stubber of a ``service`` client registers."""
    client, stubber = CLIENT_FIXTURES.get(service, ("its own client", "the stubber"))
    return Guard(
        "stubber",
        f"{stubber} answers {client} alone, and this request came from another client. Pass {client} to the "
        f"code under test; {_OWN_CLIENTS}.",
    )


def session_guard() -> Guard:
    """The guard ``--personalize-guard`` (ini ``personalize_guard``) keeps active for the whole session."""
    return Guard(
        "guard",
        "--personalize-guard (ini personalize_guard) lets no Personalize request leave the machine outside a "
        "test that answers it. Use personalize_stubber with personalize_client; "
        f"{_OWN_CLIENTS} (recording lets requests through).",
    )
