"""Group ``http-post``: a POST with a nested body model, portafunc vs hand-written.

Informs DESIGN §7 "API Gateway v2 event → route → body model → JSON response
≤ 2x the hand-written handler": here the core's share of it (the request built
from the event dict, routing, binding, validation, the handler, encoding). The
TestClient row is for information.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App, Context, HTTPRequest, HTTPResponse
from portafunc.pipeline import handle_http
from portafunc.testing import TestClient

pytestmark = pytest.mark.benchmark(group="http-post")

Event = dict[str, Any]


def test_handwritten(
    benchmark: BenchmarkFixture,
    api_event: Event,
    baseline_http: Callable[[Event], Event],
    total_cents: int,
) -> None:
    response = benchmark(baseline_http, api_event)
    assert response["status"] == 201
    assert response["headers"] == [("content-type", "application/json")]
    assert json.loads(response["body"])["total_cents"] == total_cents


def test_portafunc_handle_http(
    benchmark: BenchmarkFixture,
    shop: App,
    api_event: Event,
    to_request: Callable[[Event], HTTPRequest],
    to_context: Callable[[str], Context],
    baseline_http: Callable[[Event], Event],
) -> None:
    def invoke() -> HTTPResponse:
        request = to_request(api_event)
        return handle_http(shop, request, to_context(request.request_id))

    response = benchmark(invoke)
    expected = baseline_http(api_event)
    assert response.status == expected["status"]
    assert response.headers == expected["headers"]
    assert response.body == expected["body"].encode()


def test_portafunc_testclient(
    benchmark: BenchmarkFixture,
    shop: App,
    order_json: str,
    api_event: Event,
    baseline_http: Callable[[Event], Event],
) -> None:
    client = TestClient(shop)
    headers = {"content-type": "application/json"}

    response = benchmark(client.post, "/tenants/acme/orders", data=order_json, headers=headers)
    assert response.status == 201
    assert response.body == baseline_http(api_event)["body"].encode()
