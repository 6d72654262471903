"""What a dataset import job reads from S3, checked against its dataset's schema where S3 is emulated.

The in-process fake hands its backend an :class:`S3Reader` (the backend's ``import_reader``), which
reads S3 only through a client that can't leave the machine: moto answers it (when moto is
imported and its mock is on), or a loopback S3 endpoint does (``AWS_ENDPOINT_URL_S3`` pointing
at moto's server, say). Any other request is answered here with a refusal before it is sent, and
the job is then not checked; with neither moto imported nor an endpoint set, no client is made.
Without an emulated S3, import jobs simply succeed.

Where the bucket is emulated, the job ends in CREATE FAILED, with the service's failure reason,
when the data isn't there or the CSV's header doesn't match the schema. The Amazon Personalize
developer guide ("Common error messages") documents the wording of both::

    Failed to create a data import job <dataset type> dataset...Input CSV is missing the following columns:[COLUMN_NAME, COLUMN_NAME].
    Failed to create a data import job for <dataset type> dataset....Insufficient privileges for accessing data in Amazon S3.

and ("Preparing and importing bulk data") that the first row holds the column headers, unquoted,
and that the data "must match the destination dataset's schema". The guide doesn't give the
wording for a column the schema lacks; the reason for it here is the plugin's own.

The reader also counts an Interactions import's rows (:meth:`S3Reader.interactions`): who
interacted and with which event type, what a training's minimums are checked on. Data it can't
read whole (not emulated, or larger than :data:`COUNT_BYTES`) is not counted, and then assumed
enough.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..model import spec as _spec
from ..model.rules import schemas as _schemas
from ..wire.requests import is_loopback
from ..wire.responses import Encoded, as_aws_response

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.client import BaseClient

_LOCATION = re.compile(r"^s3://(?P<bucket>[^/]+)/?(?P<key>.*)$")
# The header is the first line; a line longer than this is not a header anyone wrote by hand.
_HEAD_BYTES = 64 * 1024
# The code of the refusal answered to a request that would have left the machine.
NOT_SENT = "NotSentByPytestPersonalize"
_NOT_SENT_BODY = (
    f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{NOT_SENT}</Code><Message>pytest-personalize reads "
    "S3 only from moto or a loopback endpoint; this request would have left the machine.</Message></Error>"
).encode()
_GUARD_ID = "pytest-personalize-s3-stays-local"
# Past this many bytes an import's rows are not counted (a test's data is small; a real file is not).
COUNT_BYTES = 8 * 1024 * 1024

# (USER_ID, EVENT_TYPE) of each row of an Interactions import; EVENT_TYPE None where there is none.
Interaction = tuple[str | None, str | None]


@dataclass(frozen=True)
class ImportSource:
    """What a dataset import job reads: where, into which type of dataset, against which schema."""

    location: str  # dataSource.dataLocation: s3://bucket/key.csv, or s3://bucket/folder/
    dataset_type: str
    schema: str  # the dataset's schema: an Avro record in JSON
    region: str


def header_problem(first_line: str, fields: list[str]) -> str | None:
    """Why a CSV whose first line is ``first_line`` can't fill a dataset with these schema fields, or None.

    Names compare exactly: quotation marks around a header are part of its name, so a quoted
    header misses its column, as the guide warns.
    """
    columns = first_line.lstrip("\ufeff").rstrip("\r\n").split(",")
    missing = [name for name in fields if name not in columns]
    if missing:
        return f"Input CSV is missing the following columns:[{', '.join(missing)}]."
    extra = [name for name in columns if name not in fields]
    if extra:
        shown = (name or '""' for name in extra)  # a trailing comma makes a column without a name
        return f"Input CSV has columns that are not in the dataset's schema:[{', '.join(shown)}]."
    return None


class ImportReader(Protocol):
    """What checks a dataset import job's data where it is held: ``Backend(import_reader=...)``.

    A reader may also count an Interactions import's rows, with a method
    ``interactions(source) -> list[Interaction] | None`` (as :class:`S3Reader` does); without it,
    every import is assumed to hold enough to train on.
    """

    def problem(self, source: ImportSource) -> str | None:
        """The job's failure reason, or None (the data fits, or isn't there to check)."""


@dataclass
class S3Reader:
    """The import reader of the in-process fake: S3 as moto (or a loopback endpoint) holds it.

    Its S3 clients stay on the machine, one per region, made on first use.
    """

    _clients: dict[str, BaseClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, region: str) -> BaseClient:
        with self._lock:
            client = self._clients.get(region)
            if client is None:
                client = self._clients[region] = _local_s3_client(region)
            return client

    def problem(self, source: ImportSource) -> str | None:
        """The failure reason of an import job reading ``source``, or None (the data fits, or isn't emulated)."""
        return problem(source, self)

    def interactions(self, source: ImportSource) -> list[Interaction] | None:
        """The rows of an Interactions import, or None where they can't be counted."""
        return interactions(source, self)


def interactions(source: ImportSource, reader: S3Reader) -> list[Interaction] | None:
    """(user, event type) of each row ``source`` holds, or None: not emulated, not readable, too large."""
    match = _LOCATION.match(source.location)
    if source.dataset_type.upper() != "INTERACTIONS" or match is None or not _s3_may_be_local():
        return None
    from botocore.exceptions import ClientError

    bucket, key = match.group("bucket"), match.group("key")
    client: Any = reader.client(source.region)
    try:
        keys = [name for name, _ in _heads(client, bucket, key)]
        rows: list[Interaction] = []
        budget = COUNT_BYTES
        for name in keys:
            body = client.get_object(Bucket=bucket, Key=name)["Body"]
            try:
                data: bytes = body.read(budget + 1)
            finally:
                body.close()
            budget -= len(data)
            if budget < 0:
                return None
            rows.extend(_rows(data.decode("utf-8", errors="replace")))
        return rows
    except ClientError:
        return None


def _rows(text: str) -> list[Interaction]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None) or []
    user = header.index("USER_ID") if "USER_ID" in header else None
    event = header.index("EVENT_TYPE") if "EVENT_TYPE" in header else None
    found: list[Interaction] = []
    for row in reader:
        if not row:
            continue
        found.append(
            (
                row[user] if user is not None and user < len(row) else None,
                row[event] if event is not None and event < len(row) else None,
            )
        )
    return found


def problem(source: ImportSource, reader: S3Reader) -> str | None:
    """The failure reason of an import job reading ``source`` through ``reader``'s clients, or None."""
    match = _LOCATION.match(source.location)
    if match is None or not _s3_may_be_local():
        return None
    bucket, key = match.group("bucket"), match.group("key")
    client = reader.client(source.region)
    failed = f"Failed to create a data import job for {source.dataset_type} dataset. "
    from botocore.exceptions import ClientError

    try:
        heads = _heads(client, bucket, key)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in (NOT_SENT, "NoSuchBucket"):
            return None  # S3 isn't emulated here, or this bucket lives elsewhere: nothing to check
        if code not in ("NoSuchKey", "404"):
            return None
        heads = []
    if not heads:
        return failed + f"Insufficient privileges for accessing data in Amazon S3: no data at {source.location}."
    fields = _schemas.field_names(source.schema)
    folder = len(heads) > 1 or key.endswith("/") or key == ""
    for name, first_line in heads:
        reason = header_problem(first_line, fields)
        if reason is not None:
            return failed + reason + (f" (s3://{bucket}/{name})" if folder else "")
    return None


def _s3_may_be_local() -> bool:
    """Whether anything on the machine may answer S3: moto is loaded, or an endpoint is configured.

    Saves making a client (and the refusal) in the common case of neither.
    """
    return "moto" in sys.modules or any(name in os.environ for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))


def _heads(client: Any, bucket: str, key: str) -> list[tuple[str, str]]:
    """(key, first line) of the object at ``key``, or of each object in the folder ``key`` names."""
    from botocore.exceptions import ClientError

    if key and not key.endswith("/"):
        try:
            return [(key, _first_line(client, bucket, key))]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchKey":
                raise
            key += "/"  # s3://bucket/folder names the folder too
    heads = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
        for item in page.get("Contents", ()):
            if not item["Key"].endswith("/"):
                heads.append((item["Key"], _first_line(client, bucket, item["Key"])))
    return heads


def _first_line(client: Any, bucket: str, key: str) -> str:
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        head: bytes = body.read(_HEAD_BYTES)
    finally:
        body.close()
    return head.split(b"\n", 1)[0].decode("utf-8", errors="replace")


def _local_s3_client(region: str) -> BaseClient:
    """An S3 client whose requests moto or a loopback endpoint answers, and no one else."""
    import importlib

    from .._clients import DUMMY_CREDENTIALS

    client = _spec.botocore_session().create_client(
        "s3",
        region_name=region,
        aws_access_key_id=DUMMY_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=DUMMY_CREDENTIALS["aws_secret_access_key"],
    )
    if "moto" in sys.modules:
        # moto's public way to reach a client made from a session older than moto's import.
        importlib.import_module("moto.core").patch_client(client)
    # Called after every other before-send handler (moto's included); botocore takes the first
    # answer, so this refusal is used only when nothing on the machine answered.
    client.meta.events.register_last("before-send", _stay_local, unique_id=_GUARD_ID)  # type: ignore[arg-type]
    return client


def _stay_local(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
    if is_loopback(request.url):
        return None
    refusal = Encoded(403, {"Content-Type": "application/xml"}, _NOT_SENT_BODY)
    return as_aws_response(request.url, refusal)
