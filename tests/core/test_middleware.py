"""``@app.middleware`` and ``middleware=[...]`` (portafunc.middleware): order,
short-circuits, decorated results, sync and async, messages, and what is refused."""

import asyncio
import threading
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from portafunc import App, Context, Header, HTTPError, HTTPRequest, HTTPResponse, Message
from portafunc.context import current
from portafunc.errors import DeclarationError
from portafunc.pipeline import handle_http_async
from portafunc.testing import TestClient

Next = Callable[[Any], Any]


class Order(BaseModel):
    id: str


def tracing(trail: list[str], name: str) -> Callable[[Any, Context, Next], Any]:
    def middleware(envelope: Any, ctx: Context, call_next: Next) -> Any:
        trail.append(f"{name}>")
        result = call_next(envelope)
        trail.append(f"<{name}")
        return result

    middleware.__qualname__ = name
    return middleware


def test_app_middleware_is_outermost_in_declaration_order() -> None:
    trail: list[str] = []
    app = App("orders")
    app.middleware(tracing(trail, "first"))

    @app.get("/orders/{id}", middleware=[tracing(trail, "own"), tracing(trail, "inner")])
    def get_order(id: str) -> Order:
        trail.append("handler")
        return Order(id=id)

    app.middleware(tracing(trail, "second"))  # declared after the function: still applies
    assert TestClient(app).get("/orders/a1").json() == {"id": "a1"}
    assert trail == [
        "first>", "second>", "own>", "inner>", "handler", "<inner", "<own", "<second", "<first",
    ]  # fmt: skip


def test_a_middleware_short_circuits_and_decorates_responses() -> None:
    app = App("orders")
    calls: list[str] = []

    @app.middleware
    def authenticate(request: HTTPRequest, ctx: Context, call_next: Next) -> Any:
        if request.headers.get("authorization") != "Bearer ok":
            return HTTPResponse.json({"detail": "who are you?"}, status=401)
        response = call_next(request)
        response.headers.append(("x-served-by", ctx.function))
        return response

    @app.get("/orders/{id}")
    def get_order(id: str) -> Order:
        calls.append(id)
        return Order(id=id)

    client = TestClient(app)
    refused = client.get("/orders/a1")
    assert (refused.status, refused.json(), calls) == (401, {"detail": "who are you?"}, [])
    served = client.get("/orders/a1", headers={"authorization": "Bearer ok"})
    assert (served.status, served.headers["x-served-by"], calls) == (200, "get_order", ["a1"])


def test_call_next_returns_every_outcome_as_a_response() -> None:
    app = App("orders")
    statuses: list[int] = []

    @app.middleware
    def record(request: HTTPRequest, ctx: Context, call_next: Next) -> HTTPResponse:
        response: HTTPResponse = call_next(request)
        statuses.append(response.status)
        return response

    @app.post("/orders", status=201)
    def create(order: Order) -> Order:
        if order.id == "boom":
            raise RuntimeError("secret internals")
        if order.id == "taken":
            raise HTTPError(409, "taken")
        return order

    client = TestClient(app)
    for body in ({"id": "a"}, {"id": "taken"}, {"nope": 1}, {"id": "boom"}):
        client.post("/orders", json=body)
    assert client.post("/orders", data=b"{").status == 400
    assert statuses == [201, 409, 422, 500, 400]


def test_what_a_middleware_returns_or_raises_is_the_answer() -> None:
    app = App("orders")

    @app.get("/plain", middleware=[lambda request, ctx, call_next: "replaced"])
    def plain() -> str:
        return "handler"

    def forbid(request: HTTPRequest, ctx: Context, call_next: Next) -> Any:
        raise HTTPError(403, "not here")

    @app.get("/forbidden", middleware=[forbid])
    def forbidden() -> str:
        raise AssertionError("never called")

    def crash(request: HTTPRequest, ctx: Context, call_next: Next) -> Any:
        raise ValueError("internal detail")

    @app.get("/crash", middleware=[crash])
    def crashed() -> str:
        raise AssertionError("never called")

    client = TestClient(app)
    assert client.get("/plain").text == "replaced"
    assert (client.get("/forbidden").status, client.get("/forbidden").json()["detail"]) == (
        403,
        "not here",
    )
    crashed_response = client.get("/crash")
    assert crashed_response.status == 500
    assert "internal detail" not in crashed_response.text


def test_a_middleware_may_pass_on_another_envelope() -> None:
    app = App("echo")

    def rewrite(request: HTTPRequest, ctx: Context, call_next: Next) -> Any:
        request.path_params  # noqa: B018  # routed already: the handler sees the new one
        return call_next(HTTPRequest("GET", "/echo", headers={"x-name": "rewritten"}))

    @app.get("/echo", middleware=[rewrite])
    def echo(name: Annotated[str, Header(alias="x-name")] = "none") -> str:
        return name

    assert TestClient(app).get("/echo", headers={"x-name": "given"}).text == "rewritten"


def test_async_middleware_wraps_sync_and_async_handlers() -> None:
    app = App("orders")
    trail: list[str] = []

    @app.middleware
    async def timed(request: HTTPRequest, ctx: Context, call_next: Next) -> Any:
        trail.append("before")
        await asyncio.sleep(0)
        response = await call_next(request)
        trail.append("after")
        return response

    @app.get("/sync/{id}", middleware=[tracing(trail, "plain")])  # inside the async one
    def sync(id: str) -> str:
        return f"sync {id}"

    @app.get("/async/{id}")
    async def asynchronous(id: str) -> str:  # it is the handler kind tested
        return f"async {id}"

    client = TestClient(app)
    assert client.get("/sync/1").text == "sync 1"
    assert client.get("/async/2").text == "async 2"
    assert trail == ["before", "plain>", "<plain", "after", "before", "after"]


def test_a_plain_middleware_wraps_asynchronous_code_from_a_worker_thread() -> None:
    trail: list[str] = []
    threads: set[int] = set()

    def plain(envelope: Any, ctx: Context, call_next: Next) -> Any:
        threads.add(threading.get_ident())
        assert current.get() is ctx  # the invocation's context is there too
        trail.append(f"plain {ctx.function}")
        return call_next(envelope)

    async def awaiting(envelope: Any, ctx: Context, call_next: Next) -> Any:
        await asyncio.sleep(0)
        trail.append("awaiting")
        return await call_next(envelope)

    app = App("orders")
    app.middleware(plain)

    @app.get("/a", middleware=[awaiting])
    def sync_handler() -> str:
        return "a"

    @app.get("/b")
    async def async_handler() -> str:
        await asyncio.sleep(0)
        return "b"

    client = TestClient(app)
    assert (client.get("/a").text, client.get("/b").text) == ("a", "b")
    assert trail == ["plain sync_handler", "awaiting", "plain async_handler"]
    assert threading.get_ident() not in threads  # both ran in a worker thread

    async def on_a_loop() -> HTTPResponse:  # as the Azure worker runs an async function
        request = HTTPRequest("GET", "/b")
        return await handle_http_async(app, request, Context(provider="azure"))

    assert asyncio.run(on_a_loop()).body == b"b"


@pytest.mark.parametrize("given", ["not a list", [1], {"a": 1}])
def test_middleware_option_takes_a_list_of_functions(given: Any) -> None:
    app = App("orders")
    with pytest.raises(DeclarationError, match="middleware= takes a list"):

        @app.get("/a", middleware=given)
        def handler() -> None: ...


def test_message_middleware_sees_the_envelope_and_the_outcome() -> None:
    app = App("shop")
    seen: list[tuple[str, str, str]] = []
    shipped: list[str] = []

    @app.middleware
    def skip_tests(msg: Message[Any], ctx: Context, call_next: Next) -> Any:
        seen.append((ctx.function, msg.attributes.get("kind", ""), msg.data["id"]))
        if msg.attributes.get("kind") == "test":
            return None  # acknowledged, never handled
        try:
            return call_next(msg)
        except LookupError:
            raise RuntimeError("wrapped") from None

    @app.queue("orders")
    def ship(msg: Message[Order]) -> str:
        if msg.data.id == "lost":
            raise LookupError(msg.data.id)
        shipped.append(msg.data.id)
        return msg.data.id

    client = TestClient(app)
    assert client.send("ship", {"id": "a1"}).result == "a1"
    assert client.send("ship", {"id": "t1"}, attributes={"kind": "test"}).ok
    outcome = client.send("ship", {"id": "lost"}, raise_errors=False)
    assert (outcome.ok, type(outcome.error)) == (False, RuntimeError)
    assert shipped == ["a1"]
    assert seen == [("ship", "", "a1"), ("ship", "test", "t1"), ("ship", "", "lost")]


def test_async_message_middleware_and_handler() -> None:
    app = App("shop")
    order: list[str] = []

    @app.middleware
    async def around(msg: Message[Any], ctx: Context, call_next: Next) -> Any:
        order.append("around")
        return await call_next(msg)

    @app.queue("orders")
    async def ship(msg: Message[Order]) -> str:
        order.append(msg.data.id)
        return msg.data.id

    assert TestClient(app).send("ship", {"id": "a1"}).result == "a1"
    assert order == ["around", "a1"]
