"""Never run: mypy checks that portafunc's decorators keep each handler's type.

If a decorator returned ``Any`` (or a different callable), the ``type: ignore``
comments below would be unused, which mypy's strict mode reports as an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel

from portafunc import App, ChangeEvent, Message, ScheduleEvent, StorageEvent

app = App("typing")


class Order(BaseModel):
    id: str


@app.post("/orders", status=201)
def create(order: Order) -> Order:
    return order


@app.queue("orders", batch_size=10)
async def ship(message: Message[Order]) -> None:
    return None


@app.storage("uploads", events=("created", "deleted"))
def upload(event: StorageEvent) -> str:
    return event.key


@app.schedule("*/5 * * * *")
def tick(event: ScheduleEvent) -> None:
    return None


@app.changes("orders")
def audit(change: ChangeEvent[Order]) -> Order | None:
    return change.new


keeps_http: Callable[[Order], Order] = create
keeps_async: Callable[[Message[Order]], Awaitable[None]] = ship
keeps_storage: Callable[[StorageEvent], str] = upload
keeps_schedule: Callable[[ScheduleEvent], None] = tick
keeps_changes: Callable[[ChangeEvent[Order]], Order | None] = audit

not_any_http: Callable[[str], Order] = create  # type: ignore[assignment]
not_any_async: Callable[[Message[Order]], None] = ship  # type: ignore[assignment]
not_any_storage: Callable[[StorageEvent], int] = upload  # type: ignore[assignment]
data_is_typed: int = Message[Order](id="1").data  # type: ignore[assignment]
new_is_typed: str | None = audit(  # type: ignore[assignment]
    ChangeEvent(table="orders", kind="insert", key={"id": "1"})
)
