"""The emulated resources of one account and region: kept by ARN, by kind (in creation order) and by name."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model.resources import ResourceType
from .lifecycle import GONE, Progress


@dataclass
class Update:
    """The latest Update<X> of a resource, as Describe reports it in ``latest<X>Update``."""

    params: dict[str, Any]
    created: datetime.datetime
    progress: Progress
    failure_reason: str | None = None


@dataclass
class Resource:
    """One resource of any kind: what the request gave, the ARNs it hangs from, and its progress.

    ``refs`` holds every ARN the resource names or inherits from what it names, by member: a
    campaign has its solution version's, and through it the solution's and the dataset group's.
    That is what List filters on and what blocks a parent's deletion.
    """

    kind: ResourceType
    arn: str
    name: str | None
    params: dict[str, Any]
    refs: dict[str, str]
    created: datetime.datetime
    progress: Progress
    seq: int
    failure_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # What Describe echoes of the request: the members valid in its description.
    shown: dict[str, Any] = field(default_factory=dict)
    update: Update | None = None

    @property
    def status(self) -> str | None:
        return self.progress.status

    @property
    def gone(self) -> bool:
        return self.progress.status == GONE

    @property
    def moving(self) -> bool:
        return self.progress.moving or (self.update is not None and self.update.progress.moving)


@dataclass
class RegionStore:
    by_arn: dict[str, Resource] = field(default_factory=dict)
    by_kind: dict[str, dict[str, Resource]] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    # ARNs of resources still on their way somewhere: only they change when time passes, so a
    # call costs the same with a thousand settled resources as with one.
    moving: set[str] = field(default_factory=set)

    def add(self, resource: Resource) -> None:
        self.by_arn[resource.arn] = resource
        self.by_kind.setdefault(resource.kind.noun, {})[resource.arn] = resource
        if resource.name is not None:
            self.names[(resource.kind.noun, resource.name)] = resource.arn
        self.track(resource)

    def track(self, resource: Resource) -> None:
        if resource.moving:
            self.moving.add(resource.arn)

    def remove(self, resource: Resource) -> None:
        self.by_arn.pop(resource.arn, None)
        self.by_kind.get(resource.kind.noun, {}).pop(resource.arn, None)
        if resource.name is not None and self.names.get((resource.kind.noun, resource.name)) == resource.arn:
            del self.names[(resource.kind.noun, resource.name)]
        self.tags.pop(resource.arn, None)
        self.moving.discard(resource.arn)

    def of_kind(self, noun: str) -> Iterator[Resource]:
        yield from self.by_kind.get(noun, {}).values()

    def named(self, noun: str, name: str) -> Resource | None:
        arn = self.names.get((noun, name))
        return self.by_arn.get(arn) if arn is not None else None
