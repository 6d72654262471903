"""The exceptions the plugin raises: what the service would never do, and what a test got wrong."""

from __future__ import annotations


class ConformanceError(ValueError):
    """A request, response or error that Amazon Personalize's service model does not allow.

    Raised where the test queued or configured it -- not later, when the code under test runs --
    with a message naming the operation, the field and the constraint.
    """


class UsageError(ValueError):
    """A mistake in how a test uses the plugin, not something the service would refuse.

    An operation that doesn't exist, a marker argument or a lifecycle mode of the wrong kind, a
    resource type the emulator doesn't know, a count below one: each is reported where the test
    wrote it, naming what was wrong and what is accepted. Like :class:`ConformanceError` it is a
    ``ValueError``, so ``except ValueError`` catches either.
    """


class ServiceError(Exception):
    """An error the emulator answers a request with: a code, its message and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
