"""Where the plugin leans on botocore internals that no public hook replaces, each in one function.

botocore's public events belong to one client (or to the session that made it), while the code
under test builds its own clients in sessions of its own; what must reach every client of the
process has no public hook. Each function below names what it depends on, and
tests/test_botocore_private.py fails first if a botocore release moves it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._patching import Undo, patch_on_top

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.credentials import ReadOnlyCredentials

Send = Callable[["AWSPreparedRequest"], "AWSResponse"]


@contextlib.contextmanager
def signing_credentials(seen: Callable[[ReadOnlyCredentials], None]) -> Iterator[None]:
    """Call ``seen`` with the credentials of every SigV4 signature made in the block, by any client.

    Depends on ``botocore.auth.SigV4Auth.add_auth(self, request)`` and the signer's
    ``credentials`` attribute: every credential provider (environment, profile, SSO, assumed
    role, instance metadata) ends there, and the public ``before-sign`` event carries no
    credentials. Signing itself is unchanged; ``seen`` runs first.
    """
    from unittest import mock

    from botocore.auth import SigV4Auth

    original = SigV4Auth.add_auth

    def add_auth(signer: SigV4Auth, request: Any) -> None:
        credentials = getattr(signer, "credentials", None)
        if credentials is not None:
            seen(credentials)
        original(signer, request)

    with mock.patch.object(SigV4Auth, "add_auth", add_auth):
        yield


def intercept_sends(handle: Callable[[Send, AWSPreparedRequest], AWSResponse]) -> Undo:
    """Let ``handle(send, request)`` answer each HTTP request a botocore client sends, by any client.

    ``send(request)`` sends it on as botocore would have. Depends on
    ``botocore.httpsession.URLLib3Session.send(self, request)``: every botocore client, however
    and whenever it was made, hands its signed request to it, while the public ``before-send``
    event belongs to one client (or its session). The undo leaves a tool that patched over it in
    place (:func:`pytest_personalize._patching.patch_on_top`).
    """
    from botocore.httpsession import URLLib3Session

    def make(original: Callable[..., AWSResponse]) -> Callable[..., AWSResponse]:
        @functools.wraps(original)
        def send(session: URLLib3Session, request: AWSPreparedRequest) -> AWSResponse:
            return handle(functools.partial(original, session), request)

        return send

    return patch_on_top(URLLib3Session, "send", make, handle)
