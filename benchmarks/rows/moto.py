"""Row 3: the in-process fake against moto, on the operations both emulate.

Importing moto adds its handler to every botocore session made afterwards, so this family runs
after every other in-process family (``rows/__init__.py`` keeps that order). Without moto
installed, its lines say so and the other rows run as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from benchmarks.harness import REGION, Benchmark, Row, Sizes, fake, paired, per_call, ratio_row
from benchmarks.rows.per_call import OPERATIONS, Operation


def _moto_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("moto") is not None
    except (ImportError, ValueError):  # a moto whose import is blocked (sys.modules entry of None)
        return False


MOTO_OPERATIONS = ("create_schema", "describe_schema", "list_schemas")


def bench_fake_vs_moto(sizes: Sizes) -> Iterator[Row]:
    """The fake against moto on the operations both emulate: moto's Personalize has schemas only."""
    chosen = [operation for operation in OPERATIONS if operation.method in MOTO_OPERATIONS]
    if not _moto_available():
        for operation in chosen:
            yield Row(
                3,
                f"personalize_fake {operation.name} call",
                f"moto mock_aws {operation.name} call",
                0.0,
                0.0,
                0.0,
                "s",
                "<= 0.5x (2x faster)",
                False,
                skipped="moto not installed",
            )
        return

    from pytest_personalize._clients import make_client

    fake_client = make_client(REGION)  # made before moto is imported: moto adds a handler to every session after

    import boto3
    from moto import mock_aws

    class _MotoSetup:
        """``prepare`` as moto takes it: the same creations, through its client."""

        def __init__(self, client: Any) -> None:
            self.client = client

        def call(self, operation: str, params: dict[str, Any]) -> None:
            method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
            getattr(self.client, method)(**params)

    calls = max(sizes.calls // 2, 1)
    for operation in chosen:

        def ours(operation: Operation = operation) -> float:
            with fake() as personalize:
                personalize.attach(fake_client)
                operation.prepare(personalize, calls)
                call = getattr(fake_client, operation.method)
                return per_call(lambda i: call(**operation.params(i)), calls)

        def moto(operation: Operation = operation) -> float:
            with mock_aws():
                client = boto3.session.Session().client(
                    "personalize", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
                )
                operation.prepare(_MotoSetup(client), calls)
                call = getattr(client, operation.method)
                return per_call(lambda i: call(**operation.params(i)), calls)

        yield ratio_row(
            3,
            f"personalize_fake {operation.name} call",
            f"moto mock_aws {operation.name} call",
            paired(ours, moto, sizes.rounds),
            "<= 0.5x (2x faster)",
            0.5,
        )


ROWS: dict[int, Benchmark] = {3: bench_fake_vs_moto}
