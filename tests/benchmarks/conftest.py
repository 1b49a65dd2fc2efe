"""The pinned hand-written baselines of the core benchmarks, and what they share.

DESIGN §7: the hand-written handler validates with ``Model.model_validate_json``,
serializes with ``model_dump_json`` and builds the response by hand. Both sides
run the same business logic (:func:`fulfil`) on the same payload, and each
benchmark checks its result against the other side's, so a benchmark that
measures the wrong thing fails.

pytest imports test modules with ``--import-mode=importlib`` and this folder
has no ``__init__.py``: the test modules reach everything here through
fixtures, never by importing one another.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, Field

from portafunc import App, Context, HTTPRequest, Message

# -- the models (coldstart.py writes this section into its modules) ------------------


class Customer(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class LineItem(BaseModel):
    sku: str = Field(pattern=r"^[A-Z0-9-]{3,20}$")
    qty: int = Field(gt=0, le=1000)
    unit_price_cents: int = Field(ge=0)


class Order(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    customer: Customer
    items: list[LineItem] = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=500)


class Receipt(BaseModel):
    tenant: str
    order: Order
    total_cents: int


def fulfil(tenant: str, order: Order) -> Receipt:
    """The business logic both sides run."""
    total = sum(item.qty * item.unit_price_cents for item in order.items)
    return Receipt(tenant=tenant, order=order, total_cents=total)


ORDER: dict[str, Any] = {
    "id": "ord-7731",
    "customer": {"id": "cus-42", "name": "Ada Lovelace", "email": "ada@example.com"},
    "items": [{"sku": f"SKU-{n:04d}", "qty": n, "unit_price_cents": 250 * n} for n in range(1, 6)],
    "note": "leave at the door",
}
#: sum(n * 250n for n in 1..5)
TOTAL_CENTS = 13_750
ORDER_JSON = json.dumps(ORDER, separators=(",", ":"))

# -- provider payloads, as an AWS adapter receives them -------------------------------

#: An API Gateway HTTP API (payload format 2.0) event for the route
#: ``POST /tenants/{tenant}/orders``.
API_EVENT: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "POST /tenants/{tenant}/orders",
    "rawPath": "/tenants/acme/orders",
    "rawQueryString": "",
    "headers": {
        "accept": "application/json",
        "content-length": str(len(ORDER_JSON)),
        "content-type": "application/json",
        "host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "user-agent": "bench/1.0",
        "x-amzn-trace-id": "Root=1-65f0c0de-0123456789abcdef01234567",
        "x-forwarded-for": "203.0.113.7",
    },
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc123",
        "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
        "http": {
            "method": "POST",
            "path": "/tenants/acme/orders",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.7",
            "userAgent": "bench/1.0",
        },
        "requestId": "JKJaXmPLvHcESHA=",
        "routeKey": "POST /tenants/{tenant}/orders",
        "stage": "$default",
        "timeEpoch": 1_700_000_000_000,
    },
    "pathParameters": {"tenant": "acme"},
    "body": ORDER_JSON,
    "isBase64Encoded": False,
}

#: One SQS record of an ``orders`` queue batch.
SQS_RECORD: dict[str, Any] = {
    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
    "body": ORDER_JSON,
    "attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1700000000000",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1700000000001",
    },
    "messageAttributes": {},
    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders",
    "awsRegion": "eu-west-1",
}


def request_from(event: dict[str, Any]) -> HTTPRequest:
    """An HTTP API v2 event as an adapter turns it into a request, per invocation."""
    http = event["requestContext"]["http"]
    return HTTPRequest(
        http["method"],
        event["rawPath"],
        headers=event["headers"],
        query=event["rawQueryString"],
        body=event["body"].encode(),
        client_ip=http["sourceIp"],
        request_id=event["requestContext"]["requestId"],
        provider="aws",
        raw=event,
    )


def context_from(invocation_id: str) -> Context:
    """The per-invocation context an adapter builds."""
    return Context(provider="aws", invocation_id=invocation_id)


def message_from(record: dict[str, Any]) -> Message[Any]:
    """An SQS record as an adapter turns it into a message, per invocation."""
    attributes = record["attributes"]
    return Message(
        id=record["messageId"],
        body=record["body"].encode(),
        attributes=lambda: record["messageAttributes"],
        source=record["eventSourceARN"].rpartition(":")[2],
        time=int(attributes["SentTimestamp"]) / 1000,
        attempt=int(attributes["ApproximateReceiveCount"]),
        provider="aws",
        raw=record,
    )


# -- the pinned hand-written baselines ------------------------------------------------


def handwritten_http(event: dict[str, Any]) -> dict[str, Any]:
    """A hand-written Lambda handler behind API Gateway's own route."""
    order = Order.model_validate_json(event["body"])
    receipt = fulfil(event["pathParameters"]["tenant"], order)
    return {
        "status": 201,
        "headers": [("content-type", "application/json")],
        "body": receipt.model_dump_json(),
    }


def handwritten_message(record: dict[str, Any]) -> Receipt:
    """A hand-written SQS record handler."""
    return fulfil("acme", Order.model_validate_json(record["body"]))


# -- the portafunc app ----------------------------------------------------------------


def shop_app() -> App:
    app = App("shop")

    @app.post("/tenants/{tenant}/orders", status=201)
    def create_order(tenant: str, order: Order) -> Receipt:
        return fulfil(tenant, order)

    @app.queue("orders")
    def ship(msg: Message[Order]) -> Receipt:
        return fulfil("acme", msg.data)

    return app


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture
def shop() -> App:
    return shop_app()


@pytest.fixture
def api_event() -> dict[str, Any]:
    return API_EVENT


@pytest.fixture
def sqs_record() -> dict[str, Any]:
    return SQS_RECORD


@pytest.fixture
def order_json() -> str:
    return ORDER_JSON


@pytest.fixture
def total_cents() -> int:
    return TOTAL_CENTS


@pytest.fixture
def to_request() -> Callable[[dict[str, Any]], HTTPRequest]:
    return request_from


@pytest.fixture
def to_context() -> Callable[[str], Context]:
    return context_from


@pytest.fixture
def to_message() -> Callable[[dict[str, Any]], Message[Any]]:
    return message_from


@pytest.fixture
def baseline_http() -> Callable[[dict[str, Any]], dict[str, Any]]:
    return handwritten_http


@pytest.fixture
def baseline_message() -> Callable[[dict[str, Any]], Receipt]:
    return handwritten_message


@pytest.fixture
def models() -> SimpleNamespace:
    """The model classes and business logic, for benchmarks that declare their own handlers."""
    return SimpleNamespace(Order=Order, Receipt=Receipt, fulfil=fulfil)
