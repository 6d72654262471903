"""Installing the plugin costs a project that doesn't use it no heavy import.

pytest loads the plugin in every run. Until a test asks for a Personalize fixture, boto3,
botocore, vcrpy and regex stay unimported, and so does the plugin's own model of the service: checked in a fresh interpreter (a subprocess), since
this suite's own process has them loaded already. What the import costs in time is measured in
benchmarks/ (row 8), as a ratio.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

HEAVY = ("boto3", "botocore", "vcr", "regex")

CONFTEST = f"""
import json
import sys


def pytest_sessionfinish(session):
    loaded = sorted(name for name in {HEAVY!r} if name in sys.modules)
    plugin = "pytest_personalize.plugin" in sys.modules
    # The service's model (its rules, its spec) is ours but heavy too: it waits for a fixture.
    model = sorted(name for name in sys.modules if name.startswith("pytest_personalize.model."))
    with open("modules.json", "w") as handle:
        json.dump({{"heavy": loaded, "plugin": plugin, "model": model}}, handle)
"""


def loaded_after(pytester: pytest.Pytester, test: str) -> dict[str, object]:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test)
    # Every installed plugin loads, as in a downstream project's run, except pytest-recording:
    # before 0.14 it imports vcrpy itself when pytest loads it, which is its cost, not ours.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:recording")
    result.assert_outcomes(passed=1)
    return dict(json.loads((pytester.path / "modules.json").read_text()))


def test_a_run_without_personalize_fixtures_imports_none_of_the_heavy_libraries(pytester: pytest.Pytester) -> None:
    loaded = loaded_after(pytester, "def test_plain():\n    assert 1 + 1 == 2\n")

    assert loaded == {"heavy": [], "plugin": True, "model": ["pytest_personalize.model.errors"]}


def test_a_fixture_that_needs_them_imports_them(pytester: pytest.Pytester) -> None:
    # The same check sees the libraries when a fixture does load them: it can fail.
    loaded = loaded_after(pytester, "def test_stubbed(personalize_stubber):\n    pass\n")

    assert "botocore" in loaded["heavy"]  # type: ignore[operator]
    assert "pytest_personalize.model.spec" in loaded["model"]  # type: ignore[operator]


HOOKS = """
import json


def pytest_sessionfinish(session):
    ours = [impl.plugin_name for impl in session.config.hook.pytest_runtest_makereport.get_hookimpls()
            if "personalize" in impl.plugin_name]
    names = sorted({name for item in session.items for name in item.fixturenames if "personalize" in name})
    with open("per_test.json", "w") as handle:
        json.dump({"hooks": ours, "fixtures": names}, handle)
"""


def per_test_work(pytester: pytest.Pytester, test: str, **outcomes: int) -> dict[str, list[str]]:
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(test)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(**outcomes)
    return dict(json.loads((pytester.path / "per_test.json").read_text()))


def test_a_suite_without_personalize_use_runs_no_hook_or_fixture_of_ours_per_test(pytester: pytest.Pytester) -> None:
    work = per_test_work(pytester, "def test_plain():\n    assert 1 + 1 == 2\n", passed=1)

    assert work == {"hooks": [], "fixtures": []}


def test_a_personalize_fixture_brings_the_report_hook(pytester: pytest.Pytester) -> None:
    work = per_test_work(pytester, "def test_stubbed(personalize_stubber):\n    pass\n", passed=1)

    assert work["hooks"] == ["personalize-outcomes"]


def test_the_cassette_marker_on_one_parametrized_case_turns_on_its_cassette_only(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_record_mode = all\n")
    work = per_test_work(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize("marked", [pytest.param(True, marks=pytest.mark.personalize_cassette), False])
        def test_case(request, marked):
            assert ("personalize_cassette" in request.fixturenames) is marked
        """,
        passed=2,
    )

    assert work["hooks"] == ["personalize-outcomes"]


def test_a_marker_a_conftest_adds_at_collection_turns_the_cassette_on(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npersonalize_record_mode = all\n")
    pytester.makepyfile(
        conftest_marks="""
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                item.add_marker(pytest.mark.personalize_cassette("added"))
        """
    )
    pytester.makepyfile(
        test_added="def test_case(request):\n    assert 'personalize_cassette' in request.fixturenames\n"
    )
    pytester.makeconftest("pytest_plugins = ['conftest_marks']\n")

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
