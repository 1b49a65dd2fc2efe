"""GCP group: an HTTP POST through functions-framework, the app entry of
``entry_points(shop)`` against a bare functions-framework HTTP function.

Informs DESIGN §7: GCP HTTP through functions-framework ≤ 1.1x a bare
functions-framework function doing the same work.

Both rows are functions-framework's own Flask app (``create_app``) driven by its
test client, which is what the server runs per request: the WSGI environ, the
execution-id middleware, Flask's routing and request, the function, the response.
The bare function is what a user would write in ``main.py``:
``Order.model_validate_json(request.get_data())``, the same business logic, and
``flask.Response(receipt.model_dump_json(), 201, mimetype="application/json")``; it
takes the tenant from the path, having no router.
"""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from flask.testing import FlaskClient
from pytest_benchmark.fixture import BenchmarkFixture
from werkzeug.test import TestResponse

from portafunc import App
from portafunc_gcp.testing import create_app

pytestmark = pytest.mark.benchmark(group="gcp-http")

PATH = "/tenants/acme/orders"
HEADERS = {"content-type": "application/json", "user-agent": "bench/1.0"}

BARE = """\
import flask
import functions_framework

from gcp_bench_models import models


@functions_framework.http
def create_order(request: flask.Request) -> flask.Response:
    order = models.Order.model_validate_json(request.get_data())
    receipt = models.fulfil(request.path.split("/")[2], order)
    return flask.Response(receipt.model_dump_json(), 201, mimetype="application/json")
"""


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: SimpleNamespace) -> FlaskClient:
    holder = ModuleType("gcp_bench_models")
    holder.models = models  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, holder.__name__, holder)
    monkeypatch.setattr(sys, "path", list(sys.path))  # create_app appends the source's folder
    monkeypatch.delitem(sys.modules, "main", raising=False)
    source = tmp_path / "main.py"
    source.write_text(BARE, encoding="utf-8")
    return create_app(source, "create_order").test_client()


@pytest.fixture
def check(order_json: str) -> Callable[[TestResponse], None]:
    order = json.loads(order_json)
    total = sum(item["qty"] * item["unit_price_cents"] for item in order["items"])

    def check(response: TestResponse) -> None:
        assert response.status_code == 201
        assert response.headers["content-type"] == "application/json"
        assert response.json == {"tenant": "acme", "order": order, "total_cents": total}

    return check


def test_http_bare_function(
    benchmark: BenchmarkFixture,
    bare: FlaskClient,
    order_json: str,
    check: Callable[[TestResponse], None],
) -> None:
    check(benchmark(bare.post, PATH, data=order_json, headers=HEADERS))


def test_http_portafunc(
    benchmark: BenchmarkFixture,
    shop: App,
    order_json: str,
    check: Callable[[TestResponse], None],
) -> None:
    client = create_app(shop, "shop").test_client()  # the app entry, serving every route
    check(benchmark(client.post, PATH, data=order_json, headers=HEADERS))
