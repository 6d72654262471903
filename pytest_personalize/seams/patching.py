"""Replacing a dependency's attribute so that tools patching the same one keep their place.

Every seam of :mod:`pytest_personalize.seams` patches through :func:`patch_on_top`, never through
``unittest.mock.patch``, whose exit puts back what it found whoever patched over it since.
:func:`after_import` waits for a dependency the plugin must not import itself (it costs every
pytest run of a project that has the plugin installed).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

Undo = Callable[[], None]

# Marks the functions put in place here with the callback they call.
_MARK = "_pytest_personalize_seam"
# The last wrapper made for each attribute: (owner, what it wrapped, token, the wrapper).
_made: dict[tuple[int, str], tuple[object, object, object, Any]] = {}


def patch_on_top(owner: object, name: str, make: Callable[[Any], Any], token: object) -> Undo:
    """Put ``make(current)`` in place of ``owner.name``; the undo restores it only if still on top.

    ``owner`` is a class or a module. Another tool (vcrpy, moto, a second cassette) that patched
    over ours keeps its place: our undo then leaves the owner as it is, and the wrapper
    underneath must do nothing once it is no longer wanted. ``token`` (the callback the wrapper
    calls) tells our wrappers apart: one left on top for the same callback (a tool that patched
    over it put it back after our undo) is used again.
    """
    current = vars(owner)[name]
    if getattr(current, _MARK, None) is token:
        return lambda: None
    # The wrapper made last time over the same attribute for the same callback, used again: a
    # fixture patches and unpatches the same few attributes at every test.
    made = _made.get((id(owner), name))
    if made is not None and made[0] is owner and made[1] is current and made[2] is token:
        replacement = made[3]
    else:
        replacement = make(current)
        setattr(replacement, _MARK, token)
        _made[(id(owner), name)] = (owner, current, token, replacement)
    setattr(owner, name, replacement)

    def undo() -> None:
        if vars(owner).get(name) is replacement:
            setattr(owner, name, current)

    return undo


def after_import(name: str, callback: Callable[[ModuleType], None]) -> Undo:
    """Call ``callback(module)`` once module ``name`` is imported (at once, if it is already).

    The module isn't imported here: a finder first on ``sys.meta_path`` runs ``callback`` right
    after the module's body, before whoever imported it gets it. The undo takes the finder out
    (a callback that ran stays run; what it did is its own to undo).
    """
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
        return lambda: None
    finder = _AfterImport(name, callback)
    sys.meta_path.insert(0, finder)
    return finder.remove


class _AfterImport(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.callback = callback
        self._lock = threading.Lock()
        self._done = False

    def remove(self) -> None:
        with self._lock:
            self._done = True
            if self in sys.meta_path:
                sys.meta_path.remove(self)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        self.remove()  # once, and never for the lookup below
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute, callback = loader.exec_module, self.callback

        def exec_module(module: ModuleType) -> None:
            execute(module)
            callback(module)

        # The loader instance is this spec's own (finders make one per spec): its class is untouched.
        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec
