"""pytest wiring: options, ini keys, markers, hooks and fixtures. The work lives in the private modules.

- ``_settings`` and ``_options``: the options and ini keys, and the markers' arguments, as typed values;
- ``_findings``: what a mode found at teardown, in one shape, and whether the test fails on it;
- ``_coverage``: the error-path coverage report, a plugin of its own registered here when asked for;
- ``stub/``, ``emulator/``, ``recording/``: the modes, imported by the fixtures that use them.

Nothing here imports boto3, botocore or vcrpy at load time, nor the private modules: a project
that has the plugin installed but doesn't use it pays for ``_settings`` when pytest is
configured and ``seams.patching`` when it collects, and nothing per test: no autouse fixture,
and the report hook is registered by the first Personalize fixture set up. Each hook and
fixture imports what it uses.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

from ._constants import CASSETTE_MARKER, DEFAULT_REGION, ERROR_MATRIX_MARKER, OPTIONS_MARKER, RECORD_MODES

if TYPE_CHECKING:
    from pathlib import Path

    from botocore.client import BaseClient
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize_events import PersonalizeEventsClient
    from mypy_boto3_personalize_runtime import PersonalizeRuntimeClient

    from ._guard import Guard
    from ._options import CassetteOptions
    from ._settings import Settings
    from .emulator.fake import PersonalizeFake
    from .emulator.server import PersonalizeServer
    from .recording.cassette import PersonalizeCassette
    from .stub.stubber import PersonalizeStubber

_SETTINGS: pytest.StashKey[Settings] = pytest.StashKey()
# How the test's call phase ended ("passed", "failed" or "skipped"), for the teardown checks.
_CALL_OUTCOME = pytest.StashKey[str]()
_PENDING_CASSETTE = pytest.StashKey["PersonalizeCassette"]()
_RUN_ID = pytest.StashKey[str]()
# The ini key personalize_cassette_matching, read once per run.
_CASSETTE_MATCHING = pytest.StashKey[dict[str, Any]]()
_GUARD: pytest.StashKey[Guard] = pytest.StashKey()
# The cassette marker's arguments of a test, read once for its cassette fixtures.
_CASSETTE_OPTIONS = pytest.StashKey["CassetteOptions"]()
# How many requests the session-wide guard had stopped when the test's setup ended.
_GUARD_SEEN = pytest.StashKey[int]()

# The runs configured in this process and not yet over, innermost last: pytester runs one inside
# another's test. The fixtures that need only the run's settings read them here, not from
# ``request``: pytest builds a fixture definition of its own, per test, for each fixture that
# requests ``request`` (``pytestconfig`` does too), which costs more than most of them do.
_RUNS: list[pytest.Config] = []


def _run() -> pytest.Config:
    """The innermost run's configuration."""
    return _RUNS[-1]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("personalize", "Amazon Personalize fixtures (pytest-personalize)")
    group.addoption(
        "--personalize-region",
        dest="personalize_region",
        default=None,
        help=f"Region of the personalize_client fixture (default: ini personalize_region, else {DEFAULT_REGION}).",
    )
    parser.addini("personalize_region", f"Region of the personalize_client fixture (default {DEFAULT_REGION}).")
    parser.addini(
        "personalize_lend_clients",
        "Lend personalize_client, personalize_runtime_client and personalize_events_client from a "
        "pool built once per process (default true); false builds each test a client of its own.",
        type="bool",
        default=True,
    )
    group.addoption(
        "--personalize-coverage",
        dest="personalize_coverage",
        action="store_true",
        default=False,
        help="At the end of the session, list for each Personalize operation called which of its errors some "
        "test drove the code through, and which modeled errors none did.",
    )
    group.addoption(
        "--personalize-coverage-json",
        dest="personalize_coverage_json",
        default=None,
        metavar="PATH",
        help="Also write that error-path coverage as JSON to PATH (pytest-xdist workers' results merged).",
    )
    parser.addini(
        "personalize_lifecycle",
        "How personalize_fake and personalize_server move resources on: describe (default: one "
        "status per Describe or List that shows the resource), instant, or clock.",
        default="describe",
    )
    parser.addini(
        "personalize_dataset_group_quota",
        "Dataset groups per account and region in personalize_fake and personalize_server "
        "(default 5, the documented quota).",
        default="5",
    )
    parser.addini(
        "personalize_quotas",
        "Quotas of personalize_fake and personalize_server, as TYPE=N or TYPE=none (no cap), e.g. "
        "'Filter=20 Solution=none' (default: the documented ones).",
        type="args",
        default=[],
    )
    group.addoption(
        "--personalize-record-mode",
        dest="personalize_record_mode",
        default=None,
        choices=RECORD_MODES,
        help="Record mode of personalize_cassette: none (replay only), once, new_episodes or all "
        "(default: ini personalize_record_mode, else none).",
    )
    parser.addini(
        "personalize_record_mode",
        "Record mode of personalize_cassette (default none: CI never records).",
        default="none",
    )
    group.addoption(
        "--personalize-fail-unplayed",
        dest="personalize_fail_unplayed",
        action="store_true",
        default=False,
        help="Fail a passing test that left interactions of its cassette unplayed (default: ini "
        "personalize_fail_unplayed, else off).",
    )
    parser.addini(
        "personalize_fail_unplayed",
        "Fail a passing test that left interactions of its cassette unplayed (default false).",
        default="false",
    )
    group.addoption(
        "--personalize-guard",
        dest="personalize_guard",
        action="store_true",
        default=False,
        help="Stop every Amazon Personalize request that no Personalize fixture answers before it leaves the "
        "machine, and fail the test that made it (default: ini personalize_guard, else off).",
    )
    parser.addini(
        "personalize_guard",
        "Stop every Personalize request that no Personalize fixture answers, for the whole session (default false).",
        default="false",
    )
    parser.addini(
        "personalize_cassette_dir",
        "Where personalize_cassette keeps cassettes, relative to the rootdir.",
        default="cassettes",
    )
    parser.addini(
        "personalize_cassette_matching",
        "How personalize_cassette compares requests, one rule a line: 'ignore MEMBER ...' or "
        "'normalize MEMBER uuid|timestamp|counter|REGEX'; MEMBER is 'name', 'a.b' or 'Operation:name'.",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{ERROR_MATRIX_MARKER}(operation='CreateDatasetGroup', *, common=False, exclude=()): run the test once "
        "per modeled error of the operation (and per common error with common=True, less the codes in "
        "exclude), with the code in the personalize_error_code fixture.",
    )
    config.addinivalue_line(
        "markers",
        f"{OPTIONS_MARKER}(*, assert_all_used=True, sleep_on_retry=False): options of the Personalize "
        "fixtures for a test; assert_all_used=False lets queued answers and fail_next faults go unused; "
        "sleep_on_retry=True lets botocore's retries sleep their back-off under personalize_fake.",
    )
    config.addinivalue_line(
        "markers",
        f"{CASSETTE_MARKER}(name=None, *, scrub_account_ids=False, matching=None): replay the test's AWS "
        "traffic from a cassette (or record it, with --personalize-record-mode); matching={'ignore': [...], "
        "'normalize': {...}, 'matcher': f} adds to personalize_cassette_matching.",
    )
    from ._settings import Settings

    settings = config.stash[_SETTINGS] = Settings.from_config(config)
    _RUNS.append(config)
    config.add_cleanup(lambda: _RUNS.remove(config))
    if settings.guard:
        from ._guard import session_guard

        guard = config.stash[_GUARD] = session_guard()
        guard.activate()
        _watch_outcomes(config)
    report, json_path = config.getoption("personalize_coverage"), config.getoption("personalize_coverage_json")
    if report or json_path is not None:
        from ._coverage import ErrorCoveragePlugin

        ErrorCoveragePlugin.register(config, report=report, json_path=json_path)
    # One id for the whole run, xdist workers included: the tests of a run that share a cassette
    # add to it, where a cassette from an earlier run is replaced ("all") or kept ("once").
    workerinput = getattr(config, "workerinput", None)
    config.stash[_RUN_ID] = str(workerinput["testrunuid"]) if workerinput else uuid.uuid4().hex


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(_GUARD, None)
    if guard is not None:
        guard.deactivate()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "personalize_error_code" in metafunc.fixturenames:
        from ._options import ErrorMatrixOptions

        codes = ErrorMatrixOptions.codes_for(metafunc.definition)
        metafunc.parametrize("personalize_error_code", codes, ids=list(codes))


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    # A run that can't record needs no real credentials for Personalize: a client made at import
    # time never asks the instance metadata service, and signs with dummies if nothing else has any.
    if session.config.stash[_SETTINGS].record_mode != "none":
        return (yield)
    from .seams.patching import after_import

    # Only a collection that imports botocore needs it: the rest of the suite doesn't pay for
    # importing the client machinery and the service model.
    with contextlib.ExitStack() as stack:

        def offline(_module: object) -> None:
            from ._clients import offline_collection

            stack.enter_context(offline_collection())

        stack.callback(after_import("botocore.session", offline))
        return (yield)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The marker alone turns the cassette on, as pytest-recording's vcr marker does. Decided once
    # here, after every other plugin and conftest has marked the items, rather than by an autouse
    # fixture that every test of a suite with no Personalize use would pay for.
    for item in items:
        names = getattr(item, "fixturenames", None)
        if (
            isinstance(names, list)
            and "personalize_cassette" not in names
            and item.get_closest_marker(CASSETTE_MARKER) is not None
        ):
            # Where an autouse fixture would be: after the wider-scoped fixtures, before the
            # test's own. The list is shared by the parametrized items of one function: a copy.
            item.fixturenames = [*names]  # type: ignore[attr-defined]
            item.fixturenames.insert(_first_function_scoped(item, names), "personalize_cassette")  # type: ignore[attr-defined]


def _first_function_scoped(item: pytest.Item, names: list[str]) -> int:
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    for index, name in enumerate(names):
        found = definitions.get(name)
        if not found or getattr(found[-1], "scope", "function") == "function":
            return index
    return len(names)


class _Outcomes:
    """The report hook, registered by the first Personalize fixture a run sets up (or at once with
    the guard on): a suite that uses none of them runs without it.

    It keeps how the call phase ended for the teardown checks, saves a recorded cassette once its
    test passed the call and the teardown, and gives the session-wide guard its verdict.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        guard = item.config.stash.get(_GUARD, None)
        if guard is not None:
            _guard_verdict(item, report, len(guard.refused), guard.refused)
        if report.when == "call":
            item.stash[_CALL_OUTCOME] = report.outcome
        elif report.when == "teardown":
            # The cassette is saved once its test passed the call and the teardown: an interrupt,
            # another fixture's error or a failing teardown leave the file as it was, byte for byte.
            cassette = item.stash.get(_PENDING_CASSETTE, None)
            if cassette is not None:
                del item.stash[_PENDING_CASSETTE]
                if report.passed and item.stash.get(_CALL_OUTCOME, None) == "passed":
                    from .recording.file import CassetteFormatError

                    try:
                        cassette.save()
                    except (CassetteFormatError, OSError) as error:
                        report.outcome = "failed"
                        report.longrepr = f"pytest-personalize could not save cassette {cassette.path}: {error}"
        return report


_OUTCOMES_PLUGIN = "personalize-outcomes"
# The client fixtures, which personalize_fake wires to itself when the test requests them.
_CLIENT_FIXTURES = ("personalize_client", "personalize_runtime_client", "personalize_events_client")


def _watch_outcomes(config: pytest.Config) -> None:
    # Registered during the first test's setup, the hook still sees that test's setup report.
    if not config.pluginmanager.has_plugin(_OUTCOMES_PLUGIN):
        config.pluginmanager.register(_Outcomes(), _OUTCOMES_PLUGIN)


def _guard_verdict(item: pytest.Item, report: pytest.TestReport, count: int, refused: list[str]) -> None:
    # The session-wide guard fails a test that made a request it stopped, even if the code caught it.
    if report.when == "setup":
        item.stash[_GUARD_SEEN] = count
    elif report.when == "teardown" and report.passed and item.stash.get(_CALL_OUTCOME, None) != "failed":
        seen = item.stash.get(_GUARD_SEEN, count)
        if count > seen:
            report.outcome = "failed"
            report.longrepr = (
                f"{count - seen} Personalize request(s) stopped before they left the machine: {refused[seen]}"
            )


@pytest.fixture(scope="session")
def personalize_region() -> str:
    """The region Personalize fixtures use: ``--personalize-region``, ini ``personalize_region``, or us-east-1.

    Override this fixture in a conftest.py to choose the region in code (any scope: an override
    of the test's own scope may request other fixtures).
    """
    return _run().stash[_SETTINGS].region


@pytest.fixture
def personalize_client(personalize_region: str) -> Iterator[PersonalizeClient]:
    """A botocore Personalize client with dummy credentials, in ``personalize_region``.

    Built once per process (per region and environment) and lent to one test at a time: at
    teardown it is kept for the next test only if the test left it as it was built (handlers
    a test registered and didn't remove, a patched attribute, a spent retry quota: any of
    these and the next test gets a new client). Don't keep it past the test. Ini
    ``personalize_lend_clients = false`` builds each test a client of its own instead.
    """
    from ._clients import lent_client

    with lent_client("personalize", personalize_region, lend=_run().stash[_SETTINGS].lend_clients) as client:
        yield cast("PersonalizeClient", client)


@pytest.fixture
def personalize_stubber(request: pytest.FixtureRequest, personalize_client: BaseClient) -> Iterator[PersonalizeStubber]:
    """Queued answers for ``personalize_client``, and every request it sends checked against the service's rules.

    ``add_response(operation, expected_params=None, **overrides)`` queues a conformant success,
    ``add_error(operation, code, message=None, expected_params=None)`` a modeled or common error.
    A request the service would refuse gets the service's error, not the queued answer. A
    Personalize request from any other client (one the code under test builds) is stopped before
    it leaves the machine with ``UnattachedClientError``. At teardown, the test fails if a request
    was stopped, or a queued answer was never used (unless the test failed already, or is marked
    ``@pytest.mark.personalize(assert_all_used=False)``).
    """
    yield from _stubber(request, personalize_client)


@pytest.fixture
def personalize_runtime_client(personalize_region: str) -> Iterator[PersonalizeRuntimeClient]:
    """A botocore ``personalize-runtime`` client (GetRecommendations, ...) with dummy credentials,
    in ``personalize_region``. ``personalize_fake`` and ``personalize_server`` answer it too.

    Lent like ``personalize_client``: built once per process, kept only if a test leaves it as built.
    """
    from ._clients import lent_client

    with lent_client("personalize-runtime", personalize_region, lend=_run().stash[_SETTINGS].lend_clients) as client:
        yield cast("PersonalizeRuntimeClient", client)


@pytest.fixture
def personalize_events_client(personalize_region: str) -> Iterator[PersonalizeEventsClient]:
    """A botocore ``personalize-events`` client (PutEvents, PutItems, ...) with dummy credentials,
    in ``personalize_region``. ``personalize_fake`` and ``personalize_server`` answer it too.

    Lent like ``personalize_client``: built once per process, kept only if a test leaves it as built.
    """
    from ._clients import lent_client

    with lent_client("personalize-events", personalize_region, lend=_run().stash[_SETTINGS].lend_clients) as client:
        yield cast("PersonalizeEventsClient", client)


@pytest.fixture
def personalize_runtime_stubber(
    request: pytest.FixtureRequest, personalize_runtime_client: BaseClient
) -> Iterator[PersonalizeStubber]:
    """``personalize_stubber`` for ``personalize_runtime_client``: queued GetRecommendations,
    GetPersonalizedRanking and GetActionRecommendations answers, every request checked.

    ``add_response("get_recommendations", itemList=[{"itemId": "i1"}])`` queues a conformant
    answer; ``add_error("get_recommendations", "ResourceNotFoundException")`` the service's
    404. The same teardown check as ``personalize_stubber``.
    """
    yield from _stubber(request, personalize_runtime_client)


@pytest.fixture
def personalize_events_stubber(
    request: pytest.FixtureRequest, personalize_events_client: BaseClient
) -> Iterator[PersonalizeStubber]:
    """``personalize_stubber`` for ``personalize_events_client``: queued PutEvents, PutItems,
    PutUsers, PutActions and PutActionInteractions answers, every request checked against the model.

    The same teardown check as ``personalize_stubber``.
    """
    yield from _stubber(request, personalize_events_client)


def _stubber(request: pytest.FixtureRequest, client: BaseClient) -> Iterator[PersonalizeStubber]:
    # The body of the three stubber fixtures.
    _watch_outcomes(request.config)
    from ._coverage import record
    from ._findings import check
    from .stub.stubber import PersonalizeStubber

    with PersonalizeStubber(client) as stubber:
        yield stubber
    record(request.config, stubber.answered)
    check(request.node, stubber, request.node.stash.get(_CALL_OUTCOME, None))


@pytest.fixture
def personalize_error_code(request: pytest.FixtureRequest) -> str:
    """One modeled error code per test run: mark the test ``@pytest.mark.personalize_error_matrix("Operation")``.

    Without an operation the matrix is CreateDatasetGroup's errors.
    """
    return str(request.param)


@pytest.fixture
def personalize_backend_settings() -> dict[str, Any]:
    """The keyword arguments ``personalize_fake`` and ``personalize_server`` build their backend with.

    From the ini keys ``personalize_lifecycle``, ``personalize_dataset_group_quota`` and
    ``personalize_quotas``: ``{"lifecycle": Lifecycle(...), "dataset_group_quota": 5, "quotas": {}}``,
    a new dict for each test. Override this fixture in a conftest.py to choose them in code, as
    pytest-recording's ``vcr_config``; any keyword ``Backend`` takes (``account``, ``clock``) goes::

        @pytest.fixture
        def personalize_backend_settings(personalize_backend_settings):
            return {**personalize_backend_settings, "quotas": {"Filter": 2}}
    """
    from ._settings import backend_settings

    return backend_settings(_run())


@pytest.fixture
def personalize_fake(
    request: pytest.FixtureRequest, personalize_region: str, personalize_backend_settings: dict[str, Any]
) -> Iterator[PersonalizeFake]:
    """An in-process Amazon Personalize control plane, fresh for each test.

    Every Personalize client created during the test is answered in the service's wire format
    (a success before signing, an error at ``before-send`` so botocore retries it), including
    ``boto3.client("personalize")`` inside the code under test, for which dummy credentials and
    ``AWS_DEFAULT_REGION=<personalize_region>`` are set.
    Every control-plane resource goes CREATE PENDING -> ACTIVE as Describe or List calls show
    it (ini ``personalize_lifecycle``; ``set_lifecycle("instant")``; ``use_manual_clock()``).
    ``fail_next(op, code, times)``, ``fail_when(predicate, code)`` and ``fail_creation(reason)``
    inject faults; ``calls``, ``resources(kind)``, ``dataset_groups()`` and ``tags(arn)`` show
    what happened. botocore's retries don't sleep: ``retry_sleeps`` lists the delays they asked
    for (``@pytest.mark.personalize(sleep_on_retry=True)`` sleeps them). Answers queued on
    ``personalize_stubber`` in the same test take precedence for their operation. A client made
    before the fixture is reached with ``attach(client)``; until then its Personalize requests
    raise UnattachedClientError, never sent. moto beside it answers every other service. At
    teardown the test fails if a ``fail_next`` fault fired fewer times than asked or a request was stopped.

    ``personalize-runtime`` and ``personalize-events`` clients are answered too: ``declare(arn,
    user_id=..., items=[...])`` says what a campaign recommends (``deploy_campaign(name)`` makes
    one at once), ``events()``, ``items()`` and ``users()`` show what was sent. A filter the fake
    can't evaluate answers NotEmulatedException, and fails the test at teardown.
    """
    from ._answering import ensure_attached
    from ._clients import offline_environment
    from ._coverage import record
    from ._environment import applied
    from ._findings import check
    from ._options import PersonalizeOptions
    from .emulator.fake import PersonalizeFake
    from .seams.botocore import recorded_retry_sleeps

    node, config = request.node, request.config
    _watch_outcomes(config)
    options = PersonalizeOptions.of(node)
    with applied(offline_environment(personalize_region)), contextlib.ExitStack() as stack:
        fake = PersonalizeFake(**personalize_backend_settings)
        fake.default_region = personalize_region
        if not options.sleep_on_retry:
            stack.enter_context(recorded_retry_sleeps(fake.retry_sleeps))
        stack.enter_context(fake)
        requested = request.fixturenames  # a new list at each access
        for client in _CLIENT_FIXTURES:
            if client in requested:
                ensure_attached(request.getfixturevalue(client))
        yield fake
    record(config, ((call.operation, call.error) for call in fake.calls))
    check(node, fake, node.stash.get(_CALL_OUTCOME, None), options=options)


@pytest.fixture
def personalize_server(
    request: pytest.FixtureRequest, personalize_region: str, personalize_backend_settings: dict[str, Any]
) -> Iterator[PersonalizeServer]:
    """A loopback HTTP server (127.0.0.1, a free port) speaking AWS JSON 1.1, fresh for each test.

    ``.endpoint_url`` is its URL; ``AWS_ENDPOINT_URL_PERSONALIZE``, ``AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME``
    and ``AWS_ENDPOINT_URL_PERSONALIZE_EVENTS`` point there during the test (one port serves the
    control plane, runtime and events), with dummy credentials, so clients the code under test
    creates reach it. ``.backend`` holds
    the state and the configuration hooks, the same as ``personalize_fake``'s. At teardown the
    server stops (threads joined) and the test fails if a ``fail_next`` fault fired fewer times than asked.
    """
    from ._clients import offline_environment
    from ._coverage import record
    from ._environment import applied
    from ._findings import check
    from .emulator.backend import Backend
    from .emulator.server import PersonalizeServer

    _watch_outcomes(request.config)
    with applied(offline_environment(personalize_region)):
        backend = Backend(**personalize_backend_settings)
        backend.default_region = personalize_region
        with PersonalizeServer(backend) as server:
            # One port serves all three APIs: the path tells a runtime or events request apart.
            apis = ("PERSONALIZE", "PERSONALIZE_RUNTIME", "PERSONALIZE_EVENTS")
            with applied({f"AWS_ENDPOINT_URL_{api}": server.endpoint_url for api in apis}):
                yield server
    record(request.config, ((call.operation, call.error) for call in server.backend.calls))
    check(request.node, server, request.node.stash.get(_CALL_OUTCOME, None))


@pytest.fixture
def personalize_record_mode(pytestconfig: pytest.Config) -> str:
    """``--personalize-record-mode``, else ini ``personalize_record_mode``, else ``none`` (replay only).

    ``once`` records a cassette that doesn't exist yet, ``new_episodes`` adds the requests a
    cassette lacks, ``all`` re-records it from scratch. Override this fixture to choose in code.
    """
    return pytestconfig.stash[_SETTINGS].record_mode


@pytest.fixture
def personalize_cassette_dir(pytestconfig: pytest.Config) -> Path:
    """Where cassettes live: ini ``personalize_cassette_dir`` (relative to the rootdir), else ``cassettes/``."""
    # The configuration fixtures take pytestconfig rather than request: pytest builds a new
    # definition of "request" each time a fixture asks for it, at a cost every test would pay.
    configured = pytestconfig.stash[_SETTINGS].cassette_dir
    return configured if configured.is_absolute() else pytestconfig.rootpath / configured


@pytest.fixture
def personalize_cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's cassette, relative to the directory, without ``.yaml``.

    The marker's name, else ``<test file's path from the rootdir, without .py>/<classes.test[id]>``:
    two test files of the same name in different directories never share a cassette, nor do
    tests of same-named nested classes, nor parametrize ids that differ only in characters a
    file name can't hold (those are %-escaped).
    """
    from .recording.names import default_name

    name = _cassette_options(request.node).name
    if name:
        return name
    return default_name(request.node.nodeid, request.path, request.config.rootpath)


def _cassette_options(item: pytest.Item) -> CassetteOptions:
    __tracebackhide__ = True
    options = item.stash.get(_CASSETTE_OPTIONS, None)
    if options is None:
        from ._options import CassetteOptions

        options = item.stash[_CASSETTE_OPTIONS] = CassetteOptions.of(item)
    return options


@pytest.fixture
def personalize_cassette_matching(pytestconfig: pytest.Config) -> dict[str, Any]:
    """How ``personalize_cassette`` compares requests, recording and replaying: from ini ``personalize_cassette_matching``.

    ``{"ignore": [members], "normalize": {member: how}, "matcher": function}``; a member is
    ``"name"`` (every operation), ``"solutionConfig.hpoConfig"`` or ``"CreateSolution:name"``;
    ``how`` is ``"uuid"``, ``"timestamp"``, ``"counter"``, a regular expression or a function
    of the value; ``matcher(request, recorded)`` is a vcrpy custom matcher. Override this
    fixture in a conftest.py to choose in code, as pytest-recording's ``vcr_config``::

        @pytest.fixture
        def personalize_cassette_matching():
            return {"normalize": {"CreateSolution:name": "uuid"}}

    The marker's ``matching`` adds to it.
    """
    configured = pytestconfig.stash.get(_CASSETTE_MATCHING, None)
    if configured is None:
        from .model.errors import UsageError
        from .recording.matching import Matching

        try:
            configured = Matching.from_lines(pytestconfig.getini("personalize_cassette_matching"))
        except UsageError as error:
            raise pytest.UsageError(str(error)) from None
        pytestconfig.stash[_CASSETTE_MATCHING] = configured
    # A copy for each test: an override may change what it was given.
    return {key: (dict(value) if isinstance(value, dict) else list(value)) for key, value in configured.items()}


@pytest.fixture
def personalize_cassette(
    request: pytest.FixtureRequest,
    personalize_record_mode: str,
    personalize_cassette_dir: Path,
    personalize_cassette_name: str,
    personalize_region: str,
    personalize_cassette_matching: dict[str, Any],
) -> Iterator[PersonalizeCassette]:
    """Replays the test's Personalize traffic from its cassette, or records it (``--personalize-record-mode``).

    Every botocore client is covered, ``boto3.client("personalize")`` inside the code under test,
    a module-level client and one shared by threads too; other HTTP passes through untouched.
    Requests match on operation, JSON body (as data), method, host and path, identical ones in
    the recorded order. Replay needs no credentials (dummies are set) and opens no connection; a
    request the cassette lacks fails the test, naming the closest recorded one and the command
    that re-records. Recording scrubs credentials and saves atomically once the test passed its
    call and its teardown. ``personalize_cassette_matching`` and the marker's ``matching`` say
    which members don't count, for recording and replay alike.
    """
    import os

    from ._coverage import record
    from ._environment import applied
    from ._findings import check
    from ._options import CassetteOptions
    from .model.errors import UsageError
    from .recording.cassette import PersonalizeCassette, recording_environment, replay_environment
    from .recording.file import CassetteFormatError
    from .recording.matching import Matching
    from .recording.names import CassetteNameError, cassette_path
    from .recording.transport import intercepting

    _watch_outcomes(request.config)
    options = _cassette_options(request.node)
    try:
        path = cassette_path(personalize_cassette_dir, personalize_cassette_name)
        matching = Matching.of(personalize_cassette_matching).combined(Matching.of(options.matching))
    except (CassetteNameError, UsageError) as error:
        CassetteOptions.fail(request.node, error)
    cassette = PersonalizeCassette(
        path,
        personalize_record_mode,
        test_id=request.node.nodeid,
        scrub_account_ids=options.scrub_account_ids,
        run_id=request.config.stash[_RUN_ID],
        matching=matching,
    )
    try:
        cassette.load()
    except CassetteFormatError as error:
        pytest.fail(str(error), pytrace=False)
    if cassette.write_protected:
        environment = replay_environment(cassette, os.environ, personalize_region)
    else:
        environment = recording_environment(os.environ, personalize_region)
    with applied(environment), intercepting(cassette):
        yield cassette
    record(request.config, cassette.answered)
    # Saved by pytest_runtest_makereport once the teardown is known to have passed.
    request.node.stash[_PENDING_CASSETTE] = cassette
    outcome = request.node.stash.get(_CALL_OUTCOME, None)
    fail_unplayed = request.config.stash[_SETTINGS].fail_unplayed
    # Unplayed interactions fail only a passed call, with the option on: else they aren't listed.
    reporting = cassette.reporting(unplayed=fail_unplayed and outcome == "passed")
    check(request.node, reporting, outcome, fail_unplayed=fail_unplayed)
