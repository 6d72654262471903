"""pytest-personalize: test code that calls Amazon Personalize, offline and faithfully.

The fixtures (``personalize_client``, ``personalize_stubber``, ...) come from the plugin, which
pytest loads through the ``pytest11`` entry point; this module holds what a test imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .model.errors import ConformanceError, UsageError

if TYPE_CHECKING:
    from ._answering import UnattachedClientError
    from .emulator.backend import Backend, Call, Fault, Lifecycle, ManualClock
    from .emulator.fake import PersonalizeFake
    from .emulator.server import PersonalizeServer
    from .model.rules import common_errors
    from .model.spec import modeled_errors
    from .recording.cassette import PersonalizeCassette, UnrecordedRequestError
    from .recording.vcr_interop import (
        PersonalizeMatcher,
        before_record_request,
        before_record_response,
        personalize_matcher,
    )
    from .stub.stubber import PersonalizeStubber, QueuedCall, Stubber

# Imported on first use: the plugin loads this package in every pytest run, used or not, and
# model/ alone (its rules, its catalogue, botocore's spec) takes longer to import than pytest's
# whole start-up budget for a plugin. Only the exceptions, which import nothing, load eagerly.
_LAZY = {
    "Backend": ".emulator.backend",
    "Call": ".emulator.backend",
    "Fault": ".emulator.backend",
    "Lifecycle": ".emulator.backend",
    "ManualClock": ".emulator.backend",
    "PersonalizeCassette": ".recording.cassette",
    "PersonalizeFake": ".emulator.fake",
    "PersonalizeMatcher": ".recording.vcr_interop",
    "PersonalizeServer": ".emulator.server",
    "PersonalizeStubber": ".stub.stubber",
    "QueuedCall": ".stub.stubber",
    "Stubber": ".stub.stubber",
    "UnattachedClientError": "._answering",
    "UnrecordedRequestError": ".recording.cassette",
    "before_record_request": ".recording.vcr_interop",
    "common_errors": ".model.rules",
    "modeled_errors": ".model.spec",
    "before_record_response": ".recording.vcr_interop",
    "personalize_matcher": ".recording.vcr_interop",
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


__version__ = "0.2.0"

__all__ = [
    "Backend",
    "Call",
    "ConformanceError",
    "Fault",
    "Lifecycle",
    "ManualClock",
    "PersonalizeCassette",
    "PersonalizeFake",
    "PersonalizeMatcher",
    "PersonalizeServer",
    "PersonalizeStubber",
    "QueuedCall",
    "Stubber",
    "UnattachedClientError",
    "UnrecordedRequestError",
    "UsageError",
    "__version__",
    "before_record_request",
    "before_record_response",
    "common_errors",
    "modeled_errors",
    "personalize_matcher",
]
