"""Observability through the GCP adapter: the trace of ``traceparent`` or
``X-Cloud-Trace-Context`` (HTTP) and of a CloudEvent's ``traceparent`` extension on the
Context and in log lines (``logging.googleapis.com/trace`` and ``/spanId``), the
cold-start flag, and an OpenTelemetry span."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import flask
import pytest
from cloudevents.http import CloudEvent
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from portafunc import App, Context, Message
from portafunc.context import TraceContext
from portafunc_gcp.entry import entry_points
from portafunc_gcp.invocation import cloud_trace, traceparent

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
PARENT = f"00-{TRACE}-{SPAN}-01"
CLOUD_TRACE = f"{TRACE}/1027871334010811884;o=1"
CLOUD_SPAN = f"{1027871334010811884:016x}"


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture(autouse=True)
def project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-proj")


def shop(**options: Any) -> tuple[dict[str, Any], list[Context]]:
    app = App("shop", **options)
    seen: list[Context] = []

    @app.get("/orders/{id}")
    def get_order(id: str, ctx: Context) -> dict[str, str]:
        seen.append(ctx)
        ctx.logger.info("reading")
        return {"id": id}

    @app.topic("orders")
    def ship(msg: Message[bytes], ctx: Context) -> None:
        seen.append(ctx)
        ctx.logger.info("shipping")

    return entry_points(app), seen


def get(entries: dict[str, Any], **headers: str) -> Any:
    with flask.Flask("test").test_request_context("/orders/7", headers=headers):
        return entries["shop"](flask.request)


def publish(entries: dict[str, Any], **attributes: str) -> None:
    message = {"messageId": "m-1", "data": base64.b64encode(b"box").decode()}
    event = CloudEvent(
        {
            "id": "ce-1",
            "source": "//pubsub.googleapis.com/projects/p/topics/orders",
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            **attributes,
        },
        {"message": message, "subscription": "s"},
    )
    entries["ship"](event)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PARENT, TraceContext(TRACE, SPAN, True)),
        (f"00-{TRACE}-{SPAN.upper()}-00", TraceContext(TRACE, SPAN, False)),
        (f"00-{TRACE}-{'0' * 16}-01", TraceContext(TRACE, None, True)),
        (f"00-{TRACE}-{SPAN}", None),
    ],
)
def test_traceparent(value: str, expected: TraceContext | None) -> None:
    assert traceparent(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (CLOUD_TRACE, TraceContext(TRACE, CLOUD_SPAN, True)),
        (f"{TRACE}/1;o=0", TraceContext(TRACE, "0000000000000001", False)),
        (f"{TRACE}/0;o=1", TraceContext(TRACE, None, True)),
        (f"{TRACE}/{2**64};o=1", TraceContext(TRACE, None, True)),
        (TRACE, TraceContext(TRACE)),
        ("not-a-trace/1;o=1", None),
    ],
)
def test_cloud_trace(value: str, expected: TraceContext | None) -> None:
    assert cloud_trace(value) == expected


@pytest.mark.parametrize(
    ("headers", "span"),
    [
        ({"traceparent": PARENT, "X-Cloud-Trace-Context": f"{'1' * 32}/5;o=1"}, SPAN),
        ({"X-Cloud-Trace-Context": CLOUD_TRACE}, CLOUD_SPAN),
    ],
)
def test_http_trace_and_log_fields(lines: io.StringIO, headers: dict[str, str], span: str) -> None:
    entries, seen = shop()
    assert get(entries, **headers).status_code == 200
    assert get(entries, **headers).status_code == 200
    assert [(ctx.trace_id, ctx.span_id, ctx.cold_start) for ctx in seen] == [
        (TRACE, span, True),
        (TRACE, span, False),
    ]
    first, second = parsed(lines)
    assert (first["provider"], first["function"]) == ("gcp", "get_order")
    assert first["logging.googleapis.com/trace"] == f"projects/my-proj/traces/{TRACE}"
    assert first["logging.googleapis.com/spanId"] == span
    assert (first["cold_start"], second["cold_start"]) == (True, False)


def test_cloudevent_trace_and_log_fields(lines: io.StringIO) -> None:
    entries, seen = shop()
    publish(entries, traceparent=PARENT)
    [ctx] = seen
    assert (ctx.invocation_id, ctx.trace_id, ctx.span_id, ctx.cold_start) == (
        "ce-1",
        TRACE,
        SPAN,
        True,
    )
    [line] = parsed(lines)
    assert (line["function"], line["invocation_id"]) == ("ship", "ce-1")
    assert line["logging.googleapis.com/trace"] == f"projects/my-proj/traces/{TRACE}"
    assert line["logging.googleapis.com/spanId"] == SPAN


def test_invocation_spans_are_children_of_the_callers(
    spans: InMemorySpanExporter, lines: io.StringIO
) -> None:
    entries, seen = shop(tracing=True)
    get(entries, **{"X-Cloud-Trace-Context": CLOUD_TRACE, "Function-Execution-Id": "exec-1"})
    publish(entries, traceparent=PARENT)
    http, event = spans.get_finished_spans()
    assert (http.name, event.name) == ("get_order", "ship")
    assert http.parent is not None
    assert f"{http.parent.span_id:016x}" == CLOUD_SPAN
    assert event.parent is not None
    assert f"{event.parent.span_id:016x}" == SPAN
    assert {f"{span.context.trace_id:032x}" for span in (http, event)} == {TRACE}
    assert http.attributes is not None
    assert event.attributes is not None
    assert (http.attributes["faas.invocation_id"], http.attributes["faas.coldstart"]) == (
        "exec-1",
        True,
    )
    assert (event.attributes["faas.trigger"], event.attributes["faas.coldstart"]) == (
        "pubsub",
        False,
    )
    assert parsed(lines)[0]["span_id"] == f"{http.context.span_id:016x}"  # while it ran
    assert seen[0].span_id == CLOUD_SPAN  # the caller's again afterwards
