"""Conformant responses and errors, built from the service model and the request.

Every template is checked against the model by the tests; the stub, the fake and the server all
build their answers here, so the wire shape of an answer is decided in one place.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from . import _spec, _validate

if TYPE_CHECKING:
    from botocore.model import Shape

DEFAULT_REGION = "us-east-1"
# The account id AWS's own documentation uses: it belongs to nobody.
DEFAULT_ACCOUNT = "123456789012"
ERROR_STATUS = 400
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class Context:
    """Where a response is made: the region and account it names, and the moment it is made."""

    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))

    @property
    def partition(self) -> str:
        return _spec.partition_for_region(self.region)


# Request ids need to be unique, not unguessable: a private generator (seeded from the OS, and
# out of reach of tests that seed the global one) makes them in a fifth of uuid4()'s time.
_ids = random.Random()
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)  # the RFC 4122 variant and version 4, as uuid4() sets them


def request_id() -> str:
    """A request id as the service sends it in ``x-amzn-RequestId``: a lowercase UUID (version 4)."""
    digits = f"{_ids.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def personalize_arn(resource_type: str, name: str, context: Context) -> str:
    return f"arn:{context.partition}:personalize:{context.region}:{context.account}:{resource_type}/{name}"


def dataset_group_arn(name: str, context: Context) -> str:
    """``arn:<partition>:personalize:<region>:<account>:dataset-group/<name>``."""
    return personalize_arn("dataset-group", name, context)


def name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def response_metadata(context: Context, status: int = 200, request: str | None = None) -> dict[str, Any]:
    """``ResponseMetadata`` as botocore builds it from a real response."""
    rid = request or request_id()
    return {
        "RequestId": rid,
        "HTTPStatusCode": status,
        "HTTPHeaders": {
            "date": http_date(context.now),
            "content-type": JSON_CONTENT_TYPE,
            "x-amzn-requestid": rid,
            "connection": "keep-alive",
        },
        "RetryAttempts": 0,
    }


@functools.lru_cache(maxsize=64)
def http_date(moment: datetime.datetime) -> str:
    """The ``Date`` header for a moment (RFC 7231, always GMT, whatever the locale)."""
    return email.utils.format_datetime(moment.astimezone(datetime.timezone.utc), usegmt=True)


# --- success responses ---------------------------------------------------------------------


def _create_dataset_group(params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    response: dict[str, Any] = {"datasetGroupArn": dataset_group_arn(str(params.get("name", "example")), context)}
    # The service echoes the domain of a Domain dataset group and leaves the key out otherwise.
    if params.get("domain") is not None:
        response["domain"] = params["domain"]
    return response


def dataset_group_description(
    *,
    name: str,
    arn: str,
    status: str,
    created: datetime.datetime,
    updated: datetime.datetime,
    params: Mapping[str, Any] | None = None,
    failure_reason: str | None = None,
) -> dict[str, Any]:
    """A ``DatasetGroup`` as DescribeDatasetGroup returns it: keys absent, never null, when unset."""
    params = params or {}
    group: dict[str, Any] = {"name": name, "datasetGroupArn": arn, "status": status}
    for key in ("roleArn", "kmsKeyArn"):
        if params.get(key) is not None:
            group[key] = params[key]
    group["creationDateTime"] = created
    group["lastUpdatedDateTime"] = updated
    if failure_reason is not None:
        group["failureReason"] = failure_reason
    if params.get("domain") is not None:
        group["domain"] = params["domain"]
    return group


def dataset_group_summary(description: Mapping[str, Any]) -> dict[str, Any]:
    """The ``DatasetGroupSummary`` ListDatasetGroups gives for a described group (no role or key)."""
    summary_members = _spec.named_shape("DatasetGroupSummary").members  # type: ignore[attr-defined]
    return {key: value for key, value in description.items() if key in summary_members}


def _describe_dataset_group(params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    arn = str(params.get("datasetGroupArn") or dataset_group_arn("example", context))
    group = dataset_group_description(
        name=name_from_arn(arn), arn=arn, status="ACTIVE", created=context.now, updated=context.now
    )
    return {"datasetGroup": group}


def _empty(params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    return {}


_BUILDERS: dict[str, Callable[[Mapping[str, Any], Context], dict[str, Any]]] = {
    "CreateDatasetGroup": _create_dataset_group,
    "DescribeDatasetGroup": _describe_dataset_group,
    "ListDatasetGroups": lambda params, context: {"datasetGroups": []},
    "DeleteDatasetGroup": _empty,
    "TagResource": _empty,
    "UntagResource": _empty,
    "ListTagsForResource": lambda params, context: {"tags": []},
}


def success_response(
    operation: str, params: Mapping[str, Any] | None = None, context: Context | None = None
) -> dict[str, Any]:
    """A conformant success response to ``operation`` called with ``params`` (no ``ResponseMetadata``).

    The dataset-group operations answer as the service does; any other operation gets a value
    for every member of its output shape, derived from the shape's constraints.
    """
    name = _spec.operation_name(operation)
    # An expected parameter given as botocore.stub.ANY says nothing the response could echo.
    params = {key: value for key, value in (params or {}).items() if not _spec.is_stub_wildcard(value)}
    context = context or Context()
    builder = _BUILDERS.get(name)
    if builder is not None:
        return builder(params, context)
    output = _spec.operation_model(name).output_shape
    if output is None:
        return {}
    value: dict[str, Any] = _Example(params, context).value(output, "", depth=0)
    return value


class _Example:
    """Values for a shape that satisfy its constraints, preferring ones a reader recognises."""

    MAX_DEPTH = 4

    def __init__(self, params: Mapping[str, Any], context: Context) -> None:
        self.params = params
        self.context = context

    def value(self, shape: Shape, member: str, depth: int) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, depth)
        if kind == "list":
            return [] if depth >= self.MAX_DEPTH else [self.value(shape.member, member, depth + 1)]  # type: ignore[attr-defined]
        if kind == "map":
            if depth >= self.MAX_DEPTH:
                return {}
            key = self.value(shape.key, "key", depth + 1)  # type: ignore[attr-defined]
            return {key: self.value(shape.value, member, depth + 1)}  # type: ignore[attr-defined]
        if kind == "string":
            return self._string(shape, member)
        if kind in ("integer", "long"):
            return int(shape.metadata.get("min", 1))
        if kind in ("float", "double"):
            return float(shape.metadata.get("min", 1.0))
        if kind == "boolean":
            return False
        if kind == "timestamp":
            return self.context.now
        return b""

    def _structure(self, shape: Shape, depth: int) -> dict[str, Any]:
        members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
        names = list(members) if depth < self.MAX_DEPTH else list(shape.required_members)
        if getattr(shape, "is_tagged_union", False):
            names = names[:1]
        return {name: self.value(members[name], name, depth + 1) for name in names}

    def _string(self, shape: Shape, member: str) -> str:
        enum = shape.enum  # type: ignore[attr-defined]
        if enum:
            return str(enum[0])
        for candidate in self._string_candidates(shape, member):
            if not _validate.validate(shape, candidate):
                return candidate
        return _minimal_match(shape.metadata.get("pattern", ""))

    def _string_candidates(self, shape: Shape, member: str) -> Iterator[str]:
        echoed = self.params.get(member)
        if isinstance(echoed, str):
            yield echoed
        if member == "status":
            yield "ACTIVE"
        if member.endswith("Arn") or member.endswith("Arns") or shape.name == "Arn":
            resource = re.sub(r"(?<!^)(?=[A-Z])", "-", re.sub(r"Arns?$", "", member)).lower() or "resource"
            yield personalize_arn(resource, "example", self.context)
            yield f"arn:{self.context.partition}:iam::{self.context.account}:role/example"
            yield f"arn:{self.context.partition}:kms:{self.context.region}:{self.context.account}:key/example"
        if "s3" in member.lower() or "path" in member.lower():
            yield "s3://example-bucket/example"
        yield "example"
        low = int(shape.metadata.get("min", 0))
        if low > len("example"):
            yield "e" * low


def _minimal_match(java_pattern: str) -> str:
    """The shortest string the model pattern matches, read off its parse tree."""
    # Only for generating examples: a Java property class becomes a letter it contains.
    pattern = re.sub(r"\\p\{\w+\}", "a", java_pattern)
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_parse  # type: ignore[no-redef,unused-ignore]
    return _emit(sre_parse.parse(pattern))


def _emit(tree: Any) -> str:
    try:
        from re import _constants as c  # type: ignore[attr-defined]
    except ImportError:  # Python < 3.11
        import sre_constants as c  # type: ignore[no-redef,unused-ignore]

    out = []
    for op, arg in tree:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is c.ANY:
            out.append("a")
        elif op is c.IN:
            out.append(_first_in_class(arg, c))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_emit(sub) * low)
        elif op is c.SUBPATTERN:
            out.append(_emit(arg[-1]))
        elif op is c.BRANCH:
            out.append(_emit(arg[1][0]))
        elif op is c.CATEGORY:
            out.append(_CATEGORY_EXAMPLES.get(str(arg), "a"))
    return "".join(out)


_CATEGORY_EXAMPLES = {"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " ", "CATEGORY_WORD": "a"}


def _first_in_class(items: Any, c: Any) -> str:
    for op, arg in items:
        if op is c.LITERAL:
            return chr(arg)
        if op is c.RANGE:
            return chr(arg[0])
        if op is c.CATEGORY:
            return _CATEGORY_EXAMPLES.get(str(arg), "a")
    return "a"


# --- errors --------------------------------------------------------------------------------


def _already_exists(params: Mapping[str, Any], context: Context) -> str | None:
    # The service's wording, as seen in a real ResourceAlreadyExistsException from Personalize.
    name = params.get("name")
    if isinstance(name, str):
        return f"Another resource with Arn {dataset_group_arn(name, context)} already exists."
    return None


def _not_found(params: Mapping[str, Any], context: Context) -> str | None:
    arn = params.get("datasetGroupArn") or params.get("resourceArn")
    return f"Could not find resource with Arn {arn}." if isinstance(arn, str) else None


def _invalid_input(params: Mapping[str, Any], context: Context) -> str | None:
    return None


_CONTEXTUAL_MESSAGES: dict[str, Callable[[Mapping[str, Any], Context], str | None]] = {
    "ResourceAlreadyExistsException": _already_exists,
    "ResourceNotFoundException": _not_found,
    "InvalidInputException": _invalid_input,
}


def error_message(code: str, params: Mapping[str, Any] | None = None, context: Context | None = None) -> str:
    """The message an error carries when the test doesn't give one.

    Where the request says what the service would name (the ARN that already exists), the message
    names it; otherwise it is the model's own description of the error.
    """
    contextual = _CONTEXTUAL_MESSAGES.get(code)
    message = contextual(params or {}, context or Context()) if contextual else None
    return message or _spec.error_documentation(code) or code


def check_modeled(operation: str, code: str) -> None:
    """Fail, listing the codes the model declares, if ``operation`` doesn't model ``code``."""
    __tracebackhide__ = True
    modeled = _spec.modeled_errors(operation)
    if code not in modeled:
        from ._errors import ConformanceError

        raise ConformanceError(
            f"{code} is not modeled for {_spec.operation_name(operation)}; modeled: {', '.join(modeled)}"
        )


def error_body(code: str, message: str) -> dict[str, str]:
    """An error as the service puts it on the wire (AWS JSON 1.1)."""
    return {"__type": code, "message": message}
