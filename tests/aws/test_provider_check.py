"""``check --provider aws``: what AWS cannot express (errors) or does differently (warnings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portafunc import App, ChangeEvent, HTTPRequest, Message, ScheduleEvent, StorageEvent
from portafunc.providers import Finding
from portafunc_aws._provider import provider

Declare = Callable[[App], None]


def findings(declare: Declare) -> list[Finding]:
    app = App("checked")
    declare(app)
    return provider.check(app)


def levels(declare: Declare) -> list[tuple[str, str | None]]:
    return [(f.level, f.function) for f in findings(declare)]


def only(declare: Declare, level: str) -> Finding:
    found = [f for f in findings(declare) if f.level == level]
    assert len(found) == 1, found
    return found[0]


def test_an_app_aws_runs_as_declared_has_nothing_to_report() -> None:
    def declare(app: App) -> None:
        @app.get("/health")
        def health() -> str:
            return "ok"

        @app.queue("jobs", batch_size=10, max_attempts=3)
        def job(msg: Message[bytes]) -> None: ...

        @app.topic("news")
        def news(msg: Message[str]) -> None: ...

        @app.schedule("*/5 * * * *")
        def tick(event: ScheduleEvent) -> None: ...

    assert findings(declare) == []


def test_a_cron_aws_cannot_write_is_an_error() -> None:
    def declare(app: App) -> None:
        @app.schedule("0 0 1 * 1")
        def first_or_monday(event: ScheduleEvent) -> None: ...

    found = only(declare, "error")
    assert found.function == "first_or_monday"
    assert "AWS EventBridge cannot express" in found.message


def test_unknown_aws_options_are_errors_and_stop_the_other_rules() -> None:
    def declare(app: App) -> None:
        @app.queue("jobs", aws={"arn": 5, "fifoo": True})
        def job(msg: Message[bytes]) -> None: ...

    found = only(declare, "error")
    assert "fifoo" in found.message
    assert levels(declare) == [("error", "job")]


@pytest.mark.parametrize(
    ("kind", "settings", "expected"),
    [
        ("queue", {"timeout": 901}, "900 s"),
        ("queue", {"memory": 64}, "128 to 10240 MB"),
        ("queue", {"batch_size": 10001}, "at most 10000"),
        ("fifo", {"batch_size": 11}, "at most 10 "),
        ("stream", {"batch_size": 20000}, "at most 10000"),
        ("queue", {"max_attempts": 1001}, "1000 attempts"),
        ("changes", {"max_attempts": 10002}, "10001 attempts"),
    ],
)
def test_settings_beyond_aws_limits_are_errors(
    kind: str, settings: dict[str, Any], expected: str
) -> None:
    def declare(app: App) -> None:
        def handler(msg: Message[bytes]) -> None: ...

        def changed(change: ChangeEvent[dict[str, Any]]) -> None: ...

        if kind == "fifo":
            app.queue("jobs.fifo", **settings)(handler)
        elif kind == "changes":
            app.changes("items", **settings)(changed)
        else:
            getattr(app, kind)("jobs", **settings)(handler)

    assert expected in only(declare, "error").message


def test_settings_aws_ignores_or_caps_are_warnings() -> None:
    def declare(app: App) -> None:
        @app.topic("news", batch_size=5, max_attempts=4)
        def news(msg: Message[str]) -> None: ...

        @app.get("/slow", timeout=60)
        def slow() -> None: ...

    messages = [f.message for f in findings(declare) if f.level == "warning"]
    assert any("batch_size=5 is not used" in m for m in messages)
    assert any("max_attempts=4: AWS makes 3 attempts at most" in m for m in messages)
    assert any("an HTTP API answers 503 after 30 s" in m for m in messages)
    assert not [f for f in findings(declare) if f.level == "error"]


def test_names_that_lose_characters_are_warnings_and_collisions_errors() -> None:
    def declare(app: App) -> None:
        @app.queue("a", name="send-mail")
        def first(msg: Message[bytes]) -> None: ...

        @app.queue("b", name="send_mail")
        def second(msg: Message[bytes]) -> None: ...

        @app.queue("c", name="\u00e9\u00e8")
        def third(msg: Message[bytes]) -> None: ...

    found = findings(declare)
    warning = next(f for f in found if f.function == "send-mail")
    assert "SendMailFunction" in warning.message
    assert "portafunc_entry_send_mail" in warning.message
    errors = [f.message for f in found if f.level == "error"]
    assert any("'send-mail'" in m and "'send_mail'" in m for m in errors)
    assert any("has none" in m for m in errors)


def test_resource_names_aws_refuses_are_errors_unless_the_resource_exists() -> None:
    def declare(app: App) -> None:
        @app.queue("orders.v2")
        def bad_queue(msg: Message[bytes]) -> None: ...

        @app.changes("ab")
        def short_table(change: ChangeEvent[dict[str, Any]]) -> None: ...

        @app.queue("x" * 77)
        def long_queue(msg: Message[bytes]) -> None: ...

        @app.queue("orders.v3", aws={"arn": "arn:aws:sqs:us-east-1:123456789012:orders-v3"})
        def existing(msg: Message[bytes]) -> None: ...

    errors = {f.function: f.message for f in findings(declare) if f.level == "error"}
    assert set(errors) == {"bad_queue", "short_table", "long_queue"}
    assert "SQS queue names" in errors["bad_queue"]
    assert "DynamoDB table names" in errors["short_table"]


def test_an_sns_fifo_topic_is_an_error() -> None:
    def declare(app: App) -> None:
        @app.topic("prices.fifo")
        def price(msg: Message[bytes]) -> None: ...

    assert "FIFO" in only(declare, "error").message


def test_existing_resources_list_what_the_user_must_do() -> None:
    def declare(app: App) -> None:
        @app.queue("jobs", aws={"arn": "arn:aws:sqs:us-east-1:123456789012:jobs-prod"})
        def job(msg: Message[bytes]) -> None: ...

        @app.storage("files", aws={"arn": "arn:aws:s3:::files-prod"})
        def upload(event: StorageEvent) -> None: ...

        @app.schedule("0 0 * * *", aws={"arn": "arn:aws:events:us-east-1:1:rule/nightly"})
        def nightly(event: ScheduleEvent) -> None: ...

    messages = {f.function: f.message for f in findings(declare)}
    assert "jobs-prod" in messages["job"]
    assert "redrive policy" in messages["job"]
    assert "--bucket files-prod --notification-configuration" in messages["upload"]
    assert """'{"EventBridgeConfiguration": {}}'""" in messages["upload"]
    assert "add the function as a target" in messages["nightly"]


def test_a_table_arn_is_not_a_stream_arn() -> None:
    def declare(app: App) -> None:
        table = "arn:aws:dynamodb:us-east-1:123456789012:table/items"

        @app.changes("items", aws={"arn": table})
        def changed(change: ChangeEvent[dict[str, Any]]) -> None: ...

    assert "stream ARN" in only(declare, "error").message


def test_ordered_sources_warn_that_a_failure_holds_back_what_follows() -> None:
    def declare(app: App) -> None:
        @app.stream("clicks", max_attempts=2)
        def click(msg: Message[bytes]) -> None: ...

        @app.queue("orders.fifo")
        def ordered(msg: Message[bytes]) -> None: ...

    messages = {f.function: f.message for f in findings(declare)}
    assert "2 attempts in all" in messages["click"]
    assert "ClickFunctionFailures" in messages["click"]
    assert "message group" in messages["ordered"]


def test_two_functions_on_one_queue_split_its_messages() -> None:
    def declare(app: App) -> None:
        @app.queue("jobs")
        def first(msg: Message[bytes]) -> None: ...

        @app.queue("jobs")
        def second(msg: Message[bytes]) -> None: ...

    assert "first, second share queue 'jobs'" in only(declare, "warning").message


def test_overlapping_s3_notifications_are_errors() -> None:
    def declare(app: App) -> None:
        @app.storage("files", prefix="in/")
        def everything(event: StorageEvent) -> None: ...

        @app.storage("files", prefix="in/csv/", suffix=".csv")
        def csvs(event: StorageEvent) -> None: ...

        @app.storage("files", prefix="out/")
        def elsewhere(event: StorageEvent) -> None: ...

        @app.storage("files", events=("deleted",), prefix="in/")
        def deletions(event: StorageEvent) -> None: ...

    found = only(declare, "error")
    assert (found.function, "everything and csvs" in found.message) == ("csvs", True)


def test_created_buckets_and_tables_say_how_they_are_named_and_keyed() -> None:
    def declare(app: App) -> None:
        @app.storage("files")
        def upload(event: StorageEvent) -> None: ...

        @app.changes("items")
        def changed(change: ChangeEvent[dict[str, Any]]) -> None: ...

    messages = {f.function: f.message for f in findings(declare)}
    assert "FilesBucketName" in messages["upload"]
    assert "partition key 'id' (a string)" in messages["changed"]


def test_http_functions_with_different_settings_share_one_lambda_function() -> None:
    def declare(app: App) -> None:
        @app.get("/a", memory=256)
        def a(request: HTTPRequest) -> None: ...

        @app.get("/b")
        def b(request: HTTPRequest) -> None: ...

    assert "deploy as one Lambda function" in only(declare, "warning").message
