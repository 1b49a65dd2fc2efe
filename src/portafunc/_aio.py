"""One event loop per process, living across invocations.

Async handlers called from synchronous code (Lambda's handler, a
functions-framework worker thread) run on this loop, in a daemon thread, so
clients a handler caches between warm invocations stay bound to a live loop.
Each coroutine runs in a copy of the caller's ``contextvars`` context.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["run"]

T = TypeVar("T")
_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _get_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="portafunc-event-loop", daemon=True
            ).start()
            _loop = loop
        return _loop


def _forget_loop() -> None:
    # A forked child inherits the loop object but not the thread running it.
    global _loop
    _loop = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_loop)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion on the process loop, from any thread."""
    loop = _loop if _loop is not None else _get_loop()
    future: Future[T] = Future()
    context = contextvars.copy_context()

    def settle(task: asyncio.Task[T]) -> None:
        if task.cancelled():
            future.set_exception(asyncio.CancelledError())
        elif (error := task.exception()) is not None:
            future.set_exception(error)
        else:
            future.set_result(task.result())

    def start() -> None:
        context.run(loop.create_task, coroutine).add_done_callback(settle)

    loop.call_soon_threadsafe(start)
    return future.result()
