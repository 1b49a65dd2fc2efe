"""The report example: ticks through the TestClient and through each adapter with
realistic events, then ``portafunc build`` for each cloud (the schedule written as each
cloud writes cron) and the built projects running a tick as each runtime would."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (a cfn-lint dependency) ships no stubs

from portafunc import ScheduleEvent
from portafunc.testing import TestClient

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
#: A Tuesday's tick: it reports on Monday 2 June 2025.
TUESDAY = datetime(2025, 6, 3, 6, 0, tzinfo=timezone.utc)
MONDAY = date(2025, 6, 2)


def feed(report: ModuleType) -> None:
    """Sales of Monday, and one of Sunday the report must leave out."""
    sale = report.Sale
    report.SALES.extend(
        [
            sale(MONDAY, "mug", 2, 1800),
            sale(MONDAY, "tea", 5, 2500),
            sale(MONDAY, "mug", 1, 900),
            sale(MONDAY, "pot", 1, 3000),
            sale(MONDAY, "cup", 1, 500),
            sale(date(2025, 6, 1), "mug", 9, 8100),
        ]
    )


def tick(time: datetime = TUESDAY, past_due: bool = False) -> ScheduleEvent:
    return ScheduleEvent(schedule="daily_report", time=time, past_due=past_due)


# -- through the TestClient --------------------------------------------------------------


def test_a_tick_reports_on_the_day_before(report: ModuleType, client: TestClient) -> None:
    feed(report)
    outcome = client.trigger("daily_report", tick())
    assert outcome.result == report.REPORTS[-1]
    assert client.get("/reports/latest").json() == {
        "day": "2025-06-02",
        "made_at": "2025-06-03T06:00:00Z",
        "late": False,
        "sales": 5,
        "revenue_cents": 8700,
        "top_skus": ["tea", "mug", "cup"],  # by quantity, ties by name
    }


def test_a_late_tick_is_marked_late(client: TestClient) -> None:
    client.trigger("daily_report", tick(past_due=True))
    assert client.get("/reports/latest").json()["late"] is True


def test_a_day_without_sales_is_an_empty_report(client: TestClient) -> None:
    client.trigger("daily_report", tick())
    latest = client.get("/reports/latest").json()
    assert (latest["sales"], latest["revenue_cents"], latest["top_skus"]) == (0, 0, [])


def test_before_the_first_tick_there_is_no_report(client: TestClient) -> None:
    response = client.get("/reports/latest")
    assert (response.status, response.json()["detail"]) == (404, "no report yet")


# -- through each adapter ------------------------------------------------------------------


def test_aws_scheduler_invocations_carry_the_scheduled_time(report: ModuleType) -> None:
    from portafunc_aws import lambda_handler
    from portafunc_aws.testing import LambdaContext, scheduler_invocation

    feed(report)
    handler = lambda_handler(report.app, "daily_report")
    handler(scheduler_invocation("daily_report", time=TUESDAY), LambdaContext())
    [made] = report.REPORTS
    assert (made.day, made.made_at, made.sales) == (MONDAY, TUESDAY, 5)


def test_azure_timer_ticks_say_when_they_are_past_due(report: ModuleType) -> None:
    import portafunc_azure
    from portafunc_azure.testing import invoke, timer_request

    function_app = portafunc_azure.function_app(report.app)
    invoke(function_app, "daily_report", timer_request(past_due=True, scheduled=TUESDAY))
    [made] = report.REPORTS
    assert (made.day, made.late) == (MONDAY, True)


def test_gcp_cloud_scheduler_messages_on_pubsub(report: ModuleType) -> None:
    from portafunc_gcp.testing import create_app, post_cloud_event, pubsub_event

    feed(report)
    client = create_app(report.app, "daily_report").test_client()
    event = pubsub_event({}, topic="daily-report-schedule", publish_time=TUESDAY)
    assert post_cloud_event(client, event).status_code == 200
    [made] = report.REPORTS
    assert (made.day, made.revenue_cents) == (MONDAY, 8700)


# -- portafunc build, then the built project -----------------------------------------------


def test_aws_an_eventbridge_scheduler_schedule_in_aws_cron(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_aws.testing import LambdaContext, scheduler_invocation

    project = projects.build("aws", tmp_path / "aws")
    template: dict[str, Any] = yaml.safe_load((project / "template.yaml").read_text())
    function = template["Resources"]["DailyReportFunction"]["Properties"]
    schedule = function["Events"]["Schedule"]
    assert schedule["Type"] == "ScheduleV2"
    assert schedule["Properties"]["ScheduleExpression"] == "cron(0 6 ? * 2-6 *)"  # Sunday is 1
    assert schedule["Properties"]["ScheduleExpressionTimezone"] == "UTC"
    assert json.loads(schedule["Properties"]["Input"])["portafunc"]["schedule"] == "daily_report"
    entry = projects.load(project / "portafunc_entry_daily_report.py")
    entry.handler(scheduler_invocation("daily_report", time=TUESDAY), LambdaContext())
    assert projects.built_app(project).REPORTS[-1].day == MONDAY


def test_azure_a_timer_trigger_with_a_seconds_field(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch, projects: Any
) -> None:
    from portafunc_azure.testing import azure_function, invoke, timer_request

    project = projects.build("azure", tmp_path / "azure")
    assert "from app import app as _app" in (project / "function_app.py").read_text()
    monkeypatch.chdir(project)
    function_app = projects.load(project / "function_app.py").app
    [timer] = json.loads(azure_function(function_app, "daily_report").get_function_json())[
        "bindings"
    ]
    assert (timer["type"], timer["schedule"]) == ("timerTrigger", "0 0 6 * * 1-5")
    [http, _] = json.loads(azure_function(function_app, "latest_report").get_function_json())[
        "bindings"
    ]
    assert (http["route"], http["methods"], http["authLevel"]) == (
        "reports/latest",
        ["GET"],
        "FUNCTION",
    )
    invoke(function_app, "daily_report", timer_request(scheduled=TUESDAY))
    assert projects.built_app(project).REPORTS[-1].day == MONDAY


def test_gcp_a_cloud_scheduler_job_publishing_to_a_topic(
    tmp_path: Path, isolated: None, projects: Any
) -> None:
    from portafunc_gcp.testing import create_app, post_cloud_event, pubsub_event

    project = projects.build("gcp", tmp_path / "gcp")
    deploy = (project / "deploy.sh").read_text()
    assert "gcloud pubsub topics create daily-report-schedule" in deploy
    assert '--schedule "0 6 * * 1-5" --topic daily-report-schedule' in deploy
    assert "--time-zone UTC" in deploy
    assert "--trigger-topic=daily-report-schedule" in deploy
    sys.path.insert(0, str(project))  # the runtime runs main.py from its directory
    client = create_app(project / "main.py", "daily_report").test_client()
    event = pubsub_event({}, topic="daily-report-schedule", publish_time=TUESDAY)
    assert post_cloud_event(client, event).status_code == 200
    assert projects.built_app(project).REPORTS[-1].day == MONDAY
