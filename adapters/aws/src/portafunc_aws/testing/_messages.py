"""SQS batches and SNS notifications, direct and SNS delivered through SQS.

Shapes: Lambda's "Using Lambda with Amazon SQS" and "… with Amazon SNS" event
examples; the SNS notification document of SNS's "Parsing message formats" (the body
of an SQS message when raw message delivery is off); ``md5OfMessageAttributes`` as
SQS's "Calculating the MD5 message digest for message attributes" describes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._common import REGION, Event, arn, as_text, epoch_ms, iso, next_sequence, now, token

__all__ = ["sns_event", "sns_in_sqs_event", "sqs_event"]

Attributes = Mapping[str, str | bytes | int | float | Decimal] | None
_SENDER = "AIDAIENQZJOLO23YVJ4VO"


def _attribute(value: Any) -> tuple[str, str | bytes]:
    """(data type, value) of a message attribute given as str, bytes or a number."""
    if isinstance(value, str):
        return "String", value
    if isinstance(value, (bytes, bytearray)):
        return "Binary", bytes(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return "Number", str(value)
    raise TypeError(f"a message attribute is str, bytes or a number, not {type(value).__name__}")


def _shown(value: str | bytes) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def _sqs_attributes(attributes: Mapping[str, Any]) -> Event:
    converted: Event = {}
    for name, value in attributes.items():
        kind, data = _attribute(value)
        key = "binaryValue" if kind == "Binary" else "stringValue"
        converted[name] = {key: _shown(data), "stringListValues": [], "binaryListValues": []}
        converted[name]["dataType"] = kind
    return converted


def _md5_of_attributes(attributes: Mapping[str, Any]) -> str:
    """SQS's digest: per attribute, by name, length-prefixed name, type and value."""

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    digest = hashlib.md5()
    for name in sorted(attributes):
        kind, value = _attribute(attributes[name])
        data = value if isinstance(value, bytes) else value.encode()
        transport = b"\x02" if kind == "Binary" else b"\x01"
        digest.update(field(name.encode()) + field(kind.encode()) + transport + field(data))
    return digest.hexdigest()


def _sqs_record(body: str, queue: str, attributes: Mapping[str, Any], system: Event) -> Event:
    sent = epoch_ms(now())
    record_attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": str(sent)}
    record_attributes |= {**system, "SenderId": _SENDER}
    record_attributes["ApproximateFirstReceiveTimestamp"] = str(sent + 3)
    record: Event = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEB" + token(96),
        "body": body,
        "attributes": record_attributes,
        "messageAttributes": _sqs_attributes(attributes),
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
    }
    if attributes:
        record["md5OfMessageAttributes"] = _md5_of_attributes(attributes)
    source = {"eventSource": "aws:sqs", "eventSourceARN": arn("sqs", queue), "awsRegion": REGION}
    return record | source


def sqs_event(
    bodies: Sequence[Any],
    *,
    queue: str = "orders",
    fifo: bool = False,
    group_id: str = "default",
    attributes: Attributes = None,
    receive_count: int = 1,
) -> Event:
    """An SQS batch: one record per body (``str``, ``bytes`` as UTF-8, else JSON).

    ``attributes`` (str, bytes or number values) are every record's message
    attributes and ``receive_count`` its ``ApproximateReceiveCount``. A FIFO queue
    (``fifo=True`` or a ``.fifo`` name; the ARN always ends in ``.fifo``, as AWS
    requires) adds ``MessageGroupId`` (``group_id``), ``SequenceNumber`` and a
    content-based ``MessageDeduplicationId``.
    """
    fifo = fifo or queue.endswith(".fifo")
    name = f"{queue.removesuffix('.fifo')}.fifo" if fifo else queue
    records = []
    for body in map(as_text, bodies):
        system: Event = {"ApproximateReceiveCount": str(receive_count)}
        if fifo:
            system["SequenceNumber"] = str(next_sequence())
            system["MessageGroupId"] = group_id
            system["MessageDeduplicationId"] = hashlib.sha256(body.encode()).hexdigest()
        records.append(_sqs_record(body, name, attributes or {}, system))
    return {"Records": records}


def _notification(message: Any, topic: str, subject: str | None, attributes: Attributes) -> Event:
    """The notification document as SNS writes it into an SQS message body."""
    topic_arn = arn("sns", topic)
    endpoint = f"https://sns.{REGION}.amazonaws.com"
    subscription = f"{topic_arn}:{uuid.uuid4()}"
    note: Event = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn}
    if subject is not None:
        note["Subject"] = subject
    note |= {"Message": as_text(message), "Timestamp": iso(now()), "SignatureVersion": "1"}
    note["Signature"] = token(256)
    note["SigningCertURL"] = f"{endpoint}/SimpleNotificationService-{secrets.token_hex(16)}.pem"
    note["UnsubscribeURL"] = f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription}"
    if attributes:
        note["MessageAttributes"] = {
            name: {"Type": kind, "Value": _shown(data)}
            for name, (kind, data) in ((n, _attribute(v)) for n, v in attributes.items())
        }
    return note


def _sns_record(note: Event) -> Event:
    """An SNS record of a Lambda event: the notification with Lambda's key spellings."""
    renamed = {"SigningCertURL": "SigningCertUrl", "UnsubscribeURL": "UnsubscribeUrl"}
    sns = {renamed.get(key, key): value for key, value in note.items()}
    sns.setdefault("Subject", None)
    sns.setdefault("MessageAttributes", {})
    subscription = note["UnsubscribeURL"].rpartition("=")[2]
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription,
        "Sns": sns,
    }


def sns_event(
    messages: Sequence[Any],
    *,
    topic: str = "notifications",
    subject: str | None = None,
    attributes: Attributes = None,
) -> Event:
    """SNS notifications delivered to Lambda, one record per message
    (``str``, ``bytes`` as UTF-8, else JSON); ``attributes`` as for :func:`sqs_event`."""
    return {
        "Records": [
            _sns_record(_notification(message, topic, subject, attributes)) for message in messages
        ]
    }


def sns_in_sqs_event(
    messages: Sequence[Any],
    *,
    topic: str = "notifications",
    queue: str = "notifications",
    subject: str | None = None,
    attributes: Attributes = None,
) -> Event:
    """SNS notifications that reached Lambda through an SQS queue subscribed to
    ``topic`` (raw message delivery off): each record's body is the notification."""
    records = []
    for message in messages:
        note = _notification(message, topic, subject, attributes)
        body = json.dumps(note, indent=2, separators=(",", " : "), ensure_ascii=False)
        records.append(_sqs_record(body, queue, {}, {}))
    return {"Records": records}
