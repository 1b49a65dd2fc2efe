"""``to_cloudevent()`` on the envelopes the AWS adapter builds from every messaging,
storage, database, schedule and EventBridge payload of the corpus (tests/payloads/aws),
round-tripped through the ``cloudevents`` SDK's binary and structured HTTP modes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_dict, from_http

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc_aws import lambda_handler

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
STRUCTURED = {"content-type": "application/cloudevents+json"}
#: Corpus folder → the kind of function its payloads are delivered to.
KINDS = {
    "queue": "queue",
    "topic": "topic",
    "stream": "stream",
    "database": "changes",
    "storage": "storage",
    "schedule": "schedule",
    "event": "event",
}
#: Payloads no function of their folder's kind takes: another kind, or none (S3's test
#: event and replication failures are acknowledged without a call, see test_s3.py).
DELIVERED_ELSEWHERE = {
    "stream/kinesis-carrying-dynamodb-records.json": "changes",
    "storage/s3-test-event-notification.json": None,
    "storage/s3-replication-operation-failed.json": None,
}
CORPUS = sorted(
    name
    for folder in KINDS
    for name in (f"{folder}/{path.name}" for path in (PAYLOADS / folder).glob("*.json"))
    if DELIVERED_ELSEWHERE.get(name, folder) is not None
)
#: The first envelope of a payload → its (source, type, subject), one payload per mapping.
EXPECTED = {
    "queue/sqs-batch-two-records.json": (
        "arn:aws:sqs:us-east-2:123456789012:my-queue",
        "com.amazonaws.sqs.message",
        None,
    ),
    "topic/sns-notification.json": (
        "arn:aws:sns:us-east-2:123456789012:sns-lambda",
        "com.amazonaws.sns.notification",
        None,
    ),
    "stream/kinesis-data-stream-two-records.json": (
        "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
        "com.amazonaws.kinesis.record",
        None,
    ),
    "stream/kafka-msk.json": ("portafunc://aws/message/mytopic", "portafunc.message", None),
    "queue/amazonmq-rabbitmq.json": (
        "portafunc://aws/message/pizzaQueue",
        "portafunc.message",
        None,
    ),
    "database/dynamodb-stream-insert-modify-remove.json": (
        "arn:aws:dynamodb:eu-central-1:123456789012:table/ExampleTableWithStream"
        "/stream/2015-06-27T00:48:05.899",
        "com.amazonaws.dynamodb.INSERT",
        "101",
    ),
    "storage/s3-object-created-put.json": (
        "arn:aws:s3:::lambda-artifacts-deafc19498e3f2df",
        "com.amazonaws.s3.ObjectCreated:Put",
        "b21b84d653bb07b05b1e6b33684dc11b",
    ),
    "storage/s3-lifecycle-transition.json": (
        "arn:aws:s3:::example-bucket",
        "com.amazonaws.s3.LifecycleTransition",
        "lifecycle-test.dat",
    ),
    "storage/s3-eventbridge-object-created.json": ("aws.s3", "Object Created", "IMG_m7fzo3.jpg"),
    "schedule/eventbridge-scheduled-event-empty-detail.json": (
        "aws.events",
        "Scheduled Event",
        "arn:aws:events:eu-central-1:123456789012:rule/demoschedule",
    ),
    "event/eventbridge-custom-event.json": (
        "aws.ec2",
        "EC2 Instance State-change Notification",
        "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0",
    ),
}


def round_trip(cloud_event: dict[str, Any]) -> None:
    """The SDK reads ``cloud_event`` and gives back the same attributes and data through
    binary and structured HTTP mode."""
    attributes = {k: v for k, v in cloud_event.items() if k not in ("data", "data_base64")}
    data = cloud_event.get("data")
    if "data_base64" in cloud_event:
        data = base64.b64decode(cloud_event["data_base64"])
        built = CloudEvent(attributes, data)
    else:
        built = from_dict(cloud_event)
    parsed = from_http(STRUCTURED, json.dumps(cloud_event).encode())
    for event in (built, parsed):
        for mode in (to_binary, to_structured):
            headers, body = mode(event)
            back = from_http(headers, body)
            assert back.get_attributes() == event.get_attributes()
            assert back.data == data
        got = dict(event.get_attributes())
        if "time" not in attributes:
            got.pop("time")  # the SDK adds one
        assert got == attributes


def delivered(kind: str, event: dict[str, Any], lambda_context: Any) -> list[Any]:
    """The envelopes one function of ``kind`` receives for ``event``."""
    app, seen = App("shop"), []

    def record(envelope: Any) -> None:
        seen.append(envelope)

    declare: dict[str, Callable[[Callable[..., Any]], Any]] = {
        "queue": app.queue("q"),
        "topic": app.topic("t"),
        "stream": app.stream("s"),
        "changes": app.changes("c"),
        "storage": app.storage("b", events=("created", "deleted", "archived", "restored")),
        "schedule": app.schedule("*/5 * * * *"),
        "event": app.event(type=str(event.get("detail-type"))),
    }
    annotations = {
        "queue": Message[bytes],
        "topic": Message[bytes],
        "stream": Message[bytes],
        "changes": ChangeEvent[Any],
        "storage": StorageEvent,
        "schedule": ScheduleEvent,
        "event": Event[Any],
    }

    def function(envelope: Any) -> None:
        record(envelope)

    function.__annotations__ = {"envelope": annotations[kind], "return": None}
    declare[kind](function)
    lambda_handler(app, "function")(event, lambda_context)
    return seen


@pytest.mark.parametrize("name", CORPUS)
def test_every_corpus_envelope_round_trips(
    payload: Payload, lambda_context: Any, name: str
) -> None:
    kind = DELIVERED_ELSEWHERE.get(name) or KINDS[name.split("/")[0]]
    envelopes = delivered(kind, payload(name), lambda_context)
    assert envelopes, name
    for envelope in envelopes:
        cloud_event = envelope.to_cloudevent()
        assert cloud_event["portafuncprovider"] == "aws"
        assert cloud_event["id"]
        round_trip(cloud_event)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_source_type_and_subject(payload: Payload, lambda_context: Any, name: str) -> None:
    envelope = delivered(KINDS[name.split("/")[0]], payload(name), lambda_context)[0]
    cloud_event = envelope.to_cloudevent()
    got = (cloud_event["source"], cloud_event["type"], cloud_event.get("subject"))
    assert got == EXPECTED[name]


def test_ids_and_times_are_the_providers(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/sqs-batch-two-records.json")
    first, second = (msg.to_cloudevent() for msg in delivered("queue", event, lambda_context))
    assert first["id"] == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert first["time"] == "2018-12-17T21:37:29.183000Z"
    assert base64.b64decode(first["data_base64"]) == b"Test message."
    assert second["data"] == {"message": "foo1"}
    assert first["id"] != second["id"]


def test_kinesis_changes_are_dynamodb_types(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-carrying-dynamodb-records.json")
    types = {c.to_cloudevent()["type"] for c in delivered("changes", event, lambda_context)}
    assert types <= {f"com.amazonaws.dynamodb.{name}" for name in ("INSERT", "MODIFY", "REMOVE")}
    assert types


def test_s3_ids_are_unique_per_record(payload: Payload, lambda_context: Any) -> None:
    ids = {
        envelope.to_cloudevent()["id"]
        for name in CORPUS
        if name.startswith("storage/s3-object")
        for envelope in delivered("storage", payload(name), lambda_context)
    }
    assert len(ids) == 4
