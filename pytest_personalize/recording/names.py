"""Cassette names: one file per test, never shared by accident, never outside the cassette directory."""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from . import scrub as _cassette_scrub

# Characters kept as they are in a file name: portable, and readable in a test id. Every other
# character is %-escaped (and "%" itself), so two different test ids never give one file name.
_SAFE = "_.,=+@()[]-"
SUFFIX = ".yaml"


class CassetteNameError(ValueError):
    """A cassette name that would write outside the cassette directory, or that no file system holds."""


def file_part(text: str) -> str:
    """``text`` as one file name component: the same text always, different texts never the same."""
    escaped = quote(text, safe=_SAFE)
    # A leading dot would hide the file (and "." or ".." would not be a file at all).
    return "%2E" + escaped[1:] if escaped.startswith(".") else escaped


def default_name(nodeid: str, path: Path, rootpath: Path) -> str:
    """``<test file's path from the rootdir, without .py>/<Class.Nested.test[id]>``."""
    module = _module_part(path, rootpath)
    # The node id after the file: every enclosing class, so same-named nested classes differ.
    joined = ".".join(nodeid.split("::")[1:] or [nodeid])
    test = file_part(joined)
    # A credential in a parametrize id must not become a committed file name.
    secrets = _cassette_scrub.found_secrets(test)
    if joined != test:
        secrets |= _cassette_scrub.found_secrets(joined)
    if secrets:
        for secret in sorted(secrets, key=len, reverse=True):
            for form in (secret, file_part(secret)):
                test = test.replace(form, _cassette_scrub.SCRUBBED)
        # Two ids differing only in their secret still get two files; a short digest of the
        # whole id can't give a credential back.
        test += "." + hashlib.sha256(nodeid.encode("utf-8", errors="surrogateescape")).hexdigest()[:10]
    return f"{module}/{test}"


@functools.lru_cache(maxsize=1024)
def _module_part(path: Path, rootpath: Path) -> str:
    # The same for every test of a file: worked out once.
    try:
        return path.relative_to(rootpath).with_suffix("").as_posix()
    except ValueError:  # a test file outside the rootdir
        return path.stem


def cassette_path(directory: Path, name: str) -> Path:
    """The file of cassette ``name`` in ``directory``; ``CassetteNameError`` if it can't be one."""
    if not name or not name.strip():
        raise CassetteNameError("the cassette name is empty")
    if "\0" in name:
        raise CassetteNameError(f"the cassette name {name!r} holds a NUL character")
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise CassetteNameError(
            f"the cassette name {name!r} is an absolute path; name it relative to the cassette directory {directory}"
        )
    if any(part in ("..", ".") for part in pure.parts) or any(not part for part in name.split("/")):
        raise CassetteNameError(
            f"the cassette name {name!r} has '..', '.' or an empty part; cassettes stay inside {directory}"
        )
    limit = _name_max(directory)
    for part in (*pure.parts[:-1], pure.parts[-1] + SUFFIX):
        size = len(os.fsencode(part))
        if size > limit:
            raise CassetteNameError(
                f"the cassette file name {part[:40]!r}... is {size} bytes long, and the file system allows {limit}; "
                "name the cassette with @pytest.mark.personalize_cassette('a shorter name')"
            )
    path = directory.joinpath(*pure.parts[:-1], pure.parts[-1] + SUFFIX)
    _refuse_links_outside(directory, name, path)
    return path


def _refuse_links_outside(directory: Path, name: str, path: Path) -> None:
    """A symbolic link in the cassette directory must not let a cassette name read or write elsewhere.

    The directory itself may be a link (a shared checkout): what counts is where the cassette
    ends up once every link is followed, compared with where the directory does.
    """
    if not _links_below(directory, path):
        # No link between the directory and the file (the name has no '..'): it stays inside.
        return
    try:
        base = directory.resolve()
        target = path.resolve()
    except (OSError, RuntimeError) as error:  # a loop of links
        raise CassetteNameError(f"the cassette {name!r} can't be resolved to a file ({error})") from None
    try:
        target.relative_to(base)
    except ValueError:
        raise CassetteNameError(
            f"the cassette {name!r} would be {target}, outside the cassette directory {base}: "
            f"{path} is, or is inside, a symbolic link that leads out of it. Cassettes are read "
            "and written only inside the cassette directory; remove the link or name another cassette"
        ) from None


def _links_below(directory: Path, path: Path) -> bool:
    """Whether a part of ``path`` below ``directory`` may be a symbolic link (True when unsure).

    A part that doesn't exist ends the walk: nothing below it exists either.
    """
    below = path.parts[len(directory.parts) :]
    current = str(directory)
    for part in below:
        current = os.path.join(current, part)
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return False
        except OSError:
            return True  # unreadable, or not a directory: the full resolution decides
        if stat.S_ISLNK(mode):
            return True
    return False


# The longest file name each cassette directory's file system takes (absolute ones that exist).
_name_max_of: dict[Path, int] = {}


def _name_max(directory: Path) -> int:
    known = _name_max_of.get(directory)
    if known is not None:
        return known
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        limit = int(os.pathconf(probe, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255
    if probe == directory and directory.is_absolute():
        _name_max_of[directory] = limit
    return limit
