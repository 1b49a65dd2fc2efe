"""Storage notifications (declared, filtered-out actions and keys), schedule ticks and
database changes (insert, update, delete), sync and async, succeeding and failing.
Each handler records the envelope it saw in ``SEEN``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from pydantic import BaseModel, Field

from portafunc import App, ChangeEvent, ScheduleEvent, StorageEvent

app = App("conformance-triggers")
SEEN: list[Any] = []


class Item(BaseModel):
    id: str
    qty: int = Field(ge=0)


@app.storage("imports", events=("created",), suffix=".csv")
def imported(event: StorageEvent) -> None:
    SEEN.append(event)
    if event.key.startswith("bad/"):
        raise ValueError(event.key)


@app.storage("photos", events=("created", "deleted"), prefix="2024/")
async def photo(event: StorageEvent) -> None:
    SEEN.append(event)


@app.schedule("*/5 * * * *")
def every_five_minutes(event: ScheduleEvent) -> None:
    SEEN.append(event)


@app.schedule("0 3 * * MON-FRI")
async def nightly(event: ScheduleEvent) -> None:
    SEEN.append(event)


@app.schedule("@daily")
def failing_report(event: ScheduleEvent) -> None:
    SEEN.append(event)
    raise RuntimeError("report service down")


@app.changes("items")
def item(change: ChangeEvent[Item]) -> None:
    SEEN.append(change)
    if change.new is not None and change.new.id == "bad":
        raise ValueError("cannot sync")


@app.changes("audit")
async def audit(change: ChangeEvent[dict[str, Any]]) -> None:
    SEEN.append(change)


@dataclass(frozen=True)
class Case:
    """A delivery to a function, and whether the reference fails it."""

    id: str
    function: str
    delivery: StorageEvent | ScheduleEvent | ChangeEvent[Any]
    failed: bool = False


def stored(bucket: str, key: str, action: Any = "created", size: int | None = None) -> StorageEvent:
    """A notification about an object of ``size`` bytes (every object has a content type)."""
    content_type = "image/jpeg" if key.endswith(".jpg") else "text/csv"
    return StorageEvent(bucket=bucket, key=key, action=action, size=size, content_type=content_type)


def tick(function: str) -> ScheduleEvent:
    return ScheduleEvent(schedule=function)


def change(
    table: str, kind: Any, id: str, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> ChangeEvent[Any]:
    """A change of the item ``id``; images carry the key, as DynamoDB's do."""
    return ChangeEvent[Any](table=table, kind=kind, key={"id": id}, old=old, new=new)


UNICODE_KEY = "reports/Zoë 👋 שלום e\u0301 + 100%.csv"
A1, A1_MORE, A1_BAD = {"id": "a1", "qty": 2}, {"id": "a1", "qty": 5}, {"id": "a1", "qty": -1}
BAD = {"id": "bad", "qty": 1}
D1, DOC = (
    {"id": "d1"},
    {"id": "d1", "who": "Zoë", "tags": ["a", "b"], "nested": {"n": 1.5, "ok": True}},
)

CASES = [
    Case("storage-created", "imported", stored("imports", "june.csv", size=812)),
    Case("storage-created-empty-object", "imported", stored("imports", "empty.csv", size=0)),
    Case("storage-unicode-key", "imported", stored("imports", UNICODE_KEY, size=5)),
    Case("storage-filtered-action", "imported", stored("imports", "june.csv", "deleted")),
    Case("storage-filtered-suffix", "imported", stored("imports", "june.txt", size=1)),
    Case("storage-handler-raises", "imported", stored("imports", "bad/june.csv", size=1), True),
    Case("storage-async-created", "photo", stored("photos", "2024/a b.jpg", size=2048)),
    Case("storage-async-deleted", "photo", stored("photos", "2024/a b.jpg", "deleted", 2048)),
    Case("storage-async-filtered-prefix", "photo", stored("photos", "2023/a.jpg", size=1)),
    Case("storage-async-filtered-archived", "photo", stored("photos", "2024/a.jpg", "archived")),
    Case("schedule-tick", "every_five_minutes", tick("every_five_minutes")),
    Case("schedule-async-tick", "nightly", tick("nightly")),
    Case("schedule-raises", "failing_report", tick("failing_report"), failed=True),
    Case("change-insert", "item", change("items", "insert", "a1", None, A1)),
    Case("change-update", "item", change("items", "update", "a1", A1, A1_MORE)),
    Case("change-delete", "item", change("items", "delete", "a1", A1_MORE, None)),
    Case("change-invalid-data", "item", change("items", "insert", "a1", None, A1_BAD), True),
    Case("change-handler-raises", "item", change("items", "insert", "bad", None, BAD), True),
    Case("change-async-nested-document", "audit", change("audit", "update", "d1", D1, DOC)),
]


class Paths(Protocol):
    def observe(
        self, path: str, app: App, function: str, delivery: Any, seen: list[Any]
    ) -> dict[str, Any]: ...
    def expected(
        self, path: str, app: App, function: str, reference: dict[str, Any]
    ) -> dict[str, Any]: ...


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_delivery(case: Case, path: str, event_paths: Paths) -> None:
    reference = event_paths.observe("local", app, case.function, case.delivery, SEEN)
    assert reference["failed"] is case.failed
    observed = event_paths.observe(path, app, case.function, case.delivery, SEEN)
    assert observed == event_paths.expected(path, app, case.function, reference)
