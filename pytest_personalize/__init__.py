"""pytest-personalize: test code that calls Amazon Personalize, offline and faithfully.

The fixtures (``personalize_client``, ``personalize_stubber``, ...) come from the plugin, which
pytest loads through the ``pytest11`` entry point; this module holds what a test imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import ConformanceError
from ._rules import common_errors
from ._spec import modeled_errors

if TYPE_CHECKING:
    from ._backend import Backend, Call, Fault, Lifecycle, ManualClock
    from ._cassette import PersonalizeCassette, UnrecordedRequestError
    from ._fake import PersonalizeFake
    from ._server import PersonalizeServer
    from ._stub import PersonalizeStubber, QueuedCall, Stubber

# Imported on first use: the plugin loads this package in every pytest run, used or not.
_LAZY = {
    "Backend": "._backend",
    "Call": "._backend",
    "Fault": "._backend",
    "Lifecycle": "._backend",
    "ManualClock": "._backend",
    "PersonalizeCassette": "._cassette",
    "PersonalizeFake": "._fake",
    "PersonalizeServer": "._server",
    "PersonalizeStubber": "._stub",
    "QueuedCall": "._stub",
    "Stubber": "._stub",
    "UnrecordedRequestError": "._cassette",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "Backend",
    "Call",
    "ConformanceError",
    "Fault",
    "Lifecycle",
    "ManualClock",
    "PersonalizeCassette",
    "PersonalizeFake",
    "PersonalizeServer",
    "PersonalizeStubber",
    "QueuedCall",
    "Stubber",
    "UnrecordedRequestError",
    "__version__",
    "common_errors",
    "modeled_errors",
]
