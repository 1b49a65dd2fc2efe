"""Tests for portafunc.pipeline and portafunc._aio: responses, errors, delivery, concurrency."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import BaseModel, Field

from portafunc import (
    App,
    Context,
    Event,
    HTTPError,
    HTTPRequest,
    HTTPResponse,
    InvalidPayload,
    Message,
    StorageEvent,
    pipeline,
)
from portafunc.context import current
from portafunc.log import ContextFilter

PROBLEM = "application/problem+json"
SECRET = "password=hunter2 at db.internal:5432"


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


class AppError(Exception):
    pass


class OutOfStock(AppError):
    pass


def context(invocation_id: str = "inv-1") -> Context:
    return Context(provider="local", invocation_id=invocation_id)


def call(
    app: App,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    invocation_id: str = "inv-1",
    raise_server_exceptions: bool = False,
) -> HTTPResponse:
    request = HTTPRequest(method, path, body=body)
    return pipeline.handle_http(
        app, request, context(invocation_id), raise_server_exceptions=raise_server_exceptions
    )


def message(data: Any, id: str = "m-1") -> Message[Any]:
    return Message(id=id, body=json.dumps(data).encode(), source="orders")


def problem_of(response: HTTPResponse) -> dict[str, Any]:
    """The problem JSON of ``response``, checking what every problem response has."""
    assert response.header("content-type") == PROBLEM
    body: dict[str, Any] = json.loads(response.body)
    assert body["type"] == "about:blank"
    assert body["status"] == response.status
    return body


@contextmanager
def invocation_fields(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture portafunc's records with the invocation fields ContextFilter adds."""
    context_filter = ContextFilter()
    caplog.handler.addFilter(context_filter)
    try:
        with caplog.at_level(logging.DEBUG, logger="portafunc"):
            yield
    finally:
        caplog.handler.removeFilter(context_filter)


# -- results as responses -------------------------------------------------------------------


def test_http_response_is_returned_as_is() -> None:
    app = App("shop")
    prepared = HTTPResponse(302, headers=[("location", "/elsewhere")])

    @app.get("/go", status=201)
    def go() -> HTTPResponse:
        return prepared

    assert call(app, "GET", "/go") is prepared


@pytest.mark.parametrize(
    ("result", "status", "expected_status", "content_type", "body"),
    [
        (None, None, 204, None, b""),
        (None, 201, 201, None, b""),
        (None, 202, 202, None, b""),
        ("héllo", None, 200, "text/plain; charset=utf-8", "héllo".encode()),
        ("made", 201, 201, "text/plain; charset=utf-8", b"made"),
        (b"\x00\xff", None, 200, "application/octet-stream", b"\x00\xff"),
        (b"raw", 202, 202, "application/octet-stream", b"raw"),
        (Order(id="a", qty=2), None, 200, "application/json", b'{"id":"a","qty":2}'),
        (Order(id="a", qty=2), 201, 201, "application/json", b'{"id":"a","qty":2}'),
        ({"ok": True}, None, 200, "application/json", b'{"ok":true}'),
        ([Order(id="a", qty=1), 3], 200, 200, "application/json", b'[{"id":"a","qty":1},3]'),
        (0, None, 200, "application/json", b"0"),
        ("", None, 200, "text/plain; charset=utf-8", b""),
    ],
)
def test_results_become_responses(
    result: object,
    status: int | None,
    expected_status: int,
    content_type: str | None,
    body: bytes,
) -> None:
    app = App("shop")

    @app.post("/things", status=status)
    def handler() -> object:
        return result

    response = call(app, "POST", "/things")
    assert response.status == expected_status
    assert response.header("content-type") == content_type
    assert response.body == body


def test_async_handler_results_follow_the_same_rules() -> None:
    app = App("shop")

    @app.post("/orders", status=201)
    async def create(order: Order) -> Order:
        await asyncio.sleep(0)
        return order

    response = call(app, "POST", "/orders", b'{"id": "a", "qty": 3}')
    assert response.status == 201
    assert json.loads(response.body) == {"id": "a", "qty": 3}


def test_unserialisable_result_is_500() -> None:
    app = App("shop")

    @app.get("/odd")
    def odd() -> object:
        return object()

    assert call(app, "GET", "/odd").status == 500


# -- errors as problem JSON -----------------------------------------------------------------


def test_malformed_json_is_400() -> None:
    app = App("shop")

    @app.post("/orders")
    def create(order: Order) -> Order:
        raise AssertionError("not called")

    response = call(app, "POST", "/orders", b'{"id": "a", ')
    assert response.status == 400
    assert problem_of(response)["title"] == "Bad Request"


def test_validation_failure_is_422_listing_the_errors() -> None:
    app = App("shop")

    @app.post("/orders")
    def create(order: Order) -> Order:
        raise AssertionError("not called")

    response = call(app, "POST", "/orders", b'{"id": "a", "qty": 0}')
    assert response.status == 422
    body = problem_of(response)
    assert body["title"] == "Unprocessable Content"
    [error] = body["errors"]
    assert error["loc"] == ["body", "qty"]
    assert error["type"] == "greater_than"
    assert isinstance(error["msg"], str)


def test_invalid_path_parameter_is_422() -> None:
    app = App("shop")

    @app.get("/orders/{id}")
    def read(id: int) -> int:
        return id

    assert call(app, "GET", "/orders/7").body == b"7"
    response = call(app, "GET", "/orders/seven")
    assert response.status == 422
    assert problem_of(response)["errors"][0]["loc"] == ["path", "id"]


def test_no_route_is_404() -> None:
    app = App("shop")

    @app.get("/orders")
    def orders() -> None:
        return None

    response = call(app, "GET", "/customers")
    assert response.status == 404
    assert problem_of(response)["title"] == "Not Found"


def test_wrong_method_is_405_with_allow() -> None:
    app = App("shop")

    @app.http(["GET", "POST"], "/orders/{id}")
    def orders(id: str) -> None:
        return None

    @app.put("/orders/{id}")
    def replace(id: str) -> None:
        return None

    response = call(app, "DELETE", "/orders/1")
    assert response.status == 405
    assert response.header("allow") == "GET, HEAD, POST, PUT"
    assert problem_of(response)["title"] == "Method Not Allowed"


def test_http_error_raised_by_a_handler_is_answered_with_its_headers() -> None:
    app = App("shop")

    @app.post("/orders")
    def create() -> None:
        raise HTTPError(409, "order a exists", headers={"retry-after": "5"})

    response = call(app, "POST", "/orders")
    assert response.status == 409
    assert response.header("retry-after") == "5"
    assert problem_of(response) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "order a exists",
    }


def test_unhandled_error_is_500_without_details_and_logged_with_invocation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("shop")
    error = RuntimeError(SECRET)

    @app.get("/boom")
    def boom() -> None:
        raise error

    with invocation_fields(caplog):
        response = call(app, "GET", "/boom", invocation_id="inv-500")

    assert response.status == 500
    assert problem_of(response) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
    }
    text = response.body.decode()
    for leak in (SECRET, "hunter2", "RuntimeError", "Traceback", "boom"):
        assert leak not in text
    assert all(SECRET not in value for _, value in response.headers)
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.name == "portafunc.shop.boom"
    assert record.exc_info is not None
    assert record.exc_info[1] is error
    assert record.__dict__["portafunc_invocation_id"] == "inv-500"
    assert record.__dict__["portafunc_function"] == "boom"
    assert SECRET in caplog.text


def test_raise_server_exceptions_reraises_the_handlers_exception() -> None:
    app = App("shop")
    error = RuntimeError(SECRET)

    @app.get("/boom")
    def boom() -> None:
        raise error

    @app.get("/gone")
    def gone() -> None:
        raise HTTPError(410)

    with pytest.raises(RuntimeError) as info:
        call(app, "GET", "/boom", raise_server_exceptions=True)
    assert info.value is error
    assert call(app, "GET", "/gone", raise_server_exceptions=True).status == 410
    assert current.get() is None


# -- exception handlers ---------------------------------------------------------------------


def test_exception_handler_maps_subclasses_through_the_mro() -> None:
    app = App("shop")
    seen: list[tuple[HTTPRequest, BaseException]] = []
    error = OutOfStock("sku 1")

    @app.exception_handler(AppError)
    def app_error(request: HTTPRequest, exc: AppError) -> HTTPResponse:
        seen.append((request, exc))
        return HTTPResponse.json({"error": str(exc)}, 409)

    @app.post("/orders")
    def create() -> None:
        raise error

    response = call(app, "POST", "/orders")
    assert response.status == 409
    assert json.loads(response.body) == {"error": "sku 1"}
    [(request, exc)] = seen
    assert exc is error
    assert request.path == "/orders"


def test_the_closest_exception_handler_wins() -> None:
    app = App("shop")

    @app.exception_handler(Exception)
    def anything(request: HTTPRequest, exc: Exception) -> HTTPResponse:
        return HTTPResponse.plain("anything", 500)

    @app.exception_handler(AppError)
    def app_error(request: HTTPRequest, exc: AppError) -> HTTPResponse:
        return HTTPResponse.plain("app error", 400)

    @app.exception_handler(OutOfStock)
    def out_of_stock(request: HTTPRequest, exc: OutOfStock) -> HTTPResponse:
        return HTTPResponse.plain("out of stock", 409)

    @app.get("/raise/{what}")
    def fail(what: str) -> None:
        raise {"stock": OutOfStock(), "app": AppError(), "key": KeyError("k")}[what]

    assert call(app, "GET", "/raise/stock").body == b"out of stock"
    assert call(app, "GET", "/raise/app").body == b"app error"
    assert call(app, "GET", "/raise/key").body == b"anything"


def test_a_catch_all_exception_handler_leaves_portafunc_errors_alone() -> None:
    app = App("shop")

    @app.exception_handler(Exception)
    def anything(request: HTTPRequest, exc: Exception) -> HTTPResponse:
        return HTTPResponse.plain("anything", 500)

    @app.post("/orders")
    def create(order: Order) -> None:
        raise HTTPError(409, "exists")

    assert call(app, "POST", "/orders", b'{"id": "a", "qty": 1}').status == 409
    assert call(app, "POST", "/orders", b'{"id": "a", "qty": 0}').status == 422
    assert call(app, "POST", "/orders", b"{").status == 400


def test_an_exception_handler_may_be_registered_for_http_error() -> None:
    app = App("shop")

    @app.exception_handler(HTTPError)
    def http_error(request: HTTPRequest, exc: HTTPError) -> HTTPResponse:
        return HTTPResponse.plain(f"custom {exc.status}", exc.status)

    @app.get("/gone")
    def gone() -> None:
        raise HTTPError(410)

    response = call(app, "GET", "/gone")
    assert (response.status, response.body) == (410, b"custom 410")


def test_a_failing_exception_handler_gives_500_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("shop")
    broken = ValueError(SECRET)

    @app.exception_handler(AppError)
    def app_error(request: HTTPRequest, exc: AppError) -> HTTPResponse:
        raise broken

    @app.get("/x")
    def handler() -> None:
        raise AppError("original")

    with invocation_fields(caplog):
        response = call(app, "GET", "/x")

    assert response.status == 500
    assert SECRET not in response.body.decode()
    [record] = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[1] is broken


def test_an_exception_handler_raising_http_error_answers_with_it() -> None:
    app = App("shop")

    @app.exception_handler(KeyError)
    def missing(request: HTTPRequest, exc: KeyError) -> HTTPResponse:
        raise HTTPError(404, "no such order")

    @app.get("/orders/{id}")
    def read(id: str) -> None:
        raise KeyError(id)

    response = call(app, "GET", "/orders/1")
    assert response.status == 404
    assert problem_of(response)["detail"] == "no such order"


# -- messages -------------------------------------------------------------------------------


def test_deliver_returns_the_handlers_result() -> None:
    app = App("shop")

    @app.queue("orders")
    def consume(msg: Message[Order]) -> str:
        return f"{msg.id}:{msg.data.id}:{msg.data.qty}"

    result = pipeline.deliver(
        app, app.function("consume"), message({"id": "a", "qty": 2}), context()
    )
    assert result == "m-1:a:2"


def test_message_failure_raises_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = App("shop")
    error = ValueError("cannot ship")

    @app.queue("orders")
    def consume(msg: Message[Order]) -> None:
        raise error

    with invocation_fields(caplog), pytest.raises(ValueError, match="cannot ship") as info:
        pipeline.deliver(
            app, app.function("consume"), message({"id": "a", "qty": 1}), context("inv-m")
        )

    assert info.value is error
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.exc_info[1] is error
    assert record.__dict__["portafunc_invocation_id"] == "inv-m"


def test_invalid_message_data_raises_invalid_payload_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("shop")
    calls: list[Order] = []

    @app.queue("orders")
    def consume(order: Order) -> None:
        calls.append(order)

    with invocation_fields(caplog), pytest.raises(InvalidPayload):
        pipeline.deliver(app, app.function("consume"), message({"id": "a"}), context())

    assert calls == []
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "invalid payload" in record.getMessage()


@pytest.mark.parametrize("failing", [set(), {0}, {2}, {4}, {0, 4}, {1, 2, 3}, {0, 1, 2, 3, 4}])
def test_unordered_batch_reports_exactly_the_failed_indexes(failing: set[int]) -> None:
    app = App("shop")
    calls: list[int] = []

    @app.queue("orders")
    def consume(msg: Message[int], ctx: Context) -> None:
        assert ctx.invocation_id == "batch-1"  # one invocation, one context
        calls.append(msg.data)
        if msg.data in failing:
            raise RuntimeError(f"item {msg.data}")

    batch = [message(i, id=f"m-{i}") for i in range(5)]
    failed = pipeline.deliver_batch(app, app.function("consume"), batch, context("batch-1"))
    assert failed == sorted(failing)
    assert calls == [0, 1, 2, 3, 4]


def test_unordered_batch_counts_invalid_data_as_a_failure() -> None:
    app = App("shop")

    @app.queue("orders")
    def consume(order: Order) -> None:
        return None

    batch = [
        message({"id": "a", "qty": 1}),
        Message(id="bad", body=b"not json"),
        message({"id": "c", "qty": -1}),
        message({"id": "d", "qty": 1}),
    ]
    assert pipeline.deliver_batch(app, app.function("consume"), batch, context()) == [
        1,
        2,
    ]


@pytest.mark.parametrize("first_failure", [0, 2, 4])
def test_ordered_batch_stops_at_the_first_failure(first_failure: int) -> None:
    app = App("shop")
    calls: list[int] = []

    @app.stream("clicks")
    def consume(msg: Message[int]) -> None:
        calls.append(msg.data)
        if msg.data >= first_failure:  # every later item would fail too
            raise RuntimeError(f"item {msg.data}")

    batch = [message(i, id=f"m-{i}") for i in range(5)]
    failed = pipeline.deliver_batch(app, app.function("consume"), batch, context(), ordered=True)
    assert failed == list(range(first_failure, 5))
    assert calls == list(range(first_failure + 1))


def test_ordered_batch_without_failure_reports_nothing() -> None:
    app = App("shop")
    calls: list[int] = []

    @app.stream("clicks")
    def consume(msg: Message[int]) -> None:
        calls.append(msg.data)

    batch = [message(i) for i in range(3)]
    assert (
        pipeline.deliver_batch(app, app.function("consume"), batch, context(), ordered=True) == []
    )
    assert calls == [0, 1, 2]


def test_undeclared_storage_actions_are_acknowledged_without_calling_the_handler() -> None:
    app = App("shop")
    calls: list[str] = []

    @app.storage("uploads", events=("created",), prefix="in/")
    def upload(event: StorageEvent) -> str:
        calls.append(f"{event.action} {event.key}")
        return "handled"

    function = app.function("upload")
    created = StorageEvent(bucket="uploads", key="in/a", action="created")
    deleted = StorageEvent(bucket="uploads", key="in/a", action="deleted")
    elsewhere = StorageEvent(bucket="uploads", key="out/a", action="created")

    assert pipeline.deliver(app, function, deleted, context()) is None
    assert pipeline.deliver(app, function, elsewhere, context()) is None
    assert calls == []
    assert pipeline.deliver(app, function, created, context()) == "handled"
    assert calls == ["created in/a"]
    batch = [deleted, created, elsewhere]
    assert pipeline.deliver_batch(app, function, batch, context(), ordered=True) == []
    assert calls == ["created in/a", "created in/a"]


def test_events_of_another_type_are_acknowledged_without_calling_the_handler() -> None:
    app = App("shop")
    calls: list[str] = []

    @app.event(type="order.created")
    def created(event: Event[Order]) -> None:
        calls.append(event.data.id)

    function = app.function("created")
    other: Event[Any] = Event(id="1", source="s", type="order.deleted", body=b"{}")
    assert pipeline.deliver(app, function, other, context()) is None
    assert calls == []
    ours: Event[Any] = Event(id="2", source="s", type="order.created", data={"id": "a", "qty": 1})
    pipeline.deliver(app, function, ours, context())
    assert calls == ["a"]


# -- startup hooks --------------------------------------------------------------------------


def test_startup_hooks_run_once_in_order_before_the_first_invocation() -> None:
    app = App("shop")
    events: list[str] = []

    @app.on_startup
    def sync_hook() -> None:
        events.append("sync hook")

    @app.on_startup
    async def async_hook() -> None:
        await asyncio.sleep(0)
        events.append("async hook")

    @app.get("/")
    def index() -> None:
        events.append("http")

    @app.queue("orders")
    def consume(msg: Message[Any]) -> None:
        events.append("message")

    assert events == []
    call(app, "GET", "/")
    call(app, "GET", "/")
    pipeline.deliver(app, app.function("consume"), message({}), context())
    assert events == ["sync hook", "async hook", "http", "http", "message"]


def test_startup_hooks_run_before_a_404() -> None:
    app = App("shop")
    runs: list[int] = []
    app.on_startup(lambda: runs.append(1))

    assert call(app, "GET", "/nothing").status == 404
    assert call(app, "GET", "/nothing").status == 404
    assert runs == [1]


def test_startup_runs_once_with_ten_threads_invoking_at_once() -> None:
    app = App("shop")
    runs: list[int] = []
    hook_entered = threading.Event()
    release = threading.Event()
    seen: list[int] = []

    @app.on_startup
    def warm() -> None:
        runs.append(1)
        hook_entered.set()
        release.wait(timeout=10)

    @app.get("/")
    def index() -> None:
        seen.append(len(runs))

    barrier = threading.Barrier(10)

    def invoke(_: int) -> int:
        barrier.wait(timeout=10)
        return call(app, "GET", "/").status

    with ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(invoke, i) for i in range(10)]
        assert hook_entered.wait(timeout=10)
        assert seen == []  # no handler runs while the hook does
        release.set()
        statuses = [future.result(timeout=10) for future in futures]

    assert statuses == [204] * 10
    assert runs == [1]
    assert seen == [1] * 10


def test_startup_runs_once_with_concurrent_async_invocations() -> None:
    app = App("shop")
    runs: list[int] = []

    @app.on_startup
    async def warm() -> None:
        runs.append(1)
        for _ in range(5):
            await asyncio.sleep(0)

    @app.get("/")
    async def index() -> int:
        return len(runs)

    @app.queue("orders")
    async def consume(msg: Message[Any]) -> int:
        return len(runs)

    async def main() -> tuple[list[HTTPResponse], list[Any]]:
        function = app.function("consume")
        responses = [
            pipeline.handle_http_async(app, HTTPRequest("GET", "/"), context()) for _ in range(10)
        ]
        results = [pipeline.deliver_async(app, function, message({}), context()) for _ in range(10)]
        return await asyncio.gather(*responses), await asyncio.gather(*results)

    responses, results = asyncio.run(main())
    assert runs == [1]
    assert [response.body for response in responses] == [b"1"] * 10
    assert results == [1] * 10


def test_async_invocations_wait_for_a_startup_running_in_a_thread() -> None:
    app = App("shop")
    runs: list[int] = []
    hook_entered = threading.Event()
    release = threading.Event()

    @app.on_startup
    def warm() -> None:
        runs.append(1)
        hook_entered.set()
        release.wait(timeout=5)

    @app.get("/")
    def index() -> int:
        return len(runs)

    async def main() -> list[HTTPResponse]:
        tasks = [
            asyncio.create_task(pipeline.handle_http_async(app, HTTPRequest("GET", "/"), context()))
            for _ in range(5)
        ]
        await asyncio.sleep(0)  # every task has started and found the hook running
        assert not any(task.done() for task in tasks)
        release.set()
        return await asyncio.gather(*tasks)

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(call, app, "GET", "/")
        assert hook_entered.wait(timeout=10)
        responses = asyncio.run(main())
        assert first.result(timeout=10).body == b"1"

    assert runs == [1]
    assert [response.body for response in responses] == [b"1"] * 5


# -- async handlers -------------------------------------------------------------------------


def test_async_handlers_share_one_loop_that_lives_across_invocations() -> None:
    app = App("shop")
    state: dict[str, Any] = {}

    @app.post("/first")
    async def first() -> None:
        state["loop"] = asyncio.get_running_loop()
        state["event"] = event = asyncio.Event()
        state["waiter"] = asyncio.ensure_future(event.wait())

    @app.post("/second")
    async def second() -> str:
        state["event"].set()
        await asyncio.wait_for(state["waiter"], timeout=5)
        return "same loop" if asyncio.get_running_loop() is state["loop"] else "another loop"

    @app.queue("orders")
    async def consume(msg: Message[Any]) -> bool:
        return asyncio.get_running_loop() is state["loop"]

    assert call(app, "POST", "/first").status == 204
    response = call(app, "POST", "/second")
    assert (response.status, response.body) == (200, b"same loop")
    assert pipeline.deliver(app, app.function("consume"), message({}), context()) is True
    assert not state["loop"].is_closed()


def test_async_handlers_run_concurrently_from_threads() -> None:
    app = App("shop")
    count = 5
    arrived: list[int] = []
    everyone: dict[str, asyncio.Event] = {}

    @app.get("/wait/{i}")
    async def wait(i: int) -> int:
        here = everyone.setdefault("here", asyncio.Event())
        arrived.append(i)
        if len(arrived) == count:
            here.set()
        await asyncio.wait_for(here.wait(), timeout=5)
        return i

    with ThreadPoolExecutor(count) as pool:
        responses = list(pool.map(lambda i: call(app, "GET", f"/wait/{i}"), range(count)))

    assert [response.status for response in responses] == [200] * count
    assert [json.loads(response.body) for response in responses] == list(range(count))


def test_async_entry_points_run_handlers_on_the_callers_loop() -> None:
    app = App("shop")

    @app.post("/orders", status=201)
    async def create(order: Order) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"id": order.id, "loop": id(asyncio.get_running_loop())}

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.queue("orders")
    async def consume(msg: Message[Order]) -> tuple[str, int]:
        return msg.data.id, id(asyncio.get_running_loop())

    @app.queue("audit")
    def audit(msg: Message[Order]) -> str:
        raise ValueError(msg.data.id)

    async def main() -> None:
        loop = id(asyncio.get_running_loop())
        request = HTTPRequest("POST", "/orders", body=b'{"id": "a", "qty": 1}')
        response = await pipeline.handle_http_async(app, request, context())
        assert response.status == 201
        assert json.loads(response.body) == {"id": "a", "loop": loop}
        health_response = await pipeline.handle_http_async(
            app, HTTPRequest("GET", "/health"), context()
        )
        assert health_response.body == b"ok"
        missing = await pipeline.handle_http_async(app, HTTPRequest("GET", "/nope"), context())
        assert missing.status == 404
        data = {"id": "b", "qty": 1}
        consumed = await pipeline.deliver_async(
            app, app.function("consume"), message(data), context()
        )
        assert consumed == ("b", loop)
        with pytest.raises(ValueError, match="b"):
            await pipeline.deliver_async(app, app.function("audit"), message(data), context())
        with pytest.raises(InvalidPayload):
            await pipeline.deliver_async(app, app.function("consume"), message({}), context())

    asyncio.run(main())


def test_async_handler_errors_are_500_with_the_async_entry_point() -> None:
    app = App("shop", access_log=True)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    async def main() -> HTTPResponse:
        return await pipeline.handle_http_async(app, HTTPRequest("GET", "/boom"), context())

    response = asyncio.run(main())
    assert response.status == 500
    assert SECRET not in response.body.decode()

    async def reraise() -> None:
        await pipeline.handle_http_async(
            app, HTTPRequest("GET", "/boom"), context(), raise_server_exceptions=True
        )

    with pytest.raises(RuntimeError, match="hunter2"):
        asyncio.run(reraise())


# -- context --------------------------------------------------------------------------------


def whoami(ctx: Context) -> dict[str, str]:
    running = current.get()
    return {
        "ctx": ctx.invocation_id,
        "current": running.invocation_id if running is not None else "",
        "function": ctx.function,
    }


def test_each_thread_sees_its_own_context() -> None:
    app = App("shop")
    count = 50
    barrier = threading.Barrier(count)

    @app.get("/who")
    def who(ctx: Context) -> dict[str, str]:
        barrier.wait(timeout=10)  # every invocation is running at once
        return whoami(ctx)

    def invoke(i: int) -> Any:
        return json.loads(call(app, "GET", "/who", invocation_id=f"inv-{i}").body)

    with ThreadPoolExecutor(count) as pool:
        bodies = list(pool.map(invoke, range(count)))

    assert bodies == [
        {"ctx": f"inv-{i}", "current": f"inv-{i}", "function": "who"} for i in range(count)
    ]
    assert current.get() is None


def test_each_thread_sees_its_own_context_in_async_handlers_and_messages() -> None:
    app = App("shop")
    count = 50
    arrived: list[int] = []
    everyone: dict[str, asyncio.Event] = {}

    @app.get("/who")
    async def who(ctx: Context) -> dict[str, str]:
        here = everyone.setdefault("here", asyncio.Event())
        arrived.append(1)
        if len(arrived) == count:
            here.set()
        await asyncio.wait_for(here.wait(), timeout=10)
        return whoami(ctx)

    barrier = threading.Barrier(count)

    @app.queue("orders")
    def consume(msg: Message[Any], ctx: Context) -> dict[str, str]:
        barrier.wait(timeout=10)
        return whoami(ctx)

    def invoke(i: int) -> Any:
        return json.loads(call(app, "GET", "/who", invocation_id=f"inv-{i}").body)

    def deliver(i: int) -> Any:
        return pipeline.deliver(app, app.function("consume"), message(i), context(f"msg-{i}"))

    with ThreadPoolExecutor(count) as pool:
        bodies = list(pool.map(invoke, range(count)))
        results = list(pool.map(deliver, range(count)))

    assert bodies == [
        {"ctx": f"inv-{i}", "current": f"inv-{i}", "function": "who"} for i in range(count)
    ]
    assert results == [
        {"ctx": f"msg-{i}", "current": f"msg-{i}", "function": "consume"} for i in range(count)
    ]


def test_each_asyncio_task_sees_its_own_context() -> None:
    app = App("shop")
    count = 50
    arrived: list[int] = []
    everyone: dict[str, asyncio.Event] = {}

    @app.get("/who")
    async def who(ctx: Context) -> dict[str, str]:
        here = everyone["here"]
        arrived.append(1)
        if len(arrived) == count:
            here.set()
        await asyncio.wait_for(here.wait(), timeout=10)
        return whoami(ctx)

    async def main() -> list[HTTPResponse]:
        everyone["here"] = asyncio.Event()
        return await asyncio.gather(
            *(
                pipeline.handle_http_async(app, HTTPRequest("GET", "/who"), context(f"inv-{i}"))
                for i in range(count)
            )
        )

    responses = asyncio.run(main())
    assert [json.loads(response.body) for response in responses] == [
        {"ctx": f"inv-{i}", "current": f"inv-{i}", "function": "who"} for i in range(count)
    ]


def test_context_names_the_function_and_its_logger(caplog: pytest.LogCaptureFixture) -> None:
    app = App("shop")

    @app.get("/info", name="info-fn")
    def info(ctx: Context) -> dict[str, str]:
        ctx.logger.warning("from ctx.logger")
        logging.getLogger("portafunc.user").warning("from a plain logger")
        return {"function": ctx.function, "logger": ctx.logger.name, "provider": ctx.provider}

    @app.queue("orders")
    def consume(msg: Message[Any], ctx: Context) -> str:
        return f"{ctx.function} {ctx.logger.name}"

    with invocation_fields(caplog):
        response = call(app, "GET", "/info", invocation_id="inv-log")

    assert json.loads(response.body) == {
        "function": "info-fn",
        "logger": "portafunc.shop.info-fn",
        "provider": "local",
    }
    assert [record.name for record in caplog.records] == [
        "portafunc.shop.info-fn",
        "portafunc.user",
    ]
    for record in caplog.records:
        assert record.__dict__["portafunc_function"] == "info-fn"
        assert record.__dict__["portafunc_invocation_id"] == "inv-log"
        assert record.__dict__["portafunc_provider"] == "local"
    result = pipeline.deliver(app, app.function("consume"), message({}), context())
    assert result == "consume portafunc.shop.consume"


# -- the access line ------------------------------------------------------------------------


def test_access_log_writes_one_line_per_invocation(caplog: pytest.LogCaptureFixture) -> None:
    app = App("shop", access_log=True)

    @app.post("/orders", status=201)
    def create(order: Order) -> Order:
        return order

    with invocation_fields(caplog):
        response = call(app, "POST", "/orders", b'{"id": "a", "qty": 1}', invocation_id="inv-a")

    assert response.status == 201
    [record] = caplog.records
    assert record.getMessage() == "invocation finished"
    assert record.levelno == logging.INFO
    assert record.name == "portafunc.shop.create"
    assert record.__dict__["status"] == 201
    duration = record.__dict__["duration_ms"]
    assert isinstance(duration, float)
    assert duration >= 0
    assert record.__dict__["portafunc_invocation_id"] == "inv-a"


@pytest.mark.parametrize(("path", "status"), [("/bad", 422), ("/boom", 500)])
def test_access_log_reports_failures(
    caplog: pytest.LogCaptureFixture, path: str, status: int
) -> None:
    app = App("shop", access_log=True)

    @app.post("/bad")
    def bad(order: Order) -> None:
        return None

    @app.post("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with invocation_fields(caplog):
        assert call(app, "POST", path, b"{}").status == status

    access = [r for r in caplog.records if r.getMessage() == "invocation finished"]
    assert [r.__dict__["status"] for r in access] == [status]


def test_access_log_with_raise_server_exceptions_keeps_the_original_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("shop", access_log=True)

    @app.get("/boom")
    def boom() -> None:
        raise KeyError("original")

    with invocation_fields(caplog), pytest.raises(KeyError, match="original"):
        call(app, "GET", "/boom", raise_server_exceptions=True)

    access = [r for r in caplog.records if r.getMessage() == "invocation finished"]
    assert [r.__dict__["status"] for r in access] == [500]
    assert current.get() is None


def test_access_log_for_messages(caplog: pytest.LogCaptureFixture) -> None:
    app = App("shop", access_log=True)

    @app.queue("orders")
    def consume(msg: Message[int]) -> None:
        if msg.data:
            raise RuntimeError("failed")

    function = app.function("consume")
    with invocation_fields(caplog):
        pipeline.deliver(app, function, message(0), context())
        with pytest.raises(RuntimeError):
            pipeline.deliver(app, function, message(1), context())

    access = [r for r in caplog.records if r.getMessage() == "invocation finished"]
    assert [r.__dict__["status"] for r in access] == ["ok", "failed"]


def test_no_access_line_by_default(caplog: pytest.LogCaptureFixture) -> None:
    app = App("shop")

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.queue("orders")
    def consume(msg: Message[Any]) -> None:
        return None

    with invocation_fields(caplog):
        assert call(app, "GET", "/").status == 200
        pipeline.deliver(app, app.function("consume"), message({}), context())

    assert caplog.records == []


def test_an_exception_handlers_value_ignores_the_routes_status() -> None:
    app = App("shop")

    @app.post("/things", status=201)
    def create() -> None:
        raise OutOfStock

    @app.exception_handler(OutOfStock)
    def out_of_stock(request: HTTPRequest, exc: OutOfStock) -> dict[str, str]:
        return {"error": "out of stock"}

    response = call(app, "POST", "/things")
    assert (response.status, json.loads(response.body)) == (200, {"error": "out of stock"})


def test_an_async_exception_handler_is_awaited() -> None:
    app = App("shop")

    @app.get("/things")
    def things() -> None:
        raise OutOfStock

    @app.exception_handler(OutOfStock)
    async def out_of_stock(request: HTTPRequest, exc: OutOfStock) -> HTTPResponse:
        await asyncio.sleep(0)
        return HTTPResponse.plain("later", 409)

    response = call(app, "GET", "/things")
    assert (response.status, response.body) == (409, b"later")


def test_a_failing_startup_hook_is_a_logged_500_and_is_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("shop")
    attempts: list[int] = []

    @app.on_startup
    def connect() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError(SECRET)

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    with caplog.at_level(logging.ERROR, logger="portafunc"):
        first = call(app, "GET", "/ping")
    assert first.status == 500
    assert SECRET not in first.body.decode()
    assert any(r.exc_info and SECRET in str(r.exc_info[1]) for r in caplog.records)
    second = call(app, "GET", "/ping")
    assert (second.status, second.body, len(attempts)) == (200, b"pong", 2)


def test_a_failing_async_startup_hook_is_a_500_from_the_async_entry_point() -> None:
    app = App("shop")

    @app.on_startup
    async def connect() -> None:
        raise ConnectionError(SECRET)

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    response = asyncio.run(pipeline.handle_http_async(app, HTTPRequest("GET", "/ping"), context()))
    assert response.status == 500
    assert SECRET not in response.body.decode()


def test_an_http_errors_own_content_type_does_not_duplicate_the_problem_type() -> None:
    app = App("shop")

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPError(418, "short and stout", headers={"Content-Type": "text/plain"})

    response = call(app, "GET", "/teapot")
    assert [v for k, v in response.headers if k.lower() == "content-type"] == [PROBLEM]


def test_a_user_raised_invalid_payload_with_partial_errors_is_still_a_422() -> None:
    app = App("shop")

    @app.get("/check")
    def check() -> None:
        raise InvalidPayload("bad", errors=[{"loc": ("body", "qty")}])

    body = problem_of(call(app, "GET", "/check"))
    assert body["errors"] == [{"loc": ["body", "qty"], "msg": "", "type": ""}]


@pytest.mark.parametrize(
    ("status", "title"),
    [(413, "Content Too Large"), (416, "Range Not Satisfiable"), (422, "Unprocessable Content")],
)
def test_problem_titles_are_rfc_9110_phrases_on_every_python(status: int, title: str) -> None:
    assert HTTPError(status).title == title


def test_sync_entry_points_run_async_handlers_from_inside_another_loop() -> None:
    app = App("shop")

    @app.get("/loop")
    async def which_loop() -> str:
        return str(id(asyncio.get_running_loop()))

    async def caller() -> tuple[str, str]:
        response = call(app, "GET", "/loop")  # blocking call made on a running loop
        return response.body.decode(), str(id(asyncio.get_running_loop()))

    first, outer = asyncio.run(caller())
    second = call(app, "GET", "/loop").body.decode()
    assert first == second != outer


def test_a_guest_thread_waits_while_another_thread_drives_the_loop() -> None:
    app = App("shop")
    driving, guest_done = threading.Event(), threading.Event()
    seen: dict[str, str] = {}

    @app.get("/slow")
    async def slow(ctx: Context) -> str:
        driving.set()
        while not guest_done.is_set():  # keep this thread driving until the guest is served
            await asyncio.sleep(0.001)
        return ctx.invocation_id

    @app.get("/quick")
    async def quick(ctx: Context) -> str:
        return ctx.invocation_id

    def drive() -> None:
        seen["slow"] = call(app, "GET", "/slow", invocation_id="driver").body.decode()

    driver = threading.Thread(target=drive)
    driver.start()
    assert driving.wait(5)
    seen["quick"] = call(app, "GET", "/quick", invocation_id="guest").body.decode()
    guest_done.set()
    driver.join(5)
    assert seen == {"slow": "driver", "quick": "guest"}
