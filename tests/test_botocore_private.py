"""The botocore internals the plugin leans on (pytest_personalize._botocore_private), checked where they live.

If a botocore release renames or reshapes one of them, these fail before any cassette is
recorded with a credential left in it.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pytest_personalize._botocore_private import intercept_sends, signing_credentials
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

    from botocore.httpsession import URLLib3Session

    assert list(inspect.signature(URLLib3Session.send).parameters) == ["self", "request"]


def test_every_clients_sends_reach_the_handler_until_the_undo() -> None:
    from botocore.httpsession import URLLib3Session

    original = URLLib3Session.__dict__["send"]
    seen: list[str] = []

    def handle(send: Any, request: Any) -> Any:
        seen.append(request.url)
        raise _Sent

    undo = intercept_sends(handle)
    try:
        with pytest.raises(_Sent):
            make_client("us-east-1").list_dataset_groups()
        with pytest.raises(_Sent):
            make_client("eu-west-1", "personalize-runtime").get_recommendations(campaignArn="arn:x", userId="u1")
    finally:
        undo()

    assert seen == [
        "https://personalize.us-east-1.amazonaws.com/",
        "https://personalize-runtime.eu-west-1.amazonaws.com/recommendations",
    ]
    assert URLLib3Session.__dict__["send"] is original


def test_the_undo_leaves_a_patch_made_over_ours_in_place() -> None:
    from botocore.httpsession import URLLib3Session

    original = URLLib3Session.__dict__["send"]
    undo = intercept_sends(lambda send, request: send(request))
    ours = URLLib3Session.__dict__["send"]

    def theirs(self: Any, request: Any) -> Any:
        return ours(self, request)

    URLLib3Session.send = theirs  # type: ignore[method-assign]
    try:
        undo()
        assert URLLib3Session.__dict__["send"] is theirs
    finally:
        URLLib3Session.send = original  # type: ignore[method-assign]
