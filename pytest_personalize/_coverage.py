"""Error-path coverage: which errors of each Personalize operation a suite drove its code through.

Every mode reports the answers it gave (operation, error code or None) when its fixture ends
(:func:`record`); the session adds them up, merges pytest-xdist workers' tallies, and compares
them with every error the operation can answer with: the ones its model declares and the common
ones. ``--personalize-coverage`` and ``--personalize-coverage-json`` have the plugin register
:class:`ErrorCoveragePlugin`, whose hooks do that; without them nothing here runs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from .model import rules as _rules
from .model import spec as _spec

FORMAT_VERSION = 1
PLUGIN_NAME = "personalize-coverage"
# Where a pytest-xdist worker hands its tally to the controller.
_WORKER_KEY = "pytest_personalize_coverage"


class ErrorCoverage:
    """A tally of answers per operation and error code (None for a success)."""

    def __init__(self) -> None:
        self._answers: Counter[tuple[str, str | None]] = Counter()

    def add(self, answers: Iterable[tuple[str, str | None]]) -> None:
        self._answers.update(answers)

    def merge(self, document: Mapping[str, Any]) -> None:
        """Add a tally written by :meth:`to_json` (a pytest-xdist worker's)."""
        for operation, entry in document.get("operations", {}).items():
            self._answers[(operation, None)] += int(entry.get("successes", 0))
            for code, count in entry.get("errors", {}).items():
                self._answers[(operation, code)] += int(count)

    def __bool__(self) -> bool:
        return bool(self._answers)

    def to_json(self) -> dict[str, Any]:
        operations: dict[str, Any] = {}
        for operation in sorted({operation for operation, _ in self._answers}):
            errors = {code: n for (op, code), n in sorted(self._answers.items(), key=_key) if op == operation and code}
            modeled = _spec.modeled_errors(operation)
            operations[operation] = {
                "successes": self._answers[(operation, None)],
                "errors": errors,
                "modeled": list(modeled),
                "modeled_never_exercised": [code for code in modeled if code not in errors],
                "common_never_exercised": [code for code in _rules.COMMON_ERRORS if code not in errors],
            }
        return {"version": FORMAT_VERSION, "operations": operations}

    def report(self) -> list[str]:
        """The terminal report: per operation called, the errors exercised and the modeled ones never."""
        document = self.to_json()["operations"]
        if not document:
            return ["No Amazon Personalize operation was called."]
        exercised = sum(len(set(entry["modeled"]) & set(entry["errors"])) for entry in document.values())
        total = sum(len(entry["modeled"]) for entry in document.values())
        lines = [f"{len(document)} operations called; {exercised} of their {total} modeled errors exercised."]
        for operation, entry in document.items():
            calls = entry["successes"] + sum(entry["errors"].values())
            lines.append(f"{operation} ({calls} {'call' if calls == 1 else 'calls'})")
            lines.append(f"  exercised: {', '.join(entry['errors']) or '-'}")
            lines.append(f"  never:     {', '.join(entry['modeled_never_exercised']) or '-'} (modeled)")
        return lines


def _key(item: tuple[tuple[str, str | None], int]) -> tuple[str, str]:
    (operation, code), _ = item
    return operation, code or ""


def check_json_path(value: str) -> Path:
    """The JSON report's path, or a ValueError saying why it can't be written."""
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{value!r} is a directory; give the path of a file to write")
    if not path.parent.exists():
        raise ValueError(f"the directory {str(path.parent)!r} does not exist")
    return path


def write_json(coverage: ErrorCoverage, path: Path) -> None:
    path.write_text(json.dumps(coverage.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")


class ErrorCoveragePlugin:
    """The hooks of the error-path coverage report, registered while a run asks for it."""

    def __init__(self, *, report: bool, json_path: str | None) -> None:
        self.coverage = ErrorCoverage()
        self.report = report
        self.json_path = json_path

    @classmethod
    def register(cls, config: pytest.Config, *, report: bool, json_path: str | None) -> None:
        """Register the hooks for this run; a JSON path that can't be written is a usage error, before any test."""
        if json_path is not None:
            try:
                check_json_path(json_path)
            except ValueError as error:
                raise pytest.UsageError(f"--personalize-coverage-json={json_path}: {error}") from None
        config.pluginmanager.register(cls(report=report, json_path=json_path), PLUGIN_NAME)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # a pytest-xdist worker: the controller reports
            workeroutput[_WORKER_KEY] = self.coverage.to_json()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        document = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if document is not None:
            self.coverage.merge(document)

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if getattr(config, "workeroutput", None) is not None:
            return
        if self.report:
            terminalreporter.section("Amazon Personalize error-path coverage")
            for line in self.coverage.report():
                terminalreporter.write_line(line)
        if self.json_path is not None:
            write_json(self.coverage, Path(self.json_path))
            terminalreporter.write_line(f"Personalize error-path coverage written to {self.json_path}")


def record(config: pytest.Config, answers: Iterable[tuple[str, str | None]]) -> None:
    """Add a mode's answers to the run's tally, if the run keeps one."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if plugin is not None:
        plugin.coverage.add(answers)
