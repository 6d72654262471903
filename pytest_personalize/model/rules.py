"""The service's rules that its model doesn't carry, in one place for every mode.

The stubber, the fake, the server and replay all ask this module (through :mod:`pytest_personalize.model.validate`)
whether a request would be refused and whether a response could have been sent, so the same
request gets the same answer whichever way a test runs.

- Requests: the role/KMS pairing, at most 50 tags per resource, the reserved ``aws:`` tag-key
  prefix, tag keys given twice, and how many results a runtime request may ask for or rank.
- Responses: statuses a resource reports, ``failureReason`` only with a FAILED status,
  ``domain`` only when the request gave one, ARNs of the real form that name what the
  request named, and runtime lists no longer than the request asked for, each id once, ranking
  only what the request gave.
- Errors any AWS JSON service may send, which the model doesn't list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import resources as _resources
from . import spec as _spec

# "Tags per resource: 50", Amazon Personalize developer guide, Endpoints and quotas. The model
# lets one TagResource call carry 200; the service refuses a resource more than 50.
MAX_TAGS_PER_RESOURCE = 50
RESERVED_TAG_PREFIX = "aws:"


@dataclass(frozen=True)
class ResultLimit:
    """How many results a runtime operation answers with, and where they travel.

    ``asked``: the request member that bounds the answer -- ``numResults`` (left out, the answer
    holds at most ``default``) or the ``inputList`` to rank; ``maximum``: the most it may say;
    ``with_metadata``: the lower maximum when the request gives ``metadataColumns`` (None: the
    operation has no such member). ``answer``: the response's list, each entry named by ``id``.
    """

    asked: str
    default: int | None
    maximum: int
    with_metadata: int | None
    answer: str
    id: str

    def maximum_for(self, params: Mapping[str, Any]) -> tuple[int, str]:
        """The most ``asked`` may be for this request, and why (for a message)."""
        columns = params.get("metadataColumns")
        # expected_params' ANY may stand for no columns at all: only the request sent decides.
        if self.with_metadata is not None and columns and not _spec.is_stub_wildcard(columns):
            return self.with_metadata, " when metadataColumns is given"
        return self.maximum, ""


# The botocore personalize-runtime model states these in its documentation, not as constraints
# (tests/test_data_plane_model.py holds the table to that text): GetRecommendations.numResults
# "The default is 25. If you are including metadata in recommendations, the maximum is 50.
# Otherwise, the maximum is 500."; GetActionRecommendations.numResults "The default is 5. The
# maximum is 100."; GetPersonalizedRanking.inputList "If you are including metadata in
# recommendations, the maximum is 50. Otherwise, the maximum is 500."
RESULT_LIMITS: dict[str, ResultLimit] = {
    "GetRecommendations": ResultLimit("numResults", 25, 500, 50, "itemList", "itemId"),
    "GetActionRecommendations": ResultLimit("numResults", 5, 100, None, "actionList", "actionId"),
    "GetPersonalizedRanking": ResultLimit("inputList", None, 500, 50, "personalizedRanking", "itemId"),
}


@dataclass(frozen=True)
class CommonError:
    """An error any operation may answer with: its HTTP status and the reference's description."""

    status: int
    message: str


# The Amazon Personalize API reference's "Common Errors" page: "the errors common to the API
# actions of all AWS services", each with its HTTP status and description. One message differs:
# ThrottlingException carries "Rate exceeded" on the wire, as AWS JSON services send it.
COMMON_ERRORS: dict[str, CommonError] = {
    "AccessDeniedException": CommonError(400, "You do not have sufficient access to perform this action."),
    "IncompleteSignature": CommonError(400, "The request signature does not conform to AWS standards."),
    "InternalFailure": CommonError(
        500, "The request processing has failed because of an unknown error, exception or failure."
    ),
    "InvalidAction": CommonError(
        400, "The action or operation requested is invalid. Verify that the action is typed correctly."
    ),
    "InvalidClientTokenId": CommonError(
        403, "The X.509 certificate or AWS access key ID provided does not exist in our records."
    ),
    "InvalidParameterCombination": CommonError(400, "Parameters that must not be used together were used together."),
    "InvalidParameterValue": CommonError(400, "An invalid or out-of-range value was supplied for the input parameter."),
    "InvalidQueryParameter": CommonError(400, "The AWS query string is malformed or does not adhere to AWS standards."),
    "MalformedQueryString": CommonError(404, "The query string contains a syntax error."),
    "MissingAction": CommonError(400, "The request is missing an action or a required parameter."),
    "MissingAuthenticationToken": CommonError(
        403, "The request must contain either a valid (registered) AWS access key ID or X.509 certificate."
    ),
    "MissingParameter": CommonError(400, "A required parameter for the specified action is not supplied."),
    "NotAuthorized": CommonError(400, "You do not have permission to perform this action."),
    "OptInRequired": CommonError(403, "The AWS access key ID needs a subscription for the service."),
    "RequestExpired": CommonError(
        400,
        "The request reached the service more than 15 minutes after the date stamp on the request or more than "
        "15 minutes after the request expiration date (such as for pre-signed URLs), or the date stamp on the "
        "request is more than 15 minutes in the future.",
    ),
    "ServiceUnavailable": CommonError(503, "The request has failed due to a temporary failure of the server."),
    "ThrottlingException": CommonError(400, "Rate exceeded"),
    "ValidationError": CommonError(400, "The input fails to satisfy the constraints specified by an AWS service."),
}


def common_errors() -> tuple[str, ...]:
    """Every error code any Personalize operation may answer with besides its modeled ones.

    They come from the API reference's Common Errors page; ``add_error``, ``fail_next`` and
    ``fail_when`` accept them, each with the HTTP status it really carries.
    """
    return tuple(COMMON_ERRORS)


# --- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A rule beyond the model that a request breaks: the error code and the service's message."""

    code: str
    message: str


RequestRule = Callable[[str, Mapping[str, Any], "tuple[str, ...]"], "Refusal | None"]


def _role_needs_kms_key(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    # Stated by the API reference, not the model: "Supplying an IAM role is only valid when also
    # specifying a KMS key", and "If you specify a KMS key, you must also include an IAM role".
    if operation != "CreateDatasetGroup":
        return None
    has_role, has_key = params.get("roleArn") is not None, params.get("kmsKeyArn") is not None
    if has_role and not has_key:
        return Refusal(
            "InvalidInputException",
            "Supplying an IAM role (roleArn) is only valid when also specifying a KMS key (kmsKeyArn).",
        )
    if has_key and not has_role:
        return Refusal(
            "InvalidInputException",
            "If you specify a KMS key (kmsKeyArn), you must also include an IAM role (roleArn) that has "
            "permission to access the key.",
        )
    return None


def _tag_keys(params: Mapping[str, Any]) -> list[str]:
    tags = params.get("tags")
    if isinstance(tags, list):
        return [tag["tagKey"] for tag in tags if isinstance(tag, Mapping) and isinstance(tag.get("tagKey"), str)]
    keys = params.get("tagKeys")
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []


def _too_many_tags(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    tags = params.get("tags")
    if not isinstance(tags, list) or len(tags) <= MAX_TAGS_PER_RESOURCE:
        return None
    if "TooManyTagsException" in modeled:
        # The model's own description of the error: the service's text for it isn't public.
        return Refusal(
            "TooManyTagsException", "You have exceeded the maximum number of tags you can apply to this resource."
        )
    return Refusal("InvalidInputException", f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags.")


def _tag_values(params: Mapping[str, Any]) -> list[str]:
    tags = params.get("tags")
    if not isinstance(tags, list):
        return []
    return [tag["tagValue"] for tag in tags if isinstance(tag, Mapping) and isinstance(tag.get("tagValue"), str)]


# The developer guide ("Managing tags"): "Your tag keys and tag values can't start with aws:" and
# "each tag key must be unique". Which error the service answers with, and its text, aren't
# public: InvalidInputException, the error of every other refused value, with the guide's words.
# The prefix is matched in any case, as AWS services that state it do.
def _reserved_prefix(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    for text in (*_tag_keys(params), *_tag_values(params)):
        if text.lower().startswith(RESERVED_TAG_PREFIX):
            return Refusal(
                "InvalidInputException",
                f"Tag keys and tag values can't start with '{RESERVED_TAG_PREFIX}': the prefix is reserved for AWS use.",
            )
    return None


def _duplicate_keys(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    if "tags" not in params:
        return None  # UntagResource may name a key twice: removing it twice removes it once
    seen: set[str] = set()
    for key in _tag_keys(params):
        if key in seen:
            return Refusal("InvalidInputException", f"Duplicate tag key: {key}. Each tag key must be unique.")
        seen.add(key)
    return None


def _too_many_results(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    # The service's wording isn't public: the message says what was asked and what is allowed.
    limit = RESULT_LIMITS.get(operation)
    if limit is None:
        return None
    highest, why = limit.maximum_for(params)
    asked = params.get(limit.asked)
    if limit.asked == "inputList":
        if isinstance(asked, list) and len(asked) > highest:
            return Refusal(
                "InvalidInputException", f"inputList has {len(asked)} items: at most {highest} can be ranked{why}."
            )
    elif isinstance(asked, int) and not isinstance(asked, bool) and asked > highest:
        return Refusal(
            "InvalidInputException", f"numResults is {asked}: {operation} returns at most {highest} results{why}."
        )
    return None


# In the order the service applies them, as far as it is known: tags are counted before their keys
# are read.
REQUEST_RULES: tuple[RequestRule, ...] = (
    _role_needs_kms_key,
    _too_many_tags,
    _reserved_prefix,
    _duplicate_keys,
    _too_many_results,
)


def request_refusal(operation: str, params: Mapping[str, Any], modeled: tuple[str, ...]) -> Refusal | None:
    """The first rule beyond the model that ``params`` break, or None. ``modeled``: the operation's errors."""
    if not (
        "tags" in params
        or "tagKeys" in params
        or "roleArn" in params
        or "kmsKeyArn" in params
        or operation in RESULT_LIMITS
    ):
        return None  # every rule reads one of these members, or answers one of these operations
    for rule in REQUEST_RULES:
        refusal = rule(operation, params, modeled)
        if refusal is not None:
            return refusal
    return None


# --- responses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseProblem:
    """A part of a response that the service would never send, and the rule it breaks."""

    path: str
    value: Any
    rule: str

    def explain(self) -> str:
        return f"{self.value!r} at '{self.path}': {self.rule}"


def response_problems(
    operation: str, response: Mapping[str, Any], params: Mapping[str, Any] | None
) -> list[ResponseProblem]:
    """Every rule beyond the model that ``response`` breaks, answering ``params`` (None: unknown)."""
    found: list[ResponseProblem] = []
    for path, member, value, structure in _walk(response, ""):
        if member.endswith("Arn"):
            problem = _resources.arn_form_problem(member, value)
            if problem is not None:
                found.append(ResponseProblem(path, value, f"the service sends {problem} here"))
        if structure is not None:
            found.extend(_status_problems(path, structure, value))
    if params is not None:
        found.extend(_echo_problems(operation, response, params))
    limit = RESULT_LIMITS.get(operation)
    if limit is not None:
        found.extend(_result_problems(limit, response, params))
    return found


def _walk(value: Any, path: str) -> Iterable[tuple[str, str, Any, _resources.ResourceType | None]]:
    """Each member of a response as (path, member name, value, resource type of a dict value)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            where = f"{path}.{key}" if path else str(key)
            kind = _structure_kind(str(key), item)
            yield where, str(key), item, kind
            yield from _walk(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _walk(item, f"{path}.{index}")


def _structure_kind(member: str, value: Any) -> _resources.ResourceType | None:
    if not isinstance(value, Mapping) or "status" not in value:
        return None
    return _member_kind(member)


def _member_kind(member: str) -> _resources.ResourceType | None:
    # Members that hold a resource's description are named after it: datasetGroup, datasetGroups,
    # latestCampaignUpdate, latestSolutionVersion; a list of them has a plural name.
    name = member[6:] if member.startswith("latest") else member
    name = name[0].upper() + name[1:]
    for candidate in (name, name[:-1] if name.endswith("s") else name):
        kind = _resources.for_noun(candidate)
        if kind is not None:
            return kind
    return None


def _status_problems(path: str, kind: _resources.ResourceType, description: Mapping[str, Any]) -> list[ResponseProblem]:
    found: list[ResponseProblem] = []
    status = description.get("status")
    if kind.statuses and isinstance(status, str) and status not in kind.statuses:
        found.append(
            ResponseProblem(
                f"{path}.status",
                status,
                f"a {kind.noun} is never in that status; it reports one of: {', '.join(kind.statuses)}",
            )
        )
    if description.get("failureReason") is not None and status not in kind.failed_statuses:
        found.append(
            ResponseProblem(
                f"{path}.failureReason",
                description["failureReason"],
                f"failureReason appears only with a FAILED status, not with status {status!r}",
            )
        )
    return found


def _result_problems(
    limit: ResultLimit, response: Mapping[str, Any], params: Mapping[str, Any] | None
) -> list[ResponseProblem]:
    """A runtime answer's list: no longer than the request allows, each id once, ranking only what was given."""
    entries = response.get(limit.answer)
    if not isinstance(entries, list):
        return []
    found: list[ResponseProblem] = []
    most, rule = _most_results(limit, params)
    if len(entries) > most:
        found.append(ResponseProblem(limit.answer, f"{len(entries)} entries", rule))
    given = params.get("inputList") if params is not None and limit.asked == "inputList" else None
    ranked = {item for item in given if isinstance(item, str)} if isinstance(given, list) else None
    first: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        identifier = entry.get(limit.id) if isinstance(entry, Mapping) else None
        if not isinstance(identifier, str):
            continue
        path = f"{limit.answer}.{index}.{limit.id}"
        if identifier in first:
            found.append(
                ResponseProblem(
                    path,
                    identifier,
                    f"it is already at {limit.answer}.{first[identifier]}: the service lists each {limit.id} once",
                )
            )
            continue
        first[identifier] = index
        if ranked is not None and identifier not in ranked:
            found.append(
                ResponseProblem(
                    path, identifier, "the request's inputList doesn't hold it: the service ranks only those"
                )
            )
    return found


def _most_results(limit: ResultLimit, params: Mapping[str, Any] | None) -> tuple[int, str]:
    """How many entries an answer to ``params`` (None: unknown) may hold, and the rule that says so."""
    if params is None:
        return limit.maximum, f"the service sends at most {limit.maximum}"
    highest, why = limit.maximum_for(params)
    if limit.asked != "numResults":
        return highest, f"the service sends at most {highest}{why}"
    asked = params.get("numResults")
    if asked is None and limit.default is not None:
        return limit.default, f"the request left numResults out, so the service sends at most {limit.default}"
    if isinstance(asked, int) and not isinstance(asked, bool):
        return asked, f"the request's numResults is {asked}, so the service sends at most {asked}"
    return highest, f"the service sends at most {highest}{why}"


def _list_items(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else ()


def _echo_problems(operation: str, response: Mapping[str, Any], params: Mapping[str, Any]) -> list[ResponseProblem]:
    """What a response must repeat of its request: the domain, and the ARN of what it names."""
    found: list[ResponseProblem] = []
    if operation.startswith("Create") and "domain" in response and response["domain"] != params.get("domain"):
        rule = (
            "the service sends domain only when the request gave one"
            if params.get("domain") is None
            else f"the request's domain was {params['domain']!r}"
        )
        found.append(ResponseProblem("domain", response["domain"], rule))
    parsed = _resources.for_operation(operation)
    if parsed is None:
        return found
    verb, kind = parsed
    if verb == "Create":
        expected = expected_created_arn(kind, params)
        actual = response.get(kind.arn_member)
        if expected is not None and isinstance(actual, str) and not _same_arn(actual, expected):
            found.append(
                ResponseProblem(kind.arn_member, actual, f"the ARN of what the request created is {expected.pattern}")
            )
    elif verb == "Describe":
        asked = params.get(kind.arn_member)
        description = response.get(kind.noun[0].lower() + kind.noun[1:])
        if isinstance(asked, str) and isinstance(description, Mapping):
            told = description.get(kind.arn_member)
            if told is not None and told != asked:
                path = f"{kind.noun[0].lower() + kind.noun[1:]}.{kind.arn_member}"
                found.append(ResponseProblem(path, told, f"the request described {asked}"))
    elif verb == "List":
        found.extend(_list_parent_problems(kind, response, params))
    return found


def _list_parent_problems(
    kind: _resources.ResourceType, response: Mapping[str, Any], params: Mapping[str, Any]
) -> list[ResponseProblem]:
    found: list[ResponseProblem] = []
    for key, items in response.items():
        for index, item in enumerate(_list_items(items), start=1):
            if not isinstance(item, Mapping):
                continue
            for parent in kind.parent_members:
                asked, told = params.get(parent), item.get(parent)
                if isinstance(asked, str) and told is not None and told != asked:
                    found.append(
                        ResponseProblem(f"{key}.{index}.{parent}", told, f"the request listed those of {asked}")
                    )
    return found


@dataclass(frozen=True)
class _ArnExpectation:
    """The resource part of an ARN: ``prefix`` then ``suffix``, or then a generated id if no suffix."""

    prefix: str
    suffix: str

    @property
    def pattern(self) -> str:
        return self.prefix + (self.suffix or "<id>")


def expected_created_arn(kind: _resources.ResourceType, params: Mapping[str, Any]) -> _ArnExpectation | None:
    """What the ARN a Create request gets must look like, as far as the request decides it."""
    if kind.tail == "name":
        name = params.get(kind.name_member)
        return _ArnExpectation(f":{kind.arn_type}/", name) if isinstance(name, str) else None
    if kind.tail == "group/type":
        group, dataset_type = params.get("datasetGroupArn"), params.get("datasetType")
        if isinstance(group, str) and isinstance(dataset_type, str):
            return _ArnExpectation(f":{kind.arn_type}/", f"{_resources.arn_tail(group)}/{dataset_type.upper()}")
        return None
    if kind.tail == "parent/id":
        solution = params.get("solutionArn")
        if isinstance(solution, str):
            return _ArnExpectation(f":{kind.arn_type}/{_resources.arn_tail(solution)}/", "")
    return None


def _same_arn(actual: str, expected: _ArnExpectation) -> bool:
    resource = ":" + actual.split(":", 5)[-1]
    if expected.suffix == "":
        return resource.startswith(expected.prefix) and "/" not in resource[len(expected.prefix) :]
    return resource == expected.prefix + expected.suffix
