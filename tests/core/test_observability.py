"""Observability in the core: the cold-start flag, the log fields, and the opt-in
OpenTelemetry span per invocation (``App(tracing=True)``), read with the SDK's
InMemorySpanExporter."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from portafunc import App, Context, HTTPRequest, Message, _tracing, pipeline
from portafunc.context import TraceContext
from portafunc.log import xray_form
from portafunc.testing import TestClient

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def shop(**options: Any) -> App:
    app = App("shop", **options)

    @app.get("/orders/{id}")
    def get_order(id: str, ctx: Context) -> dict[str, Any]:
        ctx.logger.info("reading", extra={"order": id})
        return {"id": id, "cold": ctx.cold_start, "trace": ctx.trace_id, "span": ctx.span_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("broken")

    @app.queue("orders")
    def ship(msg: Message[dict[str, Any]], ctx: Context) -> None:
        ctx.logger.info("shipping")
        if msg.data.get("fail"):
            raise ValueError("cannot ship")

    return app


def request(path: str) -> HTTPRequest:
    return HTTPRequest("GET", path)


def message(data: dict[str, Any], id: str = "m1") -> Message[Any]:
    return Message(id=id, body=json.dumps(data).encode(), source="orders")


# -- the cold-start flag -------------------------------------------------------------------


def test_only_the_first_invocation_of_an_app_is_a_cold_start() -> None:
    client = TestClient(shop())
    assert [client.get(f"/orders/{n}").json()["cold"] for n in range(3)] == [True, False, False]
    assert TestClient(shop()).get("/orders/1").json()["cold"] is True  # another app: cold


def test_a_message_invocation_is_a_cold_start_too() -> None:
    app = shop()
    contexts = [Context(provider="aws") for _ in range(2)]
    for ctx in contexts:
        pipeline.deliver(app, app.function("ship"), message({}), ctx)
    assert [ctx.cold_start for ctx in contexts] == [True, False]


def test_a_context_is_not_cold_by_default() -> None:
    assert Context(provider="aws").cold_start is False


# -- log fields ----------------------------------------------------------------------------


def test_log_lines_carry_the_invocation_fields(lines: io.StringIO) -> None:
    app = shop()
    ctx = Context(provider="azure", invocation_id="inv-1", trace_id=TraceContext(TRACE, SPAN))
    pipeline.handle_http(app, request("/orders/7"), ctx)
    pipeline.handle_http(app, request("/orders/8"), Context(provider="azure", trace_id=TRACE))
    first, second = parsed(lines)
    assert {key: first[key] for key in ("function", "provider", "invocation_id")} == {
        "function": "get_order",
        "provider": "azure",
        "invocation_id": "inv-1",
    }
    assert (first["cold_start"], second["cold_start"]) == (True, False)
    assert (first["trace_id"], first["span_id"], first["operation_Id"]) == (TRACE, SPAN, TRACE)
    assert "span_id" not in second  # a trace id without a span id
    assert first["order"] == "7"


def test_the_access_line_has_the_duration(lines: io.StringIO) -> None:
    app = shop(access_log=True)
    pipeline.handle_http(app, request("/orders/7"), Context(provider="gcp"))
    access = parsed(lines)[-1]
    assert access["message"] == "invocation finished"
    assert access["status"] == 200
    assert isinstance(access["duration_ms"], float)
    assert access["cold_start"] is True


def test_aws_lines_carry_the_xray_form_of_the_trace(lines: io.StringIO) -> None:
    pipeline.handle_http(shop(), request("/orders/7"), Context(provider="aws", trace_id=TRACE))
    [line] = parsed(lines)
    assert line["xray_trace_id"] == "1-4bf92f35-77b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize("variable", ["GOOGLE_CLOUD_PROJECT", "GCP_PROJECT"])
def test_gcp_lines_carry_the_trace_and_span_keys(
    lines: io.StringIO, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.delenv("GCP_PROJECT", raising=False)
    monkeypatch.setenv(variable, "my-proj")
    ctx = Context(provider="gcp", trace_id=TraceContext(TRACE, SPAN, True))
    pipeline.handle_http(shop(), request("/orders/7"), ctx)
    [line] = parsed(lines)
    assert line["logging.googleapis.com/trace"] == f"projects/my-proj/traces/{TRACE}"
    assert line["logging.googleapis.com/spanId"] == SPAN


def test_xray_form() -> None:
    assert xray_form(TRACE) == "1-4bf92f35-77b34da6a3ce929d0e0e4736"
    assert xray_form("abc") == "abc"


def test_trace_context_is_read_once_and_only_when_asked() -> None:
    calls: list[int] = []

    def read() -> TraceContext:
        calls.append(1)
        return TraceContext(TRACE, SPAN, True)

    ctx = Context(provider="gcp", trace_id=read)
    assert calls == []
    assert (ctx.trace_id, ctx.span_id, ctx.trace) == (TRACE, SPAN, TraceContext(TRACE, SPAN, True))
    assert calls == [1]


def test_a_plain_trace_id_has_no_span() -> None:
    ctx = Context(provider="local", trace_id=TRACE)
    assert (ctx.trace, ctx.span_id) == (TraceContext(TRACE), None)
    assert Context(provider="local").trace is None


# -- OpenTelemetry -------------------------------------------------------------------------


def test_without_tracing_no_span_is_made(spans: InMemorySpanExporter) -> None:
    TestClient(shop()).get("/orders/1")
    assert spans.get_finished_spans() == ()


def test_an_http_invocation_runs_in_a_span(spans: InMemorySpanExporter) -> None:
    app = shop(tracing=True)
    ctx = Context(provider="gcp", invocation_id="inv-1", trace_id=TraceContext(TRACE, SPAN, True))
    response = pipeline.handle_http(app, request("/orders/7"), ctx)
    [span] = spans.get_finished_spans()
    assert span.name == "get_order"
    assert span.kind is SpanKind.SERVER
    assert dict(span.attributes or {}) == {
        "faas.trigger": "http",
        "http.request.method": "GET",
        "cloud.provider": "gcp",
        "faas.invocation_id": "inv-1",
        "faas.coldstart": True,
        "http.response.status_code": 200,
    }
    assert span.parent is not None
    assert (f"{span.parent.trace_id:032x}", f"{span.parent.span_id:016x}") == (TRACE, SPAN)
    own = f"{span.context.span_id:016x}"
    assert json.loads(response.body) == {"id": "7", "cold": True, "trace": TRACE, "span": own}
    assert span.status.status_code is StatusCode.UNSET


def test_the_span_ids_reach_the_log_lines(spans: InMemorySpanExporter, lines: io.StringIO) -> None:
    pipeline.handle_http(shop(tracing=True), request("/orders/7"), Context(provider="azure"))
    [span] = spans.get_finished_spans()
    [line] = parsed(lines)
    assert line["trace_id"] == f"{span.context.trace_id:032x}"  # a new trace: there was none
    assert line["span_id"] == f"{span.context.span_id:016x}"


def test_a_failing_http_invocation_records_the_exception(spans: InMemorySpanExporter) -> None:
    response = pipeline.handle_http(shop(tracing=True), request("/boom"), Context(provider="aws"))
    assert response.status == 500
    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 500
    [event] = span.events
    assert event.name == "exception"
    assert event.attributes is not None
    assert event.attributes["exception.message"] == "broken"


def test_an_unrouted_request_is_named_by_its_method(spans: InMemorySpanExporter) -> None:
    pipeline.handle_http(shop(tracing=True), request("/nowhere"), Context(provider="aws"))
    [span] = spans.get_finished_spans()
    assert span.name == "GET"
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404


def test_a_message_span_and_its_failure(spans: InMemorySpanExporter) -> None:
    app = shop(tracing=True)
    ship = app.function("ship")
    pipeline.deliver(app, ship, message({}), Context(provider="aws", invocation_id="r-1"))
    with pytest.raises(ValueError, match="cannot ship"):
        pipeline.deliver(app, ship, message({"fail": True}), Context(provider="aws"))
    ok, failed = spans.get_finished_spans()
    assert (ok.name, failed.name) == ("ship", "ship")
    assert ok.attributes is not None
    assert ok.attributes["faas.trigger"] == "pubsub"
    assert (ok.attributes["faas.coldstart"], ok.attributes["faas.invocation_id"]) == (True, "r-1")
    assert ok.status.status_code is StatusCode.UNSET
    assert failed.status.status_code is StatusCode.ERROR
    assert [event.name for event in failed.events] == ["exception"]


def test_a_batch_is_one_span(spans: InMemorySpanExporter) -> None:
    app = shop(tracing=True)
    batch = [message({}, "m0"), message({"fail": True}, "m1"), message({}, "m2")]
    failed = pipeline.deliver_batch(app, app.function("ship"), batch, Context(provider="aws"))
    assert failed == [1]
    [span] = spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["messaging.batch.message_count"] == 3
    assert span.status.status_code is StatusCode.ERROR


def test_async_entry_points_are_traced(spans: InMemorySpanExporter) -> None:
    app = shop(tracing=True)

    async def both() -> None:
        await pipeline.handle_http_async(app, request("/orders/1"), Context(provider="azure"))
        await pipeline.deliver_async(
            app, app.function("ship"), message({}), Context(provider="azure")
        )
        await pipeline.deliver_batch_async(
            app, app.function("ship"), [message({})], Context(provider="azure")
        )

    asyncio.run(both())
    assert [span.name for span in spans.get_finished_spans()] == ["get_order", "ship", "ship"]


def test_an_active_span_is_the_parent(spans: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer("tests")
    ctx = Context(provider="aws", trace_id=TraceContext(TRACE, SPAN, True))
    with tracer.start_as_current_span("layer") as layer:
        pipeline.handle_http(shop(tracing=True), request("/orders/7"), ctx)
    invocation, outer = spans.get_finished_spans()
    assert invocation.parent is not None
    assert invocation.parent.span_id == layer.get_span_context().span_id
    assert outer.name == "layer"


def test_opentelemetry_is_not_imported_without_tracing() -> None:
    code = (
        "import sys\n"
        "from portafunc import App, Context, HTTPRequest, pipeline\n"
        "app = App('a')\n"
        "@app.get('/')\n"
        "def root() -> str:\n"
        "    return 'ok'\n"
        "pipeline.handle_http(app, HTTPRequest('GET', '/'), Context(provider='aws'))\n"
        "print(any(name.startswith('opentelemetry') for name in sys.modules))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_without_opentelemetry_tracing_warns_once_and_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_tracing, "_tracer", None)  # not looked up yet
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # not installed
    client = TestClient(shop(tracing=True))
    assert client.get("/orders/1").status == 200
    assert client.get("/boom").status == 500  # the failure path records nothing either
    assert client.get("/orders/2").status == 200
    warned = [r for r in caplog.records if "opentelemetry-api is not installed" in r.getMessage()]
    assert len(warned) == 1


def test_invocations_sharing_a_context_are_siblings(spans: InMemorySpanExporter) -> None:
    app = shop(tracing=True)
    ctx = Context(provider="aws", trace_id=TraceContext(TRACE, SPAN, True))
    for _ in range(2):  # as adapters deliver some batches, record by record
        pipeline.deliver(app, app.function("ship"), message({}), ctx)
    first, second = spans.get_finished_spans()
    assert first.parent is not None
    assert second.parent is not None
    assert first.parent.span_id == second.parent.span_id == int(SPAN, 16)
    assert ctx.trace == TraceContext(TRACE, SPAN, True)
