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

Both kinds wrap anything. A plain-function middleware around something asynchronous
(an ``async def`` handler or middleware inside it) runs in a worker thread, where
``call_next`` waits for the rest of the chain to run on the event loop; make it
``async def`` to save that thread hop.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from ._value import Value
from .context import Context

__all__ = ["Chain", "Middleware", "chain", "is_async", "run", "run_async"]

#: ``middleware(envelope, ctx, call_next)``: what ``@app.middleware`` and ``middleware=`` take.
Middleware = Callable[[Any, Context, Callable[[Any], Any]], Any]
Endpoint = Callable[[Any], Any]


def is_async(middleware: Middleware) -> bool:
    """Whether ``middleware`` is an ``async def`` (its ``call_next`` must be awaited)."""
    return inspect.iscoroutinefunction(middleware) or inspect.iscoroutinefunction(
        getattr(middleware, "__call__", None)  # noqa: B004  # a callable object's method
    )


def run(layers: Sequence[Middleware], envelope: Any, ctx: Context, endpoint: Endpoint) -> Any:
    """Run plain-function ``layers`` around ``endpoint`` (the handler's side)."""

    def call(index: int, current: Any) -> Any:
        if index == len(layers):
            return endpoint(current)
        return layers[index](current, ctx, lambda following: call(index + 1, following))

    return call(0, envelope)


class Chain(Value):
    """The middleware around one function, outermost first, with how each runs: decided
    once (see :func:`chain`), not per invocation."""

    __slots__ = ("asynchronous", "kinds", "layers")
    layers: tuple[Middleware, ...]
    #: Per layer: ``"async"`` (awaited), ``"plain"`` (only synchronous code inside it:
    #: called as is) or ``"thread"`` (something asynchronous inside: a worker thread).
    kinds: tuple[str, ...]
    #: Whether anything in the chain, the handler included, is ``async def``.
    asynchronous: bool

    def __init__(
        self, layers: tuple[Middleware, ...], kinds: tuple[str, ...], asynchronous: bool
    ) -> None:
        self._init(layers=layers, kinds=kinds, asynchronous=asynchronous)


def chain(layers: Sequence[Middleware], handler_is_async: bool) -> Chain:
    """The :class:`Chain` of ``layers`` around a handler."""
    awaits = [is_async(layer) for layer in layers]
    kinds = tuple(
        _kind(awaiting, inside_awaits=handler_is_async or any(awaits[index + 1 :]))
        for index, awaiting in enumerate(awaits)
    )
    return Chain(tuple(layers), kinds, handler_is_async or any(awaits))


def _kind(awaiting: bool, *, inside_awaits: bool) -> str:
    if awaiting:
        return "async"
    return "thread" if inside_awaits else "plain"


async def run_async(chain: Chain, envelope: Any, ctx: Context, endpoint: Endpoint) -> Any:
    """Run ``chain`` around ``endpoint`` on the event loop; ``endpoint`` may return an
    awaitable. A plain-function layer with only synchronous code inside it runs as
    :func:`run` does; one with something asynchronous inside runs in a worker thread,
    its ``call_next`` waiting there for the rest of the chain to run on the loop."""
    layers, kinds = chain.layers, chain.kinds

    async def call(index: int, current: Any) -> Any:
        if index == len(layers):
            result = endpoint(current)
            return await result if inspect.isawaitable(result) else result
        layer, kind = layers[index], kinds[index]
        if kind == "async":
            return await layer(current, ctx, lambda following: call(index + 1, following))
        if kind == "plain":
            return run(layers[index:], current, ctx, endpoint)
        return await _in_thread(layer, current, ctx, lambda following: call(index + 1, following))

    return await call(0, envelope)


async def _in_thread(
    layer: Middleware, envelope: Any, ctx: Context, inner: Callable[[Any], Any]
) -> Any:
    """Run a plain-function ``layer`` in a worker thread (with this context's variables),
    its ``call_next`` running ``inner`` on this loop and waiting for it there."""
    import asyncio  # not at module level: most apps never run on a loop (cold start)

    loop = asyncio.get_running_loop()

    def call_next(following: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(inner(following), loop).result()

    return await asyncio.to_thread(layer, envelope, ctx, call_next)
