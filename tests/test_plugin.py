"""The plugin as a downstream project sees it: pytester writes a test module and runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_personalize import modeled_errors

pytest_plugins = ["pytester"]


def test_stubbed_create_dataset_group(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_create(personalize_client, personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": "shop"})
            arn = personalize_client.create_dataset_group(name="shop")["datasetGroupArn"]
            assert arn == "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop"
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_a_modeled_error_raises_the_modeled_exception(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_exists(personalize_client, personalize_stubber):
            personalize_stubber.add_error("CreateDatasetGroup", "ResourceAlreadyExistsException")
            with pytest.raises(personalize_client.exceptions.ResourceAlreadyExistsException) as raised:
                personalize_client.create_dataset_group(name="shop")
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_an_unused_answer_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_forgets(personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", expected_params={"name": "shop"})
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 queued Personalize answer was never used:",
            "*- CreateDatasetGroup -> response (expected_params={'name': 'shop'})",
        ]
    )
    result.stdout.no_fnmatch_line("*During handling*")


def test_a_failing_test_is_not_also_blamed_for_unused_answers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fails_first(personalize_stubber):
            personalize_stubber.add_response("create_dataset_group")
            assert False, "the test's own failure"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*never used*")


def test_a_bad_override_fails_on_the_users_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_bad(personalize_stubber):
            personalize_stubber.add_response("create_dataset_group", domain="RETAIL")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ConformanceError*Value 'RETAIL' at 'domain'*"])
    result.stdout.fnmatch_lines(['*personalize_stubber.add_response("create_dataset_group", domain="RETAIL")*'])


def test_the_error_matrix_runs_once_per_modeled_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.personalize_error_matrix("create_dataset_group")
        def test_each(personalize_client, personalize_stubber, personalize_error_code):
            personalize_stubber.add_error("create_dataset_group", personalize_error_code)
            with pytest.raises(getattr(personalize_client.exceptions, personalize_error_code)):
                personalize_client.create_dataset_group(name="shop")

        @pytest.mark.personalize_error_matrix("DeleteDatasetGroup")
        def test_other_operation(personalize_error_code):
            assert personalize_error_code.endswith("Exception")
        """
    )
    result = pytester.runpytest("-v", "--strict-markers")
    codes = modeled_errors("CreateDatasetGroup")
    result.assert_outcomes(passed=len(codes) + len(modeled_errors("DeleteDatasetGroup")))
    result.stdout.fnmatch_lines([f"*test_each[[]{code}[]] PASSED*" for code in codes], consecutive=False)


def test_the_error_matrix_defaults_to_create_dataset_group(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_each(personalize_error_code): pass")
    pytester.runpytest().assert_outcomes(passed=len(modeled_errors("CreateDatasetGroup")))


def test_the_error_matrix_on_an_unknown_operation_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.personalize_error_matrix("CreateDatasetGrup")
        def test_each(personalize_error_code): pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.personalize_error_matrix on *: 'CreateDatasetGrup' is not an operation*CreateDatasetGroup*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


@pytest.mark.parametrize("how", ["option", "ini"])
def test_the_region_is_configurable(pytester: pytest.Pytester, how: str) -> None:
    pytester.makepyfile(
        """
        def test_region(personalize_client, personalize_stubber):
            assert personalize_client.meta.region_name == "cn-north-1"
            personalize_stubber.add_response("create_dataset_group", {"name": "g"})
            assert personalize_client.create_dataset_group(name="g")["datasetGroupArn"].startswith("arn:aws-cn:")
        """
    )
    if how == "ini":
        pytester.makeini("[pytest]\npersonalize_region = cn-north-1\n")
        result = pytester.runpytest()
    else:
        result = pytester.runpytest("--personalize-region", "cn-north-1")
    result.assert_outcomes(passed=1)


def test_the_region_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef personalize_region():\n    return 'eu-west-1'\n")
    pytester.makepyfile(
        "def test_region(personalize_client):\n    assert personalize_client.meta.region_name == 'eu-west-1'\n"
    )
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    "override",
    [
        "@pytest.fixture\ndef personalize_region(tmp_path):\n    return 'eu-west-1'\n",
        "@pytest.fixture(scope='module')\ndef personalize_region():\n    return 'eu-west-1'\n",
        "@pytest.fixture(params=['eu-west-1'])\ndef personalize_region(request):\n    return request.param\n",
    ],
    ids=["requesting-another-fixture", "module-scoped", "parametrized"],
)
def test_a_region_override_of_any_scope_wins_for_every_fixture(pytester: pytest.Pytester, override: str) -> None:
    pytester.makeconftest(f"import pytest\n\n{override}")
    pytester.makepyfile(
        """
        import boto3

        def test_client_and_fake(personalize_client, personalize_fake):
            assert personalize_client.meta.region_name == "eu-west-1"
            assert personalize_fake.default_region == "eu-west-1"
            assert boto3.client("personalize").meta.region_name == "eu-west-1"

        def test_server(personalize_server):
            assert personalize_server.backend.default_region == "eu-west-1"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_default_region_serves_a_session_scoped_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_region = ap-south-1\n")
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='session')\ndef where(personalize_region):\n    return personalize_region\n"
    )
    pytester.makepyfile(
        "def test_where(where, personalize_region):\n    assert where == personalize_region == 'ap-south-1'\n"
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_help_lists_the_options_in_their_own_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["Amazon Personalize fixtures (pytest-personalize):", "*--personalize-region*"])


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.personalize_error_matrix*"])
    # Each option the personalize marker takes is in its help line.
    result.stdout.fnmatch_lines(["@pytest.mark.personalize(*assert_all_used=True, sleep_on_retry=False)*"])


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(personalize_client): pass")
    result = pytester.runpytest("-p", "no:personalize")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'personalize_client' not found*"])


def test_loading_the_plugin_imports_no_aws_or_vcr_library() -> None:
    code = (
        "import sys, pytest_personalize.plugin, pytest_personalize\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'vcr', 'regex') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- options, the backend settings fixture, teardown findings ---------------------------------------

SETTINGS_CONFTEST = """
import pytest

@pytest.fixture
def personalize_backend_settings(personalize_backend_settings):
    assert personalize_backend_settings["quotas"] == {"Filter": 20}  # the ini key's, as the base
    return {**personalize_backend_settings, "dataset_group_quota": 1, "quotas": {"Schema": 0}}
"""


def test_each_test_gets_backend_settings_of_its_own(pytester: pytest.Pytester) -> None:
    # An override that changes what it was given in place changes its own test's settings alone.
    pytester.makeini("[pytest]\npersonalize_quotas = Filter=20\n")
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def personalize_backend_settings(personalize_backend_settings):
            assert personalize_backend_settings["quotas"] == {"Filter": 20}
            assert personalize_backend_settings["dataset_group_quota"] == 5
            personalize_backend_settings["quotas"]["Schema"] = 0
            personalize_backend_settings["dataset_group_quota"] = 1
            return personalize_backend_settings
        """
    )
    pytester.makepyfile(
        """
        def test_first(personalize_fake):
            assert personalize_fake.quotas == {"DatasetGroup": 1, "Filter": 20, "Schema": 0}
            personalize_fake.quotas["Solution"] = 1  # the fake's own, not the next test's

        def test_second(personalize_fake):
            assert personalize_fake.quotas == {"DatasetGroup": 1, "Filter": 20, "Schema": 0}

        def test_server(personalize_server):
            assert personalize_server.backend.quotas == {"DatasetGroup": 1, "Filter": 20, "Schema": 0}
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


ENVIRONMENT_CONFTEST = """
import os

import pytest

SEEN = {}
NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_DEFAULT_REGION",
         "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL_PERSONALIZE")

def environment():
    return {name: os.environ.get(name) for name in NAMES}

def pytest_configure(config):
    SEEN["before"] = environment()

def pytest_unconfigure(config):
    # After the last teardown, an interrupted run's included.
    with open(os.path.join(str(config.rootpath), "after.txt"), "w") as handle:
        handle.write(repr(environment() == SEEN["before"]) + " " + repr(environment()))

@pytest.fixture
def unchanged():
    yield
    assert environment() == SEEN["before"]
"""


@pytest.mark.parametrize("fixture", ["personalize_fake", "personalize_server"])
def test_the_environment_is_restored_after_each_test_however_it_ends(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fixture: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "REALLOOKING0001")
    monkeypatch.setenv("AWS_PROFILE", "developer")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_PERSONALIZE", raising=False)
    pytester.makeconftest(ENVIRONMENT_CONFTEST)
    pytester.makepyfile(
        f"""
        import os

        import pytest

        def test_passes(unchanged, {fixture}):
            assert os.environ["AWS_ACCESS_KEY_ID"] == "testing" and "AWS_PROFILE" not in os.environ
            os.environ["AWS_DEFAULT_REGION"] = "changed-by-the-test"

        def test_fails(unchanged, {fixture}):
            assert False

        @pytest.fixture
        def broken_after({fixture}):
            raise RuntimeError("set-up fails after the fixture")

        def test_errors(unchanged, broken_after):
            pass

        def test_interrupted({fixture}):
            raise KeyboardInterrupt
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    assert (pytester.path / "after.txt").read_text().startswith("True ")


def test_a_conftest_overrides_the_backend_settings_of_the_fake_and_the_server(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_quotas = Filter=20\npersonalize_lifecycle = instant\n")
    pytester.makeconftest(SETTINGS_CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        def test_fake(personalize_client, personalize_fake):
            assert personalize_fake.quotas["Schema"] == 0
            assert personalize_fake.lifecycle.advance == "instant"
            personalize_client.create_dataset_group(name="a")
            with pytest.raises(personalize_client.exceptions.LimitExceededException):
                personalize_client.create_dataset_group(name="b")

        def test_server(personalize_server):
            assert personalize_server.backend.dataset_group_quota == 1
            assert personalize_server.backend.quotas["Schema"] == 0
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_backend_settings_are_the_ini_keys_a_new_dict_each_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_quotas = Filter=3 Solution=none\npersonalize_dataset_group_quota = 7\n")
    pytester.makepyfile(
        """
        def test_first(personalize_backend_settings):
            assert personalize_backend_settings["dataset_group_quota"] == 7
            assert personalize_backend_settings["lifecycle"].advance == "describe"
            assert personalize_backend_settings["quotas"] == {"Filter": 3, "Solution": None}
            personalize_backend_settings["quotas"]["Filter"] = 99

        def test_second(personalize_backend_settings):
            assert personalize_backend_settings["quotas"]["Filter"] == 3
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "personalize(sleep_on_retri=True)",
            "unknown argument(s) sleep_on_retri; it takes assert_all_used and sleep_on_retry",
        ),
        ("personalize(True)", "it takes keyword arguments only"),
        ("personalize(sleep_on_retry='yes')", "sleep_on_retry must be True or False, not 'yes'"),
        (
            "personalize_cassette(scrub_accounts=True)",
            "unknown argument(s) scrub_accounts; it takes name, scrub_account_ids and matching",
        ),
        ("personalize_cassette('a', 'b')", "it takes at most 1 positional argument(s) (name), not 2"),
        ("personalize_cassette('a', name='b')", "name given both by position and by keyword"),
    ],
)
def test_a_bad_marker_argument_fails_the_test_naming_it(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_it(personalize_fake):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines([f"*@pytest.mark.{marker.split('(')[0]} on test_*::test_it: {message}"])
    result.stdout.no_fnmatch_line("*During handling*")
    result.stdout.no_fnmatch_line("*Traceback*")


def test_marker_options_merge_the_closest_winning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.personalize(assert_all_used=False, sleep_on_retry=True)

        @pytest.mark.personalize(sleep_on_retry=False)
        def test_unused_answer_allowed_by_the_module(personalize_fake, personalize_stubber):
            personalize_stubber.add_response("list_recipes")

        @pytest.mark.personalize(assert_all_used=True)
        def test_the_test_wins(personalize_stubber):
            personalize_stubber.add_response("list_recipes")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["ERROR *test_the_test_wins*"])


def test_every_finding_of_a_mode_is_reported_at_once(pytester: pytest.Pytester) -> None:
    # An unused fault and a stopped request: the teardown says both, not the first alone.
    pytester.makepyfile(
        """
        import boto3
        from botocore.config import Config

        def test_both(personalize_fake):
            personalize_fake.deactivate()
            client = boto3.client("personalize", config=Config(retries={"total_max_attempts": 1}))
            personalize_fake.activate()
            personalize_fake.fail_next("create_dataset_group", "LimitExceededException")
            try:
                client.list_recipes()
            except Exception:
                pass  # the code under test swallows the UnattachedClientError
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*1 injected Personalize fault did not fire as often as asked:*", "*personalize_fake stopped 1 request(s):*"],
    )
