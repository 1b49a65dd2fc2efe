"""AWS batch answers, for any batch and any set of failing items (DESIGN §3).

SQS: exactly the failed messages are in ``batchItemFailures``, each once, and every
other one was delivered once. FIFO SQS, Kinesis, DynamoDB Streams: processing stops at
the first failure; it and every later item are reported, none of the later ones is
invoked. A failure is a handler that raises, data that fails validation, or a record
that cannot be read.
"""

import base64
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from portafunc import App, BatchResult, ChangeEvent, Message
from portafunc_aws import lambda_handler
from portafunc_aws.testing import LambdaContext, dynamodb_stream_event, kinesis_event, sqs_event

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
Event = dict[str, Any]


class Item(BaseModel):
    n: int
    qty: int = Field(gt=0)  # the fixture's kit.item(n, "invalid") gives qty 0


def shop(kit: SimpleNamespace, record: Callable[[int], None]) -> App:
    app = App("shop")

    @app.queue("orders")
    def standard(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.queue("orders.fifo")
    def fifo(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.stream("events")
    def stream(msg: Message[Item]) -> None:
        record(msg.data.n)

    @app.changes("orders")
    def changes(change: ChangeEvent[Item]) -> None:
        assert change.new is not None
        record(change.new.n)

    return app


def run(kit: SimpleNamespace, batch: list[str], event: Event) -> tuple[list[str], list[int]]:
    """The failures the handler answers with, and the items the handler saw."""
    recorder = kit.Recorder(batch)
    response = lambda_handler(shop(kit, recorder))(event, LambdaContext())
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]], recorder.seen


def sqs(kit: SimpleNamespace, batch: list[str], *, fifo: bool) -> Event:
    event = sqs_event([kit.item(n, fate) for n, fate in enumerate(batch)], fifo=fifo)
    for record, fate in zip(event["Records"], batch, strict=True):
        if fate == "malformed":
            del record["body"]
    return event


@PROPERTY
@given(data=st.data())
def test_sqs_reports_exactly_the_failed_messages(kit: SimpleNamespace, data: st.DataObject) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", "malformed"))
    event = sqs(kit, batch, fifo=False)
    failed, seen = run(kit, batch, event)
    reported, invoked = kit.unordered(batch)
    ids = [record["messageId"] for record in event["Records"]]
    assert failed == [ids[n] for n in reported]
    assert seen == invoked


@PROPERTY
@given(data=st.data())
def test_fifo_sqs_stops_at_the_first_failure(kit: SimpleNamespace, data: st.DataObject) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", "malformed"))
    event = sqs(kit, batch, fifo=True)
    failed, seen = run(kit, batch, event)
    reported, invoked = kit.ordered(batch)
    ids = [record["messageId"] for record in event["Records"]]
    assert failed == [ids[n] for n in reported]
    assert seen == invoked


@PROPERTY
@given(data=st.data())
def test_kinesis_stops_at_the_first_failure(kit: SimpleNamespace, data: st.DataObject) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", "malformed"))
    event = kinesis_event([kit.item(n, fate) for n, fate in enumerate(batch)])
    for record, fate in zip(event["Records"], batch, strict=True):
        if fate == "malformed":
            record["kinesis"]["data"] = base64.b64encode(b"\xff not json").decode()
    failed, seen = run(kit, batch, event)
    reported, invoked = kit.ordered(batch)
    sequences = [record["kinesis"]["sequenceNumber"] for record in event["Records"]]
    assert failed == [sequences[n] for n in reported]
    assert seen == invoked


@PROPERTY
@given(data=st.data())
def test_dynamodb_stops_at_the_first_failure(kit: SimpleNamespace, data: st.DataObject) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", "malformed"))
    changes = [("insert", {"n": n}, None, kit.item(n, fate)) for n, fate in enumerate(batch)]
    event = dynamodb_stream_event(changes)
    for record, fate in zip(event["Records"], batch, strict=True):
        if fate == "malformed":
            record["dynamodb"]["NewImage"]["qty"] = {"XX": "1"}  # no such DynamoDB type
    failed, seen = run(kit, batch, event)
    reported, invoked = kit.ordered(batch)
    sequences = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
    assert failed == [sequences[n] for n in reported]
    assert seen == invoked


def batch_shop(record: Callable[[list[int]], list[str]]) -> App:
    app = App("shop")

    @app.queue("orders")
    def standard(batch: list[Message[Item]]) -> BatchResult:
        return BatchResult(failed=record([msg.data.n for msg in batch]))

    @app.queue("orders.fifo")
    def fifo(batch: list[Message[Item]]) -> BatchResult:
        return BatchResult(failed=record([msg.data.n for msg in batch]))

    return app


@PROPERTY
@given(data=st.data(), fifo=st.booleans())
def test_a_batch_function_gets_one_call_and_its_failures_are_reported(
    kit: SimpleNamespace, data: st.DataObject, fifo: bool
) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", "malformed"))
    event = sqs(kit, batch, fifo=fifo)
    ids = [record["messageId"] for record in event["Records"]]
    calls: list[list[int]] = []

    def record(given: list[int]) -> list[str]:
        calls.append(given)
        return [ids[n] for n in given if batch[n] == "raises"]

    response = lambda_handler(batch_shop(record))(event, LambdaContext())
    failed = [failure["itemIdentifier"] for failure in response["batchItemFailures"]]
    if fifo:  # the handler gets what precedes the first unreadable or invalid message
        stop = next((n for n, fate in enumerate(batch) if fate in ("invalid", "malformed")), None)
        given = list(range(len(batch) if stop is None else stop))
        first = next((n for n, fate in enumerate(batch) if fate != "ok"), len(batch))
        assert failed == ids[first:]
    else:
        given = [n for n, fate in enumerate(batch) if fate in ("ok", "raises")]
        assert failed == [ids[n] for n, fate in enumerate(batch) if fate != "ok"]
    assert calls == ([given] if given else [])


@PROPERTY
@given(data=st.data())
def test_a_kinesis_batch_function_gets_one_call_and_reports_from_the_first_failure(
    kit: SimpleNamespace, data: st.DataObject
) -> None:
    batch = data.draw(kit.fates("ok", "raises", "invalid", "malformed"))
    event = kinesis_event([kit.item(n, fate) for n, fate in enumerate(batch)])
    for record, fate in zip(event["Records"], batch, strict=True):
        if fate == "malformed":
            record["kinesis"]["data"] = "not base64!"
    sequences = [record["kinesis"]["sequenceNumber"] for record in event["Records"]]
    calls: list[list[int]] = []
    app = App("shop")

    @app.stream("events")
    def readings(given: list[Message[Item]]) -> BatchResult:
        calls.append([msg.data.n for msg in given])
        return BatchResult(failed=[msg.id for msg in given if batch[msg.data.n] == "raises"])

    response = lambda_handler(app)(event, LambdaContext())
    failed = [failure["itemIdentifier"] for failure in response["batchItemFailures"]]
    stop = next((n for n, fate in enumerate(batch) if fate in ("invalid", "malformed")), None)
    given = list(range(len(batch) if stop is None else stop))
    first = next((n for n, fate in enumerate(batch) if fate != "ok"), len(batch))
    assert failed == sequences[first:]
    assert calls == ([given] if given else [])
