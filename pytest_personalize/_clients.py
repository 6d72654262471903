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


# What code under test needs to build its own client offline (``boto3.client("personalize")``):
# dummy credentials, a region, and no profile or session token from the developer's machine.
OFFLINE_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def offline_environment(region: str) -> dict[str, str]:
    """Environment variables for clients the code under test creates itself."""
    return {
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": region,
    }
