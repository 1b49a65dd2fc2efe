"""The shop's queue, topic, stream and event functions, through ``TestClient.send``."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from portafunc import Event, InvalidPayload
from portafunc.testing import Outcome, TestClient

OrderFactory = Callable[..., dict[str, Any]]


def _status(client: TestClient, tenant: str = "acme", order_id: int = 42) -> str:
    status: str = client.get(f"/tenants/{tenant}/orders/{order_id}").json()["status"]
    return status


# -- queue: ship (async) ---------------------------------------------------------------


def test_ship(client: TestClient, shop: ModuleType, make_order: OrderFactory) -> None:
    client.post("/tenants/acme/orders", json=make_order(qty=3))
    outcome = client.send("ship", make_order(qty=3), attributes={"tenant": "acme"})
    assert outcome.ok
    assert shop.shipments.get("acme/42") == "TRACK-000042"
    assert shop.stock.get("MUG-01") == 47
    assert _status(client) == "shipped"


def test_ship_by_function(client: TestClient, shop: ModuleType, make_order: OrderFactory) -> None:
    assert client.send(shop.ship, make_order()).ok
    assert "default/42" in shop.shipments


def test_ship_out_of_stock_fails(
    client: TestClient, shop: ModuleType, make_order: OrderFactory
) -> None:
    order = make_order(sku="CAP-01", price_cents=1800)
    with pytest.raises(shop.OutOfStock, match="CAP-01: fewer than 2 left"):
        client.send("ship", order)
    outcome = client.send("ship", order, raise_errors=False)
    assert not outcome.ok
    assert isinstance(outcome.error, shop.OutOfStock)
    assert len(shop.shipments) == 0


def test_ship_takes_all_or_nothing(
    client: TestClient, shop: ModuleType, make_order: OrderFactory
) -> None:
    order = make_order()
    order["items"].append({"sku": "CAP-01", "qty": 1, "price_cents": 1800})
    assert not client.send("ship", order, raise_errors=False).ok
    assert shop.stock.get("MUG-01") == 50


def test_ship_invalid_order(client: TestClient, shop: ModuleType, make_order: OrderFactory) -> None:
    with pytest.raises(InvalidPayload) as caught:
        client.send("ship", make_order(qty=0))
    assert caught.value.errors[0]["loc"] == ("items", 0, "qty")
    outcome = client.send("ship", {"id": 42}, raise_errors=False)
    assert not outcome.ok
    assert isinstance(outcome.error, InvalidPayload)
    assert len(shop.shipments) == 0


def test_ship_malformed_message(client: TestClient) -> None:
    outcome = client.send("ship", b'{"id": ', raise_errors=False)
    assert isinstance(outcome.error, InvalidPayload)
    assert outcome.error.malformed


# -- topic: reprice ----------------------------------------------------------------------


def test_reprice(client: TestClient, shop: ModuleType, make_order: OrderFactory) -> None:
    assert client.send("reprice", {"sku": "MUG-01", "price_cents": 1500}).ok
    assert shop.prices.get("MUG-01") == 1500
    stale = client.post("/tenants/acme/orders", json=make_order(price_cents=1200))
    assert stale.status == 409
    fresh = client.post("/tenants/acme/orders", json=make_order(price_cents=1500))
    assert fresh.status == 201


def test_reprice_rejects_negative_prices(client: TestClient, shop: ModuleType) -> None:
    outcome = client.send("reprice", {"sku": "MUG-01", "price_cents": -5}, raise_errors=False)
    assert isinstance(outcome.error, InvalidPayload)
    assert shop.prices.get("MUG-01") == 1200


# -- stream: restock -------------------------------------------------------------------


def test_restock(client: TestClient, shop: ModuleType) -> None:
    client.send("restock", {"sku": "CAP-01", "delta": 10})
    client.send("restock", {"sku": "CAP-01", "delta": -3})
    client.send("restock", {"sku": "NEW-01", "delta": 4})
    assert (shop.stock.get("CAP-01"), shop.stock.get("NEW-01")) == (7, 4)


def test_restock_needs_a_delta(client: TestClient) -> None:
    outcome = client.send("restock", {"sku": "CAP-01"}, raise_errors=False)
    assert isinstance(outcome.error, InvalidPayload)


# -- event: PaymentReceived --------------------------------------------------------------


def test_payment_received(client: TestClient, shop: ModuleType, make_order: OrderFactory) -> None:
    client.post("/tenants/acme/orders", json=make_order())
    payment = {"tenant": "acme", "order_id": 42, "amount_cents": 2400}
    assert client.send("payment_received", payment).ok
    assert shop.payments.get("acme/42") == 2400
    assert _status(client) == "paid"


def test_payment_for_an_unknown_order_fails(client: TestClient, shop: ModuleType) -> None:
    payment = {"tenant": "acme", "order_id": 7, "amount_cents": 100}
    outcome = client.send("payment_received", payment, raise_errors=False)
    assert isinstance(outcome.error, shop.UnknownOrder)
    with pytest.raises(LookupError):
        client.send("payment_received", payment)


def test_payment_must_be_positive(client: TestClient) -> None:
    payment = {"tenant": "acme", "order_id": 42, "amount_cents": 0}
    outcome = client.send("payment_received", payment, raise_errors=False)
    assert isinstance(outcome.error, InvalidPayload)


def test_other_event_types_are_acknowledged_unseen(client: TestClient, shop: ModuleType) -> None:
    refund = Event[Any](id="1", source="billing", type="RefundIssued", data={"order_id": 7})
    outcome = client.trigger("payment_received", refund)
    assert outcome == Outcome(ok=True)
    assert len(shop.payments) == 0
