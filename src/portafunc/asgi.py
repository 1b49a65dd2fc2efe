"""ASGI applications as portafunc HTTP functions: what ``App.mount`` registers.

A :class:`Mount` serves an ASGI 3 app on every method of ``prefix``, ``prefix/`` and
``prefix/{path:path}``. Each request is one ASGI HTTP exchange (spec 2.3, as uvicorn
serves; docs/asgi.md lists the scope): ``path`` is the whole path and ``root_path``
the prefix; the body is received whole and the response collected whole (no cloud
streams a body through portafunc's adapters). An app that fails before its response
is complete fails the invocation (portafunc's 500 problem); one that raises after
(Starlette re-raises what it answered 500 for) has its response sent and the error
logged, as uvicorn does.

Lifespan: the first request runs the app's ``lifespan`` startup, once per process, on
the event loop serving it; the lifespan task then stays suspended there and its
shutdown is never run (serverless processes are frozen and stopped, not shut down).
A failed startup fails the request and is tried again by the next one; an app that
raises on the lifespan scope without answering is served without it (uvicorn's
``lifespan="auto"``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .context import Context
from .datastructures import QueryParams
from .errors import DeclarationError, InvalidPayload
from .http import HTTPRequest, HTTPResponse

if TYPE_CHECKING:
    from .app import Function

__all__ = ["ASGIApp", "Mount", "call", "caller", "http_scope", "mount_name", "mount_of"]

#: An ASGI 3 application: ``await app(scope, receive, send)``.
ASGIApp = Callable[[Any, Any, Any], Awaitable[Any]]
Message = MutableMapping[str, Any]

_logger = logging.getLogger("portafunc")
_SCHEMES = frozenset({"http", "https"})
#: The lifespan tasks of this process, never collected: the loop holds tasks weakly, and
#: a suspended coroutine collected would run the app's cleanup at any moment (on CPython
#: 3.11, inside a later compile(), which then fails with a SystemError).
_SUSPENDED: list[asyncio.Task[None]] = []
_PREFIX = re.compile(r"(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+")


def caller(prefix: str) -> str:
    """Where ``App.mount`` was called from, for its errors (``file:line, mount '/api'``)."""
    frame = sys._getframe(2)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}, mount {prefix!r}"


def _routes(prefix: str) -> tuple[str, str, str]:
    """``(prefix, prefix/, prefix/{path:path})``; DeclarationError if ``prefix`` is not
    ``/`` followed by literal segments, without a trailing ``/``."""
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise DeclarationError(
            f"mount prefix {prefix!r} must be a literal path such as '/api': it starts "
            "with '/', has no parameter, no empty segment and no trailing '/'"
        )
    return prefix, f"{prefix}/", f"{prefix}/{{path:path}}"


def mount_name(prefix: str) -> str:
    """The default function name of a mount: ``/api/v1`` → ``asgi_api_v1``."""
    return "asgi_" + re.sub(r"\W+", "_", prefix).strip("_")


def mount_of(function: Function) -> Mount | None:
    """The mount ``function`` serves, or None if it was declared otherwise."""
    owner = getattr(function.handler, "__self__", None)
    return owner if isinstance(owner, Mount) else None


class Mount:
    """An ASGI app served under ``prefix``: ``App.mount`` registers :meth:`serve`."""

    __slots__ = ("_lifespan", "app", "paths", "prefix")

    def __init__(self, asgi_app: ASGIApp, prefix: str) -> None:
        #: ``(prefix, prefix/, prefix/{path:path})``: the routes of the mount.
        self.paths = _routes(prefix)
        if not callable(asgi_app):
            raise DeclarationError(f"mount {prefix!r}: {asgi_app!r} is not an ASGI application")
        self.app = asgi_app
        self.prefix = prefix
        self._lifespan = _Lifespan(asgi_app)

    def __repr__(self) -> str:
        return f"Mount({self.prefix!r}, {self.app!r})"

    async def serve(self, request: HTTPRequest, ctx: Context) -> HTTPResponse:
        """Serve the mounted ASGI application."""
        state = self._lifespan.state
        if state is None:
            state = await self._lifespan.start()
        scope = http_scope(request, self.prefix, state)
        scope["portafunc.context"] = ctx
        return await call(self.app, scope, request._body, ctx.logger)


def http_scope(request: HTTPRequest, root_path: str, state: dict[str, Any]) -> dict[str, Any]:
    """The ASGI HTTP scope of ``request``, for an app mounted at ``root_path``."""
    try:
        headers, scheme = _headers(request)
    except (AttributeError, TypeError):  # a malformed provider payload: not text
        raise InvalidPayload("request headers must be text", malformed=True) from None
    if scheme not in _SCHEMES:
        scheme = "http" if request.provider == "local" else "https"
    client = request.client_ip
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": scheme,
        "path": request.path,
        "raw_path": None,
        "root_path": root_path,
        "query_string": _query_string(request),
        "headers": headers,
        "client": None if client is None else (client, 0),
        "server": None,
        "state": state.copy(),
        "portafunc.request": request,
    }


def _headers(request: HTTPRequest) -> tuple[list[tuple[bytes, bytes]], str | None]:
    """The scope's headers (names lower-cased), and the first ``X-Forwarded-Proto``."""
    headers: list[tuple[bytes, bytes]] = []
    scheme = None
    for name, value in _header_pairs(request):
        name = name.lower()
        if name == "x-forwarded-proto" and scheme is None:
            scheme = value.partition(",")[0].strip().lower()
        try:
            headers.append((name.encode("latin-1"), value.encode("latin-1")))
        except UnicodeEncodeError:  # a provider decoded UTF-8 bytes as text
            headers.append((name.encode(), value.encode()))
    return headers, scheme


def _header_pairs(request: HTTPRequest) -> Iterable[tuple[Any, Any]]:
    """The request's headers in order, as received (a malformed payload's may not be
    text): from the provider's own shape, without indexing it, unless it is indexed
    already or can be read only once."""
    headers = request.headers
    if headers._index is not None or isinstance(headers._source, Iterator):
        return headers.multi_items()
    return headers._pairs()


async def call(
    asgi_app: ASGIApp, scope: dict[str, Any], body: bytes, logger: logging.Logger = _logger
) -> HTTPResponse:
    """Run one HTTP exchange of ``asgi_app``; its whole response."""
    exchange = _Exchange(body)
    try:
        await asgi_app(scope, exchange.receive, exchange.send)
    except Exception:
        if not exchange.complete:
            raise
        logger.exception("the ASGI application raised after sending its response")
    if not exchange.complete:
        raise RuntimeError("the ASGI application returned without completing its response")
    return HTTPResponse._make(exchange.status, exchange.headers, b"".join(exchange.body))


def _query_string(request: HTTPRequest) -> bytes:
    query = request._query  # the provider's own shape: a raw string is passed on as is
    if isinstance(query, QueryParams):
        query = query._source
    if not query:
        return b""
    if isinstance(query, str):
        return query.encode()
    return urlencode(request.query.multi_items()).encode("ascii")


class _Exchange:
    """The receive and send callables of one HTTP request, and what was sent."""

    __slots__ = ("body", "complete", "done", "headers", "request", "status")

    def __init__(self, body: bytes) -> None:
        self.request: Message | None = {"type": "http.request", "body": body, "more_body": False}
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.complete = False
        self.done: asyncio.Event | None = None  # made if the app waits for the disconnect

    async def receive(self) -> Message:
        request = self.request
        if request is not None:
            self.request = None
            return request
        if not self.complete:
            if self.done is None:
                self.done = asyncio.Event()
            await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self.complete:
            return  # the spec: messages after the response are ignored
        if kind == "http.response.start" and not self.status:
            self.status = int(message["status"])
            self.headers = [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in message.get("headers", ())
            ]
        elif kind == "http.response.body" and self.status:
            self.body.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self.complete = True
                if self.done is not None:
                    self.done.set()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} in an HTTP exchange")


class _Lifespan:
    """The ASGI lifespan of a mounted app: started once, never shut down."""

    __slots__ = ("app", "starting", "state")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        #: The state the app's startup left, once it has run.
        self.state: dict[str, Any] | None = None
        self.starting: asyncio.Future[dict[str, Any]] | None = None

    async def start(self) -> dict[str, Any]:
        """Run the startup (once, however many requests wait for it); the state."""
        if self.starting is None:
            self.starting = asyncio.ensure_future(self._startup())
        starting = self.starting
        try:
            return await asyncio.shield(starting)
        except Exception:
            if self.starting is starting:
                self.starting = None  # the next request tries again
            raise

    async def _startup(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[str | None] = loop.create_future()
        state: dict[str, Any] = {}
        messages = iter([{"type": "lifespan.startup"}])

        async def receive() -> Message:
            message = next(messages, None)
            if message is not None:
                return message
            never: asyncio.Future[Message] = loop.create_future()
            return await never  # lifespan.shutdown is never sent

        async def send(message: Message) -> None:
            if answered.done():
                return
            if message["type"] == "lifespan.startup.complete":
                answered.set_result(None)
            elif message["type"] == "lifespan.startup.failed":
                answered.set_result(str(message.get("message") or "no message"))

        async def run() -> None:
            asgi = {"version": "3.0", "spec_version": "2.0"}
            scope = {"type": "lifespan", "asgi": asgi, "state": state}
            try:
                await self.app(scope, receive, send)
            except Exception:
                if not answered.done():  # raised before answering: lifespan unsupported
                    _logger.info("the ASGI application does not support the lifespan protocol")
            if not answered.done():
                answered.set_result(None)

        task = loop.create_task(run())
        # Pending for the life of the process by design: no warning when the process ends.
        task._log_destroy_pending = False  # type: ignore[attr-defined]
        failure = await answered
        if failure is not None:
            raise RuntimeError(f"the ASGI application's lifespan startup failed: {failure}")
        _SUSPENDED.append(task)
        self.state = state
        return state
