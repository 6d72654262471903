"""botocore's retry back-off, recorded instead of slept: the one place that knows how botocore sleeps.

botocore has no public setting for the back-off's delays nor a hook for the sleep itself: its
endpoint calls ``time.sleep`` through the ``time`` name of ``botocore.endpoint``. This adapter
swaps that name for a stand-in whose ``sleep`` records the seconds asked for, and puts the module
back afterwards. Waiters and the retry quota's token bucket are left alone.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()


class _RecordingTime:
    """The ``time`` module, except that ``sleep(seconds)`` appends ``seconds`` to a list."""

    def __init__(self, record: list[float], original: Any) -> None:
        self._record = record
        self._original = original

    def sleep(self, seconds: float) -> None:
        self._record.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


@contextlib.contextmanager
def recorded_retry_sleeps(record: list[float]) -> Iterator[list[float]]:
    """While inside, botocore's retries don't sleep; the delays they would have slept go to ``record``."""
    import botocore.endpoint

    with _lock:
        previous = botocore.endpoint.time  # type: ignore[attr-defined]
        botocore.endpoint.time = _RecordingTime(record, time)  # type: ignore[attr-defined]
    try:
        yield record
    finally:
        with _lock:
            botocore.endpoint.time = previous  # type: ignore[attr-defined]
