"""Rows 7, 11, 19, 20 and 21: what a whole test costs.

Row 11 is one test's pipeline (create to delete, each step waited for) under a fresh fake,
against a raw Stubber queue holding the same answers; row 7 is each fixture in a real pytest run
of generated projects, against the careful hand-written test, and row 21 the same with two calls
a test and pytest's start left out; rows 19 and 20 the same test under the tools a user would
otherwise pick: moto's ``mock_aws`` and pytest-recording's ``vcr`` marker.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    RECIPE,
    REGION,
    SCHEMA,
    Benchmark,
    Row,
    Sizes,
    fake,
    paired,
    pytest_seconds,
    server,
    write_project,
)

# --- 11: a whole pipeline per test ------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/personalize"
DATASET_SCHEMAS = {
    "Interactions": SCHEMA,
    "Items": json.dumps(
        {
            "type": "record",
            "name": "Items",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True}],
            "version": "1.0",
        }
    ),
    "Users": json.dumps(
        {
            "type": "record",
            "name": "Users",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"}],
            "version": "1.0",
        }
    ),
}


def _until_active(describe: Callable[..., Any], key: str, **params: str) -> None:
    # A waiter's loop, as a test polls: the default lifecycle answers CREATE PENDING, then ACTIVE.
    for _ in range(10):
        if describe(**params)[key]["status"] == "ACTIVE":
            return
    raise RuntimeError(f"{params} never became ACTIVE")


def _until_gone(client: Any, describe: Callable[..., Any], **params: str) -> None:
    for _ in range(10):
        try:
            describe(**params)
        except client.exceptions.ResourceNotFoundException:
            return
    raise RuntimeError(f"{params} was never deleted")


def pipeline(client: Any) -> None:
    """One test's worth of Personalize: schemas, group, three datasets and their imports, solution,
    version and campaign, each waited for; then everything deleted in order, each deletion waited for.

    Written out call by call on purpose: these calls, as a test under the fake makes them, are
    what the row measures (``deploy_campaign`` would make the campaign without them).
    """
    c = client
    schemas = {
        kind: c.create_schema(name=kind.lower(), schema=body)["schemaArn"] for kind, body in DATASET_SCHEMAS.items()
    }
    group = c.create_dataset_group(name="shop")["datasetGroupArn"]
    _until_active(c.describe_dataset_group, "datasetGroup", datasetGroupArn=group)
    datasets = []
    for kind, schema in schemas.items():
        dataset = c.create_dataset(name=kind.lower(), schemaArn=schema, datasetGroupArn=group, datasetType=kind)
        datasets.append(dataset["datasetArn"])
        _until_active(c.describe_dataset, "dataset", datasetArn=datasets[-1])
    for dataset in datasets:
        job = c.create_dataset_import_job(
            jobName=f"import-{dataset.rsplit('/', 1)[-1].lower()}",
            datasetArn=dataset,
            roleArn=ROLE,
            dataSource={"dataLocation": f"s3://bucket/{dataset.rsplit('/', 1)[-1].lower()}.csv"},
        )
        _until_active(c.describe_dataset_import_job, "datasetImportJob", datasetImportJobArn=job["datasetImportJobArn"])
    solution = c.create_solution(name="ranking", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    _until_active(c.describe_solution, "solution", solutionArn=solution)
    version = c.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    _until_active(c.describe_solution_version, "solutionVersion", solutionVersionArn=version)
    campaign = c.create_campaign(name="live", solutionVersionArn=version)["campaignArn"]
    _until_active(c.describe_campaign, "campaign", campaignArn=campaign)

    c.delete_campaign(campaignArn=campaign)
    _until_gone(c, c.describe_campaign, campaignArn=campaign)
    c.delete_solution(solutionArn=solution)
    _until_gone(c, c.describe_solution, solutionArn=solution)
    for dataset in datasets:
        c.delete_dataset(datasetArn=dataset)
        _until_gone(c, c.describe_dataset, datasetArn=dataset)
    c.delete_dataset_group(datasetGroupArn=group)
    _until_gone(c, c.describe_dataset_group, datasetGroupArn=group)
    for schema in schemas.values():
        c.delete_schema(schemaArn=schema)


class _Recorder:
    """A client that notes each call (method, request, answer or error code and message) as it goes."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.exceptions = client.exceptions
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any] | None, tuple[str, str] | None]] = []

    def __getattr__(self, method: str) -> Callable[..., Any]:
        call = getattr(self.client, method)

        def noted(**params: Any) -> Any:
            try:
                answer = call(**params)
            except self.client.exceptions.ClientError as error:
                detail = error.response["Error"]
                self.calls.append((method, params, None, (detail["Code"], detail["Message"])))
                raise
            self.calls.append((method, params, {k: v for k, v in answer.items() if k != "ResponseMetadata"}, None))
            return answer

        return noted


def bench_pipeline(sizes: Sizes) -> Row:
    """A whole pipeline per test: the fake, fresh per test as the fixture makes it, against a raw
    Stubber queue holding the same answers (the test a careful user writes without the plugin)."""
    from botocore.stub import Stubber

    from pytest_personalize._clients import make_client

    fake_client, stub_client = make_client(REGION), make_client(REGION)
    recorder = _Recorder(fake_client)
    with fake() as personalize:
        personalize.attach(fake_client)
        pipeline(recorder)
    script = recorder.calls
    tests = max(sizes.tests // 10, 2)

    def ours() -> float:
        start = time.perf_counter()
        for _ in range(tests):
            with fake() as personalize:
                personalize.attach(fake_client)
                pipeline(fake_client)
        return (time.perf_counter() - start) / tests

    def stubbed() -> float:
        start = time.perf_counter()
        for _ in range(tests):
            with Stubber(stub_client) as stubber:
                for method, params, answer, error in script:
                    if error is None:
                        stubber.add_response(method, answer, params)
                    else:
                        stubber.add_client_error(method, error[0], error[1], expected_params=params)
                pipeline(stub_client)
                stubber.assert_no_pending_responses()
        return (time.perf_counter() - start) / tests

    value, base, ratio = paired(ours, stubbed, sizes.repeats)
    return Row(
        11,
        f"a whole pipeline per test under personalize_fake ({len(script)} calls: create to delete)",
        "the same calls answered by a raw botocore Stubber queue",
        value,
        base,
        ratio,
        "s",
        "reported",
        None,
    )


# --- 7 and 21: each fixture in a whole pytest run, against the careful hand-written test -------

# Each fixture's target, per test, as a ratio to the careful hand-written test (rows 7 and 21).
FIXTURE_LIMITS = {
    "personalize_stubber": 1.2,
    "personalize_fake": 1.3,
    "personalize_cassette (replay)": 1.3,
}
# A project that uses the plugin doesn't have pytest-recording (the [bench] extra installs it),
# whose autouse fixture costs every test about 0.5 ms, on both sides alike, diluting every ratio.
WITHOUT_RECORDING = ("-p", "no:recording")

FIXTURE_TESTS = {
    "personalize_stubber": """
        def test_{i}(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", {{"name": "g{i}"}})
            personalize_client.create_dataset_group(name="g{i}")
        """,
    "personalize_fake": """
        def test_{i}(personalize_client, personalize_fake):
            personalize_client.create_dataset_group(name="g{i}")
        """,
    "personalize_cassette (replay)": """
        import pytest

        @pytest.mark.personalize_cassette("shared")
        def test_{i}(personalize_client):
            personalize_client.create_dataset_group(name="g")
        """,
}
# What a careful user writes without the plugin: one client for the module, from one session,
# and a raw Stubber per test with the answer and the expected parameters.
CAREFUL_PRELUDE = """
import boto3
from botocore.stub import Stubber

client = boto3.session.Session().client(
    "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
)
"""
CAREFUL_TEST = """
    def test_{i}():
        with Stubber(client) as stubber:
            stubber.add_response(
                "create_dataset_group",
                {{"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/g{i}"}},
                {{"name": "g{i}"}},
            )
            client.create_dataset_group(name="g{i}")
    """
STARTUP_TEST = """
    def test_{i}():
        pass
    """


def _record(path: Path, calls: Callable[[Any], object]) -> None:
    """A cassette of ``calls(client)``, recorded against the loopback server."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    with server() as running, use_cassette(path, "all"):
        calls(make_client(REGION, endpoint_url=running.endpoint_url))


def _fixture_project(directory: Path, body: str, count: int) -> Path:
    project = write_project(directory, body, count)
    if "personalize_cassette(" in body:
        # The one-call cassette every replaying test of row 7 shares.
        _record(project / "cassettes" / "shared.yaml", lambda client: client.create_dataset_group(name="g"))
    return project


def _against_careful(
    number: int, measured: dict[str, str], baseline: str, costs: dict[str, list[float]], careful: list[float]
) -> Iterator[Row]:
    """A line per fixture: its per-test costs against the careful test's, the ratio taken within
    each round and the median of those reported, against the fixture's own target."""
    for name, label in measured.items():
        ratio = statistics.median(c / b if b else float("inf") for c, b in zip(costs[name], careful, strict=True))
        limit = FIXTURE_LIMITS[name]
        yield Row(
            number,
            label,
            baseline,
            statistics.median(costs[name]),
            statistics.median(careful),
            ratio,
            "s",
            f"<= {limit}x",
            ratio <= limit,
        )


def bench_fixture_overhead(sizes: Sizes) -> Iterator[Row]:
    """Per test, each fixture in a real pytest run against the careful hand-written test.

    A project's time less the time of a one-test project (pytest's start) over its tests: what
    a test costs, pytest's own per-test work included on both sides. The rounds run every
    project back to back, the order turning each round; each fixture's ratio is taken within
    its round.
    """
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        projects = {
            name: _fixture_project(base / re.sub(r"\W+", "_", name), body, sizes.tests)
            for name, body in FIXTURE_TESTS.items()
        }
        careful = write_project(base / "careful", CAREFUL_TEST, sizes.tests, CAREFUL_PRELUDE)
        startup = write_project(base / "startup", STARTUP_TEST, 1)
        order = ["startup", "careful", *projects]
        paths = {"startup": startup, "careful": careful, **projects}
        pytest_seconds(startup, *WITHOUT_RECORDING)  # bytecode written once, before anything is timed
        seconds: dict[str, list[float]] = {name: [] for name in order}
        for index in range(max(sizes.repeats, 1)):
            turn = index % len(order)
            for name in order[turn:] + order[:turn]:
                seconds[name].append(pytest_seconds(paths[name], *WITHOUT_RECORDING))

    def per_test(name: str, index: int) -> float:
        return max(seconds[name][index] - seconds["startup"][index], 0.0) / sizes.tests

    rounds = range(len(seconds["startup"]))
    yield from _against_careful(
        7,
        {name: f"per test, {name}" for name in projects},
        "careful hand-written test: module-level client, raw Stubber",
        {name: [per_test(name, i) for i in rounds] for name in projects},
        [per_test("careful", i) for i in rounds],
    )


# Row 21: two calls a test (create a dataset group, describe it), the careful test queueing both
# answers with their expected parameters.
TWO_CALLS_CAREFUL_TEST = """
    def test_{i}():
        with Stubber(client) as stubber:
            arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g{i}"
            stubber.add_response("create_dataset_group", {{"datasetGroupArn": arn}}, {{"name": "g{i}"}})
            stubber.add_response(
                "describe_dataset_group",
                {{"datasetGroup": {{"name": "g{i}", "datasetGroupArn": arn, "status": "ACTIVE"}}}},
                {{"datasetGroupArn": arn}},
            )
            client.create_dataset_group(name="g{i}")
            client.describe_dataset_group(datasetGroupArn=arn)
    """
TWO_CALLS_TESTS = {
    "personalize_stubber": """
        def test_{i}(personalize_client, personalize_stubber):
            arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/g{i}"
            personalize_stubber.add_response("create_dataset_group", {{"name": "g{i}"}})
            personalize_stubber.add_response("describe_dataset_group", {{"datasetGroupArn": arn}})
            personalize_client.create_dataset_group(name="g{i}")
            personalize_client.describe_dataset_group(datasetGroupArn=arn)
        """,
    "personalize_fake": """
        def test_{i}(personalize_client, personalize_fake):
            arn = personalize_client.create_dataset_group(name="g{i}")["datasetGroupArn"]
            personalize_client.describe_dataset_group(datasetGroupArn=arn)
        """,
    # The marker's default name: a cassette per test, cassettes/test_many/test_<i>.yaml.
    "personalize_cassette (replay)": """
        @pytest.mark.personalize_cassette
        def test_{i}(personalize_client):
            arn = personalize_client.create_dataset_group(name="g")["datasetGroupArn"]
            personalize_client.describe_dataset_group(datasetGroupArn=arn)
        """,
}
TWO_CALLS_MEASURED = {
    "personalize_stubber": "per test of two calls, personalize_stubber",
    "personalize_fake": "per test of two calls, personalize_fake",
    "personalize_cassette (replay)": "per test of two calls, personalize_cassette replay (a cassette per test)",
}


def _create_and_describe(client: Any) -> None:
    arn = client.create_dataset_group(name="g")["datasetGroupArn"]
    client.describe_dataset_group(datasetGroupArn=arn)


# A recorded request id, as the cassette file holds it (a header's list of one value).
_REQUEST_ID = re.compile(r"(x-amzn-RequestId:\n\s*- )[0-9a-f-]{36}")


def bench_two_calls_per_test(sizes: Sizes) -> Iterator[Row]:
    """Per test of two calls, each fixture against the careful hand-written test, start-up left out.

    Each project of ``strict_tests`` tests less the same project of ``strict_few`` (pytest's
    start, the imports and the module's client), over the difference; every project once a
    round, the order turning; each fixture's ratio taken within its round.
    """
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "two_calls.yaml"
        _record(recording, _create_and_describe)

        def project(body: str, prelude: str = "") -> Callable[[Path, int], Path]:
            def make(directory: Path, count: int) -> Path:
                made = write_project(directory, body, count, prelude)
                if "personalize_cassette" in body:
                    cassettes = made / "cassettes" / "test_many"
                    cassettes.mkdir(parents=True)
                    text = recording.read_text()
                    for i in range(count):
                        # Each test's cassette its own text, as in a project: its request ids differ,
                        # so no test finds another's parsed cassette cached.
                        own = _REQUEST_ID.sub(rf"\g<1>00000000-0000-4000-8000-{i:012d}", text)
                        (cassettes / f"test_{i}.yaml").write_text(own)
                return made

            return make

        sides = {
            "careful": (project(TWO_CALLS_CAREFUL_TEST, CAREFUL_PRELUDE), WITHOUT_RECORDING),
            **{name: (project(body, "import pytest\n"), WITHOUT_RECORDING) for name, body in TWO_CALLS_TESTS.items()},
        }
        costs = _per_test_rounds(sides, sizes.strict_tests, sizes.repeats, few=sizes.strict_few)
    yield from _against_careful(
        21,
        TWO_CALLS_MEASURED,
        "careful hand-written test of the same two calls: module-level client, raw Stubber",
        costs,
        costs["careful"],
    )


# --- 19 and 20: per test, against the tools users would otherwise pick -----------------------------

MOTO_PRELUDE = f"""
import boto3
import pytest
from moto import mock_aws

SCHEMA = {SCHEMA!r}


@pytest.fixture
def personalize():
    # A fresh mock per test, as moto's documentation shows.
    with mock_aws():
        yield boto3.client(
            "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
"""
MOTO_TEST = """
    def test_{i}(personalize):
        arn = personalize.create_schema(name="s{i}", schema=SCHEMA)["schemaArn"]
        personalize.describe_schema(schemaArn=arn)
    """
FAKE_PRELUDE = f"SCHEMA = {SCHEMA!r}\n"
FAKE_TEST = """
    def test_{i}(personalize_client, personalize_fake):
        arn = personalize_client.create_schema(name="s{i}", schema=SCHEMA)["schemaArn"]
        personalize_client.describe_schema(schemaArn=arn)
    """
# Both replaying sides: the same module-level client, the same call, one shared cassette.
REPLAY_PRELUDE = """
import boto3
import pytest

client = boto3.session.Session().client(
    "personalize", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
)
"""
OURS_REPLAY_TEST = """
    @pytest.mark.personalize_cassette("shared")
    def test_{i}():
        client.create_dataset_group(name="g")
    """
VCR_REPLAY_TEST = """
    @pytest.mark.vcr
    def test_{i}():
        client.create_dataset_group(name="g")
    """
# pytest-recording's own fixtures, overridden as its documentation shows, to share one cassette.
VCR_CONFTEST = """
import os

import pytest


@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    return os.path.join(os.path.dirname(__file__), "cassettes")


@pytest.fixture
def default_cassette_name():
    return "shared"
"""
# Each side without the other tool's plugin, as a project that picked one of them runs.
WITHOUT_OURS = ("-p", "no:personalize")


def _available(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # an import blocked by a sys.modules entry of None
        return False


def _record_at_the_service(path: Path, *, by_vcrpy: bool) -> None:
    """One CreateDatasetGroup call recorded against the loopback server, by our cassette or by vcrpy
    itself, then with the service's address in place of the server's: both replaying sides'
    module-level client calls the service."""
    from pytest_personalize._clients import make_client
    from pytest_personalize.recording.cassette import use_cassette

    with server() as running:
        endpoint = running.endpoint_url
        if by_vcrpy:
            import vcr

            recording = vcr.VCR().use_cassette(str(path), record_mode="all")
        else:
            recording = use_cassette(path, "all")
        with recording:
            make_client(REGION, endpoint_url=endpoint).create_dataset_group(name="g")
    path.write_text(path.read_text().replace(endpoint, f"https://personalize.{REGION}.amazonaws.com"))


def _per_test_rounds(
    sides: dict[str, tuple[Callable[[Path, int], Path], tuple[str, ...]]], tests: int, rounds: int, few: int = 1
) -> dict[str, list[float]]:
    """Per test, each side's project of ``tests`` tests less the same project with ``few`` tests
    (its start, imports included), over the difference in tests; every side once a round, the
    order turning each round. ``sides`` maps a name to (make the project in a directory with n
    tests, the options of its runs)."""
    tests = max(tests, few + 1)
    with tempfile.TemporaryDirectory() as tmp:
        projects = {
            (name, count): make(Path(tmp) / f"{name}_{count}", count)
            for name, (make, _) in sides.items()
            for count in (few, tests)
        }
        for (name, _count), project in projects.items():
            pytest_seconds(project, *sides[name][1])  # bytecode written once, before anything is timed
        costs: dict[str, list[float]] = {name: [] for name in sides}
        order = list(sides)
        for index in range(max(rounds, 1)):
            turn = index % len(order)
            for name in order[turn:] + order[:turn]:
                options = sides[name][1]
                many = pytest_seconds(projects[name, tests], *options)
                start = pytest_seconds(projects[name, few], *options)
                costs[name].append(max(many - start, 0.0) / (tests - few))
    return costs


def _rival_row(
    number: int, measured: str, baseline: str, costs: tuple[list[float], list[float]], limit: float, times: int
) -> Row:
    ours, theirs = costs
    ratio = statistics.median(a / b if b else float("inf") for a, b in zip(ours, theirs, strict=True))
    target = f"<= {limit:.2f}x ({times}x faster)"
    return Row(
        number,
        measured,
        baseline,
        statistics.median(ours),
        statistics.median(theirs),
        ratio,
        "s",
        target,
        ratio <= limit,
    )


def bench_fake_vs_moto_per_test(sizes: Sizes) -> Row:
    """Per test, the same test (create a schema, describe it) under ``personalize_fake`` and under
    moto's ``mock_aws``, a fresh mock per test as moto's documentation shows."""
    measured, baseline = (
        "per test, personalize_fake (CreateSchema, DescribeSchema)",
        "the same test under moto mock_aws",
    )
    if not _available("moto"):
        return Row(19, measured, baseline, 0.0, 0.0, 0.0, "s", "<= 0.33x (3x faster)", False, "moto not installed")
    sides = {
        "fake": (lambda d, n: write_project(d, FAKE_TEST, n, FAKE_PRELUDE), WITHOUT_RECORDING),
        "moto": (lambda d, n: write_project(d, MOTO_TEST, n, MOTO_PRELUDE), WITHOUT_RECORDING + WITHOUT_OURS),
    }
    # moto costs tens of milliseconds a test: fewer tests keep a round short.
    costs = _per_test_rounds(sides, sizes.tests // 5, sizes.repeats)
    return _rival_row(19, measured, baseline, (costs["fake"], costs["moto"]), 1 / 3, 3)


def bench_replay_vs_vcr_per_test(sizes: Sizes) -> Row:
    """Per test, replaying one call from one shared cassette: ``personalize_cassette`` (the marker)
    against pytest-recording's ``@pytest.mark.vcr``, the same module-level client on both sides."""
    measured = "per test, personalize_cassette replay (one call, the marker)"
    baseline = "pytest-recording @pytest.mark.vcr replay of the same call"
    if not _available("pytest_recording"):
        return Row(
            20, measured, baseline, 0.0, 0.0, 0.0, "s", "<= 0.20x (5x faster)", False, "pytest-recording not installed"
        )

    def ours(directory: Path, count: int) -> Path:
        project = write_project(directory, OURS_REPLAY_TEST, count, REPLAY_PRELUDE)
        _record_at_the_service(project / "cassettes" / "shared.yaml", by_vcrpy=False)
        return project

    def theirs(directory: Path, count: int) -> Path:
        project = write_project(directory, VCR_REPLAY_TEST, count, REPLAY_PRELUDE)
        (project / "conftest.py").write_text(VCR_CONFTEST)
        (project / "cassettes").mkdir()
        _record_at_the_service(project / "cassettes" / "shared.yaml", by_vcrpy=True)
        return project

    sides = {"ours": (ours, WITHOUT_RECORDING), "vcr": (theirs, WITHOUT_OURS)}
    costs = _per_test_rounds(sides, sizes.tests, sizes.repeats)
    return _rival_row(20, measured, baseline, (costs["ours"], costs["vcr"]), 0.2, 5)


# Row 11 runs in this process; the projects of rows 7, 19, 20 and 21 run in their own.
ROWS: dict[int, Benchmark] = {
    11: bench_pipeline,
    7: bench_fixture_overhead,
    19: bench_fake_vs_moto_per_test,
    20: bench_replay_vs_vcr_per_test,
    21: bench_two_calls_per_test,
}
