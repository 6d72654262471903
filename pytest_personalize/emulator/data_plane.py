"""The runtime and events APIs, answered from the backend's state and the results a test declares.

No model is trained, so a campaign or recommender recommends what the test declares for it
(:meth:`DataPlaneAPI.declare`): for an item, for a user, for both, or by default -- the most
specific rule the request can reach wins (item and user, then item, then user, then default),
and a rule on a parameter the recipe doesn't use is refused when declared. With nothing declared
GetRecommendations answers an empty list and GetPersonalizedRanking ranks the ``inputList`` as
given. Everything else is the service's: the campaign or recommender must exist and be ACTIVE
(else ``The given campaign does not exist: <arn>``, 404), the request must carry what its recipe
needs (:mod:`pytest_personalize.model.data_plane`), and a filter is applied where the emulator
holds the data it reads (:mod:`.filters`).

The events API keeps what it accepts: PutEvents needs an ACTIVE event tracker's ``trackingId``
and the group's Interactions dataset; PutItems, PutUsers and PutActions need an ACTIVE dataset of
their type, and each record must match its schema (:mod:`pytest_personalize.model.records`).
Accepted events and records are readable (:meth:`DataPlaneAPI.events`, ``items``, ``users``, ...)
and are what interaction and item filters read.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._constants import DEFAULT_REGION
from ..model import catalogue as _catalogue
from ..model import data_plane as _model
from ..model import records as _records
from ..model import resources as _resources
from ..model import rules as _rules
from ..model import spec as _spec
from ..model import templates as _templates
from ..model import validate as _validate
from ..model.errors import ConformanceError, ServiceError, UsageError
from . import filters as _filters

if TYPE_CHECKING:
    from .engine import Engine
    from .lifecycle import Lifecycle
    from .store import RegionStore, Resource

INVALID = "InvalidInputException"
NOT_FOUND = "ResourceNotFoundException"
IN_USE = "ResourceInUseException"

# The dataset each record operation adds to, and the member its records travel in.
_RECORD_OPERATIONS = {
    "PutItems": ("ITEMS", "items", "itemId"),
    "PutUsers": ("USERS", "users", "userId"),
    "PutActions": ("ACTIONS", "actions", "actionId"),
}


@dataclass(frozen=True)
class Declared:
    """What a campaign or recommender answers to one rule: ids in order, and their scores if given."""

    ids: tuple[str, ...]
    scores: tuple[float, ...] | None


@dataclass
class State:
    """The data plane's part of a backend: declarations, and what the events API accepted."""

    declarations: dict[str, dict[tuple[str | None, str | None], Declared]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    action_interactions: list[dict[str, Any]] = field(default_factory=list)
    # (account, region, dataset ARN) -> record id -> the record as last sent (properties parsed).
    records: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    # Why requests got NotEmulatedException: a filter or option the emulator can't evaluate.
    unevaluated: list[str] = field(default_factory=list)


def _error(operation: str, code: str, message: str) -> ServiceError:
    return ServiceError(code, message, _templates.error_status(code, operation))


def _not_emulated(state: State, message: str) -> ServiceError:
    from .backend import NOT_EMULATED, NOT_EMULATED_STATUS

    state.unevaluated.append(message)
    return ServiceError(NOT_EMULATED, message, NOT_EMULATED_STATUS)


def answer(
    state: State, engine: Engine, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    """Answer one runtime or events request (already checked against the model)."""
    store = engine.store(context.account, context.region)
    engine.settle(store, context.now)
    handler = _HANDLERS[operation]
    return handler(state, store, operation, params, context)


# --- runtime ---------------------------------------------------------------------------------


def _target(store: RegionStore, operation: str, params: Mapping[str, Any]) -> tuple[Resource, _model.Needs]:
    """The ACTIVE campaign or recommender the request names, and what its recipe needs."""
    member, noun = ("recommenderArn", "Recommender") if params.get("recommenderArn") else ("campaignArn", "Campaign")
    arn = str(params.get(member))
    resource = store.by_arn.get(arn)
    if resource is None or resource.kind.noun != noun or resource.status != "ACTIVE":
        # Not yet ACTIVE is no different to the runtime: nothing serves that ARN yet.
        raise _error(operation, NOT_FOUND, _model.not_found_message(noun.lower(), arn))
    needs = needs_of(store, resource)
    if needs.operation != operation:
        raise _error(
            operation,
            INVALID,
            f"The {noun.lower()} {arn} serves a {needs.label} recipe: ask it with {needs.operation}, not {operation}.",
        )
    missing = needs.missing(params)
    if missing:
        raise _error(
            operation,
            INVALID,
            f"{operation} on the {noun.lower()} {arn} ({needs.label}) needs {' and '.join(missing)}: "
            f"its recipe requires {'them' if len(missing) > 1 else 'it'}.",
        )
    return resource, needs


def needs_of(store: RegionStore, resource: Resource) -> _model.Needs:
    """What requests to a campaign or recommender must carry: by use case, else by recipe type."""
    recipe_arn = resource.params.get("recipeArn")
    if resource.kind.noun == "Campaign":
        solution = store.by_arn.get(resource.refs.get("solutionArn", ""))
        recipe_arn = solution.params.get("recipeArn") if solution is not None else None
    name = _resources.arn_tail(recipe_arn) if isinstance(recipe_arn, str) else ""
    if name in _model.USE_CASE_NEEDS:
        return _model.USE_CASE_NEEDS[name]
    recipe = _catalogue.recipes_by_name().get(name)
    if recipe is None:
        return _model.DEFAULT_NEEDS
    return _model.RECIPE_TYPE_NEEDS.get(recipe.recipe_type, _model.DEFAULT_NEEDS)


def _declared(state: State, arn: str, params: Mapping[str, Any], needs: _model.Needs) -> Declared | None:
    rules = state.declarations.get(arn, {})
    item = params.get("itemId") if needs.item_id != _model.UNUSED else None
    user = params.get("userId") if needs.user_id != _model.UNUSED else None
    keys: list[tuple[str | None, str | None]] = []
    if item is not None and user is not None:
        keys.append((item, user))
    if item is not None:
        keys.append((item, None))
    if user is not None:
        keys.append((None, user))
    keys.append((None, None))
    for key in keys:
        found = rules.get(key)
        if found is not None:
            return found
    return None


def _check_results(operation: str, params: Mapping[str, Any]) -> int:
    # How many results to answer with: the request rules every mode applies (model/rules.py)
    # have already refused a count past the maximum.
    count = params.get("numResults")
    return int(_rules.RESULT_LIMITS[operation].default or 0) if count is None else int(count)


def _refuse_unevaluated_options(state: State, operation: str, params: Mapping[str, Any]) -> None:
    for member, what in (("promotions", "promotions"), ("metadataColumns", "item metadata in results")):
        if params.get(member):
            raise _not_emulated(
                state,
                f"{operation} with {member}: the emulator doesn't apply {what}, and answering without "
                f"would pretend it did. Queue this answer with personalize_runtime_stubber instead.",
            )


def _scored(ids: Sequence[str], declared: Declared | None, needs: _model.Needs) -> list[tuple[str, float | None]]:
    if declared is not None and declared.scores is not None:
        by_id = dict(zip(declared.ids, declared.scores, strict=True))
        return [(item, by_id.get(item, 0.0)) for item in ids]
    if not needs.scored:
        return [(item, None) for item in ids]
    return list(zip(ids, _model.descending_scores(len(ids)), strict=True))


def _filtered(
    state: State,
    store: RegionStore,
    operation: str,
    params: Mapping[str, Any],
    target: Resource,
    candidates: list[str],
) -> list[str]:
    arn = params.get("filterArn")
    if not isinstance(arn, str):
        return candidates
    resource = store.by_arn.get(arn)
    if resource is None or resource.kind.noun != "Filter":
        raise _error(operation, NOT_FOUND, _model.not_found_message("filter", arn))
    if resource.status != "ACTIVE":
        raise _error(operation, INVALID, f"The filter {arn} is {resource.status}: only an ACTIVE filter can be used.")
    group = target.refs.get("datasetGroupArn") or target.params.get("datasetGroupArn")
    if resource.refs.get("datasetGroupArn") != group:
        raise _error(
            operation,
            INVALID,
            f"The filter {arn} belongs to the dataset group {resource.refs.get('datasetGroupArn')}, "
            f"not to {group}, the one {target.arn} serves.",
        )
    expression = str(resource.params.get("filterExpression", ""))
    user = params.get("userId")
    try:
        statements = _filters.parse(expression)
        data = _filters.Data(
            user_id=user if isinstance(user, str) else None,
            event_types=_filters.event_types_by_item(
                event
                for event in state.events
                if event["datasetGroupArn"] == group and user is not None and event.get("userId") == user
            ),
            item_properties=_item_properties(state, store, str(group)),
        )
        values = _filters.parse_filter_values(params.get("filterValues"))
        return _filters.apply(statements, candidates, data, values)
    except _filters.NotEvaluable as error:
        raise _not_emulated(
            state,
            f"The filter {arn} can't be evaluated by the emulator: {error}. Declare results that are already "
            "filtered and leave filterArn out, or queue the answer with personalize_runtime_stubber.",
        ) from None


def _item_properties(state: State, store: RegionStore, group: str) -> dict[str, Mapping[str, Any]] | None:
    for dataset in store.of_kind("Dataset"):
        if dataset.refs.get("datasetGroupArn") == group and str(dataset.params.get("datasetType")).upper() == "ITEMS":
            for (_, _, arn), records in state.records.items():
                if arn == dataset.arn:
                    return {item: record.get("properties") or {} for item, record in records.items()}
            return {}
    return None


def _recommendation_id() -> str:
    # A fresh id per answer, as the service gives; a request id's random digits serve.
    digits = _templates.request_id()
    return f"RID-{digits[:2]}-{digits[9:13]}-{digits[14:18]}-{digits[19:23]}-{digits[24:]}"


def _get_recommendations(
    state: State, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    target, needs = _target(store, operation, params)
    count = _check_results(operation, params)
    _refuse_unevaluated_options(state, operation, params)
    declared = _declared(state, target.arn, params, needs)
    ids = list(declared.ids) if declared is not None else []
    scored = dict(_scored(ids, declared, needs))
    kept = _filtered(state, store, operation, params, target, ids)[:count]
    return {
        "itemList": [_predicted("itemId", item, scored[item]) for item in kept],
        "recommendationId": _recommendation_id(),
    }


def _predicted(member: str, identifier: str, score: float | None) -> dict[str, Any]:
    return {member: identifier} if score is None else {member: identifier, "score": score}


def _get_personalized_ranking(
    state: State, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    target, needs = _target(store, operation, params)
    _refuse_unevaluated_options(state, operation, params)
    given = list(params.get("inputList") or ())
    declared = _declared(state, target.arn, params, needs)
    # Declared items first, in the declared order; the rest as given (the service appends what
    # it doesn't know to the end).
    order = {item: index for index, item in enumerate(declared.ids)} if declared is not None else {}
    ranked = sorted(dict.fromkeys(given), key=lambda item: (order.get(item, len(order)), given.index(item)))
    if declared is not None and declared.scores is not None:
        scored = _scored(ranked, declared, needs)
    else:
        scored = list(zip(ranked, _model.descending_scores(len(ranked)), strict=True))
    kept = set(_filtered(state, store, operation, params, target, ranked))
    return {
        "personalizedRanking": [_predicted("itemId", item, score) for item, score in scored if item in kept],
        "recommendationId": _recommendation_id(),
    }


def _get_action_recommendations(
    state: State, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    target, needs = _target(store, operation, params)
    count = _check_results(operation, params)
    if params.get("filterArn"):
        raise _not_emulated(
            state,
            f"GetActionRecommendations with filterArn {params['filterArn']}: action filters are not evaluated by "
            "the emulator. Declare the actions already filtered and leave filterArn out, or queue the answer "
            "with personalize_runtime_stubber.",
        )
    declared = _declared(state, target.arn, params, needs)
    ids = list(declared.ids) if declared is not None else []
    scored = _scored(ids, declared, needs)[:count]
    return {
        "actionList": [_predicted("actionId", action, score) for action, score in scored],
        "recommendationId": _recommendation_id(),
    }


# --- events ----------------------------------------------------------------------------------


def _dataset_of_group(store: RegionStore, group: str | None, dataset_type: str) -> Resource | None:
    for dataset in store.of_kind("Dataset"):
        if (
            dataset.refs.get("datasetGroupArn") == group
            and str(dataset.params.get("datasetType")).upper() == dataset_type
        ):
            return dataset
    return None


def _schema_text(store: RegionStore, dataset: Resource) -> str:
    schema = store.by_arn.get(dataset.refs.get("schemaArn", ""))
    return str(schema.params.get("schema", "")) if schema is not None else ""


def _when(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    return value


def _properties(record: Mapping[str, Any]) -> dict[str, Any]:
    text = record.get("properties")
    return (_model.parse_properties(text) or {}) if isinstance(text, str) else {}


def _check_records(
    operation: str,
    store: RegionStore,
    dataset: Resource,
    dataset_type: str,
    member: str,
    records: Sequence[Mapping[str, Any]],
    id_member: str,
) -> None:
    schema = _schema_text(store, dataset)
    if not schema:
        return
    for index, record in enumerate(records, start=1):
        problems = _records.record_problems(_properties(record), schema, dataset_type)
        if problems:
            raise _error(
                operation,
                INVALID,
                f"{member}.{index} ({id_member} {record.get(id_member)!r}) doesn't match the schema of {dataset.arn}: "
                + "; ".join(problems),
            )


def _put_events(
    state: State, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    tracking_id = params["trackingId"]
    tracker = next((t for t in store.of_kind("EventTracker") if t.extra.get("trackingId") == tracking_id), None)
    if tracker is None:
        # PutEvents models InvalidInputException alone: an unknown tracker is bad input.
        raise _error(
            operation,
            INVALID,
            f"The tracking ID {tracking_id} belongs to no event tracker in {context.region}: "
            "use the trackingId CreateEventTracker returned.",
        )
    if tracker.status != "ACTIVE":
        raise _error(
            operation, INVALID, f"The event tracker {tracker.arn} is {tracker.status}: it takes events once ACTIVE."
        )
    group = tracker.refs.get("datasetGroupArn")
    dataset = _dataset_of_group(store, group, "INTERACTIONS")
    if dataset is None:
        raise _error(
            operation,
            INVALID,
            f"The dataset group {group} has no Interactions dataset: events are recorded into it, so create one "
            "before sending events.",
        )
    events = list(params["eventList"])
    _check_records(operation, store, dataset, "INTERACTIONS", "eventList", events, "eventId")
    for event in events:
        kept = {key: _when(value) if key == "sentAt" else value for key, value in event.items()}
        state.events.append(
            {
                "trackingId": tracking_id,
                "userId": params.get("userId"),
                "sessionId": params["sessionId"],
                **kept,
                "datasetGroupArn": group,
                "region": context.region,
                "account": context.account,
            }
        )
    return {}


def _put_action_interactions(
    state: State, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    tracking_id = params["trackingId"]
    dataset = next(
        (d for d in store.of_kind("Dataset") if d.extra.get("trackingId") == tracking_id),
        None,
    )
    if dataset is None:
        raise _error(
            operation,
            NOT_FOUND,
            f"The tracking ID {tracking_id} belongs to no Action interactions dataset in {context.region}: use the "
            "trackingId DescribeDataset reports for it.",
        )
    if dataset.status != "ACTIVE":
        raise _error(operation, IN_USE, f"The dataset {dataset.arn} is {dataset.status}: it takes data once ACTIVE.")
    interactions = list(params["actionInteractions"])
    for index, interaction in enumerate(interactions, start=1):
        if interaction.get("eventType") not in _model.ACTION_EVENT_TYPES:
            raise _error(
                operation,
                INVALID,
                f"actionInteractions.{index}.eventType is {interaction.get('eventType')!r}: an action interaction's "
                f"event type is one of {', '.join(_model.ACTION_EVENT_TYPES)}.",
            )
    _check_records(operation, store, dataset, "ACTION_INTERACTIONS", "actionInteractions", interactions, "actionId")
    for interaction in interactions:
        kept = {key: _when(value) if key == "timestamp" else value for key, value in interaction.items()}
        state.action_interactions.append(
            {"trackingId": tracking_id, **kept, "datasetArn": dataset.arn, "region": context.region}
        )
    return {}


def _put_records(
    state: State, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    dataset_type, member, id_member = _RECORD_OPERATIONS[operation]
    arn = str(params["datasetArn"])
    dataset = store.by_arn.get(arn)
    if dataset is None or dataset.kind.noun != "Dataset":
        raise _error(operation, NOT_FOUND, f"Could not find resource with Arn {arn}.")
    actual = str(dataset.params.get("datasetType", "")).upper()
    if actual != dataset_type:
        raise _error(
            operation,
            INVALID,
            f"The dataset {arn} is {_a(actual.title())} dataset: {operation} adds to {_a(dataset_type.title())} dataset.",
        )
    if dataset.status != "ACTIVE":
        raise _error(operation, IN_USE, f"The dataset {arn} is {dataset.status}: it takes data once ACTIVE.")
    records = list(params[member])
    _check_records(operation, store, dataset, dataset_type, member, records, id_member)
    kept = state.records.setdefault((context.account, context.region, arn), {})
    for record in records:
        # The same id again replaces the record (the developer guide, "Importing items individually").
        kept[str(record[id_member])] = {
            id_member: record[id_member],
            "properties": _properties(record),
            "datasetArn": arn,
        }
    return {}


Handler = Callable[[State, "RegionStore", str, Mapping[str, Any], _templates.Context], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {
    "GetRecommendations": _get_recommendations,
    "GetPersonalizedRanking": _get_personalized_ranking,
    "GetActionRecommendations": _get_action_recommendations,
    "PutEvents": _put_events,
    "PutActionInteractions": _put_action_interactions,
    "PutItems": _put_records,
    "PutUsers": _put_records,
    "PutActions": _put_records,
}


def emulates(operation: str) -> bool:
    return operation in _HANDLERS


# --- what a test declares and reads ------------------------------------------------------------


class DataPlaneAPI:
    """The runtime and events side of :class:`~pytest_personalize.Backend`: declared results, and what was sent."""

    # Provided by Backend.
    _lock: threading.RLock
    _engine: Engine
    _data_plane: State
    _failures: list[Any]
    lifecycle: Lifecycle
    account: str
    clock: Callable[[], datetime.datetime]
    # Where deploy_campaign and deploy_recommender make their resources when no region is given:
    # the personalize_fake and personalize_server fixtures set it to personalize_region.
    default_region: str = DEFAULT_REGION

    def declare(
        self,
        arn: str,
        *,
        user_id: str | None = None,
        item_id: str | None = None,
        items: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        scores: Sequence[float] | None = None,
    ) -> None:
        """Declare what a campaign or recommender recommends, for a user, an item, both, or by default::

            fake.declare(campaign_arn, user_id="u1", items=["i3", "i1"])          # for u1
            fake.declare(campaign_arn, items=["i9", "i8"], scores=[0.6, 0.4])    # anyone else
            fake.declare(similar_items_arn, item_id="i3", items=["i4", "i5"])    # related to i3
            fake.declare(ranking_arn, items=["i2"])                              # i2 ranks first
            fake.declare(actions_arn, user_id="u1", actions=["a1", "a2"])

        The most specific rule a request reaches answers it: item and user, item, user, default.
        GetPersonalizedRanking puts declared items first, in order, then the rest of the
        ``inputList`` as given. ``scores`` (one per id) are returned as declared; without them a
        recipe that scores gets descending scores summing to 1. Declaring again replaces the rule.

        Raises :class:`UsageError` for an ARN no campaign or recommender has, a rule on a
        parameter the recipe doesn't use (``item_id`` for user personalization) or scores that
        don't pair with the ids, and :class:`ConformanceError` for ids the service couldn't return.
        """
        __tracebackhide__ = True
        with self._lock:
            resource, store = self._find_target(arn)
            needs = needs_of(store, resource)
            for given, need, member in ((user_id, needs.user_id, "user_id"), (item_id, needs.item_id, "item_id")):
                if given is not None and need == _model.UNUSED:
                    raise UsageError(
                        f"declare({arn!r}, {member}=...): a {needs.label} recipe doesn't use "
                        f"{member.replace('_id', 'Id')}, so no request would ever reach this rule"
                    )
            for listed, member in ((items, "items"), (actions, "actions"), (scores, "scores")):
                if isinstance(listed, (str, bytes)):
                    raise UsageError(
                        f"declare({arn!r}, {member}={listed!r}): {member} is a list, not a string "
                        f"(one id a string: {member}=[{listed!r}])"
                    )
            wants_actions = needs.operation == "GetActionRecommendations"
            if (actions is not None) == (items is not None) or (actions is not None) != wants_actions:
                kind = "actions=[...]" if wants_actions else "items=[...]"
                raise UsageError(f"declare({arn!r}, ...): give {kind} for this {needs.label} recipe")
            ids = tuple(actions if actions is not None else items or ())
            _check_ids(arn, ids, "actionId" if wants_actions else "itemId")
            checked_scores = _check_scores(arn, ids, scores)
            self._data_plane.declarations.setdefault(resource.arn, {})[(item_id, user_id)] = Declared(
                ids, checked_scores
            )

    def _find_target(self, arn: str) -> tuple[Resource, RegionStore]:
        __tracebackhide__ = True
        known: list[str] = []
        for store in self._engine.regions.values():
            resource = store.by_arn.get(arn)
            if resource is not None and resource.kind.noun in ("Campaign", "Recommender"):
                return resource, store
            known.extend(r.arn for r in (*store.of_kind("Campaign"), *store.of_kind("Recommender")))
        listed = ", ".join(known) if known else "none exists yet"
        raise UsageError(
            f"declare({arn!r}): no campaign or recommender has this ARN (create it first, or use "
            f"deploy_campaign / deploy_recommender); known: {listed}"
        )

    @property
    def unevaluated(self) -> list[str]:
        """Why requests got NotEmulatedException: filters or options the emulator can't evaluate."""
        with self._lock:
            return list(self._data_plane.unevaluated)

    def events(
        self, *, user_id: str | None = None, event_type: str | None = None, tracking_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The events PutEvents accepted, oldest first: each as sent, with its ``trackingId``,
        ``userId``, ``sessionId`` and ``datasetGroupArn`` (``sentAt`` as a datetime)."""
        with self._lock:
            return [
                dict(event)
                for event in self._data_plane.events
                if (user_id is None or event.get("userId") == user_id)
                and (event_type is None or event.get("eventType") == event_type)
                and (tracking_id is None or event.get("trackingId") == tracking_id)
            ]

    def action_interactions(self, *, user_id: str | None = None) -> list[dict[str, Any]]:
        """The action interactions PutActionInteractions accepted, oldest first."""
        with self._lock:
            return [
                dict(event)
                for event in self._data_plane.action_interactions
                if user_id is None or event.get("userId") == user_id
            ]

    def items(self, dataset_arn: str | None = None) -> list[dict[str, Any]]:
        """The items PutItems accepted (the latest of each ``itemId``), with their properties parsed."""
        return self._records("ITEMS", dataset_arn)

    def users(self, dataset_arn: str | None = None) -> list[dict[str, Any]]:
        """The users PutUsers accepted (the latest of each ``userId``), with their properties parsed."""
        return self._records("USERS", dataset_arn)

    def actions(self, dataset_arn: str | None = None) -> list[dict[str, Any]]:
        """The actions PutActions accepted (the latest of each ``actionId``), with their properties parsed."""
        return self._records("ACTIONS", dataset_arn)

    def _records(self, dataset_type: str, dataset_arn: str | None) -> list[dict[str, Any]]:
        suffix = f"/{dataset_type}"
        with self._lock:
            return [
                dict(record)
                for (_, _, arn), records in self._data_plane.records.items()
                if arn.endswith(suffix) and (dataset_arn is None or arn == dataset_arn)
                for record in records.values()
            ]

    def deploy_campaign(
        self,
        name: str,
        *,
        recipe: str = "aws-user-personalization",
        dataset_group_arn: str | None = None,
        region: str | None = None,
    ) -> str:
        """Make an ACTIVE campaign on ``recipe`` at once, and return its ARN.

        Creates what the service would need first -- a dataset group called ``name`` (unless
        ``dataset_group_arn`` names one), a solution and a solution version -- all ACTIVE, none
        in ``calls``, whatever the lifecycle::

            arn = fake.deploy_campaign("shop-recs")
            fake.declare(arn, user_id="u1", items=["i3", "i1"])
        """
        __tracebackhide__ = True
        recipe_arn = f"arn:aws:personalize:::recipe/{recipe}"
        with self._deploying(region, dataset_group_arn) as make:
            group = dataset_group_arn or make("CreateDatasetGroup", {"name": name})["datasetGroupArn"]
            solution = make("CreateSolution", {"name": name, "datasetGroupArn": group, "recipeArn": recipe_arn})
            version = make("CreateSolutionVersion", {"solutionArn": solution["solutionArn"]})
            campaign = make("CreateCampaign", {"name": name, "solutionVersionArn": version["solutionVersionArn"]})
            return str(campaign["campaignArn"])

    def deploy_recommender(
        self,
        name: str,
        *,
        use_case: str = "aws-ecomm-recommended-for-you",
        dataset_group_arn: str | None = None,
        region: str | None = None,
    ) -> str:
        """Make an ACTIVE recommender for ``use_case`` at once (in a Domain dataset group of its
        domain called ``name``, unless ``dataset_group_arn`` names one), and return its ARN."""
        __tracebackhide__ = True
        recipe = _catalogue.recipes_by_name().get(use_case)
        if recipe is None or recipe.domain is None:
            cases = ", ".join(r.name for r in _catalogue.RECIPES if r.domain is not None)
            raise UsageError(f"deploy_recommender(use_case={use_case!r}): not a use case; choose one of {cases}")
        with self._deploying(region, dataset_group_arn) as make:
            group = (
                dataset_group_arn
                or make("CreateDatasetGroup", {"name": name, "domain": recipe.domain})["datasetGroupArn"]
            )
            recipe_arn = f"arn:aws:personalize:::recipe/{use_case}"
            made = make("CreateRecommender", {"name": name, "datasetGroupArn": group, "recipeArn": recipe_arn})
            return str(made["recommenderArn"])

    def _deploying(self, region: str | None, group: str | None) -> Any:
        import contextlib

        backend = self

        @contextlib.contextmanager
        def deploying() -> Any:
            where = region or (group.split(":")[3] if group and group.count(":") >= 5 else backend.default_region)
            with backend._lock:
                saved_lifecycle, saved_failures = backend.lifecycle, backend._failures
                backend.lifecycle = dataclasses.replace(saved_lifecycle, advance="instant")
                backend._failures = []  # a fail_creation the test planned is for its own creations
                try:
                    context = _templates.Context(region=where, account=backend.account, now=backend.clock())

                    def make(operation: str, params: dict[str, Any]) -> dict[str, Any]:
                        problem = _validate.request_problem(operation, params)
                        if problem is not None:
                            raise ConformanceError(f"{operation} {params}: {problem.explain()}")
                        try:
                            return backend._engine.answer(operation, params, context)
                        except ServiceError as error:
                            raise ConformanceError(f"{operation} {params}: {error.code}: {error.message}") from None

                    yield make
                finally:
                    backend.lifecycle, backend._failures = saved_lifecycle, saved_failures

        return deploying()


def _a(dataset_type: str) -> str:
    # Items, Interactions, Actions, Action_Interactions take "an"; Users "a".
    return f"{'an' if dataset_type[:1].lower() in 'aei' else 'a'} {dataset_type}"


def _check_ids(arn: str, ids: Sequence[str], member: str) -> None:
    __tracebackhide__ = True
    repeated = sorted(identifier for identifier, count in collections.Counter(ids).items() if count > 1)
    if repeated:
        raise ConformanceError(
            f"declare({arn!r}, ...): {', '.join(map(repr, repeated))} given twice; an answer never lists an id twice"
        )
    shape_name = "ItemID" if member == "itemId" else "ActionID"
    shape = _spec.named_shape(shape_name, _spec.RUNTIME_SERVICE_NAME)
    for index, identifier in enumerate(ids, start=1):
        problems = _validate.validate(shape, identifier, f"{member}s.{index}")
        if problems or not identifier:
            detail = problems[0].render() if problems else "an id is never empty"
            raise ConformanceError(f"declare({arn!r}, ...): {detail}")


def _check_scores(arn: str, ids: Sequence[str], scores: Sequence[float] | None) -> tuple[float, ...] | None:
    __tracebackhide__ = True
    if scores is None:
        return None
    values = tuple(scores)
    if len(values) != len(ids) or not all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in values):
        raise UsageError(f"declare({arn!r}, ...): scores must be one number per id ({len(ids)}), not {list(values)!r}")
    return tuple(float(s) for s in values)
