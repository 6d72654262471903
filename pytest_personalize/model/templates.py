"""Conformant responses and errors, built from the service model and the request.

Every template is checked against the model by the tests; the stub, the fake and the server all
build their answers here, so the wire shape of an answer is decided in one place.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import hashlib
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._constants import DEFAULT_REGION
from . import rest as _rest
from . import spec as _spec
from . import validate as _validate
from .rules import arns as _arns
from .rules import events as _events
from .rules import resources as _resources
from .rules import runtime as _runtime
from .rules.common import COMMON_ERRORS

if TYPE_CHECKING:
    from botocore.model import Shape

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

    @functools.cached_property
    def http_date(self) -> str:
        """The ``Date`` header of a response made at ``now``."""
        return http_date(self.now)


# Request ids need to be unique, not unguessable: a private generator (seeded from the OS, and
# out of reach of tests that seed the global one) makes them in a fifth of uuid4()'s time.
_ids = random.Random()
_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)  # the RFC 4122 variant and version 4, as uuid4() sets them


def request_id() -> str:
    """A request id as the service sends it in ``x-amzn-RequestId``: a lowercase UUID (version 4)."""
    digits = f"{_ids.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def content_type(operation: str) -> str:
    """The ``Content-Type`` of an operation's answers: AWS JSON 1.1 for the control plane,
    plain JSON for the REST-JSON runtime and events APIs."""
    return _rest.REST_JSON_CONTENT_TYPE if _rest.is_data_plane(operation) else JSON_CONTENT_TYPE


def response_metadata(
    context: Context, status: int = 200, request: str | None = None, *, content_type: str = JSON_CONTENT_TYPE
) -> dict[str, Any]:
    """``ResponseMetadata`` as botocore builds it from a real response (``content_type``: see :func:`content_type`)."""
    rid = request or request_id()
    return {
        "RequestId": rid,
        "HTTPStatusCode": status,
        "HTTPHeaders": {
            "date": context.http_date,
            "content-type": content_type,
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
    response: dict[str, Any] = {"datasetGroupArn": _arns.dataset_group_arn(str(params.get("name", "example")), context)}
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


def _describe_dataset_group(params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    arn = str(params.get("datasetGroupArn") or _arns.dataset_group_arn("example", context))
    group = dataset_group_description(
        name=_arns.name_from_arn(arn), arn=arn, status="ACTIVE", created=context.now, updated=context.now
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


def template(name: str, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    """A conformant success response to ``name`` (as the model names it) called with ``params``.

    The dataset-group operations answer as the service does; any other operation gets a value
    for every member of its output shape, derived from the shape's constraints. No
    ``ResponseMetadata``: the caller adds it.
    """
    builder = _BUILDERS.get(name) or _runtime.TEMPLATES.get(name) or _events.TEMPLATES.get(name)
    if builder is not None:
        return builder(params, context)
    output = _spec.operation_model(name).output_shape
    if output is None:
        return {}
    value: dict[str, Any] = _Example(name, params, context).value(output, "", depth=0)
    return value


class _Example:
    """Values for a shape that satisfy its constraints and the rules of :mod:`pytest_personalize.model.rules`.

    Where the request or the resource type decides a value, the value is that one: the ARN a
    Create request makes (``dataset/<group>/<TYPE>``), the ARN a Describe request named, the
    parent a List request filtered on, the status a ready resource reports, a real recipe.
    Only what nothing decides is made up.
    """

    MAX_DEPTH = 4

    def __init__(self, operation: str, params: Mapping[str, Any], context: Context) -> None:
        self.params = params
        self.context = context
        parsed = _resources.for_operation(operation)
        self.verb = parsed[0] if parsed is not None else ""
        self.kind: _resources.ResourceType | None = parsed[1] if parsed is not None else None
        self.own_arn = self._own_arn()

    def _own_arn(self) -> str | None:
        if self.kind is None:
            return None
        if self.verb == "Create":
            return _arns.created_arn(self.kind, self.params, self.context, seed=_seed(self.params))
        asked = self.params.get(self.kind.arn_member)
        return asked if isinstance(asked, str) else None

    def value(self, shape: Shape, member: str, depth: int, owner: _resources.ResourceType | None = None) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, depth)
        if kind == "list":
            return [] if depth >= self.MAX_DEPTH else [self.value(shape.member, member, depth + 1, owner)]  # type: ignore[attr-defined]
        if kind == "map":
            if depth >= self.MAX_DEPTH:
                return {}
            key = self.value(shape.key, "key", depth + 1)  # type: ignore[attr-defined]
            return {key: self.value(shape.value, member, depth + 1)}  # type: ignore[attr-defined]
        if kind == "string":
            return self._string(shape, member, owner)
        if kind in ("integer", "long"):
            return int(shape.metadata.get("min", 1))
        if kind in ("float", "double"):
            return float(shape.metadata.get("min", 1.0))
        if kind == "boolean":
            return boolean_default(member)
        if kind == "timestamp":
            return self.context.now
        return b""

    def _structure(self, shape: Shape, depth: int) -> dict[str, Any]:
        members: Mapping[str, Shape] = shape.members  # type: ignore[attr-defined]
        names = list(members) if depth < self.MAX_DEPTH else list(shape.required_members)
        if getattr(shape, "is_tagged_union", False):
            names = names[:1]
        # A list's last page has no token: a lone template must not send a paginator for more.
        names = [name for name in names if name not in ("nextToken", "failureReason")]
        if depth == 0 and self.verb == "Create" and "domain" in names and self.params.get("domain") is None:
            names.remove("domain")
        # The model types some descriptions' roleArn as a Personalize ARN, while real traffic sends
        # the IAM role the request gave: with no value both would accept, the member is left out.
        names = [name for name in names if name != "roleArn" or members[name].name == "RoleArn"]
        owner = _resources.for_shape(shape.name)
        value = {name: self.value(members[name], name, depth + 1, owner) for name in names}
        if owner is not None and "status" in value and owner.settled:
            value["status"] = owner.settled
        if owner is not None and "domain" in value and depth > 0:
            del value["domain"]  # a resource reports a domain only when it was created with one
        return value

    def _string(self, shape: Shape, member: str, owner: _resources.ResourceType | None) -> str:
        enum = shape.enum  # type: ignore[attr-defined]
        if enum:
            echoed = self.params.get(member)
            return str(echoed) if echoed in enum else str(enum[0])
        for candidate in self._string_candidates(shape, member, owner):
            if not _validate.validate(shape, candidate):
                return candidate
        return _minimal_match(shape.metadata.get("pattern", ""))

    def _string_candidates(self, shape: Shape, member: str, owner: _resources.ResourceType | None) -> Iterator[str]:
        own = owner if owner is not None else (self.kind if self.verb != "List" else None)
        if member.endswith("Arn") or member.endswith("Arns") or shape.name == "Arn":
            yield from self._arn_candidates(member.removesuffix("s"), own)
        elif member == own_name_member(own) and own is not None:
            name = _arns.name_in_arn(own, self._arn_of(own))
            if name is not None:
                yield name
        echoed = self.params.get(member)
        if isinstance(echoed, str):
            yield echoed
        if member == "status":
            yield "ACTIVE"
        if member == "trackingId":
            yield _uuid_from(_seed(self.params))
        if member == "datasetType" and own is not None and own.tail == "group/type":
            yield _arns.arn_tail(self._arn_of(own)).rsplit("/", 1)[-1]
        if "s3" in member.lower() or "path" in member.lower():
            yield "s3://example-bucket/example"
        yield "example"
        low = int(shape.metadata.get("min", 0))
        if low > len("example"):
            yield "e" * low

    def _arn_of(self, kind: _resources.ResourceType) -> str:
        """The ARN of the resource of ``kind`` this response is about (or one under the request's parent)."""
        if kind is self.kind and self.own_arn is not None:
            return self.own_arn
        asked = self.params.get(kind.arn_member)
        if isinstance(asked, str):
            return asked
        return _arns.created_arn(kind, self.params, self.context, seed=_seed(self.params))

    def _arn_candidates(self, member: str, owner: _resources.ResourceType | None) -> Iterator[str]:
        context = self.context
        if member == "roleArn":
            yield f"arn:{context.partition}:iam::{context.account}:role/example"
            return
        if member == "kmsKeyArn":
            yield f"arn:{context.partition}:kms:{context.region}:{context.account}:key/example"
            return
        kind = _resources.for_arn_member(member)
        if kind is None:
            echoed = self.params.get(member)
            if isinstance(echoed, str):
                yield echoed
            yield _arns.arn_of_type(
                "resource", "example", partition=context.partition, region=context.region, account=context.account
            )
            return
        if owner is not None and kind is not owner:
            parent = self._parent_from_own_arn(owner, kind)
            if parent is not None:
                yield parent
        yield self._arn_of(kind)

    def _parent_from_own_arn(self, owner: _resources.ResourceType, parent: _resources.ResourceType) -> str | None:
        # A dataset's ARN names its group, a solution version's its solution.
        name = _arns.parent_name_in_arn(owner, self._arn_of(owner))
        if name is None or parent.noun != _arns.ARN_PARENTS.get(owner.tail):
            return None
        return _arns.created_arn(parent, {parent.name_member: name}, self.context)


def boolean_default(member: str) -> bool:
    """What a template reports for a boolean nothing decides: the service's default, False unless documented.

    performAutoTraining: "The default is True" (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolution.html).
    """
    return member == "performAutoTraining"


def own_name_member(kind: _resources.ResourceType | None) -> str:
    return kind.name_member if kind is not None else ""


def _seed(params: Mapping[str, Any]) -> str:
    # Generated ids follow from the request, so a template built twice for one request is the same.
    return hashlib.sha1(
        repr(sorted(params.items(), key=lambda item: item[0])).encode(), usedforsecurity=False
    ).hexdigest()


def _uuid_from(seed: str) -> str:
    return f"{seed[:8]}-{seed[8:12]}-4{seed[13:16]}-a{seed[17:20]}-{seed[20:32]}"


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
        return f"Another resource with Arn {_arns.dataset_group_arn(name, context)} already exists."
    return None


def _not_found(params: Mapping[str, Any], context: Context) -> str | None:
    arn = params.get("datasetGroupArn") or params.get("resourceArn")
    return f"Could not find resource with Arn {arn}." if isinstance(arn, str) else None


_CONTEXTUAL_MESSAGES: dict[str, Callable[[Mapping[str, Any], Context], str | None]] = {
    "ResourceAlreadyExistsException": _already_exists,
    "ResourceNotFoundException": _not_found,
}


def error_message(
    code: str,
    params: Mapping[str, Any] | None = None,
    context: Context | None = None,
    *,
    operation: str | None = None,
) -> str:
    """The message an error carries when the test doesn't give one.

    Where the request says what the service would name (the ARN that already exists), the message
    names it; otherwise it is the model's own description of the error, or for a common error
    the API reference's. ``operation`` says which API's wording applies (runtime and events
    have their own).
    """
    if operation is not None and _rest.is_data_plane(operation):
        service = _spec.service_of(operation)
        message = _runtime.error_message(operation, code, params or {}) or _events.error_message(
            operation, code, params or {}
        )
        common = COMMON_ERRORS.get(code)
        if message is None:
            message = common.message if common is not None else _spec.error_documentation(code, service)
        return message or code
    contextual = _CONTEXTUAL_MESSAGES.get(code)
    message = contextual(params or {}, context or Context()) if contextual else None
    if message:
        return message
    common = COMMON_ERRORS.get(code)
    return common.message if common is not None else _spec.error_documentation(code) or code


def check_error_code(operation: str | None, code: str) -> None:
    """Fail, listing what is allowed, unless ``operation`` can answer with ``code``.

    An operation answers with the errors its model declares and with the common errors any AWS
    JSON operation may send. With no operation, any code some Personalize operation declares.
    """
    __tracebackhide__ = True
    if code in COMMON_ERRORS:
        return
    modeled = _spec.modeled_errors(operation) if operation is not None else tuple(sorted(_spec.all_modeled_errors()))
    if code in modeled:
        return
    from .errors import ConformanceError

    where = (
        f"modeled for {_spec.operation_name(operation)}"
        if operation is not None
        else "an error Amazon Personalize sends"
    )
    raise ConformanceError(
        f"{code!r} is not {where}; modeled: {', '.join(modeled)}; common to every operation: {', '.join(COMMON_ERRORS)}"
    )


def error_status(code: str, operation: str | None = None) -> int:
    """The HTTP status an error travels with: a common error's own; for a modeled one, the status
    the operation's model gives it (the REST-JSON APIs: 404, 409), else 400."""
    common = COMMON_ERRORS.get(code)
    if common is not None:
        return common.status
    modeled = _spec.error_http_status(operation, code) if operation is not None else None
    return modeled if modeled is not None else ERROR_STATUS


def error_body(code: str, message: str) -> dict[str, str]:
    """An error as the service puts it on the wire (AWS JSON 1.1)."""
    return {"__type": code, "message": message}
