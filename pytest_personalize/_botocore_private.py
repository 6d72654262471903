"""Where the plugin leans on botocore internals that no public hook replaces, each in one function.

botocore's public events belong to one client (or to the session that made it), while the code
under test builds its own clients in sessions of its own; what must reach every client of the
process has no public hook. Each function below names what it depends on, and
tests/test_botocore_private.py fails first if a botocore release moves it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._patching import Undo, patch_on_top

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient
    from botocore.credentials import ReadOnlyCredentials

Send = Callable[["AWSPreparedRequest"], "AWSResponse"]


@contextlib.contextmanager
def signing_credentials(seen: Callable[[ReadOnlyCredentials], None]) -> Iterator[None]:
    """Call ``seen`` with the credentials of every SigV4 signature made in the block, by any client.

    Depends on ``botocore.auth.SigV4Auth.add_auth(self, request)`` and the signer's
    ``credentials`` attribute: every credential provider (environment, profile, SSO, assumed
    role, instance metadata) ends there, and the public ``before-sign`` event carries no
    credentials. Signing itself is unchanged; ``seen`` runs first.
    """
    from unittest import mock

    from botocore.auth import SigV4Auth

    original = SigV4Auth.add_auth

    def add_auth(signer: SigV4Auth, request: Any) -> None:
        credentials = getattr(signer, "credentials", None)
        if credentials is not None:
            seen(credentials)
        original(signer, request)

    with mock.patch.object(SigV4Auth, "add_auth", add_auth):
        yield


def intercept_sends(handle: Callable[[Send, AWSPreparedRequest], AWSResponse]) -> Undo:
    """Let ``handle(send, request)`` answer each HTTP request a botocore client sends, by any client.

    ``send(request)`` sends it on as botocore would have. Depends on
    ``botocore.httpsession.URLLib3Session.send(self, request)``: every botocore client, however
    and whenever it was made, hands its signed request to it, while the public ``before-send``
    event belongs to one client (or its session). The undo leaves a tool that patched over it in
    place (:func:`pytest_personalize._patching.patch_on_top`).
    """
    from botocore.httpsession import URLLib3Session

    def make(original: Callable[..., AWSResponse]) -> Callable[..., AWSResponse]:
        @functools.wraps(original)
        def send(session: URLLib3Session, request: AWSPreparedRequest) -> AWSResponse:
            return handle(functools.partial(original, session), request)

        return send

    return patch_on_top(URLLib3Session, "send", make, handle)
@dataclass(frozen=True)
class ClientState:
    """What a client's behaviour hangs on, taken at one moment; :meth:`same` tells two moments apart.

    ``handlers`` holds every handler on the client's event emitter, by event name, in the order
    botocore calls them; ``unique_ids`` the unique ids registered (with their counts);
    ``retry_quota`` the capacity left in each retry quota of the client's ``standard`` retry
    handler (a retry spends some, and only a success gives it back); ``attributes`` the
    attributes of the client, its class and the objects it works through (meta, endpoint, HTTP
    session, signer); ``config`` a copy of ``client.meta.config``'s values.
    """

    handlers: tuple[tuple[str, tuple[object, ...]], ...]
    unique_ids: tuple[tuple[str, int | None], ...]
    retry_quota: tuple[int, ...]
    attributes: tuple[tuple[object, tuple[tuple[str, object], ...]], ...]
    config: dict[str, Any]

    def same(self, other: ClientState) -> bool:
        """Whether ``other`` holds the very same handlers and attribute values (by identity) and equal config."""
        return (
            self.unique_ids == other.unique_ids
            and self.retry_quota == other.retry_quota
            and self.config == other.config
            and _same_items(self.handlers, other.handlers)
            and len(self.attributes) == len(other.attributes)
            and all(
                mine[0] is theirs[0] and _same_items(mine[1], theirs[1])
                for mine, theirs in zip(self.attributes, other.attributes, strict=True)
            )
        )


def _same_items(mine: tuple[tuple[str, Any], ...], theirs: tuple[tuple[str, Any], ...]) -> bool:
    if len(mine) != len(theirs):
        return False
    for (my_name, my_value), (their_name, their_value) in zip(mine, theirs, strict=True):
        if my_name != their_name:
            return False
        if isinstance(my_value, tuple) and isinstance(their_value, tuple):
            if len(my_value) != len(their_value) or any(a is not b for a, b in zip(my_value, their_value, strict=True)):
                return False
        elif my_value is not their_value:
            return False
    return True


def client_state(client: BaseClient) -> ClientState | None:
    """The client's :class:`ClientState`, or None when the client isn't built the way this adapter knows.

    botocore has no public way to list a client's event handlers. Depends on:
    ``client.meta.events`` being a ``botocore.hooks.EventAliaser`` whose ``_emitter`` is a
    ``HierarchicalEmitter``; that emitter's ``_handlers`` (a ``_PrefixTrie``: ``_root`` a dict node
    with ``children``, a dict of nodes by name part, and ``values``, None or a ``NodeList`` of
    ``first``, ``middle``, ``last``) and ``_unique_id_handlers`` (unique id -> dict with an
    optional ``count``); a ``standard`` retry handler being a bound method of
    ``botocore.retries.standard.RetryHandler`` or ``RetryQuotaChecker`` that reaches a
    ``botocore.retries.quota.RetryQuota`` (``_retry_quota._quota``, ``_quota``); and the
    client's ``_endpoint`` (with ``http_session``) and ``_request_signer``.
    """
    from botocore.hooks import EventAliaser, HierarchicalEmitter
    from botocore.retries.quota import RetryQuota

    events = client.meta.events
    emitter = getattr(events, "_emitter", None)
    if type(events) is not EventAliaser or not isinstance(emitter, HierarchicalEmitter):
        return None
    root = getattr(getattr(emitter, "_handlers", None), "_root", None)
    unique = getattr(emitter, "_unique_id_handlers", None)
    if not isinstance(root, dict) or not isinstance(unique, dict):
        return None
    handlers: list[tuple[str, tuple[object, ...]]] = []
    stack: list[tuple[str, dict[str, Any]]] = [("", root)]
    while stack:
        name, node = stack.pop()
        values = node.get("values")
        if values:
            registered = (*values.first, *values.middle, *values.last)
            if registered:
                handlers.append((name, registered))
        for part, child in node["children"].items():
            stack.append((f"{name}.{part}" if name else part, child))
    quotas: list[int] = []
    for _, registered in handlers:
        for handler in registered:
            owner = getattr(handler, "__self__", None)
            quota = getattr(owner, "_quota", None) or getattr(getattr(owner, "_retry_quota", None), "_quota", None)
            if isinstance(quota, RetryQuota):
                quotas.append(quota.available_capacity)
    endpoint = getattr(client, "_endpoint", None)
    parts = (
        client,
        type(client),
        client.meta,
        endpoint,
        getattr(endpoint, "http_session", None),
        getattr(client, "_request_signer", None),
    )
    config = client.meta.config
    return ClientState(
        handlers=tuple(handlers),
        unique_ids=tuple(sorted((key, value.get("count")) for key, value in unique.items())),
        retry_quota=tuple(quotas),
        attributes=tuple((part, tuple(vars(part).items())) for part in parts if part is not None),
        config={key: _copied(value) for key, value in vars(config).items()},
    )


def _copied(value: Any) -> Any:
    """A copy that a later change to a mutable config value (the ``retries`` dict, say) doesn't reach."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value
