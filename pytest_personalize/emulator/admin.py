"""The server's test controls: what a test outside Python asks of a running ``serve``.

Under :data:`PREFIX` (``/pytest-personalize/``), a path no AWS API uses: Personalize's control
plane posts to ``/``, its runtime and events APIs to ``/recommendations``, ``/events``,
``/items`` and the like (botocore's models). JSON in and out, no signature needed; bad input is a
4xx whose ``message`` says what is accepted.

=======  ==============================  ===============================================
GET      ``/pytest-personalize/``        the endpoints below, described
POST     ``/pytest-personalize/reset``   forget every resource, call and event, then
                                         deploy and declare again what serve started with
POST     ``/pytest-personalize/declare`` deploy campaigns and recommenders, declare what
                                         they answer (:func:`read_declarations`)
GET      ``/pytest-personalize/clock``   the backend's time, and whether a test drives it
POST     ``/pytest-personalize/clock``   ``{"manual": true}`` takes the clock over,
                                         ``{"advance": 30}`` moves it 30 seconds on
GET      ``/pytest-personalize/events``  the events PutEvents accepted (``?user_id=``...)
GET      ``/pytest-personalize/records`` the items, users, actions and action
                                         interactions the events API accepted
=======  ==============================  ===============================================

The same declarations document serves ``serve --config`` (its ``campaigns``, ``recommenders``
and ``declare`` keys), so a file and a test say it alike. Only the backend's public methods
are used: ``declare``, ``deploy_campaign``, ``deploy_recommender``, ``reset``, ``events``...
"""

from __future__ import annotations

import datetime
import json
import math
import urllib.parse
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import spec as _spec
from ..model.errors import ConformanceError, UsageError
from .backend import Backend, ManualClock

PREFIX = "/pytest-personalize/"
JSON_CONTENT_TYPE = "application/json"


class AdminInputError(ValueError):
    """Input the test controls can't take: the message names the key and what is accepted."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --- the declarations document ------------------------------------------------------------------

_RULE_KEYS = ("user_id", "item_id", "items", "actions", "scores")
_DEPLOYMENT_KEYS = {
    "campaigns": ("name", "recipe", "region", "dataset_group_arn", "results"),
    "recommenders": ("name", "use_case", "region", "dataset_group_arn", "results"),
}
DECLARATION_KEYS = ("campaigns", "recommenders", "declare")


@dataclass(frozen=True)
class Rule:
    """One ``declare`` call's keyword arguments: what a campaign or recommender answers, and for whom."""

    user_id: str | None = None
    item_id: str | None = None
    items: tuple[str, ...] | None = None
    actions: tuple[str, ...] | None = None
    scores: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Deployment:
    """A campaign (on ``recipe``) or recommender (for ``recipe``, its use case) to deploy, and its rules."""

    kind: str  # "campaigns" or "recommenders"
    name: str
    recipe: str | None
    region: str | None
    dataset_group_arn: str | None
    results: tuple[Rule, ...]


@dataclass(frozen=True)
class Declarations:
    """What to deploy and declare: deployments by name, and rules for ARNs that exist already."""

    deployments: tuple[Deployment, ...] = ()
    by_arn: tuple[tuple[str, Rule], ...] = ()


def read_declarations(document: Mapping[str, Any], where: str = "") -> Declarations:
    """The ``campaigns``, ``recommenders`` and ``declare`` keys of ``document`` (other keys are the caller's).

    ::

        {"campaigns": [{"name": "shop-recs", "recipe": "aws-user-personalization",
                        "results": [{"user_id": "u1", "items": ["i3", "i1"]}, {"items": ["i9"]}]}],
         "recommenders": [{"name": "for-you", "use_case": "aws-ecomm-recommended-for-you",
                           "results": [{"items": ["i2"]}]}],
         "declare": [{"arn": "arn:aws:personalize:us-east-1:123456789012:campaign/mine", "items": ["i1"]}]}

    Raises :class:`AdminInputError` naming the key (``campaigns[0].results[1].items``, after
    ``where``) and what it accepts.
    """
    deployments: list[Deployment] = []
    for kind, keys in _DEPLOYMENT_KEYS.items():
        for index, entry in enumerate(_list_of_tables(document.get(kind, []), f"{where}{kind}")):
            path = f"{where}{kind}[{index}]"
            _only(entry, keys, path)
            name = _text(entry.get("name"), f"{path}.name", required=True)
            assert name is not None
            recipe_key = "recipe" if kind == "campaigns" else "use_case"
            results = tuple(
                _rule(rule, f"{path}.results[{number}]", _RULE_KEYS)
                for number, rule in enumerate(_list_of_tables(entry.get("results", []), f"{path}.results"))
            )
            deployments.append(
                Deployment(
                    kind,
                    name,
                    _text(entry.get(recipe_key), f"{path}.{recipe_key}"),
                    _region(entry.get("region"), f"{path}.region"),
                    _text(entry.get("dataset_group_arn"), f"{path}.dataset_group_arn"),
                    results,
                )
            )
    by_arn = []
    for index, entry in enumerate(_list_of_tables(document.get("declare", []), f"{where}declare")):
        path = f"{where}declare[{index}]"
        arn = _text(entry.get("arn"), f"{path}.arn", required=True)
        assert arn is not None
        by_arn.append((arn, _rule(entry, path, ("arn", *_RULE_KEYS))))
    return Declarations(tuple(deployments), tuple(by_arn))


def apply(backend: Backend, declarations: Declarations) -> dict[str, dict[str, str]]:
    """Deploy what isn't there yet (by name, in its region) and declare every rule; the ARNs by name.

    A campaign or recommender of that name that exists already is declared on as it is, so a
    second ``declare`` request adds rules rather than failing. Raises :class:`AdminInputError`
    with the backend's own wording (an unknown recipe, ids the service couldn't return...).
    """
    deployed: dict[str, dict[str, str]] = {"campaigns": {}, "recommenders": {}}
    for deployment in declarations.deployments:
        path = f"{deployment.kind} {deployment.name!r}"
        try:
            arn = _existing(backend, deployment) or _deploy(backend, deployment)
            deployed[deployment.kind][deployment.name] = arn
            for rule in deployment.results:
                _declare(backend, arn, rule)
        except (UsageError, ConformanceError) as error:
            raise AdminInputError(f"{path}: {error}") from None
    for arn, rule in declarations.by_arn:
        try:
            _declare(backend, arn, rule)
        except (UsageError, ConformanceError) as error:
            raise AdminInputError(f"declare {arn!r}: {error}") from None
    return deployed


def _existing(backend: Backend, deployment: Deployment) -> str | None:
    noun = "Campaign" if deployment.kind == "campaigns" else "Recommender"
    region = deployment.region or backend.default_region
    for resource in backend.resources(noun, region=region):
        if resource.get("name") == deployment.name:
            return str(resource[f"{noun[0].lower()}{noun[1:]}Arn"])
    return None


def _deploy(backend: Backend, deployment: Deployment) -> str:
    options: dict[str, Any] = {"region": deployment.region, "dataset_group_arn": deployment.dataset_group_arn}
    if deployment.kind == "campaigns":
        if deployment.recipe is not None:
            options["recipe"] = deployment.recipe
        return backend.deploy_campaign(deployment.name, **options)
    if deployment.recipe is not None:
        options["use_case"] = deployment.recipe
    return backend.deploy_recommender(deployment.name, **options)


def _declare(backend: Backend, arn: str, rule: Rule) -> None:
    backend.declare(
        arn, user_id=rule.user_id, item_id=rule.item_id, items=rule.items, actions=rule.actions, scores=rule.scores
    )


def _rule(entry: Mapping[str, Any], path: str, keys: Sequence[str]) -> Rule:
    _only(entry, keys, path)
    return Rule(
        user_id=_text(entry.get("user_id"), f"{path}.user_id"),
        item_id=_text(entry.get("item_id"), f"{path}.item_id"),
        items=_texts(entry.get("items"), f"{path}.items"),
        actions=_texts(entry.get("actions"), f"{path}.actions"),
        scores=_numbers(entry.get("scores"), f"{path}.scores"),
    )


def _list_of_tables(value: Any, path: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(entry, Mapping) for entry in value):
        raise AdminInputError(f"{path}: expected a list of tables (objects), not {_shown(value)}")
    return value


def _only(entry: Mapping[str, Any], keys: Sequence[str], path: str) -> None:
    unknown = [key for key in entry if key not in keys]
    if unknown:
        accepted = ", ".join(keys) if keys else "none"
        raise AdminInputError(f"{path}: unknown key {unknown[0]!r}; accepted: {accepted}")


def _text(value: Any, path: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise AdminInputError(f"{path}: expected a non-empty string, not {_shown(value)}")
    return value


def _region(value: Any, path: str) -> str | None:
    region = _text(value, path)
    if region is not None and not _spec.is_region_name(region):
        raise AdminInputError(f"{path}: expected an AWS region name, such as us-east-1, not {_shown(value)}")
    return region


def _texts(value: Any, path: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise AdminInputError(f"{path}: expected a list of strings, not {_shown(value)}")
    return tuple(value)


def _numbers(value: Any, path: str) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(_is_number(entry) for entry in value):
        raise AdminInputError(f"{path}: expected a list of numbers, not {_shown(value)}")
    return tuple(float(entry) for entry in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


# --- what reset brings back ----------------------------------------------------------------------

_INITIAL: weakref.WeakKeyDictionary[Backend, Declarations] = weakref.WeakKeyDictionary()


def set_initial(backend: Backend, declarations: Declarations) -> dict[str, dict[str, str]]:
    """Apply ``declarations`` now, and again after each reset (``serve --config``'s campaigns)."""
    deployed = apply(backend, declarations)
    _INITIAL[backend] = declarations
    return deployed


def reset(backend: Backend) -> dict[str, dict[str, str]]:
    """``backend.reset()``, then what :func:`set_initial` gave it, deployed and declared again."""
    backend.reset()
    return apply(backend, _INITIAL.get(backend, Declarations()))


# --- the endpoint ----------------------------------------------------------------------------------


def owns(path: str) -> bool:
    """Whether a request for ``path`` is for the test controls, not for an AWS API."""
    return path.startswith(PREFIX) or path == PREFIX.rstrip("/")


def log_name(path: str) -> str | None:
    """The test control a path names, for ``serve``'s request log (``/pytest-personalize/reset``), or None.

    Only the known names: a request's own text never reaches a terminal (escape codes).
    """
    if not owns(path):
        return None
    name = _name(path)
    return PREFIX + name if name in _ENDPOINTS else None


def _name(path: str) -> str:
    target = urllib.parse.urlsplit(path).path
    return target[len(PREFIX) :].strip("/") if len(target) >= len(PREFIX) else ""


def answer(backend: Backend, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and JSON body answering a request for the test controls; never raises."""
    target = urllib.parse.urlsplit(path)
    name = _name(path)
    try:
        endpoint = _ENDPOINTS.get(name)
        if endpoint is None:
            known = ", ".join(PREFIX + known for known in _ENDPOINTS if known)
            raise AdminInputError(f"no test control at {target.path!r}; there are {known}", 404)
        methods = endpoint.methods
        if method not in methods:
            raise AdminInputError(f"{target.path} takes {' or '.join(methods)}, not {method}", 405)
        query = urllib.parse.parse_qs(target.query, keep_blank_values=True)
        document = _document(body) if method == "POST" else {}
        status, result = 200, endpoint.run(backend, method, document, query)
    except AdminInputError as error:
        status, result = error.status, {"message": str(error)}
    except (UsageError, ConformanceError) as error:
        status, result = 400, {"message": str(error)}
    except Exception as error:  # a bug here must answer, not drop the connection
        status, result = 500, {"message": f"pytest-personalize test controls failed: {error!r}"}
    payload = json.dumps(result, default=_jsonable, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": JSON_CONTENT_TYPE, "Content-Length": str(len(payload))}, payload


def _document(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except ValueError as error:  # UnicodeDecodeError too
        raise AdminInputError(f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise AdminInputError(f"the body is a JSON object, not {_shown(document)}")
    return document


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class _Endpoint:
    methods: tuple[str, ...]
    summary: str
    run: Callable[[Backend, str, dict[str, Any], dict[str, list[str]]], Any]


def _no_query(query: dict[str, list[str]], accepted: Sequence[str] = ()) -> dict[str, str]:
    unknown = [key for key in query if key not in accepted]
    if unknown:
        took = ", ".join(accepted) if accepted else "none"
        raise AdminInputError(f"unknown query parameter {unknown[0]!r}; accepted: {took}")
    return {key: values[-1] for key, values in query.items()}


def _index(backend: Backend, method: str, document: dict[str, Any], query: dict[str, list[str]]) -> Any:
    _no_query(query)
    return {
        "endpoints": [
            {"path": PREFIX + name, "methods": list(endpoint.methods), "summary": endpoint.summary}
            for name, endpoint in _ENDPOINTS.items()
            if name
        ]
    }


def _reset(backend: Backend, method: str, document: dict[str, Any], query: dict[str, list[str]]) -> Any:
    _no_query(query)
    _only(document, (), "the body")
    return reset(backend)


def _declare_endpoint(backend: Backend, method: str, document: dict[str, Any], query: dict[str, list[str]]) -> Any:
    _no_query(query)
    _only(document, DECLARATION_KEYS, "the body")
    return apply(backend, read_declarations(document))


def _clock(backend: Backend, method: str, document: dict[str, Any], query: dict[str, list[str]]) -> Any:
    _no_query(query)
    if method == "POST":
        _only(document, ("manual", "seconds_per_stage", "advance"), "the body")
        manual = document.get("manual", False)
        if not isinstance(manual, bool):
            raise AdminInputError(f"manual: expected true or false, not {_shown(manual)}")
        per_stage = document.get("seconds_per_stage")
        if per_stage is not None and not (_is_number(per_stage) and per_stage > 0):
            raise AdminInputError(f"seconds_per_stage: expected a positive number of seconds, not {_shown(per_stage)}")
        advance = document.get("advance", 0)
        if not (_is_number(advance) and advance >= 0):
            raise AdminInputError(f"advance: expected a number of seconds, 0 or more, not {_shown(advance)}")
        if manual or per_stage is not None:
            if isinstance(backend.clock, ManualClock):
                backend.set_lifecycle(
                    "clock",
                    in_progress=backend.lifecycle.in_progress,
                    describes_per_stage=backend.lifecycle.describes_per_stage,
                    seconds_per_stage=per_stage or backend.lifecycle.seconds_per_stage,
                )
            else:
                backend.use_manual_clock(seconds_per_stage=per_stage)
        if advance:
            clock = backend.clock
            if not isinstance(clock, ManualClock):
                raise AdminInputError(
                    "the server runs on the wall clock, which no one moves: take it over first with "
                    '{"manual": true} (or start serve with --manual-clock)',
                    409,
                )
            clock.advance(seconds=advance)
    return {
        "now": backend.clock(),
        "manual": isinstance(backend.clock, ManualClock),
        "lifecycle": backend.lifecycle.advance,
        "seconds_per_stage": backend.lifecycle.seconds_per_stage,
    }


def _events(backend: Backend, method: str, document: dict[str, Any], query: dict[str, list[str]]) -> Any:
    filters = _no_query(query, ("user_id", "event_type", "tracking_id"))
    return {"events": backend.events(**filters)}


def _records(backend: Backend, method: str, document: dict[str, Any], query: dict[str, list[str]]) -> Any:
    _no_query(query)
    return {
        "items": backend.items(),
        "users": backend.users(),
        "actions": backend.actions(),
        "action_interactions": backend.action_interactions(),
    }


_ENDPOINTS: dict[str, _Endpoint] = {
    "": _Endpoint(("GET",), "these endpoints", _index),
    "reset": _Endpoint(
        ("POST",),
        "forget every resource, call, event and record, then deploy and declare again what serve started with",
        _reset,
    ),
    "declare": _Endpoint(
        ("POST",),
        'deploy campaigns and recommenders and declare what they answer: {"campaigns": [{"name": ..., '
        '"results": [{"user_id": ..., "items": [...]}]}], "recommenders": [...], "declare": [{"arn": ..., ...}]}',
        _declare_endpoint,
    ),
    "clock": _Endpoint(
        ("GET", "POST"),
        'the backend\'s time; POST {"manual": true, "seconds_per_stage": 30} takes the clock over, '
        '{"advance": 30} moves it on by 30 seconds',
        _clock,
    ),
    "events": _Endpoint(
        ("GET",), "the events PutEvents accepted, oldest first (?user_id=&event_type=&tracking_id=)", _events
    ),
    "records": _Endpoint(
        ("GET",), "the items, users, actions and action interactions the events API accepted", _records
    ),
}
