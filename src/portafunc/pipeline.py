"""The one invocation pipeline every adapter and the TestClient call.

decode → bind → call → encode, the same on every provider:

- :func:`handle_http` / :func:`handle_http_async` route a request and always
  answer with an :class:`HTTPResponse` (errors as RFC 9457 problem JSON): a body
  over the app's ``max_body_size`` is a 413 before anything else runs, and a
  response with a header that must not be sent (CR/LF in it) becomes a 500;
- :func:`deliver` / :func:`deliver_async` run one message or event and raise
  when the handler fails, so the adapter can report it for redelivery;
- :func:`deliver_batch` applies the batch rules: every failure reported, and
  for ordered sources nothing invoked after the first failure.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Sequence
from contextvars import Token
from typing import Any

from pydantic_core import to_json

from . import _aio, _tracing, log
from . import middleware as _middleware
from .app import App, ExceptionHandler, Function
from .batch import BatchResult
from .context import Context, current
from .errors import BatchFailure, HTTPError, InvalidPayload
from .http import HTTPRequest, HTTPResponse, unsafe_header

__all__ = [
    "deliver",
    "deliver_async",
    "deliver_batch",
    "deliver_batch_async",
    "handle_http",
    "handle_http_async",
    "problem",
]

_logger = logging.getLogger("portafunc")
_PROBLEM = "application/problem+json"
_JSON = "application/json"
#: Results :func:`encode` does not serialise as JSON.
_SPECIAL = (HTTPResponse, str, bytes, bytearray, memoryview, type(None))
#: The attributes every HTTP span starts with (``App(tracing=True)``).
_HTTP_SPAN: dict[str, Any] = {"faas.trigger": "http"}


def handle_http(
    app: App, request: HTTPRequest, ctx: Context, *, raise_server_exceptions: bool = False
) -> HTTPResponse:
    """Route ``request`` to its function and run it; never raises unless asked to."""
    if app.tracing:
        return _tracing.traced(
            ctx, request._method, _HTTP_SPAN | {"http.request.method": request._method},
            lambda: _handle_http(app, request, ctx, raise_server_exceptions), _http_outcome,
        )  # fmt: skip
    return _handle_http(app, request, ctx, raise_server_exceptions)


def _handle_http(
    app: App, request: HTTPRequest, ctx: Context, raise_server_exceptions: bool
) -> HTTPResponse:
    if not app.started and not _started_or_500(app):
        return problem(HTTPError(500))
    if app.max_body_size is not None and len(request._body) > app.max_body_size:
        return _too_large(app, request)
    started = time.perf_counter() if app.access_log else 0.0
    try:
        function, request._path_params = app.router.match(request._method, request._path)
    except HTTPError as exc:
        return problem(exc)
    token = _enter(app, function, ctx)
    response: HTTPResponse | None = None
    try:
        if app.middlewares or function.middleware:
            endpoint = _responder(app, function, ctx, raise_server_exceptions)
            response = encode(_layered(app, function, request, ctx, endpoint), function.status)
        else:
            result = function.binding.call(request, ctx)
            if function.binding.is_async:
                result = _aio.run(result)
            response = encode(result, function.status)

    except Exception as exc:
        response = _failure(app, function, request, exc, raise_server_exceptions)
    finally:
        if app.access_log:
            status = 500 if response is None else response.status  # None: an error propagates
            log.access_line(function.logger, status=status, duration_ms=_ms(started))
        current.reset(token)
    return response


async def handle_http_async(
    app: App, request: HTTPRequest, ctx: Context, *, raise_server_exceptions: bool = False
) -> HTTPResponse:
    """:func:`handle_http` for callers already on an event loop (Azure's async wrappers)."""
    if app.tracing:
        return await _tracing.traced_async(
            ctx, request._method, _HTTP_SPAN | {"http.request.method": request._method},
            lambda: _handle_http_async(app, request, ctx, raise_server_exceptions),
            _http_outcome,
        )  # fmt: skip
    return await _handle_http_async(app, request, ctx, raise_server_exceptions)


async def _handle_http_async(
    app: App, request: HTTPRequest, ctx: Context, raise_server_exceptions: bool
) -> HTTPResponse:
    if not app.started:
        try:
            await _start_async(app)
        except Exception:
            _logger.exception("a startup hook of %s failed", app.name)
            return problem(HTTPError(500))
    if app.max_body_size is not None and len(request._body) > app.max_body_size:
        return _too_large(app, request)
    started = time.perf_counter() if app.access_log else 0.0
    try:
        function, request._path_params = app.router.match(request._method, request._path)
    except HTTPError as exc:
        return problem(exc)
    token = _enter(app, function, ctx)
    response: HTTPResponse | None = None
    try:
        if app.middlewares or function.middleware:
            endpoint = _responder(app, function, ctx, raise_server_exceptions)
            result = await _middleware.run_async(app.chain(function), request, ctx, endpoint)
            response = encode(result, function.status)
        else:
            result = function.binding.call(request, ctx)
            if function.binding.is_async:
                result = await result
            response = encode(result, function.status)

    except Exception as exc:
        response = _failure(app, function, request, exc, raise_server_exceptions)
    finally:
        if app.access_log:
            status = 500 if response is None else response.status  # None: an error propagates
            log.access_line(function.logger, status=status, duration_ms=_ms(started))
        current.reset(token)
    return response


def deliver(app: App, function: Function, envelope: Any, ctx: Context) -> Any:
    """Run a non-HTTP ``function`` on ``envelope``; raise if it fails.

    Deliveries the trigger does not accept (undeclared storage actions, other
    event types) are acknowledged without calling the handler.
    """
    if app.tracing:
        attributes = _span_attributes(function)
        call = lambda: _deliver(app, function, envelope, ctx)  # noqa: E731
        return _tracing.traced(ctx, function.name, attributes, call)
    return _deliver(app, function, envelope, ctx)


def _deliver(app: App, function: Function, envelope: Any, ctx: Context) -> Any:
    if function.binding.batch is not None:  # a batch function: a batch of one
        for _, why in _batch(app, function, [envelope], ctx, ordered=False):
            raise why
        return None
    if not app.started:
        _start(app)
    trigger = function.trigger
    if trigger.filters and not trigger.accepts(envelope):
        return None
    started = time.perf_counter() if app.access_log else 0.0
    token = _enter(app, function, ctx)
    status = "failed"
    try:
        if app.middlewares or function.middleware:
            result = _layered(app, function, envelope, ctx, _caller(function, ctx))
        else:
            result = function.binding.call(envelope, ctx)
            if function.binding.is_async:
                result = _aio.run(result)
        status = "ok"
        return result
    except Exception as exc:
        _log_failure(function, exc)
        raise
    finally:
        if app.access_log:
            log.access_line(function.logger, status=status, duration_ms=_ms(started))
        current.reset(token)


async def deliver_async(app: App, function: Function, envelope: Any, ctx: Context) -> Any:
    """:func:`deliver` for callers already on an event loop."""
    if app.tracing:
        attributes = _span_attributes(function)
        call = lambda: _deliver_async(app, function, envelope, ctx)  # noqa: E731
        return await _tracing.traced_async(ctx, function.name, attributes, call)
    return await _deliver_async(app, function, envelope, ctx)


async def _deliver_async(app: App, function: Function, envelope: Any, ctx: Context) -> Any:
    if function.binding.batch is not None:  # a batch function: a batch of one
        for _, why in await _batch_async(app, function, [envelope], ctx, ordered=False):
            raise why
        return None
    if not app.started:
        await _start_async(app)
    trigger = function.trigger
    if trigger.filters and not trigger.accepts(envelope):
        return None
    started = time.perf_counter() if app.access_log else 0.0
    token = _enter(app, function, ctx)
    status = "failed"
    try:
        if app.middlewares or function.middleware:
            result = await _middleware.run_async(
                app.chain(function), envelope, ctx, _caller(function, ctx)
            )
        else:
            result = function.binding.call(envelope, ctx)
            if function.binding.is_async:
                result = await result
        status = "ok"
        return result
    except Exception as exc:
        _log_failure(function, exc)
        raise
    finally:
        if app.access_log:
            log.access_line(function.logger, status=status, duration_ms=_ms(started))
        current.reset(token)


def deliver_batch(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, *, ordered: bool = False
) -> list[int]:
    """Deliver ``envelopes`` to a message ``function``; return the indexes that failed.

    A batch function (``list[Message[T]]``) is called once with the messages whose data
    is valid (see :func:`portafunc.pipeline` batch rules below); any other function once
    per envelope. With ``ordered`` (FIFO queues, streams) the first failure stops the
    batch: it and every later item are reported, none of the later ones invoked.
    """
    if app.tracing:
        attributes = _span_attributes(function, len(envelopes))
        call = lambda: _deliver_batch(app, function, envelopes, ctx, ordered)  # noqa: E731
        return _tracing.traced(ctx, function.name, attributes, call, _tracing.batch_outcome)
    return _deliver_batch(app, function, envelopes, ctx, ordered)


def _deliver_batch(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, ordered: bool
) -> list[int]:
    if function.binding.batch is not None:
        return [index for index, _ in _batch(app, function, envelopes, ctx, ordered)]
    if app.middlewares or function.middleware or app.access_log or function.binding.is_async:
        failed: list[int] = []
        for index, envelope in enumerate(envelopes):
            try:
                _deliver(app, function, envelope, ctx)
            except Exception:
                if ordered:
                    return list(range(index, len(envelopes)))
                failed.append(index)
        return failed
    return _each(app, function, envelopes, ctx, ordered)


async def deliver_batch_async(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, *, ordered: bool = False
) -> list[int]:
    """:func:`deliver_batch` for callers already on an event loop."""
    if app.tracing:
        attributes = _span_attributes(function, len(envelopes))
        call = lambda: _deliver_batch_async(app, function, envelopes, ctx, ordered)  # noqa: E731
        outcome = _tracing.batch_outcome
        return await _tracing.traced_async(ctx, function.name, attributes, call, outcome)
    return await _deliver_batch_async(app, function, envelopes, ctx, ordered)


async def _deliver_batch_async(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, ordered: bool
) -> list[int]:
    if function.binding.batch is not None:
        failures = await _batch_async(app, function, envelopes, ctx, ordered)
        return [index for index, _ in failures]
    failed: list[int] = []
    for index, envelope in enumerate(envelopes):
        try:
            await _deliver_async(app, function, envelope, ctx)
        except Exception:
            if ordered:
                return list(range(index, len(envelopes)))
            failed.append(index)
    return failed


def _each(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, ordered: bool
) -> list[int]:
    """:func:`deliver` of each envelope, entering the function's context once: the
    common case of a batch for a per-message function (no middleware, no access line,
    a plain handler)."""
    if not app.started:
        _start(app)
    trigger, call = function.trigger, function.binding.call
    failed: list[int] = []
    token = _enter(app, function, ctx)
    try:
        for index, envelope in enumerate(envelopes):
            if trigger.filters and not trigger.accepts(envelope):
                continue
            try:
                call(envelope, ctx)
            except Exception as exc:
                _log_failure(function, exc)
                if ordered:
                    return list(range(index, len(envelopes)))
                failed.append(index)
    finally:
        current.reset(token)
    return failed


# -- batch functions: list[Message[T]] ---------------------------------------------------
#
# Each message's data is validated first; one that fails never reaches the handler and
# is reported. The handler gets the rest in one call: returning None means all of them
# succeeded, BatchResult(failed=ids) or raising BatchFailure(ids) names the failed ones,
# any other exception fails all of them. Ordered batches report the first failure and
# everything after it, and the handler only gets the valid messages before the first
# invalid one.

Failures = list[tuple[int, Exception]]


def _batch(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, ordered: bool
) -> Failures:
    if not app.started:
        _start(app)
    ready, failures = _prepare(function, envelopes, ctx, ordered)
    if ready:
        token = _enter(app, function, ctx)
        try:
            batch = [envelopes[index] for index in ready]
            if app.middlewares or function.middleware:
                result = _layered(app, function, batch, ctx, _caller(function, ctx))
            else:
                result = function.binding.call(batch, ctx)
                if function.binding.is_async:
                    result = _aio.run(result)
            failures += _reported(function, envelopes, ready, result)
        except Exception as exc:
            failures += _raised(function, envelopes, ready, exc)
        finally:
            current.reset(token)
    return _settled(failures, len(envelopes), ordered)


async def _batch_async(
    app: App, function: Function, envelopes: Sequence[Any], ctx: Context, ordered: bool
) -> Failures:
    if not app.started:
        await _start_async(app)
    ready, failures = _prepare(function, envelopes, ctx, ordered)
    if ready:
        token = _enter(app, function, ctx)
        try:
            batch = [envelopes[index] for index in ready]
            result = await _middleware.run_async(
                app.chain(function), batch, ctx, _caller(function, ctx)
            )
            failures += _reported(function, envelopes, ready, result)
        except Exception as exc:
            failures += _raised(function, envelopes, ready, exc)
        finally:
            current.reset(token)
    return _settled(failures, len(envelopes), ordered)


def _prepare(
    function: Function, envelopes: Sequence[Any], ctx: Context, ordered: bool
) -> tuple[list[int], Failures]:
    """The indexes of the messages whose data is valid, and the failures of the others
    (for ``ordered``, nothing after the first invalid message is prepared)."""
    validate = function.binding.batch
    ready: list[int] = []
    failures: Failures = []
    for index, envelope in enumerate(envelopes):
        try:
            if validate is not None:
                validate(envelope, ctx)
        except Exception as exc:
            _log_failure(function, exc)
            failures.append((index, exc))
            if ordered:
                break
        else:
            ready.append(index)
    return ready, failures


def _reported(
    function: Function, envelopes: Sequence[Any], ready: list[int], result: Any
) -> Failures:
    """The failures a batch function returned (``BatchResult``), by message id."""
    if not isinstance(result, BatchResult) or not result.failed:
        return []
    return _raised(function, envelopes, ready, BatchFailure(result.failed))


def _raised(
    function: Function, envelopes: Sequence[Any], ready: list[int], exc: Exception
) -> Failures:
    """The failures a batch function raised: the ids of a BatchFailure, else all."""
    if not isinstance(exc, BatchFailure):
        _log_failure(function, exc)
        return [(index, exc) for index in ready]
    named = set(exc.ids)
    failures: Failures = [(index, exc) for index in ready if envelopes[index].id in named]
    unknown = named - {envelopes[index].id for index in ready}
    if unknown:
        function.logger.warning(
            "%s reported ids that are not in its batch: %s", function.name, sorted(unknown)
        )
    if failures:
        function.logger.error("%s failed for %d message(s): %s", function.name, len(failures), exc)
    return failures


def _settled(failures: Failures, size: int, ordered: bool) -> Failures:
    """The failures in order; for ``ordered``, the first and every later item."""
    failures.sort(key=lambda failure: failure[0])
    if not ordered or not failures:
        return failures
    first, why = failures[0]
    known: dict[int, Exception] = dict(failures)
    later: Exception = BatchFailure((), "an earlier message of this ordered batch failed")
    return [
        (index, known.get(index, why if index == first else later)) for index in range(first, size)
    ]


def encode(result: Any, status: int | None = None) -> HTTPResponse:
    """An HTTP handler's return value as a response (DESIGN §4's rules).

    ``status`` is the decorator's: it wins over the default (200, or 204 for None).
    An :class:`HTTPResponse` is returned as it is if every header may be sent, else
    a 500 problem is, and an error naming the header (never its value) is logged; the
    other results get portafunc's own constant headers and need no check.
    """
    if not isinstance(result, _SPECIAL):  # the common case, one check: JSON
        return HTTPResponse._make(status or 200, [("content-type", _JSON)], to_json(result))
    if isinstance(result, HTTPResponse):
        return _sendable(result)
    if result is None:
        return HTTPResponse._make(status or 204, [], b"")
    if isinstance(result, str):
        return HTTPResponse.plain(result, status or 200)
    headers = [("content-type", "application/octet-stream")]  # bytes, bytearray, memoryview
    return HTTPResponse._make(status or 200, headers, bytes(result))


def problem(error: HTTPError | InvalidPayload) -> HTTPResponse:
    """An RFC 9457 problem-details response for ``error``."""
    if isinstance(error, InvalidPayload):
        status = 400 if error.malformed else 422
        http_error = HTTPError(status, error.reason)
        body: dict[str, Any] = _problem_body(http_error)
        if error.errors:
            body["errors"] = [
                {
                    "loc": list(e.get("loc", ())),
                    "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", "")),
                }
                for e in error.errors
            ]
        return HTTPResponse._make(status, [("content-type", _PROBLEM)], to_json(body))
    headers = [("content-type", _PROBLEM)]
    body_bytes = to_json(_problem_body(error))
    if not error.headers:
        return HTTPResponse._make(error.status, headers, body_bytes)
    # Checked: a handler's HTTPError(..., headers=...) may carry anything.
    headers += [(k, v) for k, v in error.headers.items() if str(k).lower() != "content-type"]
    return _sendable(HTTPResponse._make(error.status, headers, body_bytes))


def _problem_body(error: HTTPError) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": error.title, "status": error.status}
    if error.detail:
        body["detail"] = error.detail
    return body


def _sendable(response: HTTPResponse) -> HTTPResponse:
    """``response``, or a 500 problem if one of its headers must not be sent."""
    name = unsafe_header(response.headers)
    if name is None:
        return response
    ctx = current.get()
    logger = _logger if ctx is None else ctx.logger
    logger.error(
        "response header %r refused: its name is not a token or its value has a line "
        "break (CR, LF or NUL); answering 500 instead",
        name,
    )
    return problem(HTTPError(500))


def _too_large(app: App, request: HTTPRequest) -> HTTPResponse:
    limit = app.max_body_size
    _logger.warning(
        "%s %r refused: a body of %d bytes is over the limit of %d bytes",
        request._method, request._path, len(request._body), limit,
    )  # fmt: skip
    return problem(HTTPError(413, f"the request body is larger than {limit} bytes"))


def _enter(app: App, function: Function, ctx: Context) -> Token[Context | None]:
    ctx.function = function.name
    ctx.logger = function.logger
    if app.cold:  # the first invocation since the app was created: a cold start
        app.cold = False
        ctx.cold_start = True
    return current.set(ctx)


def _span_attributes(function: Function, batch: int | None = None) -> dict[str, Any]:
    """The attributes of a non-HTTP function's span (``App(tracing=True)``)."""
    attributes: dict[str, Any] = {
        "faas.trigger": _tracing.FAAS_TRIGGERS.get(function.trigger.kind, "other")
    }
    if batch is not None:
        attributes["messaging.batch.message_count"] = batch
    return attributes


def _http_outcome(span: Any, response: HTTPResponse) -> None:
    _tracing.http_outcome(span, response.status)


def _layered(
    app: App, function: Function, envelope: Any, ctx: Context, endpoint: Callable[[Any], Any]
) -> Any:
    """Run the app's and ``function``'s middleware around ``endpoint``, from sync code."""
    chain = app.chain(function)
    if chain.asynchronous:
        return _aio.run(_middleware.run_async(chain, envelope, ctx, endpoint))
    return _middleware.run(chain.layers, envelope, ctx, endpoint)


def _caller(function: Function, ctx: Context) -> Callable[[Any], Any]:
    """The innermost step of a message's middleware chain: the handler."""
    return lambda envelope: function.binding.call(envelope, ctx)


def _responder(
    app: App, function: Function, ctx: Context, reraise: bool
) -> Callable[[HTTPRequest], Any]:
    """The innermost step of an HTTP middleware chain: the handler, its result encoded
    and its errors turned into problem responses (so a middleware sees every status)."""
    if function.binding.is_async:

        async def respond_async(request: HTTPRequest) -> HTTPResponse:
            try:
                return encode(await function.binding.call(request, ctx), function.status)
            except Exception as exc:
                return _failure(app, function, request, exc, reraise)

        return respond_async

    def respond(request: HTTPRequest) -> HTTPResponse:
        try:
            return encode(function.binding.call(request, ctx), function.status)
        except Exception as exc:
            return _failure(app, function, request, exc, reraise)

    return respond


def _failure(
    app: App, function: Function, request: HTTPRequest, exc: Exception, reraise: bool
) -> HTTPResponse:
    handler = _exception_handler(app, exc)
    if handler is not None:
        try:
            result = handler(request, exc)
            if inspect.isawaitable(result):
                result = _aio.run(_awaited(result))
            return encode(result)
        except Exception as inner:
            exc = inner
    if isinstance(exc, (HTTPError, InvalidPayload)):
        return problem(exc)
    function.logger.error("unhandled error in %s", function.name, exc_info=exc)
    if reraise:
        raise exc
    if app.tracing:
        _tracing.record_exception(exc)
    return problem(HTTPError(500))


def _exception_handler(app: App, exc: Exception) -> ExceptionHandler | None:
    """The handler registered for the closest class of ``exc``.

    portafunc's own HTTPError and InvalidPayload end the search: a handler for a base
    class such as Exception does not turn them into something else.
    """
    for cls in type(exc).__mro__:
        handler = app.exception_handlers.get(cls)
        if handler is not None or cls in (HTTPError, InvalidPayload):
            return handler
    return None


def _started_or_500(app: App) -> bool:
    try:
        _start(app)
    except Exception:
        _logger.exception("a startup hook of %s failed", app.name)
        return False
    return True


def _log_failure(function: Function, exc: Exception) -> None:
    if isinstance(exc, InvalidPayload):
        function.logger.error("invalid payload for %s: %s", function.name, exc)
    else:
        function.logger.error("%s failed", function.name, exc_info=exc)


def _start(app: App) -> None:
    with app.start_lock:
        if app.started:
            return
        for hook in app.startup_hooks:
            result = hook()
            if inspect.isawaitable(result):
                _aio.run(_awaited(result))
        app.started = True


async def _start_async(app: App) -> None:
    import asyncio  # not at module level: most apps never run on a loop (cold start)

    # The lock is never waited for on the loop: a task holding it may be awaiting a hook.
    while not app.started:
        if not app.start_lock.acquire(blocking=False):
            await asyncio.sleep(0.001)
            continue
        try:
            if not app.started:
                for hook in app.startup_hooks:
                    result = hook()
                    if inspect.isawaitable(result):
                        await result
                app.started = True
        finally:
            app.start_lock.release()


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
