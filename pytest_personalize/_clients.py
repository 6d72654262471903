"""Personalize clients for tests: dummy credentials, a shared botocore session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import spec as _spec

if TYPE_CHECKING:
    from botocore.client import BaseClient

# Obviously fake credentials: botocore needs some to sign, and no real ones belong in a test.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def make_client(region: str, service: str = _spec.SERVICE_NAME, **kwargs: Any) -> BaseClient:
    """A Personalize client (or ``personalize-runtime``, ``personalize-events``) from the process's
    shared session (a few ms, not ~100 ms)."""
    options: dict[str, Any] = {**DUMMY_CREDENTIALS, "region_name": region, **kwargs}
    return _spec.botocore_session().create_client(service, **options)


def offline_environment(region: str | None = None) -> dict[str, str | None]:
    """What code under test needs to build its own client offline (``boto3.client("personalize")``).

    Environment variables to set, and (as None) to unset: dummy credentials, no profile or session
    token from the developer's machine, no instance metadata service, and the region if given.
    """
    changes: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
        # A named profile that doesn't exist here would fail before the environment is consulted.
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        # Never ask the instance metadata service: it is a network call, and a slow one off EC2.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if region is not None:
        changes["AWS_DEFAULT_REGION"] = region
    return changes
