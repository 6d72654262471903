"""Which request is this: the one place a request's API, operation, signer and region are decided.

Every mode asks here: the fake (which requests it owns), the server (what it logs), the
cassette (what it catches, how it names a request, which endpoint a replay needs) and
``check``. A request is read from its method, URL and headers, whose values arrive as text or
as bytes (vcrpy hands over bytes, and ``putheader`` tuples of them):

- the control plane (AWS JSON 1.1) names its operation in ``X-Amz-Target``
  (``AmazonPersonalize.<Operation>``); the runtime and events APIs (REST-JSON) by method and
  path (``POST /recommendations``), from their botocore models;
- a signed request says which service and region it speaks for in its SigV4 credential scope;
  every Personalize API signs as ``personalize``. An unsigned one
  (``Config(signature_version=UNSIGNED)``) is known by its target, by its host
  (``personalize[-runtime|-events].<region>.amazonaws.com``, which also names its region), or,
  on a loopback endpoint, by its runtime or events path;
- a loopback URL stays on this machine.

The credential scope is read by one parser, whether to take the region and account from it or
to say why the service would refuse it.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from typing import Any, NamedTuple, Protocol, overload
from urllib.parse import urlsplit

from .._constants import DEFAULT_REGION
from ..model.errors import ServiceError

TARGET_HEADER = "X-Amz-Target"
AUTHORIZATION_HEADER = "Authorization"
CONTENT_TYPE_HEADER = "Content-Type"
# The control plane's targetPrefix and the three APIs' signingName, as their models give them
# (tests/wire/test_requests.py holds them to the installed models): kept here so that telling a
# Personalize request apart loads no model.
TARGET_PREFIX = "AmazonPersonalize."
SIGNING_NAME = "personalize"
CONTROL_PLANE = "personalize"
RUNTIME = "personalize-runtime"
EVENTS = "personalize-events"

# The names that mean this machine, besides the loopback addresses.
LOCALHOST_NAMES = ("localhost", "localhost.localdomain")

# An AWS endpoint of one of the APIs: the API and the region. The hostname, so no port.
_HOST = re.compile(r"(personalize(?:-runtime|-events)?)\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?", re.ASCII)
# ``Credential=<access key id>/<yyyymmdd>/<region>/<service>/aws4_request``: what follows
# ``Credential=``, split on ``/`` by the one reader below.
_CREDENTIAL = re.compile(r"\bCredential=([^,\s]*)")
_DATE = re.compile(r"[0-9]{8}", re.ASCII)
_ACCOUNT_KEY = re.compile(r"[0-9]{12}", re.ASCII)
_TERMINATOR = "aws4_request"


class Headers(Protocol):
    """What is read of a request's headers: botocore's, vcrpy's, http.server's or a plain dict."""

    def get(self, name: str, /) -> Any: ...


# --- header values ---------------------------------------------------------------------------


@overload
def text(value: None) -> None: ...


@overload
def text(value: str | bytes | bytearray | list[Any] | tuple[Any, ...]) -> str: ...


def text(value: Any) -> str | None:
    """A header value or a body as text; None (no such header, no body) stays None.

    Bytes are read as UTF-8, an undecodable byte shown as U+FFFD rather than failing: what is
    read here is compared, scanned and shown, never sent on.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return text(value[0])
        value = b", ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def printable(value: str, limit: int = 200) -> str:
    """Request text quoted in a message: shortened, and printable ASCII only."""
    shown = value if len(value) <= limit else value[:limit] + "..."
    return "".join(char if " " <= char <= "~" else f"\\x{ord(char):02x}" for char in shown)


# --- the credential scope --------------------------------------------------------------------


class CredentialScope(NamedTuple):
    """The parts of a SigV4 credential scope: whose key signed, for which region and service."""

    key: str
    region: str
    service: str


def _scope_of(authorization: str) -> tuple[str, list[str]] | None:
    """What follows ``Credential=``, and its slash-delimited elements; None without one."""
    match = _CREDENTIAL.search(authorization)
    if match is None:
        return None
    return match.group(1), match.group(1).split("/")


def credential_scope(authorization: str | None) -> CredentialScope | None:
    """The credential scope of a SigV4 ``Authorization`` header, or None if it has no well-formed one."""
    found = _scope_of(authorization) if authorization else None
    if found is None or len(found[1]) != 5:
        return None
    key, date, region, service, terminator = found[1]
    if not _DATE.fullmatch(date) or not region or not service or terminator != _TERMINATOR:
        return None
    return CredentialScope(key, region, service)


def credential_problem(authorization: str | None) -> ServiceError | None:
    """Why the service would refuse a request's ``Authorization`` header before reading it, or None.

    Signatures are not checked, and an unsigned request (no header) is let through, so that
    curl can talk to the loopback server. The credential scope's form is checked, with the
    service's answers: no ``Credential=``, or not five slash-delimited elements, is
    IncompleteSignatureException (400); a date that isn't YYYYMMDD, an empty region, another
    service or another terminator than ``aws4_request`` is InvalidSignatureException (403).
    Whether the region is one is :func:`region_problem`'s to say.
    """
    if authorization is None:
        return None
    found = _scope_of(authorization)
    if found is None:
        return ServiceError(
            "IncompleteSignatureException",
            f"Authorization header requires 'Credential' parameter. Authorization={printable(authorization)}",
        )
    given, scope = found
    if len(scope) != 5:
        return ServiceError(
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{printable(given)}'",
        )
    _key, date, region, service, terminator = scope
    # The checks AWS makes of a scope, with its words.
    if not _DATE.fullmatch(date):
        wrong = f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{printable(date)}'"
    elif not region:
        wrong = "Credential should be scoped to a valid region, not ''. "
    elif service != SIGNING_NAME:
        wrong = f"Credential should be scoped to correct service: '{SIGNING_NAME}'. "
    elif terminator != _TERMINATOR:
        wrong = f"Credential should be scoped with a valid terminator: '{_TERMINATOR}', not '{printable(terminator)}'. "
    else:
        return None
    return ServiceError("InvalidSignatureException", wrong, 403)


def region_problem(region: str) -> ServiceError | None:
    """Why the service would refuse a request speaking for ``region``, or None.

    AWS answers a SigV4 scope naming a region other than its endpoint's with this error and
    text. A loopback endpoint has no region of its own, so any region of any partition is taken
    as its own -- including ones without Personalize, since botocore's list of those lags the
    service -- and anything else (``local``, text with ``:`` that would land in every ARN) is refused.
    """
    from ..model import spec as _spec

    if _spec.is_region_name(region):
        return None
    return ServiceError(
        "InvalidSignatureException", f"Credential should be scoped to a valid region, not '{printable(region)}'. ", 403
    )


def identity_from_authorization(
    authorization: str | None, default_region: str = DEFAULT_REGION
) -> tuple[str, str | None]:
    """The region and account a SigV4-signed request speaks for.

    The region is the one in the credential scope (``key/date/region/service/aws4_request``),
    as given: :func:`region_problem` says whether it is one. An access key id of 12 digits
    names the account (as moto does), so a test can keep accounts apart; any other key means
    the default (None). A request without a credential scope speaks for ``default_region``.
    """
    scope = credential_scope(authorization)
    if scope is None:
        return default_region, None
    return scope.region, account_of(scope)


def account_of(scope: CredentialScope | None) -> str | None:
    """The account an access key id of 12 digits names (as moto reads it), or None."""
    return scope.key if scope is not None and _ACCOUNT_KEY.fullmatch(scope.key) else None


def unsigned_authorization(key: str, region: str, service: str) -> str:
    """The ``Authorization`` header a SigV4 signer writes for this credential scope today, without
    its signed headers and signature: what :func:`classify` and :func:`credential_problem` read of
    a request that isn't signed yet."""
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    return f"AWS4-HMAC-SHA256 Credential={key}/{date}/{region}/{service}/{_TERMINATOR}"


# --- where a request goes ----------------------------------------------------------------------


def is_loopback_host(host: str | None) -> bool:
    """Whether a host name or address is this machine's: localhost, 127.0.0.0/8 or ::1."""
    if not host:
        return False
    host = host.lower()
    if host in LOCALHOST_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine: a request there stays on it."""
    return is_loopback_host(urlsplit(url).hostname)


def host_api(host: str | None) -> tuple[str, str] | None:
    """The API and region an AWS endpoint's host name gives (``personalize.eu-west-1.amazonaws.com``), or None."""
    match = _HOST.fullmatch((host or "").lower())
    return (match.group(1), match.group(2)) if match is not None else None


# --- which operation ---------------------------------------------------------------------------


def rest_operation(method: str, path: str) -> str | None:
    """The runtime or events operation at ``method`` and ``path`` (its query aside), or None."""
    from ..model.rest import rest_operation as _rest_operation

    return _rest_operation(method, path)


def named_operation(method: str, path: str, target: str | None) -> str | None:
    """The operation a request names, as it names it: known to the model or not.

    With an ``X-Amz-Target`` header, the name after ``AmazonPersonalize.`` (None for another
    service's target); without, the runtime or events operation at its method and path.
    """
    if target:
        name = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        return name or None
    return rest_operation(method, path)


def operation_of(method: str, path: str, target: str | None) -> str | None:
    """The model's operation a request is for (:func:`named_operation`, if the model has it), or None."""
    name = named_operation(method, path, target)
    if name is None or not target:
        return name
    from ..model import spec as _spec

    return name if name in _spec.operation_names() else None


class Route(NamedTuple):
    """What a request is: the Personalize API it is for (None: none), its operation, signer and region."""

    api: str | None
    # As the request names it (named_operation): the control plane's may be one the model lacks.
    operation: str | None
    scope: CredentialScope | None
    # The credential scope's, else the AWS host's; None when neither names one (a loopback URL, unsigned).
    region: str | None

    @property
    def signed(self) -> bool:
        return self.scope is not None

    @property
    def account(self) -> str | None:
        return account_of(self.scope)


def classify(method: str, url: str, headers: Headers) -> Route:
    """Which Personalize API and operation a prepared request is for, and who it speaks for.

    A request signed for another service is not Personalize's, whatever its host. An unsigned
    one is if its ``X-Amz-Target`` names Personalize, if it goes to a Personalize host, or if it
    goes to a loopback endpoint at a runtime or events path (the loopback server's).
    """
    target = text(headers.get(TARGET_HEADER)) or ""
    scope = credential_scope(text(headers.get(AUTHORIZATION_HEADER)))
    parts = urlsplit(url)
    path = parts.path or "/"
    host = host_api(parts.hostname)
    operation = named_operation(method, path, target)
    region = scope.region if scope is not None else (host[1] if host is not None else None)
    if scope is not None:
        ours = scope.service == SIGNING_NAME
    else:
        ours = (
            host is not None
            or target.startswith(TARGET_PREFIX)
            or (not target and operation is not None and is_loopback_host(parts.hostname))
        )
    if not ours:
        return Route(None, None, scope, region)
    return Route(_api(target, operation, host), operation, scope, region)


def _api(target: str, operation: str | None, host: tuple[str, str] | None) -> str:
    if target:
        return CONTROL_PLANE
    if operation is not None:
        from ..model import spec as _spec

        return _spec.service_of(operation)
    return host[0] if host is not None else CONTROL_PLANE


def display_name(method: str, path: str, target: str | None) -> str:
    """How a request is named to a person: its operation, or its method and path when it names none."""
    return named_operation(method, path, target) or f"{method.upper()} {path}"


__all__ = [
    "AUTHORIZATION_HEADER",
    "CONTENT_TYPE_HEADER",
    "CONTROL_PLANE",
    "EVENTS",
    "LOCALHOST_NAMES",
    "RUNTIME",
    "SIGNING_NAME",
    "TARGET_HEADER",
    "TARGET_PREFIX",
    "CredentialScope",
    "Headers",
    "Route",
    "account_of",
    "classify",
    "credential_problem",
    "credential_scope",
    "display_name",
    "host_api",
    "identity_from_authorization",
    "is_loopback",
    "is_loopback_host",
    "named_operation",
    "operation_of",
    "printable",
    "region_problem",
    "rest_operation",
    "text",
    "unsigned_authorization",
]
