"""vcrpy and pytest-recording, both ways: our matching and scrubbing in their setup, their cassettes in ours.

- :data:`personalize_matcher` (a :class:`PersonalizeMatcher`) is a vcrpy matcher that compares
  Personalize requests as ``personalize_cassette`` does (operation, JSON body as data, method,
  host, path and query; never signatures or dates), and any other request as vcrpy's default
  ``match_on`` does. With it plain vcrpy replays our cassettes, whose bodies are indented JSON.
- :func:`before_record_request` and :func:`before_record_response` scrub what vcrpy records as
  our recorder does: the access key id and signature of ``Authorization``, session tokens,
  presigned parameters, named secrets, key ids, and the credentials of the environment.
- :func:`migrate` turns a vcrpy cassette into one of ours: Personalize interactions only,
  scrubbed, readable (``python -m pytest_personalize migrate``).

Reading vcrpy's files is :mod:`.file`'s; the key is :mod:`.cassette`'s.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vcr.request import Request

from ..wire import requests as _requests
from . import file as _file
from . import scrub as _scrub
from .cassette import RequestKey, learn_wire_secrets, request_key, scrub_interactions, scrub_request, scrub_response
from .matching import Matching


def _is_personalize(request: Request) -> bool:
    return _requests.classify(request.method, request.uri, request.headers).api is not None


class PersonalizeMatcher:
    """A vcrpy matcher: ``vcr.register_matcher("personalize", PersonalizeMatcher())``, then ``match_on=["personalize"]``.

    ``matching`` is what ``personalize_cassette_matching`` takes (``{"ignore": [...],
    "normalize": {...}, "matcher": f}``). It returns None when the requests match and raises
    AssertionError saying what differs when they don't, as vcrpy's own matchers do.
    """

    def __init__(self, matching: Matching | Mapping[str, Any] | None = None) -> None:
        self.matching = Matching.of(matching)
        self.__name__ = "personalize"  # vcrpy names a matcher by it when a match fails

    def _key(self, request: Request) -> RequestKey:
        key = request_key(request)
        if self.matching.changes_bodies:
            key = key._replace(body=self.matching.body(key.named_operation, key.body))
        return key

    def __call__(self, request: Request, recorded: Request) -> None:
        ours, theirs = _is_personalize(request), _is_personalize(recorded)
        if not ours and not theirs:
            # vcrpy's default match_on: method, scheme, host, port, path, query.
            for name in ("method", "scheme", "host", "port", "path", "query"):
                mine, other = getattr(request, name), getattr(recorded, name)
                if mine != other:
                    raise AssertionError(f"{name} differs: {mine!r} (recorded {other!r})")
            return
        if ours != theirs:
            raise AssertionError("one request is for Amazon Personalize, the other is not")
        mine_key, recorded_key = self._key(request), self._key(recorded)
        for name in RequestKey._fields:
            if getattr(mine_key, name) != getattr(recorded_key, name):
                raise AssertionError(
                    f"{name} differs: {_requests.printable(getattr(mine_key, name))!r} "
                    f"(recorded {_requests.printable(getattr(recorded_key, name))!r})"
                )
        accepted, reason = self.matching.accepts(request, recorded)
        if not accepted:
            raise AssertionError(reason or "the custom matcher refused it")


personalize_matcher = PersonalizeMatcher()

# What vcrpy's hooks learn as they go: a key id seen in one request is scrubbed from every later
# response. Only ever added to; one lock, as vcrpy records from any thread.
_seen = _scrub.Secrets()
_seen_lock = threading.Lock()


def before_record_request(request: Request) -> Request:
    """vcrpy's ``before_record_request``: a Personalize request with its credentials scrubbed, headers as text.

    Other requests are returned as they are. vcrpy also passes each live request through this
    hook before matching it, so live and recorded requests are compared scrubbed alike.
    """
    if not _is_personalize(request):
        return request
    with _seen_lock:
        _seen.learn(_scrub.environment_secrets(os.environ))
        learn_wire_secrets(_seen, request)
        return scrub_request(request, _seen)


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy's ``before_record_response``: the response with every credential met so far scrubbed, and key ids."""
    with _seen_lock:
        _seen.learn(_scrub.environment_secrets(os.environ))
        return scrub_response(response, _seen)


# --- migration ---------------------------------------------------------------------------------


class MigrationError(Exception):
    """A cassette ``migrate`` leaves as it is, and why."""


def migrate_file(source: Path, destination: Path) -> tuple[int, int]:
    """Write ``source``'s Personalize interactions, scrubbed, as our cassette at ``destination``.

    Returns how many interactions were kept and how many (other traffic) were left out.
    ``CassetteFormatError`` says why a file can't be read; ``MigrationError`` refuses to replace
    a cassette by a conversion that would lose its other traffic.
    """
    interactions = _file.load(source)
    kept = [(request, response) for request, response in interactions if _is_personalize(request)]
    left = len(interactions) - len(kept)
    if left and destination.resolve() == source.resolve():
        raise MigrationError(
            f"it holds {left} interaction(s) that aren't Amazon Personalize's, which --in-place would lose "
            "(they stay vcrpy's to replay): write the conversion elsewhere with --output DIR"
        )
    secrets = _scrub.Secrets()
    for request, _response in kept:
        learn_wire_secrets(secrets, request)
    header = f"Migrated from vcrpy by pytest-personalize ({source.name}); credentials scrubbed."
    _file.save(destination, scrub_interactions(kept, secrets), header)
    return len(kept), left


def _destination(source: Path, given: Path, output: Path | None, in_place: bool) -> Path:
    if in_place:
        return source
    assert output is not None
    relative = source.relative_to(given) if given.is_dir() else Path(source.name)
    return output / relative


def add_parser(commands: Any) -> None:
    """The ``migrate`` subcommand of ``python -m pytest_personalize``."""
    migrate = commands.add_parser(
        "migrate",
        help="convert vcrpy or pytest-recording cassettes into scrubbed pytest-personalize cassettes",
        description="Convert the Amazon Personalize interactions of vcrpy or pytest-recording cassettes into "
        "pytest-personalize cassettes: credentials scrubbed (vcrpy's default keeps the access key id and the "
        "signature in Authorization), headers as text, JSON bodies indented. Other traffic is left out. The "
        "originals stay as they are unless --in-place.",
    )
    migrate.add_argument("paths", nargs="+", metavar="PATH", help="vcrpy cassette files, or directories of them")
    where = migrate.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="DIR",
        help="write the converted cassettes under DIR, each at its path relative to the PATH it was found under",
    )
    where.add_argument("--in-place", action="store_true", help="replace each cassette by its conversion")
    migrate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .cassette import cassette_files

    status = 0
    for given in map(Path, args.paths):
        if not given.exists():
            print(f"pytest-personalize migrate: no such file or directory: {given}", file=sys.stderr)
            status = 2
            continue
        for source in cassette_files([given]):
            destination = _destination(source, given, args.output, args.in_place)
            try:
                kept, left = migrate_file(source, destination)
            except (_file.CassetteFormatError, MigrationError, OSError) as error:
                print(f"pytest-personalize migrate: {source}: {error}", file=sys.stderr)
                status = max(status, 1)
                continue
            other = f", {left} other interaction(s) left out" if left else ""
            print(f"{source} -> {destination}: {kept} Personalize interaction(s), scrubbed{other}")
    return status


__all__ = [
    "MigrationError",
    "PersonalizeMatcher",
    "before_record_request",
    "before_record_response",
    "migrate_file",
    "personalize_matcher",
]
