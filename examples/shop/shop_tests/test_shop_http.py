"""The shop's HTTP functions, through the TestClient."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from portafunc.testing import TestClient

OrderFactory = Callable[..., dict[str, Any]]
PROBLEM = "application/problem+json"


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status == 200
    assert response.text == "ok"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_create_order(
    client: TestClient, make_order: OrderFactory, shop_logs: pytest.LogCaptureFixture
) -> None:
    response = client.post("/tenants/acme/orders", json=make_order())
    assert response.status == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == make_order()
    [record] = [r for r in shop_logs.records if r.getMessage() == "order created"]
    assert record.name == "portafunc.shop.create_order"
    assert (vars(record)["tenant"], vars(record)["order_id"]) == ("acme", 42)


def test_orders_are_kept_per_tenant(client: TestClient, make_order: OrderFactory) -> None:
    assert client.post("/tenants/acme/orders", json=make_order()).status == 201
    assert client.post("/tenants/globex/orders", json=make_order()).status == 201
    assert client.get("/tenants/initech/orders/42").status == 404


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("qty", 0, ["body", "items", 0, "qty"]),
        ("qty", 101, ["body", "items", 0, "qty"]),
        ("sku", "mug 01", ["body", "items", 0, "sku"]),
        ("price_cents", -1, ["body", "items", 0, "price_cents"]),
    ],
)
def test_create_order_validates_line_items(
    client: TestClient, make_order: OrderFactory, field: str, value: object, loc: list[object]
) -> None:
    response = client.post("/tenants/acme/orders", json=make_order(**{field: value}))
    assert response.status == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["loc"] for error in response.json()["errors"]] == [loc]


def test_create_order_needs_items(client: TestClient, make_order: OrderFactory) -> None:
    body = {**make_order(), "items": []}
    response = client.post("/tenants/acme/orders", json=body)
    assert response.status == 422
    assert response.json()["errors"][0]["loc"] == ["body", "items"]


def test_create_order_rejects_malformed_json(client: TestClient) -> None:
    response = client.post("/tenants/acme/orders", data=b'{"id": 1')
    assert response.status == 400
    assert response.json()["title"] == "Bad Request"


def test_create_order_unknown_sku(client: TestClient, make_order: OrderFactory) -> None:
    response = client.post("/tenants/acme/orders", json=make_order(sku="HAT-99"))
    assert response.status == 422
    assert response.json() == {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "unknown SKU 'HAT-99'",
    }


def test_duplicate_order_is_a_conflict(client: TestClient, make_order: OrderFactory) -> None:
    assert client.post("/tenants/acme/orders", json=make_order()).status == 201
    response = client.post("/tenants/acme/orders", json=make_order())
    assert response.status == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "order 42 already exists",
    }


def test_stale_price_is_a_conflict(client: TestClient, make_order: OrderFactory) -> None:
    response = client.post("/tenants/acme/orders", json=make_order(price_cents=999))
    assert response.status == 409
    assert response.json()["detail"] == "MUG-01 costs 1200 cents now, not 999"


def test_get_order(client: TestClient, make_order: OrderFactory) -> None:
    client.post("/tenants/acme/orders", json=make_order(qty=3))
    response = client.get("/tenants/acme/orders/42")
    assert response.status == 200
    assert response.json() == {**make_order(qty=3), "status": "placed", "total_cents": None}


@pytest.mark.parametrize(("flag", "total"), [("true", 3600), ("1", 3600), ("false", None)])
def test_get_order_with_total(
    client: TestClient, make_order: OrderFactory, flag: str, total: int | None
) -> None:
    client.post("/tenants/acme/orders", json=make_order(qty=3))
    response = client.get("/tenants/acme/orders/42", query={"with_total": flag})
    assert response.json()["total_cents"] == total


def test_get_order_rejects_a_bad_flag(client: TestClient, make_order: OrderFactory) -> None:
    client.post("/tenants/acme/orders", json=make_order())
    response = client.get("/tenants/acme/orders/42?with_total=maybe")
    assert response.status == 422
    assert response.json()["errors"][0]["loc"] == ["query", "with_total"]


def test_get_order_id_must_be_an_integer(client: TestClient) -> None:
    response = client.get("/tenants/acme/orders/forty-two")
    assert response.status == 422
    assert response.json()["errors"][0]["loc"] == ["path", "order_id"]


def test_get_missing_order(client: TestClient) -> None:
    response = client.get("/tenants/acme/orders/7")
    assert response.status == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "no order 7 for tenant 'acme'"


def test_cancel_order(client: TestClient, make_order: OrderFactory) -> None:
    client.post("/tenants/acme/orders", json=make_order())
    response = client.delete("/tenants/acme/orders/42")
    assert response.status == 204
    assert response.body == b""
    assert client.get("/tenants/acme/orders/42").status == 404
    assert client.delete("/tenants/acme/orders/42").status == 404


def test_cancel_shipped_order_is_a_conflict(
    client: TestClient, shop: ModuleType, make_order: OrderFactory
) -> None:
    client.post("/tenants/acme/orders", json=make_order())
    client.send("ship", make_order(), attributes={"tenant": "acme"})
    response = client.delete("/tenants/acme/orders/42")
    assert response.status == 409
    assert response.json()["detail"] == "order 42 has shipped"
    assert "acme/42" in shop.orders


def test_wrong_method(client: TestClient) -> None:
    response = client.put("/tenants/acme/orders/42")
    assert response.status == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD"


def test_no_route(client: TestClient) -> None:
    response = client.get("/tenants/acme/invoices")
    assert response.status == 404
    assert response.headers["content-type"] == PROBLEM
