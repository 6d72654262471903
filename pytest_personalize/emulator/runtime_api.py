"""The runtime API (personalize-runtime), answered from the backend's state and the results a test declares.

No model is trained, so a campaign or recommender recommends what the test declares for it
(:meth:`RuntimeAPI.declare`): for an item, for a user, for both, or by default -- the most
specific rule the request can reach wins (item and user, then item, then user, then default),
and a rule on a parameter the recipe doesn't use is refused when declared. With nothing declared
GetRecommendations answers an empty list and GetPersonalizedRanking ranks the ``inputList`` as
given. Everything else is the service's: the campaign or recommender must exist and be ACTIVE
(else ``The given campaign does not exist: <arn>``, 404), the request must carry what its recipe
needs (:mod:`pytest_personalize.model.rules.runtime`), and a filter is applied where the emulator
holds the data it reads (:mod:`.filters`, reading what :mod:`.events_api` accepted).

``deploy_campaign`` and ``deploy_recommender`` make a servable campaign or recommender at once,
through the engine, with the backend set up for it (:class:`Host`).
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..model import arguments as _arguments
from ..model import spec as _spec
from ..model import templates as _templates
from ..model import validate as _validate
from ..model.errors import ConformanceError, ServiceError, UsageError
from ..model.rules import arns as _arns
from ..model.rules import recipes as _recipes
from ..model.rules import runtime as _runtime
from . import filters as _filters
from .engine import NOT_EMULATED, NOT_EMULATED_STATUS

if TYPE_CHECKING:
    from .engine import Engine
    from .events_api import EventsAPI
    from .store import RegionStore, Resource

INVALID = "InvalidInputException"
NOT_FOUND = "ResourceNotFoundException"


@dataclass(frozen=True)
class Declared:
    """What a campaign or recommender answers to one rule: ids in order, and their scores if given."""

    ids: tuple[str, ...]
    scores: tuple[float, ...] | None


class Host(Protocol):
    """What the runtime asks of the backend that owns it."""

    @property
    def account(self) -> str: ...

    @property
    def default_region(self) -> str: ...

    @property
    def clock(self) -> Callable[[], datetime.datetime]: ...

    def setting_up(self) -> AbstractContextManager[None]:
        """Hold the backend for a set-up of the test's own: every resource made ACTIVE at once, and
        no creation failure the test planned used up by it."""
        ...


def _error(operation: str, code: str, message: str) -> ServiceError:
    return ServiceError(code, message, _templates.error_status(code, operation))


def _not_emulated(api: RuntimeAPI, message: str) -> ServiceError:
    api.not_evaluated.append(message)
    return ServiceError(NOT_EMULATED, message, NOT_EMULATED_STATUS)


def _target(store: RegionStore, operation: str, params: Mapping[str, Any]) -> tuple[Resource, _runtime.Needs]:
    """The ACTIVE campaign or recommender the request names, and what its recipe needs."""
    member, noun = ("recommenderArn", "Recommender") if params.get("recommenderArn") else ("campaignArn", "Campaign")
    arn = str(params.get(member))
    resource = store.by_arn.get(arn)
    if resource is None or resource.kind.noun != noun or resource.status != "ACTIVE":
        # Not yet ACTIVE is no different to the runtime: nothing serves that ARN yet.
        raise _error(operation, NOT_FOUND, _runtime.not_found_message(noun.lower(), arn))
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


def needs_of(store: RegionStore, resource: Resource) -> _runtime.Needs:
    """What requests to a campaign or recommender must carry: by use case, else by recipe type."""
    recipe_arn = resource.params.get("recipeArn")
    if resource.kind.noun == "Campaign":
        solution = store.by_arn.get(resource.refs.get("solutionArn", ""))
        recipe_arn = solution.params.get("recipeArn") if solution is not None else None
    name = _arns.arn_tail(recipe_arn) if isinstance(recipe_arn, str) else ""
    if name in _runtime.USE_CASE_NEEDS:
        return _runtime.USE_CASE_NEEDS[name]
    recipe = _recipes.recipes_by_name().get(name)
    if recipe is None:
        return _runtime.DEFAULT_NEEDS
    return _runtime.RECIPE_TYPE_NEEDS.get(recipe.recipe_type, _runtime.DEFAULT_NEEDS)


def _declared(api: RuntimeAPI, arn: str, params: Mapping[str, Any], needs: _runtime.Needs) -> Declared | None:
    rules = api.declarations.get(arn, {})
    item = params.get("itemId") if needs.item_id != _runtime.UNUSED else None
    user = params.get("userId") if needs.user_id != _runtime.UNUSED else None
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
    # How many results to answer with: the request rules every mode applies (model/rules/runtime.py)
    # have already refused a count past the maximum.
    count = params.get("numResults")
    return int(_runtime.RESULT_LIMITS[operation].default or 0) if count is None else int(count)


def _refuse_unevaluated_options(api: RuntimeAPI, operation: str, params: Mapping[str, Any]) -> None:
    for member, what in (("promotions", "promotions"), ("metadataColumns", "item metadata in results")):
        if params.get(member):
            raise _not_emulated(
                api,
                f"{operation} with {member}: the emulator doesn't apply {what}, and answering without "
                f"would pretend it did. Queue this answer with personalize_runtime_stubber instead.",
            )


def _scored(ids: Sequence[str], declared: Declared | None, needs: _runtime.Needs) -> list[tuple[str, float | None]]:
    if declared is not None and declared.scores is not None:
        by_id = dict(zip(declared.ids, declared.scores, strict=True))
        return [(item, by_id.get(item, 0.0)) for item in ids]
    if not needs.scored:
        return [(item, None) for item in ids]
    return list(zip(ids, _runtime.descending_scores(len(ids)), strict=True))


def _filtered(
    api: RuntimeAPI,
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
        raise _error(operation, NOT_FOUND, _runtime.not_found_message("filter", arn))
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
            event_types=_filters.event_types_by_item(api.events_api.user_events(group, user)),
            item_properties=api.events_api.item_properties(store, str(group)),
        )
        values = _filters.parse_filter_values(params.get("filterValues"))
        return _filters.apply(statements, candidates, data, values)
    except (_filters.NotEvaluable, _filters.InvalidExpression) as error:
        raise _not_emulated(
            api,
            f"The filter {arn} can't be evaluated by the emulator: {error}. Declare results that are already "
            "filtered and leave filterArn out, or queue the answer with personalize_runtime_stubber.",
        ) from None


def _recommendation_id() -> str:
    # A fresh id per answer, as the service gives; a request id's random digits serve.
    digits = _templates.request_id()
    return f"RID-{digits[:2]}-{digits[9:13]}-{digits[14:18]}-{digits[19:23]}-{digits[24:]}"


def _get_recommendations(
    api: RuntimeAPI, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    target, needs = _target(store, operation, params)
    count = _check_results(operation, params)
    _refuse_unevaluated_options(api, operation, params)
    declared = _declared(api, target.arn, params, needs)
    ids = list(declared.ids) if declared is not None else []
    scored = dict(_scored(ids, declared, needs))
    kept = _filtered(api, store, operation, params, target, ids)[:count]
    return {
        "itemList": [_predicted("itemId", item, scored[item]) for item in kept],
        "recommendationId": _recommendation_id(),
    }


def _predicted(member: str, identifier: str, score: float | None) -> dict[str, Any]:
    return {member: identifier} if score is None else {member: identifier, "score": score}


def _get_personalized_ranking(
    api: RuntimeAPI, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    target, needs = _target(store, operation, params)
    _refuse_unevaluated_options(api, operation, params)
    given = list(params.get("inputList") or ())
    declared = _declared(api, target.arn, params, needs)
    # Declared items first, in the declared order; the rest as given (the service appends what
    # it doesn't know to the end).
    order = {item: index for index, item in enumerate(declared.ids)} if declared is not None else {}
    ranked = sorted(dict.fromkeys(given), key=lambda item: (order.get(item, len(order)), given.index(item)))
    if declared is not None and declared.scores is not None:
        scored = _scored(ranked, declared, needs)
    else:
        scored = list(zip(ranked, _runtime.descending_scores(len(ranked)), strict=True))
    kept = set(_filtered(api, store, operation, params, target, ranked))
    return {
        "personalizedRanking": [_predicted("itemId", item, score) for item, score in scored if item in kept],
        "recommendationId": _recommendation_id(),
    }


def _get_action_recommendations(
    api: RuntimeAPI, store: RegionStore, operation: str, params: Mapping[str, Any], context: _templates.Context
) -> dict[str, Any]:
    target, needs = _target(store, operation, params)
    count = _check_results(operation, params)
    if params.get("filterArn"):
        raise _not_emulated(
            api,
            f"GetActionRecommendations with filterArn {params['filterArn']}: action filters are not evaluated by "
            "the emulator. Declare the actions already filtered and leave filterArn out, or queue the answer "
            "with personalize_runtime_stubber.",
        )
    declared = _declared(api, target.arn, params, needs)
    ids = list(declared.ids) if declared is not None else []
    scored = _scored(ids, declared, needs)[:count]
    return {
        "actionList": [_predicted("actionId", action, score) for action, score in scored],
        "recommendationId": _recommendation_id(),
    }


Handler = Callable[["RuntimeAPI", "RegionStore", str, Mapping[str, Any], _templates.Context], dict[str, Any]]

_HANDLERS: dict[str, Handler] = {
    "GetRecommendations": _get_recommendations,
    "GetPersonalizedRanking": _get_personalized_ranking,
    "GetActionRecommendations": _get_action_recommendations,
}


def emulates(operation: str) -> bool:
    return operation in _HANDLERS


class RuntimeAPI:
    """The runtime API of one backend: declared results, and the answers made from them.

    ``host`` is the backend (its account, clock, default region, and a set-up mode for the deploy
    helpers); ``engine`` holds its resources; ``lock`` is the backend's, held by every public
    method here; ``events_api`` holds what the events API accepted, which filters read.
    """

    def __init__(self, host: Host, engine: Engine, lock: threading.RLock, events_api: EventsAPI) -> None:
        self._host = host
        self._engine = engine
        self._lock = lock
        self.events_api = events_api
        self.declarations: dict[str, dict[tuple[str | None, str | None], Declared]] = {}
        # Why requests got NotEmulatedException: a filter or option the emulator can't evaluate.
        self.not_evaluated: list[str] = []

    def reset(self) -> None:
        """Forget every declaration and every reason a request wasn't evaluated."""
        with self._lock:
            self.declarations = {}
            self.not_evaluated = []

    def answer(self, operation: str, params: Mapping[str, Any], context: _templates.Context) -> dict[str, Any]:
        """Answer one runtime request (already checked against the model)."""
        store = self._engine.store(context.account, context.region)
        self._engine.settle(store, context.now)
        return _HANDLERS[operation](self, store, operation, params, context)

    def unevaluated(self) -> list[str]:
        """Why requests got NotEmulatedException: filters or options the emulator can't evaluate."""
        with self._lock:
            return list(self.not_evaluated)

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
        """Declare what a campaign or recommender recommends (see :meth:`Backend.declare`)."""
        __tracebackhide__ = True
        _arguments.text("declare", "arn", arn)
        _arguments.optional_text("declare", "user_id", user_id)
        _arguments.optional_text("declare", "item_id", item_id)
        for listed, member in ((items, "items"), (actions, "actions"), (scores, "scores")):
            if isinstance(listed, (str, bytes)):
                raise UsageError(
                    f"declare({arn!r}, {member}={listed!r}): {member} is a list, not a string "
                    f"(one id a string: {member}=[{listed!r}])"
                )
            if listed is not None and not isinstance(listed, Sequence):
                raise _arguments.problem("declare", member, listed, "a list, or None")
        with self._lock:
            resource, store = self._find_target(arn)
            needs = needs_of(store, resource)
            for given, need, member in ((user_id, needs.user_id, "user_id"), (item_id, needs.item_id, "item_id")):
                if given is not None and need == _runtime.UNUSED:
                    raise UsageError(
                        f"declare({arn!r}, {member}=...): a {needs.label} recipe doesn't use "
                        f"{member.replace('_id', 'Id')}, so no request would ever reach this rule"
                    )
            wants_actions = needs.operation == "GetActionRecommendations"
            if (actions is not None) == (items is not None) or (actions is not None) != wants_actions:
                kind = "actions=[...]" if wants_actions else "items=[...]"
                raise UsageError(f"declare({arn!r}, ...): give {kind} for this {needs.label} recipe")
            ids = tuple(actions if actions is not None else items or ())
            _check_ids(arn, ids, "actionId" if wants_actions else "itemId")
            checked_scores = None if scores is None else _arguments.numbers("declare", "scores", scores, count=len(ids))
            self.declarations.setdefault(resource.arn, {})[(item_id, user_id)] = Declared(ids, checked_scores)

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
        _check_deploy("deploy_campaign", name, dataset_group_arn, region)
        solution_recipes = [r.name for r in _recipes.RECIPES if r.domain is None and not r.retired]
        _arguments.choice("deploy_campaign", "recipe", recipe, solution_recipes)
        recipe_arn = _arns.recipe_arn(recipe)
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
        _check_deploy("deploy_recommender", name, dataset_group_arn, region)
        recipe = _recipes.recipes_by_name().get(use_case) if isinstance(use_case, str) else None
        if recipe is None or recipe.domain is None:
            cases = ", ".join(r.name for r in _recipes.RECIPES if r.domain is not None)
            raise UsageError(f"deploy_recommender(use_case={use_case!r}): not a use case; choose one of {cases}")
        with self._deploying(region, dataset_group_arn) as make:
            group = (
                dataset_group_arn
                or make("CreateDatasetGroup", {"name": name, "domain": recipe.domain})["datasetGroupArn"]
            )
            recipe_arn = _arns.recipe_arn(use_case)
            made = make("CreateRecommender", {"name": name, "datasetGroupArn": group, "recipeArn": recipe_arn})
            return str(made["recommenderArn"])

    @contextlib.contextmanager
    def _deploying(
        self, region: str | None, group: str | None
    ) -> Iterator[Callable[[str, dict[str, Any]], dict[str, Any]]]:
        host = self._host
        where = region or (group.split(":")[3] if group and group.count(":") >= 5 else host.default_region)
        with host.setting_up():
            context = _templates.Context(region=where, account=host.account, now=host.clock())

            def make(operation: str, params: dict[str, Any]) -> dict[str, Any]:
                problem = _validate.request_problem(operation, params)
                if problem is not None:
                    raise ConformanceError(f"{operation} {params}: {problem.explain()}")
                try:
                    return self._engine.answer(operation, params, context)
                except ServiceError as error:
                    raise ConformanceError(f"{operation} {params}: {error.code}: {error.message}") from None

            yield make


def _check_deploy(call: str, name: object, dataset_group_arn: object, region: object) -> None:
    __tracebackhide__ = True
    _arguments.text(call, "name", name, empty=False)
    _arguments.optional_text(call, "dataset_group_arn", dataset_group_arn)
    # The region goes into every ARN made: one the service could never have made them in is refused.
    _arguments.optional_region(call, "region", region)


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
