"""Personalize clients for tests: dummy credentials, a shared botocore session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _spec

if TYPE_CHECKING:
    from botocore.client import BaseClient

# Obviously fake credentials: botocore needs some to sign, and no real ones belong in a test.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def make_client(region: str, **kwargs: Any) -> BaseClient:
    """A Personalize client from the process's shared session (a few ms, not ~100 ms)."""
    options: dict[str, Any] = {**DUMMY_CREDENTIALS, "region_name": region, **kwargs}
    return _spec.botocore_session().create_client(_spec.SERVICE_NAME, **options)
