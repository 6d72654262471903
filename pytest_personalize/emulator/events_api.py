"""The events API (personalize-events), answered from the backend's state, and what it accepted
kept for the test to read.

PutEvents needs an ACTIVE event tracker's ``trackingId`` and the group's Interactions dataset;
PutActionInteractions the trackingId of an ACTIVE Action interactions dataset; PutItems,
PutUsers and PutActions an ACTIVE dataset of their type. Each record must match its dataset's
schema (:mod:`pytest_personalize.model.rules.records`). Accepted events and records are readable
(:meth:`EventsAPI.events`, ``items``, ``users``, ...), and are what the runtime's interaction and
item filters read (:mod:`.runtime_api`). The rules that need no state (what ``properties`` may
hold) are the model's: :mod:`pytest_personalize.model.rules.events`.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import templates as _templates
from ..model.errors import ServiceError
from ..model.rules import events as _events
from ..model.rules import records as _records

if TYPE_CHECKING:
    from .engine import Engine
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


@dataclass
class Received:
    """What the events API accepted: events, action interactions, and records by dataset."""

    events: list[dict[str, Any]] = field(default_factory=list)
    action_interactions: list[dict[str, Any]] = field(default_factory=list)
    # (account, region, dataset ARN) -> record id -> the record as last sent (properties parsed).
    records: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)


def _error(operation: str, code: str, message: str) -> ServiceError:
    return ServiceError(code, message, _templates.error_status(code, operation))


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
    return (_events.parse_properties(text) or {}) if isinstance(text, str) else {}


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
    received: Received, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
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
        received.events.append(
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
    received: Received, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
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
        if interaction.get("eventType") not in _events.ACTION_EVENT_TYPES:
            raise _error(
                operation,
                INVALID,
                f"actionInteractions.{index}.eventType is {interaction.get('eventType')!r}: an action interaction's "
                f"event type is one of {', '.join(_events.ACTION_EVENT_TYPES)}.",
            )
    _check_records(operation, store, dataset, "ACTION_INTERACTIONS", "actionInteractions", interactions, "actionId")
    for interaction in interactions:
        kept = {key: _when(value) if key == "timestamp" else value for key, value in interaction.items()}
        received.action_interactions.append(
            {"trackingId": tracking_id, **kept, "datasetArn": dataset.arn, "region": context.region}
        )
    return {}


def _put_records(
    received: Received, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
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
    kept = received.records.setdefault((context.account, context.region, arn), {})
    for record in records:
        # The same id again replaces the record (the developer guide, "Importing items individually").
        kept[str(record[id_member])] = {
            id_member: record[id_member],
            "properties": _properties(record),
            "datasetArn": arn,
        }
    return {}


Handler = Callable[[Received, "RegionStore", str, Mapping[str, Any], _templates.Context], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {
    "PutEvents": _put_events,
    "PutActionInteractions": _put_action_interactions,
    "PutItems": _put_records,
    "PutUsers": _put_records,
    "PutActions": _put_records,
}


def emulates(operation: str) -> bool:
    return operation in _HANDLERS


class EventsAPI:
    """The events API of one backend: it answers PutEvents, PutItems, ... and keeps what they sent.

    ``engine`` holds the resources a request names; ``lock`` is the backend's, held by every
    reader here (the backend already holds it when it asks for an answer).
    """

    def __init__(self, engine: Engine, lock: threading.RLock) -> None:
        self._engine = engine
        self._lock = lock
        self.received = Received()

    def reset(self) -> None:
        """Forget every event and record."""
        with self._lock:
            self.received = Received()

    def answer(self, operation: str, params: Mapping[str, Any], context: _templates.Context) -> dict[str, Any]:
        """Answer one events request (already checked against the model)."""
        store = self._engine.store(context.account, context.region)
        self._engine.settle(store, context.now)
        answer = _HANDLERS[operation](self.received, store, operation, params, context)
        if operation == "PutEvents":
            # What was recorded counts toward the group's training data, as imported rows do.
            sent = self.received.events[len(self.received.events) - len(params["eventList"]) :]
            self._engine.note_streamed(
                store,
                ((str(event["datasetGroupArn"]), (event.get("userId"), event.get("eventType"))) for event in sent),
                context.now,
            )
        return answer

    def events(
        self, *, user_id: str | None = None, event_type: str | None = None, tracking_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The events PutEvents accepted, oldest first, of ``user_id``, ``event_type``, ``tracking_id``."""
        with self._lock:
            return [
                dict(event)
                for event in self.received.events
                if (user_id is None or event.get("userId") == user_id)
                and (event_type is None or event.get("eventType") == event_type)
                and (tracking_id is None or event.get("trackingId") == tracking_id)
            ]

    def action_interactions(self, *, user_id: str | None = None) -> list[dict[str, Any]]:
        """The action interactions PutActionInteractions accepted, oldest first."""
        with self._lock:
            return [
                dict(event)
                for event in self.received.action_interactions
                if user_id is None or event.get("userId") == user_id
            ]

    def records(self, dataset_type: str, dataset_arn: str | None) -> list[dict[str, Any]]:
        """The records PutItems, PutUsers or PutActions accepted into datasets of ``dataset_type``."""
        suffix = f"/{dataset_type}"
        with self._lock:
            return [
                dict(record)
                for (_, _, arn), records in self.received.records.items()
                if arn.endswith(suffix) and (dataset_arn is None or arn == dataset_arn)
                for record in records.values()
            ]

    def user_events(self, group: str | None, user: str | None) -> Iterator[Mapping[str, Any]]:
        """The events of ``user`` in the dataset group ``group`` (none without a user): what a filter reads."""
        return (
            event
            for event in self.received.events
            if event["datasetGroupArn"] == group and user is not None and event.get("userId") == user
        )

    def item_properties(self, store: RegionStore, group: str) -> dict[str, Mapping[str, Any]] | None:
        """The properties of the items PutItems sent to the group's Items dataset (None: it has none)."""
        for dataset in store.of_kind("Dataset"):
            if (
                dataset.refs.get("datasetGroupArn") == group
                and str(dataset.params.get("datasetType")).upper() == "ITEMS"
            ):
                for (_, _, arn), records in self.received.records.items():
                    if arn == dataset.arn:
                        return {item: record.get("properties") or {} for item, record in records.items()}
                return {}
        return None


def _a(dataset_type: str) -> str:
    # Items, Interactions, Actions, Action_Interactions take "an"; Users "a".
    return f"{'an' if dataset_type[:1].lower() in 'aei' else 'a'} {dataset_type}"
