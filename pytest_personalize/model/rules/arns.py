"""ARN forms, written once: what every Personalize ARN looks like, how one is made and read back.

The form of each resource type's ARN is a column of the per-type table
(:attr:`~.resources.ResourceType.tail`); the functions here make ARNs of that form (for the
templates, the fake's resources and the catalogue), take them apart (a name, a parent's name)
and say whether a value has the form (for the response rules). Sources: the Amazon Personalize
API reference's ARN patterns and the ARNs in public notebooks' outputs
(aws-samples/amazon-personalize-samples).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Protocol

from .resources import DEFAULT_AWS_OWNED_NAMES, ResourceType, for_arn_member, for_noun


class Location(Protocol):
    """Where a resource lives, as an ARN names it (a template's ``Context`` is one)."""

    @property
    def partition(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def account(self) -> str: ...


def arn_of_type(arn_type: str, tail: str, *, partition: str, region: str, account: str) -> str:
    """``arn:<partition>:personalize:<region>:<account>:<arn type>/<tail>``: the one form every ARN here takes."""
    return f"arn:{partition}:personalize:{region}:{account}:{arn_type}/{tail}"


def arn(kind: ResourceType, tail: str, where: Location) -> str:
    """The ARN of a resource of ``kind`` whose ARN ends in ``tail``: without region and account for what AWS owns."""
    if kind.aws_owned:
        return arn_of_type(kind.arn_type, tail, partition=where.partition, region="", account="")
    return arn_of_type(kind.arn_type, tail, partition=where.partition, region=where.region, account=where.account)


def dataset_group_arn(name: str, where: Location) -> str:
    """``arn:<partition>:personalize:<region>:<account>:dataset-group/<name>``."""
    return arn(_kind("DatasetGroup"), name, where)


def recipe_arn(name: str, partition: str = "aws") -> str:
    """``arn:aws:personalize:::recipe/<name>``: a recipe (or use case) of the catalogue."""
    return arn_of_type(_kind("Recipe").arn_type, name, partition=partition, region="", account="")


def created_arn(kind: ResourceType, params: Mapping[str, Any], where: Location, *, seed: str = "0" * 40) -> str:
    """The ARN a resource of ``kind`` created with ``params`` gets; ``seed`` makes its generated id."""
    name = params.get(kind.name_member)
    if kind.aws_owned:
        tail = name if isinstance(name, str) else DEFAULT_AWS_OWNED_NAMES[kind.noun]
    elif kind.tail == "group/type":
        group, dataset_type = params.get("datasetGroupArn"), params.get("datasetType")
        group_name = arn_tail(group) if isinstance(group, str) else "example"
        tail = f"{group_name}/{(dataset_type if isinstance(dataset_type, str) else 'Interactions').upper()}"
    elif kind.tail == "parent/id":
        solution = params.get("solutionArn")
        solution_name = arn_tail(solution) if isinstance(solution, str) else "example"
        tail = f"{solution_name}/{seed[:8]}"
    elif kind.tail == "id":
        tail = seed[:8]
    else:
        tail = name if isinstance(name, str) else "example"
    return arn(kind, tail, where)


def _kind(noun: str) -> ResourceType:
    kind = for_noun(noun)
    assert kind is not None
    return kind


def name_from_arn(value: str) -> str:
    """The last part of an ARN (or of any text) after its last ``/``: a dataset group's name."""
    return value.rsplit("/", 1)[-1]


def arn_tail(value: str) -> str:
    """What follows ``<arn type>/`` in an ARN: ``dataset/shop/INTERACTIONS`` gives ``shop/INTERACTIONS``."""
    resource = value.split(":", 5)[-1]
    return resource.split("/", 1)[1] if "/" in resource else ""


def name_in_arn(kind: ResourceType, value: str) -> str | None:
    """The resource's own name, where its ARN carries it (``dataset-group/shop``: ``shop``)."""
    tail = arn_tail(value)
    if kind.tail == "name" and tail and "/" not in tail:
        return tail
    return None


# Whose name the first part of a two-part ARN tail is.
ARN_PARENTS = {"group/type": "DatasetGroup", "parent/id": "Solution"}


def parent_name_in_arn(kind: ResourceType, value: str) -> str | None:
    """The parent's name a dataset's or solution version's ARN carries (the group, the solution)."""
    if kind.tail in ("group/type", "parent/id"):
        head, _, rest = arn_tail(value).partition("/")
        return head if head and rest else None
    return None


_PARTITION = r"aws(?:-[a-z]+)*"
_ACCOUNT = r"\d{12}"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_NAME = r"[a-zA-Z0-9][a-zA-Z0-9\-_]*"
_TAILS = {
    "name": _NAME,
    "group/type": _NAME + r"/[A-Z_]+",
    "parent/id": _NAME + r"/[a-z0-9]+",
    "id": r"[a-z0-9]+",
}


@functools.cache
def arn_pattern(kind: ResourceType) -> re.Pattern[str]:
    """The form every ARN of ``kind`` has, in any region, account and partition."""
    scope = "" if kind.aws_owned else _REGION
    account = "" if kind.aws_owned else _ACCOUNT
    return re.compile(rf"arn:{_PARTITION}:personalize:{scope}:{account}:{re.escape(kind.arn_type)}/{_TAILS[kind.tail]}")


def arn_form_problem(member: str, value: Any) -> str | None:
    """Why ``value`` can't be what the service sends in ``member`` (an ARN of the wrong form), or None."""
    if not isinstance(value, str):
        return None
    kind = for_arn_member(member)
    if kind is None or arn_pattern(kind).fullmatch(value):
        return None
    return f"a {kind.noun} ARN ({_form_example(kind)})"


def _form_example(kind: ResourceType) -> str:
    tail = {"name": "<name>", "group/type": "<group name>/<DATASET TYPE>", "parent/id": "<solution name>/<id>"}
    shown = tail.get(kind.tail, "<id>")
    if kind.aws_owned:
        return f"arn:aws:personalize:::{kind.arn_type}/{shown}"
    return f"arn:aws:personalize:<region>:<account>:{kind.arn_type}/{shown}"
