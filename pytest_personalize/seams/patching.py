"""Replacing a dependency's attribute so that tools patching the same one keep their place.

Every seam of :mod:`pytest_personalize.seams` patches through :func:`patch_on_top`, never through
``unittest.mock.patch``, whose exit puts back what it found whoever patched over it since.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Undo = Callable[[], None]

# Marks the functions put in place here with the callback they call.
_MARK = "_pytest_personalize_seam"


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
    replacement = make(current)
    setattr(replacement, _MARK, token)
    setattr(owner, name, replacement)

    def undo() -> None:
        if vars(owner).get(name) is replacement:
            setattr(owner, name, current)

    return undo
