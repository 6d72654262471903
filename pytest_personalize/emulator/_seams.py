"""The in-process fake's only contact with the internals of botocore, aiobotocore and moto.

What the fake does to one client uses public API: ``client.meta.events.register`` puts its
answer on the client's ``before-send`` event. What it must do to *every* client has no public
hook, so it lives here, each seam behind one function, tested in ``tests/test_plugin_neighbours.py``
and checked on the lowest versions the project declares or tests with (botocore 1.34.0, moto 5.0.0,
aiobotocore 2.10.0) as on the newest:

- :func:`on_new_clients` -- botocore has no event for "a client was made, by any session": the
  ``creating-client-class`` event belongs to one session, and code under test makes its own.
  ``BaseClient.__init__`` is the one step every client passes, aiobotocore's included (its
  ``AioBaseClient`` inherits it), whichever ``ClientCreator`` made it.
- :func:`guard_sends` -- a client made before the fake has nothing of ours registered; the HTTP
  session's ``send`` (botocore's ``URLLib3Session``, aiobotocore's ``AIOHTTPSession`` and
  ``HttpxSession``) is the last step before its request would leave the machine.
- :func:`moto_defers` -- moto answers every service from one ``before-send`` handler, an instance
  of ``moto.core.botocore_stubber.BotocoreStubber`` it adds to botocore's built-in handlers (and
  to a client with ``patch_client``). botocore calls every ``before-send`` handler, even after one
  answered, and moto's raises NotImplementedError for the Personalize operations it lacks (or
  answers the few it has from its own state). Its ``__call__`` is wrapped to pass on the requests
  the fake owns, on every client at once: moto's configuration has no per-service switch a
  library may set (``passthrough`` belongs to the test's ``mock_aws(config=...)``).

Each patch wraps what is there and is undone only while it is still on top
(:func:`pytest_personalize._patching.patch_on_top`): another tool that patched over it (the
cassette transport wraps ``URLLib3Session.send`` too) keeps its place, and the wrapper left
underneath does nothing once no fake is active.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._patching import Undo, patch_on_top

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.client import BaseClient

# The aiobotocore HTTP sessions a client may send through; only those already imported can
# belong to a client made earlier, so nothing here imports aiobotocore.
_ASYNC_SESSIONS = (("aiobotocore.httpsession", "AIOHTTPSession"), ("aiobotocore.httpxsession", "HttpxSession"))

_MOTO_MODULE = "moto.core.botocore_stubber"


def on_new_clients(callback: Callable[[BaseClient], None]) -> Undo:
    """Call ``callback(client)`` for each botocore or aiobotocore client made from now on.

    The callback runs once the client is built (``client.meta.events`` holds its session's
    handlers) and before the client is returned to whoever made it.
    """
    from botocore.client import BaseClient

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def __init__(self: BaseClient, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            callback(self)

        return __init__

    return patch_on_top(BaseClient, "__init__", make, callback)


def guard_sends(check: Callable[[AWSPreparedRequest], None]) -> Undo:
    """Call ``check(request)`` before each HTTP request a botocore or aiobotocore client sends.

    ``check`` raises to stop a request; it is not retried (botocore retries connection errors
    only), so the exception reaches the caller as raised.
    """
    from botocore.httpsession import URLLib3Session

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def send(self: Any, request: AWSPreparedRequest) -> Any:
            check(request)
            return original(self, request)

        return send

    def make_async(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def send(self: Any, request: AWSPreparedRequest) -> Any:
            check(request)
            return await original(self, request)

        return send

    undos = [patch_on_top(URLLib3Session, "send", make, check)]
    for module_name, class_name in _ASYNC_SESSIONS:
        session_class = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(session_class, type) and "send" in session_class.__dict__:
            undos.append(patch_on_top(session_class, "send", make_async, check))

    def undo() -> None:
        for each in reversed(undos):
            each()

    return undo


def moto_defers(owns: Callable[[AWSPreparedRequest], bool]) -> Undo | None:
    """Make moto's handler pass on each request ``owns(request)`` claims; None when moto isn't loaded.

    A request moto passes on goes to the next ``before-send`` handler (the fake's, on a client
    wired to it) or to the HTTP session (where :func:`guard_sends` sees it).
    """
    stubber_class = getattr(sys.modules.get(_MOTO_MODULE), "BotocoreStubber", None)
    if not isinstance(stubber_class, type) or "__call__" not in stubber_class.__dict__:
        return None

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __call__(self: Any, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> Any:
            if owns(request):
                return None
            return original(self, event_name, request, **kwargs)

        return __call__

    return patch_on_top(stubber_class, "__call__", make, owns)
