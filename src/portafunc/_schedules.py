"""``portafunc serve --schedules``: fire each schedule function on its cron, locally.

One daemon thread sleeps until the earliest next run (``trigger.cron.next_after``),
delivers a :class:`ScheduleEvent` for it through :func:`portafunc.pipeline.deliver`
(as ``POST /_portafunc/functions/{name}`` would), logs one line, and computes that
function's next run. A run missed by more than a minute (the laptop slept) fires
once, marked ``past_due``; runs in between are skipped. :meth:`Scheduler.stop` wakes
the thread and waits for the delivery in progress, if any.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, cast

from . import pipeline
from .app import App, Function
from .context import Context
from .events import ScheduleEvent

if TYPE_CHECKING:
    from .cron import Cron
    from .triggers import ScheduleTrigger

__all__ = ["Scheduler"]

_logger = logging.getLogger("portafunc.serve")
_LATE = timedelta(minutes=1)
#: The longest sleep between looks at the clock (it may jump, or the machine sleep).
_NAP = 30.0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    """Fires the schedule functions of ``app`` on a thread of its own."""

    def __init__(
        self, app: App, *, now: Callable[[], datetime] = _utcnow, nap: float = _NAP
    ) -> None:
        self.app = app
        self._nap = nap
        self.functions = [f for f in app.functions.values() if f.trigger.kind == "schedule"]
        self._now = now
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="portafunc-schedules", daemon=True)

    def describe(self) -> str:
        """One line saying what fires when."""
        if not self.functions:
            return f"app {self.app.name!r} declares no schedule functions"
        runs = ", ".join(f"{f.name} ({_cron(f).unix()})" for f in self.functions)
        return f"firing schedules (UTC): {runs}"

    def start(self) -> None:
        if self.functions:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def fire(self, function: Function, at: datetime) -> bool:
        """Deliver ``function``'s run scheduled ``at``; log it; return whether it succeeded."""
        late = self._now() - at > _LATE
        event = ScheduleEvent(schedule=function.name, time=at, past_due=late)
        ctx = Context(provider="local", invocation_id=uuid.uuid4().hex)
        started, ok = time.perf_counter(), False
        try:
            pipeline.deliver(self.app, function, event, ctx)
            ok = True
        except Exception as exc:  # deliver logged a handler's failure; not a startup hook's
            if not self.app.started:
                _logger.error("startup of app %s failed", self.app.name, exc_info=exc)
        duration = (time.perf_counter() - started) * 1000
        status = "ok" if ok else "failed"
        extra = {"function": function.name, "status": status, "duration_ms": round(duration, 2)}
        _logger.info("schedule %s %s %.1fms", function.name, status, duration, extra=extra)
        return ok

    def _run(self) -> None:
        now = self._now()
        due = {function.name: _cron(function).next_after(now) for function in self.functions}
        functions = {function.name: function for function in self.functions}
        while not self._stopping.is_set():
            name, at = min(due.items(), key=lambda item: item[1])
            wait = (at - self._now()).total_seconds()
            if wait > 0:
                self._stopping.wait(min(wait, self._nap))
                continue
            self.fire(functions[name], at)
            due[name] = _cron(functions[name]).next_after(max(at, self._now()))


def _cron(function: Function) -> Cron:
    return cast("ScheduleTrigger", function.trigger).cron
