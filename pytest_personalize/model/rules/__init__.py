"""The service's rules that its models don't carry: the one home of every rule the emulator,
the stubber and replay hold requests and responses to, beyond the botocore models.

A rule the model lacks goes in the module of its concern, with its source (a page of the API
reference or the developer guide) beside it:

- :mod:`.common` -- what every operation shares: tags, the role/KMS pairing, common errors;
- :mod:`.resources` -- the per-type table: parents, statuses, quotas, what blocks a deletion;
- :mod:`.arns` -- ARN forms: made, read back and checked, written once;
- :mod:`.types` -- rules of one kind of resource at Create and Update (schemas, domains, recipes);
- :mod:`.schemas` -- a dataset schema as an Avro record, and its dataset type's fields;
- :mod:`.records` -- a record PutItems, PutUsers, PutActions or PutEvents sends, against its schema;
- :mod:`.filter_expressions` -- the filter grammar and what CreateFilter refuses;
- :mod:`.runtime` and :mod:`.events` -- what the runtime and events APIs add to their models;
- :mod:`.refusals` and :mod:`.response_checks` -- the entries every mode asks: is a request refused,
  could a response have been sent.

The names below are the ones other packages use; each module is importable on its own too.
"""

from __future__ import annotations

from .common import (
    COMMON_ERRORS,
    MAX_TAGS_PER_RESOURCE,
    RESERVED_TAG_PREFIX,
    CommonError,
    Refusal,
    ResponseProblem,
    common_errors,
)
from .refusals import REQUEST_RULES, request_refusal
from .response_checks import expected_created_arn, response_problems
from .runtime import RESULT_LIMITS, ResultLimit

__all__ = [
    "COMMON_ERRORS",
    "MAX_TAGS_PER_RESOURCE",
    "REQUEST_RULES",
    "RESERVED_TAG_PREFIX",
    "RESULT_LIMITS",
    "CommonError",
    "Refusal",
    "ResponseProblem",
    "ResultLimit",
    "common_errors",
    "expected_created_arn",
    "request_refusal",
    "response_problems",
]
