"""``serve --config FILE``: a TOML or JSON file read into what ``serve`` starts with.

The file sets the backend's settings -- in the shape of the ``personalize_backend_settings``
fixture (``lifecycle``, ``dataset_group_quota``, ``quotas``), plus ``account`` -- the default
region, the port, whether a test drives the clock, and the campaigns and recommenders to deploy
with what they answer (the test controls' declarations document,
:func:`pytest_personalize.emulator.admin.read_declarations`). Every bad key or value is a
:class:`ConfigError` naming the key and what it accepts; ``serve`` prints it as a usage error.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .emulator.admin import Declarations

TOP_KEYS = ("port", "region", "account", "lifecycle", "quotas", "campaigns", "recommenders", "declare")
LIFECYCLE_KEYS = ("mode", "in_progress", "describes_per_stage", "seconds_per_stage", "clock")
CLOCKS = ("wall", "manual")
_ACCOUNT = re.compile(r"[0-9]{12}")


class ConfigError(ValueError):
    """A config file ``serve`` can't take: the message names the file, the key and what is accepted."""


@dataclass(frozen=True)
class ServeConfig:
    """What ``serve`` starts with; each field None where the file is silent (the flags or defaults decide)."""

    port: int | None = None
    region: str | None = None
    account: str | None = None
    mode: str | None = None
    in_progress: bool = False
    describes_per_stage: int = 1
    seconds_per_stage: float = 60.0
    manual_clock: bool = False
    # By type, as Backend's quotas (DatasetGroup included): None is no cap.
    quotas: dict[str, int | None] = field(default_factory=dict)
    declarations: Declarations | None = None

    def backend_settings(
        self, mode: str | None = None, quotas: Mapping[str, int | None] | None = None
    ) -> dict[str, Any]:
        """``Backend``'s keyword arguments, as the ``personalize_backend_settings`` fixture gives them.

        ``mode`` and ``quotas`` are the command line's, over the file's.
        """
        from .emulator.backend import DEFAULT_DATASET_GROUP_QUOTA, Lifecycle

        merged = {**self.quotas, **(quotas or {})}
        settings: dict[str, Any] = {
            "lifecycle": Lifecycle(
                mode or self.mode or ("clock" if self.manual_clock else "describe"),
                self.in_progress,
                self.describes_per_stage,
                self.seconds_per_stage,
            ),
            "dataset_group_quota": merged.pop("DatasetGroup", DEFAULT_DATASET_GROUP_QUOTA),
            "quotas": merged,
        }
        if self.account is not None:
            settings["account"] = self.account
        return settings


def load(path: Path) -> ServeConfig:
    """Read ``path`` (``.toml`` or ``.json``); :class:`ConfigError` names what is wrong."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ConfigError(f"{where}: name a .toml or a .json file (the suffix says which), not {path.suffix or 'none'}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{where}: can't read it: {error}") from None
    try:
        if suffix == ".json":
            document = json.loads(text)
        else:
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # the same parser, before the standard library took it in (a dependency below 3.11)
                import tomli as tomllib
            document = tomllib.loads(text)
    except ValueError as error:  # json.JSONDecodeError and tomllib.TOMLDecodeError are ValueErrors
        raise ConfigError(f"{where}: not valid {suffix[1:].upper()}: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{where}: expected a table (a JSON object) of {', '.join(TOP_KEYS)}")
    return read(document, where)


def read(document: Mapping[str, Any], where: str = "config") -> ServeConfig:
    """A parsed document as a :class:`ServeConfig`; :class:`ConfigError` names the key."""
    from .emulator.admin import AdminInputError, read_declarations

    _only(document, TOP_KEYS, where, "")
    values: dict[str, Any] = {}
    if "port" in document:
        values["port"] = _port(document["port"], where)
    if "region" in document:
        values["region"] = check_region(document["region"], f"{where}: region")
    if "account" in document:
        values["account"] = check_account(document["account"], f"{where}: account")
    if "lifecycle" in document:
        values.update(_lifecycle(document["lifecycle"], where))
    if "quotas" in document:
        values["quotas"] = _quotas(document["quotas"], where)
    try:
        values["declarations"] = read_declarations(document)
    except AdminInputError as error:
        raise ConfigError(f"{where}: {error}") from None
    return ServeConfig(**values)


def check_region(value: Any, what: str) -> str:
    from .model import spec

    if not isinstance(value, str) or not spec.is_region_name(value):
        raise ConfigError(f"{what} = {_shown(value)}: expected an AWS region name, such as us-east-1 or eu-west-1")
    return value


def check_account(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _ACCOUNT.fullmatch(value):
        raise ConfigError(f'{what} = {_shown(value)}: expected an account id, 12 digits as a string ("123456789012")')
    return value


def _port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ConfigError(f"{where}: port = {_shown(value)}: expected a port, 0 (any free one) to 65535")
    return value


def _lifecycle(value: Any, where: str) -> dict[str, Any]:
    from .emulator.backend import ADVANCE_MODES

    if isinstance(value, str):
        value = {"mode": value}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where}: lifecycle = {_shown(value)}: expected one of {', '.join(ADVANCE_MODES)}, "
            f"or a table of {', '.join(LIFECYCLE_KEYS)}"
        )
    _only(value, LIFECYCLE_KEYS, where, "lifecycle.")
    found: dict[str, Any] = {}
    mode = value.get("mode")
    if mode is not None:
        if mode not in ADVANCE_MODES:
            raise ConfigError(f"{where}: lifecycle.mode = {_shown(mode)}: choose one of {', '.join(ADVANCE_MODES)}")
        found["mode"] = mode
    if "in_progress" in value:
        if not isinstance(value["in_progress"], bool):
            raise ConfigError(
                f"{where}: lifecycle.in_progress = {_shown(value['in_progress'])}: expected true or false"
            )
        found["in_progress"] = value["in_progress"]
    if "describes_per_stage" in value:
        count = value["describes_per_stage"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigError(
                f"{where}: lifecycle.describes_per_stage = {_shown(count)}: expected a whole number, 1 or more"
            )
        found["describes_per_stage"] = count
    if "seconds_per_stage" in value:
        seconds = value["seconds_per_stage"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < float("inf"):
            raise ConfigError(
                f"{where}: lifecycle.seconds_per_stage = {_shown(seconds)}: expected a positive number of seconds"
            )
        found["seconds_per_stage"] = float(seconds)
    if "clock" in value:
        clock = value["clock"]
        if clock not in CLOCKS:
            raise ConfigError(
                f"{where}: lifecycle.clock = {_shown(clock)}: choose wall (the default) or manual "
                "(a test moves it through the test controls)"
            )
        if clock == "manual" and found.get("mode", "clock") != "clock":
            raise ConfigError(
                f'{where}: lifecycle.clock = "manual" drives the clock mode, but lifecycle.mode = {_shown(mode)}: '
                'drop mode or make it "clock"'
            )
        found["manual_clock"] = clock == "manual"
    return found


def _quotas(value: Any, where: str) -> dict[str, int | None]:
    from .emulator.backend import parse_quota

    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: quotas = {_shown(value)}: expected a table of TYPE = N, e.g. Filter = 20")
    quotas: dict[str, int | None] = {}
    for kind, limit in value.items():
        if isinstance(limit, bool) or not isinstance(limit, (int, str)):
            raise ConfigError(
                f'{where}: quotas.{kind} = {_shown(limit)}: expected a whole number, 0 or more, or "none"'
            )
        try:
            parsed_kind, parsed = parse_quota(f"{kind}={limit}")
        except ValueError as error:
            raise ConfigError(f"{where}: quotas.{kind}: {error}") from None
        quotas[parsed_kind] = parsed
    return quotas


def _only(table: Mapping[str, Any], keys: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in keys:
            raise ConfigError(f"{where}: unknown key '{prefix}{key}'; accepted: {', '.join(prefix + k for k in keys)}")


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
