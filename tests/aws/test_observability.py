"""Observability through the AWS adapter: the X-Ray trace of ``_X_AMZN_TRACE_ID`` (or an
HTTP request's ``X-Amzn-Trace-Id``) as a W3C trace id on the Context and in log lines
(``xray_trace_id`` in X-Ray's form), the cold-start flag, and an OpenTelemetry span."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from portafunc import App, Context, Message
from portafunc.context import TraceContext
from portafunc_aws import lambda_handler
from portafunc_aws.invocation import context_for, trace_context, trace_id, xray_trace
from portafunc_aws.testing import http_v2_event

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
TRACE = "5759e988bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"
HEADER = f"Root={ROOT};Parent={PARENT};Sampled=1"


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def shop(**options: Any) -> tuple[App, list[Context]]:
    app = App("shop", **options)
    seen: list[Context] = []

    @app.get("/orders/{id}")
    def get_order(id: str, ctx: Context) -> dict[str, str]:
        seen.append(ctx)
        ctx.logger.info("reading")
        return {"id": id}

    @app.queue("my-queue")
    def consume(msg: Message[bytes], ctx: Context) -> None:
        seen.append(ctx)
        ctx.logger.info("consuming")

    return app, seen


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER, TraceContext(TRACE, PARENT, True)),
        (f"Root={ROOT}", TraceContext(TRACE)),
        (f"Root={ROOT.upper()};Sampled=0", TraceContext(TRACE, None, False)),
        (f"Self=1-67891234-12456789abcdef012345678;Root={ROOT}", TraceContext(TRACE)),
        (f"Root={ROOT};Parent=xyz", TraceContext(TRACE)),
        ("Root=2-5759e988-bd862e3fe1be46a994272793", None),
        ("Root=1-5759e98-bd862e3fe1be46a9942727930", None),
        ("Root=1-5759e988-bd862e3fe1be46a99427279z", None),
        ("Parent=53995c3f42cd8ad8", None),
        ("", None),
        (None, None),
    ],
)
def test_xray_trace(header: object, expected: TraceContext | None) -> None:
    assert xray_trace(header) == expected


def test_the_trace_comes_from_the_environment_first(monkeypatch: pytest.MonkeyPatch) -> None:
    other = "Root=1-00000001-000000000000000000000001"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    assert trace_context({"x-amzn-trace-id": other}) == TraceContext(TRACE, PARENT, True)
    assert trace_id() == TRACE
    monkeypatch.delenv("_X_AMZN_TRACE_ID")
    assert trace_context({"x-amzn-trace-id": other}) == TraceContext(
        "00000001000000000000000000000001"
    )
    assert trace_context() is None
    assert trace_id() is None


def test_context_for_reads_the_trace_when_asked(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any
) -> None:
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    ctx = context_for(lambda_context)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)  # Lambda sets it per invocation
    assert (ctx.trace_id, ctx.span_id) == (TRACE, PARENT)
    monkeypatch.delenv("_X_AMZN_TRACE_ID")
    with_headers = context_for(lambda_context, {"x-amzn-trace-id": HEADER})
    assert with_headers.trace == TraceContext(TRACE, PARENT, True)


def test_http_invocation_trace_and_log_fields(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any, lines: io.StringIO
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    app, seen = shop()
    handler = lambda_handler(app)
    for _ in range(2):
        assert handler(http_v2_event("GET", "/orders/7"), lambda_context)["statusCode"] == 200
    assert [(ctx.trace_id, ctx.cold_start) for ctx in seen] == [(TRACE, True), (TRACE, False)]
    first, second = parsed(lines)
    assert first["provider"] == "aws"
    assert first["invocation_id"] == lambda_context.aws_request_id
    assert first["function"] == "get_order"
    assert (first["trace_id"], first["span_id"]) == (TRACE, PARENT)
    assert first["xray_trace_id"] == ROOT
    assert (first["cold_start"], second["cold_start"]) == (True, False)


def test_message_invocation_log_fields(
    monkeypatch: pytest.MonkeyPatch, lambda_context: Any, lines: io.StringIO, payload: Any
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    app, _ = shop()
    lambda_handler(app)(payload("queue/sqs-batch-two-records.json"), lambda_context)
    first, second = parsed(lines)
    assert (first["function"], first["xray_trace_id"]) == ("consume", ROOT)
    assert (first["cold_start"], second["cold_start"]) == (True, True)  # one invocation


def test_an_invocation_span_is_a_child_of_the_xray_parent(
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: Any,
    spans: InMemorySpanExporter,
    lines: io.StringIO,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    app, seen = shop(tracing=True)
    handler = lambda_handler(app)
    handler(http_v2_event("GET", "/orders/7"), lambda_context)
    handler(payload_of_two(), lambda_context)
    http, batch = spans.get_finished_spans()
    assert (http.name, batch.name) == ("get_order", "consume")
    assert http.parent is not None
    assert f"{http.parent.span_id:016x}" == PARENT
    assert f"{http.context.trace_id:032x}" == TRACE
    assert http.attributes is not None
    assert http.attributes["cloud.provider"] == "aws"
    assert http.attributes["faas.invocation_id"] == lambda_context.aws_request_id
    assert http.attributes["faas.coldstart"] is True
    assert batch.attributes is not None
    assert (batch.attributes["faas.trigger"], batch.attributes["faas.coldstart"]) == (
        "pubsub",
        False,
    )
    assert parsed(lines)[0]["span_id"] == f"{http.context.span_id:016x}"  # while it ran
    assert seen[0].span_id == PARENT  # the caller's again afterwards


def payload_of_two() -> dict[str, Any]:
    record = {
        "messageId": "m-1",
        "receiptHandle": "h",
        "body": "hello",
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
        "awsRegion": "us-east-2",
    }
    return {"Records": [record, {**record, "messageId": "m-2"}]}
