"""Amazon MQ (ActiveMQ, RabbitMQ) → ``queue`` functions (portafunc_aws.sources.amazon_mq).

Payloads: tests/payloads/aws/queue/amazonmq-*.json (Powertools' fixtures of the
Lambda Amazon MQ events; see SOURCES.md).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, Message
from portafunc.errors import NoSuchFunction, PortafuncError, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources._base import Source
from portafunc_aws.sources.amazon_mq import AmazonMQ, _java_time
from portafunc_aws.sources.cloudwatch_logs import CloudWatchLogs
from portafunc_aws.sources.dynamodb import DynamoDBStreams
from portafunc_aws.sources.firehose import Firehose
from portafunc_aws.sources.kafka import Kafka
from portafunc_aws.sources.kinesis import Kinesis

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
AMAZON_MQ = ("amazonmq-activemq", "amazonmq-rabbitmq")
BROKER = (
    "arn:aws:mq:us-west-2:112556298976:broker:pizzaBroker:b-9bcfa592-423a-4942-879d-eb284b418fc8"
)
SOURCES = (Kinesis(), DynamoDBStreams(), Kafka(), AmazonMQ(), CloudWatchLogs(), Firehose())


def queue_app(
    queue: str, fail: Callable[[Message[bytes]], bool] = lambda message: False
) -> tuple[App, list[Message[bytes]]]:
    """An app whose ``consume`` queue function records what it sees."""
    app = App("shop")
    seen: list[Message[bytes]] = []

    @app.queue(queue)
    def consume(message: Message[bytes]) -> None:
        seen.append(message)
        if fail(message):
            raise RuntimeError(f"cannot process {message.id}")

    return app, seen


def activemq(payload: Payload, size: int) -> dict[str, Any]:
    """An ActiveMQ event of ``size`` messages with ids "m0"… and data "message <i>"."""
    event = payload("queue/amazonmq-activemq.json")
    template = event["messages"][0]
    messages = [
        {
            **copy.deepcopy(template),
            "messageID": f"m{index}",
            "data": base64.b64encode(f"message {index}".encode()).decode(),
        }
        for index in range(size)
    ]
    return {**event, "messages": messages}


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", AMAZON_MQ)
def test_corpus_payload_matches_amazon_mq_only(name: str, payload: Payload) -> None:
    event = payload(f"queue/{name}.json")
    assert [source.name for source in SOURCES if source.matches(event)] == ["amazon_mq"]


def test_no_other_corpus_payload_matches() -> None:
    for path in sorted(PAYLOADS.rglob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        assert AmazonMQ().matches(event) == (path.stem in AMAZON_MQ), path


@pytest.mark.parametrize(
    ("event", "matches"),
    [
        ({"eventSource": "aws:mq", "messages": []}, True),  # what the Lambda guide shows
        ({"eventSource": "aws:amq", "messages": []}, True),  # Powertools' fixture
        ({"eventSource": "aws:rmq", "rmqMessagesByQueue": {}}, True),
        ({"eventSource": "aws:mq", "messages": {}}, False),
        ({"eventSource": "aws:rmq", "rmqMessagesByQueue": []}, False),
        ({"eventSource": ["aws:mq"], "messages": []}, False),
        ({"messages": []}, False),
    ],
)
def test_event_sources(event: dict[str, Any], matches: bool) -> None:
    assert AmazonMQ().matches(event) is matches


# -- translation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "queue"), [(AMAZON_MQ[0], "testQueue"), (AMAZON_MQ[1], "pizzaQueue")]
)
def test_corpus_payload_golden(
    name: str,
    queue: str,
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    event = payload(f"queue/{name}.json")
    app, seen = queue_app(queue)
    source: Source = AmazonMQ()  # what Lambda gets back is the handler's return: null
    response = source.invoke(Functions(app), event, lambda_context)  # routed by queue
    assert response is None
    golden(f"amazon_mq/{name}", {"event": [as_json(m) for m in seen], "response": response})


def test_activemq_messages_translate(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/amazonmq-activemq.json")
    app, seen = queue_app("testQueue")
    AmazonMQ().invoke(Functions(app), event, lambda_context)
    first, second, third = seen
    assert first.id.startswith("ID:b-9bcfa592-423a-4942-879d-eb284b418fc8-1.mq.us-west-2")
    assert first.body == b"ABC:AAAA"
    assert second.body == b'{"timeout":0,"data":"CZrmf0Gw8Ov4bqLQxD4E"}'
    assert third.body == base64.b64decode("3DTOOW7crj51prgVLQaGQ82S48k=")
    assert first.attributes == {"testKey": "testValue"}
    assert first.source == "testQueue"
    assert first.time == datetime(2020, 8, 30, 22, 50, 11, 958000, tzinfo=timezone.utc)
    assert (first.attempt, first.partition_key) == (None, None)
    assert first.raw is event["messages"][0]


def test_rabbitmq_message_translates(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/amazonmq-rabbitmq.json")
    app, seen = queue_app("pizzaQueue")
    AmazonMQ().invoke(Functions(app), event, lambda_context)
    (message,) = seen
    assert message.id == "pizzaQueue#0"  # the publisher set no messageId
    assert message.body == b'{"timeout":0,"data":"CZrmf0Gw8Ov4bqLQxD4E"}'
    assert message.attributes == {"header1": b"value1", "header2": b"value2", "numberInHeader": 10}
    assert message.source == "pizzaQueue"
    assert message.time == datetime(1970, 1, 1, 0, 33, 41, tzinfo=timezone.utc)
    assert message.raw is event["rmqMessagesByQueue"]["pizzaQueue::/"][0]


def test_rabbitmq_message_id_and_missing_headers(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/amazonmq-rabbitmq.json")
    message = event["rmqMessagesByQueue"]["pizzaQueue::/"][0]
    message["basicProperties"].update(messageId="order-1", headers=None, timestamp=None)
    app, seen = queue_app("pizzaQueue")
    AmazonMQ().invoke(Functions(app), event, lambda_context)
    assert (seen[0].id, seen[0].attributes, seen[0].time) == ("order-1", {}, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 1, 1970, 12:33:41 AM", datetime(1970, 1, 1, 0, 33, 41, tzinfo=timezone.utc)),
        ("Jan 1, 1970, 12:33:41 PM", datetime(1970, 1, 1, 12, 33, 41, tzinfo=timezone.utc)),
        ("Dec 31, 2024, 11:59:59 PM", datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),
        ("Mar 5, 2024, 9:07:03\u202fAM", datetime(2024, 3, 5, 9, 7, 3, tzinfo=timezone.utc)),
        ("Feb 30, 2024, 1:00:00 AM", None),
        ("Feb 3, 2024, 13:00:00 PM", None),
        ("Feb 3, 2024, 1:00 AM", None),
        ("Feb 3, 2024, 1:xx:00 AM", None),
        ("Feb 3, 2024, 1:00:00", None),
        ("Foo 1, 2024, 1:00:00 AM", None),
        ("2024-03-05T09:07:03Z", None),
        ("", None),
        (1700000000, None),
        (None, None),
    ],
)
def test_rabbitmq_timestamps(text: Any, expected: datetime | None) -> None:
    assert _java_time(text) == expected


@pytest.mark.parametrize(
    "headers",
    ["a=1", ["a"], {"a": {"bytes": ["x"]}}, {"a": {"bytes": [256]}}],
    ids=["text", "list", "not bytes", "not a byte"],
)
def test_rabbitmq_headers_of_another_shape_are_unsupported_when_read(
    headers: Any, payload: Payload, lambda_context: Any
) -> None:
    """Found by tests/fuzz: reading them raised AttributeError, TypeError or ValueError."""
    event = payload("queue/amazonmq-rabbitmq.json")
    event["rmqMessagesByQueue"]["pizzaQueue::/"][0]["basicProperties"]["headers"] = headers
    app, seen = queue_app("pizzaQueue")
    AmazonMQ().invoke(Functions(app), event, lambda_context)  # the handler never read them
    with pytest.raises(UnsupportedEvent, match="RabbitMQ message headers"):
        _ = seen[0].attributes


def test_routed_by_the_broker_arn(payload: Payload, lambda_context: Any) -> None:
    app, _ = queue_app("orders")
    with pytest.raises(NoSuchFunction, match="pizzaQueue"):
        AmazonMQ().invoke(Functions(app), payload("queue/amazonmq-rabbitmq.json"), lambda_context)
    orders: list[dict[str, Any]] = []

    @app.queue("pizzas", aws={"arn": BROKER})
    def pizzas(order: dict[str, Any]) -> None:
        orders.append(order)

    AmazonMQ().invoke(Functions(app), payload("queue/amazonmq-rabbitmq.json"), lambda_context)
    assert orders == [{"timeout": 0, "data": "CZrmf0Gw8Ov4bqLQxD4E"}]


def test_pinned_function(payload: Payload, lambda_context: Any) -> None:
    app, seen = queue_app("renamed")
    AmazonMQ().invoke(
        Functions(app, app.function("consume")),
        payload("queue/amazonmq-activemq.json"),
        lambda_context,
    )
    assert [message.source for message in seen] == ["testQueue"] * 3


# -- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("failing", [{0}, {1}, {3}, {0, 2}], ids=["start", "middle", "end", "two"])
def test_every_message_is_delivered_then_the_batch_fails(
    failing: set[int], payload: Payload, lambda_context: Any
) -> None:
    app, seen = queue_app("testQueue", fail=lambda message: int(message.id[1:]) in failing)
    with pytest.raises(PortafuncError, match=f"{len(failing)} of 4 Amazon MQ messages failed"):
        AmazonMQ().invoke(Functions(app), activemq(payload, 4), lambda_context)
    assert [message.id for message in seen] == ["m0", "m1", "m2", "m3"]


def test_data_that_is_not_base64_fails(payload: Payload, lambda_context: Any) -> None:
    event = activemq(payload, 3)
    event["messages"][0]["data"] = "***"
    app, seen = queue_app("testQueue")
    with pytest.raises(PortafuncError, match="first: m0"):
        AmazonMQ().invoke(Functions(app), event, lambda_context)
    assert [message.id for message in seen] == ["m1", "m2"]


def test_data_failing_validation_fails(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.queue("testQueue")
    def orders(order: dict[str, int]) -> None: ...

    with pytest.raises(PortafuncError, match="3 of 3"):
        AmazonMQ().invoke(Functions(app), payload("queue/amazonmq-activemq.json"), lambda_context)


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        (AMAZON_MQ[0], lambda event: event["messages"][0].pop("destination")),
        (AMAZON_MQ[0], lambda event: event["messages"][0].pop("messageID")),
        (AMAZON_MQ[0], lambda event: event["messages"].append("x")),
        (AMAZON_MQ[1], lambda event: event["rmqMessagesByQueue"].update({"q::/": [{}]})),
        (AMAZON_MQ[1], lambda event: event["rmqMessagesByQueue"].update({"q::/": 5})),
    ],
    ids=["no destination", "no id", "not an object", "no basicProperties", "not a list"],
)
def test_malformed_payload_is_unsupported(
    name: str, mutate: Callable[[dict[str, Any]], Any], payload: Payload, lambda_context: Any
) -> None:
    event = payload(f"queue/{name}.json")
    mutate(event)
    app, seen = queue_app("any")
    with pytest.raises(UnsupportedEvent):
        AmazonMQ().invoke(Functions(app, app.function("consume")), event, lambda_context)
    assert seen == []


def test_the_payload_is_not_mutated(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/amazonmq-rabbitmq.json")
    before = copy.deepcopy(event)
    app, seen = queue_app("pizzaQueue")
    AmazonMQ().invoke(Functions(app), event, lambda_context)
    assert seen[0].attributes
    assert event == before
