"""The fake beside what users already run: moto (in either order), aiobotocore, and clients made before it.

Downstream tests first (pytester writes them, the way a project would), then the seams the fake
keeps to botocore's, aiobotocore's and moto's internals (pytest_personalize/seams/), then the header check.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from pytest_personalize._clients import make_client
from pytest_personalize.emulator.fake import PersonalizeFake, UnattachedClientError
from pytest_personalize.emulator.import_data import header_problem
from pytest_personalize.seams import aiobotocore as _aiobotocore_seams
from pytest_personalize.seams import botocore as _botocore_seams
from pytest_personalize.seams import moto as _moto_seams

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
ROLE = "arn:aws:iam::123456789012:role/PersonalizeS3Access"


# aiobotocore is an extra of its own (pyproject.toml explains why): its tests need `.[test,test-aio]`.
HAS_AIOBOTOCORE = importlib.util.find_spec("aiobotocore") is not None
needs_aiobotocore = pytest.mark.skipif(not HAS_AIOBOTOCORE, reason="aiobotocore is not installed (extra: test-aio)")


@pytest.fixture(scope="module", autouse=True)
def _neighbours_loaded() -> None:
    """moto's and aiobotocore's modules, imported once here rather than again by each in-process pytester run."""
    for name in ("moto", "moto.s3.models", "moto.iam.models", "moto.sts.models", "moto.ssm.models"):
        importlib.import_module(name)
    if HAS_AIOBOTOCORE:
        for name in ("aiobotocore.session", "aiobotocore.awsrequest", "aiobotocore.httpsession"):
            importlib.import_module(name)


# --- moto beside the fake: the scheduled provisioning job, both orders ---------------------------

BESIDE_MOTO = '''
import boto3
import pytest
from moto import mock_aws
from provisioning import Plan, provision_step

TRUST = '{"Version": "2012-10-17", "Statement": []}'


def upload(items_header="ITEM_ID,GENRE"):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=Plan().bucket)
    # Enough to train on: 1000 interactions, 40 users with 25 each (the service's minimums).
    rows = "".join(f"u{n % 40},i{n % 7},{1700000000 + n}\\n" for n in range(1000))
    s3.put_object(Bucket=Plan().bucket, Key="interactions.csv", Body=("USER_ID,ITEM_ID,TIMESTAMP\\n" + rows).encode())
    s3.put_object(Bucket=Plan().bucket, Key="items.csv", Body=(items_header + "\\ni1,drama\\n").encode())


def run_schedule():
    """What a scheduler does over hours: one step per run, each picking up where the last stopped."""
    steps = []
    while not steps or steps[-1] != "done":
        assert len(steps) < 100, steps[-5:]
        steps.append(provision_step())
    return steps


def neighbours_answer():
    # moto answers STS, IAM and S3 while the fake answers Personalize.
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
    role = boto3.client("iam").create_role(RoleName="PersonalizeS3Access", AssumeRolePolicyDocument=TRUST)
    assert role["Role"]["Arn"] == Plan().role_arn
    assert boto3.client("s3").get_object(Bucket=Plan().bucket, Key="items.csv")["Body"].read().startswith(b"ITEM_ID")


def campaign_is_active(fake, steps):
    assert "waiting for solution version" in steps
    (campaign,) = fake.resources("Campaign")
    assert campaign["status"] == "ACTIVE"
    jobs = fake.resources("DatasetImportJob")
    assert [job["status"] for job in jobs] == ["ACTIVE", "ACTIVE"]
    assert sorted(job["dataSource"]["dataLocation"] for job in jobs) == [
        "s3://example-bucket/interactions.csv", "s3://example-bucket/items.csv"]


@pytest.fixture
def moto():
    with mock_aws():
        yield


def test_moto_first(moto, personalize_fake):
    upload()
    neighbours_answer()
    campaign_is_active(personalize_fake, run_schedule())


def test_fake_first(personalize_fake):
    with mock_aws():
        upload()
        neighbours_answer()
        campaign_is_active(personalize_fake, run_schedule())


def test_a_header_that_misses_a_field_fails_the_import_job(moto, personalize_fake):
    upload(items_header="ITEM_ID,CATEGORY")
    client = boto3.client("personalize")
    steps = []
    while not steps or not steps[-1].startswith("waiting for import job Items"):
        steps.append(provision_step(client=client))
        assert len(steps) < 30, steps
    dataset = [d for d in client.list_datasets()["datasets"] if d["datasetType"].upper() == "ITEMS"][0]
    (job,) = client.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])["datasetImportJobs"]

    described = client.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"]

    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"] == (
        "Failed to create a data import job for Items dataset. "
        "Input CSV is missing the following columns:[GENRE]."
    )
'''


def test_provisioning_runs_beside_moto_in_either_order(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(provisioning=(EXAMPLES / "personalize_provisioning.py").read_text(), test_job=BESIDE_MOTO)

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=3)


def test_import_jobs_without_moto_simply_succeed(pytester: pytest.Pytester) -> None:
    # moto is loaded in this process but not started: the fake's S3 read goes nowhere, the job succeeds.
    pytester.makepyfile(
        provisioning=(EXAMPLES / "personalize_provisioning.py").read_text(),
        test_job="""
        from provisioning import provision

        def test_no_moto(personalize_fake):
            assert provision()[-1] == "done"
            jobs = personalize_fake.resources("DatasetImportJob")
            assert [job["status"] for job in jobs] == ["ACTIVE", "ACTIVE"]
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


IMPORT_CASES = """
import json

import boto3
import pytest
from moto import mock_aws

SCHEMA = json.dumps({"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
                     "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                                {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"})
ROLE = "arn:aws:iam::123456789012:role/PersonalizeS3Access"


@pytest.fixture
def dataset(personalize_fake, personalize_client):
    personalize_fake.set_lifecycle("instant")
    schema = personalize_client.create_schema(name="i", schema=SCHEMA)["schemaArn"]
    group = personalize_client.create_dataset_group(name="g")["datasetGroupArn"]
    return personalize_client.create_dataset(
        name="i", datasetType="Interactions", datasetGroupArn=group, schemaArn=schema)["datasetArn"]


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="data")
        yield client


def job(client, dataset, location):
    arn = client.create_dataset_import_job(
        jobName="j", datasetArn=dataset, dataSource={"dataLocation": location}, roleArn=ROLE)["datasetImportJobArn"]
    return client.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]


@pytest.mark.parametrize("header, reason", [
    (b"USER_ID,ITEM_ID,TIMESTAMP", None),
    (b"\\xef\\xbb\\xbfITEM_ID,USER_ID,TIMESTAMP\\r", None),
    (b"USER_ID,ITEM_ID", "Input CSV is missing the following columns:[TIMESTAMP]."),
    (b'"USER_ID","ITEM_ID","TIMESTAMP"', "Input CSV is missing the following columns:[USER_ID, ITEM_ID, TIMESTAMP]."),
    (b"USER_ID,ITEM_ID,TIMESTAMP,PRICE", "Input CSV has columns that are not in the dataset's schema:[PRICE]."),
    (b"", "Input CSV is missing the following columns:[USER_ID, ITEM_ID, TIMESTAMP]."),
])
def test_header(s3, dataset, personalize_client, header, reason):
    s3.put_object(Bucket="data", Key="i.csv", Body=header + b"\\nu1,i1,1700000000\\n")

    described = job(personalize_client, dataset, "s3://data/i.csv")

    if reason is None:
        assert described["status"] == "ACTIVE" and "failureReason" not in described
    else:
        assert described["status"] == "CREATE FAILED"
        assert described["failureReason"] == "Failed to create a data import job for Interactions dataset. " + reason


def test_a_folder_is_checked_file_by_file(s3, dataset, personalize_client):
    s3.put_object(Bucket="data", Key="daily/1.csv", Body=b"USER_ID,ITEM_ID,TIMESTAMP\\n")
    s3.put_object(Bucket="data", Key="daily/2.csv", Body=b"USER_ID,ITEM_ID\\n")

    described = job(personalize_client, dataset, "s3://data/daily/")

    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"].endswith("columns:[TIMESTAMP]. (s3://data/daily/2.csv)")


def test_no_data_where_the_bucket_is_fails(s3, dataset, personalize_client):
    described = job(personalize_client, dataset, "s3://data/missing.csv")

    assert described["status"] == "CREATE FAILED"
    assert "Insufficient privileges for accessing data in Amazon S3" in described["failureReason"]
    assert "s3://data/missing.csv" in described["failureReason"]


def test_a_bucket_moto_does_not_hold_is_not_checked(s3, dataset, personalize_client):
    assert job(personalize_client, dataset, "s3://elsewhere/i.csv")["status"] == "ACTIVE"
"""


def test_the_import_job_reads_its_csv_header_from_motos_s3(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_import=IMPORT_CASES)
    pytester.runpytest().assert_outcomes(passed=9)


def test_moto_answers_personalize_again_once_the_fake_is_gone() -> None:
    from moto import mock_aws

    with mock_aws():
        with PersonalizeFake() as fake:
            # A session made after moto's import carries its handler (the shared one may be older).
            client = boto3.Session(region_name="us-east-1", **CREDENTIALS).client("personalize")
            client.create_dataset_group(name="faked")
        # The same client, the fake gone: moto's own Personalize backend answers what it implements.
        arn = client.create_schema(name="moto", schema='{"type": "record", "name": "r", "fields": []}')["schemaArn"]
        assert [schema["schemaArn"] for schema in client.list_schemas()["schemas"]] == [arn]

    assert [call.operation for call in fake.calls] == ["CreateDatasetGroup"]


def test_an_unattached_client_carrying_motos_handler_is_refused_by_the_fake_not_moto() -> None:
    from moto import mock_aws

    early = boto3.Session(region_name="us-east-1", **CREDENTIALS).client("personalize")

    with mock_aws(), PersonalizeFake() as fake, pytest.raises(UnattachedClientError, match="CreateDatasetGroup"):
        early.create_dataset_group(name="shop")

    assert len(fake.refused) == 1


def test_moto_imported_after_the_fake_started_still_passes_personalize_on() -> None:
    from moto import mock_aws

    stubber_module = sys.modules.pop("moto.core.botocore_stubber")  # as if moto weren't imported yet
    try:
        fake = PersonalizeFake()
        fake.activate()
    finally:
        sys.modules["moto.core.botocore_stubber"] = stubber_module
    try:
        with mock_aws():
            # Making a client notices moto: without that, moto's NotImplementedError would win.
            client = boto3.Session(region_name="us-east-1", **CREDENTIALS).client("personalize")
            client.create_dataset_group(name="shop")
    finally:
        fake.deactivate()

    assert [call.operation for call in fake.calls] == ["CreateDatasetGroup"]


def test_a_loopback_s3_endpoint_is_read_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import http.server
    import threading

    class S3(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.split("?", 1)[0] == "/data/i.csv"
            body = b"USER_ID,ITEM_ID\nu1,i1\n" if found else b"<Error><Code>NoSuchKey</Code></Error>"
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), S3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    schema = '{"type": "record", "name": "I", "fields": [{"name": "USER_ID", "type": "string"}, '
    schema += '{"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}]}'
    try:
        with PersonalizeFake() as fake:
            fake.set_lifecycle("instant")
            client = make_client("us-east-1")
            group = client.create_dataset_group(name="g")["datasetGroupArn"]
            dataset = client.create_dataset(
                name="i",
                datasetType="Interactions",
                datasetGroupArn=group,
                schemaArn=client.create_schema(name="i", schema=schema)["schemaArn"],
            )["datasetArn"]
            job = client.create_dataset_import_job(
                jobName="j", datasetArn=dataset, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE
            )["datasetImportJobArn"]
            described = client.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()

    assert described["failureReason"].endswith("Input CSV is missing the following columns:[TIMESTAMP].")


# --- aiobotocore --------------------------------------------------------------------------------

ASYNC_CLIENTS = """
import asyncio

import pytest
from aiobotocore.session import get_session


def test_an_async_client_made_in_the_test_is_answered(personalize_fake):
    personalize_fake.set_lifecycle("instant")

    async def main():
        async with get_session().create_client("personalize") as client:
            arn = (await client.create_dataset_group(name="shop"))["datasetGroupArn"]
            described = (await client.describe_dataset_group(datasetGroupArn=arn))["datasetGroup"]
            names = [group["name"] async for page in client.get_paginator("list_dataset_groups").paginate()
                     for group in page["datasetGroups"]]
            with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
                await client.create_dataset_group(name="shop")
            return described, names

    described, names = asyncio.run(main())

    assert described["status"] == "ACTIVE" and names == ["shop"]
    assert [call.operation for call in personalize_fake.calls] == [
        "CreateDatasetGroup", "DescribeDatasetGroup", "ListDatasetGroups", "CreateDatasetGroup"]


def test_an_async_client_made_before_the_fake_is_refused_until_attached():
    from pytest_personalize.emulator.fake import PersonalizeFake, UnattachedClientError

    async def main():
        session = get_session()
        async with session.create_client("personalize", region_name="us-east-1", aws_access_key_id="testing",
                                         aws_secret_access_key="testing") as early:
            with PersonalizeFake() as fake:
                with pytest.raises(UnattachedClientError, match=r"personalize_fake\\.attach\\(client\\)"):
                    await early.list_dataset_groups()
                PersonalizeFake.attach(early)
                await early.create_dataset_group(name="late")
            return fake

    fake = asyncio.run(main())

    assert len(fake.refused) == 1
    assert [call.operation for call in fake.calls] == ["CreateDatasetGroup"]
"""


@needs_aiobotocore
def test_aiobotocore_clients_are_reached(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_async=ASYNC_CLIENTS)
    pytester.runpytest().assert_outcomes(passed=2)


ASYNC_CASSETTE = """
import asyncio
import os

import pytest
from aiobotocore.session import get_session

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"


@pytest.fixture
def upstream(request, personalize_record_mode):
    # While recording, the loopback server stands in for AWS; replaying, nothing answers but the cassette.
    if personalize_record_mode != "none":
        server = request.getfixturevalue("personalize_server")
        server.backend.set_lifecycle("instant")
        server.backend.deploy_campaign("shop-recs")
        server.backend.declare(CAMPAIGN, user_id="u1", items=["i3", "i1"])


@pytest.mark.personalize_cassette
def test_async(upstream):
    async def main():
        session = get_session()
        async with session.create_client("personalize") as control, session.create_client(
            "personalize-runtime"
        ) as runtime:
            arn = (await control.create_dataset_group(name="shop"))["datasetGroupArn"]
            with pytest.raises(control.exceptions.ResourceAlreadyExistsException):
                await control.create_dataset_group(name="shop")
            items = (await runtime.get_recommendations(campaignArn=CAMPAIGN, userId="u1"))["itemList"]
            return arn, [item["itemId"] for item in items]

    arn, items = asyncio.run(main())
    assert arn.endswith(":dataset-group/shop") and items == ["i3", "i1"]
"""


@needs_aiobotocore
def test_aiobotocore_clients_record_and_replay_with_no_lookup_or_connection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pytest_personalize.recording.file import load
    from tests.test_guard import NO_NETWORK_CONFTEST

    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_PERSONALIZE", "NO_NETWORK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    pytester.makeconftest(NO_NETWORK_CONFTEST)
    pytester.makepyfile(test_async=ASYNC_CASSETTE)
    pytester.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_async" / "test_async.yaml"
    assert [(request.host, request.path) for request, _ in load(cassette)] == [
        ("127.0.0.1", "/"),
        ("127.0.0.1", "/"),
        ("127.0.0.1", "/recommendations"),
    ]

    log = tmp_path / "attempts.log"
    monkeypatch.setenv("NO_NETWORK", str(log))
    pytester.runpytest().assert_outcomes(passed=1)
    assert not log.exists(), log.read_text()


@needs_aiobotocore
def test_a_stubber_stops_an_aiobotocore_clients_request_before_any_socket(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_async="""
        import asyncio

        import pytest
        from aiobotocore.session import get_session
        from pytest_personalize import UnattachedClientError


        def test_own_async_client(personalize_stubber):
            async def main():
                async with get_session().create_client(
                    "personalize", region_name="us-east-1", aws_access_key_id="AKIA" + "FAKEFAKEASYNC001",
                    aws_secret_access_key="fake"
                ) as client:
                    with pytest.raises(UnattachedClientError, match="personalize_client"):
                        await client.list_dataset_groups()

            asyncio.run(main())
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*stopped before they left the machine*"])


# --- a client made before the fake --------------------------------------------------------------

EARLY_CLIENT = """
import boto3
import pytest

# Made when the module is imported, long before any fixture runs.
EARLY, UNATTACHED = (boto3.client("personalize", region_name="us-east-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing") for _ in range(2))


def test_refused_loudly(personalize_fake):
    from pytest_personalize.emulator.fake import UnattachedClientError

    with pytest.raises(UnattachedClientError) as refused:
        EARLY.create_dataset_group(name="shop")

    message = str(refused.value)
    assert "sent CreateDatasetGroup to https://personalize.us-east-1.amazonaws.com/" in message
    assert "personalize_fake.attach(client)" in message
    # One attempt, not retried, and nothing reached the fake.
    assert personalize_fake.refused == [message]
    assert personalize_fake.calls == []
    personalize_fake.refused.clear()


def test_answered_once_attached(personalize_fake):
    personalize_fake.attach(EARLY)
    EARLY.create_dataset_group(name="shop")
    assert personalize_fake.dataset_groups()[0]["name"] == "shop"


def test_caught_by_the_code_under_test(personalize_fake):
    try:
        boto3.client("personalize").list_dataset_groups()  # made in the test: answered
        UNATTACHED.list_dataset_groups()
    except Exception:
        pass  # the code under test swallows errors: the fixture still fails the test
"""


def test_a_client_made_before_the_fake_fails_loudly_until_attached(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_early=EARLY_CLIENT)

    result = pytester.runpytest()

    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_caught_by_the_code_under_test*", "*personalize_fake stopped 1 request(s)*"]
    )


def test_a_loopback_endpoint_is_not_refused() -> None:
    from pytest_personalize.emulator.backend import Backend
    from pytest_personalize.emulator.server import PersonalizeServer

    with PersonalizeServer(Backend()) as server:
        early = make_client("us-east-1", endpoint_url=server.endpoint_url)
        with PersonalizeFake() as fake:
            early.create_dataset_group(name="served")

    assert fake.refused == [] and fake.calls == []
    assert [call.operation for call in server.backend.calls] == ["CreateDatasetGroup"]


def test_other_services_reach_the_network_layer_untouched() -> None:
    from botocore.config import Config
    from botocore.exceptions import HTTPClientError

    # A client made before the fake, of another service: the fake's guard lets its request pass,
    # and the test suite's own network guard underneath stops it (one attempt, not retried).
    early = boto3.client("s3", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}), **CREDENTIALS)

    with PersonalizeFake() as fake, pytest.raises(HTTPClientError, match="network guard"):
        early.list_buckets()

    assert fake.refused == []


# --- the seams ----------------------------------------------------------------------------------


def test_new_clients_are_seen_and_the_patch_is_undone() -> None:
    from botocore.client import BaseClient

    original = BaseClient.__init__
    seen: list[str] = []
    undo = _botocore_seams.on_new_clients(lambda client: seen.append(client.meta.service_model.service_name))
    try:
        make_client("us-east-1")
        boto3.client("s3", region_name="us-east-1", **CREDENTIALS)
    finally:
        undo()

    assert seen == ["personalize", "s3"]
    assert BaseClient.__init__ is original


def test_a_wrapper_another_tool_put_back_is_used_again_only_for_the_same_callback() -> None:
    from botocore.httpsession import URLLib3Session

    original = URLLib3Session.send

    def handle(send: Any, request: Any) -> Any:
        return send(request)

    undo = _botocore_seams.intercept_sends(handle)
    ours = URLLib3Session.send
    URLLib3Session.send = lambda self, request: ours(self, request)  # type: ignore[method-assign]
    undo()  # not on top: left in place
    URLLib3Session.send = ours  # type: ignore[method-assign]  # the other tool restores what it found
    try:
        _botocore_seams.intercept_sends(handle)()  # the same callback: ours is reused, and stays
        assert URLLib3Session.send is ours
        # Another callback (the registry's module imported afresh, say) gets a wrapper of its own.
        undo_other = _botocore_seams.intercept_sends(lambda send, request: send(request))
        assert URLLib3Session.send is not ours
        undo_other()
        assert URLLib3Session.send is ours
    finally:
        URLLib3Session.send = original  # type: ignore[method-assign]


@needs_aiobotocore
def test_async_http_sessions_are_reached_when_aiobotocore_is_loaded() -> None:
    from aiobotocore.httpsession import AIOHTTPSession

    original = AIOHTTPSession.send
    undo = _aiobotocore_seams.intercept_sends(lambda send, request: send(request))
    try:
        assert undo is not None
        assert AIOHTTPSession.send is not original
    finally:
        if undo is not None:
            undo()
    assert AIOHTTPSession.send is original


def test_moto_defers_only_while_asked() -> None:
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__
    owned: list[object] = []
    undo = _moto_seams.moto_defers(lambda request: request in owned)
    assert undo is not None
    stubber = BotocoreStubber()
    stubber.enabled = True
    request = type("Request", (), {"url": "https://personalize.us-east-1.amazonaws.com/", "headers": {}})()
    try:
        owned.append(request)
        assert stubber(event_name="before-send.personalize.ListSchemas", request=request) is None
    finally:
        undo()
    assert BotocoreStubber.__call__ is original


def test_without_moto_nothing_is_deferred(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "moto.core.botocore_stubber")

    assert _moto_seams.moto_defers(lambda request: True) is None


def test_the_fake_takes_every_seam_out_when_the_last_one_goes() -> None:
    from botocore.client import BaseClient
    from botocore.httpsession import URLLib3Session
    from moto.core.botocore_stubber import BotocoreStubber

    seams: list[tuple[type, str]] = [(BaseClient, "__init__"), (URLLib3Session, "send"), (BotocoreStubber, "__call__")]
    if HAS_AIOBOTOCORE:
        seams.append((importlib.import_module("aiobotocore.httpsession").AIOHTTPSession, "send"))
    before = [owner.__dict__[name] for owner, name in seams]
    with PersonalizeFake(), PersonalizeFake():
        during = [owner.__dict__[name] for owner, name in seams]
    after = [owner.__dict__[name] for owner, name in seams]

    assert all(now is not then for now, then in zip(during, before, strict=True))
    assert after == before


# --- the header check ---------------------------------------------------------------------------

FIELDS = ["USER_ID", "ITEM_ID", "TIMESTAMP"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("USER_ID,ITEM_ID,TIMESTAMP", None),
        ("TIMESTAMP,USER_ID,ITEM_ID\r\n", None),
        ("\ufeffUSER_ID,ITEM_ID,TIMESTAMP", None),
        ("USER_ID,TIMESTAMP", "Input CSV is missing the following columns:[ITEM_ID]."),
        ("user_id,item_id,timestamp", "Input CSV is missing the following columns:[USER_ID, ITEM_ID, TIMESTAMP]."),
        ("USER_ID, ITEM_ID,TIMESTAMP", "Input CSV is missing the following columns:[ITEM_ID]."),
        ("USER_ID,ITEM_ID,TIMESTAMP,", 'Input CSV has columns that are not in the dataset\'s schema:[""].'),
    ],
)
def test_header_problem(line: str, problem: str | None) -> None:
    assert header_problem(line, FIELDS) == problem


def test_an_unattached_request_is_not_retried() -> None:
    early = make_client("us-east-1")

    with PersonalizeFake() as fake, pytest.raises(UnattachedClientError):
        early.list_dataset_groups()

    assert len(fake.refused) == 1
