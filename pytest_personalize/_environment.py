"""Environment changes a fixture makes for the test, undone at its teardown.

The modes say what the code under test needs (dummy credentials, a region, no profile: see
``_clients.offline_environment`` and the cassette's environments); this module sets it, and puts
back what it changed, as pytest's ``monkeypatch.setenv`` and ``delenv`` would, without the
``monkeypatch`` fixture (which pytest charges each test that requests it a fixture of its own).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping


@contextlib.contextmanager
def applied(changes: Mapping[str, str | None]) -> Iterator[None]:
    """While inside, each variable has its value, or is unset where the value is None.

    On the way out, however the block ends, each variable changed is put back as it was
    (unset if it was unset), the last change first, as ``monkeypatch`` undoes.
    """
    environ = os.environ
    undo: list[tuple[str, str | None]] = []
    try:
        for name, value in changes.items():
            # What is already so needs no change, and nothing to undo at teardown.
            before = environ.get(name)
            if before == value:
                continue
            undo.append((name, before))
            if value is None:
                del environ[name]
            else:
                environ[name] = value
        yield
    finally:
        for name, before in reversed(undo):
            if before is None:
                environ.pop(name, None)
            else:
                environ[name] = before
