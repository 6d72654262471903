"""The markers' arguments and the run's settings as typed values (pytest_personalize._options, _settings)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pytest_personalize import UsageError, common_errors, modeled_errors
from pytest_personalize._options import CassetteOptions, ErrorMatrixOptions, MarkerOptions, PersonalizeOptions
from pytest_personalize._settings import Settings

pytest_plugins = ["pytester"]

OPTION_TYPES: list[type[MarkerOptions]] = [PersonalizeOptions, CassetteOptions, ErrorMatrixOptions]


@pytest.mark.parametrize("options", OPTION_TYPES, ids=lambda options: options.marker)
def test_a_misspelt_key_names_itself_and_the_accepted_ones(options: type[MarkerOptions]) -> None:
    accepted = [field.name for field in dataclasses.fields(options)]  # type: ignore[arg-type]
    listed = ", ".join(accepted[:-1]) + f" and {accepted[-1]}"
    with pytest.raises(UsageError) as raised:
        options.from_arguments({accepted[0] + "s": True})
    assert str(raised.value) == f"unknown argument(s) {accepted[0]}s; it takes {listed}"


@pytest.mark.parametrize("options", OPTION_TYPES, ids=lambda options: options.marker)
def test_the_options_are_frozen_and_keyword_only(options: type[MarkerOptions]) -> None:
    built = options.from_arguments({})
    name = dataclasses.fields(built)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, name, None)
    with pytest.raises(TypeError):
        options("positional")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("options", "arguments", "message"),
    [
        (PersonalizeOptions, {"assert_all_used": 0}, "assert_all_used must be True or False, not 0"),
        (CassetteOptions, {"name": 5}, "name must be a string, not 5"),
        (CassetteOptions, {"scrub_account_ids": "yes"}, "scrub_account_ids must be True or False, not 'yes'"),
        (ErrorMatrixOptions, {"exclude": "InvalidInputException"}, "exclude must be a list of error codes"),
        (ErrorMatrixOptions, {"common": None}, "common must be True or False, not None"),
    ],
)
def test_a_value_of_the_wrong_kind_is_named(
    options: type[MarkerOptions], arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        options.from_arguments(arguments)


def test_the_error_matrix_holds_exclusions_as_a_tuple_and_runs_what_is_left() -> None:
    matrix = ErrorMatrixOptions(operation="create_dataset_group", common=True, exclude=["ThrottlingException"])  # type: ignore[arg-type]
    assert matrix.exclude == ("ThrottlingException",)
    expected = modeled_errors("CreateDatasetGroup") + tuple(c for c in common_errors() if c != "ThrottlingException")
    assert matrix.codes() == expected


def test_markers_merge_the_closest_winning_and_the_matrix_takes_the_closest_alone(pytester: pytest.Pytester) -> None:
    test_file = pytester.makepyfile(
        """
        import pytest

        pytestmark = [
            pytest.mark.personalize(assert_all_used=False, sleep_on_retry=True),
            pytest.mark.personalize_cassette(scrub_account_ids=True),
            pytest.mark.personalize_error_matrix("DeleteDatasetGroup", common=True),
        ]

        class TestIt:
            @pytest.mark.personalize(sleep_on_retry=False)
            @pytest.mark.personalize_cassette("shared/one")
            @pytest.mark.personalize_error_matrix("CreateDatasetGroup")
            def test_x(self):
                pass
        """
    )
    (item,) = pytester.getitems(test_file)
    assert PersonalizeOptions.of(item) == PersonalizeOptions(assert_all_used=False, sleep_on_retry=False)
    assert CassetteOptions.of(item) == CassetteOptions(name="shared/one", scrub_account_ids=True)
    assert ErrorMatrixOptions.of(item) == ErrorMatrixOptions(operation="CreateDatasetGroup")


@pytest.mark.parametrize(
    ("args", "ini", "expected"),
    [
        ((), "", Settings()),
        (
            ("--personalize-region=eu-west-1", "--personalize-record-mode=once", "--personalize-fail-unplayed"),
            "personalize_record_mode = all\npersonalize_region = cn-north-1\n",
            Settings(region="eu-west-1", record_mode="once", fail_unplayed=True),
        ),
        (
            (),
            "personalize_record_mode = new_episodes\npersonalize_fail_unplayed = yes\npersonalize_cassette_dir = rec\n",
            Settings(record_mode="new_episodes", fail_unplayed=True, cassette_dir=Path("rec")),
        ),
    ],
)
def test_settings_take_the_option_over_the_ini_key_over_the_default(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, expected: Settings
) -> None:
    pytester.makeini("[pytest]\n" + ini)
    assert Settings.from_config(pytester.parseconfig(*args)) == expected
