"""What every mode reads off a request besides its members: which API and operation, signed or not, the
SigV4 scope, loopback, header values as text; and where the wire sits among the package's layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_personalize.wire import requests as _wire


@pytest.mark.parametrize(
    ("authorization", "scope"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=testing/20240101/eu-west-1/personalize/aws4_request, "
            "SignedHeaders=host, Signature=00",
            ("testing", "eu-west-1", "personalize"),
        ),
        ("AWS4-HMAC-SHA256 Credential=/20240101/us-east-1/s3/aws4_request", ("", "us-east-1", "s3")),
        # Not a SigV4 scope: a date of the wrong length, no service, another scheme, nothing.
        ("AWS4-HMAC-SHA256 Credential=k/2024011/us-east-1/personalize/aws4_request", None),
        ("AWS4-HMAC-SHA256 Credential=k/20240101/us-east-1/aws4_request", None),
        ("Bearer token", None),
        (None, None),
    ],
)
def test_the_credential_scope_is_read_whole_or_not_at_all(authorization: str | None, scope: object) -> None:
    assert _wire.credential_scope(authorization) == scope


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/x-amz-json-1.1", "application/x-amz-json-1.1"),
        (b"AmazonPersonalize.ListDatasetGroups", "AmazonPersonalize.ListDatasetGroups"),
        (bytearray(b"abc"), "abc"),
        # http.client's putheader keeps the values it was given as a tuple.
        ((b"a",), "a"),
        ((b"a", "b", 3), "a, b, 3"),
        # Shown, never sent: a byte that isn't UTF-8 is replaced, not an exception.
        (b"caf\xe9", "caf\ufffd"),
        (None, None),
    ],
)
def test_header_values_and_bodies_as_text(value: object, expected: str | None) -> None:
    assert _wire.text(value) == expected  # type: ignore[arg-type]


# --- the credential scope: one reader, two answers ---------------------------------------------

SCOPES = [
    "AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/personalize/aws4_request, SignedHeaders=host",
    "AWS4-HMAC-SHA256 Credential=k/2024011/eu-west-1/personalize/aws4_request",
    "AWS4-HMAC-SHA256 Credential=k/20240101//personalize/aws4_request",
    "AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/personalize/aws5_request",
    "AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/personalize",
    "AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/personalize/aws4_request/more",
    "AWS4-HMAC-SHA256 SignedHeaders=host",
    "Bearer token",
]


@pytest.mark.parametrize("authorization", SCOPES)
def test_a_scope_is_read_exactly_when_the_service_would_accept_its_form(authorization: str) -> None:
    # The emulator takes its region from a scope only if the server would not refuse the scope.
    assert (_wire.credential_scope(authorization) is None) is (_wire.credential_problem(authorization) is not None)


@pytest.mark.parametrize(
    ("authorization", "code", "status"),
    [
        ("Bearer token", "IncompleteSignatureException", 400),
        ("AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/personalize", "IncompleteSignatureException", 400),
        ("AWS4-HMAC-SHA256 Credential=k/2024011/eu-west-1/personalize/aws4_request", "InvalidSignatureException", 403),
        ("AWS4-HMAC-SHA256 Credential=k/20240101/eu-west-1/s3/aws4_request", "InvalidSignatureException", 403),
    ],
)
def test_a_malformed_scope_gets_the_services_error(authorization: str, code: str, status: int) -> None:
    problem = _wire.credential_problem(authorization)

    assert problem is not None and (problem.code, problem.status) == (code, status)


def test_an_unsigned_request_has_no_credential_problem() -> None:
    assert _wire.credential_problem(None) is None


# --- what the wire knows without loading a model, held to the installed models ----------------


def test_the_target_prefix_and_signing_name_are_the_models() -> None:
    from pytest_personalize.model import spec as _spec

    assert _spec.target_prefix() == _wire.TARGET_PREFIX
    assert {_spec.service_model(api).signing_name for api in _spec.SERVICE_NAMES} == {_wire.SIGNING_NAME}
    assert (_wire.CONTROL_PLANE, _wire.RUNTIME, _wire.EVENTS) == _spec.SERVICE_NAMES


# --- loopback ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:4566/", True),
        ("http://127.8.9.10/", True),
        ("http://localhost:4566", True),
        ("http://LOCALHOST.localdomain/", True),
        ("http://[::1]:4566/", True),
        ("https://personalize.us-east-1.amazonaws.com/", False),
        ("http://10.0.0.1/", False),
        ("http://localhost.example/", False),
        ("/recommendations", False),
    ],
)
def test_loopback_is_this_machine_only(url: str, local: bool) -> None:
    assert _wire.is_loopback(url) is local


# --- which request is this ---------------------------------------------------------------------

SIGNED = (
    "AWS4-HMAC-SHA256 Credential=SCRUBBED/20240101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
)
TARGET = "AmazonPersonalize.ListDatasetGroups"


@pytest.mark.parametrize(
    ("url", "method", "headers", "expected"),
    [
        # Signed: the scope says whose it is, at any endpoint; another service's never is.
        (
            "http://127.0.0.1:4566/",
            "POST",
            {"Authorization": SIGNED.format(region="eu-west-1", service="personalize"), "X-Amz-Target": TARGET},
            ("personalize", "ListDatasetGroups", True, "eu-west-1"),
        ),
        (
            "http://127.0.0.1:4566/recommendations",
            "POST",
            {"Authorization": SIGNED.format(region="eu-west-1", service="personalize")},
            ("personalize-runtime", "GetRecommendations", True, "eu-west-1"),
        ),
        (
            "http://127.0.0.1:4566/bucket/key",
            "PUT",
            {"Authorization": SIGNED.format(region="us-east-1", service="s3")},
            (None, None, True, "us-east-1"),
        ),
        (
            "https://personalize.us-east-1.amazonaws.com/",
            "POST",
            {"Authorization": SIGNED.format(region="us-east-1", service="sts"), "X-Amz-Target": TARGET},
            (None, None, True, "us-east-1"),
        ),
        # Unsigned: by the AWS host (which names the region), the target, or a loopback REST path.
        (
            "https://personalize.eu-west-2.amazonaws.com/",
            "POST",
            {"X-Amz-Target": TARGET.encode()},
            ("personalize", "ListDatasetGroups", False, "eu-west-2"),
        ),
        (
            "https://personalize-runtime.eu-west-1.amazonaws.com/recommendations",
            "POST",
            {},
            ("personalize-runtime", "GetRecommendations", False, "eu-west-1"),
        ),
        (
            "https://personalize-events.cn-north-1.amazonaws.com.cn/events",
            "POST",
            {},
            ("personalize-events", "PutEvents", False, "cn-north-1"),
        ),
        (
            "https://personalize-events.us-east-1.amazonaws.com/nothing-here",
            "POST",
            {},
            ("personalize-events", None, False, "us-east-1"),
        ),
        ("http://127.0.0.1:4566/", "POST", {"X-Amz-Target": TARGET}, ("personalize", "ListDatasetGroups", False, None)),
        ("http://127.0.0.1:4566/events", "POST", {}, ("personalize-events", "PutEvents", False, None)),
        ("http://127.0.0.1:4566/nothing-here", "POST", {}, (None, None, False, None)),
        ("https://example.com/events", "POST", {}, (None, None, False, None)),
        ("https://s3.us-east-1.amazonaws.com/bucket", "GET", {}, (None, None, False, None)),
        ("http://127.0.0.1:4566/", "POST", {"X-Amz-Target": "DynamoDB_20120810.ListTables"}, (None, None, False, None)),
    ],
)
def test_a_request_is_classified_signed_or_not(
    url: str, method: str, headers: dict[str, object], expected: tuple[object, ...]
) -> None:
    route = _wire.classify(method, url, headers)

    assert (route.api, route.operation, route.signed, route.region) == expected


def test_an_unknown_control_plane_target_is_personalizes_but_no_operation_of_the_model() -> None:
    route = _wire.classify("POST", "http://127.0.0.1:4566/", {"X-Amz-Target": "AmazonPersonalize.DescribeNothing"})

    assert (route.api, route.operation) == ("personalize", "DescribeNothing")
    assert _wire.operation_of("POST", "/", "AmazonPersonalize.DescribeNothing") is None
    assert _wire.operation_of("POST", "/", TARGET) == "ListDatasetGroups"
    assert _wire.display_name("POST", "/nothing-here", None) == "POST /nothing-here"


def _prepared(service: str, call: str, params: dict[str, object], **config: object) -> object:
    """The request a real botocore client of ``service`` would send for ``call``: caught before it is sent."""
    from botocore.config import Config

    from pytest_personalize._clients import make_client

    class Sent(Exception):
        pass

    def catch(request: object, **kwargs: object) -> None:
        raise Sent(request)

    client = make_client("eu-west-1", service, config=Config(**config))  # type: ignore[arg-type]
    client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", catch)
    with pytest.raises(Sent) as sent:
        getattr(client, call)(**params)
    return sent.value.args[0]


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize(
    ("service", "call", "params", "api", "operation"),
    [
        ("personalize", "list_dataset_groups", {}, "personalize", "ListDatasetGroups"),
        (
            "personalize-runtime",
            "get_recommendations",
            {"campaignArn": "arn:aws:personalize:eu-west-1:123456789012:campaign/c", "userId": "u1"},
            "personalize-runtime",
            "GetRecommendations",
        ),
        (
            "personalize-events",
            "put_users",
            {"datasetArn": "d", "users": [{"userId": "u1"}]},
            "personalize-events",
            "PutUsers",
        ),
    ],
)
def test_a_botocore_clients_requests_are_classified_whether_signed_or_not(
    signed: bool, service: str, call: str, params: dict[str, object], api: str, operation: str
) -> None:
    import botocore

    config = {} if signed else {"signature_version": botocore.UNSIGNED}
    request: Any = _prepared(service, call, params, **config)

    route = _wire.classify(request.method, request.url, request.headers)

    assert (route.api, route.operation, route.signed, route.region) == (api, operation, signed, "eu-west-1")


# --- where the wire sits -------------------------------------------------------------------------


def _imports(path: Path, *, module_level_only: bool = False) -> set[str]:
    """The package modules ``path`` imports (relative imports resolved), at module level or anywhere."""
    import ast

    package = PACKAGE.name + "." + ".".join(path.relative_to(PACKAGE).parent.parts)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks count: mypy follows them
            nodes.extend(node.body)
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rstrip(".").split(".")[: len(package.rstrip(".").split(".")) - node.level + 1]
            stem = ".".join([*base, node.module] if node.module else base)
            found.update({stem} | {f"{stem}.{alias.name}" for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith(PACKAGE.name)}


PACKAGE = Path(__file__).resolve().parents[2] / "pytest_personalize"


@pytest.mark.parametrize("module", sorted(p.name for p in (PACKAGE / "wire").glob("*.py")))
def test_the_wire_imports_only_the_model_beneath_it(module: str) -> None:
    above = ("stub", "emulator", "recording", "plugin", "_clients", "_answering", "seams")
    imported = _imports(PACKAGE / "wire" / module)

    assert not {name for name in imported if set(name.split(".")[1:2]) & set(above)}


def test_the_cassette_and_its_transport_import_each_other_at_most_one_way_and_only_when_used() -> None:
    recording = PACKAGE / "recording"

    assert "pytest_personalize.recording.cassette" not in _imports(recording / "transport.py")
    assert "pytest_personalize.recording.transport" not in _imports(recording / "cassette.py", module_level_only=True)
