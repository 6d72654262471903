"""Pages of a List answer: the page after a token, and the next token.

A token is good for the listing that issued it only: the same operation with the same filters
(``datasetGroupArn``, ``recipeProvider``, ...; ``maxResults`` may change between pages). Any
other token -- one of another List operation, of the same one with other filters, or none of
ours -- is InvalidNextTokenException, which every List operation of the model declares.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
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
    token = params.get("nextToken")
    after = decode_token(token, listing(operation, params)) if token is not None else 0
    return after, int(params.get("maxResults") or default_page_size(operation))


# What a page doesn't change: the token and the page's size.
_PAGING_MEMBERS = frozenset({"nextToken", "maxResults"})


def listing(operation: str, params: Mapping[str, Any]) -> str:
    """What a token is good for: ``operation`` and a digest of its filters, so a token carries no request data."""
    filters = {key: value for key, value in params.items() if key not in _PAGING_MEMBERS}
    text = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{operation}.{digest}"


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
    token = encode_token(key(page[-1]), listing(operation, params)) if len(remaining) > size else None
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
    return page, (encode_token(page[-1].seq, listing(operation, params)) if len(found) > size else None)


# Page tokens are opaque to the caller: a version, the listing they continue (:func:`listing`)
# and the sequence number of the last item returned, so a page boundary stays put when items
# before it are deleted. Bounded pieces: a token is at most a few dozen characters.
_TOKEN = re.compile(r"v2:([A-Za-z]{1,64}\.[0-9a-f]{16}):([0-9]{1,20})")


def encode_token(after: int, listing: str) -> str:
    return base64.urlsafe_b64encode(f"v2:{listing}:{after}".encode()).decode()


def decode_token(token: object, listing: str) -> int:
    """The position ``token`` continues ``listing`` after, or InvalidNextTokenException."""
    match = None
    if isinstance(token, str):
        try:
            match = _TOKEN.fullmatch(base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii"))
        except (binascii.Error, UnicodeError, ValueError):
            match = None
    if match is None or match.group(1) != listing:
        raise ServiceError("InvalidNextTokenException", f"The next token {token!r} is invalid.")
    return int(match.group(2))
