"""Where the plugin leans on aiobotocore internals: its HTTP sessions' ``send`` and its client class.

Nothing here imports aiobotocore: only sessions and clients of a loaded aiobotocore can exist,
so a module not imported yet is a class with nothing to reach. Checked on the lowest
aiobotocore the project tests with (2.10.0) as on the newest by tests/test_plugin_neighbours.py.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .patching import Undo, patch_on_top

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient

AsyncSend = Callable[["AWSPreparedRequest"], Awaitable["AWSResponse"]]

# The aiobotocore HTTP sessions a client may send through, by module and class name.
_SESSIONS = (("aiobotocore.httpsession", "AIOHTTPSession"), ("aiobotocore.httpxsession", "HttpxSession"))


def intercept_sends(handle: Callable[[AsyncSend, AWSPreparedRequest], Awaitable[AWSResponse]]) -> Undo | None:
    """Let ``handle(send, request)`` answer each request an aiobotocore client sends; None when none is loaded.

    Depends on ``send(self, request)`` of aiobotocore's ``AIOHTTPSession`` and ``HttpxSession``, the
    last step before a request leaves the machine, as ``URLLib3Session.send`` is botocore's (see
    :func:`pytest_personalize.seams.botocore.intercept_sends`). Only the sessions already
    imported are patched: a client of a session class loaded later is made later, and reached
    when it is made. ``handle`` returns what the wrapper awaits, and may raise to stop a request.
    """

    def make(original: Callable[..., Awaitable[AWSResponse]]) -> Callable[..., Awaitable[AWSResponse]]:
        @functools.wraps(original)
        async def send(session: Any, request: AWSPreparedRequest) -> AWSResponse:
            return await handle(functools.partial(original, session), request)

        return send

    undos: list[Undo] = []
    for module_name, class_name in _SESSIONS:
        session_class = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(session_class, type) and "send" in vars(session_class):
            undos.append(patch_on_top(session_class, "send", make, handle))
    if not undos:
        return None

    def undo() -> None:
        for each in reversed(undos):
            each()

    return undo


def is_async_client(client: BaseClient) -> bool:
    """Whether ``client`` is aiobotocore's (an ``aiobotocore.client.AioBaseClient``), which awaits its answers."""
    async_client = getattr(sys.modules.get("aiobotocore.client"), "AioBaseClient", None)
    return isinstance(async_client, type) and isinstance(client, async_client)
