"""The docs' examples that need more than a test file -- a conftest, an ini file, a cassette, a shell -- run
here the way a reader would run them, and every block of every page is accounted for.

Shell commands run in a fresh project directory, in a separate process, with a clean machine's
environment (no AWS variables, no ~/.aws) and the network guard loaded: a command the
docs call offline that tried to reach the network would fail here. A port a command names (4566)
is swapped for a free one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# Imported before any in-process pytester run, which would otherwise import them afresh.
import boto3
import pytest
from botocore.config import Config

import pytest_personalize
import pytest_personalize.recording.cassette
from pytest_personalize import PersonalizeServer
from tests.doc_blocks import PAGES, ROOT, Block, blocks, commands, example

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent
DOCUMENTED_PORT = "4566"
NO_RETRIES = Config(retries={"total_max_attempts": 1})

# Every <!-- example: NAME --> block, and the test that runs it.
RUN_HERE = {
    "readme-cassette-test": "test_the_readme_record_and_replay_example",
    "readme-cassette-commands": "test_the_readme_record_and_replay_example",
    "cassette-test": "test_record_against_the_loopback_server_replay_and_check",
    "record-loopback": "test_record_against_the_loopback_server_replay_and_check",
    "cassette-commands": "test_record_against_the_loopback_server_replay_and_check",
    "miss-output": "test_a_request_the_cassette_lacks_fails_with_the_documented_message",
    "region-conftest": "test_the_region_fixture_override",
    "coverage-commands": "test_the_coverage_commands",
    "serve": "test_serve_prints_its_url_and_stops_on_sigterm",
    "serve-cli": "test_the_aws_cli_against_the_server",
    "serve-options": "test_serve_lifecycle_and_quota_options",
    "serve-config": "test_the_js_sdk_against_a_configured_server",
    "serve-with-config": "test_the_js_sdk_against_a_configured_server",
    "serve-js": "test_the_js_sdk_against_a_configured_server",
    "serve-controls": "test_the_test_controls_with_curl",
    "unittest": "test_the_unittest_example_runs_under_unittest",
    "ini": "test_the_ini_settings",
    "matching-conftest": "test_the_matching_configuration",
    "matching-ini": "test_the_matching_configuration",
    "vcr-conftest": "test_the_vcrpy_setup_and_migrate",
    "migrate-command": "test_the_vcrpy_setup_and_migrate",
}


# --- every block is run, or says why not ---------------------------------------------------------


def test_every_block_is_run_or_says_why_not() -> None:
    unaccounted = []
    for block in blocks():
        if block.is_generic_test or block.annotation in ("main-command", "test-command"):
            continue
        if block.example is not None and block.example in RUN_HERE:
            continue
        if block.annotation and block.annotation.startswith("not run:") and block.annotation[8:].strip():
            continue
        unaccounted.append(f"{block.where} ({block.annotation or 'no annotation'})")
    assert not unaccounted, (
        "blocks no test runs: give each a test (<!-- example: NAME --> and a test here) or "
        "<!-- not run: REASON -->:\n" + "\n".join(unaccounted)
    )


def test_each_named_example_exists_once_and_has_its_test() -> None:
    names = [block.example for block in blocks() if block.example is not None]
    assert sorted(names) == sorted(RUN_HERE), "named examples and RUN_HERE differ"
    for test in set(RUN_HERE.values()):
        assert callable(globals().get(test)), test


def test_few_blocks_go_unrun() -> None:
    unrun = [block.where for block in blocks() if (block.annotation or "").startswith("not run:")]
    assert len(unrun) <= 2, unrun


def test_the_readme_holds_exactly_two_set_up_commands() -> None:
    readme = [block for block in blocks() if block.page.name == "README.md"]
    main = [block for block in readme if block.annotation == "main-command"]
    tests = [block for block in readme if block.annotation == "test-command"]
    assert len(main) == 1 and len(tests) == 1
    assert "cd examples" in main[0].text and "pytest" in main[0].text
    assert "python -m pytest" in tests[0].text


# --- links and the reference ----------------------------------------------------------------------


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[`*_]{2,}|`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(match) for match in re.findall(r"^#+ (.+)$", text, re.M)}


def test_every_link_between_the_pages_resolves() -> None:
    broken = []
    for page in (*PAGES, ROOT / "SECURITY.md"):
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and anchor not in _anchors(resolved):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def _docs_text() -> str:
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def test_the_reference_names_every_option_ini_key_marker_fixture_and_export() -> None:
    import pytest_personalize.plugin as plugin
    from pytest_personalize.__main__ import build_parser

    source = Path(plugin.__file__).read_text(encoding="utf-8")
    options = set(re.findall(r'"(--personalize-[a-z-]+)"', source))
    ini_keys = set(re.findall(r'addini\(\s*"(\w+)"', source))
    fixtures = set(re.findall(r"@pytest\.fixture[^\n]*\ndef ([a-z]\w*)", source))
    markers = {plugin.OPTIONS_MARKER, plugin.CASSETTE_MARKER, plugin.ERROR_MATRIX_MARKER}
    assert len(options) >= 5 and len(ini_keys) >= 6 and len(fixtures) >= 10
    parser = build_parser()
    subcommands = next(action for action in parser._actions if action.dest == "command").choices
    command_options = {
        option
        for command in subcommands.values()
        for action in command._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    }
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in sorted(options | ini_keys | fixtures | markers | command_options | set(subcommands))
        if name not in reference
    ]
    missing += [name for name in pytest_personalize.__all__ if f"`{name}" not in reference]
    assert not missing, f"docs/reference.md doesn't mention: {', '.join(missing)}"


def test_the_services_table_names_each_apis_operations_and_fixtures() -> None:
    import pytest_personalize.plugin as plugin
    from pytest_personalize.model import spec as _spec

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- services-table -->", 1)[1].split("\n\n", 1)[0]
    rows = {
        cells[0].split("`")[1]: cells
        for line in table.strip().splitlines()[2:]
        if (cells := [cell.strip() for cell in line.strip("|").split("|")])
    }
    assert set(rows) == set(_spec.SERVICE_NAMES)
    for service in ("personalize-runtime", "personalize-events"):
        listed = [name.strip() for name in rows[service][1].split(",")]
        assert sorted(listed) == sorted(_spec.operation_names(service)), service
    for service, cells in rows.items():
        fixture = cells[2].split("`")[1]
        assert hasattr(plugin, fixture), f"{fixture} is not a fixture of the plugin"
        assert "every operation" in cells[4], f"{service}: replay covers every operation"


def test_security_md_names_tests_that_exist() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    sources = {
        path.relative_to(TESTS).as_posix(): path.read_text(encoding="utf-8") for path in TESTS.rglob("test_*.py")
    }
    missing = []
    for file, name in re.findall(r"tests/((?:\w+/)*test_\w+\.py)(?:::(test_\w+))?", text):
        if file not in sources or (name and f"def {name}(" not in sources[file]):
            missing.append(f"{file}::{name}")
    for name in set(re.findall(r"`(test_\w+)`", text)):
        if not any(f"def {name}(" in source for source in sources.values()):
            missing.append(name)
    assert not missing, f"SECURITY.md names tests that don't exist: {missing}"
    assert "docs/security.md" not in text or (ROOT / "docs" / "security.md").exists()


# --- shell helpers ----------------------------------------------------------------------------------


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """A machine with no AWS set-up: no AWS variables, a home without ~/.aws; the network guard loadable."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
    )
    environment.update(extra)
    return environment


def _argv(command: str, port: str) -> tuple[dict[str, str], list[str]]:
    """A documented command as this interpreter runs it: its ``NAME=value`` prefix, and argv."""
    words = shlex.split(command.replace(DOCUMENTED_PORT, port))
    assignments = {}
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        name, _, value = words.pop(0).partition("=")
        assignments[name] = value
    if words[0] == "pytest":
        words = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "network_guard", *words[1:]]
    elif words[0] == "python":
        words = [sys.executable, *words[1:]]
    return assignments, words


def _run(command: str, cwd: Path, port: str = DOCUMENTED_PORT, **extra: str) -> subprocess.CompletedProcess[str]:
    assignments, argv = _argv(command, port)
    return subprocess.run(
        argv,
        cwd=cwd,
        env=_clean_environment(cwd, **extra, **assignments),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _project(pytester: pytest.Pytester, test: Block) -> Path:
    """A downstream project: a pytest.ini at its root and the block's test at the path its first line names."""
    first = test.text.splitlines()[0]
    assert first.startswith("# tests/"), f"{test.where}: the block's first line names its file"
    pytester.makeini("[pytest]\n")
    path = pytester.path / first[2:].strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(test.text, encoding="utf-8")
    return pytester.path


@pytest.fixture
def loopback_as_aws() -> Iterator[PersonalizeServer]:
    """The loopback server, standing in for AWS where the docs record against it."""
    with PersonalizeServer() as server:
        yield server


class ServeProcess:
    def __init__(self, command: str, cwd: Path) -> None:
        self.port = _free_port()
        assignments, argv = _argv(command, self.port)
        assert argv[1:4] == ["-m", "pytest_personalize", "serve"], argv
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=_clean_environment(cwd, **assignments), stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.first_line = self.process.stdout.readline()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        rest, _ = self.process.communicate(timeout=30)
        return rest


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=30)


def _start(serve: list[ServeProcess], command: str, cwd: Path) -> ServeProcess:
    server = ServeProcess(command, cwd)
    serve.append(server)
    assert server.first_line == f"pytest-personalize: serving Amazon Personalize on {server.endpoint_url}\n"
    return server


# --- README: record and replay -----------------------------------------------------------------------


def test_the_readme_record_and_replay_example(pytester: pytest.Pytester, loopback_as_aws: PersonalizeServer) -> None:
    project = _project(pytester, example("readme-cassette-test"))
    record, replay = commands(example("readme-cassette-commands"))

    recorded = _run(record, project, AWS_ENDPOINT_URL_PERSONALIZE=loopback_as_aws.endpoint_url)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (project / "cassettes" / "tests" / "test_app" / "test_lifecycle.yaml").is_file()
    assert any(call.operation == "DescribeDatasetGroup" for call in loopback_as_aws.backend.calls)
    loopback_as_aws.stop()

    replayed = _run(replay, project)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "1 passed" in replayed.stdout


# --- docs/record-replay.md --------------------------------------------------------------------------


def test_record_against_the_loopback_server_replay_and_check(
    pytester: pytest.Pytester, serve: list[ServeProcess]
) -> None:
    project = _project(pytester, example("cassette-test"))
    replay, check = commands(example("cassette-commands"))
    serve_command, record = commands(example("record-loopback"))

    # Before anything is recorded, replay fails and names the command that records.
    missing = _run(replay, project)
    assert (
        missing.returncode == 1 and "--personalize-record-mode=once tests/test_app.py::test_lifecycle" in missing.stdout
    )

    server = _start(serve, serve_command, project)
    recorded = _run(record, project, port=server.port)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    server.stop()

    replayed = _run(replay, project)
    assert replayed.returncode == 0 and "1 passed" in replayed.stdout, replayed.stdout + replayed.stderr
    checked = _run(check, project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("checked 1 cassette(s)")


def test_a_request_the_cassette_lacks_fails_with_the_documented_message(
    pytester: pytest.Pytester, loopback_as_aws: PersonalizeServer
) -> None:
    test = example("cassette-test")
    project = _project(pytester, test)
    recorded = _run(
        "pytest --personalize-record-mode=once", project, AWS_ENDPOINT_URL_PERSONALIZE=loopback_as_aws.endpoint_url
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    # As if recorded against AWS, as the page tells it.
    cassette = project / "cassettes" / "tests" / "test_app" / "test_lifecycle.yaml"
    cassette.write_text(
        cassette.read_text(encoding="utf-8").replace(
            f"{loopback_as_aws.endpoint_url}/", "https://personalize.us-east-1.amazonaws.com/"
        ),
        encoding="utf-8",
    )
    (project / "tests" / "test_app.py").write_text(test.text.replace('name="shop"', 'name="shoes"'), encoding="utf-8")

    replayed = _run("pytest", project)

    assert replayed.returncode == 1
    shown = "\n".join(re.sub(r"^E {7}", "", line) for line in replayed.stdout.splitlines())
    expected = example("miss-output").text.replace("/path/to/project", str(project)).rstrip("\n")
    assert expected in shown, replayed.stdout


UUID_TEST = """\
# tests/test_app.py
import uuid

import boto3
import pytest


@pytest.mark.personalize_cassette
def test_job():
    client = boto3.client("personalize")
    arn = client.create_dataset_group(name=f"job-{uuid.uuid4()}")["datasetGroupArn"]
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["name"].startswith("job-")
"""


def test_the_matching_configuration(pytester: pytest.Pytester, loopback_as_aws: PersonalizeServer) -> None:
    project = _project(pytester, Block(ROOT, 0, "python", UUID_TEST, None))
    recorded = _run(
        "pytest --personalize-record-mode=once", project, AWS_ENDPOINT_URL_PERSONALIZE=loopback_as_aws.endpoint_url
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    loopback_as_aws.stop()
    missed = _run("pytest", project)
    assert missed.returncode == 1 and "normalize CreateDatasetGroup:name uuid" in missed.stdout, missed.stdout

    conftest = example("matching-conftest")
    (project / "conftest.py").write_text(conftest.text, encoding="utf-8")
    replayed = _run("pytest", project)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr

    (project / "conftest.py").unlink()
    (project / "pytest.ini").write_text(example("matching-ini").text, encoding="utf-8")
    replayed = _run("pytest", project)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


VCR_TEST = """\
# tests/test_app.py
import boto3
import pytest


@pytest.mark.vcr
def test_lifecycle():
    client = boto3.client("personalize")
    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    while client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] != "ACTIVE":
        pass
"""


def test_the_vcrpy_setup_and_migrate(pytester: pytest.Pytester, loopback_as_aws: PersonalizeServer) -> None:
    project = _project(pytester, Block(ROOT, 0, "python", VCR_TEST, None))
    (project / "conftest.py").write_text(example("vcr-conftest").text, encoding="utf-8")
    key_id = "AKIA" + "DOCSDOCSDOCS0001"  # fake
    recorded = _run(
        "pytest --record-mode=once",
        project,
        AWS_ENDPOINT_URL_PERSONALIZE=loopback_as_aws.endpoint_url,
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY="fakeSecret",  # fake
        AWS_DEFAULT_REGION="us-east-1",
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    theirs = project / "tests" / "cassettes" / "test_app" / "test_lifecycle.yaml"
    assert key_id not in theirs.read_text(encoding="utf-8")
    loopback_as_aws.stop()

    [migrate] = commands(example("migrate-command"))
    migrated = _run(migrate, project)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert (project / "cassettes" / "tests" / "test_app" / "test_lifecycle.yaml").is_file()
    test = project / "tests" / "test_app.py"
    test.write_text(test.read_text().replace("pytest.mark.vcr", "pytest.mark.personalize_cassette"))
    (project / "conftest.py").unlink()
    replayed = _run("pytest", project)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    checked = _run("python -m pytest_personalize check", project)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- docs/stubber.md ----------------------------------------------------------------------------------


def test_the_region_fixture_override(pytester: pytest.Pytester) -> None:
    block = example("region-conftest")
    assert block.text.startswith("# conftest.py\n")
    pytester.makeconftest(block.text)
    pytester.makepyfile(
        """
        import boto3

        def test_region(personalize_client, personalize_fake):
            assert personalize_client.meta.region_name == "eu-west-1"
            boto3.client("personalize").create_dataset_group(name="shop")
            assert personalize_fake.calls[0].region == "eu-west-1"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_coverage_commands(pytester: pytest.Pytester) -> None:
    report, as_json = commands(example("coverage-commands"))
    pytester.makepyfile(
        """
        import pytest

        def test_taken(personalize_client, personalize_stubber):
            personalize_stubber.add_error("create_dataset_group", "ResourceAlreadyExistsException")
            with pytest.raises(personalize_client.exceptions.ResourceAlreadyExistsException):
                personalize_client.create_dataset_group(name="shop")
        """
    )
    for command in (report, as_json):
        assert shlex.split(command)[0] == "pytest"

    printed = pytester.runpytest("-p", "no:cacheprovider", *shlex.split(report)[1:])
    printed.assert_outcomes(passed=1)
    printed.stdout.fnmatch_lines(
        [
            "*Amazon Personalize error-path coverage*",
            "CreateDatasetGroup (1 call)",
            "  exercised: ResourceAlreadyExistsException",
            "  never:     *LimitExceededException* (modeled)",
        ]
    )

    written = pytester.runpytest("-p", "no:cacheprovider", *shlex.split(as_json)[1:])
    written.assert_outcomes(passed=1)
    document = json.loads((pytester.path / "coverage.json").read_text(encoding="utf-8"))
    entry = document["operations"]["CreateDatasetGroup"]
    assert set(document) == {"version", "operations"}
    assert set(entry) == {"successes", "errors", "modeled", "modeled_never_exercised", "common_never_exercised"}
    assert entry["errors"] == {"ResourceAlreadyExistsException": 1}


# --- docs/fake-and-server.md --------------------------------------------------------------------------


def test_serve_prints_its_url_and_stops_on_sigterm(tmp_path: Path, serve: list[ServeProcess]) -> None:
    (command,) = commands(example("serve"))
    server = _start(serve, command, tmp_path)
    client = boto3.client(
        "personalize",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert client.list_dataset_groups()["datasetGroups"] == []

    rest = server.stop()

    assert server.process.returncode == 0
    assert rest.splitlines()[-1] == "pytest-personalize: stopped"


def test_the_aws_cli_against_the_server(tmp_path: Path, serve: list[ServeProcess]) -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI isn't installed here")
    (serve_command,) = commands(example("serve"))
    server = _start(serve, serve_command, tmp_path)
    script = example("serve-cli").text.replace(DOCUMENTED_PORT, server.port)
    environment = _clean_environment(tmp_path)

    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert ran.returncode == 0, ran.stdout + ran.stderr
    listed = json.loads(ran.stdout[ran.stdout.rindex('{\n    "datasetGroups"') :])
    assert [group["name"] for group in listed["datasetGroups"]] == ["shop"]
    # Without the export line, the CLI has no credentials or region to sign with, as the page says.
    unsigned = subprocess.run(
        ["bash", "-c", script.split("\n", 1)[1]], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert unsigned.returncode != 0


def test_serve_lifecycle_and_quota_options(tmp_path: Path, serve: list[ServeProcess]) -> None:
    (command,) = commands(example("serve-options"))
    server = _start(serve, command, tmp_path)
    client = boto3.client(
        "personalize",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )

    arn = client.create_dataset_group(name="shop")["datasetGroupArn"]
    assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"
    with pytest.raises(client.exceptions.LimitExceededException):
        client.create_dataset_group(name="second")


# Where .ci/run installs the AWS SDK for JavaScript v3: the folder holding node_modules/@aws-sdk/...
JS_SDK_VARIABLE = "PYTEST_PERSONALIZE_JS_SDK"
JS_SDK_PACKAGES = ("@aws-sdk/client-personalize", "@aws-sdk/client-personalize-runtime")


def _js_sdk() -> tuple[str, Path]:
    """node, and the node_modules folder holding the JS SDK's clients; skips without them, unless
    $PYTEST_PERSONALIZE_JS_SDK says they are there (as .ci/run does): then their absence fails."""
    folder = os.environ.get(JS_SDK_VARIABLE)
    node = shutil.which("node")
    modules = Path(folder) / "node_modules" if folder else None
    missing = [name for name in JS_SDK_PACKAGES if modules is None or not (modules / name / "package.json").is_file()]
    if node is not None and modules is not None and not missing:
        return node, modules
    why = "node is not installed" if node is None else f"{', '.join(missing)} not installed"
    if folder:
        pytest.fail(f"${JS_SDK_VARIABLE}={folder}, but {why} (npm install --no-save --prefix {folder} ...)")
    pytest.skip(f"the AWS SDK for JavaScript v3 example: {why}; set ${JS_SDK_VARIABLE} to where npm installed it")


def _configured_server(tmp_path: Path, serve: list[ServeProcess]) -> ServeProcess:
    config = example("serve-config")
    first = config.text.splitlines()[0]
    assert first.startswith("# "), f"{config.where}: the block's first line names its file"
    (tmp_path / first[2:].strip()).write_text(config.text, encoding="utf-8")
    (command,) = commands(example("serve-with-config"))
    return _start(serve, command, tmp_path)


def test_the_js_sdk_against_a_configured_server(tmp_path: Path, serve: list[ServeProcess]) -> None:
    node, modules = _js_sdk()
    server = _configured_server(tmp_path, serve)
    script = example("serve-js")
    first = script.text.splitlines()[0]
    assert first.startswith("// "), f"{script.where}: the block's first line names its file"
    name = first[3:].split()[0]
    (tmp_path / name).write_text(script.text.replace(DOCUMENTED_PORT, server.port), encoding="utf-8")
    # An ES module finds its imports in a node_modules beside it or above, never through NODE_PATH.
    (tmp_path / "node_modules").symlink_to(modules, target_is_directory=True)

    ran = subprocess.run(
        [node, name], cwd=tmp_path, env=_clean_environment(tmp_path), capture_output=True, text=True, timeout=120
    )

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[-1] == "ok"
    # The request log (the banner's other lines may sit in the first readline's buffer).
    log = server.stop().splitlines()
    operations = [line.split()[0] for line in log if line.endswith(" ms")]
    assert operations.count("GetRecommendations") == 3
    assert "CreateDatasetGroup" in operations and "DescribeDatasetGroup" in operations


def test_the_test_controls_with_curl(tmp_path: Path, serve: list[ServeProcess]) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl isn't installed here")
    server = _configured_server(tmp_path, serve)
    answers = []
    for command in commands(example("serve-controls")):
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command.replace(DOCUMENTED_PORT, server.port)],
            cwd=tmp_path,
            env=_clean_environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        answers.append(json.loads(ran.stdout))

    reset, declared, clock, events = answers
    campaign = "arn:aws:personalize:us-east-1:123456789012:campaign/shop-recs"
    assert reset == declared == {"campaigns": {"shop-recs": campaign}, "recommenders": {}}
    assert (clock["manual"], clock["lifecycle"]) == (True, "clock")
    assert events == {"events": []}
    runtime = boto3.client(
        "personalize-runtime",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u2")
    assert [item["itemId"] for item in answer["itemList"]] == ["i4"]  # declared by curl, over the config's i9


def test_the_unittest_example_runs_under_unittest(tmp_path: Path) -> None:
    block = example("unittest")
    first = block.text.splitlines()[0]
    assert first == "# test_shop.py -- run with: python -m unittest test_shop"
    (tmp_path / "test_shop.py").write_text(block.text, encoding="utf-8")

    ran = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "test_shop"],
        cwd=tmp_path,
        env=_clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert ran.returncode == 0, ran.stderr
    assert "Ran 2 tests" in ran.stderr and ran.stderr.rstrip().endswith("OK")


def test_the_ini_settings(pytester: pytest.Pytester) -> None:
    block = example("ini")
    assert block.text.startswith("# pytest.ini\n[pytest]\n")
    (pytester.path / "pytest.ini").write_text(block.text, encoding="utf-8")
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from botocore.config import Config

        def test_instant_and_two_groups(personalize_fake):
            client = boto3.client("personalize", config=Config(retries={"total_max_attempts": 1}))
            for name in ("a", "b"):
                arn = client.create_dataset_group(name=name)["datasetGroupArn"]
                assert client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"] == "ACTIVE"
            with pytest.raises(client.exceptions.LimitExceededException):
                client.create_dataset_group(name="c")

        def test_the_server_too(personalize_server):
            assert personalize_server.backend.dataset_group_quota == 2
            assert personalize_server.backend.lifecycle.advance == "instant"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
