"""lambda_handler: one matching loop over every source, routing, pinning, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    Message,
    ScheduleEvent,
    StorageEvent,
)
from portafunc.errors import DeclarationError, NoSuchFunction, UnsupportedEvent
from portafunc.triggers import ACTIONS
from portafunc_aws import lambda_handler
from portafunc_aws.matching import SOURCES, match
from portafunc_aws.testing import http_v2_event

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
SUPPORTED = sorted(
    path
    for path in PAYLOADS.rglob("*.json")
    if path.parent.name != "other" and not path.name.startswith("apigw-websocket-")
)
REFUSED = sorted(
    path
    for path in PAYLOADS.rglob("*.json")
    if path.parent.name == "other" or path.name.startswith("apigw-websocket-")
)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_the_corpus_is_all_here() -> None:
    assert len(SUPPORTED) == 56
    assert len(REFUSED) == 13


@pytest.mark.parametrize("path", SUPPORTED, ids=_id)
def test_every_supported_payload_matches_exactly_one_source(path: Path) -> None:
    event = _load(path)
    matching = [type(source).__name__ for source in SOURCES if source.matches(event)]
    assert len(matching) == 1, matching


@pytest.mark.parametrize("path", REFUSED, ids=_id)
def test_payloads_of_unsupported_sources_are_refused_naming_their_keys(path: Path) -> None:
    event = _load(path)
    assert not [source for source in SOURCES if source.matches(event)]
    with pytest.raises(UnsupportedEvent, match="keys") as caught:
        lambda_handler(App("empty"))(event, None)
    assert sorted(event)[0] in str(caught.value)


@pytest.mark.parametrize("event", [None, [], "text", 42, b"{}"])
def test_a_payload_that_is_not_a_json_object_is_refused(event: Any) -> None:
    with pytest.raises(UnsupportedEvent, match="not a JSON object"):
        match(event)


def test_a_message_for_an_undeclared_queue_is_no_such_function(lambda_context: Any) -> None:
    event = _load(PAYLOADS / "queue" / "sqs-batch-two-records.json")
    app = App("shop")

    @app.queue("another-queue")
    def consume(message: Message[Any]) -> None: ...

    with pytest.raises(NoSuchFunction, match="my-queue"):  # the batch is retried, then DLQ'd
        lambda_handler(app)(event, lambda_context)


def test_an_event_for_an_undeclared_bucket_raises_no_such_function(lambda_context: Any) -> None:
    event = _load(PAYLOADS / "storage" / "s3-object-created-put.json")
    with pytest.raises(NoSuchFunction):
        lambda_handler(App("shop"))(event, lambda_context)


def test_routing_by_the_queue_name_and_by_an_arn_option(lambda_context: Any) -> None:
    event = _load(PAYLOADS / "queue" / "sqs-batch-two-records.json")
    arn = event["Records"][0]["eventSourceARN"]
    seen: list[str] = []
    by_name, by_arn = App("by-name"), App("by-arn")

    @by_name.queue("my-queue")
    def named(message: Message[bytes]) -> None:
        seen.append(f"name:{message.id}")

    @by_arn.queue("orders", aws={"arn": arn})
    def armed(message: Message[bytes]) -> None:
        seen.append(f"arn:{message.id}")

    assert lambda_handler(by_name)(event, lambda_context) == {"batchItemFailures": []}
    assert lambda_handler(by_arn)(event, lambda_context) == {"batchItemFailures": []}
    ids = [record["messageId"] for record in event["Records"]]
    assert seen == [f"name:{i}" for i in ids] + [f"arn:{i}" for i in ids]


def test_a_pinned_handler_serves_its_function_whatever_the_resource(lambda_context: Any) -> None:
    event = _load(PAYLOADS / "storage" / "s3-object-created-put.json")
    app = App("shop")
    seen: list[StorageEvent] = []

    @app.storage("declared-elsewhere")
    def on_upload(event: StorageEvent) -> None:
        seen.append(event)

    @app.storage("another")
    def other(event: StorageEvent) -> None:
        raise AssertionError("not pinned")

    lambda_handler(app, "on_upload")(event, lambda_context)
    assert [e.key for e in seen] == [event["Records"][0]["s3"]["object"]["key"]]


def test_pinning_an_unknown_function_fails_at_import() -> None:
    with pytest.raises(NoSuchFunction, match="nope"):
        lambda_handler(App("shop"), "nope")


def test_unknown_aws_options_are_refused_when_the_handler_is_made() -> None:
    app = App("shop")

    @app.queue("orders", aws={"arn": "arn:aws:sqs:us-east-1:1:orders", "batch_window": 5})
    def consume(message: Message[Any]) -> None: ...

    with pytest.raises(DeclarationError, match=r"unknown aws= option.*batch_window"):
        lambda_handler(app)


def test_aws_option_types_are_checked() -> None:
    app = App("shop")

    @app.queue("orders", aws={"fifo": "yes"})
    def consume(message: Message[Any]) -> None: ...

    with pytest.raises(DeclarationError, match=r"fifo.*must be bool"):
        lambda_handler(app)


#: Payloads delivered without calling a handler, and why.
ACKNOWLEDGED = {
    "storage/s3-test-event-notification": "S3's s3:TestEvent when a notification is configured",
    "storage/s3-replication-operation-failed": "replication events are not a storage action",
}
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _app_for(path: Path, event: Any, calls: list[Any]) -> App:
    """An app whose one function (named ``f``) serves the payload's trigger kind."""
    app = App("corpus")
    kind = path.parent.name

    if kind == "http":
        app.http(_ALL_METHODS, "/{path:path}")(_http_recorder(calls))
        app.http(_ALL_METHODS, "/", name="root")(_http_recorder(calls))
    elif kind in ("queue", "stream"):
        declare = app.queue if kind == "queue" else app.stream
        declare("anything", name="f")(_message_recorder(calls))
    elif kind == "topic":
        app.topic("anything", name="f")(_message_recorder(calls))
    elif kind == "event":
        app.event(type=event["detail-type"], name="f")(_event_recorder(calls))
    elif kind == "schedule":
        app.schedule("*/5 * * * *", name="f")(_schedule_recorder(calls))
    elif kind == "storage":
        app.storage("anything", events=ACTIONS, name="f")(_storage_recorder(calls))
    elif kind == "database":
        app.changes("anything", name="f")(_change_recorder(calls))
    return app


def _http_recorder(calls: list[Any]) -> Any:
    def serve(request: HTTPRequest) -> str:
        calls.append(request)
        return "ok"

    return serve


def _message_recorder(calls: list[Any]) -> Any:
    def consume(message: Message[bytes]) -> None:
        calls.append(message)

    return consume


def _event_recorder(calls: list[Any]) -> Any:
    def on_event(event: Event[Any]) -> None:
        calls.append(event)

    return on_event


def _schedule_recorder(calls: list[Any]) -> Any:
    def tick(event: ScheduleEvent) -> None:
        calls.append(event)

    return tick


def _storage_recorder(calls: list[Any]) -> Any:
    def on_object(event: StorageEvent) -> None:
        calls.append(event)

    return on_object


def _change_recorder(calls: list[Any]) -> Any:
    def on_change(change: ChangeEvent[Any]) -> None:
        calls.append(change)

    return on_change


@pytest.mark.parametrize("path", SUPPORTED, ids=_id)
def test_every_supported_payload_runs_through_lambda_handler_to_a_handler(
    path: Path, lambda_context: Any
) -> None:
    event = _load(path)
    calls: list[Any] = []
    app = _app_for(path, event, calls)
    handler = lambda_handler(app) if path.parent.name == "http" else lambda_handler(app, "f")
    response = handler(event, lambda_context)
    if _id(path) in ACKNOWLEDGED:
        assert calls == []
        return
    assert calls, "the handler was not called"
    assert all(envelope.provider == "aws" for envelope in calls)
    if path.parent.name == "http":
        assert response["statusCode"] == 200
    elif isinstance(response, dict) and "batchItemFailures" in response:
        assert response["batchItemFailures"] == []


def test_a_handler_pinned_to_an_http_function_serves_only_its_routes(
    lambda_context: Any,
) -> None:
    app = App("shop")

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> str:
        return order_id

    @app.get("/health")
    def health() -> str:
        return "ok"

    handler = lambda_handler(app, "get_order")
    assert handler(http_v2_event("GET", "/orders/7"), lambda_context)["body"] == "7"
    assert handler(http_v2_event("GET", "/health"), lambda_context)["statusCode"] == 404
    assert handler(http_v2_event("GET", "/nowhere"), lambda_context)["statusCode"] == 404
    assert handler(http_v2_event("POST", "/orders/7"), lambda_context)["statusCode"] == 405


def test_an_http_request_for_a_handler_pinned_to_a_queue_is_no_such_function(
    lambda_context: Any,
) -> None:
    app = App("shop")

    @app.queue("orders")
    def consume(message: Message[Any]) -> None: ...

    with pytest.raises(NoSuchFunction, match="queue function 'consume'"):
        lambda_handler(app, "consume")(http_v2_event("GET", "/"), lambda_context)
