"""GCP groups: an HTTP POST and a Pub/Sub CloudEvent through functions-framework,
portafunc's entry points against bare functions-framework functions.

Informs DESIGN §7: GCP through functions-framework ≤ 1.1x a bare functions-framework
function doing the same work.

Every row is functions-framework's own Flask app (``create_app``) driven by its test
client, which is what the server runs per request: the WSGI environ, the execution-id
middleware, Flask's routing and request, the function, the response. The bare
functions are what a user would write in ``main.py``.

- ``gcp-http``: the app entry of ``entry_points(shop)`` against
  ``Order.model_validate_json(request.get_data())``, the same business logic, and
  ``flask.Response(receipt.model_dump_json(), 201, mimetype="application/json")``; the
  bare function takes the tenant from the path, having no router.
- ``gcp-pubsub``: a ``messagePublished`` CloudEvent in binary mode (Eventarc's) posted
  to the ``ship`` queue entry against a ``@functions_framework.cloud_event`` function
  that base64-decodes the message data, validates the order and runs the same business
  logic. functions-framework ignores what a CloudEvent function returns, so both
  handlers record the total they computed, and each row checks it.
"""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from cloudevents.conversion import to_binary
from flask.testing import FlaskClient
from pytest_benchmark.fixture import BenchmarkFixture
from werkzeug.test import TestResponse

from portafunc import App, Message
from portafunc_gcp.testing import create_app, pubsub_event

PATH = "/tenants/acme/orders"
HEADERS = {"content-type": "application/json", "user-agent": "bench/1.0"}

BARE_HTTP = """\
import flask
import functions_framework

from gcp_bench_models import models


@functions_framework.http
def create_order(request: flask.Request) -> flask.Response:
    order = models.Order.model_validate_json(request.get_data())
    receipt = models.fulfil(request.path.split("/")[2], order)
    return flask.Response(receipt.model_dump_json(), 201, mimetype="application/json")
"""

BARE_PUBSUB = """\
import base64

import functions_framework
from cloudevents.http import CloudEvent

from gcp_bench_models import models, totals


@functions_framework.cloud_event
def ship(event: CloudEvent) -> None:
    order = models.Order.model_validate_json(base64.b64decode(event.data["message"]["data"]))
    totals.append(models.fulfil("acme", order).total_cents)
"""


def serve_main(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    target: str,
    shared: SimpleNamespace,
) -> FlaskClient:
    """A test client of functions-framework serving ``target`` of a ``main.py`` of ``source``.

    ``source`` imports ``shared``'s attributes from the module ``gcp_bench_models``.
    """
    holder = ModuleType("gcp_bench_models")
    vars(holder).update(vars(shared))
    monkeypatch.setitem(sys.modules, holder.__name__, holder)
    monkeypatch.setattr(sys, "path", list(sys.path))  # create_app appends the source's folder
    monkeypatch.delitem(sys.modules, "main", raising=False)
    main = tmp_path / "main.py"
    main.write_text(source, encoding="utf-8")
    client = create_app(main, target).test_client()
    sys.modules.pop("main", None)  # functions-framework added it; monkeypatch restores any other
    return client


# -- HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: SimpleNamespace) -> FlaskClient:
    shared = SimpleNamespace(models=models)
    return serve_main(tmp_path, monkeypatch, BARE_HTTP, "create_order", shared)


@pytest.fixture
def check(order_json: str) -> Callable[[TestResponse], None]:
    order = json.loads(order_json)
    total = sum(item["qty"] * item["unit_price_cents"] for item in order["items"])

    def check(response: TestResponse) -> None:
        assert response.status_code == 201
        assert response.headers["content-type"] == "application/json"
        assert response.json == {"tenant": "acme", "order": order, "total_cents": total}

    return check


@pytest.mark.benchmark(group="gcp-http")
def test_http_bare_function(
    benchmark: BenchmarkFixture,
    bare: FlaskClient,
    order_json: str,
    check: Callable[[TestResponse], None],
) -> None:
    check(benchmark(bare.post, PATH, data=order_json, headers=HEADERS))


@pytest.mark.benchmark(group="gcp-http")
def test_http_portafunc(
    benchmark: BenchmarkFixture,
    shop: App,
    order_json: str,
    check: Callable[[TestResponse], None],
) -> None:
    client = create_app(shop, "shop").test_client()  # the app entry, serving every route
    check(benchmark(client.post, PATH, data=order_json, headers=HEADERS))


# -- Pub/Sub ------------------------------------------------------------------------------


@pytest.fixture
def published(order_json: str) -> tuple[dict[str, str], bytes]:
    """The ``ce-*`` headers and JSON body Eventarc posts for one message on ``orders``."""
    event = pubsub_event(
        order_json, attributes={"origin": "bench"}, topic="orders", project="p", subscription="s"
    )
    return to_binary(event)


@pytest.fixture
def totals() -> list[int]:
    """The totals the handlers computed, one per delivery."""
    return []


@pytest.fixture
def check_delivery(totals: list[int], total_cents: int) -> Callable[[TestResponse], None]:
    def check(response: TestResponse) -> None:
        assert response.status_code == 200
        assert totals
        assert set(totals) == {total_cents}

    return check


def recording_shop(models: SimpleNamespace, totals: list[int]) -> App:
    """The ``shop`` fixture's ``ship`` queue function, also recording each total."""
    app = App("shop")
    Order, Receipt = models.Order, models.Receipt  # classes, for annotations

    @app.queue("orders")
    def ship(msg: Message[Order]) -> Receipt:  # type: ignore[valid-type]
        receipt = models.fulfil("acme", msg.data)
        totals.append(receipt.total_cents)
        return receipt  # type: ignore[no-any-return]

    return app


@pytest.mark.benchmark(group="gcp-pubsub")
def test_pubsub_bare_function(
    benchmark: BenchmarkFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    models: SimpleNamespace,
    totals: list[int],
    published: tuple[dict[str, str], bytes],
    check_delivery: Callable[[TestResponse], None],
) -> None:
    shared = SimpleNamespace(models=models, totals=totals)
    client = serve_main(tmp_path, monkeypatch, BARE_PUBSUB, "ship", shared)
    headers, body = published
    check_delivery(benchmark(client.post, "/", headers=headers, data=body))


@pytest.mark.benchmark(group="gcp-pubsub")
def test_pubsub_portafunc(
    benchmark: BenchmarkFixture,
    models: SimpleNamespace,
    totals: list[int],
    published: tuple[dict[str, str], bytes],
    check_delivery: Callable[[TestResponse], None],
) -> None:
    client = create_app(recording_shop(models, totals), "ship").test_client()
    headers, body = published
    check_delivery(benchmark(client.post, "/", headers=headers, data=body))
