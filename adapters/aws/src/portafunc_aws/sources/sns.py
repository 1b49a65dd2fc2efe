"""SNS → topic functions (and storage functions for S3 notifications published to a topic).

Payload shapes followed: the Lambda SNS event
(https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html), ``Records[].Sns`` with
``MessageId``, ``TopicArn``, ``Message``, ``Timestamp`` and ``MessageAttributes``
(``{Name: {"Type": ..., "Value": ...}}``); and the same notification as the JSON body of
an SQS message when a queue subscribes to a topic without raw message delivery
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html), which
sqs.py hands to :func:`works`.

A notification becomes a :class:`~portafunc.Message`: ``id`` = MessageId, ``body`` = the
Message text as UTF-8, ``attributes`` = ``{Name: Value}`` (built on first read; ``Binary``
values base64-decoded into bytes, a value that is not base64 kept as the string received;
``Number`` and ``String.Array`` values stay strings, as SNS sends them), ``source`` = the
topic name, ``time`` = Timestamp, ``attempt`` None (SNS does not count deliveries; through
SQS, the SQS receive count) and ``raw`` = the SNS record (through SQS, the SQS record).

Routing: the topic function for ``TopicArn`` (by name or ``aws={"arn": ...}``); else, when
the Message is an S3 notification, the storage function of its bucket; else
NoSuchFunction. A pinned topic function receives every notification; a pinned storage
function the S3 notifications inside them.

SNS invokes Lambda asynchronously: every record is delivered, then the first failure is
raised, so Lambda retries the event and then hands it to the on-failure destination.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from portafunc.errors import NoSuchFunction, UnsupportedEvent
from portafunc.events import Message

from ..invocation import Functions, context_for, name_from_arn
from . import s3
from ._base import optional_text, text, translating
from .s3 import Work, first_record, json_object

__all__ = ["SNS", "decode_binary", "message", "notification", "works"]


class SNS:
    """SNS notifications invoking Lambda directly (``Records[0].EventSource == "aws:sns"``)."""

    name: ClassVar[str] = "sns"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return first_record(event).get("EventSource") == "aws:sns"

    def invoke(self, functions: Functions, event: Mapping[str, Any], lambda_context: Any) -> None:
        with translating(self.name):
            records = list(event["Records"])
        ctx = context_for(lambda_context)
        s3.deliver_each(
            functions.app, ctx, self.name, records, lambda r: works(functions, r["Sns"], r)
        )


def notification(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """``value`` if it is an SNS notification envelope (a decoded JSON object), else None."""
    if value is not None and value.get("Type") == "Notification" and "TopicArn" in value:
        return value
    return None


def works(
    functions: Functions,
    sns: Mapping[str, Any],
    raw: Any,
    attempt: int | None = None,
    partition_key: str | None = None,
) -> list[Work]:
    """What one notification delivers: a topic message, or the S3 events it carries."""
    topic_arn = text(sns["TopicArn"])
    function = functions.find(("topic",), topic_arn)
    if function is not None:
        return [(function, message(sns, raw, attempt, partition_key))]
    pinned = functions.pinned
    if pinned is None or pinned.trigger.kind == "storage":
        records = s3.notification(json_object(text(sns["Message"])))
        if records is not None:
            return s3.works(functions, records)
    if pinned is not None and pinned.trigger.kind == "storage":
        raise UnsupportedEvent(
            "aws", f"an SNS message that is not an S3 notification, for {pinned.name!r}"
        )
    raise NoSuchFunction(f"SNS topic {topic_arn!r} (topic functions)")


def message(
    sns: Mapping[str, Any],
    raw: Any,
    attempt: int | None = None,
    partition_key: str | None = None,
) -> Message[Any]:
    """One SNS notification (direct, or the JSON body of an SQS message) as a Message."""
    attributes = sns.get("MessageAttributes")
    return Message(
        id=text(sns["MessageId"]),
        body=text(sns["Message"]).encode(),
        attributes=_lazy(attributes) if attributes else None,
        source=name_from_arn(text(sns["TopicArn"])),
        time=optional_text(sns.get("Timestamp")),
        attempt=attempt,
        partition_key=partition_key,
        provider="aws",
        raw=raw,
    )


def _lazy(attributes: Any) -> Callable[[], Mapping[str, Any]]:
    if not isinstance(attributes, Mapping):
        raise TypeError("MessageAttributes is not an object")

    def build() -> Mapping[str, Any]:
        with translating("SNS message attributes"):
            return {name: _value(attribute) for name, attribute in attributes.items()}

    return build


def _value(attribute: Mapping[str, Any]) -> Any:
    value = attribute["Value"]
    return decode_binary(value) if attribute.get("Type") == "Binary" else value


def decode_binary(value: Any) -> bytes | str:
    """Base64 ``value`` as bytes; a value that is not base64 is kept as the string received."""
    try:
        return base64.b64decode(text(value), validate=True)
    except binascii.Error:
        return value  # type: ignore[no-any-return]  # a str: text() accepted it
