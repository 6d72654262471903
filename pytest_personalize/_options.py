"""The markers' arguments as typed values, one frozen keyword-only class per marker.

A marker's arguments become an object as pytest_httpx builds its options
(``_HTTPXMockOptions(**marker.kwargs)``): a misspelt key or a value of the wrong kind fails where
the object is built, failing the test that carries the marker, naming the key and what the
marker takes. The command-line options and ini keys are in ``_settings``.

The fixtures and hooks import this module when a test uses the plugin, not when pytest starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn, TypeVar

import pytest

from ._constants import CASSETTE_MARKER, ERROR_MATRIX_MARKER, OPTIONS_MARKER
from .model.errors import UsageError

_Options = TypeVar("_Options", bound="MarkerOptions")


class MarkerOptions:
    """What the options of every marker share: how they are built from the markers on a test."""

    marker: ClassVar[str]
    # What a positional argument stands for, in order; without any, the marker takes keywords only.
    positional: ClassVar[tuple[str, ...]] = ()
    # Whether a class's and a module's markers add to the test's own (the closest wins, key by
    # key), or the closest marker alone counts.
    merged: ClassVar[bool] = True

    @classmethod
    def of(cls: type[_Options], node: pytest.Item) -> _Options:
        """The options the markers on ``node`` give; a bad argument fails the test, naming it."""
        __tracebackhide__ = True
        try:
            return cls.from_arguments(cls.arguments(node))
        except UsageError as error:
            problem = error  # failed outside the handler: no "During handling" chain for the user
        cls.fail(node, problem)

    @classmethod
    def fail(cls, node: pytest.Item, problem: object) -> NoReturn:
        """Fail the test (or its collection) for a problem with its marker, naming the marker and the test."""
        __tracebackhide__ = True
        pytest.fail(f"@pytest.mark.{cls.marker} on {node.nodeid}: {problem}", pytrace=False)

    @classmethod
    def arguments(cls, node: pytest.Item) -> dict[str, Any]:
        """The markers' arguments by name, the closest marker's first."""
        markers = list(node.iter_markers(cls.marker))
        arguments: dict[str, Any] = {}
        for marker in markers if cls.merged else markers[:1]:
            if len(marker.args) > len(cls.positional):
                if not cls.positional:
                    raise UsageError("it takes keyword arguments only")
                raise UsageError(
                    f"it takes at most {len(cls.positional)} positional argument(s) "
                    f"({_and(cls.positional)}), not {len(marker.args)}"
                )
            named = dict(zip(cls.positional, marker.args, strict=False))
            twice = sorted(set(named) & set(marker.kwargs))
            if twice:
                raise UsageError(f"{_and(twice)} given both by position and by keyword")
            for key, value in {**named, **marker.kwargs}.items():
                arguments.setdefault(key, value)
        return arguments

    @classmethod
    def from_arguments(cls: type[_Options], arguments: Mapping[str, Any]) -> _Options:
        """The options from keyword arguments; UsageError names an unknown one, with the accepted ones."""
        accepted = [option.name for option in dataclasses.fields(cls)]  # type: ignore[arg-type]
        unknown = sorted(set(arguments) - set(accepted))
        if unknown:
            raise UsageError(f"unknown argument(s) {', '.join(unknown)}; it takes {_and(accepted)}")
        return cls(**arguments)


@dataclass(frozen=True, kw_only=True)
class PersonalizeOptions(MarkerOptions):
    """``@pytest.mark.personalize(*, assert_all_used=True, sleep_on_retry=False)``."""

    marker: ClassVar[str] = OPTIONS_MARKER

    # Whether a queued answer or a fail_next fault left unused fails the test at teardown.
    assert_all_used: bool = True
    # Whether botocore's retries sleep their back-off under personalize_fake.
    sleep_on_retry: bool = False

    def __post_init__(self) -> None:
        _check_bool("assert_all_used", self.assert_all_used)
        _check_bool("sleep_on_retry", self.sleep_on_retry)


@dataclass(frozen=True, kw_only=True)
class CassetteOptions(MarkerOptions):
    """``@pytest.mark.personalize_cassette(name=None, *, scrub_account_ids=False, matching=None)``."""

    marker: ClassVar[str] = CASSETTE_MARKER
    positional: ClassVar[tuple[str, ...]] = ("name",)

    # The cassette's name, relative to the cassette directory, without .yaml; None: the test's own.
    name: str | None = None
    # Whether recording replaces each account id with a placeholder too.
    scrub_account_ids: bool = False
    # Members to ignore or normalise, and a custom matcher ({"ignore": [...], "normalize": {...},
    # "matcher": f}), added to the personalize_cassette_matching fixture's.
    matching: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.name is not None and not isinstance(self.name, str):
            raise UsageError(f"name must be a string, not {self.name!r}")
        _check_bool("scrub_account_ids", self.scrub_account_ids)
        if self.matching is not None:
            from .recording.matching import Matching

            Matching.of(self.matching)  # a misspelt key or a bad pattern fails the test, named


@dataclass(frozen=True, kw_only=True)
class ErrorMatrixOptions(MarkerOptions):
    """``@pytest.mark.personalize_error_matrix(operation="CreateDatasetGroup", *, common=False, exclude=())``."""

    marker: ClassVar[str] = ERROR_MATRIX_MARKER
    positional: ClassVar[tuple[str, ...]] = ("operation",)
    # A matrix is one operation's errors: exclusions a module names for another operation's
    # matrix mean nothing for the test's own, so the closest marker alone counts.
    merged: ClassVar[bool] = False

    operation: str = "CreateDatasetGroup"
    # Whether the errors any operation may answer with are run too.
    common: bool = False
    # Error codes the matrix leaves out.
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.operation, str):
            raise UsageError(f"operation must be an operation's name, not {self.operation!r}")
        _check_bool("common", self.common)
        exclude: Any = self.exclude
        if not isinstance(exclude, (list, tuple, set, frozenset)) or not all(isinstance(c, str) for c in exclude):
            raise UsageError(f"exclude must be a list of error codes, not {exclude!r}")
        object.__setattr__(self, "exclude", tuple(exclude))

    @classmethod
    def codes_for(cls, node: pytest.Item) -> tuple[str, ...]:
        """The codes the closest matrix marker on ``node`` runs; a bad argument fails the collection, naming it."""
        __tracebackhide__ = True
        try:
            return cls.from_arguments(cls.arguments(node)).codes()
        except UsageError as error:
            problem = error
        cls.fail(node, problem)

    def codes(self) -> tuple[str, ...]:
        """The codes the matrix runs: the operation's modeled errors, the common ones if asked, less ``exclude``."""
        from .model.rules import common_errors
        from .model.spec import modeled_errors, operation_name

        codes = modeled_errors(self.operation) + (common_errors() if self.common else ())
        unknown = [code for code in self.exclude if code not in codes]
        if unknown:
            raise UsageError(
                f"exclude names {', '.join(unknown)}, which {operation_name(self.operation)} doesn't answer "
                f"with here; the matrix holds: {', '.join(codes)}"
            )
        kept = tuple(code for code in codes if code not in self.exclude)
        if not kept:
            raise UsageError("exclude leaves no error code to run the test with")
        return kept


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {value!r}")


def _and(names: list[str] | tuple[str, ...]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
