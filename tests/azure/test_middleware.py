"""Middleware through ``function_app``: sync and async HTTP functions (the async one
runs on the worker's loop through ``handle_http_async``) and a queue message."""

import asyncio
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from portafunc import App, Context, HTTPRequest, Message
from portafunc_azure import function_app
from portafunc_azure.testing import http_request, invoke, queue_message

Next = Callable[[Any], Any]


class Order(BaseModel):
    id: str


def shop(trail: list[str]) -> App:
    app = App("shop")

    @app.middleware
    async def around(envelope: Any, ctx: Context, call_next: Next) -> Any:
        trail.append(f"{ctx.provider}:{ctx.function}")
        await asyncio.sleep(0)
        result = await call_next(envelope)
        if isinstance(envelope, HTTPRequest):
            result.headers.append(("x-seen", "yes"))
        return result

    @app.get("/orders/{id}")
    def get_order(id: str) -> Order:
        return Order(id=id)

    @app.get("/slow/{id}")
    async def slow(id: str) -> Order:
        await asyncio.sleep(0)
        return Order(id=id)

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None:
        trail.append(msg.data.id)

    return app


def test_http_functions_sync_and_async() -> None:
    trail: list[str] = []
    functions = function_app(shop(trail))
    for name, path in (("get_order", "/orders/a1"), ("slow", "/slow/a2")):
        response = invoke(functions, name, http_request("GET", path))
        assert (response.status_code, response.headers["x-seen"]) == (200, "yes")
    assert trail == ["azure:get_order", "azure:slow"]


def test_queue_message() -> None:
    trail: list[str] = []
    assert invoke(function_app(shop(trail)), "ship", queue_message({"id": "a1"})) is None
    assert trail == ["azure:ship", "a1"]
