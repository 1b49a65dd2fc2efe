"""Differential tests: what the stream and broker sources extract equals what Powertools'
event source data classes read from the same corpus payloads.

Deliberate differences, each asserted below:
- DynamoDB ``B``/``BS``: Powertools hands back the base64 text, portafunc the decoded
  bytes (DESIGN: "base64 is decoded by the adapter").
- DynamoDB ``N``: Powertools always gives ``Decimal``; portafunc gives ``int`` for
  integral numbers (equal in value; both exact, neither a float).
- DynamoDB sets: Powertools builds ``set``s, portafunc keeps the wire order in a
  ``list`` (pydantic turns it into a set for a ``set[...]`` field).
- DynamoDB ``ApproximateCreationDateTime``: Powertools truncates to whole seconds,
  portafunc keeps the fraction.
- Kafka headers: Powertools folds names case-insensitively, portafunc keeps them as sent.
- RabbitMQ headers: Powertools leaves ``{"bytes": [...]}`` as is, portafunc gives bytes.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    CloudWatchLogsEvent,
    DynamoDBStreamEvent,
    KafkaEvent,
    KinesisFirehoseEvent,
    KinesisStreamEvent,
)
from aws_lambda_powertools.utilities.data_classes.active_mq_event import ActiveMQEvent
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    extract_cloudwatch_logs_from_event,
)
from aws_lambda_powertools.utilities.data_classes.rabbit_mq_event import RabbitMQEvent

from portafunc import App, ChangeEvent, Message
from portafunc_aws.invocation import Functions
from portafunc_aws.sources.amazon_mq import AmazonMQ
from portafunc_aws.sources.cloudwatch_logs import CloudWatchLogs
from portafunc_aws.sources.dynamodb import DynamoDBStreams
from portafunc_aws.sources.firehose import Firehose
from portafunc_aws.sources.kafka import Kafka
from portafunc_aws.sources.kinesis import Kinesis

Payload = Callable[[str], dict[str, Any]]


def delivered(source: Any, event: dict[str, Any], kind: str, lambda_context: Any) -> list[Any]:
    """The envelopes ``source`` hands a pinned function of ``kind`` for ``event``."""
    app = App("oracle")
    seen: list[Any] = []

    @app.changes("any")
    def changes(change: ChangeEvent[Any]) -> None:
        seen.append(change)

    @app.queue("any")
    def queue(message: Message[bytes]) -> None:
        seen.append(message)

    @app.stream("any")
    def stream(message: Message[bytes]) -> None:
        seen.append(message)

    source.invoke(Functions(app, app.function(kind)), event, lambda_context)
    return seen


@pytest.mark.parametrize(
    "name",
    [
        "kinesis-data-stream-two-records",
        "kinesis-tumbling-window",
        "kinesis-carrying-dynamodb-records",
        "kinesis-cloudwatch-logs-gzip",
    ],
)
def test_kinesis(name: str, payload: Payload, lambda_context: Any) -> None:
    event = payload(f"stream/{name}.json")
    ours = delivered(Kinesis(), event, "stream", lambda_context)
    theirs = list(KinesisStreamEvent(event).records)
    assert len(ours) == len(theirs)
    for message, record in zip(ours, theirs, strict=True):
        assert message.id == record.kinesis.sequence_number
        assert message.body == record.kinesis.data_as_bytes()
        assert message.partition_key == record.kinesis.partition_key
        assert message.time.timestamp() == pytest.approx(
            record.kinesis.approximate_arrival_timestamp
        )
        assert message.source == record.event_source_arn.rpartition("/")[2]


def test_kinesis_window(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-tumbling-window.json")
    response = Kinesis().invoke(Functions(_sink(), None), {**event, "Records": []}, lambda_context)
    assert response["state"] == KinesisStreamEvent(event).state


def test_kinesis_carrying_cloudwatch_logs(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-cloudwatch-logs-gzip.json")
    ours = delivered(Kinesis(), event, "stream", lambda_context)
    theirs = extract_cloudwatch_logs_from_event(KinesisStreamEvent(event))
    for message, logs in zip(ours, theirs, strict=True):
        document = json.loads(zlib.decompress(message.body, 16 + zlib.MAX_WBITS))
        assert document["logGroup"] == logs.log_group
        assert [e["id"] for e in document["logEvents"]] == [e.get_id for e in logs.log_events]


def _powertools_plain(value: Any) -> Any:
    """Powertools' deserialized value, turned the way portafunc deliberately differs."""
    if isinstance(value, dict):
        return {k: _powertools_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_powertools_plain(v) for v in value]
    if isinstance(value, set):
        return frozenset(_powertools_plain(v) for v in value)
    return value


def _ours_comparable(value: Any, wire: Any) -> Any:
    """portafunc's value, with the DynamoDB type from ``wire`` deciding the comparison."""
    ((tag, raw),) = wire.items()
    if tag == "B":
        assert value == base64.b64decode(raw)
        return raw  # Powertools keeps the base64 text
    if tag in ("SS", "NS", "BS"):
        assert isinstance(value, list)
        items = [_ours_comparable(v, {tag[0]: r}) for v, r in zip(value, raw, strict=True)]
        return frozenset(items)
    if tag == "N":
        assert isinstance(value, (int, Decimal))
        assert not isinstance(value, bool)
        return Decimal(value)
    if tag == "M":
        return {k: _ours_comparable(value[k], raw[k]) for k in raw}
    if tag == "L":
        return [_ours_comparable(v, r) for v, r in zip(value, raw, strict=True)]
    return value


def _compare_image(ours: Any, wire: Any, theirs: dict[str, Any]) -> None:
    if wire is None:
        assert ours is None
        assert theirs == {}
        return
    assert {k: _ours_comparable(ours[k], wire[k]) for k in wire} == _powertools_plain(theirs)


@pytest.mark.parametrize(
    "name",
    [
        "dynamodb-stream-all-attribute-types",
        "dynamodb-stream-insert-modify-remove",
        "dynamodb-stream-insert-modify",
        "dynamodb-stream-tumbling-window",
    ],
)
def test_dynamodb(name: str, payload: Payload, lambda_context: Any) -> None:
    event = payload(f"database/{name}.json")
    ours = delivered(DynamoDBStreams(), event, "changes", lambda_context)
    theirs = list(DynamoDBStreamEvent(event).records)
    kinds = {"INSERT": "insert", "MODIFY": "update", "REMOVE": "delete"}
    for change, record, wire in zip(ours, theirs, event["Records"], strict=True):
        assert record.event_name is not None
        assert change.kind == kinds[record.event_name.name]
        assert record.dynamodb is not None
        _compare_image(change.key, wire["dynamodb"]["Keys"], record.dynamodb.keys)
        _compare_image(change.old, wire["dynamodb"].get("OldImage"), record.dynamodb.old_image)
        _compare_image(change.new, wire["dynamodb"].get("NewImage"), record.dynamodb.new_image)
        created = record.dynamodb.approximate_creation_date_time
        assert (None if change.time is None else int(change.time.timestamp())) == created


def test_dynamodb_records_carried_by_kinesis(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-carrying-dynamodb-records.json")
    ours = delivered(Kinesis(), event, "changes", lambda_context)
    for change, record in zip(ours, KinesisStreamEvent(event).records, strict=True):
        wire = record.kinesis.data_as_json()
        (theirs_record,) = DynamoDBStreamEvent({"Records": [wire]}).records
        theirs = theirs_record.dynamodb
        assert theirs is not None
        _compare_image(change.key, wire["dynamodb"]["Keys"], theirs.keys)
        _compare_image(change.new, wire["dynamodb"]["NewImage"], theirs.new_image)
        assert change.table == wire["tableName"]


@pytest.mark.parametrize("name", ["kafka-msk", "kafka-self-managed"])
def test_kafka(name: str, payload: Payload, lambda_context: Any) -> None:
    event = payload(f"stream/{name}.json")
    ours = delivered(Kafka(), event, "stream", lambda_context)
    theirs = list(KafkaEvent(event).records)
    for message, record in zip(ours, theirs, strict=True):
        assert message.id == f"{record.topic}-{record.partition}-{record.offset}"
        assert message.body == record.decoded_value
        assert message.partition_key is not None
        assert message.partition_key.encode() == record.decoded_key
        headers = record.decoded_headers  # case-insensitive in Powertools, as sent in portafunc
        assert len(message.attributes) == len(headers)
        assert all(headers[name] == value for name, value in message.attributes.items())
        assert message.source == record.topic
        assert message.time.timestamp() * 1000 == pytest.approx(record.timestamp)


def test_activemq(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/amazonmq-activemq.json")
    ours = delivered(AmazonMQ(), event, "queue", lambda_context)
    theirs = list(ActiveMQEvent(event).messages)
    for message, record in zip(ours, theirs, strict=True):
        assert message.id == record.message_id
        assert message.body == base64.b64decode(record.data)  # one body is not UTF-8 text
        assert message.source == record.destination_physicalname
        assert message.attributes == record.properties
        assert message.time.timestamp() * 1000 == pytest.approx(record.timestamp)


def test_rabbitmq(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/amazonmq-rabbitmq.json")
    (message,) = delivered(AmazonMQ(), event, "queue", lambda_context)
    ((queue, records),) = RabbitMQEvent(event).rmq_messages_by_queue.items()
    (record,) = records
    assert message.source == queue.partition("::")[0]
    assert message.body == record.decoded_data.encode()
    headers = record.basic_properties.headers
    assert message.attributes == {
        name: bytes(value["bytes"]) if isinstance(value, dict) else value
        for name, value in headers.items()
    }


def test_cloudwatch_logs(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/cloudwatch-logs-subscription.json")
    ours = delivered(CloudWatchLogs(), event, "stream", lambda_context)
    theirs = CloudWatchLogsEvent(event).parse_logs_data()
    for message, log_event in zip(ours, theirs.log_events, strict=True):
        assert message.id == log_event.get_id
        assert message.body.decode() == log_event.message
        assert message.time.timestamp() * 1000 == pytest.approx(log_event.timestamp)
        assert message.source == theirs.log_group
        assert message.attributes["logStream"] == theirs.log_stream
        assert message.attributes["owner"] == theirs.owner
        assert message.attributes["subscriptionFilters"] == theirs.subscription_filters


@pytest.mark.parametrize(
    "name", ["firehose-transformation-put", "firehose-transformation-kinesis-source"]
)
def test_firehose(name: str, payload: Payload, lambda_context: Any) -> None:
    event = payload(f"stream/{name}.json")
    ours = delivered(Firehose(), event, "stream", lambda_context)
    theirs = KinesisFirehoseEvent(event)
    for message, record in zip(ours, theirs.records, strict=True):
        assert message.id == record.record_id
        assert message.body == record.data_as_bytes
        assert message.time.timestamp() * 1000 == pytest.approx(
            record.approximate_arrival_timestamp
        )
        metadata = record.metadata
        assert message.partition_key == (None if metadata is None else metadata.partition_key)
        assert message.source == theirs.delivery_stream_arn.rpartition("/")[2]


def _sink() -> App:
    app = App("oracle")

    @app.stream("lambda-stream")
    def sink(message: Message[bytes]) -> None: ...

    return app
