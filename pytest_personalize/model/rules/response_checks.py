"""What a response must be, beyond its model: the rules every mode holds a stubbed, recorded or
emulated answer to.

Statuses a resource reports and ``failureReason`` only with a FAILED status (the per-type table,
:mod:`.resources`); ARNs of the real form (:mod:`.arns`) that name what the request named, in the
region of the client that asked;
``domain`` only when the request gave one; runtime lists no longer than the request asked for,
each id once, ranking only what the request gave (:mod:`.runtime`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import arns as _arns
from . import resources as _resources
from .common import ResponseProblem
from .runtime import RESULT_LIMITS, result_problems


def response_problems(
    operation: str, response: Mapping[str, Any], params: Mapping[str, Any] | None, *, region: str | None = None
) -> list[ResponseProblem]:
    """Every rule beyond the model that ``response`` breaks, answering ``params`` (None: unknown)
    sent to ``region`` (None: unknown)."""
    found: list[ResponseProblem] = []
    for path, member, value, structure in _walk(response, ""):
        if member.endswith("Arn"):
            problem = _arns.arn_form_problem(member, value)
            if problem is not None:
                found.append(ResponseProblem(path, value, f"the service sends {problem} here"))
            elif region is not None:
                found.extend(_region_problems(path, member, value, region))
        if structure is not None:
            found.extend(_status_problems(path, structure, value))
    if params is not None:
        found.extend(_echo_problems(operation, response, params))
    limit = RESULT_LIMITS.get(operation)
    if limit is not None:
        found.extend(result_problems(limit, response, params))
    return found


def _region_problems(path: str, member: str, value: Any, region: str) -> list[ResponseProblem]:
    # A Personalize resource lives in one region, and a regional endpoint answers with its own:
    # an ARN's fourth field is the region of the client that asked (what AWS owns has none).
    kind = _resources.for_arn_member(member)
    if kind is None or kind.aws_owned or not isinstance(value, str):
        return []
    parts = value.split(":", 4)
    if len(parts) < 4 or parts[3] == region:
        return []
    return [
        ResponseProblem(path, value, f"the client asked in {region}, and the service answers with ARNs of {region}")
    ]


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
            return _ArnExpectation(f":{kind.arn_type}/", f"{_arns.arn_tail(group)}/{dataset_type.upper()}")
        return None
    if kind.tail == "parent/id":
        solution = params.get("solutionArn")
        if isinstance(solution, str):
            return _ArnExpectation(f":{kind.arn_type}/{_arns.arn_tail(solution)}/", "")
    return None


def _same_arn(actual: str, expected: _ArnExpectation) -> bool:
    resource = ":" + actual.split(":", 5)[-1]
    if expected.suffix == "":
        return resource.startswith(expected.prefix) and "/" not in resource[len(expected.prefix) :]
    return resource == expected.prefix + expected.suffix
