"""The checks of what a test passes to the plugin's own methods, and the words of their errors.

Every public method of the backend, the fake, the server's backend, the clock and the stubbers
checks its arguments here, at the call, so a mistake is a :class:`~.errors.UsageError` naming
the call, the argument, what it was given and what is accepted -- never a ``TypeError`` from
deep inside the emulator, a fault that silently never fires, or a value that would put a region
or an account into every ARN the service could never issue::

    fail_next(times='2'): times must be a whole number, 1 or more; not '2' (a str)

Each check returns the value as the caller goes on using it. What the *service* refuses in a
request is :mod:`.validate`'s, not this module's.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

from .errors import UsageError

T = TypeVar("T")

# An account id is 12 digits (the IAM user guide's "AWS account identifiers").
ACCOUNT_DIGITS = 12
# datetime.timedelta's largest span: a stage or a step of a clock longer than this can't be counted.
MAX_SECONDS = datetime.timedelta.max.total_seconds()

_SHOWN_CHARACTERS = 60


def shown(value: object) -> str:
    """``value``'s repr, cut short: an error message quotes what was given, not a megabyte of it."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 3] + "..."


def _given(value: object) -> str:
    kind = type(value).__name__
    return f"{shown(value)} ({'an' if kind[:1] in 'aeiou' else 'a'} {kind})"


def problem(call: str, name: str, value: object, accepted: str) -> UsageError:
    """The error for argument ``name`` of ``call``, given ``value``, which must be ``accepted``.

    A ``call`` that ends with ``=`` is an assignment (``backend.account =``), quoted as one.
    """
    where = f"{call} {shown(value)}" if call.endswith("=") else f"{call}({name}={shown(value)})"
    return UsageError(f"{where}: {name} must be {accepted}; not {_given(value)}")


def whole(call: str, name: str, value: object, *, least: int = 0) -> int:
    """A whole number (an ``int``, not a ``bool``), ``least`` or more."""
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise problem(call, name, value, f"a whole number, {least} or more")
    return value


def optional_whole(call: str, name: str, value: object, *, least: int = 0, none: str) -> int | None:
    """None (which means ``none``) or a whole number, ``least`` or more."""
    __tracebackhide__ = True
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise problem(call, name, value, f"a whole number, {least} or more, or None ({none})")
    return value


def seconds(call: str, name: str, value: object) -> float:
    """A finite number of seconds, 0 or more, that a ``datetime.timedelta`` can hold."""
    __tracebackhide__ = True
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 <= value <= MAX_SECONDS
    ):
        raise problem(call, name, value, f"a finite number of seconds, 0 or more, at most {MAX_SECONDS:.0f}")
    return float(value)


def finite(call: str, name: str, value: object) -> float:
    """A finite number (an ``int`` or a ``float``, not a ``bool``, NaN or an infinity)."""
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise problem(call, name, value, "a finite number")
    return float(value)


def flag(call: str, name: str, value: object) -> bool:
    """True or False."""
    __tracebackhide__ = True
    if not isinstance(value, bool):
        raise problem(call, name, value, "True or False")
    return value


def text(call: str, name: str, value: object, *, empty: bool = True) -> str:
    """A string (not empty, unless ``empty``)."""
    __tracebackhide__ = True
    if not isinstance(value, str) or (not empty and not value):
        raise problem(call, name, value, "a string" if empty else "a non-empty string")
    return value


def optional_text(call: str, name: str, value: object) -> str | None:
    """None or a string."""
    __tracebackhide__ = True
    if value is not None and not isinstance(value, str):
        raise problem(call, name, value, "a string or None")
    return value


def choice(call: str, name: str, value: object, choices: Collection[str]) -> str:
    """One of ``choices``."""
    __tracebackhide__ = True
    if not isinstance(value, str) or value not in choices:
        raise problem(call, name, value, "one of " + ", ".join(choices))
    return value


def mapping(call: str, name: str, value: object, *, what: str = "a dict") -> Mapping[Any, Any]:
    """A mapping (a dict)."""
    __tracebackhide__ = True
    if not isinstance(value, Mapping):
        raise problem(call, name, value, what)
    return value


def instance(call: str, name: str, value: object, kind: type[T], what: str) -> T:
    """An instance of ``kind``, described to the user as ``what``."""
    __tracebackhide__ = True
    if not isinstance(value, kind):
        raise problem(call, name, value, what)
    return value


def region(call: str, name: str, value: object) -> str:
    """The name of a region of an AWS partition, as botocore's endpoint data knows them.

    The same decision that refuses a request scoped to a region no partition has
    (:func:`pytest_personalize.wire.requests.region_problem`): a region that makes it into an ARN
    is one the service could have issued that ARN in.
    """
    __tracebackhide__ = True
    if not isinstance(value, str) or not _is_region(value):
        raise problem(call, name, value, "an AWS region name such as 'us-east-1' or 'eu-west-1'")
    return value


@functools.lru_cache(maxsize=64)
def _is_region(value: str) -> bool:
    # Cached: every request a backend answers names its region, and few regions are ever named.
    from . import spec as _spec

    return _spec.is_region_name(value)


def optional_region(call: str, name: str, value: object) -> str | None:
    """None or the name of an AWS region (:func:`region`)."""
    __tracebackhide__ = True
    return None if value is None else region(call, name, value)


def account(call: str, name: str, value: object) -> str:
    """An AWS account id: 12 digits, as a string (``'123456789012'``)."""
    __tracebackhide__ = True
    if not isinstance(value, str) or len(value) != ACCOUNT_DIGITS or not (value.isascii() and value.isdigit()):
        raise problem(call, name, value, f"an AWS account id: {ACCOUNT_DIGITS} digits, as a string like '123456789012'")
    return value


def aware_datetime(call: str, name: str, value: object) -> datetime.datetime:
    """A timezone-aware ``datetime.datetime`` (the service speaks UTC)."""
    __tracebackhide__ = True
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        raise problem(call, name, value, "a timezone-aware datetime.datetime (the service speaks UTC)")
    return value


def numbers(call: str, name: str, value: object, *, count: int) -> tuple[float, ...]:
    """A list of ``count`` finite numbers."""
    __tracebackhide__ = True
    accepted = f"a list of {count} finite number{'' if count == 1 else 's'}, one per id"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise problem(call, name, value, accepted)
    values = tuple(value)
    if len(values) != count or not all(
        not isinstance(each, bool) and isinstance(each, (int, float)) and math.isfinite(each) for each in values
    ):
        raise problem(call, name, value, accepted)
    return tuple(float(each) for each in values)


def callable_of(call: str, name: str, value: object, *, arguments: int, what: str) -> Callable[..., Any]:
    """A callable that can be called with ``arguments`` positional arguments (``what`` says which).

    The arity is checked with :func:`inspect.signature` where Python can tell it; a callable
    whose signature it can't read (some built-ins) is taken on trust.
    """
    __tracebackhide__ = True
    if not callable(value):
        raise problem(call, name, value, f"a callable taking {what}")
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return value
    try:
        signature.bind(*range(arguments))
    except TypeError:
        raise UsageError(
            f"{call}({name}={described(value)}): {name} must be a callable taking {what}; its signature is {signature}"
        ) from None
    return value


def described(value: Callable[..., Any]) -> str:
    """How an error names a callable the test gave: its qualified name and where it was written."""
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or shown(value)
    code = getattr(value, "__code__", None)
    if code is None:
        return str(name)
    return f"{name} ({code.co_filename}:{code.co_firstlineno})"
