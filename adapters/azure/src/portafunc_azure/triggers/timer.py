"""Schedule functions: a timer trigger on the function's cron as 6-field NCRONTAB.

``*/5 * * * *`` becomes ``0 */5 * * * *`` (seconds first), with ``use_monitor`` on
(the host records each tick in storage and tells a late one apart) and
``run_on_startup`` off. A cron NCRONTAB cannot express raises UnsupportedSchedule
naming the function, when ``function_app()`` runs.

- ``time`` is the scheduled time of this tick: ``ScheduleStatus.Next`` of the
  ``func.TimerRequest``. The host hands a tick the status it recorded after the
  previous one, whose ``Next`` is this tick's occurrence (for a past-due tick,
  the missed occurrence), and only updates it once the tick has run; ``Last``
  is the previous tick. The host writes local times with their offset (UTC
  unless ``WEBSITE_TIME_ZONE`` says otherwise): they are converted to UTC when
  read. Without a status (``use_monitor`` off, or a hand-built TimerRequest) it
  is the time the wrapper ran.
- ``past_due`` is ``TimerRequest.past_due``; ``schedule`` the function's name.
- ``raw`` is the ``func.TimerRequest``.

A failing handler raises: the host logs the failed invocation and waits for the
next tick (timers are not retried).
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, cast

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import UnsupportedEvent, UnsupportedSchedule
from portafunc.events import ScheduleEvent
from portafunc.pipeline import deliver, deliver_async
from portafunc.triggers import ScheduleTrigger

from ..invocation import context_for
from ..options import AzureOptions

__all__ = ["register", "schedule_event"]


def register(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` as a timer-triggered Azure function."""
    try:
        schedule = cast("ScheduleTrigger", function.trigger).cron.ncrontab()
    except UnsupportedSchedule as exc:
        exc.where = exc.where or function.where
        raise
    trigger = function_app.timer_trigger(
        arg_name="timer", schedule=schedule, run_on_startup=False, use_monitor=True
    )
    function_app.function_name(function.name)(trigger(_wrapper(app, function)))


def _wrapper(app: App, function: Function) -> Callable[[func.TimerRequest, func.Context], Any]:
    # Parameters are exactly the binding's arg_name (timer) and context (DESIGN §6).
    name = function.name

    if function.binding.is_async:

        async def tick_async(timer: func.TimerRequest, context: func.Context) -> None:
            await deliver_async(app, function, schedule_event(name, timer), context_for(context))

        return tick_async

    def tick(timer: func.TimerRequest, context: func.Context) -> None:
        deliver(app, function, schedule_event(name, timer), context_for(context))

    return tick


def schedule_event(name: str, timer: Any) -> ScheduleEvent:
    """The tick of the schedule function ``name`` that ``timer`` (a TimerRequest) reports."""
    past_due = getattr(timer, "past_due", None)
    if not isinstance(past_due, bool):
        raise UnsupportedEvent("azure", f"a timer trigger argument {type(timer).__name__}")
    status = getattr(timer, "schedule_status", None)
    due = status.get("Next") if isinstance(status, Mapping) else None
    return ScheduleEvent(
        schedule=name,
        time=due if isinstance(due, str) and due else datetime.now(timezone.utc),
        past_due=past_due,
        provider="azure",
        raw=timer,
    )
