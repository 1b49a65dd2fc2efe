"""The local development server behind ``portafunc serve``.

Each HTTP request becomes an :class:`HTTPRequest` and runs through
:func:`portafunc.pipeline.handle_http`, the pipeline every adapter runs, or, with a
provider (``serve --provider aws``), through that provider's ``http_handler``, which
turns it into the provider's own payload and back. Paths under ``/_portafunc/`` are
reserved (see :mod:`portafunc._endpoints`): ``POST /_portafunc/functions/{name}``
delivers plain JSON to a non-HTTP function, ``POST /_portafunc/events`` replays a raw
provider payload. With ``schedules`` a :class:`~portafunc._schedules.Scheduler` fires
the schedule functions on their cron while the server runs.

Every request is logged once, when answered, with its status and duration: ``GET
/hello 200 1.2ms``, or ``deliver ship 200 1.2ms`` for a delivery.

Tests start a server with ``make_server(app, "127.0.0.1", 0)`` and
``serve_forever()`` in a thread; ``portafunc serve`` calls :func:`serve`.
"""

from __future__ import annotations

import logging
import re
import socket
import socketserver
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from . import _endpoints, log, pipeline
from ._endpoints import DELIVER_PATH, EVENTS_PATH, EventHandler
from ._schedules import Scheduler
from ._signals import stop_on_signals
from .app import App
from .context import Context
from .errors import HTTPError, PortafuncError
from .http import HTTPRequest, HTTPResponse
from .providers import Provider

__all__ = ["DELIVER_PATH", "EVENTS_PATH", "DevServer", "Options", "make_server", "serve"]

_logger = logging.getLogger("portafunc.serve")
_BREAKS = frozenset("\r\n")
#: How long a connection whose request body was left unread keeps discarding it.
_LINGER_SECONDS = 5.0
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")


@dataclass(frozen=True)
class Options:
    """How to serve: through which provider (None: the pipeline directly), with which
    options for its ``http_handler``, and whether to fire schedules."""

    provider: Provider | None = None
    provider_options: dict[str, str] = field(default_factory=dict)
    schedules: bool = False


class DevServer(ThreadingHTTPServer):
    """A threaded HTTP server running one :class:`App`, directly or through a provider."""

    daemon_threads = True

    def __init__(self, app: App, address: tuple[str, int], options: Options) -> None:
        self.app = app
        self.provider = options.provider.name if options.provider else "local"
        self.http: Callable[[HTTPRequest], HTTPResponse] | None = None
        self.events: EventHandler | None = None
        if options.provider is not None:
            self.http = options.provider.http_handler(app, options.provider_options)
            self.events = options.provider.event_handler(app)
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a bad resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.port

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is fine
            _logger.exception("connection from %s failed", client_address[0])


class _DevServer6(DevServer):
    address_family = socket.AF_INET6


def make_server(
    app: App, host: str = "127.0.0.1", port: int = 8080, options: Options | None = None
) -> DevServer:
    """A bound, not yet serving, server for ``app``; ``port=0`` picks a free port."""
    server_class = _DevServer6 if ":" in host else DevServer
    try:
        return server_class(app, (host, port), options or Options())
    except OSError as exc:
        raise PortafuncError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(
    app: App,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    options: Options | None = None,
    out: TextIO | None = None,
) -> int:
    """Serve ``app`` until Ctrl-C (or SIGTERM); return the exit code."""
    out, options = out or sys.stdout, options or Options()
    log.configure()
    server = make_server(app, host, port, options)
    scheduler = Scheduler(app) if options.schedules else None
    via = f" through {server.provider}" if options.provider else ""
    with stop_on_signals():
        try:
            if scheduler is not None:
                print(f"portafunc: {scheduler.describe()}", file=out, flush=True)
                scheduler.start()
            print(f"portafunc: serving {app.name}{via} on {server.url}", file=out, flush=True)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            if scheduler is not None:
                scheduler.stop()
            server.server_close()
    print("portafunc: stopped", file=out, flush=True)
    return 0


class _Handler(BaseHTTPRequestHandler):
    server: DevServer
    #: Whether this request's body was left unread (too large, or unreadable).
    unread_body = False
    protocol_version = "HTTP/1.1"
    server_version = "portafunc"

    def _handle(self) -> None:
        started = time.perf_counter()
        self.unread_body = False
        path, query = _split_target(self.path)
        request_id = uuid.uuid4().hex
        response = self._respond(path, query, request_id)
        if any(_BREAKS.intersection(name + value) for name, value in response.headers):
            _logger.error("request %s: a response header contains a line break", request_id)
            response = pipeline.problem(HTTPError(500))
        duration = (time.perf_counter() - started) * 1000
        extra = {
            "method": self.command, "path": path, "status": response.status,
            "duration_ms": round(duration, 2), "request_id": request_id,
        }  # fmt: skip
        what = f"{self.command} {path}"
        if path.startswith(DELIVER_PATH):
            extra["function"] = path[len(DELIVER_PATH) :]
            what = f"deliver {extra['function']}"
        _logger.info("%s %d %.1fms", what, response.status, duration, extra=extra)
        self._write(response)  # after the log line, so a client never sees an unlogged answer
        if self.unread_body:
            self._linger()

    def _respond(self, path: str, query: str, request_id: str) -> HTTPResponse:
        server = self.server
        ctx = Context(provider="local", invocation_id=request_id, trace_id=self._trace_id())
        try:
            # Message and event payloads are not HTTP bodies: max_body_size is not theirs.
            reserved = path.startswith(DELIVER_PATH) or path == EVENTS_PATH
            body = self._read_body(None if reserved else server.app.max_body_size)
            if path.startswith(DELIVER_PATH):
                name = path[len(DELIVER_PATH) :]
                return _endpoints.deliver(server.app, self.command, name, body, query, ctx)
            if path == EVENTS_PATH:
                return _endpoints.replay(server.events, self.command, body, self.headers.items())
            request = self._request(path, query, body, request_id)
            if server.http is not None:
                return _checked(server.http(request), server.provider)
            return pipeline.handle_http(server.app, request, ctx)
        except HTTPError as exc:  # the request is unreadable, or its body too large to read
            self.close_connection = self.unread_body = True
            return pipeline.problem(exc)
        except Exception:  # a startup hook failed, or a bug: answer, log, carry on
            _logger.exception("request %s failed", request_id)
            return pipeline.problem(HTTPError(500))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def _request(self, path: str, query: str, body: bytes, request_id: str) -> HTTPRequest:
        headers = self.headers.items()  # every pair as received: repeated headers stay apart
        client_ip = str(self.client_address[0])
        raw = {"method": self.command, "target": self.path, "version": self.request_version}
        return HTTPRequest(
            self.command, path, headers=headers, query=query, body=body, client_ip=client_ip,
            request_id=request_id, provider="local", raw=raw | {"headers": headers},
        )  # fmt: skip

    def _trace_id(self) -> str:
        match = _TRACEPARENT.fullmatch((self.headers.get("traceparent") or "").strip())
        valid = match is not None and match[1] != "0" * 32
        return match[1] if match is not None and valid else uuid.uuid4().hex

    def _read_body(self, limit: int | None) -> bytes:
        """The request body; HTTPError 413, before reading it, if it has more than ``limit``
        bytes (the pipeline would refuse it too, but only once read)."""
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked(limit)
        length = self.headers.get("content-length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            raise HTTPError(400, "invalid Content-Length")
        _check_size(int(length), limit)
        return self.rfile.read(int(length))

    def _read_chunked(self, limit: int | None) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise HTTPError(400, "malformed chunked body") from None
            if size == 0:
                break
            total += size
            _check_size(total, limit)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)
        while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields
        return b"".join(chunks)

    def _write(self, response: HTTPResponse) -> None:
        bodyless = response.status < 200 or response.status in (204, 304)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if not bodyless and response.header("content-length") is None:
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection and response.header("connection") is None:
            self.send_header("Connection", "close")  # or a kept-alive client finds it closed
        try:
            self.end_headers()
            if not bodyless and self.command != "HEAD":
                self.wfile.write(response.body)
        except ConnectionError:
            self.close_connection = True

    def _linger(self) -> None:
        """Close after leaving a body unread as RFC 9112 §9.6 says: stop sending, then
        discard what the client still sends (until it closes, for a few seconds at most),
        so that the close does not reset the connection before the client read the answer
        (a client sends its whole body before it reads)."""
        deadline = time.monotonic() + _LINGER_SECONDS
        try:
            self.connection.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(min(left, 1.0))
                if not self.connection.recv(65536):
                    return
        except OSError:  # a timeout, or the client is gone: close anyway
            pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _handle logs each request once it is answered, with its duration

    def log_message(self, format: str, *args: Any) -> None:
        _logger.warning("%s: %s", self.address_string(), format % args)


# -- helpers ------------------------------------------------------------------------------


def _checked(response: object, provider: str) -> HTTPResponse:
    if not isinstance(response, HTTPResponse):
        got = type(response).__name__
        raise TypeError(
            f"the {provider} adapter's http_handler returned a {got}, not an HTTPResponse"
        )
    return response


def _check_size(size: int, limit: int | None) -> None:
    if limit is not None and size > limit:
        raise HTTPError(413, f"the request body is larger than {limit} bytes")


def _split_target(target: str) -> tuple[str, str]:
    """The decoded path and raw query string of a request target."""
    if not target.startswith("/"):  # absolute form: http://host/path?query
        parts = urlsplit(target)
        target = f"{parts.path or '/'}?{parts.query}"
    path, _, query = target.partition("?")
    return unquote(path), query
