"""One fidelity contract in every mode, as a downstream suite meets it (pytester)."""

from __future__ import annotations

import json

import pytest

from pytest_personalize import common_errors, modeled_errors

pytest_plugins = ["pytester"]

# The same downstream code runs in each mode: the stubber with a queued success, the in-process
# fake, and the loopback server. A request the service refuses must be refused alike in each.
MODES = """
import boto3
import pytest


@pytest.fixture(params=["stubber", "fake", "server"])
def client(request):
    if request.param == "stubber":
        request.getfixturevalue("personalize")  # a marker-free opt-out of the unused-answer check
        stubber = request.getfixturevalue("personalize_stubber")
        stubber.add_response("create_dataset_group")
        return request.getfixturevalue("personalize_client")
    request.getfixturevalue("personalize_" + request.param)
    return boto3.client("personalize")


@pytest.fixture
def personalize(request):
    request.node.add_marker(pytest.mark.personalize(assert_all_used=False))


def refusal(client, **params):
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.create_dataset_group(**params)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
"""


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            'name="bad name!" * 10, domain="NOPE"',
            "InvalidInputException",
            "3 validation errors detected: Value 'bad name!*' at 'name' failed to satisfy constraint: Member must "
            "have length less than or equal to 63;*enum value set: [[]ECOMMERCE, VIDEO_ON_DEMAND]",
        ),
        (
            'name="shop", tags=[{"tagKey": f"k{i}", "tagValue": "v"} for i in range(60)]',
            "TooManyTagsException",
            "You have exceeded the maximum number of tags you can apply to this resource.",
        ),
        ('name="shop", tags=[{"tagKey": "aws:team", "tagValue": "v"}]', "InvalidInputException", "*aws:*reserved*"),
        ('name="shop", tags=[{"tagKey": "team", "tagValue": "AWS:recs"}]', "InvalidInputException", "*aws:*reserved*"),
        (
            'name="shop", tags=[{"tagKey": "team", "tagValue": "a"}, {"tagKey": "team", "tagValue": "b"}]',
            "InvalidInputException",
            "*Duplicate tag key*",
        ),
        ('name="shop", roleArn="arn:aws:iam::123456789012:role/r"', "InvalidInputException", "*KMS key*"),
    ],
    ids=["model", "too-many-tags", "aws-prefix", "aws-prefix-value", "duplicate-keys", "role-without-key"],
)
def test_every_mode_refuses_what_the_service_refuses(pytester: pytest.Pytester, params, code, message) -> None:
    pytester.makeconftest(MODES)
    pytester.makepyfile(
        f"""
        import fnmatch
        from conftest import refusal

        def test_refused(client):
            code, message, status = refusal(client, {params})
            assert (code, status) == ({code!r}, 400)
            assert fnmatch.fnmatchcase(message, {message!r}), message
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_refused_request_leaves_the_queued_answer_unused_and_says_why(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_create(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group")  # no expected_params
            try:
                personalize_client.create_dataset_group(name="bad name!" * 10, domain="NOPE")
            except personalize_client.exceptions.InvalidInputException:
                pass  # the code under test handles it; the stub was still never used
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 queued Personalize answer was never used:",
            "*- CreateDatasetGroup -> response (any parameters)",
            "*not used: the service refuses the request the code sent: InvalidInputException: 3 validation errors*",
        ]
    )


def test_stub_any_does_not_let_a_refused_value_through(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from botocore.stub import ANY

        @pytest.mark.personalize(assert_all_used=False)
        def test_create(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", {"name": ANY})
            with pytest.raises(personalize_client.exceptions.InvalidInputException, match="at 'name'"):
                personalize_client.create_dataset_group(name="my group")
            assert len(personalize_stubber.pending) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_opt_out_marker_is_checked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.personalize(assert_all_usd=False)
        def test_typo(personalize_stubber):
            personalize_stubber.add_response("list_recipes")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown argument(s) assert_all_usd; it takes assert_all_used*"])


def test_the_response_names_what_the_request_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_create(personalize_client, personalize_stubber):
            group = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
            personalize_stubber.add_response("create_dataset_group")
            personalize_stubber.add_response("create_dataset")
            personalize_stubber.add_response("create_solution_version")
            personalize_stubber.add_response("describe_recipe")

            assert personalize_client.create_dataset_group(name="shop")["datasetGroupArn"] == group
            dataset = personalize_client.create_dataset(
                name="clicks", datasetGroupArn=group, datasetType="Interactions",
                schemaArn="arn:aws:personalize:us-east-1:123456789012:schema/clicks",
            )["datasetArn"]
            assert dataset == "arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS"
            version = personalize_client.create_solution_version(
                solutionArn="arn:aws:personalize:us-east-1:123456789012:solution/movies"
            )["solutionVersionArn"]
            assert version.startswith("arn:aws:personalize:us-east-1:123456789012:solution/movies/")
            recipe = personalize_client.describe_recipe(
                recipeArn="arn:aws:personalize:::recipe/aws-similar-items"
            )["recipe"]
            assert (recipe["name"], recipe["recipeArn"]) == ("aws-similar-items", "arn:aws:personalize:::recipe/aws-similar-items")
            assert recipe["status"] == "ACTIVE" and "failureReason" not in recipe
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_lone_list_template_is_the_last_page(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_pages(personalize_client, personalize_stubber):
            personalize_stubber.add_response("list_recipes")
            pages = list(personalize_client.get_paginator("list_recipes").paginate())
            assert len(pages) == 1 and "nextToken" not in pages[0]
            assert pages[0]["recipes"][0]["recipeArn"].startswith("arn:aws:personalize:::recipe/")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            'datasetGroup={"name": "shop", "status": "READY"}',
            "*'READY' at 'datasetGroup.status': a DatasetGroup is never in that status*",
        ),
        (
            'datasetGroup={"name": "shop", "status": "ACTIVE", "failureReason": "x"}',
            "*failureReason appears only with a FAILED status*",
        ),
        (
            'datasetGroup={"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:solution/shop"}',
            "*the service sends a DatasetGroup ARN (arn:aws:personalize:<region>:<account>:dataset-group/<name>) here*",
        ),
    ],
    ids=["status", "failure-reason", "arn-form"],
)
def test_an_override_the_service_would_never_send_fails_where_it_is_queued(
    pytester: pytest.Pytester, override: str, expected: str
) -> None:
    pytester.makepyfile(
        f"""
        def test_describe(personalize_stubber):
            personalize_stubber.add_response("describe_dataset_group", {override})
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*ConformanceError: add_response('DescribeDatasetGroup'): the service never sends this response: " + expected]
    )


def test_an_arn_that_is_not_the_requests_fails_at_queue_time_or_at_the_call(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_personalize import ConformanceError

        OTHER = "arn:aws:personalize:us-east-1:123456789012:dataset-group/other"

        def test_known_request(personalize_stubber):
            with pytest.raises(ConformanceError, match="the ARN of what the request created is :dataset-group/shop"):
                personalize_stubber.add_response("create_dataset_group", {"name": "shop"}, datasetGroupArn=OTHER)

        @pytest.mark.personalize(assert_all_used=False)
        def test_request_seen_at_the_call(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", datasetGroupArn=OTHER)
            with pytest.raises(ConformanceError, match="dataset-group/shop"):
                personalize_client.create_dataset_group(name="shop")
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_common_errors_carry_their_real_status_in_every_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from botocore.exceptions import ClientError

        @pytest.mark.parametrize(("code", "status"), [("AccessDeniedException", 400), ("ServiceUnavailable", 503),
                                                      ("InternalFailure", 500), ("InvalidClientTokenId", 403)])
        def test_stubbed(personalize_client, personalize_stubber, code, status):
            personalize_stubber.add_error("create_dataset_group", code, "Cross-account pass role is not allowed.")
            with pytest.raises(personalize_client.exceptions.ClientError) as raised:
                personalize_client.create_dataset_group(name="shop")
            response = raised.value.response
            assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
            assert response["Error"]["Message"] == "Cross-account pass role is not allowed."

        def test_faked(personalize_fake):
            personalize_fake.fail_next("create_dataset_group", "AccessDeniedException")
            with pytest.raises(ClientError) as raised:
                boto3.client("personalize").create_dataset_group(name="shop")
            assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

        def test_unknown_code(personalize_stubber):
            from pytest_personalize import ConformanceError
            with pytest.raises(ConformanceError, match="'NoSuchBucket' is not modeled for CreateDatasetGroup; modeled: .*; common to every operation: AccessDeniedException"):
                personalize_stubber.add_error("create_dataset_group", "NoSuchBucket")
        """
    )
    pytester.runpytest().assert_outcomes(passed=6)


def test_a_stubbed_error_is_what_the_wire_gives(personalize_fake, personalize_client, retry_sleeps) -> None:
    from pytest_personalize import PersonalizeStubber
    from pytest_personalize._clients import make_client

    volatile = {"RequestId", "HTTPHeaders", "RetryAttempts", "MaxAttemptsReached"}
    personalize_fake.fail_when(lambda call: True, "LimitExceededException", operation="create_dataset_group")
    with pytest.raises(personalize_client.exceptions.LimitExceededException) as from_wire:
        personalize_client.create_dataset_group(name="shop")
    stubbed_client = make_client("us-east-1")
    with PersonalizeStubber(stubbed_client) as stubber:
        stubber.add_error("create_dataset_group", "LimitExceededException")
        with pytest.raises(stubbed_client.exceptions.LimitExceededException) as stubbed:
            stubbed_client.create_dataset_group(name="shop")
    wire, stub = from_wire.value.response, stubbed.value.response
    assert {k: v for k, v in stub["ResponseMetadata"].items() if k not in volatile} == {
        k: v for k, v in wire["ResponseMetadata"].items() if k not in volatile
    }
    assert {k: v for k, v in stub.items() if k != "ResponseMetadata"} == {
        k: v for k, v in wire.items() if k != "ResponseMetadata"
    }
    assert set(stub["ResponseMetadata"]["HTTPHeaders"]) >= {"x-amzn-requestid", "content-type", "content-length"}


def test_the_error_matrix_takes_common_errors_and_exclusions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.personalize_error_matrix("create_dataset_group", common=True, exclude=["ResourceAlreadyExistsException"])
        def test_errors(personalize_error_code):
            pass
        """
    )
    result = pytester.runpytest("-v")
    expected = [
        c for c in modeled_errors("CreateDatasetGroup") + common_errors() if c != "ResourceAlreadyExistsException"
    ]
    result.assert_outcomes(passed=len(expected))
    result.stdout.fnmatch_lines([f"*test_errors[[]{code}[]] PASSED*" for code in expected], consecutive=False)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            '"create_dataset_group", exclude=["NoSuchThing"]',
            "*exclude names NoSuchThing, which CreateDatasetGroup doesn't answer with here*",
        ),
        ('"create_dataset_group", exclude="InvalidInputException"', "*exclude must be a list of error codes*"),
        ('"create_dataset_group", common="yes"', "*common must be True or False*"),
        (
            '"create_dataset_group", commons=True',
            "*unknown argument(s) commons; it takes operation, common and exclude",
        ),
        ('"create_dataset_grup"', "*'create_dataset_grup' is not an operation of Amazon Personalize*"),
        (
            f'"describe_dataset_group", exclude={list(modeled_errors("DescribeDatasetGroup"))!r}',
            "*exclude leaves no error code to run the test with*",
        ),
    ],
)
def test_a_bad_matrix_argument_is_named(pytester: pytest.Pytester, arguments: str, message: str) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.personalize_error_matrix({arguments})
        def test_errors(personalize_error_code):
            pass
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*@pytest.mark.personalize_error_matrix on test_*" + message])
    assert result.ret != 0


def test_botocore_stubber_call_shape_gets_the_checks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_personalize import ConformanceError, Stubber

        ARN = "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"

        def test_migrated(personalize_client):
            with Stubber(personalize_client) as stubber:
                stubber.add_response("create_dataset_group", {"datasetGroupArn": ARN}, {"name": "shop"})
                stubber.add_client_error("create_dataset_group", "LimitExceededException")
                assert personalize_client.create_dataset_group(name="shop")["datasetGroupArn"] == ARN
                with pytest.raises(personalize_client.exceptions.LimitExceededException):
                    personalize_client.create_dataset_group(name="other")
                stubber.assert_no_pending_responses()

        def test_checks(personalize_client):
            stubber = Stubber(personalize_client)
            with pytest.raises(ConformanceError, match="at 'datasetGroupArn'"):
                stubber.add_response("create_dataset_group", {"datasetGroupArn": "not an arn"})
            with pytest.raises(ConformanceError, match="sends LimitExceededException with HTTP status 400, not 429"):
                stubber.add_client_error("create_dataset_group", "LimitExceededException", http_status_code=429)
            with pytest.raises(ConformanceError, match="would be refused by the service"):
                stubber.add_response("create_dataset_group", {"datasetGroupArn": ARN}, {"name": "my shop"})
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


COVERAGE_SUITE = """
import boto3
import pytest

def test_stubbed_error(personalize_client, personalize_stubber):
    personalize_stubber.add_error("create_dataset_group", "LimitExceededException")
    with pytest.raises(personalize_client.exceptions.LimitExceededException):
        personalize_client.create_dataset_group(name="shop")

def test_faked(personalize_fake):
    client = boto3.client("personalize")
    client.create_dataset_group(name="shop")
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_dataset_group(name="shop")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset_group(datasetGroupArn="arn:aws:personalize:us-east-1:123456789012:dataset-group/none")
"""


def test_coverage_names_the_errors_no_test_exercised(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(COVERAGE_SUITE)
    result = pytester.runpytest("--personalize-coverage")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*Amazon Personalize error-path coverage*",
            "2 operations called; 3 of their 6 modeled errors exercised.",
            "CreateDatasetGroup (3 calls)",
            "  exercised: LimitExceededException, ResourceAlreadyExistsException",
            "  never:     InvalidInputException, TooManyTagsException (modeled)",
            "DescribeDatasetGroup (1 call)",
            "  exercised: ResourceNotFoundException",
            "  never:     InvalidInputException (modeled)",
        ]
    )


def test_coverage_json_merges_xdist_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(COVERAGE_SUITE)
    report = pytester.path / "coverage.json"
    result = pytester.runpytest_subprocess("-n", "2", f"--personalize-coverage-json={report}")
    result.assert_outcomes(passed=2)
    document = json.loads(report.read_text())
    create = document["operations"]["CreateDatasetGroup"]
    assert create["errors"] == {"LimitExceededException": 1, "ResourceAlreadyExistsException": 1}
    assert create["successes"] == 1
    assert create["modeled_never_exercised"] == ["InvalidInputException", "TooManyTagsException"]
    assert document["operations"]["DescribeDatasetGroup"]["errors"] == {"ResourceNotFoundException": 1}


def test_a_coverage_path_that_cannot_be_written_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--personalize-coverage-json=no/such/dir/report.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--personalize-coverage-json=no/such/dir/report.json: the directory 'no/such/dir' does not exist*"]
    )


@pytest.mark.parametrize("code", common_errors())
def test_every_common_error_has_the_references_message_by_default(personalize_client, code) -> None:
    from pytest_personalize import PersonalizeStubber
    from pytest_personalize.model.rules import COMMON_ERRORS

    with PersonalizeStubber(personalize_client) as stubber:
        stubber.add_error("list_recipes", code)
        with pytest.raises(personalize_client.exceptions.ClientError) as raised:
            personalize_client.list_recipes()
    error = raised.value.response
    assert error["Error"] == {"Code": code, "Message": COMMON_ERRORS[code].message}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == COMMON_ERRORS[code].status
