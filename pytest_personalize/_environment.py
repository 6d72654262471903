"""Environment changes a fixture makes for the test, undone at its teardown.

The modes say what the code under test needs (dummy credentials, a region, no profile: see
``_clients.offline_environment`` and the cassette's environments); this module applies that
through pytest's ``monkeypatch``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest


def apply(monkeypatch: pytest.MonkeyPatch, changes: Mapping[str, str | None]) -> None:
    """Set each variable to its value, or unset it where the value is None."""
    environ = os.environ
    for name, value in changes.items():
        # What is already so needs no change, and nothing to undo at teardown.
        if value is None:
            if name in environ:
                monkeypatch.delenv(name)
        elif environ.get(name) != value:
            monkeypatch.setenv(name, value)
