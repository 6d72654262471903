"""How emulated resources move through their statuses: the modes, the clock and each resource's progress.

A resource walks a *path* of statuses (``CREATE PENDING``, ``ACTIVE``), one stage at a time. In the
``describe`` mode a stage ends after it was observed (by a Describe or a List) often enough; in
``clock`` mode after a fixed time on the backend's clock; in ``instant`` mode a path has one stage.
"""

from __future__ import annotations

import datetime
import math
import threading
from dataclasses import dataclass, field

from ..model import arguments as _arguments
from ..model.errors import UsageError
from ..model.rules import resources as _resources

ADVANCE_MODES = ("describe", "instant", "clock")

# The stage after a deletion: the resource no longer exists.
GONE = ""


@dataclass(frozen=True)
class Lifecycle:
    """How resources move through their statuses.

    ``advance``:
      - ``"describe"`` (default): each Describe or List that shows a resource answers with its
        current status, and after ``describes_per_stage`` of them the resource moves on
        (CREATE PENDING, then ACTIVE).
      - ``"instant"``: a resource is ACTIVE (or CREATE FAILED) as soon as it is created, and gone
        as soon as it is deleted.
      - ``"clock"``: each stage lasts ``seconds_per_stage`` on the backend's clock; use
        :meth:`Backend.use_manual_clock` to hold that clock in the test.

    ``in_progress`` adds the IN_PROGRESS stage (CREATE IN_PROGRESS, ...) before the final status.
    """

    advance: str = "describe"
    in_progress: bool = False
    describes_per_stage: int = 1
    seconds_per_stage: float = 60.0

    def __post_init__(self) -> None:
        __tracebackhide__ = True
        _check_settings("Lifecycle", self.advance, self.in_progress, self.describes_per_stage, self.seconds_per_stage)

    @classmethod
    def checked(
        cls, call: str, *, advance: str, in_progress: bool, describes_per_stage: int, seconds_per_stage: float
    ) -> Lifecycle:
        """The lifecycle of these settings, a bad one reported as ``call``'s (``set_lifecycle``)."""
        __tracebackhide__ = True
        _check_settings(call, advance, in_progress, describes_per_stage, seconds_per_stage)
        return cls(advance, in_progress, describes_per_stage, seconds_per_stage)

    def path(self, pending: str, in_progress: str | None, final: str) -> tuple[str, ...]:
        """The stages from ``pending`` to ``final`` in this mode."""
        if self.advance == "instant":
            return (final,)
        middle = (in_progress,) if self.in_progress and in_progress else ()
        return (pending, *middle, final)

    def creation(self, kind: _resources.ResourceType, failed: bool) -> tuple[str, ...]:
        if not kind.statuses:
            return ()
        stages = _resources.creation_stages(kind)
        return self.path(stages.pending, stages.in_progress, stages.failed if failed else stages.done)

    def deletion(self, kind: _resources.ResourceType) -> tuple[str, ...]:
        if "DELETE PENDING" not in kind.statuses:
            return (GONE,)
        in_progress = "DELETE IN_PROGRESS" if "DELETE IN_PROGRESS" in kind.statuses else None
        return self.path("DELETE PENDING", in_progress, GONE)

    def transition(self, kind: _resources.ResourceType, verb: str, final: str) -> tuple[str, ...]:
        """``STOP PENDING > [STOP IN_PROGRESS] > INACTIVE``, ``UPDATE PENDING > ... > ACTIVE``."""
        stage = verb.upper()
        in_progress = f"{stage} IN_PROGRESS"
        return self.path(f"{stage} PENDING", in_progress if in_progress in kind.statuses else None, final)


def _check_settings(
    call: str, advance: object, in_progress: object, describes_per_stage: object, seconds_per_stage: object
) -> None:
    __tracebackhide__ = True
    _arguments.choice(call, "advance", advance, ADVANCE_MODES)
    _arguments.flag(call, "in_progress", in_progress)
    _arguments.whole(call, "describes_per_stage", describes_per_stage, least=1)
    _arguments.seconds(call, "seconds_per_stage", seconds_per_stage)


# The keywords ManualClock.advance takes: datetime.timedelta's.
_CLOCK_UNITS = ("seconds", "weeks", "days", "hours", "minutes", "milliseconds", "microseconds")


def utcnow() -> datetime.datetime:
    # Milliseconds, as the service reports them: a value survives the wire round trip unchanged.
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class ManualClock:
    """A clock the test moves by hand: ``clock.advance(seconds=90)``.

    >>> clock = ManualClock(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    >>> clock.advance(seconds=60)
    >>> clock()
    datetime.datetime(2024, 1, 1, 0, 1, tzinfo=datetime.timezone.utc)
    """

    def __init__(self, start: datetime.datetime | None = None) -> None:
        __tracebackhide__ = True
        if start is not None:
            _arguments.aware_datetime("ManualClock", "start", start)
        self._now = start or utcnow()
        self._lock = threading.Lock()

    def __call__(self) -> datetime.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, **timedelta_kwargs: float) -> None:
        """Move the clock forward by ``seconds`` (and any ``datetime.timedelta`` keywords: ``minutes``,
        ``hours``, ``days``, ...), each a finite number, 0 or more.

        Raises :class:`UsageError` naming the argument for anything else -- a string, NaN, a
        negative amount (the clock only moves forward) -- or an amount that would carry the clock
        past the last moment a ``datetime`` holds.
        """
        __tracebackhide__ = True
        given = {"seconds": seconds, **timedelta_kwargs}
        for name, value in given.items():
            if name not in _CLOCK_UNITS:
                raise UsageError(
                    f"clock.advance({name}={_arguments.shown(value)}): {name} is not a unit of time; "
                    f"give {', '.join(_CLOCK_UNITS)}"
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise _arguments.problem(
                    "clock.advance", name, value, "a finite number, 0 or more (a ManualClock only moves forward)"
                )
        with self._lock:
            try:
                self._now += datetime.timedelta(**given)
            except OverflowError:
                amounts = ", ".join(f"{name}={_arguments.shown(value)}" for name, value in given.items() if value)
                raise UsageError(
                    f"clock.advance({amounts}): the clock would pass {datetime.datetime.max:%Y-%m-%d}, the last day a "
                    f"datetime holds; advance it by less (it reads {self._now.isoformat()})"
                ) from None


@dataclass
class Progress:
    """Where something is on its path of statuses, since when, and how often it was observed there."""

    path: tuple[str, ...]
    since: datetime.datetime
    stage: int = 0
    observations: int = 0
    updated: datetime.datetime = field(init=False)

    def __post_init__(self) -> None:
        self.updated = self.since

    @property
    def status(self) -> str | None:
        return self.path[self.stage] if self.path else None

    @property
    def moving(self) -> bool:
        return self.stage < len(self.path) - 1

    def enter(self, path: tuple[str, ...], now: datetime.datetime) -> None:
        self.path, self.stage, self.since, self.observations, self.updated = path, 0, now, 0, now

    def step(self, now: datetime.datetime) -> None:
        if self.moving:
            self.stage += 1
            self.since, self.observations, self.updated = now, 0, now

    def observe(self, lifecycle: Lifecycle, now: datetime.datetime) -> None:
        """One Describe or List showed this status: in the describe mode, enough of them move it on."""
        if lifecycle.advance != "describe" or not self.moving:
            return
        self.observations += 1
        if self.observations >= lifecycle.describes_per_stage:
            self.step(now)

    def settle(self, lifecycle: Lifecycle, now: datetime.datetime) -> None:
        """In the clock mode, take every stage whose time is up; in the instant mode, every stage."""
        if lifecycle.advance == "instant":
            while self.moving:
                self.step(now)
            return
        if lifecycle.advance != "clock":
            return
        stage = datetime.timedelta(seconds=lifecycle.seconds_per_stage)
        while self.moving and now - self.since >= stage:
            self.step(self.since + stage)
