"""Timer triggers: NCRONTAB schedules and the ScheduleEvent of each tick.

Payloads: tests/payloads/azure/schedule/ (the azure-functions library's
tests/test_timer.py timer data, and the TimerInfo JSON of the Functions docs'
timer trigger page; see SOURCES.md there). Both are fed to azure.functions' own
``TimerRequestConverter`` as ``json`` Datums, as the worker does.
"""

import asyncio
import inspect
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from azure.functions import meta
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.timer import TimerRequest, TimerRequestConverter

from portafunc import App, ScheduleEvent
from portafunc.errors import PortafuncError, UnsupportedEvent, UnsupportedSchedule
from portafunc_azure.triggers import timer

Golden = Callable[[str, Any], None]
Render = Callable[[Any], dict[str, Any]]

SCHEDULES = Path(__file__).resolve().parents[1] / "payloads" / "azure" / "schedule"
CORPUS = sorted(path.name for path in SCHEDULES.glob("*.json"))


class Recorder:
    """An app of schedule functions recording the events they receive."""

    def __init__(self) -> None:
        self.app = App("jobs")
        self.seen: list[ScheduleEvent] = []
        self.fail = False
        app, seen = self.app, self.seen

        @app.schedule("*/5 * * * *")
        def every_five_minutes(event: ScheduleEvent) -> None:
            seen.append(event)
            if self.fail:
                raise RuntimeError("tick failed")

        @app.schedule("30 2 * * 1-5", name="weekday-report")
        async def report(event: ScheduleEvent) -> None:
            await asyncio.sleep(0)
            seen.append(event)
            if self.fail:
                raise RuntimeError("report failed")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def function_app(app: App) -> func.FunctionApp:
    function_app = func.FunctionApp()
    for function in app.functions.values():
        timer.register(function_app, app, function, {})
    return function_app


def functions(function_app: func.FunctionApp) -> dict[str, AzureFunction]:
    """The registered functions by name, read without ``get_functions()`` (DESIGN §6)."""
    found = (builder._function for builder in function_app._function_builders)
    return {function.get_function_name() or "": function for function in found}


def timer_request(data: str | dict[str, Any]) -> TimerRequest:
    """A TimerRequest decoded from the host's timer JSON, as the worker decodes it."""
    text = data if isinstance(data, str) else json.dumps(data)
    request = TimerRequestConverter.decode(meta.Datum(text, "json"), trigger_metadata={})
    assert isinstance(request, TimerRequest)
    return request


def invoke(function_app: func.FunctionApp, name: str, request: Any) -> None:
    """Call function ``name`` as the worker does: binding names as keywords, ``context``."""
    context = SimpleNamespace(
        invocation_id="tick-1",
        function_name=name,
        trace_context=SimpleNamespace(trace_parent=None),
    )
    result = functions(function_app)[name].get_user_function()(timer=request, context=context)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    assert result is None


def test_function_json_golden(recorder: Recorder, golden: Golden) -> None:
    registered = functions(function_app(recorder.app))
    golden(
        "schedule/function_json",
        {name: json.loads(function.get_function_json()) for name, function in registered.items()},
    )
    trigger = json.loads(registered["every_five_minutes"].get_function_json())["bindings"][0]
    assert trigger["schedule"] == "0 */5 * * * *"
    assert (trigger["useMonitor"], trigger["runOnStartup"]) == (True, False)


def test_wrappers_take_exactly_the_binding_and_context(recorder: Recorder) -> None:
    registered = functions(function_app(recorder.app))
    for name, function in registered.items():
        wrapper = function.get_user_function()
        assert list(inspect.signature(wrapper).parameters) == ["timer", "context"]
        assert inspect.iscoroutinefunction(wrapper) is (name == "weekday-report")


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_payload_golden(
    recorder: Recorder, as_json: Render, golden: Golden, name: str
) -> None:
    request = timer_request((SCHEDULES / name).read_text(encoding="utf-8"))
    registered = function_app(recorder.app)
    invoke(registered, "every_five_minutes", request)
    invoke(registered, "weekday-report", request)
    first, second = recorder.seen
    assert first.raw is second.raw is request
    golden(f"schedule/{name[:-5]}", [as_json(first), as_json(second)])


def test_time_is_the_scheduled_occurrence_in_utc() -> None:
    request = timer_request((SCHEDULES / "timer-request-python-library-test.json").read_text())
    event = timer.schedule_event("job", request)
    # ScheduleStatus.Next, 15:45 at UTC-5: the occurrence this tick runs for.
    assert event.time == datetime(2022, 3, 28, 20, 45, tzinfo=timezone.utc)
    assert event.schedule == "job"
    assert event.past_due is False
    assert event.provider == "azure"


def test_a_past_due_tick() -> None:
    data = {
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": {
            "Last": "2024-05-01T09:00:00.0084718+00:00",
            "Next": "2024-05-01T09:05:00+00:00",
            "LastUpdated": "2024-05-01T09:00:00.0084718+00:00",
        },
        "IsPastDue": True,
    }
    event = timer.schedule_event("job", timer_request(data))
    assert event.past_due is True
    assert event.time == datetime(2024, 5, 1, 9, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "data",
    [
        {"Schedule": {}, "ScheduleStatus": None, "IsPastDue": False},  # use_monitor off
        {"IsPastDue": False},
        {"ScheduleStatus": {"Last": "2024-05-01T09:00:00Z"}, "IsPastDue": False},
        {"ScheduleStatus": {"Next": 1714554300}, "IsPastDue": False},
    ],
)
def test_without_a_next_occurrence_the_time_is_now(data: dict[str, Any]) -> None:
    before = datetime.now(timezone.utc)
    event = timer.schedule_event("job", timer_request(data))
    assert event.time is not None
    assert before <= event.time <= datetime.now(timezone.utc)


def test_a_hand_built_timer_request() -> None:
    event = timer.schedule_event("job", TimerRequest(past_due=True))
    assert event.past_due is True
    assert event.time is not None


@pytest.mark.parametrize("request_", [None, object(), SimpleNamespace(past_due="yes")])
def test_not_a_timer_request(request_: Any) -> None:
    with pytest.raises(UnsupportedEvent, match="timer trigger"):
        timer.schedule_event("job", request_)


@pytest.mark.parametrize("name", ["every_five_minutes", "weekday-report"])
def test_a_failing_handler_raises(recorder: Recorder, name: str) -> None:
    recorder.fail = True
    with pytest.raises(RuntimeError, match="failed"):
        invoke(function_app(recorder.app), name, TimerRequest())


def test_a_cron_ncrontab_cannot_express_names_the_function() -> None:
    app = App("jobs")

    @app.schedule("0 0 1 * 1")  # the 1st of the month OR Mondays
    def monthly_or_monday() -> None: ...

    with pytest.raises(UnsupportedSchedule) as raised:
        function_app(app)
    assert isinstance(raised.value, PortafuncError)
    assert raised.value.provider == "azure"
    assert raised.value.where == app.functions["monthly_or_monday"].where
    assert "test_timer.py" in str(raised.value)
