"""The public surface: every name in __all__ resolves, and importing it stays cheap."""

from __future__ import annotations

import pytest

import pytest_personalize


@pytest.mark.parametrize("name", pytest_personalize.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(pytest_personalize, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        pytest_personalize.Nope  # noqa: B018
