"""pytest wiring: options, ini keys, markers and fixtures. The work lives in the private modules.

Nothing here imports boto3, botocore or vcrpy at load time: a project that has the plugin
installed but doesn't use it pays for none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from ._stub import PersonalizeStubber

DEFAULT_REGION = "us-east-1"
ERROR_MATRIX_MARKER = "personalize_error_matrix"
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("personalize", "Amazon Personalize fixtures (pytest-personalize)")
    group.addoption(
        "--personalize-region",
        dest="personalize_region",
        default=None,
        help=f"Region of the personalize_client fixture (default: ini personalize_region, else {DEFAULT_REGION}).",
    )
    parser.addini("personalize_region", f"Region of the personalize_client fixture (default {DEFAULT_REGION}).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{ERROR_MATRIX_MARKER}(operation='CreateDatasetGroup'): run the test once per modeled error of "
        "the operation, with the code in the personalize_error_code fixture.",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "personalize_error_code" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker(ERROR_MATRIX_MARKER)
    operation = "CreateDatasetGroup"
    if marker is not None and (marker.args or marker.kwargs):
        operation = marker.kwargs.get("operation", marker.args[0] if marker.args else operation)
    from ._errors import ConformanceError
    from ._spec import modeled_errors

    try:
        codes = modeled_errors(operation)
    except ConformanceError as error:
        pytest.fail(f"@pytest.mark.{ERROR_MATRIX_MARKER}: {error}", pytrace=False)
    metafunc.parametrize("personalize_error_code", codes, ids=list(codes))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call" and report.failed:  # type: ignore[attr-defined]
        item.stash[_CALL_FAILED] = True
    return report


@pytest.fixture
def personalize_region(request: pytest.FixtureRequest) -> str:
    """The region Personalize fixtures use: ``--personalize-region``, ini ``personalize_region``, or us-east-1.

    Override this fixture in a conftest.py to choose the region in code.
    """
    config = request.config
    return str(config.getoption("personalize_region") or config.getini("personalize_region") or DEFAULT_REGION)


@pytest.fixture
def personalize_client(personalize_region: str) -> BaseClient:
    """A botocore Personalize client with dummy credentials, in ``personalize_region``.

    Cheap to make: every client of the run shares one botocore session and its loaded model.
    """
    from ._clients import make_client

    return make_client(personalize_region)


@pytest.fixture
def personalize_stubber(request: pytest.FixtureRequest, personalize_client: BaseClient) -> Iterator[PersonalizeStubber]:
    """botocore's Stubber on ``personalize_client``, fed only answers the service model allows.

    ``add_response(operation, expected_params=None, **overrides)`` queues a conformant success,
    ``add_error(operation, code, message=None, expected_params=None)`` a modeled error. At
    teardown, the test fails if a queued answer was never used (unless the test failed already).
    """
    from ._stub import PersonalizeStubber

    stubber = PersonalizeStubber(personalize_client)
    with stubber:
        yield stubber
    report = stubber.pending_report()
    if report is not None and not request.node.stash.get(_CALL_FAILED, False):
        pytest.fail(report, pytrace=False)


@pytest.fixture
def personalize_error_code(request: pytest.FixtureRequest) -> str:
    """One modeled error code per test run: mark the test ``@pytest.mark.personalize_error_matrix("Operation")``.

    Without an operation the matrix is CreateDatasetGroup's errors.
    """
    return str(request.param)
