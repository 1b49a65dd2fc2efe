"""Differential tests: what the SQS, SNS, S3 and EventBridge sources extract from every
corpus payload of theirs equals what Powertools' event source data classes read.

Each payload goes through its source with a pinned function (so routing plays no part)
that records the envelopes it receives. Deliberate differences, each asserted below:

- SQS Binary message attributes are bytes here, the base64 text in Powertools;
- times are aware datetimes here, the provider's text (SNS, S3, EventBridge) or epoch
  milliseconds as text (SQS ``SentTimestamp``) in Powertools; receive counts are ints;
- a missing S3 ETag is None here, ``""`` in Powertools;
- S3 events with no portafunc action (``Replication:*``) and S3's test event deliver
  nothing here; Powertools parses the former like any record and has no class for the
  latter;
- SNS Binary attributes are base64-decoded here; the corpus's "TestBinary" value is not
  base64, so it stays the string Powertools returns.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    EventBridgeEvent,
    S3Event,
    SNSEvent,
    SQSEvent,
)
from aws_lambda_powertools.utilities.data_classes.s3_event import (
    S3EventBridgeNotificationEvent,
)
from aws_lambda_powertools.utilities.data_classes.sns_event import SNSMessage
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from portafunc import App, Event, Message, ScheduleEvent, StorageEvent
from portafunc.events import Action
from portafunc_aws.invocation import Functions
from portafunc_aws.sources._base import Source
from portafunc_aws.sources.eventbridge import EventBridge
from portafunc_aws.sources.s3 import S3
from portafunc_aws.sources.sns import SNS
from portafunc_aws.sources.sqs import SQS

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
EVERY_ACTION: tuple[Action, ...] = (
    "created",
    "deleted",
    "archived",
    "restored",
    "metadata_updated",
)


def capture(source: Source, kind: str, event: dict[str, Any], lambda_context: Any) -> list[Any]:
    """The envelopes a pinned function of ``kind`` receives from ``event``."""
    app = App("diff")
    seen: list[Any] = []
    declare: dict[str, Callable[[Callable[..., Any]], Any]] = {
        "queue": app.queue("q"),
        "topic": app.topic("t"),
        "storage": app.storage("b", events=EVERY_ACTION),
        "event": app.event(type=str(event.get("detail-type"))),
        "schedule": app.schedule("* * * * *"),
    }

    def queue(msg: Message[bytes]) -> None:
        seen.append(msg)

    def storage(event: StorageEvent) -> None:
        seen.append(event)

    def event_(event: Event[Any]) -> None:
        seen.append(event)

    def schedule(tick: ScheduleEvent) -> None:
        seen.append(tick)

    handler: dict[str, Callable[..., Any]] = {
        "queue": queue,
        "topic": queue,
        "storage": storage,
        "event": event_,
    }
    declare[kind](handler.get(kind, schedule))
    name = next(iter(app.functions))
    source.invoke(Functions(app, app.function(name)), event, lambda_context)
    return seen


# -- SQS ----------------------------------------------------------------------------------

SQS_PAYLOADS = sorted(p.name for p in (PAYLOADS / "queue").glob("sqs-*.json"))


@pytest.mark.parametrize("name", SQS_PAYLOADS)
def test_sqs_messages(payload: Payload, lambda_context: Any, name: str) -> None:
    event = payload(f"queue/{name}")
    messages = capture(SQS(), "queue", event, lambda_context)
    records = list(SQSEvent(event).records)
    assert len(messages) == len(records)
    for msg, record in zip(messages, records, strict=True):
        assert msg.id == record.message_id
        assert msg.body.decode() == record.body
        assert msg.source == record.queue_url.rpartition("/")[2]
        assert msg.attempt == int(record.attributes.approximate_receive_count)
        sent = int(record.attributes.sent_timestamp)
        assert msg.time.timestamp() * 1000 == pytest.approx(sent)
        assert msg.partition_key == record.attributes.message_group_id
        assert msg.attributes == sqs_attributes(record)


def sqs_attributes(record: SQSRecord) -> dict[str, Any]:
    """Powertools' view of the message attributes, Binary values decoded."""
    attributes: dict[str, Any] = {}
    for name, attribute in record.message_attributes.items():
        if attribute.data_type.startswith("Binary"):
            attributes[name] = base64.b64decode(attribute.binary_value or "")
        else:
            attributes[name] = attribute.string_value
    return attributes


@pytest.mark.parametrize("name", ["sqs-with-sns-envelope.json", "sqs-fifo-with-sns-envelope.json"])
def test_sns_notifications_in_sqs(payload: Payload, lambda_context: Any, name: str) -> None:
    event = payload(f"queue/{name}")
    (msg,) = capture(SQS(), "topic", event, lambda_context)
    record = next(SQSEvent(event).records)
    same_notification(msg, record.decoded_nested_sns_event)
    assert msg.partition_key == record.attributes.message_group_id


def test_s3_notification_in_sqs(payload: Payload, lambda_context: Any) -> None:
    event = payload("queue/sqs-with-s3-notification.json")
    (storage,) = capture(SQS(), "storage", event, lambda_context)
    same_s3_object(storage, next(SQSEvent(event).records).decoded_nested_s3_event)


# -- SNS ----------------------------------------------------------------------------------

SNS_PAYLOADS = sorted(p.name for p in (PAYLOADS / "topic").glob("*.json"))


@pytest.mark.parametrize("name", SNS_PAYLOADS)
def test_sns_notifications(payload: Payload, lambda_context: Any, name: str) -> None:
    event = payload(f"topic/{name}")
    (msg,) = capture(SNS(), "topic", event, lambda_context)
    notification = SNSEvent(event).record.sns
    same_notification(msg, notification)
    # "TestBinary" is not base64: kept as received, so both read the same string.
    assert msg.attributes == {k: v.value for k, v in notification.message_attributes.items()}
    assert msg.attempt is None


def same_notification(msg: Message[Any], notification: SNSMessage) -> None:
    assert msg.id == notification.message_id
    assert msg.body.decode() == notification.message
    assert msg.source == notification.topic_arn.rpartition(":")[2]
    assert msg.time == at(notification.timestamp)


# -- S3 -----------------------------------------------------------------------------------

S3_PAYLOADS = sorted(
    p.name
    for p in (PAYLOADS / "storage").glob("s3-*.json")
    if not p.name.startswith(("s3-eventbridge-", "s3-test-event"))
)


@pytest.mark.parametrize("name", S3_PAYLOADS)
def test_s3_notifications(payload: Payload, lambda_context: Any, name: str) -> None:
    event = payload(f"storage/{name}")
    seen = capture(S3(), "storage", event, lambda_context)
    s3_event = S3Event(event)
    if s3_event.record.event_name.startswith(("s3:Replication:", "Replication:")):
        assert seen == []  # no portafunc action: acknowledged
        return
    (storage,) = seen
    same_s3_object(storage, s3_event)
    # urlDecodedKey is aws-lambda-go's field: neither side reads it, both decode "key".
    url_decoded = s3_event.record.s3.get_object.get("urlDecodedKey")
    assert url_decoded in (None, storage.key)


def same_s3_object(storage: StorageEvent, s3_event: S3Event) -> None:
    record = s3_event.record
    assert storage.bucket == s3_event.bucket_name
    assert storage.key == s3_event.object_key  # both unquote_plus
    obj = record.s3.get_object
    assert storage.size == (obj.size if "size" in obj else None)
    assert (storage.etag or "") == obj.etag  # Powertools: "" when absent
    assert storage.time == at(record.event_time)


def test_s3_test_event(payload: Payload, lambda_context: Any) -> None:
    """Powertools has no data class for S3's test event; it is acknowledged here."""
    event = payload("storage/s3-test-event-notification.json")
    assert capture(S3(), "storage", event, lambda_context) == []


# -- EventBridge --------------------------------------------------------------------------


def test_eventbridge_event(payload: Payload, lambda_context: Any) -> None:
    event = payload("event/eventbridge-custom-event.json")
    (envelope,) = capture(EventBridge(), "event", event, lambda_context)
    theirs = EventBridgeEvent(event)
    assert envelope.id == theirs.get_id
    assert envelope.source == theirs.source
    assert envelope.type == theirs.detail_type
    assert envelope.subject == theirs.resources[0]
    assert envelope.time == at(theirs.time)
    assert envelope.data == theirs.detail


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (PAYLOADS / "schedule").glob("*.json")),
)
def test_eventbridge_schedules(payload: Payload, lambda_context: Any, name: str) -> None:
    event = payload(f"schedule/{name}")
    (tick,) = capture(EventBridge(), "schedule", event, lambda_context)
    theirs = EventBridgeEvent(event)
    assert (theirs.detail_type, theirs.source) == ("Scheduled Event", "aws.events")
    assert tick.time == at(theirs.time)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (PAYLOADS / "storage").glob("s3-eventbridge-*.json")),
)
def test_s3_through_eventbridge(payload: Payload, lambda_context: Any, name: str) -> None:
    event = payload(f"storage/{name}")
    (storage,) = capture(EventBridge(), "storage", event, lambda_context)
    theirs = S3EventBridgeNotificationEvent(event)
    assert storage.bucket == theirs.detail.bucket.name
    assert storage.key == theirs.detail.object.key  # both unquote_plus
    assert storage.size == theirs.detail.object.size
    assert (storage.etag or "") == theirs.detail.object.etag  # Powertools: "" when absent
    assert storage.time == at(theirs.time)


def test_every_payload_is_compared() -> None:
    compared = {f"queue/{n}" for n in SQS_PAYLOADS} | {f"topic/{n}" for n in SNS_PAYLOADS}
    compared |= {f"storage/{n}" for n in S3_PAYLOADS} | {"storage/s3-test-event-notification.json"}
    compared |= {f"schedule/{p.name}" for p in (PAYLOADS / "schedule").glob("*.json")}
    compared |= {f"storage/{p.name}" for p in (PAYLOADS / "storage").glob("s3-eventbridge-*")}
    compared |= {"event/eventbridge-custom-event.json"}
    mine = {
        f"{p.parent.name}/{p.name}"
        for p in PAYLOADS.glob("*/*.json")
        if p.parent.name in ("topic", "event", "schedule", "storage") or p.name.startswith("sqs-")
    }
    assert compared == mine


def at(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware UTC datetime, parsed independently of portafunc."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
