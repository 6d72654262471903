"""The control plane's operations, derived from the service model and the table of resource types.

No operation has a handler of its own. An operation's name says what it does and to what
(``Create`` + ``Dataset``, ``List`` + ``Solution`` + ``s``); the model's shapes say what the request
gives and what the answer holds; :mod:`pytest_personalize.model.rules.resources` says what the model can't
(parents, statuses, what blocks a deletion) and :mod:`pytest_personalize.model.rules.arns` the ARN forms. The
few rules that belong to one kind of resource (a dataset's schema, a recommender's domain) live in
:mod:`pytest_personalize.model.rules.types`, checked at Create and again at Update.

Training is decided here too, on what the region's imports and streamed events brought
(:class:`Training`): a solution version or recommender without enough data ends CREATE FAILED,
and in the clock mode solutions with automatic training make their AUTOMATIC versions.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..model import spec as _spec
from ..model import templates as _templates
from ..model import validate as _validate
from ..model.errors import ServiceError
from ..model.rules import arns as _arns
from ..model.rules import recipes as _recipes
from ..model.rules import resources as _resources
from ..model.rules import types as _types
from ..model.rules.common import MAX_TAGS_PER_RESOURCE
from ..model.rules.resources import ResourceType
from ..model.rules.types import RULES
from .import_data import ImportSource, Interaction
from .lifecycle import Lifecycle, Progress
from .pages import page_of, paginate
from .store import RegionStore, Resource, Update

if TYPE_CHECKING:
    from botocore.model import Shape

NOT_FOUND = "ResourceNotFoundException"
IN_USE = "ResourceInUseException"
EXISTS = "ResourceAlreadyExistsException"

# The code an operation the backend doesn't emulate answers with. Deliberately not a code the
# service uses, so no handler in the code under test catches it by accident; 501 is not retried.
NOT_EMULATED = "NotEmulatedException"
NOT_EMULATED_STATUS = 501


class Host(Protocol):
    """What the engine asks of the backend that owns it: configuration and planned failures."""

    lifecycle: Lifecycle

    def quota(self, noun: str) -> int | None: ...

    def planned_failure(self, kind: ResourceType, name: str | None) -> str | None: ...

    def import_problem(self, source: ImportSource) -> str | None: ...

    def import_interactions(self, source: ImportSource) -> list[Interaction] | None: ...

    # False while the test sets up resources of its own (deploy_campaign): training needs no data then.
    checks_training_data: bool


Handler = Callable[["Engine", RegionStore, ResourceType, Mapping[str, Any], _templates.Context], dict[str, Any]]

_HOUR = datetime.timedelta(seconds=_resources.FIRST_AUTO_TRAINING_AFTER_SECONDS)


@dataclass
class Training:
    """What one region's trainings are decided on: the interactions each import and each stream brought.

    ``imported``: by import job ARN, its rows (None: not counted, assumed enough). ``streamed``:
    by dataset group ARN, the events PutEvents recorded. ``arrivals``: by dataset group ARN, when
    new interactions arrived, oldest first (a later automatic training runs only if some arrived
    since the last training). ``auto``: by solution ARN, when its next automatic training is due,
    and whether that is the first.
    """

    imported: dict[str, list[Interaction] | None] = field(default_factory=dict)
    streamed: dict[str, list[Interaction]] = field(default_factory=dict)
    arrivals: dict[str, list[datetime.datetime]] = field(default_factory=dict)
    auto: dict[str, tuple[datetime.datetime, bool]] = field(default_factory=dict)

    def arrived(self, group: str, after: datetime.datetime | None, until: datetime.datetime) -> bool:
        """Whether interactions reached ``group`` after ``after`` (None: ever) and by ``until``."""
        times = self.arrivals.get(group, [])
        before = bisect.bisect_right(times, after) if after is not None else 0
        return bisect.bisect_right(times, until) > before


def words(noun: str) -> str:
    """``DatasetGroup`` as a message names it: ``dataset group``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", noun).lower()


class Engine:
    """Every resource of every account and region, and the operations on them."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.regions: dict[tuple[str, str], RegionStore] = {}
        self._seq = itertools.count(1)
        # By the store's identity: a reset makes new stores, and so starts this afresh.
        self._training: dict[int, tuple[RegionStore, Training]] = {}

    # --- entry -----------------------------------------------------------------------------

    @staticmethod
    def emulates(operation: str) -> bool:
        return operation in routes()

    def answer(self, operation: str, params: Mapping[str, Any], context: _templates.Context) -> dict[str, Any]:
        handler, kind = routes()[operation]
        store = self.store(context.account, context.region)
        self.settle(store, context.now)
        return handler(self, store, kind, params, context)

    def store(self, account: str, region: str) -> RegionStore:
        store = self.regions.get((account, region))
        if store is None:
            store = self.regions[(account, region)] = RegionStore()
        return store

    # --- lifecycle -------------------------------------------------------------------------

    def settle(self, store: RegionStore, now: datetime.datetime) -> None:
        """Move resources on by the clock (``advance="clock"``); drop the ones whose deletion ended.

        In the describe mode nothing moves between calls (an observation moves it, and drops it
        when gone), so a call costs the same however many resources are pending. In the instant
        mode nothing is pending but what an earlier mode left, which the next call finishes.
        """
        lifecycle = self.host.lifecycle
        if lifecycle.advance == "describe":
            return
        for arn in list(store.moving):
            resource = store.by_arn.get(arn)
            if resource is None:  # taken along by what it belonged to, earlier in this loop
                continue
            resource.progress.settle(lifecycle, now)
            if resource.update is not None:
                resource.update.progress.settle(lifecycle, now)
            self._after_change(store, resource)
        if lifecycle.advance == "clock":
            self._train_automatically(store, now)

    def observe(self, store: RegionStore, resource: Resource, now: datetime.datetime) -> None:
        """A Describe or a List showed the resource: in the describe mode, that moves it on."""
        if not resource.moving:  # settled: an observation changes nothing
            return
        lifecycle = self.host.lifecycle
        resource.progress.observe(lifecycle, now)
        if resource.update is not None:
            resource.update.progress.observe(lifecycle, now)
        self._after_change(store, resource)

    @staticmethod
    def _after_change(store: RegionStore, resource: Resource) -> None:
        if resource.gone:
            store.remove(resource)
            # What no operation deletes (jobs, solution versions) goes with what it belongs to.
            member = resource.kind.arn_member
            for noun in _undeletable_nouns():
                for orphan in store.naming(noun, member, resource.arn):
                    store.remove(orphan)
        elif not resource.moving:
            store.settled(resource)

    # --- finding ---------------------------------------------------------------------------

    def find(self, store: RegionStore, kind: ResourceType | None, arn: Any) -> Resource:
        resource = store.by_arn.get(arn) if isinstance(arn, str) else None
        if resource is None or (kind is not None and resource.kind is not kind):
            raise ServiceError(NOT_FOUND, _templates.not_found_message(arn, kind))
        return resource

    def resolve(
        self, store: RegionStore, operation: str, params: Mapping[str, Any], *, skip: str = ""
    ) -> dict[str, str]:
        """The ARNs the request names (its parents, a recipe, a filter) and those they inherit, by member.

        A name that doesn't exist is ResourceNotFoundException; a resource that isn't ready yet
        (status other than ACTIVE) can't be built on: ResourceInUseException, where the model
        gives the operation that error (CreateFilter has none: the service takes a pending group).
        """
        refuses_unready = IN_USE in _spec.modeled_errors(operation)
        refs: dict[str, str] = {}
        inherited: dict[str, str] = {}
        for member, value in params.items():
            target = _resources.for_arn_member(member) if member != skip else None
            if target is None or not isinstance(value, str):
                continue
            if target.aws_owned:
                _templates.catalogue_entry(target, value)
            else:
                if target.noun == "SolutionVersion" and value.endswith(_resources.LATEST_VERSION_SUFFIX):
                    value = self._latest_version(store, value)
                parent = self.find(store, target, value)
                if refuses_unready and target.statuses and parent.status != target.settled:
                    raise ServiceError(
                        IN_USE,
                        f"The {words(target.noun)} {value} is not {target.settled}: its status is {parent.status}. "
                        f"Wait until it is {target.settled} before using it.",
                    )
                for key, ancestor in parent.refs.items():
                    inherited.setdefault(key, ancestor)
            refs[member] = value
        return {**inherited, **refs}

    def _latest_version(self, store: RegionStore, named: str) -> str:
        """The ARN ``<solution ARN>/$LATEST`` stands for: the solution's newest ACTIVE version."""
        solution = self.find(
            store, _resources.for_noun("Solution"), named.removesuffix(_resources.LATEST_VERSION_SUFFIX)
        )
        versions = store.naming("SolutionVersion", "solutionArn", solution.arn)
        ready = [version for version in versions if version.status == "ACTIVE"]
        if not ready:
            raise ServiceError(
                IN_USE, f"The solution {solution.arn} has no ACTIVE solution version for {named} to name."
            )
        return ready[-1].arn

    # --- Create ----------------------------------------------------------------------------

    def create(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        name = params.get(kind.name_member)
        name = name if isinstance(name, str) else None
        refs = self.resolve(store, f"Create{kind.noun}", params)
        seq = next(self._seq)
        seed = hashlib.sha1(f"{context.account}/{context.region}/{seq}".encode(), usedforsecurity=False).hexdigest()
        arn = _arns.created_arn(kind, params, context, seed=seed)
        self._check_unique(store, kind, arn, name, refs)
        for rule in RULES:
            rule(store.by_arn, kind, params, refs)
        self._check_quota(store, kind, refs)
        tags = tag_dict(params.get("tags") or ())
        check_tag_count(arn, len(tags))
        source = self._import_source(store, params, refs, context) if kind.noun == "DatasetImportJob" else None
        if kind.noun == "DatasetImportJob":
            self._check_import_mode(store, params, refs)
        reason = self.host.planned_failure(kind, name)
        if reason is None and source is not None:
            reason = self.host.import_problem(source)
        if reason is None and kind.noun in ("SolutionVersion", "Recommender") and self.host.checks_training_data:
            reason = self._training_problem(store, params, refs)
        kept = {key: value for key, value in params.items() if key != "tags"}
        resource = Resource(
            kind=kind,
            arn=arn,
            name=name,
            params=kept,
            refs=refs,
            created=context.now,
            progress=Progress(self.host.lifecycle.creation(kind, failed=reason is not None), context.now),
            seq=seq,
            failure_reason=reason,
            extra=_generated(kind, seed, context, params),
            shown=_shown(kind, kept),
        )
        store.add(resource)
        if tags:
            store.tags[arn] = tags
        self._note_created(store, resource, source)
        answer: dict[str, Any] = {}
        for member in _output_members(f"Create{kind.noun}"):
            value = arn if member == kind.arn_member else resource.extra.get(member, resource.shown.get(member))
            if value is not None:
                answer[member] = value
        return answer

    @staticmethod
    def _import_source(
        store: RegionStore, params: Mapping[str, Any], refs: Mapping[str, str], context: _templates.Context
    ) -> ImportSource | None:
        """What the job reads, into which dataset (the host reads it, where it can), or None."""
        dataset, schema = store.by_arn.get(refs.get("datasetArn", "")), store.by_arn.get(refs.get("schemaArn", ""))
        source = params.get("dataSource")
        location = source.get("dataLocation") if isinstance(source, Mapping) else None
        if dataset is None or schema is None or not isinstance(location, str):
            return None
        dataset_type = str(dataset.params.get("datasetType", ""))
        return ImportSource(location, dataset_type, str(schema.params.get("schema", "")), context.region)

    # --- training: the data it needs, and automatic training ---------------------------------

    def training(self, store: RegionStore) -> Training:
        """What the trainings of ``store``'s region are decided on."""
        entry = self._training.get(id(store))
        if entry is None or entry[0] is not store:
            entry = self._training[id(store)] = (store, Training())
        return entry[1]

    def note_streamed(
        self, store: RegionStore, events: Iterable[tuple[str, Interaction]], now: datetime.datetime
    ) -> None:
        """PutEvents recorded these (dataset group ARN, (user, event type)) at ``now``: interactions to train on."""
        training = self.training(store)
        for group, interaction in events:
            training.streamed.setdefault(group, []).append(interaction)
            training.arrivals.setdefault(group, []).append(now)

    def _note_created(self, store: RegionStore, resource: Resource, source: ImportSource | None) -> None:
        training = self.training(store)
        group = resource.refs.get("datasetGroupArn", "")
        if source is not None and resource.failure_reason is None and source.dataset_type.upper() == "INTERACTIONS":
            training.imported[resource.arn] = self.host.import_interactions(source)
            training.arrivals.setdefault(group, []).append(resource.created)

    @staticmethod
    def _interactions_dataset(store: RegionStore, group: str) -> Resource | None:
        for dataset in store.naming("Dataset", "datasetGroupArn", group):
            if str(dataset.params.get("datasetType", "")).upper() == "INTERACTIONS":
                return dataset
        return None

    def _check_import_mode(self, store: RegionStore, params: Mapping[str, Any], refs: Mapping[str, str]) -> None:
        """INCREMENTAL only once the dataset holds bulk data: an import job of it ended ACTIVE."""
        dataset = refs.get("datasetArn", "")
        imported = any(job.status == "ACTIVE" for job in store.naming("DatasetImportJob", "datasetArn", dataset))
        problem = _types.incremental_import_problem(params, imported)
        if problem is not None:
            raise ServiceError("InvalidInputException", problem)

    def _training_problem(self, store: RegionStore, params: Mapping[str, Any], refs: Mapping[str, str]) -> str | None:
        """Why a training (a solution version, a recommender) would fail on the group's data now, or None.

        The data is what the ACTIVE imports of the group's Interactions dataset brought (a FULL
        import replaces the bulk data before it) and what PutEvents recorded. An import whose rows
        couldn't be counted is assumed to hold enough.
        """
        group = refs.get("datasetGroupArn", "")
        solution = store.by_arn.get(refs.get("solutionArn", ""))
        event_type = solution.params.get("eventType") if solution is not None else None
        training = self.training(store)
        rows: list[Interaction] = []
        dataset = self._interactions_dataset(store, group)
        if dataset is not None:
            uncounted = False
            for job in store.naming("DatasetImportJob", "datasetArn", dataset.arn):
                if job.status != "ACTIVE":
                    continue
                if job.params.get("importMode", "FULL") == "FULL":
                    rows, uncounted = [], False
                counted = training.imported.get(job.arn)
                if counted is None:
                    uncounted = True
                else:
                    rows.extend(counted)
            if uncounted:
                return None
        rows.extend(training.streamed.get(group, ()))
        return _types.training_data_problem(rows, event_type if isinstance(event_type, str) else None)

    def _train_automatically(self, store: RegionStore, now: datetime.datetime) -> None:
        """Make the automatic solution versions due by ``now`` (the clock mode's time).

        The first within an hour of the solution going ACTIVE (here: an hour after), skipped if a
        version was made in that hour; then every ``schedulingExpression`` days, each only if new
        interactions arrived since the last training.
        """
        training = self.training(store)
        for solution in list(store.of_kind("Solution")):
            if solution.status != "ACTIVE" or solution.params.get("performAutoTraining", True) is False:
                training.auto.pop(solution.arn, None)
                continue
            due, first = training.auto.get(solution.arn) or (solution.progress.since + _HOUR, True)
            every = datetime.timedelta(days=_types.auto_training_days(solution.params))
            group = solution.refs.get("datasetGroupArn", "")
            while due <= now:
                versions = store.naming("SolutionVersion", "solutionArn", solution.arn)
                if first:
                    skip = any(due - _HOUR <= version.created <= due for version in versions)
                else:
                    last = max((version.created for version in versions if version.created <= due), default=None)
                    skip = not training.arrived(group, last, due)
                if not skip:
                    self._train(store, solution, due, now)
                due, first = due + every, False
            training.auto[solution.arn] = (due, first)

    def _train(self, store: RegionStore, solution: Resource, at: datetime.datetime, now: datetime.datetime) -> None:
        account, region = next(key for key, held in self.regions.items() if held is store)
        context = _templates.Context(region=region, account=account, now=at)
        kind = _resources.for_noun("SolutionVersion")
        assert kind is not None
        try:
            made = self.create(store, kind, {"solutionArn": solution.arn}, context)
        except ServiceError:  # a quota reached: the service would skip this training too
            return
        version = store.by_arn[made[kind.arn_member]]
        version.extra["trainingType"] = "AUTOMATIC"
        version.progress.settle(self.host.lifecycle, now)
        self._after_change(store, version)

    def _check_unique(
        self, store: RegionStore, kind: ResourceType, arn: str, name: str | None, refs: Mapping[str, str]
    ) -> None:
        existing = store.by_arn.get(arn) or (store.named(kind.noun, name) if name is not None else None)
        if existing is not None:
            # The service's wording, as seen in a real ResourceAlreadyExistsException.
            raise ServiceError(EXISTS, f"Another resource with Arn {existing.arn} already exists.")
        member = kind.one_per_parent
        parent = refs.get(member) if member else None
        if member and parent:
            other = store.naming(kind.noun, member, parent).first()
            if other is not None:
                parent_kind = _resources.for_arn_member(member)
                parent_noun = parent_kind.noun if parent_kind is not None else member
                # The service's wording for a second event tracker in a dataset group.
                raise ServiceError(EXISTS, f"{kind.noun} {other.arn} already exists for {parent_noun} {parent}")

    def _check_quota(self, store: RegionStore, kind: ResourceType, refs: Mapping[str, str]) -> None:
        """LimitExceededException when one more resource of ``kind`` would go over its quota.

        What is counted costs what the quota allows, not what the region holds: the resources in
        the quota's scope (the region, or the one dataset group), or the ones still in motion.
        """
        limit = self.host.quota(kind.noun)
        if limit is None:
            return
        quota = _resources.QUOTAS.get(kind.noun) or _SET_BY_TEST
        if quota.counts == _resources.IN_FLIGHT:
            stages = _resources.creation_stages(kind)
            waiting = (stages.pending, stages.in_progress)
            counted = sum(1 for r in store.in_motion(kind.noun) if r.status in waiting)
        else:
            parent = refs.get(quota.per) if quota.per is not None else None
            if quota.per is not None and parent is None:
                return
            scope = store.naming(kind.noun, quota.per, parent) if quota.per and parent else store.of_kind(kind.noun)
            if len(scope) < limit:  # fewer than the quota can't fill it: count live ones only when they might
                return
            counted = sum(1 for r in scope if not (r.status or "").startswith("DELETE"))
        if counted >= limit:
            raise ServiceError("LimitExceededException", quota.message(kind, limit))

    # --- Describe and List -----------------------------------------------------------------

    def describe(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self.find(store, kind, params.get(kind.arn_member))
        answer = {_templates.single_member(f"Describe{kind.noun}"): self.description(store, resource)}
        self.observe(store, resource, context.now)
        return answer

    def list_kind(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        operation = f"List{kind.noun}s"
        filters = {key: value for key, value in params.items() if key not in _PAGING}
        for member, value in filters.items():
            target = _resources.for_arn_member(member)
            if target is not None and NOT_FOUND in _spec.modeled_errors(operation) and value not in store.by_arn:
                raise ServiceError(NOT_FOUND, _templates.not_found_message(value, target))
        # The model gives each List at most one filter member; its index holds what it selects.
        index = store.of_kind(kind.noun)
        for member, value in filters.items():
            index = store.naming(kind.noun, member, str(value))
        list_member, summary = _list_shape(operation)
        page, token = page_of(operation, index, params)
        answer: dict[str, Any] = {list_member: [self.summary(store, r, summary) for r in page]}
        for resource in page:
            self.observe(store, resource, context.now)
        if token is not None:
            answer["nextToken"] = token
        return answer

    def description(
        self, store: RegionStore, resource: Resource, members: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """The resource as Describe<X> shows it, members in the model's order, none null.

        ``members``: only these members of the description, in this order (a summary's).
        """
        kind = resource.kind
        described, defaults = _description_plan(kind)
        shown = resource.shown
        out: dict[str, Any] = {}
        for member in described if members is None else members:
            value: Any = None
            if member in kind.settled_only and resource.status != kind.settled:
                continue
            if member == kind.arn_member:
                value = resource.arn
            elif member == kind.name_member:
                value = resource.name
            elif member == "status":
                value = resource.status
            elif member == "creationDateTime":
                value = resource.created
            elif member == "lastUpdatedDateTime":
                value = resource.progress.updated
                if resource.update is not None:
                    value = max(value, resource.update.progress.updated)
            elif member == "failureReason":
                value = resource.failure_reason if resource.status in kind.failed_statuses else None
            elif member in resource.extra:
                value = resource.extra[member]
            elif member in shown:
                value = shown[member]
            elif member in resource.refs:
                value = resource.refs[member]
            elif member.startswith("latest"):
                value = self._latest(store, resource, member, described[member])
            elif member in defaults:
                value = defaults[member]
            if value is not None:
                out[member] = value
        return out

    def summary(self, store: RegionStore, resource: Resource, shape: Shape) -> dict[str, Any]:
        """The resource as a List's summary shows it: the description's members the summary shape has."""
        return self.description(store, resource, _summary_plan(resource.kind, shape.name))

    def _latest(self, store: RegionStore, resource: Resource, member: str, shape: Shape) -> dict[str, Any] | None:
        noun = member[len("latest") :]
        if noun.endswith("Update"):
            update = resource.update
            if update is None:
                return None
            value = {key: item for key, item in update.params.items() if key in shape.members}  # type: ignore[attr-defined]
            value.update(status=update.progress.status, creationDateTime=update.created)
            value["lastUpdatedDateTime"] = update.progress.updated
            return {key: item for key, item in value.items() if key in shape.members}  # type: ignore[attr-defined]
        child_kind = _resources.for_noun(noun)
        if child_kind is None:
            return None
        newest = store.naming(child_kind.noun, resource.kind.arn_member, resource.arn).last()
        return self.summary(store, newest, shape) if newest is not None else None

    # --- Delete, Update, Start, Stop -------------------------------------------------------

    def delete(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self.find(store, kind, params.get(kind.arn_member))
        deletable = {kind.settled, kind.stopped, "CREATE STOPPED", *kind.failed_statuses}
        if kind.statuses and resource.status not in deletable:
            doing = "being deleted" if (resource.status or "").startswith("DELETE") else "busy"
            raise ServiceError(
                IN_USE,
                f"The {words(kind.noun)} {resource.arn} is {doing} (status {resource.status}); "
                f"it can be deleted once it is {kind.settled} or {' or '.join(sorted(kind.failed_statuses))}.",
            )
        for noun in kind.deletion_blocked_by:
            other = store.naming(noun, kind.arn_member, resource.arn).first()
            if other is not None:
                raise ServiceError(
                    IN_USE,
                    f"The {words(kind.noun)} {resource.arn} can't be deleted: the {words(noun)} {other.arn} "
                    "uses it. Delete that first.",
                )
        resource.progress.enter(self.host.lifecycle.deletion(kind), context.now)
        store.track(resource)
        self._after_change(store, resource)
        return {}

    def update(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self.find(store, kind, params.get(kind.arn_member))
        if resource.status not in kind.updatable_from:
            self._require(resource, kind.settled, "updated")
        if resource.update is not None and resource.update.progress.moving:
            raise ServiceError(
                IN_USE,
                f"The {words(kind.noun)} {resource.arn} is being updated (status {resource.update.progress.status}): "
                "wait until that update ends.",
            )
        refs = self.resolve(store, f"Update{kind.noun}", params, skip=kind.arn_member)
        changes = {key: value for key, value in params.items() if key != kind.arn_member}
        # Checked on copies: a refused update leaves the resource as it was.
        new_params, new_refs = dict(resource.params), {**resource.refs, **refs}
        for key, value in changes.items():
            _apply_change(new_params, key, value)
        for rule in RULES:
            rule(store.by_arn, kind, new_params, new_refs)
        resource.params = new_params
        store.set_refs(resource, new_refs)
        resource.shown = _shown(kind, resource.params)
        lifecycle = self.host.lifecycle
        update_kind = _resources.update_kind(kind)
        if update_kind is not None:
            path = lifecycle.creation(update_kind, failed=False)
            resource.update = Update(params=changes, created=context.now, progress=Progress(path, context.now))
        if "UPDATE PENDING" in kind.statuses:
            resource.progress.enter(lifecycle.transition(kind, "Update", kind.settled), context.now)
        elif resource.status in kind.failed_statuses:
            # A failed campaign updated is made again (the wording of its path is ours: no public source).
            resource.failure_reason = None
            resource.progress.enter(lifecycle.creation(kind, failed=False), context.now)
        if kind.noun == "Solution" and "performAutoTraining" in changes:
            # "If you turn on automatic training, the first automatic training starts within one
            # hour after the solution update completes." (UpdateSolution, performAutoTraining)
            self.training(store).auto.pop(resource.arn, None)
            if changes["performAutoTraining"] is True:
                self.training(store).auto[resource.arn] = (context.now + _HOUR, True)
        store.track(resource)
        return {kind.arn_member: resource.arn}

    def start(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        return self._switch(store, kind, params, context, "Start", kind.stopped or "", kind.settled)

    def stop(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        return self._switch(store, kind, params, context, "Stop", kind.settled, kind.stopped or "")

    def _switch(
        self,
        store: RegionStore,
        kind: ResourceType,
        params: Mapping[str, Any],
        context: _templates.Context,
        verb: str,
        start: str,
        end: str,
    ) -> dict[str, Any]:
        resource = self.find(store, kind, params.get(kind.arn_member))
        self._require(resource, start, f"{verb.lower()}ped" if verb == "Stop" else "started")
        resource.progress.enter(self.host.lifecycle.transition(kind, verb, end), context.now)
        store.track(resource)
        return {kind.arn_member: resource.arn}

    def stop_creation(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self.find(store, kind, params.get(kind.arn_member))
        stages = _resources.creation_stages(kind)
        if resource.status not in (stages.pending, stages.in_progress):
            raise ServiceError(
                IN_USE,
                f"The {words(kind.noun)} {resource.arn} is {resource.status}: only a creation in progress "
                f"({stages.pending} or {stages.in_progress}) can be stopped.",
            )
        # "CREATE_PENDING > CREATE_STOPPED or CREATE_IN_PROGRESS > CREATE_STOPPING > CREATE_STOPPED"
        # (https://docs.aws.amazon.com/personalize/latest/dg/API_StopSolutionVersionCreation.html)
        path = ("CREATE STOPPED",) if resource.status == stages.pending else None
        resource.progress.enter(
            path or self.host.lifecycle.path("CREATE STOPPING", None, "CREATE STOPPED"), context.now
        )
        store.track(resource)
        self._after_change(store, resource)
        return {}

    @staticmethod
    def _require(resource: Resource, status: str, done: str) -> None:
        if resource.status != status:
            raise ServiceError(
                IN_USE,
                f"The {words(resource.kind.noun)} {resource.arn} is {resource.status}: "
                f"it can be {done} only when it is {status}.",
            )

    # --- tags ------------------------------------------------------------------------------

    def _taggable(self, store: RegionStore, params: Mapping[str, Any]) -> Resource:
        resource = self.find(store, None, params.get("resourceArn"))
        if (resource.status or "").startswith("DELETE"):
            raise ServiceError(IN_USE, f"The {words(resource.kind.noun)} {resource.arn} is being deleted.")
        return resource

    def tag(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self._taggable(store, params)
        tags = {**store.tags.get(resource.arn, {}), **tag_dict(params["tags"])}
        check_tag_count(resource.arn, len(tags))
        store.tags[resource.arn] = tags
        return {}

    def untag(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self._taggable(store, params)
        tags = store.tags.get(resource.arn, {})
        for key in params["tagKeys"]:
            tags.pop(key, None)
        return {}

    def list_tags(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        resource = self._taggable(store, params)
        tags = store.tags.get(resource.arn, {})
        return {"tags": [{"tagKey": key, "tagValue": value} for key, value in tags.items()]}

    # --- what a test can't use but must get an answer to -----------------------------------

    def solution_metrics(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        version = self.find(store, kind, params.get(kind.arn_member))
        self._require(version, kind.settled, "evaluated")
        digest = hashlib.sha1(version.arn.encode(), usedforsecurity=False).digest()
        # Plausible, stable per version: each between 0.05 and 0.55.
        metrics = {name: round(0.05 + digest[index] / 510, 4) for index, name in enumerate(_resources.SOLUTION_METRICS)}
        return {"solutionVersionArn": version.arn, "metrics": metrics}

    def attribution_metrics(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        metrics: list[Any] = []
        if params.get(kind.arn_member) is not None:
            metrics = list(self.find(store, kind, params[kind.arn_member]).params.get("metrics") or ())
        indexed = list(enumerate(metrics, start=1))
        page, token = paginate("ListMetricAttributionMetrics", indexed, params, key=lambda item: item[0])
        answer: dict[str, Any] = {"metrics": [metric for _, metric in page]}
        if token is not None:
            answer["nextToken"] = token
        return answer

    # --- the AWS-owned catalogue -----------------------------------------------------------

    def describe_owned(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        name = _templates.catalogue_entry(kind, params.get(kind.arn_member))
        return {_templates.single_member(f"Describe{kind.noun}"): _templates.owned_description(kind, name, context)}

    def list_recipes(
        self, store: RegionStore, kind: ResourceType, params: Mapping[str, Any], context: _templates.Context
    ) -> dict[str, Any]:
        domain = params.get("domain")
        recipes = [
            (index, recipe)
            for index, recipe in enumerate(_recipes.RECIPES, start=1)
            if domain is None or recipe.domain == domain
        ]
        list_member, summary = _list_shape("ListRecipes")
        page, token = paginate("ListRecipes", recipes, params, key=lambda item: item[0])
        items = []
        for _, recipe in page:
            description = _templates.owned_description(kind, recipe.name, context)
            if recipe.domain is not None:
                description["domain"] = recipe.domain
            items.append({key: value for key, value in description.items() if key in summary.members})  # type: ignore[attr-defined]
        answer: dict[str, Any] = {list_member: items}
        if token is not None:
            answer["nextToken"] = token
        return answer


# --- the model, read once ----------------------------------------------------------------------

# The quota of a kind the table gives none, capped by set_quota: its resources per region.
_SET_BY_TEST = _resources.Quota(0, _resources.ACTIVE, "set by the test")


@functools.cache
def _undeletable_nouns() -> tuple[str, ...]:
    """The kinds no operation deletes (jobs, solution versions): they go with what they belong to."""
    return tuple(
        kind.noun
        for kind in _resources.RESOURCE_TYPES
        if kind.arn_type and not kind.aws_owned and f"Delete{kind.noun}" not in routes()
    )


_PAGING = ("nextToken", "maxResults")


@functools.cache
def routes() -> dict[str, tuple[Handler, ResourceType]]:
    """Each operation the engine answers, with its handler and the resource type it acts on."""
    verbs: dict[str, Handler] = {
        "Create": Engine.create,
        "Describe": Engine.describe,
        "List": Engine.list_kind,
        "Delete": Engine.delete,
        "Update": Engine.update,
        "Start": Engine.start,
        "Stop": Engine.stop,
    }
    owned: dict[str, Handler] = {"Describe": Engine.describe_owned}
    found: dict[str, tuple[Handler, ResourceType]] = {}
    any_kind = _resources.RESOURCE_TYPES[0]
    for operation in _spec.operation_names():
        parsed = _resources.for_operation(operation)
        stop_creation = re.fullmatch(r"Stop(\w+)Creation", operation)
        if parsed is not None:
            verb, kind = parsed
            handler = (owned if kind.aws_owned else verbs).get(verb)
            if kind.noun == "Recipe" and verb == "List":
                handler = Engine.list_recipes
            if handler is not None:
                found[operation] = (handler, kind)
        elif stop_creation is not None:
            kind_of = _resources.for_noun(stop_creation.group(1))
            if kind_of is not None:
                found[operation] = (Engine.stop_creation, kind_of)
    tagging: dict[str, Handler] = {
        "TagResource": Engine.tag,
        "UntagResource": Engine.untag,
        "ListTagsForResource": Engine.list_tags,
    }
    for operation, handler in tagging.items():
        found[operation] = (handler, any_kind)
    reports: dict[str, tuple[Handler, str]] = {
        "GetSolutionMetrics": (Engine.solution_metrics, "SolutionVersion"),
        "ListMetricAttributionMetrics": (Engine.attribution_metrics, "MetricAttribution"),
    }
    for operation, (handler, noun) in reports.items():
        report_kind = _resources.for_noun(noun)
        if report_kind is not None and operation in _spec.operation_names():
            found[operation] = (handler, report_kind)
    return {operation: found[operation] for operation in sorted(found) if operation in _spec.operation_names()}


@functools.cache
def _list_shape(operation: str) -> tuple[str, Shape]:
    output = _spec.operation_model(operation).output_shape
    assert output is not None
    for member, shape in output.members.items():
        if shape.type_name == "list":
            return str(member), shape.member  # type: ignore[attr-defined]
    raise AssertionError(f"{operation} has no list member")


@functools.cache
def _description_shape(kind: ResourceType) -> Shape:
    return _spec.named_shape(kind.shapes[0])


@functools.cache
def _describe_defaults(kind: ResourceType) -> dict[str, Any]:
    return dict(kind.describe_defaults)


@functools.cache
def _summary_members(kind: ResourceType, summary: str) -> tuple[str, ...]:
    """The members of the summary shape ``summary`` the description of ``kind`` has, in the summary's order."""
    described = _description_shape(kind).members  # type: ignore[attr-defined]
    return tuple(member for member in _spec.named_shape(summary).members if member in described)  # type: ignore[attr-defined]


# The cached lookups above, by the resource type's identity: a ResourceType hashes all its
# fields, which a List paid three times per resource it showed.
_plans: dict[int, tuple[ResourceType, Mapping[str, Shape], dict[str, Any]]] = {}
_summary_plans: dict[tuple[int, str], tuple[ResourceType, tuple[str, ...]]] = {}


def _description_plan(kind: ResourceType) -> tuple[Mapping[str, Shape], dict[str, Any]]:
    """The description shape's members and the defaults of ``kind``."""
    plan = _plans.get(id(kind))
    if plan is None or plan[0] is not kind:
        plan = _plans[id(kind)] = (kind, _description_shape(kind).members, _describe_defaults(kind))  # type: ignore[attr-defined]
    return plan[1], plan[2]


def _summary_plan(kind: ResourceType, summary: str) -> tuple[str, ...]:
    plan = _summary_plans.get((id(kind), summary))
    if plan is None or plan[0] is not kind:
        plan = _summary_plans[(id(kind), summary)] = (kind, _summary_members(kind, summary))
    return plan[1]


@functools.cache
def _output_members(operation: str) -> tuple[str, ...]:
    output = _spec.operation_model(operation).output_shape
    return tuple(output.members) if output is not None else ()


@functools.cache
def _echo_plan(kind: ResourceType) -> dict[str, Shape | None]:
    """The request members Describe echoes: None where the request's shape is the description's
    (the request was checked already), else the description's shape to check the value against."""
    described: Mapping[str, Shape] = _description_shape(kind).members  # type: ignore[attr-defined]
    plan: dict[str, Shape | None] = {}
    for operation in (f"Create{kind.noun}", f"Update{kind.noun}"):
        if operation not in _spec.operation_names():
            continue
        request = _spec.operation_model(operation).input_shape
        for key, shape in (request.members if request is not None else {}).items():
            if key in described and key not in plan:
                plan[key] = None if shape.name == described[key].name else described[key]
    return plan


def _shown(kind: ResourceType, params: Mapping[str, Any]) -> dict[str, Any]:
    """What Describe echoes of the request: the members it shares with the description, where valid there.

    The model types some descriptions' roleArn as a Personalize ARN while the request gives an
    IAM role, which the service returns as sent (the developer guide's DescribeDatasetImportJob
    example): roleArn is echoed whatever the model says. Any other value the description's shape
    would refuse is left out rather than sent wrong.
    """
    plan = _echo_plan(kind)
    shown: dict[str, Any] = {}
    for key, value in params.items():
        if key not in plan:
            continue
        shape = plan[key]
        if shape is None or key == "roleArn" or not _validate.validate(shape, value, key):
            shown[key] = value
    return shown


def _generated(kind: ResourceType, seed: str, context: _templates.Context, params: Mapping[str, Any]) -> dict[str, Any]:
    members = kind.generated
    if kind.noun == "Dataset" and str(params.get("datasetType", "")).upper() == "ACTION_INTERACTIONS":
        # The Dataset shape: "The ID of the event tracker for an Action interactions dataset", the
        # one PutActionInteractions takes. Only that type of dataset has one.
        members = ("trackingId",)
    if not members:  # most kinds: nothing to make up
        return {}
    made = {
        "trackingId": f"{seed[:8]}-{seed[8:12]}-4{seed[13:16]}-a{seed[17:20]}-{seed[20:32]}",
        "accountId": context.account,
    }
    return {member: made[member] for member in members}


def _apply_change(params: dict[str, Any], key: str, value: Any) -> None:
    """One member of an Update<X> request: ``addMetrics``/``removeMetrics`` edit ``metrics``, others replace."""
    match = re.fullmatch(r"(add|remove)([A-Z]\w*)", key)
    if match is None:
        params[key] = value
        return
    verb, target = match.group(1), match.group(2)[0].lower() + match.group(2)[1:]
    current = list(params.get(target) or ())
    if verb == "add":
        params[target] = current + list(value)
    else:
        params[target] = [item for item in current if item.get("metricName") not in set(value)]


def tag_dict(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {str(tag["tagKey"]): str(tag["tagValue"]) for tag in tags}


def check_tag_count(arn: str, count: int) -> None:
    if count > MAX_TAGS_PER_RESOURCE:
        raise ServiceError(
            "TooManyTagsException",
            f"The resource {arn} would have {count} tags; a resource can have at most {MAX_TAGS_PER_RESOURCE}.",
        )


__all__ = ["Engine", "Host", "routes", "words"]
