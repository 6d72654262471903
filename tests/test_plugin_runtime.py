"""personalize-runtime and personalize-events as a downstream project sees them (pytester)."""

from __future__ import annotations

import pytest

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
