"""The command-line options and ini keys as typed values, read once per run.

:class:`Settings` is read when pytest is configured, in every run of a project that has the
plugin installed, used or not: this module imports nothing heavy. The fake's and the server's
ini keys are read when a fixture first needs them (:func:`backend_settings`), since checking
them needs the model. A bad value is pytest's UsageError, naming the option or key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ._constants import DEFAULT_REGION, RECORD_MODES


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The command-line options and ini keys of a run, each option over its ini key over the default."""

    region: str = DEFAULT_REGION
    record_mode: str = "none"
    fail_unplayed: bool = False
    # Stop every Personalize request that no Personalize fixture answers, for the whole session.
    guard: bool = False
    # As given: relative to the rootdir unless absolute.
    cassette_dir: Path = Path("cassettes")
    # Lend the client fixtures' clients from a pool built once per process.
    lend_clients: bool = True

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Read once, when pytest is configured: a bad record mode stops the run before any test."""
        mode = str(config.getoption("personalize_record_mode") or config.getini("personalize_record_mode") or "none")
        if mode.strip() not in RECORD_MODES:
            # The value as written, spaces included, so the user finds it.
            raise pytest.UsageError(f"ini personalize_record_mode = {mode!r}: choose one of {', '.join(RECORD_MODES)}")
        fail_unplayed = bool(config.getoption("personalize_fail_unplayed")) or _true(
            config, "personalize_fail_unplayed"
        )
        guard = bool(config.getoption("personalize_guard")) or _true(config, "personalize_guard")
        return cls(
            region=str(config.getoption("personalize_region") or config.getini("personalize_region") or DEFAULT_REGION),
            record_mode=mode.strip(),
            fail_unplayed=fail_unplayed,
            guard=guard,
            cassette_dir=Path(str(config.getini("personalize_cassette_dir") or "cassettes")),
            lend_clients=bool(config.getini("personalize_lend_clients")),
        )


def _true(config: pytest.Config, key: str) -> bool:
    return str(config.getini(key) or "false").strip().lower() in ("1", "true", "yes", "on")


_BACKEND_SETTINGS = pytest.StashKey[dict[str, Any]]()


def backend_settings(config: pytest.Config) -> dict[str, Any]:
    """The ini keys of the fake and the server as ``Backend``'s keyword arguments, a new dict each time.

    ``personalize_lifecycle``, ``personalize_dataset_group_quota`` and ``personalize_quotas``,
    read when a fixture first needs them; pytest's UsageError names a bad value and its key.
    """
    settings = config.stash.get(_BACKEND_SETTINGS, None)
    if settings is None:
        settings = config.stash[_BACKEND_SETTINGS] = _read_backend_settings(config)
    # A copy: whoever gets the settings may change them (a conftest's override, say).
    return {**settings, "quotas": dict(settings["quotas"])}


def _read_backend_settings(config: pytest.Config) -> dict[str, Any]:
    from .emulator.backend import ADVANCE_MODES, Lifecycle, parse_quota

    advance = str(config.getini("personalize_lifecycle") or "describe").strip()
    if advance not in ADVANCE_MODES:
        raise pytest.UsageError(f"ini personalize_lifecycle = {advance!r}: choose one of {', '.join(ADVANCE_MODES)}")
    quota = str(config.getini("personalize_dataset_group_quota") or "5").strip()
    if not quota.isdigit():
        raise pytest.UsageError(f"ini personalize_dataset_group_quota = {quota!r}: expected a whole number")
    quotas: dict[str, int | None] = {}
    for entry in config.getini("personalize_quotas"):
        try:
            kind, limit = parse_quota(entry)
        except ValueError as error:
            raise pytest.UsageError(f"ini personalize_quotas: {error}") from None
        quotas[kind] = limit
    return {"lifecycle": Lifecycle(advance), "dataset_group_quota": int(quota), "quotas": quotas}
