"""pytest-personalize: test code that calls Amazon Personalize, offline and faithfully.

The fixtures (``personalize_client``, ``personalize_stubber``, ...) come from the plugin, which
pytest loads through the ``pytest11`` entry point; this module holds what a test imports.
"""

from __future__ import annotations

from ._errors import ConformanceError
from ._spec import modeled_errors
from ._stub import PersonalizeStubber, QueuedCall

__version__ = "0.1.0"

__all__ = [
    "ConformanceError",
    "PersonalizeStubber",
    "QueuedCall",
    "__version__",
    "modeled_errors",
]
