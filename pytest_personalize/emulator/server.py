"""The loopback server: the backend over real HTTP, speaking AWS JSON 1.1 on 127.0.0.1.

Anything that can take an endpoint URL can use it -- boto3 (``endpoint_url=`` or
``AWS_ENDPOINT_URL_PERSONALIZE``), the AWS CLI (``--endpoint-url``), other SDKs. Signatures are
not checked; the credential scope says which region (and account) a request speaks for, and an
unsigned request speaks for the backend's default region. What is read off a request and the
bytes sent back are :mod:`pytest_personalize.wire`'s, as for the in-process fake.

Bad input gets the answer the service would give, in AWS JSON 1.1's error shape (``{"__type":
..., "message": ...}``, the code again in ``x-amzn-ErrorType``), or a closed connection; never a
500, and it never stops the server:

* a body that isn't strict JSON -- malformed, not UTF-8, NaN or Infinity (or a number too large
  for a double), an unpaired surrogate escape, nesting deeper than
  :data:`pytest_personalize.wire.decode.MAX_JSON_DEPTH` -- is SerializationException (400), as
  AWS's JSON protocols answer a body they can't read; the message says where;
* a request line it can't serve is 400 (unreadable), 405 (a method other than POST), 414 (too
  long) -- or 505 for an HTTP version other than 1.x (HTTP/2.0, HTTP/0.9), RFC 9110's status
  for it, naming the versions served;
* framing that could be read two ways -- a Content-Length that isn't plain ASCII digits
  (``+2``, ``1_0``), one given twice, one beside Transfer-Encoding -- is refused (400,
  connection closed); a chunked body is 411, one over :data:`MAX_BODY_BYTES` 413;
* a credential scope the service would refuse gets its answer: no ``Credential=`` or not five
  elements is IncompleteSignatureException (400), another service or a region no AWS partition
  has is InvalidSignatureException (403, before the region could reach an ARN).

A member the operation's input shape doesn't have is refused with InvalidInputException naming
it, not ignored. AWS JSON services are generally lenient at the wire and nothing public shows
what Personalize does with one; but botocore refuses one before sending, so only hand-built
requests can carry one, and refusing is the side of the contract that can't mislead: a request
accepted here is accepted by the service whichever way it reads unknown members, while ignoring
them would let a misspelt optional member (``maxResult``) pass silently.
"""

from __future__ import annotations

import contextlib
import http
import http.server
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._findings import Finding, Kind
from ..model import arguments as _arguments
from ..model.errors import ServiceError
from ..wire import exchange as _exchange
from ..wire import requests as _requests
from ..wire import responses as _responses
from ..wire.responses import Encoded
from . import admin as _admin
from .backend import Backend

if TYPE_CHECKING:
    from types import TracebackType

logger = logging.getLogger(__name__)

# Far above any request Personalize's dataset-group operations take (a few KB with 200 tags).
MAX_BODY_BYTES = 1024 * 1024
# A connection idle this long -- between requests, or stalled mid-request (slowloris: headers
# sent, body never finished) -- is closed, so no handler thread waits forever.
IDLE_TIMEOUT_SECONDS = 30.0
# A socket timeout past about 1e10 seconds overflows the platform's time_t.
MAX_IDLE_TIMEOUT_SECONDS = 1e9
_POLL_SECONDS = 0.05
# RFC 9110's Content-Length is 1*DIGIT. int() also reads "+2", "1_0", "\xa02" and other scripts'
# digits, which a proxy in front may read differently: the request-smuggling ambiguity.
_CONTENT_LENGTH = re.compile(r"[0-9]+", re.ASCII)


class PersonalizeServer:
    """A loopback HTTP server answering Amazon Personalize requests from a :class:`Backend`.

    ::

        with PersonalizeServer() as server:
            client = boto3.client("personalize", endpoint_url=server.endpoint_url, ...)
            client.create_dataset_group(name="shop")
            assert server.backend.dataset_groups()[0]["name"] == "shop"

    It binds a loopback address only (``port=0`` picks a free port); :meth:`stop` closes open
    connections, joins every thread and closes the socket. A connection that sends nothing for
    ``idle_timeout`` seconds (between requests, or stalled in the middle of one) is closed.
    ``request_log``, if given, is called with one line per answered request: the operation,
    the status (and error code) and the time taken, e.g. ``CreateDatasetGroup 200 1.4 ms``.
    """

    def __init__(
        self,
        backend: Backend | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        request_log: Callable[[str], None] | None = None,
    ) -> None:
        __tracebackhide__ = True
        call = "PersonalizeServer"
        if backend is not None:
            _arguments.instance(call, "backend", backend, Backend, "a Backend, or None for a new one")
        if not 0 < _arguments.seconds(call, "idle_timeout", idle_timeout) <= MAX_IDLE_TIMEOUT_SECONDS:
            accepted = f"a positive number of seconds, at most {MAX_IDLE_TIMEOUT_SECONDS:.0e} (a socket's limit)"
            raise _arguments.problem(call, "idle_timeout", idle_timeout, accepted)
        _arguments.whole(call, "port", port, least=0)
        if port > 65535:
            raise _arguments.problem(call, "port", port, "a port number, 0 (any free port) to 65535")
        if request_log is not None:
            _arguments.callable_of(call, "request_log", request_log, arguments=1, what="one argument, a line")
        self.backend = backend if backend is not None else Backend()
        self.host = _loopback(_arguments.text(call, "host", host))
        self.port = port
        self.idle_timeout = idle_timeout
        self.request_log = request_log
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>`` -- the URL to give clients (known once started)."""
        if self._httpd is None:
            raise RuntimeError("PersonalizeServer.endpoint_url: the server isn't running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> None:
        """Bind and serve in a background thread; returns once the server accepts connections."""
        if self._httpd is not None:
            raise RuntimeError("PersonalizeServer.start(): already running at " + self.endpoint_url)
        httpd = _HTTPServer((self.host, self.port), _Handler, self.backend, self.idle_timeout, self.request_log)
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="pytest-personalize-server",
            daemon=True,
        )
        thread.start()
        self._httpd, self._thread = httpd, thread

    def stop(self) -> None:
        """Stop serving, close every connection, join every thread and close the socket. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()  # joins the request threads
        if thread is not None:
            thread.join()

    def __enter__(self) -> PersonalizeServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url if self._httpd is not None else "stopped"
        return f"<PersonalizeServer {where}>"

    def findings(self) -> list[Finding]:
        """What a test must not pass with: its backend's ``fail_next`` faults that fired fewer times
        than asked, ``fail_when`` predicates that raised, and runtime requests it couldn't evaluate."""
        found = []
        report = self.backend.pending_report()
        if report is not None:
            found.append(Finding(report, Kind.UNUSED))
        broken = self.backend.predicate_report()
        if broken is not None:
            found.append(Finding(broken))
        unevaluated = self.backend.unevaluated
        if unevaluated:
            found.append(
                Finding(f"personalize_server couldn't evaluate {len(unevaluated)} runtime request(s): {unevaluated[0]}")
            )
        return found


def _loopback(host: str) -> str:
    address = "127.0.0.1" if host.lower() in _requests.LOCALHOST_NAMES else host
    # The server listens on IPv4 alone: ::1 is loopback, but not an address it can bind.
    if ":" in address or not _requests.is_loopback_host(address):
        raise ValueError(f"PersonalizeServer binds loopback addresses only (127.0.0.0/8), not {host!r}")
    return address


class _HTTPServer(http.server.ThreadingHTTPServer):
    # Request threads are joined by server_close(), after close_connections() unblocked them.
    daemon_threads = False
    block_on_close = True
    # socketserver's default backlog of 5 drops (then resets) connections when more clients
    # than that connect at once, as a thread pool of botocore clients does.
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[_Handler],
        backend: Backend,
        idle_timeout: float,
        request_log: Callable[[str], None] | None,
    ) -> None:
        self.backend = backend
        self.idle_timeout = idle_timeout
        self.request_log = request_log
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler blocked on a read: its connection reads end-of-file and it returns."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-request is not the server's failure: note it and move on.
        logger.debug("pytest-personalize server: error serving %s", client_address, exc_info=True)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    server_version = "pytest-personalize"
    timeout = IDLE_TIMEOUT_SECONDS
    # Headers and body leave in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers, 40 ms a call on Linux. botocore's side sets it too.
    disable_nagle_algorithm = True
    server: _HTTPServer
    _started = 0.0

    def setup(self) -> None:
        super().setup()
        # The server's timeout, not the class default; it covers every read (request line,
        # headers and body), so a client that stalls mid-request is closed too.
        self.connection.settimeout(self.server.idle_timeout)

    def parse_request(self) -> bool:
        # Once the request line has arrived: a log line's time leaves out an idle keep-alive wait.
        self._started = time.perf_counter()
        if not super().parse_request():
            return False
        # http.server answers HTTP/2 and later with 505 itself, but takes HTTP/0.9 (and a
        # two-word "GET /") and would answer it without a status line: 505 too.
        if not self.request_version.startswith("HTTP/1."):
            self.send_error(http.HTTPStatus.HTTP_VERSION_NOT_SUPPORTED)
            return False
        return True

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        if _admin.owns(self.path):
            self._admin(body)
            return
        try:
            # Runtime and events (REST-JSON) requests are named by their path.
            backend = self.server.backend
            answer = _exchange.answer(
                backend.call, "POST", self.path, self.headers, body, default_region=backend.default_region
            )
        except Exception as error:  # a bug in the backend must not take the connection down silently
            logger.exception("pytest-personalize server: the backend failed")
            answer = _responses.error(
                ServiceError("InternalFailure", f"pytest-personalize backend error: {error!r}", 500)
            )
        self._send(answer)

    def _admin(self, body: bytes) -> None:
        # The test controls: a path no AWS API uses, unsigned, JSON in and out.
        self._send(Encoded(*_admin.answer(self.server.backend, self.command, self.path, body)))

    def _other_method(self) -> None:
        if self.command == "GET" and _admin.owns(self.path):
            body = self._read_body()
            if body is not None:
                self._admin(body)
            return
        self.close_connection = True
        message = (
            f"Amazon Personalize requests are POSTs, not {self.command}: to / for the control plane (AWS JSON "
            "1.1), to the operation's path for the runtime and events APIs (REST-JSON)."
        )
        self._send(
            _responses.error(ServiceError("UnknownOperationException", message, 405)), body=self.command != "HEAD"
        )

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other_method

    def _read_body(self) -> bytes | None:
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") is not None:
            # With both, which one frames the body is ambiguous (request smuggling); without
            # Content-Length, chunked bodies are simply not supported.
            if lengths:
                self._refuse(400, "A request may not carry both Content-Length and Transfer-Encoding.")
            else:
                self._refuse(411, "Chunked request bodies are not supported; send Content-Length.")
            return None
        if not lengths:
            return b""
        if len(lengths) > 1:
            self._refuse(400, f"A request carries one Content-Length header, not {len(lengths)}.")
            return None
        raw = lengths[0].strip(" \t")  # optional whitespace around a field value: SP and HTAB only
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        if not _CONTENT_LENGTH.fullmatch(raw):
            self._refuse(400, f"Invalid Content-Length {shown!r}: give the body's size in decimal digits.")
            return None
        significant = raw.lstrip("0") or "0"  # and no int() of a thousand digits
        length = int(significant) if len(significant) <= len(str(MAX_BODY_BYTES)) else MAX_BODY_BYTES + 1
        if length > MAX_BODY_BYTES:
            self._refuse(413, f"The request body of {shown} bytes exceeds the limit of {MAX_BODY_BYTES} bytes.")
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client went away mid-body: nobody is left to answer
            self.close_connection = True
            return None
        return body

    def _refuse(self, status: int, message: str) -> None:
        # The rest of the body is unread, so the connection can't carry another request.
        self.close_connection = True
        self._send(_responses.error(ServiceError("SerializationException", message, status)))

    def _send(self, answer: Encoded, body: bool = True) -> None:
        # Logged before the answer leaves: a client's next request can't be logged ahead of it.
        if self.server.request_log is not None:
            self.server.request_log(self._log_line(answer))
        try:
            # The answer carries its own Date; send_response would add a second one.
            self.log_request(answer.status)
            self.send_response_only(answer.status)
            self.send_header("Server", self.server_version)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if body:
                self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True

    def _log_line(self, answer: Encoded) -> str:
        # Only the model's operation names: header text never reaches a terminal (escape codes).
        headers = getattr(self, "headers", None)  # absent when the request line was unreadable
        target = headers.get(_requests.TARGET_HEADER, "") if headers is not None else ""
        path = getattr(self, "path", "") or ""
        operation = _requests.operation_of(self.command or "", path, target) or _admin.log_name(path) or "-"
        error = answer.headers.get("x-amzn-ErrorType")
        outcome = f"{answer.status} {error}" if error else str(answer.status)
        elapsed = (time.perf_counter() - self._started) * 1000 if self._started else 0.0
        return f"{operation} {outcome} {elapsed:.1f} ms"

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines and headers: answer in the service's shape, not with HTML, and
        # with a 4xx -- but for an HTTP version other than 1.x, RFC 9110's 505, which says which
        # versions are served, as that RFC asks.
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unparseable request line: answer with a status line anyway
            self.request_version = self.protocol_version
        if code == http.HTTPStatus.NOT_IMPLEMENTED and self.command:
            self._other_method()  # a method http.server has no do_ for: 405 like any method but POST
            return
        if code == http.HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:
            words = getattr(self, "requestline", "").split()
            version = _requests.printable(words[-1][:40]) if len(words) >= 3 else "HTTP/0.9"
            message = f"{version} is not supported: this server speaks HTTP/1.1 (and HTTP/1.0)."
        text = message or self.responses.get(code, ("Bad request",))[0]
        self._send(
            _responses.error(ServiceError("SerializationException", text, code)),
            body=code >= 200 and code not in (204, 304),
        )

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("pytest-personalize server: " + format, *args)
