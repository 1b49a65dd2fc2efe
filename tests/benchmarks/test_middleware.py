"""Group ``middleware``: the same POST through ``handle_http`` with no middleware, one
plain-function middleware and one ``async def`` middleware (each passing the request on
and adding a header to the response).

For information (DESIGN §7 has no budget for it): what a middleware costs per call;
the row without middleware is the ``http-post`` group's portafunc row, which must not
change when middleware exists elsewhere in portafunc.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Context, HTTPRequest, HTTPResponse
from portafunc.pipeline import handle_http

pytestmark = pytest.mark.benchmark(group="middleware")

Event = dict[str, Any]
Next = Callable[[Any], Any]


def stamp(request: HTTPRequest, ctx: Context, call_next: Next) -> HTTPResponse:
    response: HTTPResponse = call_next(request)
    response.headers.append(("x-stamp", "1"))
    return response


async def stamp_async(request: HTTPRequest, ctx: Context, call_next: Next) -> HTTPResponse:
    response: HTTPResponse = await call_next(request)
    response.headers.append(("x-stamp", "1"))
    return response


@pytest.mark.parametrize("kind", ["none", "sync", "async"])
def test_handle_http(
    benchmark: BenchmarkFixture,
    shop: App,
    kind: str,
    api_event: Event,
    to_request: Callable[[Event], HTTPRequest],
    to_context: Callable[[str], Context],
    total_cents: int,
) -> None:
    if kind != "none":
        shop.middleware(stamp if kind == "sync" else stamp_async)

    def invoke() -> HTTPResponse:
        request = to_request(api_event)
        return handle_http(shop, request, to_context(request.request_id))

    response = benchmark(invoke)
    assert response.status == 201
    assert (response.header("x-stamp") is not None) == (kind != "none")
    assert json.loads(response.body)["total_cents"] == total_cents
