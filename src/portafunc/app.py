"""``App``: the decorators that declare functions, and what they record."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from typing_extensions import TypedDict, Unpack

from . import cron as _cron
from . import middleware as _middleware
from ._value import Value
from .binding import Binding, compile_handler
from .errors import DeclarationError, NoSuchFunction
from .events import Action
from .http import HTTPRequest
from .middleware import Middleware
from .routing import Router, parse_template
from .triggers import (
    ACTIONS,
    ChangesTrigger,
    EventTrigger,
    HTTPTrigger,
    QueueTrigger,
    ScheduleTrigger,
    StorageTrigger,
    StreamTrigger,
    TopicTrigger,
    Trigger,
)

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "App",
    "DeployOptions",
    "Function",
    "MessageOptions",
    "Settings",
]

F = TypeVar("F", bound=Callable[..., Any])
E = TypeVar("E", bound=BaseException)
M = TypeVar("M", bound=Middleware)
ExceptionHandler = Callable[[HTTPRequest, Any], Any]
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The portable settings and the types each accepts (never bool).
_NUMBERS: dict[str, tuple[type[float], ...]] = {
    "timeout": (int, float),
    "memory": (int,),
    "batch_size": (int,),
    "max_attempts": (int,),
}


class DeployOptions(TypedDict, total=False):
    """Keywords every decorator takes."""

    name: str
    timeout: float
    memory: int
    aws: Mapping[str, object]
    azure: Mapping[str, object]
    gcp: Mapping[str, object]
    middleware: Sequence[Middleware]


class MessageOptions(DeployOptions, total=False):
    """Keywords of the message triggers (queue, topic, stream, changes)."""

    batch_size: int
    max_attempts: int


class Settings(Value):
    """The portable deployment settings; None leaves the provider's default."""

    __slots__ = ("batch_size", "max_attempts", "memory", "timeout")
    timeout: float | None
    memory: int | None
    batch_size: int | None
    max_attempts: int | None

    def __init__(
        self,
        timeout: float | None = None,
        memory: int | None = None,
        batch_size: int | None = None,
        max_attempts: int | None = None,
    ) -> None:
        self._init(timeout=timeout, memory=memory, batch_size=batch_size, max_attempts=max_attempts)

    def given(self) -> dict[str, float | int]:
        """The settings the declaration gave (not None), by name."""
        values = {
            "timeout": self.timeout,
            "memory": self.memory,
            "batch_size": self.batch_size,
            "max_attempts": self.max_attempts,
        }
        return {name: value for name, value in values.items() if value is not None}


class Function(Value):
    """One declared function: its trigger, handler, compiled binding and settings."""

    __slots__ = (
        "binding",
        "handler",
        "logger",
        "middleware",
        "name",
        "options",
        "settings",
        "status",
        "trigger",
        "where",
    )  # fmt: skip
    name: str
    trigger: Trigger
    handler: Callable[..., Any]
    binding: Binding
    where: str
    settings: Settings
    options: Mapping[str, Mapping[str, object]]
    logger: logging.Logger
    #: The HTTP status the decorator set (None: the default, and for non-HTTP functions).
    status: int | None
    #: The function's own middleware (``middleware=[...]``), inside the app's.
    middleware: tuple[Middleware, ...]

    def __init__(
        self,
        name: str,
        trigger: Trigger,
        handler: Callable[..., Any],
        binding: Binding,
        where: str,
        settings: Settings | None = None,
        options: Mapping[str, Mapping[str, object]] | None = None,
        logger: logging.Logger | None = None,
        status: int | None = None,
        middleware: Sequence[Middleware] = (),
    ) -> None:
        self._init(
            name=name, trigger=trigger, handler=handler, binding=binding, where=where,
            settings=settings or Settings(), options={} if options is None else options,
            logger=logger or logging.getLogger("portafunc"), status=status,
            middleware=tuple(middleware),
        )  # fmt: skip


#: Lambda's limit on a synchronous invocation's payload: App's default ``max_body_size``.
DEFAULT_MAX_BODY_SIZE = 6 * 1024 * 1024


class App:
    """A portafunc application: a named set of functions.

    ``access_log`` logs one line per invocation (status and duration).
    ``max_body_size`` is the largest HTTP request body, in bytes, its functions accept:
    a larger one is answered 413 before it is routed or parsed (None: no limit).
    ``tracing`` runs each invocation in an OpenTelemetry span when ``opentelemetry-api``
    is installed (see docs/observability.md); off, OpenTelemetry is never imported.
    """

    def __init__(
        self,
        name: str,
        *,
        access_log: bool = False,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        tracing: bool = False,
    ) -> None:
        self.name = name
        self.access_log = access_log
        self.tracing = tracing
        #: True until an invocation first enters one of its functions (``ctx.cold_start``).
        self.cold = True
        self.max_body_size = _body_limit(max_body_size)
        self.functions: dict[str, Function] = {}
        self.router: Router[Function] = Router()
        self.startup_hooks: list[Callable[[], Any]] = []
        self.exception_handlers: dict[type[BaseException], ExceptionHandler] = {}
        #: ``@app.middleware`` functions, first declared outermost.
        self.middlewares: list[Middleware] = []
        self._chains: dict[str, _middleware.Chain] = {}
        self.started = False
        self.start_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"App({self.name!r}, functions={list(self.functions)!r})"

    def function(self, name: str) -> Function:
        """The function declared as ``name``; NoSuchFunction if there is none."""
        try:
            return self.functions[name]
        except KeyError:
            raise NoSuchFunction(f"function {name!r} in app {self.name!r}") from None

    def middleware(self, middleware: M) -> M:
        """Run ``middleware(envelope, ctx, call_next)`` around every invocation of every
        function (see :mod:`portafunc.middleware`); returns it unchanged."""
        self.middlewares.append(middleware)
        self._chains.clear()
        return middleware

    def chain(self, function: Function) -> _middleware.Chain:
        """The middleware around ``function`` (the app's, then its own), with how each
        runs; computed once per function."""
        chain = self._chains.get(function.name)
        if chain is None:
            layers = (*self.middlewares, *function.middleware)
            chain = _middleware.chain(layers, function.binding.is_async)
            self._chains[function.name] = chain
        return chain

    # -- HTTP ---------------------------------------------------------------------------

    def http(
        self,
        methods: str | Sequence[str],
        path: str,
        *,
        status: int | None = None,
        **options: Unpack[DeployOptions],
    ) -> Callable[[F], F]:
        """Serve ``methods`` on ``path`` (``/orders/{id}``, greedy ``/files/{rest:path}``)."""
        names = (methods,) if isinstance(methods, str) else tuple(methods)

        def make(where: str) -> HTTPTrigger:
            upper = tuple(dict.fromkeys(m.upper() for m in names))
            unknown = [m for m in upper if m not in _METHODS]
            if not upper or unknown:
                raise DeclarationError(f"unknown HTTP method(s) {unknown or names!r}", where=where)
            if status is not None and (
                not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599
            ):
                raise DeclarationError(f"status {status} is not an HTTP status", where=where)
            return HTTPTrigger(upper, path, status)

        return self._declare(make, options, message=False)

    def get(
        self, path: str, *, status: int | None = None, **options: Unpack[DeployOptions]
    ) -> Callable[[F], F]:
        """Serve ``GET path``."""
        return self.http("GET", path, status=status, **options)

    def post(
        self, path: str, *, status: int | None = None, **options: Unpack[DeployOptions]
    ) -> Callable[[F], F]:
        """Serve ``POST path``."""
        return self.http("POST", path, status=status, **options)

    def put(
        self, path: str, *, status: int | None = None, **options: Unpack[DeployOptions]
    ) -> Callable[[F], F]:
        """Serve ``PUT path``."""
        return self.http("PUT", path, status=status, **options)

    def patch(
        self, path: str, *, status: int | None = None, **options: Unpack[DeployOptions]
    ) -> Callable[[F], F]:
        """Serve ``PATCH path``."""
        return self.http("PATCH", path, status=status, **options)

    def delete(
        self, path: str, *, status: int | None = None, **options: Unpack[DeployOptions]
    ) -> Callable[[F], F]:
        """Serve ``DELETE path``."""
        return self.http("DELETE", path, status=status, **options)

    def mount(
        self, prefix: str, asgi_app: Callable[..., Any], **options: Unpack[DeployOptions]
    ) -> Function:
        """Serve the ASGI app ``asgi_app`` (FastAPI, Starlette, ...) under ``prefix``.

        One HTTP function (``name=``, default ``asgi_`` + the prefix's words) serves
        every method on ``prefix``, ``prefix/`` and ``prefix/{path:path}``; portafunc's
        own routes keep their precedence over it. See :mod:`portafunc.asgi`.
        """
        from .asgi import Mount, caller, mount_name  # here: apps without a mount never load it

        where = caller(prefix)
        try:
            mount = Mount(asgi_app, prefix)
            name = options["name"] if "name" in options else mount_name(prefix)
            methods = tuple(sorted(_METHODS))
            root, slash, greedy = mount.paths
            self._register(mount.serve, HTTPTrigger(methods, greedy), {**options, "name": name},
                           False, where)  # fmt: skip
            function = self.functions[name]
            for path in (root, slash):
                self.router.add(methods, parse_template(path), function, where)
        except DeclarationError as exc:
            exc.where = exc.where or where
            raise
        return function

    # -- messages and events ------------------------------------------------------------

    def queue(self, queue: str, /, **options: Unpack[MessageOptions]) -> Callable[[F], F]:
        """Consume messages from ``queue``."""
        return self._declare(lambda where: QueueTrigger(_named(queue, where)), options)

    def topic(self, topic: str, /, **options: Unpack[MessageOptions]) -> Callable[[F], F]:
        """Receive messages published to ``topic``."""
        return self._declare(lambda where: TopicTrigger(_named(topic, where)), options)

    def stream(self, stream: str, /, **options: Unpack[MessageOptions]) -> Callable[[F], F]:
        """Consume records from ``stream``, in order per partition."""
        return self._declare(lambda where: StreamTrigger(_named(stream, where)), options)

    def changes(self, table: str, /, **options: Unpack[MessageOptions]) -> Callable[[F], F]:
        """Receive inserts, updates and deletes of ``table``."""
        return self._declare(lambda where: ChangesTrigger(_named(table, where)), options)

    def event(self, *, type: str, **options: Unpack[DeployOptions]) -> Callable[[F], F]:
        """Receive events whose CloudEvents ``type`` (EventBridge detail-type) is ``type``."""
        return self._declare(lambda where: EventTrigger(_named(type, where)), options, False)

    def storage(
        self,
        bucket: str,
        /,
        *,
        events: Sequence[Action] = ("created",),
        prefix: str | None = None,
        suffix: str | None = None,
        **options: Unpack[DeployOptions],
    ) -> Callable[[F], F]:
        """React to objects in ``bucket``: ``events`` among created, deleted, archived, …"""

        def make(where: str) -> StorageTrigger:
            kinds = cast(
                "tuple[Action, ...]", (events,) if isinstance(events, str) else tuple(events)
            )
            unknown = [kind for kind in kinds if kind not in ACTIONS]
            if not kinds or unknown:
                raise DeclarationError(
                    f"storage events {unknown or kinds!r} are not among {ACTIONS!r}", where=where
                )
            return StorageTrigger(_named(bucket, where), kinds, prefix, suffix)

        return self._declare(make, options, message=False)

    def schedule(self, cron: str, /, **options: Unpack[DeployOptions]) -> Callable[[F], F]:
        """Run on a 5-field Unix cron schedule, in UTC."""

        return self._declare(lambda where: ScheduleTrigger(_cron.parse(cron)), options, False)

    # -- hooks --------------------------------------------------------------------------

    def on_startup(self, hook: F) -> F:
        """Run ``hook`` (sync or async, no arguments) once per cold start."""
        self.startup_hooks.append(hook)
        return hook

    def exception_handler(self, exc_type: type[E]) -> Callable[[F], F]:
        """Turn ``exc_type`` raised by an HTTP handler into a response."""

        def register(handler: F) -> F:
            self.exception_handlers[exc_type] = handler
            return handler

        return register

    # -- registration -------------------------------------------------------------------

    def _declare(
        self, make: Callable[[str], Trigger], options: Mapping[str, Any], message: bool = True
    ) -> Callable[[F], F]:
        def register(handler: F) -> F:
            where = _where(handler)
            try:
                self._register(handler, make(where), options, message, where)
            except DeclarationError as exc:
                # Errors raised below the decorator (cron, routing) do not know the handler.
                exc.where = exc.where or where
                raise
            return handler

        return register

    def _register(
        self,
        handler: Callable[..., Any],
        trigger: Trigger,
        options: Mapping[str, Any],
        message: bool,
        where: str,
    ) -> None:
        name = _named(options["name"], where) if "name" in options else handler.__name__
        if name in self.functions:
            raise DeclarationError(
                f"a function named {name!r} is already declared at {self.functions[name].where}",
                where=where,
            )
        function = Function(
            name=name,
            trigger=trigger,
            handler=handler,
            binding=compile_handler(handler, trigger, where),
            where=where,
            settings=_settings(options, message, where),
            options={k: options[k] for k in ("aws", "azure", "gcp") if k in options},
            logger=logging.getLogger(f"portafunc.{self.name}.{name}"),
            status=trigger.status if isinstance(trigger, HTTPTrigger) else None,
            middleware=_layers(options.get("middleware", ()), where),
        )
        if isinstance(trigger, HTTPTrigger):
            self.router.add(trigger.methods, parse_template(trigger.path), function, where)
        self.functions[name] = function


def _layers(middleware: object, where: str) -> tuple[Middleware, ...]:
    if isinstance(middleware, (str, bytes)) or not isinstance(middleware, Sequence):
        raise DeclarationError("middleware= takes a list of middleware functions", where=where)
    if not all(callable(layer) for layer in middleware):
        raise DeclarationError("middleware= takes a list of middleware functions", where=where)
    return tuple(middleware)


def _body_limit(value: int | None) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise DeclarationError(f"max_body_size must be an int >= 0 (bytes) or None, got {value!r}")


def _where(handler: Callable[..., Any]) -> str:
    code = getattr(handler, "__code__", None)
    name = getattr(handler, "__qualname__", repr(handler))
    if code is None:
        return f"function {name!r}"
    return f"{code.co_filename}:{code.co_firstlineno}, function {name!r}"


def _named(resource: str, where: str) -> str:
    if not isinstance(resource, str) or not resource.strip():
        raise DeclarationError(f"needs a non-empty name, got {resource!r}", where=where)
    return resource


def _settings(options: Mapping[str, Any], message: bool, where: str) -> Settings:
    allowed = {"name", "timeout", "memory", "aws", "azure", "gcp", "middleware"}
    if message:
        allowed |= {"batch_size", "max_attempts"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise DeclarationError(f"unexpected keyword(s) {', '.join(unknown)}", where=where)
    for key, kinds in _NUMBERS.items():
        value = options.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, kinds) or not value > 0
        ):
            raise DeclarationError(f"{key} must be a positive number, got {value!r}", where=where)
    for key in ("aws", "azure", "gcp"):
        if key in options and not isinstance(options[key], Mapping):
            raise DeclarationError(f"{key}= takes a mapping of options", where=where)
    return Settings(
        timeout=options.get("timeout"),
        memory=options.get("memory"),
        batch_size=options.get("batch_size"),
        max_attempts=options.get("max_attempts"),
    )
