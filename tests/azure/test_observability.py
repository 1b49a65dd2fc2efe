"""Observability through the Azure adapter: the W3C trace of the invocation's
``trace_context.trace_parent`` on the Context and in log lines (``operation_Id``, the key
Application Insights correlates on), the cold-start flag, and an OpenTelemetry span."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from portafunc import App, Context, Message
from portafunc.context import TraceContext
from portafunc_azure import function_app
from portafunc_azure.invocation import context_for, trace_context, trace_id

TRACE = "0af7651916cd43dd8448eb211c80319c"
SPAN = "b7ad6b7169203331"
PARENT = f"00-{TRACE}-{SPAN}-01"


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def azure_context(parent: str | None = PARENT, invocation: str = "inv-1") -> Any:
    """The fields of ``azure.functions.Context`` portafunc reads."""
    return SimpleNamespace(
        invocation_id=invocation,
        function_name="f",
        trace_context=SimpleNamespace(trace_parent=parent),
    )


def shop(**options: Any) -> tuple[func.FunctionApp, list[Context]]:
    app = App("shop", **options)
    seen: list[Context] = []

    @app.get("/orders/{id}")
    def get_order(id: str, ctx: Context) -> dict[str, str]:
        seen.append(ctx)
        ctx.logger.info("reading")
        return {"id": id}

    @app.queue("orders")
    def ship(msg: Message[bytes], ctx: Context) -> None:
        seen.append(ctx)
        ctx.logger.info("shipping")

    return function_app(app), seen


def call(app: func.FunctionApp, name: str, context: Any, **bindings: Any) -> Any:
    """Call the wrapper as the worker does: binding arguments and ``context``."""
    for builder in app._function_builders:
        if builder._function.get_function_name() == name:
            result = builder.build().get_user_function()(**bindings, context=context)
            return asyncio.run(result) if inspect.iscoroutine(result) else result
    raise LookupError(name)


def get_order(app: func.FunctionApp, context: Any) -> Any:
    request = func.HttpRequest(
        "GET", "http://localhost:7071/api/orders/7", body=b"", route_params={"id": "7"}
    )
    return call(app, "get_order", context, req=request)


def ship(app: func.FunctionApp, context: Any) -> None:
    message = func.QueueMessage(id="q-1", body=b"box")
    call(app, "ship", context, msg=message)


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        (PARENT, TraceContext(TRACE, SPAN, True)),
        (f"00-{TRACE.upper()}-{SPAN}-00", TraceContext(TRACE, SPAN, False)),
        (f"00-{TRACE}-{'0' * 16}-01", TraceContext(TRACE, None, True)),
        (f"00-{'0' * 32}-{SPAN}-01", None),
        (f"00-{TRACE[:-1]}z-{SPAN}-01", None),
        ("00-abc", None),
        (None, None),
    ],
)
def test_trace_context(parent: str | None, expected: TraceContext | None) -> None:
    assert trace_context(azure_context(parent)) == expected
    assert trace_id(azure_context(parent)) == (expected and expected.trace_id)


def test_context_for_reads_the_trace_lazily() -> None:
    ctx = context_for(azure_context())
    assert ctx.trace == TraceContext(TRACE, SPAN, True)
    assert (ctx.provider, ctx.invocation_id, ctx.span_id) == ("azure", "inv-1", SPAN)


def test_http_and_queue_invocations_log_fields(lines: io.StringIO) -> None:
    app, seen = shop()
    assert get_order(app, azure_context(invocation="inv-1")).status_code == 200
    ship(app, azure_context(invocation="inv-2"))
    assert [(ctx.trace_id, ctx.cold_start) for ctx in seen] == [(TRACE, True), (TRACE, False)]
    first, second = parsed(lines)
    assert (first["function"], first["invocation_id"], first["cold_start"]) == (
        "get_order",
        "inv-1",
        True,
    )
    assert (second["function"], second["invocation_id"], second["cold_start"]) == (
        "ship",
        "inv-2",
        False,
    )
    for line in (first, second):
        assert (line["provider"], line["trace_id"], line["operation_Id"]) == ("azure", TRACE, TRACE)
        assert line["span_id"] == SPAN


def test_invocation_spans_are_children_of_the_trace_parent(
    spans: InMemorySpanExporter, lines: io.StringIO
) -> None:
    app, seen = shop(tracing=True)
    get_order(app, azure_context(invocation="inv-1"))
    ship(app, azure_context(invocation="inv-2"))
    http, queue = spans.get_finished_spans()
    assert (http.name, queue.name) == ("get_order", "ship")
    for span in (http, queue):
        assert span.parent is not None
        assert f"{span.parent.span_id:016x}" == SPAN
        assert f"{span.context.trace_id:032x}" == TRACE
    assert http.attributes is not None
    assert queue.attributes is not None
    assert http.attributes["faas.invocation_id"] == "inv-1"
    assert http.attributes["http.response.status_code"] == 200
    assert (http.attributes["faas.coldstart"], queue.attributes["faas.coldstart"]) == (True, False)
    assert queue.attributes["faas.trigger"] == "pubsub"
    assert parsed(lines)[1]["span_id"] == f"{queue.context.span_id:016x}"  # while it ran
    assert seen[1].span_id == SPAN  # the caller's again afterwards
