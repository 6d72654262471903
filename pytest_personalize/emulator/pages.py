"""Pages of a List answer: the page after a token, and the next token."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..model import spec as _spec
from ..model.errors import ServiceError
from .store import Ordered, Resource

T = TypeVar("T")


@functools.cache
def default_page_size(operation: str) -> int:
    """A List without maxResults: the model's largest page."""
    request = _spec.operation_model(operation).input_shape
    assert request is not None
    return int(request.members["maxResults"].metadata.get("max", 100))


def _position_and_size(operation: str, params: Mapping[str, Any]) -> tuple[int, int]:
    after = decode_token(params["nextToken"]) if params.get("nextToken") is not None else 0
    return after, int(params.get("maxResults") or default_page_size(operation))


def paginate(
    operation: str, items: Sequence[T], params: Mapping[str, Any], *, key: Callable[[T], int]
) -> tuple[list[T], str | None]:
    """One page of ``items`` (in order of ``key``) after the request's token, and the next page's token.

    For short lists the engine builds (recipes, an attribution's metrics); resources page
    through their index with :func:`page_of`.
    """
    after, size = _position_and_size(operation, params)
    remaining = [item for item in items if key(item) > after]
    page = remaining[:size]
    token = encode_token(key(page[-1])) if len(remaining) > size else None
    return page, token


def page_of(operation: str, index: Ordered, params: Mapping[str, Any]) -> tuple[list[Resource], str | None]:
    """One page of the resources in ``index`` after the request's token, and the next page's token.

    It costs the page's size however many resources the index holds: the token is a position
    (the creation number of the last resource returned), found by bisection, and one resource
    past the page is read to know whether another page follows.
    """
    after, size = _position_and_size(operation, params)
    found = index.after(after, size + 1)
    page = found[:size]
    return page, (encode_token(page[-1].seq) if len(found) > size else None)


# Page tokens are opaque to the caller: a version and the sequence number of the last item
# returned, so a page boundary stays put when items before it are deleted.
_TOKEN = re.compile(r"v1:(\d+)")


def encode_token(after: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{after}".encode()).decode()


def decode_token(token: str) -> int:
    try:
        match = _TOKEN.fullmatch(base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii"))
    except (binascii.Error, UnicodeError, ValueError):
        match = None
    if match is None:
        raise ServiceError("InvalidNextTokenException", f"The next token {token!r} is invalid.")
    return int(match.group(1))
