"""Conformant responses and errors, built from the service model and the request.

Every template is checked against the model by the tests; the stub, the fake and the server all
build their answers here, so the wire shape of an answer is decided in one place.
"""

from __future__ import annotations

import datetime
import email.utils
import functools
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._constants import DEFAULT_REGION
from . import rest as _rest
from . import spec as _spec
from . import validate as _validate
from .errors import ServiceError
from .rules import arns as _arns
from .rules import events as _events
from .rules import recipes as _recipes
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

    The dataset-group operations answer as the service does, the catalogue's Describe operations
    with its facts; any other operation gets a value for each member its answer always holds,
    derived from the shape's constraints and the rules (:func:`model_example`); optional members
    are absent, as the service leaves them out unless the request gave them. No
    ``ResponseMetadata``: the caller adds it.
    """
    builder = _BUILDERS.get(name) or _runtime.TEMPLATES.get(name) or _events.TEMPLATES.get(name)
    if builder is not None:
        return builder(params, context)
    owned = _owned_answer(name, params, context)
    return owned if owned is not None else model_example(name, params, context)


def _owned_answer(name: str, params: Mapping[str, Any], context: Context) -> dict[str, Any] | None:
    # What AWS owns is described from the catalogue's facts, as the fake describes it.
    parsed = _resources.for_operation(name)
    if parsed is None or parsed[0] != "Describe" or not parsed[1].aws_owned:
        return None
    kind = parsed[1]
    asked = params.get(kind.arn_member)
    entry = _arns.arn_tail(asked) if isinstance(asked, str) else _resources.DEFAULT_AWS_OWNED_NAMES[kind.noun]
    if entry not in _recipes.names(kind.noun):
        return None
    return {single_member(name): owned_description(kind, entry, context)}


def model_example(name: str, params: Mapping[str, Any], context: Context) -> dict[str, Any]:
    """The answer to ``name`` built from its output shape alone: a value for each member the service
    sends when nothing says more (see :class:`_Example`), none for an optional one."""
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
    A description holds the members the service always sends (:meth:`_present`), not the
    optional ones; maps are empty and lists other than a List answer's resources too, so no
    key or element is made up. Only what nothing decides (a name, a path) reads ``example``.
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
            item: Shape = shape.member  # type: ignore[attr-defined]
            # A List answer holds one resource; any other list would hold what nothing decides.
            if depth >= self.MAX_DEPTH or _resources.for_shape(item.name) is None:
                return []
            return [self.value(item, member, depth + 1, owner)]
        if kind == "map":
            return {}  # a made-up key would be a placeholder: keys are what the request or the test gives
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
        owner = _resources.for_shape(shape.name)
        if depth >= self.MAX_DEPTH:
            names = list(shape.required_members)
        elif depth == 0 or (owner is not None and owner.aws_owned):
            # An answer's own members, and the catalogue's descriptions, are always all there.
            names = list(members)
        else:
            names = self._present(shape, owner)
        if getattr(shape, "is_tagged_union", False):
            names = names[:1]
        # A list's last page has no token: a lone template must not send a paginator for more.
        names = [name for name in names if name not in ("nextToken", "failureReason")]
        if depth == 0 and self.verb == "Create" and "domain" in names and self.params.get("domain") is None:
            names.remove("domain")
        # The model types some descriptions' roleArn as a Personalize ARN, while real traffic sends
        # the IAM role the request gave: with no value both would accept, the member is left out.
        names = [name for name in names if name != "roleArn" or members[name].name == "RoleArn"]
        value = {name: self.value(members[name], name, depth + 1, owner) for name in names}
        if owner is not None:
            value.update((name, {}) for name in _SHOWN_EMPTY.get(owner.noun, ()) if name in value)
            value.update(
                (name, default)
                for name, default in owner.describe_defaults
                if name in value and name not in self.params
            )
        if owner is not None and "status" in value and owner.settled:
            value["status"] = owner.settled
        if owner is not None and "domain" in value and depth > 0:
            del value["domain"]  # a resource reports a domain only when it was created with one
        return value

    def _present(self, shape: Shape, owner: _resources.ResourceType | None) -> list[str]:
        """The members of a structure the service sends when nothing says more: optional ones are absent.

        A resource's description holds what the service always fills in (its ARN, name, status,
        dates, parents, documented defaults, generated ids) and what its Create request had to
        give; any other structure, its required members (or its first, so it isn't empty).
        """
        members = list(shape.members)  # type: ignore[attr-defined]
        present = set(shape.required_members)
        if owner is None:
            return [name for name in members if name in present] or members[:1]
        present |= {owner.arn_member, owner.name_member, "status", "creationDateTime", "lastUpdatedDateTime"}
        present |= {*owner.parent_members, *owner.generated, *(name for name, _ in owner.describe_defaults)}
        present |= set(_create_required(owner.noun)) | set(_ALWAYS_SHOWN.get(owner.noun, ()))
        if owner is self.kind:
            present |= set(self.params)
        return [name for name in members if name in present]

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
        if member == "accountId":
            yield self.context.account
        if own is not None and (own.noun, member) in _MEMBER_EXAMPLES:
            yield _MEMBER_EXAMPLES[own.noun, member]
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


# Members a description shows though its Create request may leave them out, as real outputs show:
# a solution's and a solution version's recipe (DescribeSolution in aws-samples/
# amazon-personalize-samples:translations/fr-FR/next_steps/core_use_cases/user_segmentation/
# user_segmentation_example.ipynb@695f542b, cells 65 and 131; DescribeSolutionVersion in
# next_steps/core_use_cases/updating_datasets/update-datasets-user-personalization-example.ipynb@5a69fc4,
# cell 72). A template names a recipe, so it is a solution made with one, not with AutoML.
_ALWAYS_SHOWN: dict[str, tuple[str, ...]] = {
    "Solution": ("recipeArn", "solutionConfig"),
    "SolutionVersion": ("recipeArn", "solutionConfig"),
}

# ... of which these come as an empty structure when the request gave none: ``"solutionConfig": {}``
# in the DescribeSolutionVersion above (aws-user-personalization, the recipe a template names)
# and in the developer guide's DescribeSolution example (awsdocs/amazon-personalize-developer-guide:
# doc_source/getting-started-cli.md@4661646, lines 206-217).
_SHOWN_EMPTY: dict[str, tuple[str, ...]] = {
    "Solution": ("solutionConfig",),
    "SolutionVersion": ("solutionConfig",),
}


# Values a description needs that must also be valid for the service to have accepted them: the
# developer guide's own examples (an Interactions schema, "Creating schema JSON files"; a filter
# expression, "Filter expressions").
_MEMBER_EXAMPLES: dict[tuple[str, str], str] = {
    ("Schema", "schema"): json.dumps(
        {
            "type": "record",
            "name": "Interactions",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [
                {"name": "USER_ID", "type": "string"},
                {"name": "ITEM_ID", "type": "string"},
                {"name": "TIMESTAMP", "type": "long"},
            ],
            "version": "1.0",
        }
    ),
    ("Filter", "filterExpression"): 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
}


@functools.cache
def _create_required(noun: str) -> tuple[str, ...]:
    """What Create<noun> must be given, which every resource of the kind was therefore made with."""
    operation = f"Create{noun}"
    if not _spec.is_operation(operation):  # a kind no Create makes (updates, the catalogue)
        return ()
    shape = _spec.operation_model(operation).input_shape
    return tuple(shape.required_members) if shape is not None else ()


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


def not_found_message(arn: Any, kind: _resources.ResourceType | None = None) -> str:
    """A control-plane ResourceNotFoundException's text: ``The given <type> does not exist: <arn>``.

    The service's wording, as real errors show it for a dataset group
    (aws-samples/amazon-personalize-immersion-day:TravelGenAI/Travel_04_Clean_Up.ipynb@0622ab8,
    DeleteDatasetGroup) and a solution (the same repository's
    NewsPublishing/News_01_Data_Layer.ipynb@b5e291e, DescribeSolution). The other types take the
    same form, their noun read off the ARN when ``kind`` isn't given.
    """
    kind = kind if kind is not None else _kind_of_arn(arn)
    noun = re.sub(r"(?<!^)(?=[A-Z])", " ", kind.noun).lower() if kind is not None else "resource"
    return f"The given {noun} does not exist: {arn}"


def _kind_of_arn(arn: Any) -> _resources.ResourceType | None:
    if not isinstance(arn, str):
        return None
    kinds = [kind for kind in _resources.RESOURCE_TYPES if kind.arn_type]
    exact = next((kind for kind in kinds if _arns.arn_pattern(kind).fullmatch(arn)), None)
    if exact is not None:
        return exact
    arn_type = arn.split(":", 5)[-1].split("/", 1)[0]
    return next((kind for kind in kinds if kind.arn_type == arn_type), None)


def _not_found(params: Mapping[str, Any], context: Context, operation: str | None = None) -> str | None:
    # The ARN the service would name: what the operation acts on, else the first resource it names.
    parsed = _resources.for_operation(operation) if operation is not None else None
    members = [parsed[1].arn_member] if parsed is not None and parsed[0] != "Create" else []
    members += [member for member in params if _resources.for_arn_member(member) is not None]
    members.append("resourceArn")
    for member in members:
        arn = params.get(member)
        if isinstance(arn, str):
            return not_found_message(arn, _resources.for_arn_member(member))
    return None


def _already_exists_message(params: Mapping[str, Any], context: Context, operation: str | None) -> str | None:
    return _already_exists(params, context)


_CONTEXTUAL_MESSAGES: dict[str, Callable[[Mapping[str, Any], Context, str | None], str | None]] = {
    "ResourceAlreadyExistsException": _already_exists_message,
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
    message = contextual(params or {}, context or Context(), operation) if contextual else None
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


# --- the AWS-owned catalogue as Describe shows it -------------------------------------------

# When the catalogue says its resources were made: Amazon Personalize's launch.
CATALOGUE_DATE = datetime.datetime(2019, 6, 10, tzinfo=datetime.timezone.utc)


def catalogue_entry(kind: _resources.ResourceType, arn: Any) -> str:
    """The name of the AWS-owned resource ``arn`` names, or ResourceNotFoundException."""
    name = _arns.arn_tail(arn) if isinstance(arn, str) else ""
    if not isinstance(arn, str) or not _arns.arn_pattern(kind).fullmatch(arn) or name not in _recipes.names(kind.noun):
        raise ServiceError("ResourceNotFoundException", not_found_message(arn, kind))
    return name


def owned_description(kind: _resources.ResourceType, name: str, context: Context) -> dict[str, Any]:
    """An AWS-owned resource as Describe<X> shows it: the model's example, with the catalogue's facts."""
    arn = _arns.arn(kind, name, context)
    operation = f"Describe{kind.noun}"
    member = single_member(operation)
    dated = context.__class__(region=context.region, account=context.account, now=CATALOGUE_DATE)
    description: dict[str, Any] = dict(model_example(operation, {kind.arn_member: arn}, dated)[member])
    description.update({"name": name, kind.arn_member: arn})
    recipe = _recipes.names(kind.noun)[name]
    # What the model's example would make up and nothing in a test reads: left empty.
    for member in (
        "defaultHyperParameters",
        "defaultHyperParameterRanges",
        "defaultResourceConfig",
        "defaultParameters",
    ):
        if member in description:
            description[member] = {}
    if kind.noun == "Algorithm":
        description["trainingInputMode"] = "File"
        description["algorithmImage"] = {"name": name, "dockerURI": f"personalize/{name}:latest"}
    if kind.noun == "Recipe":
        algorithm, transformation = (_resources.for_noun(noun) for noun in ("Algorithm", "FeatureTransformation"))
        assert algorithm is not None and transformation is not None
        description["algorithmArn"] = _arns.arn(algorithm, recipe.algorithm, context)
        description["featureTransformationArn"] = _arns.arn(transformation, recipe.transformation, context)
        description["recipeType"] = recipe.recipe_type
        description["description"] = f"The {recipe.name} recipe ({recipe.recipe_type})."
    return description


@functools.cache
def single_member(operation: str) -> str:
    """The one member of an operation's answer: ``recipe`` for DescribeRecipe."""
    output = _spec.operation_model(operation).output_shape
    assert output is not None
    (member,) = output.members
    return str(member)
