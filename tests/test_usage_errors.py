"""Every input a person can get wrong gets a named error, at the call that got it wrong.

A wrong type or a value that means nothing is a :class:`UsageError` naming the call, the
argument, what was given and what is accepted -- never a raw ``TypeError``, an
``OverflowError`` from deep in the emulator, or silence. A page token from another listing is
the service's InvalidNextTokenException. The server's answer to a request line it doesn't speak
is the one SECURITY.md promises.
"""

from __future__ import annotations

import datetime
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from pytest_personalize import Backend, ManualClock, PersonalizeFake, PersonalizeServer, Stubber, UsageError
from pytest_personalize.model.errors import ServiceError

pytest_plugins = ["pytester"]

NAN = float("nan")


def _deployed() -> tuple[Backend, str]:
    backend = Backend()
    return backend, backend.deploy_campaign("recs")


def _declare(**kwargs: Any) -> None:
    backend, campaign = _deployed()
    backend.declare(campaign, **kwargs)


def _client() -> Any:
    return boto3.client("personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


def _named(error: pytest.ExceptionInfo[UsageError], call: str, argument: str, accepted: str) -> None:
    message = str(error.value)
    assert message.startswith(f"{call}({argument}=") or message.startswith(f"{call} "), message
    assert f"{argument} must be {accepted}" in message, message


# (what is called, the call and argument the message names, what it says is accepted)
Case = tuple[Callable[[], object], str, str, str]

# Each of these raised TypeError, AttributeError, OverflowError or ValueError before, or only at a later call.
WRONG_TYPES: dict[str, Case] = {
    "fail_next times as a string": (
        lambda: Backend().fail_next("CreateDatasetGroup", "LimitExceededException", times="2"),  # type: ignore[arg-type]
        "fail_next",
        "times",
        "a whole number, 1 or more",
    ),
    "set_lifecycle describes_per_stage as a string": (
        lambda: Backend().set_lifecycle(describes_per_stage="2"),  # type: ignore[arg-type]
        "set_lifecycle",
        "describes_per_stage",
        "a whole number, 1 or more",
    ),
    "quotas that aren't a dict": (
        lambda: Backend(quotas=5),  # type: ignore[arg-type]
        "Backend",
        "quotas",
        "a dict of resource type to quota",
    ),
    "a lifecycle given by its mode's name": (
        lambda: Backend(lifecycle="instant"),  # type: ignore[arg-type]
        "Backend",
        "lifecycle",
        "a Lifecycle, such as Lifecycle('instant')",
    ),
    "clock.advance by NaN seconds": (
        lambda: ManualClock().advance(seconds=NAN),
        "clock.advance",
        "seconds",
        "a finite number, 0 or more",
    ),
    "deploy_campaign in a region that isn't a string": (
        lambda: Backend().deploy_campaign("recs", region=5),  # type: ignore[arg-type]
        "deploy_campaign",
        "region",
        "an AWS region name such as 'us-east-1'",
    ),
}

# Each of these was accepted before, and meant nothing (or a fault that never fires).
NONSENSE: dict[str, Case] = {
    "fail_next times as a fraction": (
        lambda: Backend().fail_next("CreateDatasetGroup", "LimitExceededException", times=1.5),  # type: ignore[arg-type]
        "fail_next",
        "times",
        "a whole number, 1 or more",
    ),
    "a declared score that is NaN": (
        lambda: _declare(items=["i1"], scores=[NAN]),
        "declare",
        "scores",
        "a list of 1 finite number, one per id",
    ),
    "deploy_campaign in a region no AWS partition has": (
        lambda: Backend().deploy_campaign("recs", region="mars-1"),
        "deploy_campaign",
        "region",
        "an AWS region name such as 'us-east-1'",
    ),
    "an account id that isn't 12 digits": (
        lambda: Backend(account="abc"),
        "Backend",
        "account",
        "an AWS account id: 12 digits",
    ),
}

# Found by going through every public method of the backend, the fake, the clock and the stubbers.
AUDITED: dict[str, Case] = {
    "fail_when times of 0, a fault that could never fire": (
        lambda: Backend().fail_when(lambda call: True, "LimitExceededException", times=0),
        "fail_when",
        "times",
        "a whole number, 1 or more, or None (every matching call)",
    ),
    "fail_when with something that can't be called": (
        lambda: Backend().fail_when(True, "LimitExceededException"),  # type: ignore[arg-type]
        "fail_when",
        "predicate",
        "a callable taking one argument, the Call",
    ),
    "fail_next with a message that isn't a string": (
        lambda: Backend().fail_next("CreateDatasetGroup", "LimitExceededException", message=5),  # type: ignore[arg-type]
        "fail_next",
        "message",
        "a string or None",
    ),
    "fail_creation without a reason": (
        lambda: Backend().fail_creation(None),  # type: ignore[arg-type]
        "fail_creation",
        "reason",
        "a non-empty string",
    ),
    "set_lifecycle with in_progress as a string": (
        lambda: Backend().set_lifecycle(in_progress="yes"),  # type: ignore[arg-type]
        "set_lifecycle",
        "in_progress",
        "True or False",
    ),
    "set_lifecycle with NaN seconds per stage": (
        lambda: Backend().set_lifecycle("clock", seconds_per_stage=NAN),
        "set_lifecycle",
        "seconds_per_stage",
        "a finite number of seconds, 0 or more",
    ),
    "use_manual_clock from a start that isn't a datetime": (
        lambda: Backend().use_manual_clock("2024-01-01"),  # type: ignore[arg-type]
        "use_manual_clock",
        "start",
        "a timezone-aware datetime.datetime",
    ),
    "a clock that can't be called": (
        lambda: Backend(clock=datetime.datetime.now(datetime.timezone.utc)),  # type: ignore[arg-type]
        "Backend",
        "clock",
        "a callable taking no arguments",
    ),
    "the fake's account set to a name": (
        lambda: setattr(PersonalizeFake(), "account", "shop"),
        "backend.account =",
        "account",
        "an AWS account id: 12 digits",
    ),
    "the fake's quotas set to a number": (
        lambda: setattr(PersonalizeFake(), "quotas", 5),
        "backend.quotas =",
        "quotas",
        "a dict of resource type to quota",
    ),
    "a default region no AWS partition has": (
        lambda: setattr(Backend(), "default_region", "local"),
        "backend.default_region =",
        "default_region",
        "an AWS region name",
    ),
    "a direct call in a region no AWS partition has": (
        lambda: Backend().call("ListDatasetGroups", region="mars-1"),
        "call",
        "region",
        "an AWS region name",
    ),
    "a direct call with parameters that aren't a dict": (
        lambda: Backend().call("CreateDatasetGroup", ["shop"]),  # type: ignore[arg-type]
        "call",
        "params",
        "a dict of the request's parameters",
    ),
    "a request body given as text": (
        lambda: Backend().handle("AmazonPersonalize.ListDatasetGroups", "{}"),  # type: ignore[arg-type]
        "handle",
        "body",
        "the request body as bytes",
    ),
    "resources of a region that isn't one": (
        lambda: Backend().resources(region="us-east1"),
        "resources",
        "region",
        "an AWS region name",
    ),
    "events of a user id that isn't a string": (
        lambda: Backend().events(user_id=1),  # type: ignore[arg-type]
        "events",
        "user_id",
        "a string or None",
    ),
    "a declared list that isn't one": (
        lambda: _declare(items=5),
        "declare",
        "items",
        "a list, or None",
    ),
    "deploy_campaign on a recipe the catalogue lacks": (
        lambda: Backend().deploy_campaign("recs", recipe="aws-user-personalisation"),
        "deploy_campaign",
        "recipe",
        "one of aws-user-personalization, ",
    ),
    "a server's idle timeout of NaN": (
        lambda: PersonalizeServer(idle_timeout=NAN),
        "PersonalizeServer",
        "idle_timeout",
        "a finite number of seconds",
    ),
    "a server's idle timeout past what a socket holds": (
        lambda: PersonalizeServer(idle_timeout=1e12),
        "PersonalizeServer",
        "idle_timeout",
        "a positive number of seconds, at most 1e+09",
    ),
    "a server's port that isn't one": (
        lambda: PersonalizeServer(port=70000),
        "PersonalizeServer",
        "port",
        "a port number, 0 (any free port) to 65535",
    ),
    "a server given a fake instead of a backend": (
        lambda: PersonalizeServer(PersonalizeFake()),  # type: ignore[arg-type]
        "PersonalizeServer",
        "backend",
        "a Backend, or None for a new one",
    ),
    "a Stubber given something other than a client": (
        lambda: Stubber("personalize"),  # type: ignore[arg-type]
        "Stubber",
        "client",
        "a botocore client",
    ),
    "an HTTP status given as text": (
        lambda: Stubber(_client()).add_client_error(
            "create_dataset_group",
            "LimitExceededException",
            http_status_code="400",  # type: ignore[arg-type]
        ),
        "add_client_error",
        "http_status_code",
        "a whole number, 100 or more",
    ),
    "error metadata that isn't a dict": (
        lambda: Stubber(_client()).add_client_error(
            "create_dataset_group",
            "LimitExceededException",
            modeled_fields=["message"],  # type: ignore[arg-type]
        ),
        "add_client_error",
        "modeled_fields",
        "a dict",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_wrong_type_is_a_usage_error_naming_the_argument_and_what_is_accepted(case: str) -> None:
    call, name, argument, accepted = WRONG_TYPES[case]
    with pytest.raises(UsageError) as raised:
        call()
    _named(raised, name, argument, accepted)


@pytest.mark.parametrize("case", sorted(NONSENSE))
def test_nonsense_is_refused_with_a_usage_error_naming_the_argument_and_what_is_accepted(case: str) -> None:
    call, name, argument, accepted = NONSENSE[case]
    with pytest.raises(UsageError) as raised:
        call()
    _named(raised, name, argument, accepted)


@pytest.mark.parametrize("case", sorted(AUDITED))
def test_every_public_argument_is_checked_at_the_call(case: str) -> None:
    call, name, argument, accepted = AUDITED[case]
    with pytest.raises(UsageError) as raised:
        call()
    _named(raised, name, argument, accepted)


def test_a_lifecycle_given_by_name_fails_at_the_constructor_not_at_the_first_call() -> None:
    with pytest.raises(UsageError, match=r"Backend\(lifecycle='instant'\)"):
        Backend(lifecycle="instant")  # type: ignore[arg-type]


@pytest.mark.parametrize("seconds", [1e300, 1e17])
def test_a_clock_advanced_past_the_last_datetime_is_a_usage_error_not_an_overflow(seconds: float) -> None:
    clock = ManualClock(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))

    with pytest.raises(UsageError) as raised:
        clock.advance(seconds=seconds)

    assert str(raised.value).startswith(f"clock.advance(seconds={seconds!r}): the clock would pass 9999-12-31")
    assert clock() == datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)  # unmoved


def test_a_clock_advanced_by_an_unknown_unit_names_the_units() -> None:
    with pytest.raises(UsageError, match=r"clock.advance\(fortnights=1\): .* give seconds, weeks, days"):
        ManualClock().advance(fortnights=1)


def test_a_declared_score_that_is_infinite_is_refused_and_a_good_one_is_kept() -> None:
    backend, campaign = _deployed()
    with pytest.raises(UsageError, match=r"declare\(scores=\[inf\]\): scores must be a list of 1 finite number"):
        backend.declare(campaign, items=["i1"], scores=[float("inf")])
    backend.declare(campaign, items=["i1"], scores=[1])

    answer = backend.call("GetRecommendations", {"campaignArn": campaign, "userId": "u1"})

    assert answer["itemList"] == [{"itemId": "i1", "score": 1.0}]


# --- fail_when's predicate ------------------------------------------------------------------------


def test_a_fail_when_predicate_of_the_wrong_arity_is_refused_at_fail_when() -> None:
    def temporary(call: Any, extra: Any) -> bool:
        return True

    with pytest.raises(UsageError) as raised:
        Backend().fail_when(temporary, "LimitExceededException")

    message = str(raised.value)
    assert message.startswith(
        "fail_when(predicate=test_a_fail_when_predicate_of_the_wrong_arity_is_refused_at_fail_when."
    )
    assert "temporary (" in message and "test_usage_errors.py" in message
    assert (
        "predicate must be a callable taking one argument, the Call; its signature is (call: 'Any', extra: 'Any')"
        in (message)
    )


def test_a_predicate_whose_signature_python_cant_read_is_taken_on_trust() -> None:
    fault = Backend().fail_when(bool, "LimitExceededException", operation="CreateDatasetGroup")

    assert fault.predicate is bool


def test_a_fail_when_predicate_that_raises_makes_the_call_raise_naming_it() -> None:
    backend = Backend()

    def tagged(call: Any) -> bool:
        return bool(call.params["tags"])  # a KeyError for a request without tags

    backend.fail_when(tagged, "LimitExceededException")
    backend.call("ListDatasetGroups", {})  # LimitExceededException is not its error: not offered

    with pytest.raises(UsageError) as raised:
        backend.call("CreateDatasetGroup", {"name": "shop"})

    message = str(raised.value)
    assert message.startswith("fail_when's predicate test_a_fail_when_predicate_that_raises_makes_the_call_raise")
    assert ".tagged (" in message and "raised KeyError: 'tags' -- for CreateDatasetGroup {'name': 'shop'}" in message
    assert isinstance(raised.value.__cause__, KeyError)
    report = backend.predicate_report()
    assert report is not None and report.startswith("A fail_when predicate raised on 1 call: fail_when's predicate")


def test_a_fail_when_predicate_that_raises_fails_the_test_even_if_the_code_caught_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def by_name(call):
            return call.params["name"].startswith("tmp")  # no name in ListDatasetGroups's params

        def swallow(call):
            try:
                call()
            except Exception as error:  # the code under test carries on
                return error

        def test_fake(personalize_fake, personalize_client):
            personalize_fake.fail_when(by_name, "InvalidNextTokenException")
            error = swallow(personalize_client.list_dataset_groups)
            assert type(error).__name__ == "UsageError"

        def test_server(personalize_server):
            import boto3
            from botocore.config import Config

            client = boto3.client("personalize", config=Config(retries={"total_max_attempts": 1}))
            personalize_server.backend.fail_when(by_name, "InvalidNextTokenException")
            error = swallow(client.list_dataset_groups)
            assert error.response["Error"]["Code"] == "InternalFailure"
        """
    )
    result = pytester.runpytest()

    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        ["*A fail_when predicate raised on * call*: fail_when's predicate by_name (*) raised KeyError*"]
    )


def test_a_predicate_report_is_cleared_by_reset() -> None:
    backend = Backend()
    backend.fail_when(lambda call: 1 / 0, "LimitExceededException")
    with pytest.raises(UsageError, match="ZeroDivisionError"):
        backend.call("CreateDatasetGroup", {"name": "shop"})

    backend.reset()

    assert backend.predicate_report() is None


# --- page tokens ----------------------------------------------------------------------------------


def _page_token(backend: Backend, operation: str, params: dict[str, Any]) -> str:
    page = backend.call(operation, {"maxResults": 1, **params})
    return str(page["nextToken"])


def _groups(backend: Backend, *names: str) -> list[str]:
    backend.set_lifecycle("instant")
    return [backend.call("CreateDatasetGroup", {"name": name})["datasetGroupArn"] for name in names]


def test_a_page_token_is_refused_by_another_list_operation() -> None:
    backend = Backend()
    _groups(backend, "a", "b")
    token = _page_token(backend, "ListDatasetGroups", {})

    with pytest.raises(ServiceError) as raised:
        backend.call("ListSchemas", {"nextToken": token})

    assert (raised.value.code, raised.value.status) == ("InvalidNextTokenException", 400)
    assert backend.call("ListDatasetGroups", {"nextToken": token, "maxResults": 5})["datasetGroups"]


def test_a_page_token_is_refused_with_other_filters() -> None:
    backend = Backend()
    first, second = _groups(backend, "a", "b")
    for group in (first, second):
        for dataset_type in ("Interactions", "Items"):
            backend.call("CreateDataset", _dataset(backend, group, dataset_type))
    token = _page_token(backend, "ListDatasets", {"datasetGroupArn": first})

    with pytest.raises(ServiceError, match="InvalidNextTokenException"):
        backend.call("ListDatasets", {"datasetGroupArn": second, "nextToken": token})
    with pytest.raises(ServiceError, match="InvalidNextTokenException"):
        backend.call("ListDatasets", {"nextToken": token})
    rest = backend.call("ListDatasets", {"datasetGroupArn": first, "nextToken": token})
    assert len(rest["datasets"]) == 1


def test_a_page_token_from_another_operation_is_the_clients_invalid_next_token() -> None:
    with PersonalizeFake() as fake:
        fake.set_lifecycle("instant")
        client = _client()
        for name in "ab":
            client.create_dataset_group(name=name)
        token = client.list_dataset_groups(maxResults=1)["nextToken"]

        with pytest.raises(client.exceptions.InvalidNextTokenException):
            client.list_schemas(nextToken=token)


_SCHEMAS = {
    "Interactions": [("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long")],
    "Items": [("ITEM_ID", "string"), ("GENRE", "string")],
}


def _dataset(backend: Backend, group: str, dataset_type: str) -> dict[str, Any]:
    name = f"{group.rsplit('/', 1)[1]}-{dataset_type.lower()}"
    schema = {
        "type": "record",
        "name": dataset_type,
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": field, "type": kind, **({"categorical": True} if field == "GENRE" else {})}
            for field, kind in _SCHEMAS[dataset_type]
        ],
        "version": "1.0",
    }
    made = backend.call("CreateSchema", {"name": name, "schema": json.dumps(schema)})
    return {"name": name, "datasetGroupArn": group, "datasetType": dataset_type, "schemaArn": made["schemaArn"]}


# --- the server's request line --------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[PersonalizeServer]:
    with PersonalizeServer() as running:
        yield running


def _exchange(server: PersonalizeServer, request: bytes) -> tuple[int, dict[str, Any]]:
    port = int(server.endpoint_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):  # the server closes the connection after a refusal
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
    return int(status_line.split()[1]), json.loads(body)


REQUEST_LINES = {
    # RFC 9110's status for an unsupported major version, naming the versions served.
    "HTTP/2.0": (b"POST / HTTP/2.0", 505, "HTTP/2.0 is not supported: this server speaks HTTP/1.1"),
    "HTTP/3.0": (b"POST / HTTP/3.0", 505, "HTTP/3.0 is not supported: this server speaks HTTP/1.1"),
    "HTTP/0.9": (b"POST / HTTP/0.9", 505, "HTTP/0.9 is not supported: this server speaks HTTP/1.1"),
    "a two-word request line (HTTP/0.9)": (b"GET /", 505, "HTTP/0.9 is not supported"),
    "a version that isn't one": (b"POST / HTTP/x", 400, "Bad request version ('HTTP/x')"),
    "four words": (b"POST / HTTP/1.1 extra", 400, "Bad request"),
    "a method no handler has": (b"BREW / HTTP/1.1", 405, "Amazon Personalize requests are POSTs, not BREW"),
    "garbage": (b"\x16\x03\x01garbage", 400, "Bad request"),
}


@pytest.mark.parametrize("case", sorted(REQUEST_LINES))
def test_a_request_line_the_server_cant_serve_gets_a_4xx_or_505_with_the_services_error_shape(
    server: PersonalizeServer, case: str
) -> None:
    line, status, message = REQUEST_LINES[case]

    answer_status, body = _exchange(server, line + b"\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")

    assert answer_status == status
    assert 400 <= status < 500 or status == 505  # as SECURITY.md promises
    assert message in body["message"]
    assert body["__type"] in ("SerializationException", "UnknownOperationException")
    assert _exchange_ok(server)  # and it goes on serving


def _exchange_ok(server: PersonalizeServer) -> bool:
    port = int(server.endpoint_url.rsplit(":", 1)[1])
    request = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonPersonalize.ListDatasetGroups\r\n"
        b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.startswith(b"HTTP/1.1 200 ")
