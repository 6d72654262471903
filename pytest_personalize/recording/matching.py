"""Matching the user controls: members a cassette ignores or normalises, per operation, and a custom matcher.

A recorded request answers a live one when their keys (:class:`.cassette.RequestKey`) are
equal. A job name with a uuid in it differs on every run, and re-recording only gets a new
one, so the user says which members don't count:

- ``ignore``: members left out of the comparison, ``"tags"`` for every operation or
  ``"CreateSolution:name"`` for one; a dotted path reaches into objects (``"solutionConfig.
  hpoConfig"``), and a path crossing a list applies to each element;
- ``normalize``: members compared after their volatile part is replaced: ``"uuid"``,
  ``"timestamp"``, ``"counter"``, a regular expression, or (from Python) a function of the value;
- ``matcher``: a further condition, as a vcrpy custom matcher is one more entry of ``match_on``:
  ``matcher(request, recorded)`` returns False or raises AssertionError when ``recorded`` must
  not answer ``request``. A vcrpy matcher works unchanged.

One :class:`Matching` serves recording and replay alike: ``new_episodes`` decides what a
cassette lacks with it, replay what answers. It is also how a miss is explained: when the only
differences are in members that look volatile, the message shows the configuration that fixes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..model.errors import UsageError

# Volatile values, by kind. Every quantifier is bounded, and no two of a pattern overlap.
_HEX = "[0-9a-fA-F]"
_KINDS: dict[str, re.Pattern[str]] = {
    "uuid": re.compile(rf"(?<![0-9a-fA-F]){_HEX}{{8}}(?:-?{_HEX}{{4}}){{3}}-?{_HEX}{{12}}(?![0-9a-fA-F])"),
    # ISO 8601 (2026-12-06T19:00:26.123Z, 20261206T190026Z, 2026-12-06) or epoch seconds/milliseconds.
    "timestamp": re.compile(
        r"(?<![0-9])(?:[0-9]{4}-?[0-9]{2}-?[0-9]{2}"
        r"(?:[T _][0-9]{2}:?[0-9]{2}(?::?[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
        r"|1[0-9]{9}(?:[0-9]{3})?(?:\.[0-9]{1,9})?)(?![0-9])"
    ),
    "counter": re.compile(r"(?<![0-9])[0-9]{1,19}(?![0-9])"),
}
KINDS = tuple(_KINDS)
_KIND_NAMES = {"uuid": "a uuid", "timestamp": "a timestamp", "counter": "a counter"}

Normalizer = Callable[[Any], Any]
Matcher = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Member:
    """A member path, for one operation (``operation``) or every one (None)."""

    operation: str | None
    path: tuple[str, ...]

    @classmethod
    def parse(cls, text: object) -> Member:
        if not isinstance(text, str) or not text.strip():
            raise UsageError(f"a member is written 'member', 'a.b' or 'Operation:member', not {text!r}")
        operation, _, path = text.strip().rpartition(":")
        parts = tuple(path.split("."))
        if not all(parts) or any(char.isspace() for char in text.strip()):
            raise UsageError(
                f"{text!r} is not a member path ('name', 'solutionConfig.hpoConfig', 'CreateSolution:name')"
            )
        return cls(operation if operation not in ("", "*") else None, parts)

    def applies_to(self, operation: str | None) -> bool:
        return self.operation is None or self.operation == operation

    def __str__(self) -> str:
        path = ".".join(self.path)
        return f"{self.operation}:{path}" if self.operation else path


@dataclass(frozen=True)
class Normalization:
    """How a member's value is compared: its volatile part replaced, or a function of it."""

    member: Member
    spelled: str  # as the user wrote it: a kind, a pattern, or a function's name
    pattern: re.Pattern[str] | None = None
    function: Normalizer | None = None

    def __call__(self, value: Any) -> Any:
        if self.function is not None:
            return self.function(value)
        if self.pattern is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return value
        text = value if isinstance(value, str) else json.dumps(value)
        replaced = self.pattern.sub(f"<{self.spelled if self.spelled in _KINDS else 'normalized'}>", text)
        return value if replaced == text else replaced


def _normalization(member: Member, how: object) -> Normalization:
    if callable(how):
        return Normalization(member, getattr(how, "__name__", "function"), function=how)
    if not isinstance(how, str) or not how:
        raise UsageError(
            f"normalize {member}: {how!r} is neither one of {', '.join(KINDS)}, a regular expression nor a function"
        )
    if how in _KINDS:
        return Normalization(member, how, pattern=_KINDS[how])
    try:
        return Normalization(member, how, pattern=re.compile(how))
    except re.error as error:
        raise UsageError(f"normalize {member}: {how!r} is not a regular expression ({error})") from None


@dataclass(frozen=True)
class Matching:
    """What the comparison of a request with a recorded one leaves out or normalises, and a custom matcher."""

    ignore: tuple[Member, ...] = ()
    normalize: tuple[Normalization, ...] = ()
    matcher: Matcher | None = None

    KEYS = ("ignore", "normalize", "matcher")

    @property
    def changes_bodies(self) -> bool:
        return bool(self.ignore or self.normalize)

    @classmethod
    def of(cls, given: Matching | Mapping[str, Any] | None) -> Matching:
        """A matching from a mapping (``{"ignore": [...], "normalize": {...}, "matcher": f}``); UsageError names a bad key."""
        if given is None:
            return cls()
        if isinstance(given, Matching):
            return given
        if not isinstance(given, Mapping):
            raise UsageError(f"matching must be a mapping of {', '.join(cls.KEYS)}, not {given!r}")
        unknown = sorted(set(map(str, given)) - set(cls.KEYS))
        if unknown:
            raise UsageError(f"matching has unknown key(s) {', '.join(unknown)}; it takes {', '.join(cls.KEYS)}")
        ignore = given.get("ignore") or ()
        if isinstance(ignore, str) or not isinstance(ignore, Iterable):
            raise UsageError(f"matching ignore must be a list of members, not {ignore!r}")
        normalize = given.get("normalize") or {}
        if not isinstance(normalize, Mapping):
            raise UsageError(f"matching normalize must map members to how they are normalised, not {normalize!r}")
        matcher = given.get("matcher")
        if matcher is not None and not callable(matcher):
            raise UsageError(f"matching matcher must be a function (request, recorded), not {matcher!r}")
        return cls(
            ignore=tuple(Member.parse(member) for member in ignore),
            normalize=tuple(_normalization(Member.parse(member), how) for member, how in normalize.items()),
            matcher=matcher,
        )

    @classmethod
    def from_lines(cls, lines: Iterable[str], where: str = "ini personalize_cassette_matching") -> dict[str, Any]:
        """The mapping an ini key's lines give: ``ignore MEMBER ...`` and ``normalize MEMBER HOW``."""
        ignore: list[str] = []
        normalize: dict[str, str] = {}
        for line in lines:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0] == "ignore" and len(words) > 1:
                ignore.extend(words[1:])
            elif words[0] == "normalize" and len(words) == 3:
                normalize[words[1]] = words[2]
            else:
                raise UsageError(
                    f"{where}: {line.strip()!r} is neither 'ignore MEMBER ...' nor 'normalize MEMBER "
                    f"{'|'.join(KINDS)}|REGEX'"
                )
        found: dict[str, Any] = {}
        if ignore:
            found["ignore"] = ignore
        if normalize:
            found["normalize"] = normalize
        cls.of(found)  # a bad member or pattern is told here, naming the key
        return found

    def combined(self, closer: Matching) -> Matching:
        """This matching with ``closer``'s added: its ignores and normalisations too, its matcher if it has one."""
        return Matching(
            ignore=self.ignore + closer.ignore,
            normalize=self.normalize + closer.normalize,
            matcher=closer.matcher or self.matcher,
        )

    def body(self, operation: str | None, body: str) -> str:
        """The canonical body with the operation's ignored members left out and normalised ones normalised."""
        ignore = [member for member in self.ignore if member.applies_to(operation)]
        normalize = [rule for rule in self.normalize if rule.member.applies_to(operation)]
        if not (ignore or normalize) or not body:
            return body
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return body
        for member in ignore:
            data = _changed(data, member.path, None)
        for rule in normalize:
            data = _changed(data, rule.member.path, rule)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)

    def accepts(self, request: Any, recorded: Any) -> tuple[bool, str]:
        """Whether the custom matcher lets ``recorded`` answer ``request``, and its reason if not."""
        if self.matcher is None:
            return True, ""
        try:
            verdict = self.matcher(request, recorded)
        except AssertionError as error:
            # Its first line: pytest's assertion rewriting adds the comparison's details below it.
            return False, (str(error).strip().splitlines() or [""])[0]
        return (verdict is None or bool(verdict)), ""


_GONE = object()


def _changed(data: Any, path: tuple[str, ...], rule: Normalization | None) -> Any:
    """``data`` with the member at ``path`` removed (``rule`` None) or normalised; lists apply to each element."""
    if isinstance(data, list):
        return [_changed(item, path, rule) for item in data]
    if not path:
        return _GONE if rule is None else rule(data)
    if not isinstance(data, dict) or path[0] not in data:
        return data
    changed = dict(data)
    value = _changed(data[path[0]], path[1:], rule)
    if value is _GONE:
        del changed[path[0]]
    else:
        changed[path[0]] = value
    return changed


# --- explaining a miss -------------------------------------------------------------------------


def volatile_members(body: str, recorded: str) -> list[tuple[str, str]] | None:
    """The member paths and kinds of volatile value that alone tell ``body`` from ``recorded``.

    None when anything else differs too (or nothing does): then no normalisation explains the miss.
    """
    try:
        mine, theirs = json.loads(body or "{}"), json.loads(recorded or "{}")
    except (ValueError, RecursionError):
        return None
    found: dict[str, str] = {}
    for path, left, right in _leaf_differences(mine, theirs, ()):
        if path is None:
            return None
        kind = _volatile_kind(left, right)
        if kind is None:
            return None
        found.setdefault(".".join(path), kind)
    return sorted(found.items()) or None


def _leaf_differences(
    mine: Any, theirs: Any, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...] | None, Any, Any]]:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in sorted(set(mine) | set(theirs)):
            if key not in mine or key not in theirs:
                yield None, None, None  # a member present on one side only: not a value that varies
                return
            yield from _leaf_differences(mine[key], theirs[key], (*path, key))
    elif isinstance(mine, list) and isinstance(theirs, list):
        if len(mine) != len(theirs):
            yield None, None, None
            return
        for left, right in zip(mine, theirs, strict=True):
            yield from _leaf_differences(left, right, path)
    elif mine != theirs:
        yield (path or None), mine, theirs


def _volatile_kind(left: Any, right: Any) -> str | None:
    for kind, pattern in _KINDS.items():
        rule = Normalization(Member(None, ("value",)), kind, pattern=pattern)
        if rule(left) != left and rule(left) == rule(right):
            return kind
    return None


def suggestion(operation: str | None, members: list[tuple[str, str]]) -> list[str]:
    """The lines of a miss message that show the matching configuration making these members match."""
    scope = f"{operation}:" if operation else ""
    rules = {f"{scope}{path}": kind for path, kind in members}
    described = ", ".join(f"{path!r} ({_KIND_NAMES[kind]})" for path, kind in members)
    return [
        f"  the only differences are in members that look volatile: {described}; re-recording would",
        "  only record new values. Match them whatever their value (recording and replay alike):",
        f"    @pytest.mark.personalize_cassette(matching={{'normalize': {rules!r}}})",
        "  or, for every test, in the ini file:",
        "    personalize_cassette_matching =",
        *(f"        normalize {member} {kind}" for member, kind in rules.items()),
    ]


__all__ = ["KINDS", "Matcher", "Matching", "Member", "Normalization", "suggestion", "volatile_members"]
