"""One event loop per process, living across invocations.

Async handlers called from synchronous code (Lambda's handler, a
functions-framework worker thread) all run on one loop that is never closed, so
clients a handler caches between warm invocations stay bound to a live loop.

The loop has no thread of its own. The first caller drives it in its own thread
(``run_until_complete``: no thread hop, which is Lambda's case). A caller that
arrives while another thread drives the loop becomes a guest: it hands its
coroutine to the loop and waits, and the driver keeps the loop running until every
guest's coroutine has finished. A caller whose thread already runs another loop
drives from a short-lived helper thread. Each coroutine runs in a copy of its
caller's ``contextvars`` context.
"""

from __future__ import annotations

import contextvars
import os
import threading
from typing import TYPE_CHECKING, Any, TypeVar

# asyncio and concurrent.futures are imported when the first coroutine runs: they
# cost milliseconds of cold start that apps without async handlers never need.
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine

__all__ = ["run"]

T = TypeVar("T")


class _Runner:
    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self.lock = threading.Lock()
        self.driving = False
        self.guests = 0
        self.guest_left = asyncio.Event()

    def run(self, coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
        with self.lock:
            drive = not self.driving
            if drive:
                self.driving = True
            else:
                self.guests += 1
        if drive:
            return self._drive(coroutine, context)
        return self._visit(coroutine, context)

    def _drive(self, coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
        task = context.run(self.loop.create_task, coroutine)
        try:
            return self.loop.run_until_complete(task)
        finally:
            self._serve_guests()

    def _serve_guests(self) -> None:
        while True:
            with self.lock:
                if not self.guests:
                    self.driving = False
                    return
            self.loop.run_until_complete(self._guests_done())

    async def _guests_done(self) -> None:
        # Runs on the loop, as does every guest's decrement, so nothing slips in
        # between the check and the clear.
        while True:
            with self.lock:
                if not self.guests:
                    return
            self.guest_left.clear()
            await self.guest_left.wait()

    def _visit(self, coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
        import asyncio
        from concurrent.futures import Future

        future: Future[T] = Future()

        def settle(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                future.set_exception(asyncio.CancelledError())
            elif (error := task.exception()) is not None:
                future.set_exception(error)
            else:
                future.set_result(task.result())
            with self.lock:
                self.guests -= 1
            self.guest_left.set()

        def start() -> None:
            context.run(self.loop.create_task, coroutine).add_done_callback(settle)

        self.loop.call_soon_threadsafe(start)
        return future.result()


_runner: _Runner | None = None
_runner_lock = threading.Lock()


def _get_runner() -> _Runner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = _Runner()
        return _runner


def _forget_runner() -> None:
    # A forked child must not share the parent's loop or its locks.
    global _runner, _runner_lock
    _runner, _runner_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_runner)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion on the process loop, from any thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    runner = _runner if _runner is not None else _get_runner()
    context = contextvars.copy_context()
    if asyncio._get_running_loop() is None:
        return runner.run(coroutine, context)
    with ThreadPoolExecutor(1, thread_name_prefix="portafunc-loop") as helper:
        return helper.submit(runner.run, coroutine, context).result()
