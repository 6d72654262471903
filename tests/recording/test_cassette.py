"""Record and replay as a downstream project sees it: record against the loopback server over
real HTTP, then replay with the server stopped, other credentials, and no network."""

from __future__ import annotations

import base64

import pytest

from pytest_personalize import PersonalizeServer
from tests.cassette_helpers import (
    FAKE_KEY_ID,
    FAKE_SECRET,
    FAKE_TOKEN,
    cassette_text,
    recording_against,
    replaying_offline,
)

CODE_UNDER_TEST = """
import boto3


def lifecycle(name="shop"):
    client = boto3.client("personalize")  # built by the code under test itself
    arn = client.create_dataset_group(name=name)["datasetGroupArn"]
    statuses = []
    while not statuses or statuses[-1] not in ("ACTIVE", "CREATE FAILED"):
        statuses.append(client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"])
    pages = client.get_paginator("list_dataset_groups").paginate(PaginationConfig={"PageSize": 1})
    names = [group["name"] for page in pages for group in page["datasetGroups"]]
    client.delete_dataset_group(datasetGroupArn=arn)
    return arn, statuses, names
"""


@pytest.fixture
def project(project: pytest.Pytester) -> pytest.Pytester:
    """The shared downstream project (tests/conftest.py), with the code under test in it."""
    project.makepyfile(app=CODE_UNDER_TEST)
    return project


LIFECYCLE_TEST = """
import pytest
from app import lifecycle


@pytest.mark.personalize_cassette
def test_lifecycle():
    arn, statuses, names = lifecycle()
    assert arn.endswith(":dataset-group/shop")
    assert statuses == ["CREATE PENDING", "ACTIVE"]
    assert names == ["shop"]
"""


def test_record_against_the_server_then_replay_offline_with_other_credentials(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=LIFECYCLE_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    assert len(server.backend.calls) == 5  # create, two describes, list, delete: all over HTTP
    cassette = project.path / "cassettes" / "test_app" / "test_lifecycle.yaml"
    assert cassette.is_file()

    server.stop()
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=1)


def test_create_then_list_replays_the_right_answer_to_each(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both are POST / to the same host: plain vcrpy answers the list with the create's response.
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_create_then_list():
            client = boto3.client("personalize")
            created = client.create_dataset_group(name="shop")
            listed = client.list_dataset_groups()
            assert "datasetGroups" not in created
            assert [g["datasetGroupArn"] for g in listed["datasetGroups"]] == [created["datasetGroupArn"]]
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=1)


def test_keyword_order_does_not_matter(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore serializes parameters in the order given: the bodies differ byte for byte.
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_create():
            client = boto3.client("personalize")
            if os.environ.get("REVERSED"):
                client.create_dataset_group(domain="ECOMMERCE", name="shop", tags=[{"tagValue": "r", "tagKey": "t"}])
            else:
                client.create_dataset_group(name="shop", domain="ECOMMERCE", tags=[{"tagKey": "t", "tagValue": "r"}])
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    monkeypatch.setenv("REVERSED", "1")
    project.runpytest().assert_outcomes(passed=1)


def test_no_credential_material_reaches_the_cassette_in_any_encoding(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The credentials also travel inside the data, plain and base64-encoded, and come back in
    # ListTagsForResource's answer: every place and every encoding must be scrubbed.
    basic = base64.b64encode(f"user:{FAKE_SECRET}".encode()).decode()
    embedded = base64.b64encode(f"key={FAKE_KEY_ID};".encode()).decode()
    project.makepyfile(
        test_app=f"""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_tags_carry_secrets():
            client = boto3.client("personalize")
            tags = [
                {{"tagKey": "basic", "tagValue": {basic!r}}},
                {{"tagKey": "embedded", "tagValue": {embedded!r}}},
                {{"tagKey": "plain", "tagValue": {FAKE_KEY_ID!r}}},
            ]
            arn = client.create_dataset_group(name="shop", tags=tags)["datasetGroupArn"]
            assert len(client.list_tags_for_resource(resourceArn=arn)["tags"]) == 3
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)

    written = cassette_text(project)
    assert "SCRUBBED" in written
    assert "!!binary" not in written  # headers are readable text
    from pytest_personalize.recording.scrub import encodings

    for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN):
        for form in encodings(secret):
            assert form not in written, f"{secret[:4]}... leaked as {form!r}"
    assert basic not in written and embedded not in written

    from pytest_personalize.recording.check import check_paths

    report = check_paths([project.path / "cassettes"])
    assert report.clean, report.render()


def test_bodies_are_indented_json_and_headers_are_text(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=LIFECYCLE_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    written = cassette_text(project)
    assert '    body: |\n      {\n        "name": "shop"\n      }' in written
    assert "- AmazonPersonalize.CreateDatasetGroup\n" in written
    assert "Credential=SCRUBBED/" in written and "Signature=SCRUBBED" in written


def test_an_unmatched_request_names_operation_cassette_closest_and_command(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import pytest
        from app import lifecycle


        @pytest.mark.personalize_cassette
        def test_lifecycle():
            lifecycle(os.environ.get("GROUP", "shop"))
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    monkeypatch.setenv("GROUP", "shoes")
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Amazon Personalize call CreateDatasetGroup has no recorded response in cassette "
            "*cassettes/test_app/test_lifecycle.yaml: no recorded request matches it.",
            '*closest recorded (interaction 1): CreateDatasetGroup {"name":"shop"}',
            '*body member \'name\': "shoes" (recorded "shop")',
            "*Re-record the cassette with: pytest --personalize-record-mode=all test_app.py::test_lifecycle",
        ]
    )


def test_more_identical_calls_than_recorded_say_so(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_list():
            client = boto3.client("personalize")
            for _ in range(int(os.environ.get("TIMES", "1"))):
                client.list_dataset_groups()
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    monkeypatch.setenv("TIMES", "2")
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ListDatasetGroups*1 identical request(s) and all were already replayed*"])


def test_a_missing_cassette_says_how_to_record_it(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_app=LIFECYCLE_TEST)
    replaying_offline(monkeypatch)
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*CreateDatasetGroup can't be replayed: cassette *test_lifecycle.yaml doesn't exist*",
            "*Record it with: pytest --personalize-record-mode=once test_app.py::test_lifecycle",
        ]
    )
    assert "Re-record" not in result.stdout.str()  # it never existed


def test_an_error_the_code_swallows_still_fails_the_test(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_swallowed():
            try:
                boto3.client("personalize").list_dataset_groups()
            except Exception:
                pass
        """
    )
    replaying_offline(monkeypatch)
    result = project.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ListDatasetGroups can't be replayed*"])


def test_a_failing_test_leaves_the_previous_cassette_intact(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_list():
            boto3.client("personalize").list_dataset_groups()
            assert not os.environ.get("FAIL")
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    before = cassette_text(project)
    monkeypatch.setenv("FAIL", "1")
    project.runpytest("--personalize-record-mode=all").assert_outcomes(failed=1)
    assert cassette_text(project) == before
    assert not list((project.path / "cassettes").rglob("*.tmp"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("version: 1\ninteractions:\n- request: {method: POST\n", "not valid YAML at line"),
        ("just text\n", "has no 'interactions' list"),
        ("version: 1\ninteractions: []\ninteraction_count: 3\n", "declares 3 interaction(s) but holds 0"),
        ("version: 1\nx: &x [1, 2]\ny: [*x, *x]\ninteractions: []\ninteraction_count: 0\n", "YAML anchor or alias"),
        ("version: 1\ninteraction_count: " + "9" * 5000 + "\ninteractions: []\n", "value has 5000 digits"),
    ],
    ids=["broken-yaml", "not-a-cassette", "truncated", "alias", "huge-number"],
)
def test_a_malformed_cassette_fails_naming_the_file_and_the_problem(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, content: str, problem: str
) -> None:
    project.makepyfile(test_app=LIFECYCLE_TEST)
    path = project.path / "cassettes" / "test_app" / "test_lifecycle.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    replaying_offline(monkeypatch)
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*Cassette {path} is unreadable: *{problem}*"])


def test_marker_name_ini_directory_and_closest_marker_wins(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makeini("[pytest]\npersonalize_cassette_dir = recorded\npersonalize_record_mode = once\n")
    project.makepyfile(
        test_app="""
        import boto3
        import pytest

        pytestmark = pytest.mark.personalize_cassette("module-wide")


        @pytest.mark.personalize_cassette("shared/listing")
        def test_named():
            boto3.client("personalize").list_dataset_groups()


        def test_module_marker(personalize_cassette):
            boto3.client("personalize").list_dataset_groups()
            assert personalize_cassette.path.endswith("recorded/module-wide.yaml")


        class TestGrouped:
            @pytest.mark.personalize_cassette
            def test_in_class(self):
                pass
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest().assert_outcomes(passed=3)
    assert (project.path / "recorded" / "shared" / "listing.yaml").is_file()
    assert (project.path / "recorded" / "module-wide.yaml").is_file()


def test_account_ids_can_be_replaced_by_a_placeholder(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app=LIFECYCLE_TEST.replace("personalize_cassette", "personalize_cassette(scrub_account_ids=True)")
    )
    recording_against(monkeypatch, server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "999988887777")  # the loopback server's account, by convention
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    written = cassette_text(project)
    assert "999988887777" not in written
    assert "arn:aws:personalize:us-east-1:123456789012:dataset-group/shop" in written
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=1)


def test_coexists_with_pytest_recording(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=LIFECYCLE_TEST)
    recording_against(monkeypatch, server)
    result = project.runpytest("-p", "recording", "--record-mode=none", "--personalize-record-mode=once")
    result.assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    project.runpytest("-p", "recording", "--record-mode=all").assert_outcomes(passed=1)
    help_text = project.runpytest("-p", "recording", "--help").stdout.str()
    assert "--record-mode" in help_text and "--personalize-record-mode" in help_text


def test_a_bad_record_mode_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\npersonalize_record_mode = sometimes\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*personalize_record_mode = 'sometimes': choose one of none, once, new_episodes, all*"]
    )


def test_new_episodes_adds_what_the_cassette_lacks(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import os

        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_calls():
            client = boto3.client("personalize")
            client.list_dataset_groups()
            if os.environ.get("MORE"):
                client.create_dataset_group(name="more")
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    monkeypatch.setenv("MORE", "1")
    project.runpytest("--personalize-record-mode=new_episodes").assert_outcomes(passed=1)
    assert [call.operation for call in server.backend.calls] == ["ListDatasetGroups", "CreateDatasetGroup"]
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=1)


def test_the_plugin_does_not_import_vcrpy_until_a_cassette_is_used(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_nothing_loaded():
            assert not [name for name in sys.modules if name == "vcr" or name.startswith("vcr.")]
        """
    )
    pytester.runpytest_subprocess("-p", "no:recording", "-p", "no:hypothesispytest").assert_outcomes(passed=1)


def test_the_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    for name in (
        "personalize_cassette",
        "personalize_record_mode",
        "personalize_cassette_dir",
        "personalize_cassette_name",
    ):
        result.stdout.fnmatch_lines([f"{name}*"])


def test_test_files_of_the_same_name_in_two_directories_get_their_own_cassettes(pytester: pytest.Pytester) -> None:
    for directory in ("unit", "integration"):
        pytester.mkdir(directory)
        pytester.path.joinpath(directory, "test_api.py").write_text(
            "def test_create(personalize_cassette_name):\n"
            f"    assert personalize_cassette_name == '{directory}/test_api/test_create'\n"
        )
    pytester.runpytest("--import-mode=importlib").assert_outcomes(passed=2)


REFUSED_ON_REPLAY = """
import boto3
import os
import pytest


@pytest.mark.personalize_cassette
def test_groups():
    client = boto3.client("personalize")
    client.create_dataset_group(name="shop")
    if os.environ.get("TRY_A_BAD_NAME"):
        # Never recorded, and the service refuses it: replay answers as the service would.
        with pytest.raises(client.exceptions.InvalidInputException, match="at 'name'"):
            client.create_dataset_group(name="my shop!")
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_dataset_group(name="shop")
"""


def test_replay_refuses_what_the_service_refuses_and_counts_coverage(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_app=REFUSED_ON_REPLAY)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)

    server.stop()
    replaying_offline(monkeypatch)
    monkeypatch.setenv("TRY_A_BAD_NAME", "1")
    report = project.path / "coverage.json"
    result = project.runpytest(f"--personalize-coverage-json={report}")
    result.assert_outcomes(passed=1)
    import json

    create = json.loads(report.read_text())["operations"]["CreateDatasetGroup"]
    assert create["successes"] == 1
    assert create["errors"] == {"InvalidInputException": 1, "ResourceAlreadyExistsException": 1}
