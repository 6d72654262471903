"""personalize_client as a downstream project sees it: one client lent test after test, never a leak."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

# Each inner module keeps the client each test got, in the order the tests ran: kept alive, no
# two of them can share an id.
_RECORD = """
SEEN = []

def _seen(client):
    SEEN.append(client)
    return client
"""


def test_tests_that_leave_the_client_as_they_found_it_share_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        _RECORD
        + textwrap.dedent(
            """
        import pytest
        from botocore.stub import Stubber

        def test_stubber(personalize_client, personalize_stubber):
            _seen(personalize_client)
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": "a"})
            personalize_client.create_dataset_group(name="a")

        def test_fake(personalize_client, personalize_fake):
            _seen(personalize_client)
            personalize_client.create_dataset_group(name="b")

        def test_botocore_stubber(personalize_client):
            _seen(personalize_client)
            with Stubber(personalize_client) as stubber:
                stubber.add_response("list_dataset_groups", {"datasetGroups": []})
                assert personalize_client.list_dataset_groups()["datasetGroups"] == []

        def test_handler_taken_away(personalize_client):
            _seen(personalize_client)
            handler = lambda **kwargs: None
            personalize_client.meta.events.register("before-call.personalize", handler)
            personalize_client.meta.events.unregister("before-call.personalize", handler)

        def test_patched_with_the_monkeypatch_fixture_requested_after(personalize_client, monkeypatch):
            _seen(personalize_client)
            monkeypatch.setattr(personalize_client, "create_dataset_group", lambda **kwargs: "patched")

        def test_last(personalize_client):
            _seen(personalize_client)
            assert len({id(client) for client in SEEN[:5]}) == 1
            # monkeypatch's undo puts the client back as it was on recent pytest releases, and the
            # client is lent again; older ones (7.0, the lowest supported) leave the bound method
            # in the client's dict, and a new client is lent. Either way the patch never reaches here.
            assert personalize_client.create_dataset_group.__name__ == "create_dataset_group"
        """
        )
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=6)


def test_a_client_a_test_changed_is_not_lent_again(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        _RECORD
        + textwrap.dedent(
            """
        import pytest

        def test_leaves_a_handler(personalize_client):
            _seen(personalize_client)
            def refuse(**kwargs):
                raise RuntimeError("the first test's handler")
            personalize_client.meta.events.register("before-call.personalize", refuse)

        def test_does_not_see_it(personalize_client, personalize_stubber):
            _seen(personalize_client)
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": "a"})
            personalize_client.create_dataset_group(name="a")

        def test_patches_a_method(personalize_client):
            _seen(personalize_client)
            personalize_client.create_dataset_group = lambda **kwargs: "patched"

        def test_has_the_real_method(personalize_client, personalize_stubber):
            _seen(personalize_client)
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": "b"})
            assert personalize_client.create_dataset_group(name="b")["datasetGroupArn"].endswith("/b")

        def test_patches_with_the_monkeypatch_fixture_requested_first(monkeypatch, personalize_client):
            _seen(personalize_client)
            monkeypatch.setattr(personalize_client, "create_dataset_group", lambda **kwargs: "patched")

        def test_changes_the_config(personalize_client):
            _seen(personalize_client)
            personalize_client.meta.config.retries["max_attempts"] = 1

        def test_has_the_config_as_built(personalize_client):
            _seen(personalize_client)
            assert "max_attempts" not in personalize_client.meta.config.retries

        def test_each_change_made_a_new_client():
            # 1, 2 new after 1; 3 = 2; 4 new after 3; 5 = 4; 6 new after 5 (the monkeypatch fixture
            # was still in place at the client's teardown); 7 new after 6.
            assert len({id(client) for client in SEEN}) == 5
            assert SEEN[0] is not SEEN[1] is SEEN[2] is not SEEN[3] is SEEN[4] is not SEEN[5] is not SEEN[6]
        """
        )
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=8)


def test_retries_a_test_spent_do_not_reach_the_next_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore's standard retry mode keeps a retry quota per client: a retry spends some, and
    # only a success gives it back. A test whose calls failed after retries leaves it short.
    # Standard is the default of newer botocore releases; set, it is the mode on older ones too.
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    pytester.makepyfile(
        _RECORD
        + textwrap.dedent(
            """
        import pytest

        def test_spends_retries(personalize_client, personalize_fake):
            _seen(personalize_client)
            personalize_fake.fail_next("CreateDatasetGroup", "LimitExceededException", times=3)
            with pytest.raises(personalize_client.exceptions.LimitExceededException) as raised:
                personalize_client.create_dataset_group(name="a")
            assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2

        def test_retries_as_a_new_client_does(personalize_client, personalize_fake):
            _seen(personalize_client)
            personalize_fake.fail_next("CreateDatasetGroup", "LimitExceededException", times=2)
            response = personalize_client.create_dataset_group(name="b")
            assert response["ResponseMetadata"]["RetryAttempts"] == 2
            assert SEEN[0] is not SEEN[1]
        """
        )
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_client_lent_while_a_fake_is_active_is_answered_by_it(pytester: pytest.Pytester) -> None:
    # Asked for by name inside the test, after the fake became active: as a client made then.
    pytester.makepyfile(
        """
        from botocore.awsrequest import AWSResponse

        LENT = []

        def test_warm(personalize_client):
            LENT.append(personalize_client)

        def test_asks_late(request, personalize_fake):
            client = request.getfixturevalue("personalize_client")
            client.create_dataset_group(name="late")
            assert [group["name"] for group in personalize_fake.dataset_groups()] == ["late"]
            LENT.append(client)

        def test_with_no_fake_the_wiring_answers_nothing(personalize_client):
            class Raw:
                def stream(self, **kwargs):
                    yield b'{"datasetGroups": []}'

            def network(request, **kwargs):
                return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, Raw())

            personalize_client.meta.events.register("before-send.personalize", network, unique_id="network")
            try:
                assert personalize_client.list_dataset_groups()["datasetGroups"] == []
            finally:
                personalize_client.meta.events.unregister("before-send.personalize", unique_id="network")
            # The one lent before: the late one was built in the fake's environment, keyed apart.
            assert LENT[0] is personalize_client
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_the_environment_botocore_reads_gets_its_own_client(pytester: pytest.Pytester) -> None:
    # AWS_ENDPOINT_URL_PERSONALIZE is read when a client is built: a test that sets it gets a
    # client built with it, and the next test one without it.
    pytester.makepyfile(
        """
        import pytest

        def test_default(personalize_client):
            assert personalize_client.meta.endpoint_url == "https://personalize.us-east-1.amazonaws.com"

        @pytest.fixture
        def local_endpoint(monkeypatch):
            monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", "http://127.0.0.1:9")

        def test_local(local_endpoint, personalize_client):
            assert personalize_client.meta.endpoint_url == "http://127.0.0.1:9"

        def test_default_again(personalize_client):
            assert personalize_client.meta.endpoint_url == "https://personalize.us-east-1.amazonaws.com"
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_no_leak_across_xdist_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_leaves_a_handler_behind(personalize_client, personalize_stubber, n):
            assert not personalize_client.meta.events._emitter._unique_id_handlers.get("left-behind")
            personalize_client.meta.events.register("before-call.personalize", lambda **kw: None, unique_id="left-behind")
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": f"g{n}"})
            personalize_client.create_dataset_group(name=f"g{n}")
        """
    )
    pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly").assert_outcomes(passed=8)


def test_runtime_and_events_clients_are_lent_the_same_way(pytester: pytest.Pytester) -> None:
    # The fake wires both at the test's start and takes its handler off at the end: the clients go back.
    pytester.makepyfile(
        """
        SEEN = []

        def test_first(personalize_runtime_client, personalize_events_client, personalize_fake):
            SEEN.append((personalize_runtime_client, personalize_events_client))

        def test_second(personalize_runtime_client, personalize_events_client, personalize_fake):
            SEEN.append((personalize_runtime_client, personalize_events_client))
            assert SEEN[0][0] is SEEN[1][0] and SEEN[0][1] is SEEN[1][1]
            assert SEEN[0][0].meta.service_model.service_name == "personalize-runtime"
            assert SEEN[0][1].meta.service_model.service_name == "personalize-events"
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
