"""Where the plugin leans on moto internals: the one ``before-send`` handler moto answers every service from.

moto adds an instance of ``moto.core.botocore_stubber.BotocoreStubber`` to botocore's built-in
handlers (and to a client with ``moto.core.patch_client``). botocore calls every ``before-send``
handler, even after one answered, and moto's raises NotImplementedError for the Personalize
operations it lacks (or answers the few it has from its own state). moto's configuration has no
per-service switch a library may set (``passthrough`` belongs to the test's
``mock_aws(config=...)``), so the handler's ``__call__`` is wrapped, on every client at once.
Checked on the lowest moto the project tests with (5.0.0) as on the newest by
tests/test_plugin_neighbours.py.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .patching import Undo, patch_on_top

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest

_STUBBER_MODULE = "moto.core.botocore_stubber"


def moto_defers(owns: Callable[[AWSPreparedRequest], bool]) -> Undo | None:
    """Make moto's handler pass on each request ``owns(request)`` claims; None when moto isn't loaded.

    Depends on ``BotocoreStubber.__call__(self, event_name, request, **kwargs)``. A request moto
    passes on goes to the next ``before-send`` handler (the fake's, on a client wired to it) or
    to the HTTP session. Nothing here imports moto: a moto imported later is noticed by the
    caller, which asks again.
    """
    stubber_class = getattr(sys.modules.get(_STUBBER_MODULE), "BotocoreStubber", None)
    if not isinstance(stubber_class, type) or "__call__" not in vars(stubber_class):
        return None

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def __call__(self: Any, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> Any:
            if owns(request):
                return None
            return original(self, event_name, request, **kwargs)

        return __call__

    return patch_on_top(stubber_class, "__call__", make, owns)
