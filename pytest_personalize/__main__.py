"""``python -m pytest_personalize <command>``: the plugin's tools outside pytest.

``check [PATH ...]`` checks recorded cassettes against the service model and for credentials.
``migrate PATH ... (--output DIR | --in-place)`` converts vcrpy cassettes into scrubbed ones of ours.
``serve`` runs the loopback server by hand, for the AWS CLI or another SDK, and prints a line
per request (``--quiet`` for none)::

    python -m pytest_personalize serve --port 4566
    aws personalize list-dataset-groups --endpoint-url http://127.0.0.1:4566   # any credentials and region

Each command is a subparser with a ``run(args) -> int`` handler; add one with ``_add_<name>``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


_SERVE_EPILOG = """\
examples:
  python -m pytest_personalize serve --port 4566
  python -m pytest_personalize serve --lifecycle instant --quota 20 --quota Filter=3
  aws personalize list-dataset-groups --endpoint-url http://127.0.0.1:4566

--lifecycle: how a created resource reaches ACTIVE (and a deleted one disappears):
  describe  (default) one status per Describe or List that shows it: the first
            shows CREATE PENDING, the next ACTIVE
  instant   at once
  clock     one status per minute on the wall clock
--quota [TYPE=]N: how many resources each account may hold per region; one more is
  LimitExceededException, as the service answers. A bare N is for dataset groups;
  TYPE=N (Filter=3, Solution=none) for another type. Default: the documented quotas.

Each request is printed on standard output, one line per answer: operation, HTTP
status, error code if any, and the time taken, e.g.
  CreateDatasetGroup 200 1.3 ms
  DescribeDatasetGroup 400 ResourceNotFoundException 0.6 ms
--quiet (-q) prints none; errors of the server itself still go to standard error.
"""


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .emulator.backend import ADVANCE_MODES, DEFAULT_DATASET_GROUP_QUOTA

    serve = commands.add_parser(
        "serve",
        help="run the loopback Amazon Personalize server until interrupted",
        description=(
            "Serve Amazon Personalize (the control plane, personalize-runtime and personalize-events) "
            "on 127.0.0.1 until Ctrl-C or SIGTERM."
        ),
        epilog=_SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--port", type=_port, default=0, help="port to listen on (default: a free one, printed at start)"
    )
    serve.add_argument(
        "--lifecycle",
        choices=ADVANCE_MODES,
        default="describe",
        help="how resources move on: one status per Describe or List that shows them (describe), at once (instant), "
        "or a minute per status on the wall clock (clock)",
    )
    serve.add_argument(
        "--quota",
        type=_quota,
        action="append",
        default=[],
        metavar="[TYPE=]N",
        help=f"a quota: N dataset groups per account and region (default {DEFAULT_DATASET_GROUP_QUOTA}), or TYPE=N "
        "(TYPE=none: no cap) for another type, e.g. --quota Filter=20; repeatable (default: the documented quotas)",
    )
    serve.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="don't print a line per request (operation, status and error code, time taken)",
    )
    serve.set_defaults(run=_serve)


def _port(text: str) -> int:
    port = _count(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: choose 0 (any free one) to 65535")
    return port


def _quota(text: str) -> tuple[str, int | None]:
    from .emulator.backend import parse_quota

    if "=" not in text:
        return "DatasetGroup", _count(text)
    try:
        return parse_quota(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def _serve(args: argparse.Namespace) -> int:
    from .emulator.backend import Backend, Lifecycle
    from .emulator.server import PersonalizeServer

    stop = threading.Event()
    # SIGTERM ends the server as Ctrl-C does: connections closed, threads joined.
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    backend = Backend(lifecycle=Lifecycle(args.lifecycle), quotas=dict(args.quota))
    try:
        server = PersonalizeServer(backend, port=args.port, request_log=None if args.quiet else _print_line())
        server.start()
    except OSError as error:
        print(f"pytest-personalize: cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 1
    try:
        print(f"pytest-personalize: serving Amazon Personalize on {server.endpoint_url}", flush=True)
        # One port serves the control plane, runtime and events: the path tells them apart.
        for api in ("PERSONALIZE", "PERSONALIZE_RUNTIME"):
            print(f"  AWS_ENDPOINT_URL_{api}={server.endpoint_url}", flush=True)
        print(f"  AWS_ENDPOINT_URL_PERSONALIZE_EVENTS={server.endpoint_url}  (Ctrl-C to stop)", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("pytest-personalize: stopped", flush=True)
    return 0


def _print_line() -> Callable[[str], None]:
    lock = threading.Lock()  # request threads print side by side; keep each line whole

    def log(line: str) -> None:
        with lock:
            print(line, flush=True)

    return log


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .recording.check import add_parser

    add_parser(commands)


def _add_migrate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .recording.vcr_interop import add_parser

    add_parser(commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_personalize", description="pytest-personalize's tools outside pytest."
    )
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)
    _add_serve(commands)
    _add_check(commands)
    _add_migrate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Handler = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
