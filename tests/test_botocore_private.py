"""The botocore internals the plugin leans on (pytest_personalize._botocore_private), checked where they live.

If a botocore release renames or reshapes one of them, these fail before any cassette is
recorded with a credential left in it.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pytest_personalize._botocore_private import signing_credentials
from pytest_personalize._clients import make_client


class _Sent(Exception):
    """Raised from before-send: the request was signed, and goes no further."""


def _stop_before_sending(client: Any) -> None:
    def stop(**kwargs: Any) -> None:
        raise _Sent

    client.meta.events.register("before-send.personalize", stop)


def test_signing_reports_the_credentials_of_every_client_in_the_block() -> None:
    seen: list[tuple[str, str, str | None]] = []
    client = make_client("us-east-1", aws_access_key_id="adapterkeyid", aws_secret_access_key="adaptersecret")
    other = make_client("eu-west-1", aws_session_token="adaptertoken")
    _stop_before_sending(client)
    _stop_before_sending(other)

    def record(credentials: Any) -> None:
        seen.append((credentials.access_key, credentials.secret_key, credentials.token))

    with signing_credentials(record):
        with pytest.raises(_Sent):
            client.list_dataset_groups()
        with pytest.raises(_Sent):
            other.list_dataset_groups()
    with pytest.raises(_Sent):
        client.list_dataset_groups()  # after the block: signed, not reported

    assert seen == [("adapterkeyid", "adaptersecret", None), ("testing", "testing", "adaptertoken")]


def test_the_signer_is_restored_even_when_the_block_fails() -> None:
    from botocore.auth import SigV4Auth

    original = SigV4Auth.add_auth
    with pytest.raises(RuntimeError), signing_credentials(lambda credentials: None):
        assert SigV4Auth.add_auth is not original
        raise RuntimeError
    assert SigV4Auth.add_auth is original


def test_what_the_adapter_relies_on_is_still_there() -> None:
    from botocore.auth import SigV4Auth
    from botocore.credentials import Credentials

    assert list(inspect.signature(SigV4Auth.add_auth).parameters) == ["self", "request"]
    signer = SigV4Auth(Credentials("k", "s", "t").get_frozen_credentials(), "personalize", "us-east-1")
    credentials = signer.credentials
    assert (credentials.access_key, credentials.secret_key, credentials.token) == ("k", "s", "t")
