"""Group ``async``: an ``async def`` handler through :func:`handle_http`, vs a sync one.

For information: a sync caller runs async handlers on the process event loop
(DESIGN §4), so each call crosses to the loop's thread and back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Context, HTTPRequest, HTTPResponse
from portafunc.pipeline import handle_http

pytestmark = pytest.mark.benchmark(group="async")

Event = dict[str, Any]


def greeting_app() -> App:
    app = App("greetings")

    @app.get("/sync/{name}")
    def hello_sync(name: str) -> str:
        return f"hello {name}"

    @app.get("/async/{name}")
    async def hello_async(name: str) -> str:
        return f"hello {name}"

    return app


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_handle_http(
    benchmark: BenchmarkFixture,
    kind: str,
    to_request: Callable[[Event], HTTPRequest],
    to_context: Callable[[str], Context],
) -> None:
    app = greeting_app()
    path = f"/{kind}/ada"
    event: Event = {
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"accept": "text/plain"},
        "requestContext": {
            "http": {"method": "GET", "path": path, "sourceIp": "203.0.113.7"},
            "requestId": "JKJaXmPLvHcESHA=",
        },
        "body": "",
    }

    def invoke() -> HTTPResponse:
        request = to_request(event)
        return handle_http(app, request, to_context(request.request_id))

    response = benchmark(invoke)
    assert response.status == 200
    assert response.body == b"hello ada"
