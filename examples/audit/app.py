"""A database-change audit trail: every insert, update, delete (and, on Azure, upsert)
of table ``orders`` becomes an entry saying which fields changed; ``GET /audit`` lists
the trail, ``GET /audit?order=ID`` one order's.

Serve it locally with::

    uv run portafunc serve examples/audit/app.py:app
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel

from portafunc import App, ChangeEvent, Query


class Order(BaseModel):
    """An order as the table stores it."""

    id: str
    status: str
    total_cents: int


class AuditEntry(BaseModel):
    """One change of one order: what happened, when, and what changed."""

    kind: str
    order: str
    time: datetime | None
    changed: dict[str, list[Any]]  # field → [before, after]; before None when unknown


#: The trail, oldest first (in memory: each cold start begins empty).
TRAIL: list[AuditEntry] = []

app = App("audit")


def diff(old: Order | None, new: Order | None) -> dict[str, list[Any]]:
    """The fields that differ between ``old`` and ``new`` (absent ones as None)."""
    before = old.model_dump() if old else {}
    after = new.model_dump() if new else {}
    fields = [name for name in Order.model_fields if before.get(name) != after.get(name)]
    return {name: [before.get(name), after.get(name)] for name in fields}


def order_id(change: ChangeEvent[Order]) -> str:
    """The order's id: from the key (DynamoDB, Cosmos DB, Firestore all give ``id``)."""
    return str(change.key["id"])


@app.changes("orders")
def audit_order(change: ChangeEvent[Order]) -> None:
    """Append the change to the trail.

    ``upsert`` (Azure Cosmos DB: it cannot tell an insert from an update, and sends
    no old image) records every field of the new order with an unknown before; an
    update that changed nothing (a write of the same values) is left out.
    """
    changed = diff(change.old, change.new)
    if change.kind == "update" and not changed:
        return
    entry = AuditEntry(kind=change.kind, order=order_id(change), time=change.time, changed=changed)
    TRAIL.append(entry)


@app.get("/audit")
def list_trail(order: Annotated[str | None, Query()] = None) -> list[AuditEntry]:
    """The trail, oldest first; with ``?order=ID`` only that order's entries."""
    return [entry for entry in TRAIL if order is None or entry.order == order]
