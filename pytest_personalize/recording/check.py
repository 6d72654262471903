"""``python -m pytest_personalize check``: are these cassettes still true, and are they clean?

A cassette recorded last year may hold answers the service model no longer allows (a renamed
member, a new enum value, a tighter pattern); replaying it would test the code against a
service that no longer exists. And a cassette is committed, so credentials in it are leaked.
Each recorded Personalize response is checked with the spec engine (``_validate``) and the rules
the stubber holds a queued answer to (``model.rules.response_problems``: the statuses a resource
reports, ARN forms, the ARN a request named); each part of each interaction is scanned with the
scrubber's own rules (``_cassette_scrub``).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..model import spec as _spec
from . import scrub as _cassette_scrub
from .scrub import Finding

DEFAULT_DIRECTORY = "cassettes"
# Our files end with this line; vcrpy's have no such key.
_OUR_COUNT = re.compile(rb"^interaction_count: ?[0-9]{1,12}[ \t\r]*$", re.MULTILINE)


@dataclass
class Report:
    """What ``check`` found: violations of the model and credential material, per place."""

    cassettes: int = 0
    interactions: int = 0
    violations: list[Finding] = field(default_factory=list)
    credentials: list[Finding] = field(default_factory=list)
    # Files that aren't readable cassettes (truncated, malformed): not the model's fault.
    format_errors: list[Finding] = field(default_factory=list)
    # Cassettes vcrpy or pytest-recording wrote that hold credential material: migrate scrubs them.
    vcrpy_leaks: list[Path] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations and not self.credentials and not self.format_errors

    def render(self) -> str:
        lines = [finding.render() for finding in self.format_errors + self.violations + self.credentials]
        summary = f"checked {self.cassettes} cassette(s), {self.interactions} interaction(s): "
        if self.clean:
            summary += "every response conforms to the service model, and no credential material was found"
        else:
            summary += (
                f"{len(self.format_errors)} format error(s), {len(self.violations)} model violation(s), "
                f"{len(self.credentials)} credential finding(s)"
            )
        if self.vcrpy_leaks:
            files = " ".join(shlex.quote(str(path)) for path in self.vcrpy_leaks[:5])
            more = " ..." if len(self.vcrpy_leaks) > 5 else ""
            lines.append(
                f"{len(self.vcrpy_leaks)} of these cassette(s) were written by vcrpy or pytest-recording, which keep the "
                "access key id and the signature of Authorization. Convert them into scrubbed cassettes (the originals "
                f"stay as they are unless --in-place): python -m pytest_personalize migrate {files}{more} --output DIR"
            )
        return "\n".join([*lines, summary])


def check_paths(paths: Sequence[str | Path]) -> Report:
    """Check every cassette under ``paths`` (files, or directories searched for ``*.yaml``)."""
    from .cassette import cassette_files

    report = Report()
    for path in cassette_files(paths):
        check_file(path, report)
    return report


def check_file(path: Path, report: Report) -> None:
    from ..wire.requests import AUTHORIZATION_HEADER, identity_from_authorization, named_operation, text
    from .file import CassetteFormatError, loads_bytes

    report.cassettes += 1
    try:
        data = path.read_bytes()
    except OSError as error:
        report.format_errors.append(Finding(str(path), f"cannot be read: {error.strerror or error}"))
        return
    raw = data.decode("utf-8", errors="replace")
    # The recorder's detector, taught by the whole file first: a secret found by its name in one
    # place is then found bare in every other, as the recorder would have scrubbed it.
    secrets = _cassette_scrub.Secrets()
    raw_findings = _cassette_scrub.text_findings(str(path), raw, secrets)
    try:
        interactions = loads_bytes(data, path)
    except CassetteFormatError as error:
        report.format_errors.append(Finding(str(path), error.problem))
        # Still report secrets in what is there: a broken cassette is committed all the same.
        report.credentials.extend(raw_findings)
        return
    for request, _response in interactions:
        for name, value in request.headers.items():
            _cassette_scrub.learn_header(secrets, name, text(value))
    # Findings are per file: a secret reported in one cassette is reported again in the next.
    before = len(report.credentials)
    for number, (request, response) in enumerate(interactions, start=1):
        report.interactions += 1
        # As the request names it: an operation the installed model lacks is a finding below.
        target = text(request.headers.get("X-Amz-Target", ""))
        operation = named_operation(request.method, urlparse(request.uri).path or "/", target) or ""
        where = f"{path}: interaction {number}" + (f" ({operation})" if operation else "")
        request_body = text(request.body) or ""
        response_body = text(response["body"]["string"]) or ""
        report.credentials.extend(_interaction_credentials(where, request, response, secrets))
        if operation:
            status = int(response["status"]["code"])
            error_type = next(
                (
                    values[0]
                    for name, values in response["headers"].items()
                    if name.lower() == "x-amzn-errortype" and values
                ),
                "",
            )
            # A finding quotes what it found wrong, which may hold what the scrubber would have hidden.
            region, _account = identity_from_authorization(
                text(request.headers.get(AUTHORIZATION_HEADER, "")), default_region=""
            )
            report.violations.extend(
                Finding(finding.where, secrets.scrub(finding.kind))
                for finding in _model_findings(
                    where, operation, status, request_body, response_body, text(error_type), region or None
                )
            )
    # Comments and anything else outside the interactions; each secret once, as the raw text
    # holds again what the interactions' scan reported.
    seen = {finding.secret.lower() or finding.kind for finding in report.credentials[before:]}
    report.credentials.extend(
        finding for finding in raw_findings if (finding.secret.lower() or finding.kind) not in seen
    )
    if len(report.credentials) > before and not _OUR_COUNT.search(data):
        report.vcrpy_leaks.append(path)


def _interaction_credentials(
    where: str, request: Any, response: dict[str, Any], secrets: _cassette_scrub.Secrets
) -> list[Finding]:
    """What the recorder would scrub from one interaction, part by part, by the recorder's own rules."""
    from ..wire.requests import text

    found: list[Finding] = []
    for name, value in request.headers.items():
        found += _cassette_scrub.header_findings(f"{where} request", name, text(value), secrets)
    found += _cassette_scrub.text_findings(f"{where} request uri", request.uri, secrets)
    found += _cassette_scrub.text_findings(f"{where} request body", text(request.body) or "", secrets)
    for name, values in response["headers"].items():
        found += _cassette_scrub.text_findings(f"{where} response header name", name, secrets, any_case_key_ids=True)
        for value in values:
            found += _cassette_scrub.text_findings(f"{where} response header {name}", text(value), secrets)
    found += _cassette_scrub.text_findings(f"{where} response body", text(response["body"]["string"]) or "", secrets)
    return found


def _model_findings(
    where: str,
    operation: str,
    status: int,
    request_body: str,
    response_body: str,
    error_type: str = "",
    region: str | None = None,
) -> list[Finding]:
    from ..model import rules as _rules
    from ..model import validate as _validate
    from ..model.errors import UsageError
    from ..model.rules import COMMON_ERRORS

    try:
        model = _spec.operation_model(operation)
    except UsageError as error:  # an operation the installed model lacks: its message names the closest
        return [Finding(where, str(error))]
    try:
        body = json.loads(response_body) if response_body.strip() else {}
    except ValueError as error:
        return [Finding(f"{where} response", f"body is not JSON ({error})")]
    if not isinstance(body, dict):
        return [Finding(f"{where} response", f"body is a JSON {type(body).__name__}, not an object")]
    if 200 <= status < 300:
        found = [Finding(f"{where} response", v.explain()) for v in _validate.response_violations(model.name, body)]
        params = _json_object(request_body)
        # The rules the stubber holds a queued answer to: statuses, ARN forms, what the request named.
        found += [
            Finding(f"{where} response", f"the service never sends this: {p.explain()}")
            for p in _rules.response_problems(model.name, body, params, region=region)
        ]
        if params is not None:
            problem = _validate.request_problem(model.name, params)
            if problem is not None:
                found.append(
                    Finding(f"{where} request", f"the service would refuse it ({problem.explain()}), yet it succeeded")
                )
        return found
    # AWS JSON names the code in the body's __type; REST-JSON in the x-amzn-ErrorType header.
    code = error_type.split(":", 1)[0] or str(body.get("__type", "")).rsplit("#", 1)[-1]
    if not code:
        return [Finding(f"{where} response", f"HTTP {status} error without an __type error code")]
    modeled = _spec.modeled_errors(model.name)
    if code in COMMON_ERRORS:
        return []
    if code not in modeled:
        return [
            Finding(
                f"{where} response",
                f"{code} is not modeled for {model.name}; modeled: {', '.join(modeled)}; "
                f"any operation may also send: {', '.join(COMMON_ERRORS)}",
            )
        ]
    members = {key: value for key, value in body.items() if key != "__type"}
    shape = _spec.named_shape(code, _spec.service_of(model.name))
    return [Finding(f"{where} response", v.explain()) for v in _validate.validate(shape, members)]


def _json_object(body: str) -> dict[str, Any] | None:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def add_parser(commands: Any) -> None:
    """The ``check`` subcommand of ``python -m pytest_personalize``."""
    check = commands.add_parser(
        "check",
        help="check recorded cassettes against the service model, and for credential material",
        description="Check every recorded Amazon Personalize response against the installed botocore service "
        "model, and scan every interaction for credential material in any encoding. Exits 1 on any finding.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="cassette files or directories (default: the plugin's cassette directory: the ini key "
        "personalize_cassette_dir of the first pytest configuration file found here or in a parent directory, "
        f"relative to it, else {DEFAULT_DIRECTORY}/ beside it; with no such file, ./{DEFAULT_DIRECTORY})",
    )
    check.set_defaults(run=run)


def configured_directory(start: Path) -> Path:
    """The cassette directory pytest would use from ``start``: ini ``personalize_cassette_dir``, else ./cassettes.

    The first of pytest.ini, pyproject.toml, tox.ini and setup.cfg (in that order, in ``start``
    and then its parents) that configures pytest decides, relative to its own directory.
    """
    import configparser

    for directory in (start, *start.parents):
        for name, section in (
            ("pytest.ini", "pytest"),
            (".pytest.ini", "pytest"),
            ("pyproject.toml", None),
            ("tox.ini", "pytest"),
            ("setup.cfg", "tool:pytest"),
        ):
            path = directory / name
            if not path.is_file():
                continue
            value: Any = None
            if section is None:
                if sys.version_info >= (3, 11):
                    import tomllib
                else:  # the same parser, before the standard library took it in (a dependency below 3.11)
                    import tomli as tomllib
                try:
                    options = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
                except (KeyError, TypeError, ValueError, OSError):
                    continue
                value = options.get("personalize_cassette_dir")
            else:
                parser = configparser.ConfigParser(interpolation=None)
                try:
                    parser.read(path, encoding="utf-8")
                except (configparser.Error, OSError):
                    continue
                if not parser.has_section(section):
                    if name != "pytest.ini":  # an empty pytest.ini still marks the rootdir
                        continue
                    return directory / DEFAULT_DIRECTORY
                value = parser.get(section, "personalize_cassette_dir", fallback=None)
            configured = Path(str(value).strip()) if value else Path(DEFAULT_DIRECTORY)
            return configured if configured.is_absolute() else directory / configured
    return start / DEFAULT_DIRECTORY


def run(args: argparse.Namespace) -> int:
    import sys

    paths = [Path(p) for p in args.paths] if args.paths else [configured_directory(Path.cwd())]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"pytest-personalize check: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = check_paths(paths)
    if report.cassettes == 0:
        print(
            f"pytest-personalize check: no cassettes (*.yaml, *.yml) under {', '.join(map(str, paths))}",
            file=sys.stderr,
        )
        return 2
    print(report.render())
    return 0 if report.clean else 1
