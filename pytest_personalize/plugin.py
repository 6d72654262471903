"""pytest wiring: options, ini keys, markers and fixtures. The work lives in the private modules.

Nothing here imports boto3, botocore or vcrpy at load time: a project that has the plugin
installed but doesn't use it pays for none of them.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

from ._constants import DEFAULT_REGION, RECORD_MODES

if TYPE_CHECKING:
    from pathlib import Path

    from botocore.client import BaseClient
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize_events import PersonalizeEventsClient
    from mypy_boto3_personalize_runtime import PersonalizeRuntimeClient

    from .emulator.fake import PersonalizeFake
    from .emulator.server import PersonalizeServer
    from .recording.cassette import PersonalizeCassette
    from .stub.stubber import PersonalizeStubber

ERROR_MATRIX_MARKER = "personalize_error_matrix"
CASSETTE_MARKER = "personalize_cassette"
OPTIONS_MARKER = "personalize"
_CALL_FAILED = pytest.StashKey[bool]()
_COVERAGE = pytest.StashKey[Any]()
_COVERAGE_WORKER_KEY = "pytest_personalize_coverage"
_CALL_PASSED = pytest.StashKey[bool]()
_PENDING_CASSETTE = pytest.StashKey["PersonalizeCassette"]()
_RUN_ID = pytest.StashKey[str]()
_BACKEND_SETTINGS = pytest.StashKey[dict[str, Any]]()


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
    parser.addini(
        "personalize_cassette_dir",
        "Where personalize_cassette keeps cassettes, relative to the rootdir.",
        default="cassettes",
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
        f"{CASSETTE_MARKER}(name=None, *, scrub_account_ids=False): replay the test's AWS traffic from "
        "a cassette (or record it, with --personalize-record-mode).",
    )
    _record_mode(config)
    _configure_coverage(config)
    # One id for the whole run, xdist workers included: the tests of a run that share a cassette
    # add to it, where a cassette from an earlier run is replaced ("all") or kept ("once").
    workerinput = getattr(config, "workerinput", None)
    config.stash[_RUN_ID] = str(workerinput["testrunuid"]) if workerinput else uuid.uuid4().hex


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "personalize_error_code" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker(ERROR_MATRIX_MARKER)
    from .model.errors import UsageError

    try:
        codes = _error_matrix(marker)
    except (UsageError, TypeError) as error:
        problem = str(error)
    else:
        metafunc.parametrize("personalize_error_code", codes, ids=list(codes))
        return
    pytest.fail(f"@pytest.mark.{ERROR_MATRIX_MARKER} on {metafunc.definition.nodeid}: {problem}", pytrace=False)


def _error_matrix(marker: pytest.Mark | None) -> tuple[str, ...]:
    """The codes the matrix marker asks for: an operation's modeled errors, common ones, less exclusions."""
    from .model.errors import UsageError
    from .model.rules import common_errors
    from .model.spec import modeled_errors, operation_name

    def arguments(operation: str = "CreateDatasetGroup", *, common: bool = False, exclude: Any = ()) -> Any:
        return operation, common, exclude

    operation, common, exclude = arguments(*marker.args, **marker.kwargs) if marker is not None else arguments()
    if not isinstance(common, bool):
        raise UsageError(f"common must be True or False, not {common!r}")
    if isinstance(exclude, str) or not all(isinstance(code, str) for code in exclude):
        raise UsageError(f"exclude must be a list of error codes, not {exclude!r}")
    codes = modeled_errors(operation) + (common_errors() if common else ())
    unknown = [code for code in exclude if code not in codes]
    if unknown:
        raise UsageError(
            f"exclude names {', '.join(unknown)}, which {operation_name(operation)} doesn't answer with here; "
            f"the matrix holds: {', '.join(codes)}"
        )
    kept = tuple(code for code in codes if code not in exclude)
    if not kept:
        raise UsageError("exclude leaves no error code to run the test with")
    return kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        if report.failed:
            item.stash[_CALL_FAILED] = True
        elif report.passed:
            item.stash[_CALL_PASSED] = True
    elif report.when == "teardown":
        _save_pending_cassette(item, report)
    return report


@pytest.fixture
def personalize_region(request: pytest.FixtureRequest) -> str:
    """The region Personalize fixtures use: ``--personalize-region``, ini ``personalize_region``, or us-east-1.

    Override this fixture in a conftest.py to choose the region in code.
    """
    config = request.config
    return str(config.getoption("personalize_region") or config.getini("personalize_region") or DEFAULT_REGION)


@pytest.fixture
def personalize_client(request: pytest.FixtureRequest, personalize_region: str) -> Iterator[PersonalizeClient]:
    """A botocore Personalize client with dummy credentials, in ``personalize_region``.

    Built once per process (per region and environment) and lent to one test at a time: at
    teardown it is kept for the next test only if the test left it as it was built (handlers
    a test registered and didn't remove, a patched attribute, a spent retry quota: any of
    these and the next test gets a new client). Don't keep it past the test. Ini
    ``personalize_lend_clients = false`` builds each test a client of its own instead.
    """
    from ._clients import lent_client

    with lent_client("personalize", personalize_region, lend=_lend_clients(request.config)) as client:
        yield cast("PersonalizeClient", client)


def _lend_clients(config: pytest.Config) -> bool:
    return bool(config.getini("personalize_lend_clients"))


@pytest.fixture
def personalize_stubber(request: pytest.FixtureRequest, personalize_client: BaseClient) -> Iterator[PersonalizeStubber]:
    """Queued answers for ``personalize_client``, and every request it sends checked against the service's rules.

    ``add_response(operation, expected_params=None, **overrides)`` queues a conformant success,
    ``add_error(operation, code, message=None, expected_params=None)`` a modeled or common error.
    A request the service would refuse gets the service's error, not the queued answer. At
    teardown, the test fails if a queued answer was never used (unless the test failed already,
    or is marked ``@pytest.mark.personalize(assert_all_used=False)``).
    """
    from .stub.stubber import PersonalizeStubber

    stubber = PersonalizeStubber(personalize_client)
    with stubber:
        yield stubber
    _record_coverage(request.config, stubber.answered)
    _fail_if_unused(request, stubber.pending_report())


@pytest.fixture
def personalize_runtime_client(
    request: pytest.FixtureRequest, personalize_region: str
) -> Iterator[PersonalizeRuntimeClient]:
    """A botocore ``personalize-runtime`` client (GetRecommendations, ...) with dummy credentials,
    in ``personalize_region``. ``personalize_fake`` and ``personalize_server`` answer it too.

    Lent like ``personalize_client``: built once per process, kept only if a test leaves it as built.
    """
    from ._clients import lent_client

    with lent_client("personalize-runtime", personalize_region, lend=_lend_clients(request.config)) as client:
        yield cast("PersonalizeRuntimeClient", client)


@pytest.fixture
def personalize_events_client(
    request: pytest.FixtureRequest, personalize_region: str
) -> Iterator[PersonalizeEventsClient]:
    """A botocore ``personalize-events`` client (PutEvents, PutItems, ...) with dummy credentials,
    in ``personalize_region``. ``personalize_fake`` and ``personalize_server`` answer it too.

    Lent like ``personalize_client``: built once per process, kept only if a test leaves it as built.
    """
    from ._clients import lent_client

    with lent_client("personalize-events", personalize_region, lend=_lend_clients(request.config)) as client:
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
    from .stub.stubber import PersonalizeStubber

    stubber = PersonalizeStubber(client)
    with stubber:
        yield stubber
    _record_coverage(request.config, stubber.answered)
    _fail_if_unused(request, stubber.pending_report())


@pytest.fixture
def personalize_error_code(request: pytest.FixtureRequest) -> str:
    """One modeled error code per test run: mark the test ``@pytest.mark.personalize_error_matrix("Operation")``.

    Without an operation the matrix is CreateDatasetGroup's errors.
    """
    return str(request.param)


def _backend_settings(config: pytest.Config) -> dict[str, Any]:
    settings = config.stash.get(_BACKEND_SETTINGS, None)
    if settings is None:
        settings = config.stash[_BACKEND_SETTINGS] = _read_backend_settings(config)
    # A copy: the quotas dict is the fake's own to change.
    return {**settings, "quotas": dict(settings["quotas"])}


def _read_backend_settings(config: pytest.Config) -> dict[str, Any]:
    from .emulator.backend import ADVANCE_MODES, Lifecycle

    advance = str(config.getini("personalize_lifecycle") or "describe").strip()
    if advance not in ADVANCE_MODES:
        raise pytest.UsageError(f"ini personalize_lifecycle = {advance!r}: choose one of {', '.join(ADVANCE_MODES)}")
    quota = str(config.getini("personalize_dataset_group_quota") or "5").strip()
    if not quota.isdigit():
        raise pytest.UsageError(f"ini personalize_dataset_group_quota = {quota!r}: expected a whole number")
    quotas = _quotas_setting(config.getini("personalize_quotas"))
    return {"lifecycle": Lifecycle(advance), "dataset_group_quota": int(quota), "quotas": quotas}


def _quotas_setting(entries: list[str]) -> dict[str, int | None]:
    """``Filter=20 Solution=none`` as ``{"Filter": 20, "Solution": None}``; a usage error names a bad entry."""
    from .emulator.backend import parse_quota

    quotas: dict[str, int | None] = {}
    for entry in entries:
        try:
            kind, limit = parse_quota(entry)
        except ValueError as error:
            raise pytest.UsageError(f"ini personalize_quotas: {error}") from None
        quotas[kind] = limit
    return quotas


def _offline_environment(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    from ._clients import offline_environment

    _apply_environment(monkeypatch, offline_environment(region))


def _apply_environment(monkeypatch: pytest.MonkeyPatch, changes: dict[str, str | None]) -> None:
    import os

    environ = os.environ
    for name, value in changes.items():
        # What is already so needs no change, and nothing to undo at teardown.
        if value is None:
            if name in environ:
                monkeypatch.delenv(name)
        elif environ.get(name) != value:
            monkeypatch.setenv(name, value)


def _marker_options(
    node: pytest.Item, marker_name: str, allowed: tuple[str, ...], positional: str | None
) -> dict[str, Any]:
    """A marker's arguments, the closest marker winning (function over class over module).

    ``positional`` names what a positional argument stands for; without one, none is taken.
    """
    options: dict[str, Any] = {}
    for marker in node.iter_markers(marker_name):
        if marker.args:
            if positional is None:
                pytest.fail(f"@pytest.mark.{marker_name} on {node.nodeid} takes keyword arguments only", pytrace=False)
            options.setdefault(positional, marker.args[0])
        for key, value in marker.kwargs.items():
            options.setdefault(key, value)
    unknown = set(options) - set(allowed)
    if unknown:
        pytest.fail(
            f"@pytest.mark.{marker_name} on {node.nodeid}: unknown argument(s) {', '.join(sorted(unknown))}; "
            f"it takes {' and '.join(allowed)}",
            pytrace=False,
        )
    return options


def _options(node: pytest.Item) -> dict[str, Any]:
    """The ``personalize`` marker's keyword arguments."""
    options = _marker_options(node, OPTIONS_MARKER, ("assert_all_used", "sleep_on_retry"), None)
    for key in ("assert_all_used", "sleep_on_retry"):
        if not isinstance(options.get(key, True), bool):
            pytest.fail(
                f"@pytest.mark.{OPTIONS_MARKER} on {node.nodeid}: {key} must be True or False, not {options[key]!r}",
                pytrace=False,
            )
    return options


def _fail_if_unused(request: pytest.FixtureRequest, report: str | None) -> None:
    if report is None or request.node.stash.get(_CALL_FAILED, False):
        return
    if _options(request.node).get("assert_all_used", True):
        pytest.fail(report, pytrace=False)


@pytest.fixture
def personalize_fake(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, personalize_region: str
) -> Iterator[PersonalizeFake]:
    """An in-process Amazon Personalize control plane, fresh for each test.

    Every Personalize client created during the test is answered at botocore's HTTP layer
    (``before-send``), including ``boto3.client("personalize")`` inside the code under test,
    for which dummy credentials and ``AWS_DEFAULT_REGION=<personalize_region>`` are set.
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
    from .emulator.fake import PersonalizeFake
    from .seams.botocore import recorded_retry_sleeps

    _offline_environment(monkeypatch, personalize_region)
    fake = PersonalizeFake(**_backend_settings(request.config))
    fake.default_region = personalize_region
    with contextlib.ExitStack() as stack:
        if not _options(request.node).get("sleep_on_retry", False):
            stack.enter_context(recorded_retry_sleeps(fake.retry_sleeps))
        stack.enter_context(fake)
        requested = request.fixturenames  # a new list at each access
        for client in ("personalize_client", "personalize_runtime_client", "personalize_events_client"):
            if client in requested:
                fake.attach(request.getfixturevalue(client))
        yield fake
    _record_coverage(request.config, ((call.operation, call.error) for call in fake.calls))
    _fail_if_unused(request, fake.pending_report())
    if fake.refused and not request.node.stash.get(_CALL_FAILED, False):
        # The code under test caught the UnattachedClientError: the test must not pass on it.
        pytest.fail(f"personalize_fake stopped {len(fake.refused)} request(s): {fake.refused[0]}", pytrace=False)
    _fail_if_unevaluated(request, "personalize_fake", fake.unevaluated)


@pytest.fixture
def personalize_server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, personalize_region: str
) -> Iterator[PersonalizeServer]:
    """A loopback HTTP server (127.0.0.1, a free port) speaking AWS JSON 1.1, fresh for each test.

    ``.endpoint_url`` is its URL; ``AWS_ENDPOINT_URL_PERSONALIZE``, ``AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME``
    and ``AWS_ENDPOINT_URL_PERSONALIZE_EVENTS`` point there during the test (one port serves the
    control plane, runtime and events), with dummy credentials, so clients the code under test
    creates reach it. ``.backend`` holds
    the state and the configuration hooks, the same as ``personalize_fake``'s. At teardown the
    server stops (threads joined) and the test fails if a ``fail_next`` fault fired fewer times than asked.
    """
    from .emulator.backend import Backend
    from .emulator.server import PersonalizeServer

    _offline_environment(monkeypatch, personalize_region)
    backend = Backend(**_backend_settings(request.config))
    backend.default_region = personalize_region
    with PersonalizeServer(backend) as server:
        # One port serves all three APIs: the path tells a runtime or events request apart.
        for api in ("PERSONALIZE", "PERSONALIZE_RUNTIME", "PERSONALIZE_EVENTS"):
            monkeypatch.setenv(f"AWS_ENDPOINT_URL_{api}", server.endpoint_url)
        yield server
    _record_coverage(request.config, ((call.operation, call.error) for call in server.backend.calls))
    _fail_if_unused(request, server.backend.pending_report())
    _fail_if_unevaluated(request, "personalize_server", server.backend.unevaluated)


def _fail_if_unevaluated(request: pytest.FixtureRequest, fixture: str, unevaluated: list[str]) -> None:
    # The code under test may have caught the NotEmulatedException and fallen back: the test
    # must still not pass on an answer the emulator couldn't give.
    if unevaluated and not request.node.stash.get(_CALL_FAILED, False):
        pytest.fail(
            f"{fixture} couldn't evaluate {len(unevaluated)} runtime request(s): {unevaluated[0]}", pytrace=False
        )


def _record_mode(config: pytest.Config) -> str:
    mode = str(config.getoption("personalize_record_mode") or config.getini("personalize_record_mode") or "none")
    if mode.strip() not in RECORD_MODES:
        raise pytest.UsageError(f"ini personalize_record_mode = {mode!r}: choose one of {', '.join(RECORD_MODES)}")
    return mode.strip()


def _cassette_options(node: pytest.Item) -> dict[str, Any]:
    """The cassette marker's arguments: a name, and scrub_account_ids."""
    return _marker_options(node, CASSETTE_MARKER, ("name", "scrub_account_ids"), "name")


@pytest.fixture
def personalize_record_mode(request: pytest.FixtureRequest) -> str:
    """``--personalize-record-mode``, else ini ``personalize_record_mode``, else ``none`` (replay only).

    ``once`` records a cassette that doesn't exist yet, ``new_episodes`` adds the requests a
    cassette lacks, ``all`` re-records it from scratch. Override this fixture to choose in code.
    """
    return _record_mode(request.config)


@pytest.fixture
def personalize_cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where cassettes live: ini ``personalize_cassette_dir`` (relative to the rootdir), else ``cassettes/``."""
    from pathlib import Path

    configured = Path(str(request.config.getini("personalize_cassette_dir") or "cassettes"))
    return configured if configured.is_absolute() else request.config.rootpath / configured


@pytest.fixture
def personalize_cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's cassette, relative to the directory, without ``.yaml``.

    The marker's name, else ``<test file's path from the rootdir, without .py>/<classes.test[id]>``:
    two test files of the same name in different directories never share a cassette, nor do
    tests of same-named nested classes, nor parametrize ids that differ only in characters a
    file name can't hold (those are %-escaped).
    """
    from .recording.names import default_name

    name = _cassette_options(request.node).get("name")
    if name:
        return str(name)
    return default_name(request.node.nodeid, request.path, request.config.rootpath)


@pytest.fixture
def personalize_cassette(
    request: pytest.FixtureRequest,
    personalize_record_mode: str,
    personalize_cassette_dir: Path,
    personalize_cassette_name: str,
    personalize_region: str,
) -> Iterator[PersonalizeCassette]:
    """Replays the test's Personalize traffic from its cassette, or records it (``--personalize-record-mode``).

    Every botocore client is covered, ``boto3.client("personalize")`` inside the code under test,
    a module-level client and one shared by threads too; other HTTP passes through untouched.
    Requests match on operation, JSON body (as data), method, host and path, identical ones in
    the recorded order. Replay needs no credentials (dummies are set) and opens no connection; a
    request the cassette lacks fails the test, naming the closest recorded one and the command
    that re-records. Recording scrubs credentials and saves atomically once the test passed its
    call and its teardown.
    """
    import os

    from .recording.cassette import PersonalizeCassette, recording_environment, replay_environment
    from .recording.file import CassetteFormatError
    from .recording.names import CassetteNameError, cassette_path
    from .recording.transport import intercepting

    options = _cassette_options(request.node)
    try:
        path = cassette_path(personalize_cassette_dir, personalize_cassette_name)
    except CassetteNameError as error:
        pytest.fail(f"@pytest.mark.{CASSETTE_MARKER} on {request.node.nodeid}: {error}", pytrace=False)
    cassette = PersonalizeCassette(
        path,
        personalize_record_mode,
        test_id=request.node.nodeid,
        scrub_account_ids=bool(options.get("scrub_account_ids", False)),
        run_id=request.config.stash[_RUN_ID],
    )
    try:
        cassette.load()
    except CassetteFormatError as error:
        pytest.fail(str(error), pytrace=False)
    with pytest.MonkeyPatch.context() as patch:
        if cassette.write_protected:
            _apply_environment(patch, replay_environment(cassette, os.environ, personalize_region))
        else:
            _apply_environment(patch, recording_environment(os.environ, personalize_region))
        with intercepting(cassette):
            yield cassette
    _record_coverage(request.config, cassette.answered)
    # Saved by pytest_runtest_makereport once the teardown is known to have passed: an
    # interrupt, another fixture's error or a failing teardown leave the file as it was.
    request.node.stash[_PENDING_CASSETTE] = cassette
    if cassette.failures and not request.node.stash.get(_CALL_FAILED, False):
        # The code under test swallowed the error: the test must still fail.
        pytest.fail(cassette.failures[0], pytrace=False)
    if (
        _fail_on_unplayed(request.config)
        and cassette.rewound
        and cassette.unplayed()
        and request.node.stash.get(_CALL_PASSED, False)
    ):
        pytest.fail(cassette.unplayed_message(), pytrace=False)


@pytest.fixture(autouse=True)
def _personalize_cassette_marker(request: pytest.FixtureRequest) -> None:
    # The marker alone turns the cassette on, as pytest-recording's vcr marker does.
    if request.node.get_closest_marker(CASSETTE_MARKER) is not None:
        request.getfixturevalue("personalize_cassette")


# --- error-path coverage ---


def _configure_coverage(config: pytest.Config) -> None:
    json_path = config.getoption("personalize_coverage_json", None)
    if not config.getoption("personalize_coverage", False) and json_path is None:
        return
    from ._coverage import ErrorCoverage, check_json_path

    if json_path is not None:
        try:
            check_json_path(json_path)
        except ValueError as error:
            raise pytest.UsageError(f"--personalize-coverage-json={json_path}: {error}") from None
    config.stash[_COVERAGE] = ErrorCoverage()


def _record_coverage(config: pytest.Config, answers: Any) -> None:
    coverage = config.stash.get(_COVERAGE, None)
    if coverage is not None:
        coverage.add(answers)


def pytest_sessionfinish(session: pytest.Session) -> None:
    coverage = session.config.stash.get(_COVERAGE, None)
    workeroutput = getattr(session.config, "workeroutput", None)
    if coverage is not None and workeroutput is not None:  # a pytest-xdist worker: the controller reports
        workeroutput[_COVERAGE_WORKER_KEY] = coverage.to_json()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    coverage = node.config.stash.get(_COVERAGE, None)
    document = getattr(node, "workeroutput", {}).get(_COVERAGE_WORKER_KEY)
    if coverage is not None and document is not None:
        coverage.merge(document)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    coverage = config.stash.get(_COVERAGE, None)
    if coverage is None or getattr(config, "workeroutput", None) is not None:
        return
    from ._coverage import write_json

    if config.getoption("personalize_coverage", False):
        terminalreporter.section("Amazon Personalize error-path coverage")
        for line in coverage.report():
            terminalreporter.write_line(line)
    json_path = config.getoption("personalize_coverage_json", None)
    if json_path is not None:
        from pathlib import Path

        write_json(coverage, Path(json_path))
        terminalreporter.write_line(f"Personalize error-path coverage written to {json_path}")


def _fail_on_unplayed(config: pytest.Config) -> bool:
    option = config.getoption("personalize_fail_unplayed")
    if option:
        return True
    return str(config.getini("personalize_fail_unplayed") or "false").strip().lower() in ("1", "true", "yes", "on")


def _save_pending_cassette(item: pytest.Item, report: pytest.TestReport) -> None:
    cassette = item.stash.get(_PENDING_CASSETTE, None)
    if cassette is None:
        return
    del item.stash[_PENDING_CASSETTE]
    if not (report.passed and item.stash.get(_CALL_PASSED, False)):
        return  # the previous cassette stays, byte for byte
    from .recording.file import CassetteFormatError

    try:
        cassette.save()
    except (CassetteFormatError, OSError) as error:
        report.outcome = "failed"
        report.longrepr = f"pytest-personalize could not save cassette {cassette.path}: {error}"
