"""The Personalize service model, read from the botocore installation at run time.

Every rule the plugin enforces -- shapes, lengths, patterns, enums, modeled errors -- is asked
of this module, which reads it from botocore's own data. Nothing here is a copy of the model.
botocore is imported lazily so that loading the plugin costs a project that doesn't use it nothing.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    import botocore.session
    import regex
    from botocore.model import OperationModel, ServiceModel, Shape

SERVICE_NAME = "personalize"
# The data-plane APIs: REST-JSON, signed as "personalize" too. Their operation names are distinct
# from the control plane's and from each other's, so a name alone says which API it belongs to.
RUNTIME_SERVICE_NAME = "personalize-runtime"
EVENTS_SERVICE_NAME = "personalize-events"
SERVICE_NAMES = (SERVICE_NAME, RUNTIME_SERVICE_NAME, EVENTS_SERVICE_NAME)
_STUBBER_FIXTURES = {
    SERVICE_NAME: "personalize_stubber",
    RUNTIME_SERVICE_NAME: "personalize_runtime_stubber",
    EVENTS_SERVICE_NAME: "personalize_events_stubber",
}


@functools.cache
def botocore_session() -> botocore.session.Session:
    """One botocore session per process: its loader caches the parsed model files.

    A fresh session per client costs about 100 ms; a shared one makes a client in a few ms.
    """
    import botocore.session

    return botocore.session.get_session()


@functools.cache
def service_model(service: str = SERVICE_NAME) -> ServiceModel:
    """The botocore model of one Personalize API: the control plane unless ``service`` names another."""
    return botocore_session().get_service_model(service)


@functools.cache
def _region_patterns() -> tuple[re.Pattern[str], ...]:
    endpoints = botocore_session().get_component("data_loader").load_data("endpoints")
    return tuple(re.compile(partition["regionRegex"], re.ASCII) for partition in endpoints["partitions"])


def is_region_name(region: str) -> bool:
    """Whether ``region`` has the form of a region of some AWS partition (botocore's endpoint data)."""
    return any(pattern.fullmatch(region) for pattern in _region_patterns())


@functools.cache
def operation_names(service: str = SERVICE_NAME) -> frozenset[str]:
    """The model's operation names, for membership tests (botocore's list is scanned)."""
    return frozenset(service_model(service).operation_names)


@functools.cache
def service_of(operation: str) -> str:
    """Which Personalize API an operation (as the model names it) belongs to; the control plane if none."""
    for service in SERVICE_NAMES:
        if operation in operation_names(service):
            return service
    return SERVICE_NAME


def is_operation(operation: str) -> bool:
    """Whether ``operation`` is an operation (as the model names it) of any Personalize API."""
    return any(operation in operation_names(service) for service in SERVICE_NAMES)


@functools.cache
def _operation_names_by_key(service: str | None = SERVICE_NAME) -> dict[str, str]:
    names: dict[str, str] = {}
    for each in SERVICE_NAMES if service is None else (service,):
        for name in service_model(each).operation_names:
            names[name] = name
            names[method_name(name)] = name
    return names


def api_title(service: str) -> str:
    """How messages name an API: ``Amazon Personalize``, ``Amazon Personalize Runtime``, ..."""
    return str(service_model(service).metadata.get("serviceFullName", service))


@functools.cache  # a handful of names, asked on every queued stub
def method_name(operation: str) -> str:
    """The client method of an operation: ``CreateDatasetGroup`` -> ``create_dataset_group``."""
    from botocore import xform_name

    return str(xform_name(operation))


def operation_name(operation: str, service: str | None = None) -> str:
    """The model's name for an operation given as ``"CreateDatasetGroup"`` or ``"create_dataset_group"``.

    ``service`` limits the names to one API's (``"personalize-runtime"``); by default an operation
    of any Personalize API is found (control plane, runtime or events).
    """
    __tracebackhide__ = True
    if not isinstance(operation, str):
        raise UsageError(
            f"an operation is named by a string such as 'CreateDatasetGroup', not {type(operation).__name__}"
        )
    names = _operation_names_by_key(service)
    if operation in names:
        return names[operation]
    elsewhere = _operation_names_by_key(None).get(operation)
    if elsewhere is not None and service is not None:
        raise UsageError(
            f"{operation!r} is an operation of {api_title(service_of(elsewhere))}, not of {api_title(service)}: "
            f"a {service_of(elsewhere)} client calls it (stub it on {_STUBBER_FIXTURES[service_of(elsewhere)]})"
        )
    close = difflib.get_close_matches(operation, list(names), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(names[c]) for c in close)}?" if close else ""
    where = api_title(service or SERVICE_NAME)
    count = len(service_model(service or SERVICE_NAME).operation_names)
    raise UsageError(f"{operation!r} is not an operation of {where} (botocore's model has {count} operations).{hint}")


def operation_model(operation: str, service: str | None = None) -> OperationModel:
    """The botocore model of an operation of any Personalize API (or of ``service``'s only)."""
    name = operation_name(operation, service)
    return service_model(service_of(name)).operation_model(name)


@functools.cache
def modeled_errors(operation: str) -> tuple[str, ...]:
    """Every error code the service model declares for ``operation``, in the model's order.

    >>> modeled_errors("create_dataset_group")  # doctest: +SKIP
    ('InvalidInputException', 'ResourceAlreadyExistsException', 'LimitExceededException', 'TooManyTagsException')
    """
    __tracebackhide__ = True
    # dict.fromkeys: the model lists some codes twice for one operation (UpdateSolution's ResourceInUse).
    return tuple(dict.fromkeys(shape.name for shape in operation_model(operation).error_shapes))


@functools.cache
def all_modeled_errors() -> frozenset[str]:
    """Every error code any Personalize operation declares."""
    return frozenset(code for name in service_model().operation_names for code in modeled_errors(name))


def target_prefix() -> str:
    """What ``X-Amz-Target`` starts with: ``AmazonPersonalize.``, from the model's metadata."""
    return f"{service_model().metadata['targetPrefix']}."


def is_stub_wildcard(value: object) -> bool:
    """Whether ``value`` is ``botocore.stub.ANY``, which stands for any value in ``expected_params``.

    Compared by name: botocore.stub may be imported afresh (pytester restores sys.modules), and
    an ANY from either import must count.
    """
    kind = value.__class__
    return kind.__name__ == "_ANY" and kind.__module__ == "botocore.stub"


@functools.cache
def named_shape(name: str, service: str = SERVICE_NAME) -> Shape:
    """A shape of the model (of ``service``) by name, always the same object.

    botocore builds a new Shape per ``shape_for`` call; what is cached per shape (the
    validator's compiled checks) must see one.
    """
    return service_model(service).shape_for(name)


def error_documentation(code: str, service: str = SERVICE_NAME) -> str:
    """The model's one-line description of an error shape, stripped of its HTML."""
    documentation = named_shape(code, service).documentation or ""
    return re.sub(r"<[^>]+>", "", documentation).strip()


def error_http_status(operation: str, code: str) -> int | None:
    """The HTTP status the model gives an operation's error (REST-JSON APIs: 404, 409), or None."""
    model = operation_model(operation)
    for shape in model.error_shapes:
        if shape.name == code:
            status = shape.metadata.get("error", {}).get("httpStatusCode")
            return int(status) if status is not None else None
    return None


@functools.cache
def compiled_pattern(java_pattern: str) -> regex.Pattern[str]:
    """Compile a model pattern (Java syntax, Unicode property classes) for full matching.

    The ``regex`` module understands ``\\p{L}``, ``\\p{N}``, ``\\p{Z}`` and ``\\p{ASCII}`` as Java
    does. Two constructs it reads differently are rewritten first: Java's ``\\d`` is ASCII digits
    only, and Java's ``.`` excludes every line terminator (``\\r``, U+0085, U+2028, U+2029), not
    just ``\\n``.
    """
    import regex

    return regex.compile(_as_java_reads_it(java_pattern), regex.VERSION0)


def _as_java_reads_it(java_pattern: str) -> str:
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(java_pattern):
        char = java_pattern[i]
        if char == "\\" and i + 1 < len(java_pattern):
            escape = java_pattern[i : i + 2]
            out.append(("0-9" if in_class else "[0-9]") if escape == "\\d" else escape)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == ".":
            char = r"[^\n\r\x85\u2028\u2029]"
        out.append(char)
        i += 1
    return "".join(out)


@functools.cache
def partition_for_region(region: str) -> str:
    """The AWS partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...) a region belongs to.

    Read from botocore's endpoint data: a region it lists is looked up, any other is matched
    against each partition's region pattern, and ``aws`` is the answer when none fits.
    """
    endpoints = botocore_session().get_component("data_loader").load_data("endpoints")
    for partition in endpoints["partitions"]:
        if region in partition.get("regions", {}):
            return str(partition["partition"])
    for partition in endpoints["partitions"]:
        if re.fullmatch(partition["regionRegex"], region):
            return str(partition["partition"])
    return "aws"
