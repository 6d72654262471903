"""Who answers Personalize now (pytest_personalize._answering): one registry, one send wrapper, every mode."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_personalize import _answering
from pytest_personalize._clients import make_client
from pytest_personalize.emulator.fake import PersonalizeFake, UnattachedClientError
from pytest_personalize.recording import transport
from pytest_personalize.recording.cassette import PersonalizeCassette, use_cassette
from pytest_personalize.seams import botocore as _botocore_seams
from pytest_personalize.stub.stubber import PersonalizeStubber
from pytest_personalize.wire.responses import RawBody

LISTED = {"datasetGroups": [{"name": "from-the-network", "datasetGroupArn": "arn:aws:personalize:::x"}]}


@contextlib.contextmanager
def network(sent: list[str], statuses: list[int] | None = None) -> Iterator[None]:
    """What lies beneath the registry's wrapper: answers every request as AWS would have, and notes it.

    A ThrottlingException (400) for each 400 in ``statuses``, taken in turn; LISTED otherwise.
    """
    from botocore.awsrequest import AWSResponse

    waiting = statuses if statuses is not None else []

    def answer(send: Any, request: Any) -> Any:
        sent.append(request.url)
        status = waiting.pop(0) if waiting else 200
        body = {"__type": "ThrottlingException", "message": "Rate exceeded"} if status == 400 else LISTED
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, status, headers, RawBody(json.dumps(body).encode()))  # type: ignore[arg-type]

    undo = _botocore_seams.intercept_sends(answer)
    try:
        yield
    finally:
        undo()


def recorded(tmp_path: Path) -> Path:
    """A cassette holding one ListDatasetGroups sent to AWS's own endpoint (answered by :func:`network`)."""
    path = tmp_path / "aws.yaml"
    with network([]), use_cassette(path, "all"):
        make_client("us-east-1").list_dataset_groups()
    return path


@contextlib.contextmanager
def both(first: Any, second: Any) -> Iterator[None]:
    """``first`` then ``second`` active (a fake or a cassette), taken out in reverse."""
    with contextlib.ExitStack() as stack:
        for each in (first, second):
            if isinstance(each, PersonalizeFake):
                stack.enter_context(each)
            else:
                transport.activate(each)
                stack.callback(transport.deactivate, each)
        yield


# --- one wrapper ---------------------------------------------------------------------------------


def test_a_fake_and_a_cassette_share_one_wrapper_of_the_http_send(tmp_path: Path) -> None:
    from botocore.httpsession import URLLib3Session

    original = URLLib3Session.__dict__["send"]
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")
    with both(PersonalizeFake(), cassette):
        wrapper = URLLib3Session.__dict__["send"]
        assert wrapper.__wrapped__ is original  # one wrapper, directly over botocore's own
    assert URLLib3Session.__dict__["send"] is original
    assert _answering.active() == []


# --- who answers at the HTTP layer ----------------------------------------------------------------


@pytest.mark.parametrize("fake_first", [True, False], ids=["fake-first", "cassette-first"])
def test_a_cassette_answers_an_unattached_client_before_the_fake_refuses_it(tmp_path: Path, fake_first: bool) -> None:
    path = recorded(tmp_path)
    early = make_client("us-east-1")  # made before the fake: never wired to it
    cassette = PersonalizeCassette(path, "none")
    cassette.load()
    fake = PersonalizeFake()
    sent: list[str] = []

    with network(sent), both(*((fake, cassette) if fake_first else (cassette, fake))):
        groups = early.list_dataset_groups()["datasetGroups"]

    assert [group["name"] for group in groups] == ["from-the-network"]
    assert sent == [] and fake.refused == [] and fake.calls == []


@pytest.mark.parametrize("fake_first", [True, False], ids=["fake-first", "cassette-first"])
def test_what_a_recording_cassette_would_send_to_aws_the_fake_still_stops(tmp_path: Path, fake_first: bool) -> None:
    early = make_client("us-east-1")
    cassette = PersonalizeCassette(tmp_path / "new.yaml", "all")
    fake = PersonalizeFake()
    sent: list[str] = []

    with (
        network(sent),
        both(*((fake, cassette) if fake_first else (cassette, fake))),
        pytest.raises(UnattachedClientError, match="ListDatasetGroups"),
    ):
        early.list_dataset_groups()

    assert sent == [] and len(fake.refused) == 1 and len(cassette) == 0


def test_a_cassette_ending_under_the_fake_leaves_the_fakes_guard(tmp_path: Path) -> None:
    early = make_client("us-east-1")
    sent: list[str] = []

    with network(sent), PersonalizeFake() as fake:
        cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")
        transport.activate(cassette)
        transport.deactivate(cassette)
        with pytest.raises(UnattachedClientError):
            early.list_dataset_groups()

    assert sent == [] and len(fake.refused) == 1


def test_a_fake_ending_under_a_cassette_leaves_the_cassette_recording(tmp_path: Path) -> None:
    sent: list[str] = []
    cassette = PersonalizeCassette(tmp_path / "c.yaml", "all")

    with network(sent):
        transport.activate(cassette)
        try:
            with PersonalizeFake():
                pass
            make_client("us-east-1").list_dataset_groups()
        finally:
            transport.deactivate(cassette)

    assert len(sent) == 1 and len(cassette) == 1


def test_with_nothing_registered_a_request_goes_on_untouched() -> None:
    sent: list[str] = []

    with network(sent):
        make_client("us-east-1").list_dataset_groups()

    assert sent == ["https://personalize.us-east-1.amazonaws.com/"]


# --- the registry itself --------------------------------------------------------------------------


def test_every_mode_registers_innermost_last_and_leaves() -> None:
    client = make_client("us-east-1")
    with PersonalizeFake() as outer, PersonalizeStubber(client) as stubber, PersonalizeFake() as inner:
        assert _answering.active() == [outer, stubber, inner]
        assert _answering.active("fake") == [outer, inner]
        assert _answering.active("stubber") == [stubber]
    assert _answering.active() == []


def test_an_owner_registers_once() -> None:
    fake = PersonalizeFake()
    with fake:
        assert not _answering.register(_answering.Answerer("fake", fake))
        with pytest.raises(RuntimeError, match="already active"):
            fake.activate()
    assert not fake.active


def test_the_innermost_fake_answers_a_client_made_before_either_once_attached() -> None:
    early = make_client("us-east-1")
    with PersonalizeFake() as outer:
        with PersonalizeFake() as inner:
            PersonalizeFake.attach(early).create_dataset_group(name="inner")
        early.create_dataset_group(name="outer")

    assert [call.operation for call in inner.calls] == ["CreateDatasetGroup"]
    assert [group["name"] for group in outer.dataset_groups()] == ["outer"]


def test_threads_registering_at_once_leave_botocore_as_it_was() -> None:
    from botocore.client import BaseClient
    from botocore.httpsession import URLLib3Session

    before = (BaseClient.__dict__["__init__"], URLLib3Session.__dict__["send"])
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def cycle() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(20):
                with PersonalizeFake():
                    pass
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=cycle) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert _answering.active() == []
    assert (BaseClient.__dict__["__init__"], URLLib3Session.__dict__["send"]) == before


# --- a success answered at before-call, everything else the whole way ------------------------------


def _full_way(client: Any) -> list[Any]:
    """A handler of the test's own on ``before-send`` (it only looks): the calls go the whole way."""
    seen: list[Any] = []
    client.meta.events.register("before-send.personalize", lambda request, **_: seen.append(request))
    return seen


def _without_request_ids(response: dict[str, Any]) -> dict[str, Any]:
    metadata = dict(response["ResponseMetadata"])
    headers = {
        k: v for k, v in metadata.pop("HTTPHeaders").items() if k not in ("x-amzn-requestid", "date", "content-length")
    }
    metadata.pop("RequestId")
    return {**response, "ResponseMetadata": {**metadata, "HTTPHeaders": headers}}


def test_a_success_answered_early_is_the_answer_the_whole_way_gives() -> None:
    early, whole = make_client("us-east-1"), make_client("us-east-1")
    seen = _full_way(whole)
    with PersonalizeFake() as fake:
        fake.set_lifecycle("instant")
        for client in (early, whole):
            fake.attach(client)
        arns = [
            client.create_dataset_group(name=f"shop-{n}")["datasetGroupArn"] for n, client in enumerate((early, whole))
        ]
        answers = [
            _without_request_ids(client.describe_dataset_group(datasetGroupArn=arn))
            for client, arn in zip((early, whole), arns, strict=True)
        ]
    assert len(seen) == 2  # the second client's two calls went through before-send
    for answer in answers:
        del answer["datasetGroup"]["name"], answer["datasetGroup"]["datasetGroupArn"]
        for stamp in ("creationDateTime", "lastUpdatedDateTime"):
            del answer["datasetGroup"][stamp]
    assert answers[0] == answers[1]
    assert answers[0]["ResponseMetadata"]["RetryAttempts"] == 0


def test_an_error_is_answered_once_and_retried_as_the_service_would_be() -> None:
    client = make_client("us-east-1")
    with PersonalizeFake() as fake:
        fake.attach(client)
        client.create_dataset_group(name="shop")
        with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
            client.create_dataset_group(name="shop")
        fake.fail_next("ListDatasetGroups", "ThrottlingException", times=2)
        listed = client.list_dataset_groups()
    # The refused create was answered once, not once early and again at the send.
    assert [(call.operation, call.error) for call in fake.calls] == [
        ("CreateDatasetGroup", None),
        ("CreateDatasetGroup", "ResourceAlreadyExistsException"),
        ("ListDatasetGroups", "ThrottlingException"),
        ("ListDatasetGroups", "ThrottlingException"),
        ("ListDatasetGroups", None),
    ]
    assert listed["ResponseMetadata"]["RetryAttempts"] == 2


def test_a_client_without_credentials_fails_to_sign_as_botocore_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import botocore.session
    from botocore.exceptions import NoCredentialsError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with PersonalizeFake() as fake:
        client = botocore.session.Session().create_client("personalize", region_name="us-east-1")
        with pytest.raises(NoCredentialsError):
            client.list_dataset_groups()
    assert fake.calls == []


def test_the_handlers_a_test_adds_see_every_request() -> None:
    client = make_client("us-east-1")
    with PersonalizeFake() as fake:
        fake.attach(client)
        client.list_dataset_groups()  # answered early: nothing of the test's own was on the way
        seen = _full_way(client)
        client.list_dataset_groups()
        signed = [request.headers.get("Authorization") for request in seen]
    assert len(seen) == 1 and signed[0] is not None and b"Credential=testing/" in signed[0]
    assert len(fake.calls) == 2


def test_an_access_key_of_twelve_digits_names_the_account_answered_early() -> None:
    client = make_client("us-east-1", aws_access_key_id="111122223333")
    with PersonalizeFake() as fake:
        fake.attach(client)
        arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    assert arn == "arn:aws:personalize:us-east-1:111122223333:dataset-group/shop"


def test_a_replayed_success_answers_a_wired_client_before_signing(tmp_path: Path) -> None:
    path = recorded(tmp_path)
    sent: list[str] = []
    signatures: list[Any] = []
    with network(sent), use_cassette(path, "none") as cassette:
        client = make_client("us-east-1")  # made while the cassette is active: wired
        with _botocore_seams.signing_credentials(signatures.append):
            listed = client.list_dataset_groups()
            assert signatures == []
            with pytest.raises(Exception, match="ListDatasetGroups"):
                client.list_dataset_groups()  # one recorded: the second is a miss, which goes the whole way
    assert [group["name"] for group in listed["datasetGroups"]] == ["from-the-network"]
    assert listed["ResponseMetadata"]["RetryAttempts"] == 0
    assert cassette.play_counts == {0: 1} and sent == [] and len(signatures) == 1


def test_a_replayed_error_is_retried_as_botocore_retries_the_service(tmp_path: Path) -> None:
    path = tmp_path / "throttled.yaml"
    sent: list[str] = []
    with network(sent, [400]), use_cassette(path, "all"):
        make_client("us-east-1").list_dataset_groups()
    assert len(sent) == 2  # recorded: the throttle, then the answer
    with network(sent), use_cassette(path, "none") as cassette:
        listed = make_client("us-east-1").list_dataset_groups()
    assert listed["ResponseMetadata"]["RetryAttempts"] == 1
    assert cassette.play_counts == {0: 1, 1: 1} and len(sent) == 2
