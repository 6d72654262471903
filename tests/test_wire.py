"""What every mode reads off a request besides its members: the SigV4 scope, header values as text."""

from __future__ import annotations

import pytest

from pytest_personalize.model import wire as _wire


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
