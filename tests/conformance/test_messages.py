"""Queue, topic and stream messages and ``event(type=...)`` events: model, text and
binary data, attributes, invalid data and raising handlers (failures), async handlers.
Each handler records the envelope it saw in ``SEEN``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from pydantic import BaseModel, Field

from portafunc import App, BatchResult, Event, Message

app = App("conformance-messages")
SEEN: list[Any] = []


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


def fail_on(data: Any) -> None:
    """Raise for data that asks for it: the handler failed after seeing the message."""
    if (isinstance(data, Order) and data.id == "lost") or data in ("fail", b"fail"):
        raise LookupError("lost")


@app.queue("orders")
def ship(msg: Message[Order]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.queue("notes")
def note(msg: Message[str]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.queue("payouts")
async def payout(msg: Message[Order]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.queue("jobs", azure={"service": "service_bus"})
def job(msg: Message[dict[str, Any]]) -> None:
    SEEN.append(msg)


@app.topic("invoices")
def invoice(msg: Message[Order]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.topic("alerts")
async def alert(msg: Message[str]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.stream("readings")
def reading(msg: Message[bytes]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.stream("movements")
async def movement(msg: Message[Order]) -> None:
    SEEN.append(msg)
    fail_on(msg.data)


@app.queue("bulk-orders")
def bulk(batch: list[Message[Order]]) -> BatchResult:
    SEEN.extend(batch)
    return BatchResult(failed=[msg.id for msg in batch if msg.data.id == "lost"])


@app.stream("bulk-movements")
async def bulk_movements(batch: list[Message[Order]]) -> None:
    SEEN.extend(batch)
    for msg in batch:
        fail_on(msg.data)


@app.event(type="OrderPlaced")
def placed(event: Event[Order]) -> None:
    SEEN.append(event)
    fail_on(event.data)


@app.event(type="com.example.audit")
async def audited(event: Event[dict[str, Any]]) -> None:
    SEEN.append(event)


@dataclass(frozen=True)
class Case:
    """A delivery to a function, and whether the reference fails it."""

    id: str
    function: str
    delivery: Message[Any] | Event[Any]
    failed: bool = False


def message(data: Any = None, *, body: bytes | None = None, **attributes: str) -> Message[Any]:
    """A message of ``data`` (JSON) or of raw ``body`` bytes, with ``attributes``."""
    if body is not None:
        return Message(id="case", body=body, attributes=attributes)
    return Message(id="case", data=data, attributes=attributes)


def event(type: str, data: Any, subject: str | None = None) -> Event[Any]:
    return Event(id="case", source="//example.com/shop", type=type, subject=subject, data=data)


ORDER = {"id": "a1", "qty": 2}
LOST = {"id": "lost", "qty": 1}
TEXT = "Zoë 👋 שלום e\u0301"
BINARY = b"\x00\xff\xfe\x80 not UTF-8 \xc3\x28"

CASES = [
    Case("queue-model", "ship", message(ORDER)),
    Case("queue-invalid-data", "ship", message({"id": "a1", "qty": 0}), failed=True),
    Case("queue-malformed-json", "ship", message(body=b"{not json"), failed=True),
    Case("queue-handler-raises", "ship", message(LOST), failed=True),
    Case("queue-str-unicode", "note", message(body=TEXT.encode())),
    Case("queue-str-raises", "note", message(body=b"fail"), failed=True),
    Case("queue-attributes", "ship", message(ORDER, tenant="acme")),
    Case("queue-async", "payout", message(ORDER)),
    Case("queue-async-raises", "payout", message(LOST), failed=True),
    Case("queue-service-bus-attributes", "job", message({"n": [1, 2]}, tenant="acme", trace="t-1")),
    Case("topic-model-attributes", "invoice", message(ORDER, tenant="acme", region="eu")),
    Case("topic-unicode-attributes", "invoice", message(ORDER, note=TEXT)),
    Case("topic-handler-raises", "invoice", message(LOST), failed=True),
    Case("topic-async-str", "alert", message(body=TEXT.encode(), level="high")),
    Case("topic-async-raises", "alert", message(body=b"fail"), failed=True),
    Case("stream-binary-bytes", "reading", message(body=BINARY)),
    Case("stream-empty-bytes", "reading", message(body=b"")),
    Case("stream-bytes-raises", "reading", message(body=b"fail"), failed=True),
    Case("stream-async-model", "movement", message(ORDER)),
    Case("stream-async-invalid", "movement", message({"id": "a1"}), failed=True),
    Case("batch-queue-model", "bulk", message(ORDER, tenant="acme")),
    Case("batch-queue-invalid-data", "bulk", message({"id": "a1", "qty": 0}), failed=True),
    Case("batch-queue-reported-failure", "bulk", message(LOST), failed=True),
    Case("batch-stream-async-model", "bulk_movements", message(ORDER)),
    Case("batch-stream-async-raises", "bulk_movements", message(LOST), failed=True),
    Case("event-model-subject", "placed", event("OrderPlaced", ORDER, subject="orders/a1")),
    Case("event-no-subject", "placed", event("OrderPlaced", ORDER)),
    Case("event-invalid-data", "placed", event("OrderPlaced", {"qty": 1}), failed=True),
    Case("event-handler-raises", "placed", event("OrderPlaced", LOST), failed=True),
    Case("event-async-unicode", "audited", event("com.example.audit", {"who": TEXT, "n": 1.5})),
]


class Paths(Protocol):
    def observe(
        self, path: str, app: App, function: str, delivery: Any, seen: list[Any]
    ) -> dict[str, Any]: ...
    def expected(
        self, path: str, app: App, function: str, reference: dict[str, Any]
    ) -> dict[str, Any]: ...


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_message(case: Case, path: str, event_paths: Paths) -> None:
    reference = event_paths.observe("local", app, case.function, case.delivery, SEEN)
    assert reference["failed"] is case.failed
    observed = event_paths.observe(path, app, case.function, case.delivery, SEEN)
    assert observed == event_paths.expected(path, app, case.function, reference)
