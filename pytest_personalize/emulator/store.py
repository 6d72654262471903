"""The emulated resources of one account and region: kept by ARN, by name, and in creation order
by kind and by every ARN a resource names, so a List page or a parent's check costs what it returns.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model.rules.resources import ResourceType
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


class Ordered:
    """Resources in creation order (by ``seq``), where the ones after a position come without a scan.

    A dict by sequence number keeps membership and order; a sorted list of the same numbers
    finds a position by bisection. Sequence numbers only grow, so adding is an append (a
    resource moved here by an update, with an older number, is inserted in its place).
    """

    __slots__ = ("_items", "_seqs")

    def __init__(self) -> None:
        self._items: dict[int, Resource] = {}
        self._seqs: list[int] = []

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Resource]:
        # A copy, oldest first: what the caller does to the store while iterating can't disturb it.
        return iter([self._items[seq] for seq in self._seqs])

    def add(self, resource: Resource) -> None:
        seq = resource.seq
        if seq in self._items:
            return
        self._items[seq] = resource
        if not self._seqs or self._seqs[-1] < seq:
            self._seqs.append(seq)
        else:
            bisect.insort(self._seqs, seq)

    def discard(self, resource: Resource) -> None:
        if self._items.pop(resource.seq, None) is None:
            return
        index = bisect.bisect_left(self._seqs, resource.seq)
        del self._seqs[index]

    def first(self) -> Resource | None:
        return self._items[self._seqs[0]] if self._seqs else None

    def last(self) -> Resource | None:
        return self._items[self._seqs[-1]] if self._seqs else None

    def after(self, seq: int, count: int) -> list[Resource]:
        """Up to ``count`` resources created after the one numbered ``seq``, oldest first."""
        start = bisect.bisect_right(self._seqs, seq)
        return [self._items[number] for number in self._seqs[start : start + count]]


_EMPTY = Ordered()


@dataclass
class RegionStore:
    by_arn: dict[str, Resource] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    # ARNs of resources still on their way somewhere: only they change when time passes, so a
    # call costs the same with a thousand settled resources as with one. Also kept by kind, for
    # the quotas that count resources still pending or in progress.
    moving: set[str] = field(default_factory=set)
    moving_by_kind: dict[str, set[str]] = field(default_factory=dict)
    # Creation order by kind, and by kind and each ARN the resource names (``refs``): what List
    # pages through, with or without its filter member, and what a parent's checks look up.
    by_kind: dict[str, Ordered] = field(default_factory=dict)
    by_ref: dict[tuple[str, str, str], Ordered] = field(default_factory=dict)

    def add(self, resource: Resource) -> None:
        self.by_arn[resource.arn] = resource
        noun = resource.kind.noun
        self.by_kind.setdefault(noun, Ordered()).add(resource)
        self._index_refs(resource)
        if resource.name is not None:
            self.names[(noun, resource.name)] = resource.arn
        self.track(resource)

    def set_refs(self, resource: Resource, refs: dict[str, str]) -> None:
        """Change what a resource names (an update that points it elsewhere), indexes included."""
        self._unindex_refs(resource)
        resource.refs = refs
        self._index_refs(resource)

    def _index_refs(self, resource: Resource) -> None:
        noun = resource.kind.noun
        for member, arn in resource.refs.items():
            self.by_ref.setdefault((noun, member, arn), Ordered()).add(resource)

    def _unindex_refs(self, resource: Resource) -> None:
        noun = resource.kind.noun
        for member, arn in resource.refs.items():
            index = self.by_ref.get((noun, member, arn))
            if index is not None:
                index.discard(resource)
                if not index:
                    del self.by_ref[(noun, member, arn)]

    def track(self, resource: Resource) -> None:
        if resource.moving:
            self.moving.add(resource.arn)
            self.moving_by_kind.setdefault(resource.kind.noun, set()).add(resource.arn)

    def settled(self, resource: Resource) -> None:
        """The resource stopped moving: time passing no longer changes it."""
        self.moving.discard(resource.arn)
        self.moving_by_kind.get(resource.kind.noun, set()).discard(resource.arn)

    def remove(self, resource: Resource) -> None:
        if self.by_arn.get(resource.arn) is not resource:
            return
        del self.by_arn[resource.arn]
        noun = resource.kind.noun
        self.by_kind.get(noun, _EMPTY).discard(resource)
        self._unindex_refs(resource)
        if resource.name is not None and self.names.get((noun, resource.name)) == resource.arn:
            del self.names[(noun, resource.name)]
        self.tags.pop(resource.arn, None)
        self.settled(resource)

    def of_kind(self, noun: str) -> Ordered:
        """Every resource of the kind, oldest first."""
        return self.by_kind.get(noun, _EMPTY)

    def naming(self, noun: str, member: str, arn: str) -> Ordered:
        """The resources of kind ``noun`` that name ``arn`` in ``member`` (or inherit it), oldest first."""
        return self.by_ref.get((noun, member, arn), _EMPTY)

    def in_motion(self, noun: str) -> Iterator[Resource]:
        """The resources of kind ``noun`` still on their way to a status."""
        for arn in self.moving_by_kind.get(noun, ()):
            resource = self.by_arn.get(arn)
            if resource is not None:
                yield resource

    def named(self, noun: str, name: str) -> Resource | None:
        arn = self.names.get((noun, name))
        return self.by_arn.get(arn) if arn is not None else None


__all__ = ["Ordered", "RegionStore", "Resource", "Update"]
