"""Azure group: an HTTP POST through ``function_app`` against a hand-written
azure.functions handler.

Informs DESIGN §7: Azure HTTP through ``function_app`` ≤ 1.5x a hand-written
azure.functions handler.

Both rows get what the worker passes per invocation: a fresh ``func.HttpRequest``
(made as azure.functions' ``HttpRequestConverter`` makes it from the host's data)
and, for the portafunc wrapper, the invocation context. Each calls its function
directly, as the worker does; decoding the host's data and encoding the response are
the worker's work, the same for both, and not measured. The hand-written handler
sits behind the host's own route, so its route parameter comes from
``req.route_params``; the portafunc wrapper routes the path itself.
"""

import json
from collections.abc import Callable
from types import SimpleNamespace

import azure.functions as func
import pytest
from azure.functions.http import HttpRequest
from pytest_benchmark.fixture import BenchmarkFixture

from portafunc import App
from portafunc_azure import function_app
from portafunc_azure.testing import AzureContext, azure_function, http_request

Handler = Callable[..., func.HttpResponse]


@pytest.fixture
def new_request(order_json: str) -> Callable[[], HttpRequest]:
    """A fresh request per call, built from the fields the worker decodes."""
    template = http_request(
        "POST",
        "/tenants/acme/orders",
        body=order_json,
        headers={"content-type": "application/json"},
        route_params={"tenant": "acme"},
    )
    method, url, body = template.method, template.url, template.get_body()
    headers, params = dict(template.headers), dict(template.params)
    route_params = dict(template.route_params)

    def new() -> HttpRequest:
        return HttpRequest(
            method,
            url,
            headers=headers,
            params=params,
            route_params=route_params,
            body_type="bytes",
            body=body,
        )

    return new


def _answer(response: func.HttpResponse, order_json: str) -> tuple[int, str]:
    """The status and content type the worker sends back, once the body is checked."""
    expected = json.loads(order_json)
    total = sum(item["qty"] * item["unit_price_cents"] for item in expected["items"])
    assert json.loads(response.get_body()) == {
        "tenant": "acme",
        "order": expected,
        "total_cents": total,
    }
    # The worker's HttpResponseConverter sends the mimetype unless a header sets it.
    return response.status_code, response.headers.get("content-type") or response.mimetype


@pytest.mark.benchmark(group="azure-http")
def test_http_handwritten(
    benchmark: BenchmarkFixture,
    models: SimpleNamespace,
    new_request: Callable[[], HttpRequest],
    order_json: str,
) -> None:
    azure_app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @azure_app.route(route="tenants/{tenant}/orders", methods=["POST"])
    def create_order(req: func.HttpRequest) -> func.HttpResponse:
        order = models.Order.model_validate_json(req.get_body())
        receipt = models.fulfil(req.route_params["tenant"], order)
        return func.HttpResponse(
            receipt.model_dump_json(), status_code=201, mimetype="application/json"
        )

    handler: Handler = azure_function(azure_app, "create_order").get_user_function()
    response = benchmark(lambda: handler(req=new_request()))
    assert _answer(response, order_json) == (201, "application/json")


@pytest.mark.benchmark(group="azure-http")
def test_http_portafunc(
    benchmark: BenchmarkFixture,
    shop: App,
    new_request: Callable[[], HttpRequest],
    order_json: str,
) -> None:
    wrapper: Handler = azure_function(function_app(shop), "create_order").get_user_function()
    context = AzureContext("create_order")
    response = benchmark(lambda: wrapper(req=new_request(), context=context))
    assert _answer(response, order_json) == (201, "application/json")
