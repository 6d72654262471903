"""Checks a request or a response against every constraint of the service model.

botocore's own parameter validation checks types, required members and minimums only; the
service also enforces maximums, patterns and enums, and says so in a fixed message format:
``1 validation error detected: Value 'my group' at 'name' failed to satisfy constraint: Member
must satisfy regular expression pattern: ^[a-zA-Z0-9][a-zA-Z0-9\\-_]*``. This module produces
exactly those messages, so a test sees what the service would have said.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from . import spec as _spec
from .rules import refusals as _refusals

if TYPE_CHECKING:
    from botocore.model import Shape

_OMITTED = object()


@dataclass(frozen=True)
class Violation:
    """One failed constraint: where, on what value, and which constraint."""

    path: str
    constraint: str
    value: object = _OMITTED
    hint: str = ""

    def render(self) -> str:
        """The violation in the service's wording (without the hint, which the service doesn't give)."""
        if self.value is _OMITTED:
            return f"Value at '{self.path}' failed to satisfy constraint: {self.constraint}"
        return f"Value {_render_value(self.value)} at '{self.path}' failed to satisfy constraint: {self.constraint}"

    def explain(self) -> str:
        """The violation with a suggestion, for messages addressed to the test author."""
        return f"{self.render()} ({self.hint})" if self.hint else self.render()


def _render_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return f"'{value}'"


def validation_message(violations: list[Violation]) -> str:
    """``N validation error(s) detected: ...; ...`` -- the service's InvalidInputException text."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(v.render() for v in violations)


def _java_length(text: str) -> int:
    # The service counts UTF-16 code units, as Java's String.length() does: an emoji counts two.
    # A lone surrogate (os.fsdecode's surrogateescape makes them) is one unit, not an exception.
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


Checker = Callable[[Any, str], "list[Violation]"]
_NONE: list[Violation] = []


def validate(shape: Shape, value: Any, path: str = "") -> list[Violation]:
    """Every violation of ``shape``'s constraints by ``value`` (a Python value or parsed JSON).

    ``botocore.stub.ANY``, anywhere in ``value``, satisfies every constraint.
    """
    return list(_check(shape, value, path))


def _check(shape: Shape, value: Any, path: str) -> list[Violation]:
    if _spec.is_stub_wildcard(value):
        return _NONE
    return _checker(shape)(value, path)


@functools.cache
def _checker(shape: Shape) -> Checker:
    """A check compiled once per shape: the constraints are read from the model a single time."""
    build = _BUILDERS.get(shape.type_name)
    return build(shape) if build is not None else (lambda value, path: _NONE)


# The service's wording of each constraint, in a violation and in a map's list of constraints.
def _at_least(what: str, low: object) -> str:
    return f"Member must have {what} greater than or equal to {low}"


def _at_most(what: str, high: object) -> str:
    return f"Member must have {what} less than or equal to {high}"


def _matching(pattern: object) -> str:
    return f"Member must satisfy regular expression pattern: {pattern}"


def _one_of(enum: list[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(enum)}]"


def _bounds(shape: Shape, what: str) -> Callable[[float, str, object], list[Violation]]:
    """The check of the shape's ``min`` and ``max`` on a size (``length``) or a number (``value``)."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def check(size: float, path: str, shown: object) -> list[Violation]:
        found = _NONE
        if low is not None and size < low:
            found = [Violation(path, _at_least(what, low), shown)]
        if high is not None and size > high:
            found = [*found, Violation(path, _at_most(what, high), shown)]
        return found

    return check


def _build_structure(shape: Shape) -> Checker:
    required = tuple(shape.required_members)

    def check(value: Any, path: str) -> list[Violation]:
        if type(value) is not dict and not isinstance(value, Mapping):
            return [Violation(path, f"Member must be a structure ({shape.name}), not {type(value).__name__}")]
        found = [
            Violation(_join(path, name), "Member must not be null", None)
            for name in required
            if value.get(name) is None
        ]
        found.extend(_member_violations(shape, value, path))
        return found

    return check


def _member_violations(shape: Shape, value: Mapping[str, Any], path: str) -> list[Violation]:
    """The violations of each member present in ``value``; required members aren't looked for."""
    members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
    found: list[Violation] = []
    for name, member_value in value.items():
        member = members.get(name)
        if member is None:
            close = difflib.get_close_matches(name, list(members), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"members: {', '.join(members)}"
            found.append(Violation(_join(path, name), f"{name!r} is not a member of {shape.name}", hint=hint))
        elif member_value is not None:
            found.extend(_check(member, member_value, _join(path, name)))
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _build_list(shape: Shape) -> Checker:
    size = _bounds(shape, "length")
    member: Shape = shape.member  # type: ignore[attr-defined]

    def check(value: Any, path: str) -> list[Violation]:
        if type(value) is not list and not isinstance(value, tuple):
            return [Violation(path, f"Member must be a list ({shape.name}), not {type(value).__name__}")]
        found = list(size(len(value), path, _OMITTED))
        for index, item in enumerate(value, start=1):
            found.extend(_check(member, item, f"{path}.{index}.member"))
        return found

    return check


def _build_map(shape: Shape) -> Checker:
    """A map's check. Its keys' (and scalar values') constraint failures are reported as the service
    reports them: once per aspect, keys first, at the map's path, naming every constraint of the
    key (or value) shape -- ``Map keys must satisfy constraint: [Member must have length less than
    or equal to 256, ...]`` -- with the map shown as Java shows one, ``{key=value, ...}``.
    """
    size = _bounds(shape, "length")
    key_shape: Shape = shape.key  # type: ignore[attr-defined]
    value_shape: Shape = shape.value  # type: ignore[attr-defined]
    key_rules = _constraint_list(key_shape)
    value_rules = _constraint_list(value_shape)
    sensitive = any(part.metadata.get("sensitive") for part in (shape, key_shape, value_shape))

    def check(value: Any, path: str) -> list[Violation]:
        if not isinstance(value, Mapping):
            return [Violation(path, f"Member must be a map ({shape.name}), not {type(value).__name__}")]
        found = list(size(len(value), path, _OMITTED))
        keys_fail = values_fail = False
        for key, item in value.items():
            for violation in _check(key_shape, key, f"{path}.key"):
                if key_rules is not None and not violation.constraint.startswith(_TYPE_CONSTRAINT):
                    keys_fail = True
                else:
                    found.append(violation)
            for violation in _check(value_shape, item, f"{path}.{key}"):
                if value_rules is not None and not violation.constraint.startswith(_TYPE_CONSTRAINT):
                    values_fail = True
                else:
                    found.append(violation)
        shown = _OMITTED if sensitive else _java_map(value)
        if keys_fail:
            found.append(Violation(path, f"Map keys must satisfy constraint: [{key_rules}]", shown))
        if values_fail:
            found.append(Violation(path, f"Map value must satisfy constraint: [{value_rules}]", shown))
        return found

    return check


# How a type mismatch (which botocore refuses before sending) is worded, unlike a constraint.
_TYPE_CONSTRAINT = "Member must be "


def _constraint_list(shape: Shape) -> str | None:
    """Every constraint of a string or number shape, in the service's order; None for other shapes."""
    if shape.type_name == "string":
        what = "length"
    elif shape.type_name in ("integer", "long", "float", "double"):
        what = "value"
    else:
        return None
    rules = []
    if shape.metadata.get("max") is not None:
        rules.append(_at_most(what, shape.metadata["max"]))
    if shape.metadata.get("min") is not None:
        rules.append(_at_least(what, shape.metadata["min"]))
    if shape.metadata.get("pattern") is not None:
        rules.append(_matching(shape.metadata["pattern"]))
    enum = getattr(shape, "enum", None)
    if enum:
        rules.append(_one_of(enum))
    return ", ".join(rules) if rules else None


def _java_map(value: Mapping[Any, Any]) -> str:
    return "{" + ", ".join(f"{key}={item}" for key, item in value.items()) + "}"


def _build_string(shape: Shape) -> Checker:
    enum: list[str] = list(shape.enum)  # type: ignore[attr-defined]
    allowed = frozenset(enum)
    size = _bounds(shape, "length")
    pattern = shape.metadata.get("pattern")
    compiled = _spec.compiled_pattern(pattern) if pattern is not None else None
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value: Any, path: str) -> list[Violation]:
        shown = _OMITTED if sensitive else value
        if not isinstance(value, str):
            return [Violation(path, f"Member must be a string, not {type(value).__name__}", shown)]
        if allowed and value not in allowed:
            close = difflib.get_close_matches(value, enum, n=1, cutoff=0.0)
            hint = f"did you mean {close[0]!r}?" if close else ""
            return [Violation(path, _one_of(enum), shown, hint=hint)]
        found = size(_java_length(value), path, shown)
        if compiled is not None and compiled.fullmatch(value) is None:
            found = [*found, Violation(path, _matching(pattern), shown)]
        return found

    return check


def _build_number(shape: Shape) -> Checker:
    integral = shape.type_name in ("integer", "long")
    allowed: tuple[type, ...] = (int,) if integral else (int, float)
    kind = "an integer" if integral else "a number"
    bounds = _bounds(shape, "value")

    def check(value: Any, path: str) -> list[Violation]:
        if isinstance(value, bool) or not isinstance(value, allowed):
            return [Violation(path, f"Member must be {kind}, not {type(value).__name__}", value)]
        return bounds(cast(float, value), path, value)

    return check


def _build_type_check(kinds: tuple[type, ...], description: str, show: bool) -> Callable[[Shape], Checker]:
    accepts_bool = bool in kinds

    def build(shape: Shape) -> Checker:
        def check(value: Any, path: str) -> list[Violation]:
            # bool is an int to Python, but never a timestamp or a number to the service.
            if accepts_bool if isinstance(value, bool) else isinstance(value, kinds):
                return _NONE
            shown = value if show else _OMITTED
            return [Violation(path, f"Member must be {description}, not {type(value).__name__}", shown)]

        return check

    return build


_BUILDERS: dict[str, Callable[[Shape], Checker]] = {
    "structure": _build_structure,
    "list": _build_list,
    "map": _build_map,
    "string": _build_string,
    "integer": _build_number,
    "long": _build_number,
    "float": _build_number,
    "double": _build_number,
    "boolean": _build_type_check((bool,), "a boolean", show=True),
    "timestamp": _build_type_check((datetime.datetime, int, float, str), "a timestamp", show=False),
    "blob": _build_type_check((bytes, bytearray, str, io.IOBase), "bytes", show=False),
}


@dataclass(frozen=True)
class RequestProblem:
    """Why the service would refuse a request: the error code, its message, the constraints broken."""

    message: str
    violations: tuple[Violation, ...] = ()
    code: str = "InvalidInputException"

    def explain(self) -> str:
        if not self.violations:
            return self.message
        return "; ".join(v.explain() for v in self.violations)


def request_problem(operation: str, params: Mapping[str, Any]) -> RequestProblem | None:
    """The error the service would answer ``params`` with, or None if it accepts them.

    Model constraints are checked first (InvalidInputException), as the service does; the rules
    the model doesn't carry (:mod:`pytest_personalize.model.rules`: role and key, tags) only once they pass.
    """
    # Tests send the same few flat requests over and over (a stub's expected_params, a fake's
    # polling loop): those verdicts are kept. Types are in the key, since True == 1; no floats,
    # since 0.0 == -0.0 and a message quotes the value as sent.
    items = _scalar_items(params)
    if items is not None:
        return _known_request_problem(operation, items)
    return _request_problem(operation, params)


_SCALARS = frozenset({str, int, bool, type(None)})


def _scalar_items(params: Mapping[str, Any]) -> tuple[tuple[str, type, Any], ...] | None:
    if type(params) is not dict or len(params) > 8:
        return None
    items = []
    for key, value in params.items():
        kind = type(value)
        if kind not in _SCALARS:
            return None
        items.append((key, kind, value))
    return tuple(items)


@functools.lru_cache(maxsize=1024)
def _known_request_problem(operation: str, items: tuple[tuple[str, type, Any], ...]) -> RequestProblem | None:
    # The verdict is immutable (frozen dataclasses, a tuple), so one can be handed out many times.
    return _request_problem(operation, {key: value for key, _, value in items})


def _request_problem(operation: str, params: Mapping[str, Any]) -> RequestProblem | None:
    model = _spec.operation_model(operation)
    shape = model.input_shape
    # Nearly every request conforms: a yes/no check first, the violations with their paths only if not.
    violations = validate(shape, params) if shape is not None and not _passes(shape)(params) else []
    if violations:
        return RequestProblem(validation_message(violations), tuple(violations))
    refusal = _refusals.request_refusal(model.name, params, _spec.modeled_errors(model.name))
    return None if refusal is None else RequestProblem(refusal.message, code=refusal.code)


Passes = Callable[[Any], bool]


@functools.cache
def _passes(shape: Shape) -> Passes:
    """Whether a value meets every constraint of ``shape``: :func:`validate` with nothing to report.

    Compiled once per shape, and far cheaper than collecting violations: no paths, no messages.
    ``botocore.stub.ANY`` passes, as it does in :func:`validate`.
    """
    exact = _exact_passes(shape)
    return lambda value: exact(value) or _spec.is_stub_wildcard(value)


def _exact_passes(shape: Shape) -> Passes:
    kind = shape.type_name
    if kind == "structure":
        members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
        checks = {name: _passes(member) for name, member in members.items()}
        required = tuple(shape.required_members)

        def structure(value: Any) -> bool:
            if not isinstance(value, Mapping):
                return False
            for name in required:
                if value.get(name) is None:
                    return False
            for name, item in value.items():
                check = checks.get(name)
                if check is None or (item is not None and not check(item)):
                    return False
            return True

        return structure
    if kind == "list":
        member = _passes(shape.member)  # type: ignore[attr-defined]
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")

        def sequence(value: Any) -> bool:
            if type(value) is not list and not isinstance(value, tuple):
                return False
            if len(value) < low or (high is not None and len(value) > high):
                return False
            return all(member(item) for item in value)

        return sequence
    if kind == "string":
        allowed = frozenset(shape.enum)  # type: ignore[attr-defined]
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
        pattern = shape.metadata.get("pattern")
        compiled = _spec.compiled_pattern(pattern) if pattern is not None else None

        def string(value: Any) -> bool:
            if type(value) is not str:
                return isinstance(value, str) and not _checker(shape)(value, "")
            if allowed and value not in allowed:
                return False
            size = len(value) if value.isascii() else _java_length(value)
            if size < low or (high is not None and size > high):
                return False
            return compiled is None or compiled.fullmatch(value) is not None

        return string
    # Maps, numbers and the rest are rare in requests: the full check decides.
    checker = _checker(shape)
    return lambda value: not checker(value, "")


def response_violations(operation: str, response: Mapping[str, Any], *, partial: bool = False) -> list[Violation]:
    """Every way ``response`` breaks the operation's output shape (``ResponseMetadata`` aside).

    With ``partial``, ``response`` holds only some members (overrides of a template): each is
    checked, and required members that it leaves out are not reported.
    """
    model = _spec.operation_model(operation)
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    if model.output_shape is None:
        return [Violation(key, f"{model.name} returns no members") for key in body]
    found = _member_violations(model.output_shape, body, "") if partial else validate(model.output_shape, body)
    return [violation for violation in found if not _role_arn_defect(violation)]


def _role_arn_defect(violation: Violation) -> bool:
    """A description's roleArn holding an IAM role: right, though the model types it as a Personalize ARN.

    The request's roleArn is an IAM role (shape RoleArn) and the service returns it as sent (the
    developer guide's DescribeDatasetImportJob example, getting-started-cli.md); the model's
    description shapes type the same member ``Arn``, whose pattern only a Personalize ARN meets.
    """
    if violation.path != "roleArn" and not violation.path.endswith(".roleArn"):
        return False
    role = _spec.named_shape("RoleArn")
    return isinstance(violation.value, str) and not validate(role, violation.value)
