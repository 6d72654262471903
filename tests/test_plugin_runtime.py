"""personalize-runtime and personalize-events as a downstream project sees them (pytester)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Imported here, in the outer process: pytester's in-process runs would otherwise import yaml
# afresh each run, and its C loader doesn't survive that.
from pytest_personalize.recording.check import check_paths
from pytest_personalize.recording.file import load

pytest_plugins = ["pytester"]


def test_runtime_and_events_stubbers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        CAMPAIGN = "arn:aws:personalize:eu-west-1:123456789012:campaign/shop-recs"

        def test_recommendations(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response(
                "get_recommendations",
                expected_params={"campaignArn": CAMPAIGN, "userId": "u1"},
                itemList=[{"itemId": "i3"}, {"itemId": "i1"}],
            )
            answer = personalize_runtime_client.get_recommendations(campaignArn=CAMPAIGN, userId="u1")
            assert [item["itemId"] for item in answer["itemList"]] == ["i3", "i1"]
            assert personalize_runtime_client.meta.region_name == "eu-west-1"

        def test_missing_campaign(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_error("get_recommendations", "ResourceNotFoundException")
            with pytest.raises(personalize_runtime_client.exceptions.ResourceNotFoundException) as raised:
                personalize_runtime_client.get_recommendations(campaignArn=CAMPAIGN, userId="u1")
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
            assert raised.value.response["Error"]["Message"] == f"The given campaign does not exist: {CAMPAIGN}"

        def test_events(personalize_events_client, personalize_events_stubber):
            personalize_events_stubber.add_response("put_events")
            personalize_events_client.put_events(
                trackingId="t-1", sessionId="s-1", eventList=[{"eventType": "click", "sentAt": 1700000000}]
            )

        def test_wrong_api(personalize_events_stubber):
            personalize_events_stubber.add_response("get_recommendations")
        """
    )
    result = pytester.runpytest("-o", "personalize_region=eu-west-1")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["*'get_recommendations' is an operation of Amazon Personalize Runtime, not of Amazon Personalize Events*"]
    )


def test_an_unused_runtime_answer_fails_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_forgets(personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_personalized_ranking")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*1 queued Personalize answer was never used:", "*GetPersonalizedRanking -> response*"]
    )


# --- a downstream recommendation-serving module, in every mode ----------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def shop_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project holding the examples' serving and events modules, as a downstream project would."""
    for module in ("personalize_recommendations", "personalize_events"):
        pytester.makepyfile(**{module: (EXAMPLES / f"{module}.py").read_text()})
    pytester.syspathinsert()
    return pytester


def test_the_shelf_with_queued_answers(shop_project: pytest.Pytester) -> None:
    shop_project.makepyfile(
        test_shelf="""
        from personalize_recommendations import recommended_for_you

        CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"

        def test_recommended(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_recommendations", itemList=[{"itemId": "i3"}])
            shelf = recommended_for_you("u1", campaign_arn=CAMPAIGN, client=personalize_runtime_client)
            assert shelf.item_ids == ["i3"] and shelf.personalized

        def test_fallback(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_error("get_recommendations", "ResourceNotFoundException")
            shelf = recommended_for_you("u1", campaign_arn=CAMPAIGN, client=personalize_runtime_client)
            assert shelf.title == "Bestsellers" and not shelf.personalized

        def test_a_user_id_too_long_is_refused_not_answered(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_recommendations")
            recommended_for_you("u" * 257, campaign_arn=CAMPAIGN, client=personalize_runtime_client)
        """
    )
    result = shop_project.runpytest()
    # The refused request raised InvalidInputException, which the shelf doesn't catch.
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*InvalidInputException*userId*less than or equal to 256*"])


def test_the_shelf_on_the_fake(shop_project: pytest.Pytester) -> None:
    shop_project.makepyfile(
        test_shelf="""
        from personalize_recommendations import recommended_for_you

        def test_declared(personalize_fake):
            campaign = personalize_fake.deploy_campaign("shop-recs")
            personalize_fake.declare(campaign, user_id="u1", items=["i3", "i1"])
            assert recommended_for_you("u1", campaign_arn=campaign).item_ids == ["i3", "i1"]
            assert recommended_for_you("u2", campaign_arn=campaign).title == "Bestsellers"

        def test_missing_campaign(personalize_fake):
            shelf = recommended_for_you("u1", campaign_arn="arn:aws:personalize:eu-west-1:123456789012:campaign/x")
            assert shelf.title == "Bestsellers"
            assert personalize_fake.calls[0].error == "ResourceNotFoundException"

        def test_unevaluable_filter_fails_even_though_the_code_falls_back(personalize_fake, personalize_client):
            campaign = personalize_fake.deploy_campaign("shop-recs")
            personalize_fake.set_lifecycle("instant")
            group = personalize_client.describe_solution_version(
                solutionVersionArn=personalize_client.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
            )["solutionVersion"]["datasetGroupArn"]
            by_age = personalize_client.create_filter(
                name="adults", datasetGroupArn=group, filterExpression='INCLUDE ItemID WHERE Users.AGE IN ("30")'
            )["filterArn"]
            personalize_fake.declare(campaign, items=["i1"])
            try:
                recommended_for_you("u1", campaign_arn=campaign, filter_arn=by_age)
            except Exception:
                pass  # code under test that swallows the error must still not pass
        """
    )
    result = shop_project.runpytest("-o", "personalize_region=eu-west-1")
    # The third test's call passed (the code fell back); its teardown fails it.
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*personalize_fake couldn't evaluate 1 runtime request(s)*Users conditions*"])


def test_the_shelf_records_against_the_server_and_replays_offline(shop_project: pytest.Pytester) -> None:
    shop_project.makepyfile(
        test_shelf="""
        import pytest
        from personalize_recommendations import recommended_for_you

        CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"

        @pytest.fixture
        def upstream(request, personalize_record_mode):
            # While recording: the loopback server stands in for AWS. Replaying: nothing.
            if personalize_record_mode != "none":
                server = request.getfixturevalue("personalize_server")
                assert server.backend.deploy_campaign("shop-recs") == CAMPAIGN
                server.backend.declare(CAMPAIGN, user_id="u1", items=["i3", "i1"])

        @pytest.mark.personalize_cassette
        def test_shelf(upstream):
            assert recommended_for_you("u1", campaign_arn=CAMPAIGN).item_ids == ["i3", "i1"]
            assert recommended_for_you("u1", campaign_arn=CAMPAIGN.replace("shop-recs", "gone")).title == "Bestsellers"
        """
    )
    shop_project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    interactions = load(shop_project.path / "cassettes" / "test_shelf" / "test_shelf.yaml")
    assert [(request.method, request.path) for request, _ in interactions] == [("POST", "/recommendations")] * 2
    assert [response["status"]["code"] for _, response in interactions] == [200, 404]
    assert interactions[1][1]["headers"]["x-amzn-ErrorType"] == ["ResourceNotFoundException"]
    assert all(request.host == "127.0.0.1" for request, _ in interactions)
    # The recorded runtime traffic conforms to the runtime model, its 404 included.
    report = check_paths([shop_project.path / "cassettes"])
    assert report.interactions == 2 and report.clean, report.render()

    # Replay: no server, no credentials; the 404 comes back as ResourceNotFoundException.
    replayed = shop_project.runpytest("-p", "no:randomly")
    replayed.assert_outcomes(passed=1)


def test_recording_with_only_the_control_planes_loopback_variable_keeps_runtime_calls_on_loopback(
    shop_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_personalize import PersonalizeServer

    shop_project.makepyfile(
        test_shelf="""
        import pytest
        from personalize_recommendations import recommended_for_you

        @pytest.mark.personalize_cassette
        def test_missing_campaign_falls_back():
            shelf = recommended_for_you("u1", campaign_arn="arn:aws:personalize:us-east-1:123456789012:campaign/gone")
            assert shelf.title == "Bestsellers"
        """
    )
    with PersonalizeServer() as server:
        # As the docs' by-hand recording sets it: the control plane's variable only.
        monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", server.endpoint_url)
        for variable in ("AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME", "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS"):
            monkeypatch.delenv(variable, raising=False)
        shop_project.runpytest("--personalize-record-mode=all").assert_outcomes(passed=1)
        served = [call.operation for call in server.backend.calls]

    ((request, response),) = load(
        shop_project.path / "cassettes" / "test_shelf" / "test_missing_campaign_falls_back.yaml"
    )
    assert (request.host, request.path, response["status"]["code"]) == ("127.0.0.1", "/recommendations", 404)
    assert served == ["GetRecommendations"]


def test_the_events_module_with_schema_violations(shop_project: pytest.Pytester) -> None:
    shop_project.makepyfile(
        test_catalogue="""
        import json
        import pytest
        from personalize_events import CatalogError, Product, add_products

        SCHEMA = {
            "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema",
            "fields": [
                {"name": "ITEM_ID", "type": "string"},
                {"name": "GENRE", "type": "string", "categorical": True},
                {"name": "PRICE", "type": ["null", "float"]},
            ],
            "version": "1.0",
        }

        @pytest.fixture
        def dataset(personalize_fake, personalize_client):
            personalize_fake.set_lifecycle("instant")
            group = personalize_client.create_dataset_group(name="shop")["datasetGroupArn"]
            schema = personalize_client.create_schema(name="items", schema=json.dumps(SCHEMA))["schemaArn"]
            return personalize_client.create_dataset(
                name="items", datasetGroupArn=group, datasetType="Items", schemaArn=schema
            )["datasetArn"]

        def test_added(personalize_fake, dataset):
            assert add_products([Product("p1", genre="hats", price=9.5)], dataset_arn=dataset) == 1
            assert personalize_fake.items() == [
                {"itemId": "p1", "properties": {"genre": "hats", "price": 9.5}, "datasetArn": dataset}
            ]

        @pytest.mark.parametrize("price", ["cheap", True])
        def test_wrong_type(dataset, price):
            with pytest.raises(CatalogError, match="is not a number"):
                add_products([Product("p1", genre="hats", price=price)], dataset_arn=dataset)

        def test_not_ready(personalize_fake, dataset):
            personalize_fake.fail_next("put_items", "ResourceInUseException")
            with pytest.raises(Exception) as raised:
                add_products([Product("p1", genre="hats")], dataset_arn=dataset)
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        """
    )
    shop_project.runpytest().assert_outcomes(passed=4)


# --- the service's limits on what a runtime request asks for, and what its answer holds -------

RESULT_LIMITS_SUITE = """
import pytest

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"
ITEMS = [f"i{n}" for n in range(501)]
METADATA = {"ITEMS": ["GENRE"]}
RECIPES = {
    "get_recommendations": "aws-user-personalization",
    "get_action_recommendations": "aws-next-best-action",
    "get_personalized_ranking": "aws-personalized-ranking",
}
REFUSED = [
    ("get_recommendations", {"numResults": 501}, "numResults is 501: GetRecommendations returns at most 500 results."),
    (
        "get_recommendations",
        {"numResults": 51, "metadataColumns": METADATA},
        "numResults is 51: GetRecommendations returns at most 50 results when metadataColumns is given.",
    ),
    (
        "get_action_recommendations",
        {"numResults": 101},
        "numResults is 101: GetActionRecommendations returns at most 100 results.",
    ),
    ("get_personalized_ranking", {"inputList": ITEMS}, "inputList has 501 items: at most 500 can be ranked."),
    (
        "get_personalized_ranking",
        {"inputList": ITEMS[:51], "metadataColumns": METADATA},
        "inputList has 51 items: at most 50 can be ranked when metadataColumns is given.",
    ),
]


@pytest.fixture(params=["stubber", "fake"])
def campaign_for(request):
    # Made before the client: the fake answers the clients created while it is active.
    if request.param == "stubber":
        request.getfixturevalue("personalize_runtime_stubber")  # nothing queued: the stubber answers alone
        return lambda method: CAMPAIGN
    fake = request.getfixturevalue("personalize_fake")
    # An ACTIVE campaign of the right recipe: only the limit can refuse the request.
    return lambda method: fake.deploy_campaign(method.replace("_", "-"), recipe=RECIPES[method])


@pytest.mark.parametrize(("method", "params", "message"), REFUSED)
def test_refused(campaign_for, personalize_runtime_client, method, params, message):
    client = personalize_runtime_client
    with pytest.raises(client.exceptions.InvalidInputException) as raised:
        getattr(client, method)(campaignArn=campaign_for(method), userId="u1", **params)
    assert raised.value.response["Error"]["Message"] == message
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("get_recommendations", {"numResults": 500}),
        ("get_action_recommendations", {"numResults": 100}),
        ("get_personalized_ranking", {"inputList": ITEMS[:500]}),
    ],
)
def test_the_limit_itself_is_answered(campaign_for, personalize_runtime_client, request, method, params):
    if "personalize_runtime_stubber" in request.fixturenames:
        request.getfixturevalue("personalize_runtime_stubber").add_response(method)
    answer = getattr(personalize_runtime_client, method)(campaignArn=campaign_for(method), userId="u1", **params)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
"""


def test_result_limits_are_refused_the_same_way_by_the_stubber_and_the_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_limits=RESULT_LIMITS_SUITE)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=16)
    result.stdout.fnmatch_lines(["*test_refused*stubber*PASSED*", "*test_refused*fake*PASSED*"])


def test_a_queued_answer_to_a_request_past_a_limit_is_reported_unused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"

        def test_asks_for_too_many(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_recommendations", itemList=[{"itemId": "i1"}])
            with pytest.raises(personalize_runtime_client.exceptions.InvalidInputException):
                personalize_runtime_client.get_recommendations(campaignArn=CAMPAIGN, userId="u1", numResults=600)
        """
    )
    result = pytester.runpytest()
    # The call got the service's error, not the queued success; the teardown says so.
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*GetRecommendations -> response*",
            "*not used: the service refuses the request the code sent: InvalidInputException: "
            "numResults is 600: GetRecommendations returns at most 500 results.",
        ]
    )


def test_a_queued_runtime_answer_is_checked_against_the_request_it_answers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_personalize import Stubber

        CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"
        TWO = [{"itemId": "i1"}, {"itemId": "i2"}]

        def test_more_than_num_results(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_recommendations", itemList=TWO)
            personalize_runtime_client.get_recommendations(campaignArn=CAMPAIGN, userId="u1", numResults=1)

        def test_more_than_the_default(personalize_runtime_client, personalize_runtime_stubber):
            actions = [{"actionId": f"a{n}"} for n in range(6)]
            personalize_runtime_stubber.add_response("get_action_recommendations", actionList=actions)
            personalize_runtime_client.get_action_recommendations(campaignArn=CAMPAIGN, userId="u1")

        def test_ranks_what_it_was_not_given(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_personalized_ranking", personalizedRanking=TWO)
            personalize_runtime_client.get_personalized_ranking(campaignArn=CAMPAIGN, userId="u1", inputList=["i1"])

        def test_the_same_item_twice(personalize_runtime_client):
            with Stubber(personalize_runtime_client) as stubber:
                stubber.add_response("get_recommendations", {"itemList": [{"itemId": "i1"}, {"itemId": "i1"}]})

        def test_within_the_rules(personalize_runtime_client, personalize_runtime_stubber):
            personalize_runtime_stubber.add_response("get_recommendations", itemList=TWO)
            answer = personalize_runtime_client.get_recommendations(campaignArn=CAMPAIGN, userId="u1", numResults=2)
            assert [item["itemId"] for item in answer["itemList"]] == ["i1", "i2"]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=4)
    result.stdout.fnmatch_lines_random(
        [
            "*ConformanceError: add_response('GetRecommendations'): the service never sends this response: "
            "'2 entries' at 'itemList': the request's numResults is 1, so the service sends at most 1",
            "*ConformanceError: add_response('GetActionRecommendations'): the service never sends this response: "
            "'6 entries' at 'actionList': the request left numResults out, so the service sends at most 5",
            "*ConformanceError: add_response('GetPersonalizedRanking'): the service never sends this response: "
            "'i2' at 'personalizedRanking.2.itemId': the request's inputList doesn't hold it*",
            "*ConformanceError: add_response('GetRecommendations'): the service never sends this response: "
            "'i1' at 'itemList.2.itemId': it is already at itemList.1: the service lists each itemId once",
        ]
    )
