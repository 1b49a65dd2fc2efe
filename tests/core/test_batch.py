"""Batch functions (``list[Message[T]]``): declaration, validation per item, the ways a
handler reports failures, ordered batches, async handlers, middleware, the TestClient."""

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from pydantic import BaseModel, Field

from portafunc import (
    App,
    BatchFailure,
    BatchResult,
    Context,
    DeclarationError,
    InvalidPayload,
    Message,
)
from portafunc.pipeline import deliver, deliver_batch, deliver_batch_async
from portafunc.testing import TestClient


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


def orders(*specs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"id": order_id, "qty": qty} for order_id, qty in specs]


def recording(
    reply: Callable[[list[Message[Order]]], Any] = lambda batch: None,
) -> tuple[App, list[list[str]]]:
    app = App("shop")
    calls: list[list[str]] = []

    @app.queue("orders")
    def write(batch: list[Message[Order]]) -> Any:
        calls.append([msg.data.id for msg in batch])
        return reply(batch)

    return app, calls


def test_the_handler_gets_the_valid_messages_once() -> None:
    app, calls = recording()
    items = orders(("a", 1), ("b", 0), ("c", 2))  # b fails validation
    assert TestClient(app).send_batch("write", items) == ["m1"]
    assert calls == [["a", "c"]]


def test_a_batch_of_invalid_messages_never_reaches_the_handler() -> None:
    app, calls = recording()
    assert TestClient(app).send_batch("write", [b"not json", {"id": "x"}]) == ["m0", "m1"]
    assert calls == []


@pytest.mark.parametrize(
    ("reply", "failed"),
    [
        (lambda batch: None, []),
        (lambda batch: BatchResult(failed=[batch[1].id]), ["m1"]),
        (lambda batch: BatchResult(), []),
        (lambda batch: "anything else", []),
    ],
    ids=["none", "batch-result", "empty-result", "other-value"],
)
def test_a_handler_reports_failures_by_returning(
    reply: Callable[[list[Message[Order]]], Any], failed: list[str]
) -> None:
    app, _ = recording(reply)
    items = orders(("a", 1), ("b", 1), ("c", 1))
    assert TestClient(app).send_batch("write", items) == failed


def test_a_handler_reports_failures_by_raising() -> None:
    def reply(batch: list[Message[Order]]) -> None:
        raise BatchFailure([batch[0].id, batch[2].id, "not-in-the-batch"], "disk full")

    app, _ = recording(reply)
    assert TestClient(app).send_batch("write", orders(("a", 1), ("b", 1), ("c", 1))) == [
        "m0",
        "m2",
    ]


def test_any_other_exception_fails_every_message_it_was_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def reply(batch: list[Message[Order]]) -> None:
        raise ConnectionError("database down")

    app, _ = recording(reply)
    items = orders(("a", 1), ("b", 0), ("c", 1))
    assert TestClient(app).send_batch("write", items) == ["m0", "m1", "m2"]
    assert "database down" in caplog.text


@pytest.mark.parametrize(
    ("qtys", "fail_id", "given", "failed"),
    [
        ((1, 1, 1, 1), None, ["a", "b", "c", "d"], []),
        ((1, 0, 1, 1), None, ["a"], ["m1", "m2", "m3"]),
        ((1, 1, 1, 1), "c", ["a", "b", "c", "d"], ["m2", "m3"]),
        ((1, 1, 0, 1), "a", ["a", "b"], ["m0", "m1", "m2", "m3"]),
        ((0, 1), None, [], ["m0", "m1"]),
    ],
)
def test_an_ordered_batch_reports_the_first_failure_and_everything_after(
    qtys: Sequence[int], fail_id: str | None, given: list[str], failed: list[str]
) -> None:
    def reply(batch: list[Message[Order]]) -> BatchResult:
        return BatchResult(failed=[msg.id for msg in batch if msg.data.id == fail_id])

    app, calls = recording(reply)
    items = orders(*zip("abcd", qtys, strict=False))
    assert TestClient(app).send_batch("write", items, ordered=True) == failed
    assert calls == ([given] if given else [])


def test_a_single_delivery_is_a_batch_of_one_and_raises_its_failure() -> None:
    app, calls = recording(lambda batch: BatchResult(failed=[batch[0].id]))
    client = TestClient(app)
    with pytest.raises(BatchFailure):
        client.send("write", {"id": "a", "qty": 1})
    with pytest.raises(InvalidPayload):
        client.send("write", {"id": "b", "qty": 0})
    assert calls == [["a"]]


def test_async_batch_handlers_and_the_async_pipeline() -> None:
    app = App("shop")
    seen: list[str] = []

    @app.stream("clicks")
    async def record(batch: list[Message[Order]], ctx: Context) -> BatchResult:
        await asyncio.sleep(0)
        seen.extend(f"{ctx.function}:{msg.data.id}" for msg in batch)
        return BatchResult(failed=[msg.id for msg in batch if msg.data.qty > 5])

    client = TestClient(app)
    assert client.send_batch("record", orders(("a", 1), ("b", 9))) == ["m1"]
    function = app.function("record")
    batch: list[Message[Any]] = [
        Message(id=f"x{n}", body=f'{{"id":"{n}","qty":1}}'.encode()) for n in range(3)
    ]
    ctx = Context(provider="local")
    assert asyncio.run(deliver_batch_async(app, function, batch, ctx)) == []
    assert seen == ["record:a", "record:b", "record:0", "record:1", "record:2"]


def test_middleware_sees_the_batch() -> None:
    app, calls = recording()
    sizes: list[int] = []

    @app.middleware
    def count(batch: Any, ctx: Context, call_next: Callable[[Any], Any]) -> Any:
        sizes.append(len(batch))
        return call_next(batch)

    assert TestClient(app).send_batch("write", orders(("a", 1), ("b", 0), ("c", 1))) == ["m1"]
    assert (sizes, calls) == ([2], [["a", "c"]])


def test_per_message_functions_are_delivered_one_by_one() -> None:
    app = App("shop")
    seen: list[str] = []

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None:
        if msg.data.id == "b":
            raise RuntimeError("b failed")
        seen.append(msg.data.id)

    function = app.function("ship")
    batch: list[Message[Any]] = [
        Message(id=name, body=f'{{"id":"{name}","qty":1}}'.encode()) for name in "abc"
    ]
    assert deliver_batch(app, function, batch, Context(provider="local")) == [1]
    assert seen == ["a", "c"]
    with pytest.raises(RuntimeError):
        deliver(app, function, batch[1], Context(provider="local"))


def test_what_cannot_be_a_batch_function() -> None:
    app = App("shop")

    def on_topic(batch: list[Message[Order]]) -> None: ...

    def with_payload(batch: list[Message[Order]], msg: Message[Order]) -> None: ...

    with pytest.raises(DeclarationError, match="batch functions are queue or stream"):
        app.topic("news")(on_topic)
    with pytest.raises(DeclarationError, match="a batch function takes its list of messages"):
        app.queue("orders")(with_payload)


def test_sequence_annotations_and_context_are_accepted() -> None:
    app = App("shop")

    @app.stream("clicks")
    def record(ctx: Context, batch: Sequence[Message[Order]]) -> None: ...

    assert app.function("record").binding.batch is not None
