"""Rules every operation shares, which the model doesn't carry: tags, the role/KMS pairing, common errors.

- Tags: at most 50 per resource ("Tags per resource: 50", developer guide, Endpoints and quotas:
  https://docs.aws.amazon.com/personalize/latest/dg/limits.html); keys and values can't start
  with ``aws:`` and each key is given once (developer guide, "Managing tags":
  https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html).
- CreateDatasetGroup's role and KMS key come together (API reference, CreateDatasetGroup:
  https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetGroup.html).
- The errors any AWS JSON service may send (API reference, Common Errors:
  https://docs.aws.amazon.com/personalize/latest/dg/CommonErrors.html).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# "Tags per resource: 50", Amazon Personalize developer guide, Endpoints and quotas. The model
# lets one TagResource call carry 200; the service refuses a resource more than 50.
MAX_TAGS_PER_RESOURCE = 50
RESERVED_TAG_PREFIX = "aws:"


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


@dataclass(frozen=True)
class Refusal:
    """A rule beyond the model that a request breaks: the error code and the service's message."""

    code: str
    message: str


@dataclass(frozen=True)
class ResponseProblem:
    """A part of a response that the service would never send, and the rule it breaks."""

    path: str
    value: Any
    rule: str

    def explain(self) -> str:
        return f"{self.value!r} at '{self.path}': {self.rule}"


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


# In the order the service applies them, as far as it is known: tags are counted before their keys
# are read. Each reads one of COMMON_REQUEST_MEMBERS.
COMMON_REQUEST_RULES: tuple[RequestRule, ...] = (
    _role_needs_kms_key,
    _too_many_tags,
    _reserved_prefix,
    _duplicate_keys,
)
COMMON_REQUEST_MEMBERS = ("tags", "tagKeys", "roleArn", "kmsKeyArn")
