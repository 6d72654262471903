"""The botocore internals the plugin leans on (pytest_personalize.seams.botocore), checked where they live.

If a botocore release renames or reshapes one of them, these fail before any cassette is
recorded with a credential left in it.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pytest_personalize._clients import make_client
from pytest_personalize.seams.botocore import intercept_sends, recorded_retry_sleeps, signing_credentials


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


def test_a_signer_patched_over_ours_keeps_its_place_after_the_block() -> None:
    from botocore.auth import SigV4Auth

    original = SigV4Auth.__dict__["add_auth"]
    try:
        with signing_credentials(lambda credentials: None):
            ours = SigV4Auth.__dict__["add_auth"]

            def theirs(signer: Any, request: Any) -> None:
                ours(signer, request)

            SigV4Auth.add_auth = theirs  # type: ignore[method-assign]
        assert SigV4Auth.__dict__["add_auth"] is theirs
    finally:
        SigV4Auth.add_auth = original  # type: ignore[method-assign]


def test_retries_record_their_back_off_instead_of_sleeping_until_the_block_ends() -> None:
    import botocore.endpoint

    original = botocore.endpoint.time  # type: ignore[attr-defined]
    record: list[float] = []
    with recorded_retry_sleeps(record):
        botocore.endpoint.time.sleep(2.5)  # type: ignore[attr-defined]
        assert botocore.endpoint.time.monotonic() > 0  # type: ignore[attr-defined]  # the rest is time's
    assert record == [2.5]
    assert botocore.endpoint.time is original  # type: ignore[attr-defined]


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


# --- client_state: what a lent client is checked against -------------------------------------


def _fresh() -> Any:
    from botocore.config import Config

    # The standard retry mode (the default of newer botocore releases, legacy on older ones such
    # as the lowest this supports) keeps a retry quota per client: set here, it is there on all.
    client = make_client("us-east-1", config=Config(retries={"mode": "standard"}))
    client.exceptions  # noqa: B018 -- loaded on first use, as the pool loads it before its baseline
    return client


def test_a_client_used_and_left_as_it_was_is_unchanged() -> None:
    from botocore.stub import Stubber

    from pytest_personalize.seams.botocore import client_state

    client = _fresh()
    state = client_state(client)
    assert state is not None
    for name in ("a", "b"):  # the second time through the quick comparison, not the walk
        with Stubber(client) as stubber:
            stubber.add_response("create_dataset_group", {"datasetGroupArn": "arn"}, {"name": name})
            client.create_dataset_group(name=name)
        client.get_paginator("list_dataset_groups")
        assert client.meta.partition == "aws"
        assert state.unchanged(client)


def _register(client: Any) -> None:
    client.meta.events.register("before-send.personalize", lambda **kwargs: None)


def _register_unique(client: Any) -> None:
    client.meta.events.register("before-call", lambda **kwargs: None, unique_id="left")


def _unregister_builtin(client: Any) -> None:
    from botocore.handlers import add_recursion_detection_header

    client.meta.events.unregister("before-call", add_recursion_detection_header)


def _patch_method(client: Any) -> None:
    client.create_dataset_group = lambda **kwargs: None


def _patch_class(client: Any) -> None:
    type(client).list_dataset_groups = lambda self, **kwargs: None


def _replace_session(client: Any) -> None:
    client._endpoint.http_session = object()


def _mutate_config(client: Any) -> None:
    client.meta.config.retries["max_attempts"] = 1


def _spend_retry_quota(client: Any) -> None:
    # A retry spends from the standard mode's quota; only a success gives it back.
    from botocore.retries.quota import RetryQuota

    quotas = [
        handler.__self__._quota
        for handler in client.meta.events._emitter._handlers.prefix_search("after-call.personalize")
        if isinstance(getattr(getattr(handler, "__self__", None), "_quota", None), RetryQuota)
    ]
    assert quotas
    assert quotas[0].acquire(5)


@pytest.mark.parametrize(
    "change",
    [
        _register,
        _register_unique,
        _unregister_builtin,
        _patch_method,
        _patch_class,
        _replace_session,
        _mutate_config,
        _spend_retry_quota,
    ],
)
@pytest.mark.parametrize("checked_before", [False, True], ids=["walk", "quick"])
def test_each_change_a_test_can_make_is_seen(change: Any, checked_before: bool) -> None:
    from pytest_personalize.seams.botocore import client_state

    client = _fresh()
    state = client_state(client)
    assert state is not None
    if checked_before:
        assert state.unchanged(client)  # records the quick comparison's shape
    change(client)
    assert not state.unchanged(client)


def test_what_client_state_relies_on_is_still_there() -> None:
    from botocore.hooks import EventAliaser, HierarchicalEmitter, NodeList
    from botocore.retries.quota import RetryQuota
    from botocore.retries.standard import RetryQuotaChecker

    client = _fresh()
    events = client.meta.events
    assert type(events) is EventAliaser
    emitter = events._emitter
    assert isinstance(emitter, HierarchicalEmitter)
    root = emitter._handlers._root
    assert set(root) == {"chunk", "children", "values"}
    node = root["children"]["before-call"]
    assert isinstance(node["values"], NodeList) and set(NodeList._fields) == {"first", "middle", "last"}
    assert isinstance(emitter._unique_id_handlers, dict) and emitter._unique_id_handlers
    assert client.meta.config.retries["mode"] == "standard"
    checkers = [
        handler.__self__
        for handler in emitter._handlers.prefix_search("after-call.personalize")
        if isinstance(getattr(handler, "__self__", None), RetryQuotaChecker)
    ]
    assert checkers and isinstance(checkers[0]._quota, RetryQuota)
    assert checkers[0]._quota.available_capacity == RetryQuota.INITIAL_CAPACITY
    assert client._endpoint.http_session is not None and client._request_signer is not None
    # The quick comparison's proof: a handler registered or unregistered replaces the lookup
    # cache, and emitting an event (which fills it) keeps it.
    cache = emitter._lookup_cache
    events.emit("no-handler-hangs-here.personalize")
    assert emitter._lookup_cache is cache and "no-handler-hangs-here.personalize" in cache
    events.register("before-call.personalize", _nothing)
    assert emitter._lookup_cache is not cache
    cache = emitter._lookup_cache
    events.unregister("before-call.personalize", _nothing)
    assert emitter._lookup_cache is not cache


def _nothing(**kwargs: Any) -> None:
    return None


def test_a_client_that_only_made_calls_since_the_last_check_is_unchanged() -> None:
    from botocore.stub import Stubber

    from pytest_personalize.seams.botocore import client_state

    client = _fresh()
    state = client_state(client)
    assert state is not None and state.unchanged(client)
    client.meta.events.emit("no-handler-hangs-here.personalize")
    assert state.unchanged(client)
    with Stubber(client) as stubber:  # registers and unregisters: compared list by list
        stubber.add_response("list_recipes", {"recipes": []})
        client.list_recipes()
    assert state.unchanged(client)
    client.meta.events.register("before-call.personalize", _nothing, unique_id="left")
    assert not state.unchanged(client)
