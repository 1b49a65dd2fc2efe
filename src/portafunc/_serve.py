"""The local development server behind ``portafunc serve``.

Each HTTP request becomes an :class:`HTTPRequest` and runs through
:func:`portafunc.pipeline.handle_http`, the pipeline every adapter runs. One path is
reserved: ``POST /_portafunc/functions/{name}`` delivers its body to the non-HTTP
function ``name`` through :func:`portafunc.pipeline.deliver` and answers
``{"ok": true, "result": ...}``, or problem JSON with ``"ok": false``. The body is:

- queue, topic, stream, event: the message or event data (JSON, or raw bytes for a
  ``bytes``/``str`` payload); for messages, query parameters become attributes;
- storage: a JSON object of :class:`StorageEvent` fields (``key`` required,
  ``bucket`` defaults to the trigger's bucket, ``action`` to ``"created"``);
- changes: a JSON object with ``kind``, ``key``, ``old``, ``new`` (and ``time``);
- schedule: ignored; the event's ``schedule`` is the function's name, ``time`` now.

Tests start a server with ``make_server(app, "127.0.0.1", 0)`` and
``serve_forever()`` in a thread; ``portafunc serve`` calls :func:`serve`.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from pydantic_core import PydanticSerializationError, to_json

from . import log, pipeline
from ._devpayloads import envelope_for
from .app import App
from .context import Context
from .errors import HTTPError, InvalidPayload, PortafuncError
from .http import HTTPRequest, HTTPResponse

__all__ = ["DELIVER_PATH", "DevServer", "make_server", "serve"]

DELIVER_PATH = "/_portafunc/functions/"
_logger = logging.getLogger("portafunc.serve")
_JSON = [("content-type", "application/json")]
_BREAKS = frozenset("\r\n")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")


class DevServer(ThreadingHTTPServer):
    """A threaded HTTP server running one :class:`App`."""

    daemon_threads = True

    def __init__(self, app: App, address: tuple[str, int]) -> None:
        self.app = app
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


def make_server(app: App, host: str = "127.0.0.1", port: int = 8080) -> DevServer:
    """A bound, not yet serving, server for ``app``; ``port=0`` picks a free port."""
    server_class = _DevServer6 if ":" in host else DevServer
    try:
        return server_class(app, (host, port))
    except OSError as exc:
        raise PortafuncError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(app: App, host: str = "127.0.0.1", port: int = 8080, *, out: TextIO | None = None) -> int:
    """Serve ``app`` until Ctrl-C (or SIGTERM); return the exit code."""
    out = out or sys.stdout
    log.configure()
    server = make_server(app, host, port)
    with _stop_on_signals():
        try:
            print(f"portafunc: serving {app.name} on {server.url}", file=out, flush=True)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    print("portafunc: stopped", file=out, flush=True)
    return 0


class _Handler(BaseHTTPRequestHandler):
    server: DevServer
    protocol_version = "HTTP/1.1"
    server_version = "portafunc"

    def _handle(self) -> None:
        started = time.perf_counter()
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
        _logger.info("%s %s %d %.1fms", self.command, path, response.status, duration, extra=extra)
        self._write(response)  # after the log line, so a client never sees an unlogged answer

    def _respond(self, path: str, query: str, request_id: str) -> HTTPResponse:
        ctx = Context(provider="local", invocation_id=request_id, trace_id=self._trace_id())
        try:
            body = self._read_body()
            if path.startswith(DELIVER_PATH):
                name = path[len(DELIVER_PATH) :]
                return _deliver(self.server.app, self.command, name, body, query, ctx)
            request = self._request(path, query, body, request_id)
            return pipeline.handle_http(self.server.app, request, ctx)
        except HTTPError as exc:  # the request itself is unreadable
            self.close_connection = True
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

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked()
        length = self.headers.get("content-length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            raise HTTPError(400, "invalid Content-Length")
        return self.rfile.read(int(length))

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise HTTPError(400, "malformed chunked body") from None
            if size == 0:
                break
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
        try:
            self.end_headers()
            if not bodyless and self.command != "HEAD":
                self.wfile.write(response.body)
        except ConnectionError:
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _handle logs each request once it is answered, with its duration

    def log_message(self, format: str, *args: Any) -> None:
        _logger.warning("%s: %s", self.address_string(), format % args)


# -- POST /_portafunc/functions/{name} ----------------------------------------------------


def _deliver(
    app: App, method: str, name: str, body: bytes, query: str, ctx: Context
) -> HTTPResponse:
    if method != "POST":
        error = HTTPError(405, "use POST to deliver to a function", headers={"allow": "POST"})
        return _not_ok(pipeline.problem(error))
    function = app.functions.get(name)
    if function is None or function.trigger.kind == "http":
        error = HTTPError(404, f"app {app.name!r} has no non-HTTP function named {name!r}")
        return _not_ok(pipeline.problem(error))
    try:
        envelope = envelope_for(function, body, query)
        result = pipeline.deliver(app, function, envelope, ctx)
    except InvalidPayload as exc:
        return _not_ok(pipeline.problem(exc))
    except Exception as exc:
        if not app.started:  # deliver logs a handler's failure, not a startup hook's
            _logger.error("startup of app %s failed", app.name, exc_info=exc)
        return _not_ok(pipeline.problem(HTTPError(500)))
    try:
        return HTTPResponse(200, headers=_JSON, body=to_json({"ok": True, "result": result}))
    except PydanticSerializationError:
        _logger.warning("the result of %s is not JSON-serialisable; answering null", name)
        return HTTPResponse(200, headers=_JSON, body=b'{"ok":true,"result":null}')


def _not_ok(problem: HTTPResponse) -> HTTPResponse:
    problem.body = to_json({"ok": False, **json.loads(problem.body)})
    return problem


# -- helpers ------------------------------------------------------------------------------


def _split_target(target: str) -> tuple[str, str]:
    """The decoded path and raw query string of a request target."""
    if not target.startswith("/"):  # absolute form: http://host/path?query
        parts = urlsplit(target)
        target = f"{parts.path or '/'}?{parts.query}"
    path, _, query = target.partition("?")
    return unquote(path), query


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Make Ctrl-C and SIGTERM stop :func:`serve` (even if SIGINT was ignored at start)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                with suppress(ValueError, OSError):
                    signal.signal(sig, handler)
