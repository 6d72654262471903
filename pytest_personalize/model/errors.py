"""The exception the plugin raises when a test asks for something the service model forbids."""

from __future__ import annotations


class ConformanceError(ValueError):
    """A request, response or error that Amazon Personalize's service model does not allow.

    Raised where the test queued or configured it -- not later, when the code under test runs --
    with a message naming the operation, the field and the constraint.
    """


class ServiceError(Exception):
    """An error the emulator answers a request with: a code, its message and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
