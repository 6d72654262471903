"""``python -m pytest_personalize <command>``: the plugin's tools outside pytest.

``check [PATH ...]`` checks recorded cassettes against the service model and for credentials.
``migrate PATH ... (--output DIR | --in-place)`` converts vcrpy cassettes into scrubbed ones of ours.
``parity [PATH ...]`` replays recorded cassettes against the fake and reports where its answers differ.
``serve`` runs the loopback server by hand, for the AWS CLI or another SDK, and prints a line
per request (``--quiet`` for none); ``--config FILE`` (TOML or JSON, :mod:`._serve_config`) sets
its settings and the campaigns to deploy, and its test controls (:mod:`.emulator.admin`) let a
test reset it, declare results, move its clock and read the events it received::

    python -m pytest_personalize serve --port 4566 --config personalize.toml
    aws personalize list-dataset-groups --endpoint-url http://127.0.0.1:4566   # any credentials and region

Each command is a subparser with a ``run(args) -> int`` handler; add one with ``_add_<name>``.
"""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


_SERVE_EPILOG = """\
examples:
  python -m pytest_personalize serve --port 4566
  python -m pytest_personalize serve --lifecycle instant --quota 20 --quota Filter=3
  python -m pytest_personalize serve --config personalize.toml --port 0
  aws personalize list-dataset-groups --endpoint-url http://127.0.0.1:4566

--config FILE: a .toml or .json file of port, region, account, lifecycle (a mode, or
  a table of mode, in_progress, describes_per_stage, seconds_per_stage, clock),
  quotas (a table of TYPE = N or "none"), and the campaigns and recommenders to deploy
  with the results they answer, e.g.
    region = "us-east-1"
    lifecycle = "instant"
    [quotas]
    Filter = 3
    [[campaigns]]
    name = "shop-recs"
    results = [{user_id = "u1", items = ["i3", "i1"]}, {items = ["i9"]}]
  The options given on the command line override the file's.

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

Test controls, JSON in and out, under http://127.0.0.1:PORT/pytest-personalize/:
  POST reset     forget every resource, call and event, then deploy and declare the
                 config's campaigns and recommenders again
  POST declare   {"campaigns": [{"name": ..., "results": [...]}], "recommenders": [...]}
  GET|POST clock the time; {"manual": true} takes the clock over, {"advance": 30} moves it
  GET events     the events received (?user_id=&event_type=&tracking_id=)
  GET records    the items, users, actions and action interactions received
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
        "--config",
        type=Path,
        metavar="FILE",
        help="a .toml or .json file of settings and of campaigns and recommenders to deploy, with their "
        "results (see below); the options here override it",
    )
    serve.add_argument(
        "--port", type=_port, default=None, help="port to listen on (default: a free one, printed at start)"
    )
    serve.add_argument(
        "--region",
        help="the region the config's campaigns and recommenders are deployed in, and unsigned requests "
        "speak for (default us-east-1; a signed request speaks for the region it is signed for)",
    )
    serve.add_argument(
        "--account", help="the account id of requests whose access key id isn't 12 digits (default 123456789012)"
    )
    serve.add_argument(
        "--manual-clock",
        action="store_true",
        help="a clock only the test controls move (POST /pytest-personalize/clock), in the clock lifecycle",
    )
    serve.add_argument(
        "--lifecycle",
        choices=ADVANCE_MODES,
        default=None,
        help="how resources move on: one status per Describe or List that shows them (describe), at once (instant), "
        "or a minute per status on the clock (clock); default describe",
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
    serve.set_defaults(run=_serve, parser=serve)


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
    from . import _serve_config
    from .emulator import admin
    from .emulator.backend import Backend
    from .emulator.server import PersonalizeServer

    parser: argparse.ArgumentParser = args.parser
    try:
        config = _serve_config.load(args.config) if args.config is not None else _serve_config.ServeConfig()
        region = args.region or config.region
        if args.region is not None:
            _serve_config.check_region(args.region, "--region")
        if args.account is not None:
            _serve_config.check_account(args.account, "--account")
        settings = config.backend_settings(mode=args.lifecycle, quotas=dict(args.quota))
        if args.account is not None:
            settings["account"] = args.account
        # The one way the fixtures turn settings into a backend, too.
        backend = Backend(**settings)
        if region is not None:
            backend.default_region = region
        if args.manual_clock and args.lifecycle not in (None, "clock"):
            raise ValueError(f"--manual-clock drives the clock lifecycle, not --lifecycle {args.lifecycle}")
        # The file's manual clock gives way to a --lifecycle other than clock, as its mode does.
        if args.manual_clock or (config.manual_clock and args.lifecycle in (None, "clock")):
            backend.use_manual_clock()
        deployed = admin.set_initial(backend, config.declarations or admin.Declarations())
    except (_serve_config.ConfigError, admin.AdminInputError, ValueError) as error:
        parser.error(str(error))  # exits 2, as argparse's own usage errors
    port = args.port if args.port is not None else config.port or 0

    stop = threading.Event()
    # SIGTERM ends the server as Ctrl-C does: connections closed, threads joined.
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        server = PersonalizeServer(backend, port=port, request_log=None if args.quiet else _print_line())
        server.start()
    except OSError as error:
        print(f"pytest-personalize: {_cannot_listen(port, error)}", file=sys.stderr)
        return 1
    shadow = _listener_on_ipv6_loopback(server.endpoint_url.rsplit(":", 1)[1])
    if shadow:
        print(f"pytest-personalize: warning: {shadow}", file=sys.stderr, flush=True)
    try:
        print(f"pytest-personalize: serving Amazon Personalize on {server.endpoint_url}", flush=True)
        # One port serves the control plane, runtime and events: the path tells them apart.
        for api in ("PERSONALIZE", "PERSONALIZE_RUNTIME"):
            print(f"  AWS_ENDPOINT_URL_{api}={server.endpoint_url}", flush=True)
        print(f"  AWS_ENDPOINT_URL_PERSONALIZE_EVENTS={server.endpoint_url}  (Ctrl-C to stop)", flush=True)
        for kind, arns in deployed.items():
            for name, arn in arns.items():
                print(f"pytest-personalize: deployed {kind[:-1]} {name}: {arn}", flush=True)
        print(f"pytest-personalize: test controls at {server.endpoint_url}{admin.PREFIX}", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("pytest-personalize: stopped", flush=True)
    return 0


def _cannot_listen(port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        # Said plainly: a client pointed at this port reaches whatever holds it, not the emulator.
        return (
            f"cannot listen on 127.0.0.1:{port}: the port is already in use, so nothing of ours is listening on {port}: "
            f"requests to http://127.0.0.1:{port} reach whatever program holds it, not this server. "
            "Stop that program, choose another port, or give --port 0 for a free one (printed at start)."
        )
    return f"cannot listen on 127.0.0.1:{port}, so nothing of ours is listening there: {error}"


def _listener_on_ipv6_loopback(port: str) -> str | None:
    """What to tell the user when another program listens on [::1] at our port, else None.

    The server binds 127.0.0.1 alone, so binding succeeds beside a program on ::1 (a Node server
    on "localhost", say), and a client that resolves localhost to ::1 first reaches that program.
    """
    try:
        with socket.create_connection(("::1", int(port)), timeout=0.5):
            pass
    except OSError:  # nothing there, or no IPv6 here
        return None
    return (
        f"another program listens on [::1]:{port}; a client given http://localhost:{port} may reach it instead "
        f"of this server: give clients http://127.0.0.1:{port}, or choose another port (--port 0: a free one)"
    )


def _print_line() -> Callable[[str], None]:
    lock = threading.Lock()  # request threads print side by side; keep each line whole

    def log(line: str) -> None:
        with lock:
            print(line, flush=True)

    return log


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .recording.check import add_parser

    add_parser(commands)


def _add_parity(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .recording.parity import add_parser

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
    _add_parity(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Handler = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
