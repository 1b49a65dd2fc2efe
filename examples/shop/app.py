"""A small shop that uses every portafunc trigger kind.

Orders come in over HTTP, payments as events, shipping through a queue; prices
change on a topic, stock on a stream; price lists land in a bucket; a schedule
sweeps unpaid orders and a change feed audits the orders table. State lives in
``store.py`` (in memory), so the app can be served and tried locally::

    uv run portafunc serve examples/shop/app.py:app
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

import store  # a sibling module: `serve` and the tests put examples/shop on sys.path
from pydantic import BaseModel, Field

from portafunc import (
    App,
    ChangeEvent,
    Context,
    Event,
    HTTPError,
    HTTPRequest,
    HTTPResponse,
    Message,
    Query,
    ScheduleEvent,
    StorageEvent,
)

app = App("shop")

# -- the model ---------------------------------------------------------------------------


class LineItem(BaseModel):
    sku: str = Field(pattern=r"^[A-Z0-9-]{1,32}$")
    qty: int = Field(gt=0, le=100)
    price_cents: int = Field(ge=0)


class Order(BaseModel):
    id: int = Field(gt=0)
    customer: str = Field(min_length=1, max_length=100)
    items: list[LineItem] = Field(min_length=1, max_length=50)

    def total(self) -> int:
        return sum(item.qty * item.price_cents for item in self.items)


Status = Literal["placed", "paid", "shipped"]


class OrderView(Order):
    status: Status
    total_cents: int | None = None


class Payment(BaseModel):
    tenant: str
    order_id: int
    amount_cents: int = Field(gt=0)


class PriceChange(BaseModel):
    sku: str
    price_cents: int = Field(ge=0)


class StockMovement(BaseModel):
    sku: str
    delta: int


class AuditEntry(BaseModel):
    kind: str
    key: dict[str, object]
    total_before: int | None
    total_after: int | None


class Conflict(Exception):
    """A request that contradicts the shop's state; answered with 409."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class OutOfStock(Exception):
    """Not enough stock to ship: the message fails and is delivered again later."""


class UnknownOrder(LookupError):
    """An event for an order the shop does not know (yet)."""


# -- the state -------------------------------------------------------------------------

orders: store.Table[Order] = store.Table("orders")
prices: store.Table[int] = store.Table("prices")
stock: store.Table[int] = store.Table("stock")
payments: store.Table[int] = store.Table("payments")
shipments: store.Table[str] = store.Table("shipments")
uploads: store.Table[int | None] = store.Table("uploads")
sweeps: store.Log[datetime | None] = store.Log("sweeps")
audit_log: store.Log[AuditEntry] = store.Log("audit")

CATALOG = {"MUG-01": (1200, 50), "TEE-M": (2500, 20), "CAP-01": (1800, 0)}


def order_key(tenant: str, order_id: int) -> str:
    return f"{tenant}/{order_id}"


@app.on_startup
def seed_catalog() -> None:
    """Load prices and stock once per cold start."""
    for sku, (price, units) in CATALOG.items():
        prices.insert(sku, price)
        stock.insert(sku, units)


# -- HTTP --------------------------------------------------------------------------------


@app.get("/health")
def health() -> str:
    return "ok"


@app.post("/tenants/{tenant}/orders", status=201)
def create_order(tenant: str, order: Order, ctx: Context) -> Order:
    for item in order.items:
        price = prices.get(item.sku)
        if price is None:
            raise HTTPError(422, f"unknown SKU {item.sku!r}")
        if price != item.price_cents:
            raise Conflict(f"{item.sku} costs {price} cents now, not {item.price_cents}")
    if not orders.insert(order_key(tenant, order.id), order):
        raise Conflict(f"order {order.id} already exists")
    ctx.logger.info("order created", extra={"tenant": tenant, "order_id": order.id})
    return order


@app.get("/tenants/{tenant}/orders/{order_id}")
def get_order(
    tenant: str, order_id: int, with_total: Annotated[bool, Query()] = False
) -> OrderView:
    key = order_key(tenant, order_id)
    order = orders.get(key)
    if order is None:
        raise HTTPError(404, f"no order {order_id} for tenant {tenant!r}")
    status: Status = "shipped" if key in shipments else "paid" if key in payments else "placed"
    return OrderView(
        **order.model_dump(),
        status=status,
        total_cents=order.total() if with_total else None,
    )


@app.delete("/tenants/{tenant}/orders/{order_id}")
def cancel_order(tenant: str, order_id: int) -> None:
    key = order_key(tenant, order_id)
    if key in shipments:
        raise Conflict(f"order {order_id} has shipped")
    if orders.delete(key) is None:
        raise HTTPError(404, f"no order {order_id} for tenant {tenant!r}")


@app.exception_handler(Conflict)
def conflict(request: HTTPRequest, exc: Conflict) -> HTTPResponse:
    problem = {"type": "about:blank", "title": "Conflict", "status": 409, "detail": exc.detail}
    return HTTPResponse.json(problem, 409, content_type="application/problem+json")


# -- messages and events -------------------------------------------------------------


async def book_courier(order: Order) -> str:
    """Stands in for a call to a carrier's API."""
    await asyncio.sleep(0)
    return f"TRACK-{order.id:06d}"


@app.queue("orders", batch_size=10, timeout=30)
async def ship(msg: Message[Order]) -> None:
    order = msg.data
    key = order_key(msg.attributes.get("tenant", "default"), order.id)
    for item in order.items:
        if (stock.get(item.sku) or 0) < item.qty:
            raise OutOfStock(f"{item.sku}: fewer than {item.qty} left")
    for item in order.items:
        stock.put(item.sku, (stock.get(item.sku) or 0) - item.qty)
    shipments.put(key, await book_courier(order))


@app.topic("price-changes")
def reprice(msg: Message[PriceChange]) -> None:
    prices.put(msg.data.sku, msg.data.price_cents)


@app.stream("stock-movements")
def restock(msg: Message[StockMovement]) -> None:
    movement = msg.data
    stock.put(movement.sku, (stock.get(movement.sku) or 0) + movement.delta)


@app.event(type="PaymentReceived")
def payment_received(event: Event[Payment]) -> None:
    payment = event.data
    key = order_key(payment.tenant, payment.order_id)
    if key not in orders:
        raise UnknownOrder(key)
    payments.put(key, payment.amount_cents)


@app.storage("uploads", events=("created", "deleted"), suffix=".csv")
def price_list(event: StorageEvent) -> None:
    if event.action == "created":
        uploads.put(event.key, event.size)
    else:
        uploads.delete(event.key)


@app.schedule("*/5 * * * *")
def sweep(event: ScheduleEvent, ctx: Context) -> int:
    """Count the orders still waiting for payment."""
    unpaid = sum(1 for key, _ in orders.items() if key not in payments)
    sweeps.append(event.time)
    ctx.logger.info("%d unpaid order(s)", unpaid)
    return unpaid


@app.changes("orders")
def audit(change: ChangeEvent[Order]) -> None:
    audit_log.append(
        AuditEntry(
            kind=change.kind,
            key=dict(change.key),
            total_before=change.old.total() if change.old else None,
            total_after=change.new.total() if change.new else None,
        )
    )
