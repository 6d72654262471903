"""Where the plugin leans on botocore internals that no public hook replaces, each in one function.

botocore's public events belong to one client (or to the session that made it), while the code
under test builds its own clients in sessions of its own, before or after the plugin starts;
what must reach every client of the process has no public hook. Each function below names what
it depends on, patches through :func:`~pytest_personalize.seams.patching.patch_on_top`, and is
checked on the lowest botocore the project declares (1.34.0) as on the newest by
tests/seams/test_botocore.py, which fails first if a botocore release moves it.

Why not botocore's ``BUILTIN_HANDLERS`` (moto's route: ``moto/core/models.py`` appends its
``before-send`` handler to that list at import)? A session copies the list when it is made, so
a handler added later misses every session made before -- the code under test's own, the
default one behind ``boto3.client`` -- which is why moto also needs ``patch_client``. And the
list is one process-wide list that moto appends to as well: taking our entry out again would not
reach the sessions that copied it, and a list edited by two tools can't be restored to "as it
was" without undoing the other's entry. The functions here reach every client, however and
whenever it was made, and are undone exactly.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .patching import Undo, patch_on_top

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient
    from botocore.credentials import ReadOnlyCredentials

Send = Callable[["AWSPreparedRequest"], "AWSResponse"]


def on_new_clients(callback: Callable[[BaseClient], None]) -> Undo:
    """Call ``callback(client)`` for each botocore or aiobotocore client made from now on.

    The callback runs once the client is built (``client.meta.events`` holds its session's
    handlers) and before the client is returned to whoever made it. Depends on
    ``botocore.client.BaseClient.__init__``: botocore has no event for "a client was made, by any
    session" (``creating-client-class`` belongs to one session, and code under test makes its
    own), and ``__init__`` is the one step every client passes, aiobotocore's included (its
    ``AioBaseClient`` inherits it), whichever ``ClientCreator`` made it.
    """
    from botocore.client import BaseClient

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def __init__(self: BaseClient, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            callback(self)

        return __init__

    return patch_on_top(BaseClient, "__init__", make, callback)


def intercept_sends(handle: Callable[[Send, AWSPreparedRequest], AWSResponse]) -> Undo:
    """Let ``handle(send, request)`` answer each HTTP request a botocore client sends, by any client.

    ``send(request)`` sends it on as botocore would have. Depends on
    ``botocore.httpsession.URLLib3Session.send(self, request)``: every botocore client, however
    and whenever it was made, hands its signed request to it, while the public ``before-send``
    event belongs to one client (or its session). ``handle`` may raise to stop a request; it is
    not retried (botocore retries connection errors only), so the exception reaches the caller
    as raised. aiobotocore's sessions are :func:`pytest_personalize.seams.aiobotocore.intercept_sends`'.
    """
    from botocore.httpsession import URLLib3Session

    def make(original: Callable[..., AWSResponse]) -> Callable[..., AWSResponse]:
        @functools.wraps(original)
        def send(session: URLLib3Session, request: AWSPreparedRequest) -> AWSResponse:
            return handle(functools.partial(original, session), request)

        return send

    return patch_on_top(URLLib3Session, "send", make, handle)


# --- answering a call before it is signed (pytest_personalize._answering) ----------------------


@dataclass(frozen=True)
class Signing:
    """How botocore will sign a request it hasn't signed yet: the access key id (None: unsigned),
    the region and the signing name of the SigV4 credential scope."""

    key: str | None
    region: str
    service: str


def signing_of(request_signer: Any, context: Mapping[str, Any]) -> Signing | None:
    """How ``request_signer`` will sign the request of a ``before-call`` event, or None when that
    can't be told without signing (no credentials, a signature other than SigV4).

    Depends on ``botocore.signers.RequestSigner``'s ``signature_version``, ``region_name`` and
    ``signing_name`` and its ``_credentials``, and on the request context's ``auth_type`` and
    ``signing`` (the endpoint rules' region and name), as ``RequestSigner.sign`` reads them. With
    no credentials botocore raises NoCredentialsError while signing: None sends such a call
    that way, so that it does.
    """
    from botocore import UNSIGNED

    version = getattr(request_signer, "signature_version", None)
    signing = context.get("signing") or {}
    region = signing.get("region") or getattr(request_signer, "region_name", None)
    service = signing.get("signing_name") or getattr(request_signer, "signing_name", None)
    if not isinstance(region, str) or not isinstance(service, str):
        return None
    if version is UNSIGNED or context.get("auth_type") == "none":
        return Signing(None, region, service)
    if version != "v4" or context.get("auth_type") not in (None, "v4"):
        return None
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        return None
    key = getattr(credentials.get_frozen_credentials(), "access_key", None)
    return Signing(key, region, service) if isinstance(key, str) and key else None


def unsent_request(request_dict: Mapping[str, Any], authorization: str | None) -> AWSPreparedRequest | None:
    """The request of a ``before-call`` event as it would be sent, but for its signature: its method,
    URL, headers (``Authorization`` as given) and body. None when its body isn't bytes yet.

    Depends on the request dict botocore's serializer and ``prepare_request_dict`` make
    (``method``, ``url``, ``headers``, ``body``), which ``Endpoint.create_request`` prepares unchanged.
    """
    from botocore.awsrequest import AWSPreparedRequest, HeadersDict

    body = request_dict.get("body")
    if not isinstance(body, bytes):
        return None
    headers = HeadersDict(request_dict.get("headers") or {})
    if authorization is not None:
        headers["Authorization"] = authorization
    # A HeadersDict, as botocore's own preparer gives (its stubs say HTTPHeaders).
    return AWSPreparedRequest(request_dict["method"], request_dict["url"], headers, body, False)  # type: ignore[arg-type]


# The events of a call between ``before-call`` and ``after-call`` that an answer given at
# ``before-call`` skips: signing, sending, and what botocore does with the HTTP response before
# parsing it. ``needs-retry`` isn't skipped: :func:`parsed_as_sent` emits it.
_SKIPPED_EVENTS = (
    "request-created",
    "choose-signer",
    "before-sign",
    "before-send",
    "response-received",
    "before-parse",
)
# Whose handlers on those events an early answer may skip: botocore's own (signing, sending),
# this plugin's and moto's (which answers at ``before-send`` and passes Personalize's on).
_KNOWN_PACKAGES = frozenset(("botocore", "pytest_personalize", "moto"))
_verdicts: weakref.WeakKeyDictionary[Any, tuple[dict[str, Any], dict[str, bool]]] = weakref.WeakKeyDictionary()


def skips_only_known_handlers(client: BaseClient, operation_name: str) -> bool:
    """Whether every handler ``client`` has on the events an early answer skips is botocore's,
    this plugin's or moto's: a handler of the test's own there (one that reads what is sent, say)
    sees the request only if the call goes the whole way.

    Depends on ``client.meta.events`` being an ``EventAliaser`` over a ``HierarchicalEmitter``
    whose ``_handlers`` has ``prefix_search(event_name)`` and whose ``_lookup_cache`` dict is
    replaced on every ``register`` and ``unregister``: the verdict is kept while it is the same
    dict. False when the emitter isn't built that way.
    """
    emitter = getattr(client.meta.events, "_emitter", None)
    cache = getattr(emitter, "_lookup_cache", None)
    search = getattr(getattr(emitter, "_handlers", None), "prefix_search", None)
    if not isinstance(cache, dict) or search is None:
        return False
    kept = _verdicts.get(emitter)
    if kept is None or kept[0] is not cache:
        kept = (cache, {})
        _verdicts[emitter] = kept
    verdict = kept[1].get(operation_name)
    if verdict is None:
        service = client.meta.service_model.service_id.hyphenize()
        verdict = all(
            _package_of(handler) in _KNOWN_PACKAGES
            for event in _SKIPPED_EVENTS
            for handler in search(f"{event}.{service}.{operation_name}")
        )
        kept[1][operation_name] = verdict
    return verdict


def _package_of(handler: Any) -> str:
    function = getattr(handler, "__func__", handler)  # a bound method's function
    function = getattr(function, "func", function)  # a functools.partial's
    module = getattr(function, "__module__", None) or type(handler).__module__
    return str(module).split(".", 1)[0]


def parsed_as_sent(
    client: BaseClient, operation_model: Any, request_dict: dict[str, Any], http_response: AWSResponse
) -> dict[str, Any]:
    """``http_response`` parsed as the client's endpoint parses the answer to a request it sent:
    the same parser, ``needs-retry`` emitted (the retry handlers' bookkeeping sees a success), and
    ``RetryAttempts`` 0 in the response metadata.

    Depends on ``botocore.endpoint.convert_to_response_dict`` and the client's ``_endpoint``
    (its ``_response_parser_factory``), as ``Endpoint._do_get_response`` and ``_send_request``
    use them. For a success (status below 300): an error goes the whole way, so that botocore's
    retries see it.
    """
    from botocore.endpoint import convert_to_response_dict

    endpoint = client._endpoint  # type: ignore[attr-defined]
    service_model = operation_model.service_model
    protocol = getattr(service_model, "resolved_protocol", None) or service_model.metadata["protocol"]
    response_dict = convert_to_response_dict(http_response, operation_model)
    parsed: dict[str, Any] = endpoint._response_parser_factory.create_parser(protocol).parse(
        response_dict, operation_model.output_shape
    )
    client.meta.events.emit(
        f"needs-retry.{service_model.service_id.hyphenize()}.{operation_model.name}",
        response=(http_response, parsed),
        endpoint=endpoint,
        operation=operation_model,
        attempts=1,
        caught_exception=None,
        request_dict=request_dict,
    )
    if "ResponseMetadata" in parsed:
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return parsed


def on_client_arguments(choose: Callable[[Any, str, dict[str, Any]], dict[str, Any]]) -> Undo:
    """Let ``choose(session, service_name, kwargs)`` change the keyword arguments a client is made with.

    Depends on ``botocore.session.Session.create_client(self, service_name, **kwargs)``: a client's
    credentials are resolved there, before any event of the client exists (``BaseClient.__init__``
    gets them resolved), and boto3's ``client()`` calls it with keyword arguments. A call with more
    positional arguments than the service name is left as it is. aiobotocore's sessions override
    ``create_client`` and aren't reached.
    """
    from botocore.session import Session

    def make(original: Callable[..., BaseClient]) -> Callable[..., BaseClient]:
        @functools.wraps(original)
        def create_client(session: Session, service_name: str, *args: Any, **kwargs: Any) -> BaseClient:
            if not args:
                kwargs = choose(session, service_name, kwargs)
            return original(session, service_name, *args, **kwargs)

        return create_client

    return patch_on_top(Session, "create_client", make, choose)


def credentials_without_metadata(session: Any) -> object | None:
    """The credentials ``session`` has, resolved as botocore would but without asking the instance
    metadata service (IMDS); None when nothing else provides any.

    Depends on the session's ``_credentials`` (what ``set_credentials`` or an earlier resolution
    left) and its ``credential_provider`` component, a ``botocore.credentials.CredentialResolver``
    whose ``providers`` each have a ``METHOD`` (the IMDS one's is ``iam-role``) and ``load()``.
    botocore asks IMDS last, after every other provider, and only when they found nothing; no
    setting turns it off for one resolution (``AWS_EC2_METADATA_DISABLED`` is read once, when
    the session's resolver is made, and would turn it off for every later client of the session).
    """
    known: object | None = getattr(session, "_credentials", None)
    if known is not None:
        return known
    from botocore.credentials import CredentialResolver

    resolver = session.get_component("credential_provider")
    providers = [each for each in getattr(resolver, "providers", ()) if getattr(each, "METHOD", None) != "iam-role"]
    credentials: object | None = CredentialResolver(providers).load_credentials()
    return credentials


@contextlib.contextmanager
def signing_credentials(seen: Callable[[ReadOnlyCredentials], None]) -> Iterator[None]:
    """Call ``seen`` with the credentials of every SigV4 signature made in the block, by any client.

    Depends on ``botocore.auth.SigV4Auth.add_auth(self, request)`` and the signer's
    ``credentials`` attribute: every credential provider (environment, profile, SSO, assumed
    role, instance metadata) ends there, and the public ``before-sign`` event carries no
    credentials. Signing itself is unchanged; ``seen`` runs first.
    """
    from botocore.auth import SigV4Auth

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def add_auth(signer: SigV4Auth, request: Any) -> None:
            credentials = getattr(signer, "credentials", None)
            if credentials is not None:
                seen(credentials)
            original(signer, request)

        return add_auth

    undo = patch_on_top(SigV4Auth, "add_auth", make, seen)
    try:
        yield
    finally:
        undo()


# Swaps of botocore.endpoint's time name, one at a time.
_time_lock = threading.Lock()


class _RecordingTime:
    """The ``time`` module, except that ``sleep(seconds)`` appends ``seconds`` to a list."""

    def __init__(self, record: list[float], original: Any) -> None:
        self._record = record
        self._original = original

    def sleep(self, seconds: float) -> None:
        self._record.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


@contextlib.contextmanager
def recorded_retry_sleeps(record: list[float]) -> Iterator[list[float]]:
    """While inside, botocore's retries don't sleep; the delays they would have slept go to ``record``.

    botocore has no public setting for the back-off's delays nor a hook for the sleep itself.
    Depends on ``botocore.endpoint`` calling ``time.sleep`` through its module's ``time`` name:
    that name is swapped for a stand-in whose ``sleep`` records the seconds asked for. Waiters
    and the retry quota's token bucket are left alone.
    """
    import botocore.endpoint

    with _time_lock:
        undo = patch_on_top(botocore.endpoint, "time", lambda current: _RecordingTime(record, current), record)
    try:
        yield record
    finally:
        with _time_lock:
            undo()


def has_unique_handler(client: BaseClient, unique_id: str) -> bool:
    """Whether a handler is registered on ``client``'s events under ``unique_id``; False when that can't be read.

    botocore has no public way to ask, and registering again (a no-op for a unique id that is
    there) costs the event name's aliasing first. Depends on ``client.meta.events._emitter``'s
    ``_unique_id_handlers`` dict (see :func:`client_state`).
    """
    unique = getattr(getattr(client.meta.events, "_emitter", None), "_unique_id_handlers", None)
    return isinstance(unique, dict) and unique_id in unique


# --- what a lent client is checked against (pytest_personalize._clients) ---------------------


@dataclass(frozen=True)
class ClientState:
    """What a client's behaviour hangs on, taken when it was built; :meth:`unchanged` checks it later.

    ``objects`` holds, by identity, every handler on the client's event emitter with the trie
    node (the event name) it hangs on, in the order botocore calls them, and the values of the
    attributes of the client, its class and the objects it works through (meta, endpoint, HTTP
    session, signer). ``names`` holds those attributes' names and the unique ids registered
    (with their counts). ``quotas`` holds the retry quotas of the client's ``standard`` retry
    handler with their capacity then (a retry spends some, and only a success gives it back).
    ``config`` is a copy of ``client.meta.config``'s values.
    """

    objects: tuple[object, ...]
    names: tuple[object, ...]
    quotas: tuple[tuple[Any, int], ...]
    config: dict[str, Any]
    # The attribute part of ``objects`` and ``names`` again, by part: (part, names, values).
    attributes: tuple[tuple[object, tuple[str, ...], tuple[object, ...]], ...] = ()
    # The trie's lists and children dicts as last seen equal to the above: most checks compare
    # these alone, at C speed, and walk the trie only when they differ.
    _seen: list[_TrieShape | None] = field(default_factory=lambda: [None], compare=False, repr=False)

    def unchanged(self, client: BaseClient) -> bool:
        """Whether ``client`` holds the very same handlers and attribute values (by identity), equal
        config, and its retry quotas as full as they were."""
        if not all(quota.available_capacity == capacity for quota, capacity in self.quotas):
            return False
        # Equal to the copy exactly when a copy of it would be: no copy needed to compare.
        if vars(client.meta.config) != self.config:
            return False
        seen = self._seen[0]
        if seen is not None and seen.matches(client):
            return _attributes_unchanged(client, self.attributes)
        now = _walk(client)
        if now is None:
            return False
        objects, names = now
        same = (
            names == self.names and len(objects) == len(self.objects) and all(map(operator.is_, objects, self.objects))
        )
        if same:
            self._seen[0] = _TrieShape.of(client)
        return same


@dataclass(frozen=True)
class _TrieShape:
    """Every list of handlers in a client's trie with its contents, every children dict with its size,
    and the emitter's lookup cache then."""

    emitter: object
    lookup_cache: object
    lists: tuple[list[Any], ...]
    contents: list[tuple[Any, ...]]
    children: tuple[dict[str, Any], ...]
    sizes: list[int]
    unique: dict[str, Any]
    unique_counts: dict[str, Any]

    @staticmethod
    def of(client: BaseClient) -> _TrieShape | None:
        emitter = getattr(client.meta.events, "_emitter", None)
        root = getattr(getattr(emitter, "_handlers", None), "_root", None)
        unique = getattr(emitter, "_unique_id_handlers", None)
        if not isinstance(root, dict) or not isinstance(unique, dict):
            return None
        lists: list[list[Any]] = []
        children: list[dict[str, Any]] = []
        stack = [root]
        while stack:
            node = stack.pop()
            values = node["values"]
            if values is not None:
                lists.extend(values)
            children.append(node["children"])
            stack.extend(node["children"].values())
        return _TrieShape(
            emitter,
            getattr(emitter, "_lookup_cache", None),
            tuple(lists),
            list(map(tuple, lists)),
            tuple(children),
            list(map(len, children)),
            unique,
            {key: value.get("count") for key, value in unique.items()},
        )

    def matches(self, client: BaseClient) -> bool:
        # A handler registered adds to a list or a new node under a counted children dict (nodes
        # are never taken away); one unregistered leaves a list.
        emitter = getattr(client.meta.events, "_emitter", None)
        unique = getattr(emitter, "_unique_id_handlers", None)
        if unique is not self.unique or emitter is not self.emitter:
            return False
        if self.lookup_cache is not None and getattr(emitter, "_lookup_cache", None) is self.lookup_cache:
            # The emitter replaces its lookup cache at every handler registered or unregistered:
            # the same one proves the trie as it was. A unique id's count changes without that.
            return {key: value.get("count") for key, value in unique.items()} == self.unique_counts
        return (
            list(map(len, self.children)) == self.sizes
            and list(map(tuple, self.lists)) == self.contents
            and {key: value.get("count") for key, value in unique.items()} == self.unique_counts
        )


def client_state(client: BaseClient) -> ClientState | None:
    """The client's :class:`ClientState`, or None when the client isn't built the way this adapter knows.

    botocore has no public way to list a client's event handlers. Depends on:
    ``client.meta.events`` being a ``botocore.hooks.EventAliaser`` whose ``_emitter`` is a
    ``HierarchicalEmitter``; that emitter's ``_handlers`` (a ``_PrefixTrie``: ``_root`` a dict node
    with ``children``, a dict of nodes by name part, and ``values``, None or a ``NodeList`` of
    ``first``, ``middle``, ``last``) and ``_unique_id_handlers`` (unique id -> dict with an
    optional ``count``); a ``standard`` retry handler being a bound method of
    ``botocore.retries.standard.RetryHandler`` or ``RetryQuotaChecker`` that reaches a
    ``botocore.retries.quota.RetryQuota`` (``_retry_quota._quota``, ``_quota``); and the
    client's ``_endpoint`` (with ``http_session``) and ``_request_signer``. Checked again, the
    emitter's ``_lookup_cache`` being the very dict it was proves the trie unchanged: the
    emitter replaces it with a new one at every ``register`` and ``unregister`` that changes a
    handler (where it isn't, the trie is compared list by list).
    """
    walked = _walk(client)
    if walked is None:
        return None
    objects, names = walked
    quotas: dict[int, tuple[Any, int]] = {}
    for handler in objects:
        owner = getattr(handler, "__self__", None)
        if owner is not None:
            quota = getattr(owner, "_quota", None) or getattr(getattr(owner, "_retry_quota", None), "_quota", None)
            capacity = getattr(quota, "available_capacity", None)
            if _is_a(quota, "RetryQuota") and isinstance(capacity, int):
                quotas[id(quota)] = (quota, capacity)
    attributes = tuple(
        (part, tuple(vars_), tuple(vars_.values()))
        for part in _parts(client)
        for vars_ in (getattr(part, "__dict__", _NO_ATTRIBUTES),)
    )
    return ClientState(objects, names, tuple(quotas.values()), _config(client), attributes)


def _is_a(value: object, name: str) -> bool:
    # By name, not identity: a second import of botocore (pytester's in-process runs make one)
    # has classes of its own, and the clients of the first are still theirs.
    return any(klass.__name__ == name for klass in type(value).__mro__)


def _walk(client: BaseClient) -> tuple[tuple[object, ...], tuple[object, ...]] | None:
    events = client.meta.events
    emitter = getattr(events, "_emitter", None)
    if type(events).__name__ != "EventAliaser" or not _is_a(emitter, "HierarchicalEmitter"):
        return None
    root = getattr(getattr(emitter, "_handlers", None), "_root", None)
    unique = getattr(emitter, "_unique_id_handlers", None)
    if not isinstance(root, dict) or not isinstance(unique, dict):
        return None
    objects: list[object] = []
    stack = [root]
    while stack:
        node = stack.pop()
        values = node["values"]
        if values is not None and (values.first or values.middle or values.last):
            # The node stands for its event name: a node emptied at teardown counts as absent.
            objects.append(node)
            objects.extend(values.first)
            objects.append(_SECTION_END)
            objects.extend(values.middle)
            objects.append(_SECTION_END)
            objects.extend(values.last)
            objects.append(_SECTION_END)
        stack.extend(node["children"].values())
    names: list[object] = [*sorted((key, value.get("count")) for key, value in unique.items())]
    for part in _parts(client):
        attributes = getattr(part, "__dict__", _NO_ATTRIBUTES)
        objects.append(part)
        objects.extend(attributes.values())
        names.append(tuple(attributes))
    return tuple(objects), tuple(names)


def _parts(client: BaseClient) -> list[Any]:
    """The client, its class and the objects it works through: what a test might patch."""
    endpoint = getattr(client, "_endpoint", None)
    parts = (
        client,
        type(client),
        client.meta,
        endpoint,
        getattr(endpoint, "http_session", None),
        getattr(client, "_request_signer", None),
    )
    return [part for part in parts if part is not None]


def _attributes_unchanged(
    client: BaseClient, attributes: tuple[tuple[object, tuple[str, ...], tuple[object, ...]], ...]
) -> bool:
    """The attribute part of :class:`ClientState`: the same parts, each with the same attribute names and values."""
    parts = _parts(client)
    if len(parts) != len(attributes):
        return False
    for part, (was, names, values) in zip(parts, attributes, strict=True):
        now = getattr(part, "__dict__", _NO_ATTRIBUTES)
        if part is not was or len(now) != len(values) or tuple(now) != names:
            return False
        if not all(map(operator.is_, now.values(), values)):
            return False
    return True


def _config(client: BaseClient) -> dict[str, Any]:
    return {
        key: _copied(value) if type(value) in (dict, list) else value for key, value in vars(client.meta.config).items()
    }


_SECTION_END = object()
_NO_ATTRIBUTES: dict[str, Any] = {}


def _copied(value: Any) -> Any:
    """A copy that a later change to a mutable config value (the ``retries`` dict, say) doesn't reach."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value
