"""Which file a test's cassette is, and what becomes of it when a run goes wrong or tests share it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_personalize import PersonalizeServer
from pytest_personalize.recording.file import load, stale_temporaries
from tests.cassette_helpers import (
    FAKE_KEY_ID,
    FAKE_SECRET,
    FAKE_TOKEN,
    cassette_names,
    cassette_text,
    recording_against,
    replaying_offline,
)

# --- collisions --------------------------------------------------------------------------------


def test_ids_that_differ_only_in_unsafe_characters_and_nested_classes_get_their_own_files(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        @pytest.mark.parametrize("name", ["a/b", "a_b", "a b", ".hidden"])
        def test_id(name):
            client = boto3.client("personalize")
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                client.list_tags_for_resource(resourceArn=f"arn:aws:personalize:us-east-1:123456789012:dataset-group/{name}")


        class TestOuter1:
            class TestInner:
                @pytest.mark.personalize_cassette
                def test_x(self):
                    boto3.client("personalize").create_dataset_group(name="outer1")


        class TestOuter2:
            class TestInner:
                @pytest.mark.personalize_cassette
                def test_x(self):
                    boto3.client("personalize").create_dataset_group(name="outer2")
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=6)
    assert cassette_names(project) == [
        "test_app/TestOuter1.TestInner.test_x.yaml",
        "test_app/TestOuter2.TestInner.test_x.yaml",
        "test_app/test_id[.hidden].yaml",
        "test_app/test_id[a b].yaml".replace(" ", "%20"),
        "test_app/test_id[a%2Fb].yaml",
        "test_app/test_id[a_b].yaml",
    ]
    assert all(len(load(path)) == 1 for path in (project.path / "cassettes").rglob("*.yaml"))
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=6)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../escaped", "has '..', '.' or an empty part"),
        ("shared/../../escaped", "has '..', '.' or an empty part"),
        ("/tmp/escaped", "is an absolute path"),
        ("a//b", "has '..', '.' or an empty part"),
        ("x" * 300, "bytes long, and the file system allows"),
    ],
    ids=["parent", "parent-inside", "absolute", "empty-part", "too-long"],
)
def test_a_marker_name_that_cant_be_a_file_in_the_directory_fails_before_the_test_runs(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str, problem: str
) -> None:
    project.makepyfile(
        test_app=f"""
        import pathlib

        import pytest


        @pytest.mark.personalize_cassette({name!r})
        def test_named():
            pathlib.Path("body-ran").write_text("yes")
        """
    )
    replaying_offline(monkeypatch)
    result = project.runpytest("--personalize-record-mode=all")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*@pytest.mark.personalize_cassette on test_app.py::test_named: *{problem}*"])
    assert not (project.path / "body-ran").exists()
    assert not list(project.path.parent.rglob("escaped*"))


def test_a_credential_in_a_test_id_reaches_neither_file_name_nor_comment(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "AKIA" + "FAKEFAKEFAKE0077"  # fake
    project.makepyfile(
        test_app=f"""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        @pytest.mark.parametrize("key", [{key!r}, "AKIA" + "FAKEFAKEFAKE0078"])
        def test_with_key(key):
            boto3.client("personalize").list_dataset_groups()
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=2)
    names = cassette_names(project)
    assert len(names) == 2 and all("SCRUBBED" in name and "AKIA" not in name for name in names)
    assert key not in cassette_text(project)


# --- interrupts --------------------------------------------------------------------------------

STEPS_TEST = """
import os

import boto3
import pytest


@pytest.fixture
def after_cassette(personalize_cassette):
    if os.environ.get("STEP") == "setup-error":
        raise RuntimeError("a fixture set up after the cassette failed")
    yield
    if os.environ.get("STEP") == "teardown-error":
        raise RuntimeError("a fixture's teardown failed")


@pytest.mark.personalize_cassette
def test_list(after_cassette):
    client = boto3.client("personalize")
    client.list_dataset_groups()
    if os.environ.get("STEP"):
        client.create_dataset_group(name="partial")
    if os.environ.get("STEP") == "interrupt":
        raise KeyboardInterrupt
"""


@pytest.mark.parametrize(
    ("step", "outcome"),
    [("interrupt", {}), ("setup-error", {"errors": 1}), ("teardown-error", {"passed": 1, "errors": 1})],
)
def test_an_interrupt_or_a_fixture_failure_leaves_the_previous_cassette_byte_for_byte(
    project: pytest.Pytester,
    server: PersonalizeServer,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    outcome: dict[str, int],
) -> None:
    project.makepyfile(test_app=STEPS_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_app" / "test_list.yaml"
    before = cassette.read_bytes()

    monkeypatch.setenv("STEP", step)
    # An interrupt in its own process: a KeyboardInterrupt ends the pytest that runs it.
    run = project.runpytest_subprocess if step == "interrupt" else project.runpytest
    result = run("-p", "no:xdist", "--personalize-record-mode=all")
    result.assert_outcomes(**outcome)
    if step == "interrupt":
        assert result.ret == pytest.ExitCode.INTERRUPTED
    assert cassette.read_bytes() == before
    assert sorted(p.name for p in cassette.parent.iterdir()) == ["test_list.yaml"]


def test_a_new_cassette_respects_the_umask(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest


        @pytest.mark.personalize_cassette
        def test_list():
            boto3.client("personalize").list_dataset_groups()
        """
    )
    recording_against(monkeypatch, server)
    previous = os.umask(0o027)
    try:
        project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    finally:
        os.umask(previous)
    mode = (project.path / "cassettes" / "test_app" / "test_list.yaml").stat().st_mode & 0o777
    assert mode == 0o640


def test_a_killed_writers_temporary_file_is_removed_by_the_next_save(tmp_path: Path) -> None:
    from pytest_personalize.recording.file import _temporary_prefix, save

    cassette = tmp_path / "c.yaml"
    dead = tmp_path / f"{_temporary_prefix(cassette)}{2**22 + 12345}.abcd.tmp"  # beyond any pid_max
    alive = tmp_path / f"{_temporary_prefix(cassette)}{os.getpid()}.efgh.tmp"
    other = tmp_path / f"{_temporary_prefix(tmp_path / 'other.yaml')}{2**22 + 1}.ijkl.tmp"
    for path in (dead, alive, other):
        path.write_text("half a cassette")
    assert stale_temporaries(cassette) == [dead]
    save(cassette, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([cassette.name, alive.name, other.name])


# --- shared cassettes --------------------------------------------------------------------------

MODES = ("all", "once", "new_episodes")

# One module per record mode, each sharing a cassette between its 8 tests. The mode is chosen in
# code (the documented override of personalize_record_mode) while the run records, so one run
# covers every mode; a run without --personalize-record-mode replays.
SHARED_TEST = """
import os

import boto3
import pytest

MODE = {mode!r}
pytestmark = pytest.mark.personalize_cassette(f"shared-{{MODE}}")


@pytest.fixture
def personalize_record_mode(personalize_record_mode):
    return "none" if personalize_record_mode == "none" else MODE


@pytest.mark.parametrize("n", range(8))
def test_create(n):
    boto3.client("personalize").create_dataset_group(name=f"{{MODE}}-{{os.environ.get('PREFIX', 'g')}}-{{n}}")
"""


def sharing_project(project: pytest.Pytester) -> None:
    for mode in MODES:
        project.makepyfile(**{f"test_shared_{mode}": SHARED_TEST.format(mode=mode)})


def shared_names(project: pytest.Pytester, mode: str) -> list[str]:
    import json

    path = project.path / "cassettes" / f"shared-{mode}.yaml"
    return sorted(json.loads(request.body)["name"] for request, _ in load(path))


def test_tests_sharing_a_cassette_keep_every_interaction_then_all_starts_afresh_and_once_keeps_it(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sharing_project(project)
    recording_against(monkeypatch, server)
    project.runpytest("-p", "no:xdist", "--personalize-record-mode=all").assert_outcomes(passed=24)
    for mode in MODES:
        assert shared_names(project, mode) == [f"{mode}-g-{n}" for n in range(8)]
    assert cassette_names(project) == [f"shared-{mode}.yaml" for mode in sorted(MODES)]  # the locks live outside
    once_before = (project.path / "cassettes" / "shared-once.yaml").read_bytes()
    replaying_offline(monkeypatch)
    project.runpytest("-p", "no:xdist").assert_outcomes(passed=24)

    # A second recording run with other requests: "all" starts its cassette afresh, once per run;
    # "once" keeps what an earlier run recorded (and fails the requests it lacks); "new_episodes" adds.
    for name in ("NO_NETWORK", "AWS_PROFILE"):
        monkeypatch.delenv(name)
    recording_against(monkeypatch, server)
    monkeypatch.setenv("PREFIX", "h")
    result = project.runpytest("-p", "no:xdist", "--personalize-record-mode=all")
    result.assert_outcomes(passed=16, failed=8)
    failed = [line for line in result.stdout.lines if line.startswith("FAILED")]
    assert len(failed) == 8 and all(line.startswith("FAILED test_shared_once.py::") for line in failed), failed
    assert shared_names(project, "all") == [f"all-h-{n}" for n in range(8)]
    assert (project.path / "cassettes" / "shared-once.yaml").read_bytes() == once_before
    assert shared_names(project, "new_episodes") == sorted(f"new_episodes-{p}-{n}" for p in "gh" for n in range(8))


# Beside the shared cassettes, tests with a cassette each (two interactions apiece).
OWN_CASSETTES_TEST = """
import boto3
import pytest


@pytest.mark.personalize_cassette
@pytest.mark.parametrize("n", range(8))
def test_create(n):
    client = boto3.client("personalize")
    client.create_dataset_group(name=f"group-{n}")
    client.list_dataset_groups()
"""


def test_two_xdist_workers_record_shared_and_own_cassettes_at_once(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sharing_project(project)
    project.makepyfile(test_app=OWN_CASSETTES_TEST)
    recording_against(monkeypatch, server)
    project.runpytest("-n", "2", "--personalize-record-mode=all").assert_outcomes(passed=32)
    for mode in MODES:
        assert shared_names(project, mode) == [f"{mode}-g-{n}" for n in range(8)]
    own = sorted((project.path / "cassettes" / "test_app").iterdir())
    assert [f.name for f in own] == [f"test_create[{n}].yaml" for n in range(8)]
    assert all(len(load(f)) == 2 for f in own)
    assert len(cassette_names(project)) == 3 + 8  # the locks live outside the project
    replaying_offline(monkeypatch)
    project.runpytest("-n", "2").assert_outcomes(passed=32)


# --- unplayed interactions -----------------------------------------------------------------------


def test_unplayed_interactions_fail_a_test_only_when_asked(
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
            if not os.environ.get("FEWER"):
                client.create_dataset_group(name="second")
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    replaying_offline(monkeypatch)
    monkeypatch.setenv("FEWER", "1")
    project.runpytest().assert_outcomes(passed=1)  # off by default
    result = project.runpytest("--personalize-fail-unplayed")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 of 2 recorded interaction(s) in cassette *test_calls.yaml were never replayed*",
            '*interaction 2: CreateDatasetGroup {"name":"second"}',
        ]
    )
    project.makeini("[pytest]\npersonalize_fail_unplayed = true\n")
    project.runpytest().assert_outcomes(passed=1, errors=1)
    monkeypatch.delenv("FEWER")
    project.runpytest().assert_outcomes(passed=1)


# --- account placeholders ------------------------------------------------------------------------


def test_scrub_account_ids_replays_a_recording_that_met_two_accounts(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import boto3
        import pytest

        OTHER = "arn:aws:personalize:us-east-1:444455556666:dataset-group/theirs"


        @pytest.mark.personalize_cassette(scrub_account_ids=True)
        def test_two_accounts():
            client = boto3.client("personalize")
            arn = client.create_dataset_group(name="ours")["datasetGroupArn"]
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                client.list_tags_for_resource(resourceArn=OTHER)  # the second account, met in a request
            client.describe_dataset_group(datasetGroupArn=arn)  # the first, from a response
        """
    )
    recording_against(monkeypatch, server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "999988887777")  # the loopback server's account, by convention
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    written = cassette_text(project)
    assert "999988887777" not in written and "444455556666" not in written
    replaying_offline(monkeypatch)
    project.runpytest().assert_outcomes(passed=1)


# --- encodings, end to end -------------------------------------------------------------------------


def test_recorded_traffic_loses_secrets_url_encoded_with_slashes_and_in_mime_base64(
    project: pytest.Pytester, server: PersonalizeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        test_app="""
        import base64
        import os
        from urllib.parse import quote

        import boto3
        import pytest
        from botocore.exceptions import ClientError

        FILE = (
            "[default]\\\\naws_access_key_id = " + os.environ["AWS_ACCESS_KEY_ID"]
            + "\\\\naws_secret_access_key = " + os.environ["AWS_SECRET_ACCESS_KEY"]
            + "\\\\naws_session_token = " + os.environ["AWS_SESSION_TOKEN"] + "\\\\n"
        )


        @pytest.mark.personalize_cassette
        def test_leaky_tags():
            client = boto3.client("personalize")
            for value in (quote(os.environ["AWS_SECRET_ACCESS_KEY"]), base64.encodebytes(FILE.encode()).decode()):
                with pytest.raises(ClientError):  # neither is a valid tag value: the request is still recorded
                    client.create_dataset_group(name="shop", tags=[{"tagKey": "k", "tagValue": value}])
        """
    )
    recording_against(monkeypatch, server)
    project.runpytest("--personalize-record-mode=once").assert_outcomes(passed=1)
    written = cassette_text(project)
    assert written.count("AmazonPersonalize.CreateDatasetGroup") == 2
    from pytest_personalize.recording.scrub import encodings

    unfolded = written.replace("\\n", "").replace("\n", "")
    for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN):
        for form in encodings(secret):
            assert form not in written and form not in unfolded, f"{secret[:4]}... leaked as {form!r}"

    from pytest_personalize.recording.check import check_paths

    report = check_paths([project.path / "cassettes"])
    assert report.clean, report.render()
