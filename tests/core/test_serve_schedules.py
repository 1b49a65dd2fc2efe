"""``portafunc serve --schedules`` (portafunc._schedules): schedule functions fired on
their cron by a thread that stops with the server. The clock is faked or
``Cron.next_after`` patched to a few milliseconds ahead; every wait has a timeout."""

from __future__ import annotations

import io
import logging
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from portafunc import App, Context, ScheduleEvent
from portafunc._schedules import Scheduler
from portafunc.cli import main
from portafunc.cron import Cron

TIMEOUT = 10
NOON = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def make_app(fired: list[ScheduleEvent], fail: bool = False) -> App:
    app = App("ticks")

    @app.schedule("*/5 * * * *")
    def every_five(event: ScheduleEvent, ctx: Context) -> None:
        fired.append(event)
        if fail:
            raise RuntimeError("tick failed")

    @app.get("/")
    def index() -> str:
        return "not a schedule"

    return app


@pytest.fixture
def soon(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cron runs 20 ms after the moment it is asked about."""
    monkeypatch.setattr(Cron, "next_after", lambda self, moment: moment + timedelta(seconds=0.02))


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_fire_delivers_a_schedule_event_and_logs_a_line(caplog: pytest.LogCaptureFixture) -> None:
    fired: list[ScheduleEvent] = []
    scheduler = Scheduler(make_app(fired), now=lambda: NOON + timedelta(seconds=2))
    with caplog.at_level(logging.INFO, logger="portafunc.serve"):
        assert scheduler.fire(scheduler.functions[0], NOON) is True
    (event,) = fired
    assert (event.schedule, event.time, event.past_due) == ("every_five", NOON, False)
    (line,) = [r for r in caplog.records if r.name == "portafunc.serve"]
    assert line.getMessage().startswith("schedule every_five ok ")
    assert (vars(line)["function"], vars(line)["status"]) == ("every_five", "ok")
    assert vars(line)["duration_ms"] >= 0


def test_a_late_run_is_past_due() -> None:
    fired: list[ScheduleEvent] = []
    scheduler = Scheduler(make_app(fired), now=lambda: NOON + timedelta(minutes=3))
    scheduler.fire(scheduler.functions[0], NOON)
    assert fired[0].past_due is True


def test_a_failing_run_is_logged_as_failed(caplog: pytest.LogCaptureFixture) -> None:
    fired: list[ScheduleEvent] = []
    scheduler = Scheduler(make_app(fired, fail=True))
    with caplog.at_level(logging.INFO, logger="portafunc"):
        assert scheduler.fire(scheduler.functions[0], NOON) is False
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("schedule every_five failed ") for m in messages)
    assert any(r.name == "portafunc.ticks.every_five" and r.exc_info for r in caplog.records)


def test_describe() -> None:
    assert Scheduler(make_app([])).describe() == (
        "firing schedules (UTC): every_five (*/5 * * * *)"
    )
    assert Scheduler(App("none")).describe() == "app 'none' declares no schedule functions"


def test_the_thread_waits_for_the_next_run() -> None:
    """With a clock standing still before the first run, nothing fires."""
    fired: list[ScheduleEvent] = []
    scheduler = Scheduler(make_app(fired), now=lambda: NOON, nap=0.001)
    scheduler.start()
    time.sleep(0.1)
    scheduler.stop()
    assert fired == []
    assert not scheduler._thread.is_alive()


def test_the_thread_fires_each_run_at_its_time() -> None:
    moments = iter(NOON + timedelta(seconds=10 * step) for step in range(10_000))
    fired: list[ScheduleEvent] = []
    scheduler = Scheduler(make_app(fired), now=lambda: next(moments), nap=0.001)
    scheduler.start()
    try:
        wait_for(lambda: len(fired) >= 2, "two runs")
    finally:
        scheduler.stop()
    # */5: 12:05 and 12:10, each delivered with its scheduled time.
    assert [event.time for event in fired[:2]] == [
        NOON + timedelta(minutes=5),
        NOON + timedelta(minutes=10),
    ]
    assert not scheduler._thread.is_alive()


def test_the_thread_keeps_firing_after_a_failure(soon: None) -> None:
    fired: list[ScheduleEvent] = []
    scheduler = Scheduler(make_app(fired, fail=True))
    scheduler.start()
    try:
        wait_for(lambda: len(fired) >= 3, "three runs")
    finally:
        scheduler.stop()
    assert not scheduler._thread.is_alive()


def test_an_app_without_schedules_starts_no_thread() -> None:
    scheduler = Scheduler(App("none"))
    scheduler.start()
    assert not scheduler._thread.is_alive()
    scheduler.stop()


APP_SOURCE = """
from portafunc import App, ScheduleEvent

app = App("ticks")
fired = []


@app.schedule("* * * * *")
def minutely(event: ScheduleEvent) -> None:
    fired.append(event.time)
"""


class _Out(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.serving = threading.Event()

    def write(self, text: str) -> int:
        if "serving" in text:
            self.serving.set()
        return super().write(text)


@pytest.mark.skipif(sys.platform == "win32", reason="simulated SIGINT")
def test_cli_serve_schedules_fires_and_stops_with_the_server(
    tmp_path: Path, soon: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _thread

    from portafunc._loader import load_app

    path = tmp_path / "ticks.py"
    path.write_text(APP_SOURCE)
    app = load_app(str(path))
    monkeypatch.setattr("portafunc.cli.load_app", lambda spec: app)
    monkeypatch.setattr("portafunc.log.configure", lambda: None)
    out = _Out()
    monkeypatch.setattr(sys, "stdout", out)
    fired: list[datetime] = app.function("minutely").handler.__globals__["fired"]

    def client() -> None:
        try:
            if out.serving.wait(TIMEOUT):
                wait_for(lambda: len(fired) >= 2, "two runs")
        finally:
            _thread.interrupt_main(signal.SIGINT)

    threading.Thread(target=client, daemon=True).start()
    assert main(["serve", str(path), "--schedules", "--port", "0"]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "portafunc: firing schedules (UTC): minutely (* * * * *)"
    assert lines[1].startswith("portafunc: serving ticks on http://127.0.0.1:")
    assert lines[-1] == "portafunc: stopped"
    assert len(fired) >= 2
    assert not [t for t in threading.enumerate() if t.name == "portafunc-schedules"]
