"""The client pool behind personalize_client (pytest_personalize._clients.lent_client)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pytest_personalize import _clients


def _lend_twice(**options: Any) -> tuple[Any, Any]:
    with _clients.lent_client("personalize", "eu-west-1", **options) as first:
        pass
    with _clients.lent_client("personalize", "eu-west-1", **options) as second:
        pass
    return first, second


def test_a_returned_client_is_lent_again() -> None:
    first, second = _lend_twice()
    assert first is second


def test_a_client_is_lent_to_one_holder_at_a_time() -> None:
    with (
        _clients.lent_client("personalize", "eu-west-1") as first,
        _clients.lent_client("personalize", "eu-west-1") as second,
    ):
        assert first is not second


def test_threads_each_get_their_own_client() -> None:
    held: list[Any] = []
    barrier = threading.Barrier(4)

    def hold() -> None:
        with _clients.lent_client("personalize", "eu-west-1") as client:
            held.append(client)
            barrier.wait(timeout=30)  # all four hold theirs at once

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len({id(client) for client in held}) == 4


def test_adaptive_retries_are_never_kept() -> None:
    # The adaptive mode's client-side rate limiter measures time: its state can't be checked.
    from botocore.config import Config

    first, second = _lend_twice(config=Config(retries={"mode": "adaptive"}))
    assert first is not second


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"endpoint_url": "http://127.0.0.1:9"}),
        ({"config": None}, {"config": "max_attempts"}),
    ],
    ids=["endpoint", "config"],
)
def test_clients_built_differently_are_not_mixed(first: dict[str, Any], second: dict[str, Any]) -> None:
    from botocore.config import Config

    def options(given: dict[str, Any]) -> dict[str, Any]:
        if given.get("config") == "max_attempts":
            return {"config": Config(retries={"max_attempts": 1})}
        return given

    with _clients.lent_client("personalize", "eu-west-1", **options(first)) as one:
        pass
    with _clients.lent_client("personalize", "eu-west-1", **options(second)) as other:
        assert other is not one
        assert (other.meta.endpoint_url, other.meta.config.retries) != (one.meta.endpoint_url, one.meta.config.retries)


def test_the_environment_botocore_reads_keys_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    with _clients.lent_client("personalize", "eu-west-1") as plain:
        pass
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    with _clients.lent_client("personalize", "eu-west-1") as configured:
        assert configured is not plain
        assert configured.meta.config.retries.get("total_max_attempts") == 7
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "other")  # given explicitly to every lent client: no new one
    with _clients.lent_client("personalize", "eu-west-1") as same:
        assert same is configured


def test_other_services_are_lent_the_same_way() -> None:
    with _clients.lent_client("personalize-runtime", "eu-west-1") as first:
        assert first.meta.service_model.service_name == "personalize-runtime"
    with _clients.lent_client("personalize-runtime", "eu-west-1") as second:
        assert second is first


def test_the_pool_keeps_a_bounded_number_of_idle_clients() -> None:
    for port in range(1, _clients._MAX_IDLE + 5):
        with _clients.lent_client("personalize", "eu-west-1", endpoint_url=f"http://127.0.0.1:{port}"):
            pass
    assert sum(len(waiting) for waiting in _clients._idle.values()) <= _clients._MAX_IDLE


def test_lending_off_builds_a_client_for_each_holder_and_keeps_none() -> None:
    idle = sum(len(waiting) for waiting in _clients._idle.values())
    with _clients.lent_client("personalize", "eu-west-1", lend=False) as first:
        pass
    with _clients.lent_client("personalize", "eu-west-1", lend=False) as second:
        assert second is not first
    assert sum(len(waiting) for waiting in _clients._idle.values()) == idle


def test_the_ini_key_turns_lending_off_for_every_client_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_lend_clients = false\n")
    pytester.makepyfile(
        """
        SEEN = []

        def test_first(personalize_client, personalize_runtime_client, personalize_events_client):
            SEEN.append((personalize_client, personalize_runtime_client, personalize_events_client))

        def test_second(personalize_client, personalize_runtime_client, personalize_events_client, personalize_fake):
            SEEN.append((personalize_client, personalize_runtime_client, personalize_events_client))
            personalize_client.create_dataset_group(name="answered")  # a client of its own is wired all the same
            assert personalize_fake.dataset_groups()[0]["name"] == "answered"

        def test_none_was_lent_again():
            (first, second) = SEEN
            assert all(one is not other for one, other in zip(first, second))
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
