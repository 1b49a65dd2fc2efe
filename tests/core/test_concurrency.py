"""One app, many invocations at once: each keeps its own context, log fields and response.

Issue 8, part 4. Azure and GCP run handlers on threads, and async handlers share one
event loop, so the same app is driven here from 32 threads (through ``handle_http``, the
TestClient, the Azure wrapper and the GCP Flask app) and from 200 asyncio tasks (through
``handle_http_async``). Each handler sleeps a random moment, logs through a plain
``logging.getLogger(__name__)`` logger whose handler has portafunc's ContextFilter and
JSONFormatter, and echoes what it knows of its invocation; every response and every log
line must belong to the invocation that made it.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from portafunc import App, Context, HTTPRequest
from portafunc.context import current
from portafunc.log import ContextFilter, JSONFormatter
from portafunc.pipeline import handle_http, handle_http_async
from portafunc.testing import TestClient
from portafunc_azure import function_app
from portafunc_azure.testing import AzureContext, TraceContext, http_request, invoke
from portafunc_gcp.testing import create_app

TIMEOUT = 60
THREADS = 32
CALLS = 50

logger = logging.getLogger(__name__)
jitter = random.Random(8)

Echo = dict[str, Any]
#: (thread, call) -> (the item it asked for, what the handler echoed)
Call = Callable[[int, int], tuple[str, Echo]]


def echo(item: str, request: HTTPRequest, ctx: Context) -> Echo:
    logger.info("handled", extra={"item": item})
    return {
        "item": item,
        "invocation_id": ctx.invocation_id,
        "trace_id": ctx.trace_id,
        "request_id": request.request_id,
        "function": ctx.function,
        "current": current.get() is ctx,
    }


def make_app() -> tuple[App, list[int]]:
    """A fresh app, so that its start-up also happens under concurrency."""
    app = App("concurrent")
    starts: list[int] = []

    @app.on_startup
    def start() -> None:
        time.sleep(0.01)
        starts.append(1)

    @app.get("/items/{item}")
    def item(item: str, request: HTTPRequest, ctx: Context) -> Echo:
        time.sleep(jitter.uniform(0, 0.002))
        return echo(item, request, ctx)

    @app.get("/async-items/{item}")
    async def async_item(item: str, request: HTTPRequest, ctx: Context) -> Echo:
        await asyncio.sleep(jitter.uniform(0, 0.002))
        return echo(item, request, ctx)

    return app, starts


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The JSON lines the handlers' module logger writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    handler.addFilter(ContextFilter())
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def in_threads(call: Call, threads: int = THREADS, calls: int = CALLS) -> list[tuple[str, Echo]]:
    """``call(thread, n)`` for every n < ``calls`` on each of ``threads`` threads, all
    starting together."""
    barrier = threading.Barrier(threads, timeout=TIMEOUT)

    def work(thread: int) -> list[tuple[str, Echo]]:
        barrier.wait()
        return [call(thread, n) for n in range(calls)]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work, thread) for thread in range(threads)]
        return [result for future in futures for result in future.result(timeout=TIMEOUT)]


def check(
    results: list[tuple[str, Echo]], stream: io.StringIO, function: str, expected: int
) -> None:
    """Each response echoes its own request, and each log line its own invocation."""
    assert len(results) == expected
    by_invocation: dict[str, Echo] = {}
    for item, body in results:
        assert body["item"] == item
        assert body["function"] == function
        assert body["current"] is True
        assert body["invocation_id"]
        assert body["trace_id"]
        assert body["invocation_id"] not in by_invocation
        by_invocation[body["invocation_id"]] = body
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == expected
    for line in lines:
        body = by_invocation.pop(line["invocation_id"])  # KeyError: not its invocation
        assert (line["item"], line["trace_id"], line["function"]) == (
            body["item"],
            body["trace_id"],
            function,
        )
    assert by_invocation == {}  # every invocation logged exactly once


def ids(thread: int, n: int) -> tuple[str, str, str]:
    """Call ``n`` of ``thread``: its item, invocation id and trace id (32 hex digits,
    never all zero, which W3C reads as no trace)."""
    return f"{thread}-{n}", f"inv-{thread}-{n}", f"{thread + 1:016x}{n + 1:016x}"


# -- the pipeline and the TestClient ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/items", "/async-items"], ids=["sync", "async"])
def test_threads_through_handle_http(path: str, log_lines: io.StringIO) -> None:
    app, starts = make_app()

    def call(thread: int, n: int) -> tuple[str, Echo]:
        item, invocation, trace = ids(thread, n)
        request = HTTPRequest("GET", f"{path}/{item}", request_id=invocation)
        ctx = Context(provider="local", invocation_id=invocation, trace_id=trace)
        response = handle_http(app, request, ctx)
        assert response.status == 200, response
        body: Echo = json.loads(response.body)
        assert (body["invocation_id"], body["request_id"], body["trace_id"]) == (
            invocation,
            invocation,
            trace,
        )
        return item, body

    function = "item" if path == "/items" else "async_item"
    check(in_threads(call), log_lines, function, THREADS * CALLS)
    assert starts == [1]


def test_threads_through_the_test_client(log_lines: io.StringIO) -> None:
    app, starts = make_app()
    client = TestClient(app)

    def call(thread: int, n: int) -> tuple[str, Echo]:
        item = f"{thread}-{n}"
        response = client.get(f"/items/{item}")
        assert response.status == 200
        body: Echo = response.json()
        assert body["invocation_id"] == body["request_id"]
        return item, body

    check(in_threads(call), log_lines, "item", THREADS * CALLS)
    assert starts == [1]


def test_asyncio_tasks_through_handle_http_async(log_lines: io.StringIO) -> None:
    app, starts = make_app()
    tasks = 200

    async def call(n: int) -> tuple[str, Echo]:
        item, invocation, trace = ids(0, n)
        request = HTTPRequest("GET", f"/async-items/{item}", request_id=invocation)
        ctx = Context(provider="local", invocation_id=invocation, trace_id=trace)
        response = await handle_http_async(app, request, ctx)
        assert response.status == 200, response
        body: Echo = json.loads(response.body)
        assert (body["invocation_id"], body["trace_id"]) == (invocation, trace)
        return item, body

    async def main() -> list[tuple[str, Echo]]:
        return await asyncio.wait_for(asyncio.gather(*(call(n) for n in range(tasks))), TIMEOUT)

    check(asyncio.run(main()), log_lines, "async_item", tasks)
    assert starts == [1]


def test_asyncio_tasks_with_sync_handlers(log_lines: io.StringIO) -> None:
    """A sync handler under handle_http_async blocks the loop: they run one at a time,
    interleaved with the tasks' own awaits, and still keep apart."""
    app, _ = make_app()

    async def call(n: int) -> tuple[str, Echo]:
        item, invocation, trace = ids(1, n)
        await asyncio.sleep(0)
        request = HTTPRequest("GET", f"/items/{item}", request_id=invocation)
        ctx = Context(provider="local", invocation_id=invocation, trace_id=trace)
        body: Echo = json.loads((await handle_http_async(app, request, ctx)).body)
        return item, body

    async def main() -> list[tuple[str, Echo]]:
        return await asyncio.wait_for(asyncio.gather(*(call(n) for n in range(50))), TIMEOUT)

    check(asyncio.run(main()), log_lines, "item", 50)


# -- the clouds that run handlers on threads ------------------------------------------------


@pytest.mark.parametrize("path", ["/items", "/async-items"], ids=["sync", "async"])
def test_threads_through_the_azure_wrapper(path: str, log_lines: io.StringIO) -> None:
    app, _ = make_app()
    functions = function_app(app)
    name = "item" if path == "/items" else "async_item"

    def call(thread: int, n: int) -> tuple[str, Echo]:
        item, invocation, trace = ids(thread, n)
        parent = TraceContext(trace_parent=f"00-{trace}-{n + 1:016x}-01")
        context = AzureContext(name, invocation_id=invocation, trace_context=parent)
        response = invoke(functions, name, http_request("GET", f"{path}/{item}"), context=context)
        assert response.status_code == 200
        body: Echo = json.loads(response.get_body())
        assert (body["invocation_id"], body["request_id"], body["trace_id"]) == (
            invocation,
            invocation,
            trace,
        )
        return item, body

    check(in_threads(call, 16, 25), log_lines, name, 16 * 25)


def test_threads_through_the_gcp_flask_app(log_lines: io.StringIO) -> None:
    app, _ = make_app()
    flask_app = create_app(app, app.name)

    def call(thread: int, n: int) -> tuple[str, Echo]:
        item, invocation, trace = ids(thread, n)
        headers = {
            "Function-Execution-Id": invocation,
            "traceparent": f"00-{trace}-{n + 1:016x}-01",
        }
        response = flask_app.test_client().get(f"/items/{item}", headers=headers)
        assert response.status_code == 200
        body: Echo = json.loads(response.get_data())
        assert (body["invocation_id"], body["request_id"], body["trace_id"]) == (
            invocation,
            invocation,
            trace,
        )
        return item, body

    check(in_threads(call, 16, 25), log_lines, "item", 16 * 25)
