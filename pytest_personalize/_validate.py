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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from . import _spec

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
    return len(text.encode("utf-16-le")) // 2


def _is_stub_wildcard(value: object) -> bool:
    return type(value).__name__ == "_ANY" and type(value).__module__ == "botocore.stub"


def validate(shape: Shape, value: Any, path: str = "") -> list[Violation]:
    """Every violation of ``shape``'s constraints by ``value`` (a Python value or parsed JSON)."""
    if _is_stub_wildcard(value):
        return []
    checker = _CHECKERS.get(shape.type_name, _check_nothing)
    return checker(shape, value, path)


def _check_nothing(shape: Shape, value: Any, path: str) -> list[Violation]:
    return []


def _shown(shape: Shape, value: object) -> object:
    return _OMITTED if shape.metadata.get("sensitive") else value


def _check_structure(shape: Shape, value: Any, path: str) -> list[Violation]:
    if not isinstance(value, Mapping):
        return [Violation(path, f"Member must be a structure ({shape.name}), not {type(value).__name__}")]
    members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
    found: list[Violation] = []
    for name in shape.required_members:  # type: ignore[attr-defined]
        if value.get(name) is None:
            found.append(Violation(_join(path, name), "Member must not be null", None))
    for name, member_value in value.items():
        member_path = _join(path, name)
        if name not in members:
            close = difflib.get_close_matches(name, list(members), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"members: {', '.join(members)}"
            found.append(Violation(member_path, f"{name!r} is not a member of {shape.name}", hint=hint))
        elif member_value is not None:
            found.extend(validate(members[name], member_value, member_path))
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_list(shape: Shape, value: Any, path: str) -> list[Violation]:
    if not isinstance(value, (list, tuple)):
        return [Violation(path, f"Member must be a list ({shape.name}), not {type(value).__name__}")]
    found = _check_size(shape, len(value), path, "length")
    member: Shape = shape.member  # type: ignore[attr-defined]
    for index, item in enumerate(value, start=1):
        found.extend(validate(member, item, f"{path}.{index}.member"))
    return found


def _check_map(shape: Shape, value: Any, path: str) -> list[Violation]:
    if not isinstance(value, Mapping):
        return [Violation(path, f"Member must be a map ({shape.name}), not {type(value).__name__}")]
    found = _check_size(shape, len(value), path, "length")
    for key, item in value.items():
        found.extend(validate(shape.key, key, f"{path}.key"))  # type: ignore[attr-defined]
        found.extend(validate(shape.value, item, f"{path}.{key}"))  # type: ignore[attr-defined]
    return found


def _check_size(shape: Shape, size: int, path: str, what: str, shown: object = _OMITTED) -> list[Violation]:
    found = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        found.append(Violation(path, f"Member must have {what} greater than or equal to {low}", shown))
    if high is not None and size > high:
        found.append(Violation(path, f"Member must have {what} less than or equal to {high}", shown))
    return found


def _check_string(shape: Shape, value: Any, path: str) -> list[Violation]:
    if not isinstance(value, str):
        return [Violation(path, f"Member must be a string, not {type(value).__name__}", _shown(shape, value))]
    shown = _shown(shape, value)
    enum = shape.enum  # type: ignore[attr-defined]
    if enum and value not in enum:
        close = difflib.get_close_matches(value, enum, n=1, cutoff=0.0)
        return [
            Violation(
                path,
                f"Member must satisfy enum value set: [{', '.join(enum)}]",
                shown,
                hint=f"did you mean {close[0]!r}?" if close else "",
            )
        ]
    found = _check_size(shape, _java_length(value), path, "length", shown)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and not _spec.matches_pattern(pattern, value):
        found.append(Violation(path, f"Member must satisfy regular expression pattern: {pattern}", shown))
    return found


def _check_number(shape: Shape, value: Any, path: str) -> list[Violation]:
    integral = shape.type_name in ("integer", "long")
    allowed: tuple[type, ...] = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        kind = "an integer" if integral else "a number"
        return [Violation(path, f"Member must be {kind}, not {type(value).__name__}", value)]
    found = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        found.append(Violation(path, f"Member must have value greater than or equal to {low}", value))
    if high is not None and value > high:
        found.append(Violation(path, f"Member must have value less than or equal to {high}", value))
    return found


def _check_boolean(shape: Shape, value: Any, path: str) -> list[Violation]:
    if isinstance(value, bool):
        return []
    return [Violation(path, f"Member must be a boolean, not {type(value).__name__}", value)]


def _check_timestamp(shape: Shape, value: Any, path: str) -> list[Violation]:
    if isinstance(value, (datetime.datetime, int, float, str)) and not isinstance(value, bool):
        return []
    return [Violation(path, f"Member must be a timestamp, not {type(value).__name__}")]


def _check_blob(shape: Shape, value: Any, path: str) -> list[Violation]:
    if isinstance(value, (bytes, bytearray, str)) or hasattr(value, "read"):
        return []
    return [Violation(path, f"Member must be bytes, not {type(value).__name__}")]


_CHECKERS: dict[str, Callable[[Shape, Any, str], list[Violation]]] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_number,
    "long": _check_number,
    "float": _check_number,
    "double": _check_number,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
    "blob": _check_blob,
}


def _role_needs_kms_key(params: Mapping[str, Any]) -> str | None:
    # Stated by the API reference, not the model: "Supplying an IAM role is only valid when also
    # specifying a KMS key", and "If you specify a KMS key, you must also include an IAM role".
    has_role, has_key = params.get("roleArn") is not None, params.get("kmsKeyArn") is not None
    if has_role and not has_key:
        return "Supplying an IAM role (roleArn) is only valid when also specifying a KMS key (kmsKeyArn)."
    if has_key and not has_role:
        return "If you specify a KMS key (kmsKeyArn), you must also include an IAM role (roleArn) that has permission to access the key."
    return None


_CROSS_FIELD_RULES: dict[str, tuple[Callable[[Mapping[str, Any]], str | None], ...]] = {
    "CreateDatasetGroup": (_role_needs_kms_key,),
}


@dataclass(frozen=True)
class RequestProblem:
    """Why the service would refuse a request with InvalidInputException."""

    message: str
    violations: tuple[Violation, ...] = ()

    def explain(self) -> str:
        if not self.violations:
            return self.message
        return "; ".join(v.explain() for v in self.violations)


def request_problem(operation: str, params: Mapping[str, Any]) -> RequestProblem | None:
    """The InvalidInputException the service would answer ``params`` with, or None if it accepts them.

    Model constraints are checked first, as the service does; cross-field rules only once they pass.
    """
    model = _spec.operation_model(operation)
    violations = validate(model.input_shape, params) if model.input_shape is not None else []
    if violations:
        return RequestProblem(validation_message(violations), tuple(violations))
    for rule in _CROSS_FIELD_RULES.get(model.name, ()):
        message = rule(params)
        if message is not None:
            return RequestProblem(message)
    return None


def response_violations(operation: str, response: Mapping[str, Any]) -> list[Violation]:
    """Every way ``response`` breaks the operation's output shape (``ResponseMetadata`` aside)."""
    model = _spec.operation_model(operation)
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    if model.output_shape is None:
        return [Violation(key, f"{model.name} returns no members") for key in body]
    return validate(model.output_shape, body)
