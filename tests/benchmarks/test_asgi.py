"""Group ``asgi``: a FastAPI POST through a mount (``App.mount``), vs the same FastAPI app
called through its own ASGI interface.

Both rows run the same FastAPI app (``POST /api/tenants/{tenant}/orders`` validating
the ``Order`` body into the shared business logic) on portafunc's process event loop,
from the same API Gateway v2 event. The direct row hands the app a scope built once,
a ``receive`` that returns the body and a ``send`` that collects the messages: what
the smallest ASGI server does. The mounted row builds the ``HTTPRequest`` from the
event as an adapter does, then the pipeline routes it and the mount translates it
into a scope and the messages back into an ``HTTPResponse``: the difference between
the rows is portafunc's share. The TestClient row is for information.
"""

from __future__ import annotations

import json
from collections.abc import Callable, MutableMapping
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Context, HTTPRequest, HTTPResponse, _aio
from portafunc.pipeline import handle_http
from portafunc.testing import TestClient

pytestmark = pytest.mark.benchmark(group="asgi")

Event = dict[str, Any]
Message = MutableMapping[str, Any]
PATH = "/api/tenants/acme/orders"


def fastapi_shop(models: SimpleNamespace) -> FastAPI:
    """The shop's POST as a FastAPI app; the models come from the benchmarks' conftest."""
    api = FastAPI()

    async def create_order(tenant: str, order: Any) -> Any:
        return models.fulfil(tenant, order)

    # FastAPI reads the annotations when the route is added: the body model and the
    # response model are a fixture's classes, so they are set here, not written above.
    create_order.__annotations__.update({"order": models.Order, "return": models.Receipt})
    api.post("/tenants/{tenant}/orders", status_code=201)(create_order)
    return api


@pytest.fixture
def api(models: SimpleNamespace) -> FastAPI:
    return fastapi_shop(models)


@pytest.fixture
def mounted(api: FastAPI) -> App:
    app = App("shop")
    app.mount("/api", api)
    return app


@pytest.fixture
def mounted_event(api_event: Event) -> Event:
    """The shop's API Gateway v2 event, for the path under the mount."""
    context = {**api_event["requestContext"], "http": {**api_event["requestContext"]["http"]}}
    context["http"]["path"] = PATH
    return {**api_event, "rawPath": PATH, "requestContext": context}


def scope_of(event: Event) -> dict[str, Any]:
    """The scope an ASGI server would make of the event, built once, outside the row."""
    http = event["requestContext"]["http"]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": http["method"],
        "scheme": "https",
        "path": event["rawPath"],
        "raw_path": None,
        "root_path": "/api",
        "query_string": event["rawQueryString"].encode(),
        "headers": [(k.encode(), v.encode()) for k, v in event["headers"].items()],
        "client": (http["sourceIp"], 0),
        "server": None,
        "state": {},
    }


def check(status: int, body: bytes, total_cents: int) -> None:
    assert status == 201
    assert json.loads(body)["total_cents"] == total_cents


def test_fastapi_direct(
    benchmark: BenchmarkFixture,
    api: FastAPI,
    mounted_event: Event,
    total_cents: int,
) -> None:
    scope = scope_of(mounted_event)
    request: Message = {"type": "http.request", "body": mounted_event["body"].encode()}

    async def receive() -> Message:
        return request

    async def call() -> list[Message]:
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await api(dict(scope, state={}), receive, send)
        return sent

    start, *chunks = benchmark(lambda: _aio.run(call()))
    check(start["status"], b"".join(chunk["body"] for chunk in chunks), total_cents)


def test_portafunc_mount_handle_http(
    benchmark: BenchmarkFixture,
    mounted: App,
    mounted_event: Event,
    to_request: Callable[[Event], HTTPRequest],
    to_context: Callable[[str], Context],
    total_cents: int,
) -> None:
    def invoke() -> HTTPResponse:
        request = to_request(mounted_event)
        return handle_http(mounted, request, to_context(request.request_id))

    response = benchmark(invoke)
    check(response.status, response.body, total_cents)
    assert response.header("content-type") == "application/json"


def test_portafunc_mount_testclient(
    benchmark: BenchmarkFixture, mounted: App, order_json: str, total_cents: int
) -> None:
    client = TestClient(mounted)
    headers = {"content-type": "application/json"}
    response = benchmark(client.post, PATH, data=order_json, headers=headers)
    check(response.status, response.body, total_cents)
