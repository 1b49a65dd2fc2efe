"""Middleware: functions run around every invocation of a function.

A middleware is ``middleware(envelope, ctx, call_next)``, a plain function or an
``async def``. It sees the trigger's envelope (an ``HTTPRequest``, a ``Message``…)
and the invocation's ``Context``, and either calls ``call_next(envelope)`` (awaiting
it in an ``async def``) to run the rest of the chain and the handler, or returns
without calling it to short-circuit. For an HTTP function ``call_next`` always
returns an ``HTTPResponse`` (the handler's errors already turned into problem
responses, so a middleware sees every status) and what the middleware returns is
encoded like a handler's result; for other triggers ``call_next`` returns the
handler's result or raises its failure.

Order: the app's middleware (``@app.middleware``), first declared outermost, then the
function's own (``middleware=[...]``), first listed outermost; the handler is
innermost. A function without middleware runs as if none existed.

A plain-function middleware cannot wrap anything asynchronous (an ``async def``
handler, or an ``async def`` middleware declared after it): it could not wait for it.
That is a DeclarationError, raised when the second of the two is declared. An
``async def`` middleware wraps anything.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from .context import Context
from .errors import DeclarationError

__all__ = ["Middleware", "check", "is_async", "run", "run_async"]

#: ``middleware(envelope, ctx, call_next)``: what ``@app.middleware`` and ``middleware=`` take.
Middleware = Callable[[Any, Context, Callable[[Any], Any]], Any]
Endpoint = Callable[[Any], Any]


def is_async(middleware: Middleware) -> bool:
    """Whether ``middleware`` is an ``async def`` (its ``call_next`` must be awaited)."""
    return inspect.iscoroutinefunction(middleware) or inspect.iscoroutinefunction(
        getattr(middleware, "__call__", None)  # noqa: B004  # a callable object's method
    )


def check(layers: Sequence[Middleware], handler_is_async: bool, where: str) -> None:
    """Refuse a plain-function middleware with anything asynchronous inside it (an
    ``async def`` middleware after it, or an ``async def`` handler)."""
    plain = next((layer for layer in layers if not is_async(layer)), None)
    if plain is None:
        return
    inner = layers[layers.index(plain) + 1 :]
    awaiting = next((layer for layer in inner if is_async(layer)), None)
    if awaiting is None and not handler_is_async:
        return
    inside = "an async def handler" if awaiting is None else f"async middleware {_name(awaiting)}"
    raise DeclarationError(
        f"middleware {_name(plain)} is a plain function and cannot wrap {inside}: make it "
        "async def, or declare it after the async ones (an async middleware wraps anything)",
        where=where,
    )


def _name(layer: Middleware) -> str:
    return repr(getattr(layer, "__qualname__", layer))


def run(layers: Sequence[Middleware], envelope: Any, ctx: Context, endpoint: Endpoint) -> Any:
    """Run plain-function ``layers`` around ``endpoint`` (the handler's side)."""

    def call(index: int, current: Any) -> Any:
        if index == len(layers):
            return endpoint(current)
        return layers[index](current, ctx, lambda following: call(index + 1, following))

    return call(0, envelope)


async def run_async(
    layers: Sequence[Middleware], envelope: Any, ctx: Context, endpoint: Endpoint
) -> Any:
    """Run ``layers`` around ``endpoint`` on the event loop; ``endpoint`` may return an
    awaitable. The plain-function layers come last, with only synchronous code inside
    them (see :func:`check`), so they run as :func:`run` does."""

    async def call(index: int, current: Any) -> Any:
        if index == len(layers):
            result = endpoint(current)
            return await result if inspect.isawaitable(result) else result
        layer = layers[index]
        if not is_async(layer):
            return run(layers[index:], current, ctx, endpoint)
        return await layer(current, ctx, lambda following: call(index + 1, following))

    return await call(0, envelope)
