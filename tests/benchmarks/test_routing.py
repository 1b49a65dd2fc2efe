"""Group ``routing``: the same templated route in an app of 2 routes and one of 200.

Informs DESIGN §7 "routing with 200 routes ≤ 1.5x the cost with 2 routes", both
through the whole pipeline (:func:`handle_http`, trivial handler) and through
``Router.match`` alone. The requested route is declared last in both apps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Context, HTTPRequest, HTTPResponse
from portafunc.pipeline import handle_http

pytestmark = pytest.mark.benchmark(group="routing")

Event = dict[str, Any]
PATH = "/v1/orders/ord-7731/items/3"
#: Six REST shapes per resource: 2 static, 2 with one parameter, one with two, one with three.
SHAPES = (
    ("GET", "/v1/resource{i}"),
    ("POST", "/v1/resource{i}"),
    ("GET", "/v1/resource{i}/{{id}}"),
    ("PATCH", "/v1/resource{i}/{{id}}"),
    ("GET", "/v1/resource{i}/{{id}}/items/{{item_id}}"),
    ("GET", "/v1/resource{i}/{{id}}/items/{{item_id}}/versions/{{version}}"),
)


def noop() -> None:
    return None


def order_item(order_id: str, item_id: str) -> str:
    return f"{order_id}/{item_id}"


def routed_app(routes: int) -> App:
    """``routes - 2`` generated routes, then ``GET /v1/health`` and the requested route."""
    app = App(f"routes-{routes}")
    generated = [
        (method, template.format(i=i))
        for i in range(routes // len(SHAPES) + 1)
        for method, template in SHAPES
    ][: routes - 2]
    for n, (method, path) in enumerate(generated):
        app.http(method, path, name=f"route{n}")(noop)
    app.get("/v1/health", name="health")(noop)
    app.get("/v1/orders/{order_id}/items/{item_id}")(order_item)
    assert len(app.functions) == routes
    return app


def get_event(path: str) -> Event:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"accept": "text/plain", "host": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": {
            "http": {"method": "GET", "path": path, "sourceIp": "203.0.113.7"},
            "requestId": "JKJaXmPLvHcESHA=",
        },
        "body": "",
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("routes", [2, 200], ids=["2-routes", "200-routes"])
def test_handle_http(
    benchmark: BenchmarkFixture,
    routes: int,
    to_request: Callable[[Event], HTTPRequest],
    to_context: Callable[[str], Context],
) -> None:
    app = routed_app(routes)
    event = get_event(PATH)

    def invoke() -> HTTPResponse:
        request = to_request(event)
        return handle_http(app, request, to_context(request.request_id))

    response = benchmark(invoke)
    assert response.status == 200
    assert response.body == b"ord-7731/3"


@pytest.mark.parametrize("routes", [2, 200], ids=["2-routes", "200-routes"])
def test_router_match(benchmark: BenchmarkFixture, routes: int) -> None:
    app = routed_app(routes)

    function, params = benchmark(app.router.match, "GET", PATH)
    assert function is app.function("order_item")
    assert params == {"order_id": "ord-7731", "item_id": "3"}
