"""Pub/Sub → queue, topic, stream and schedule functions (Cloud Scheduler publishes to a topic).

CloudEvent followed: ``google.cloud.pubsub.topic.v1.messagePublished`` (google-cloudevents'
``MessagePublishedData``): ``data = {"message": {"data": base64, "attributes": {...},
"messageId", "publishTime", "orderingKey"}, "subscription": "projects/P/subscriptions/S",
"deliveryAttempt"}``. Eventarc sends it with the source
``//pubsub.googleapis.com/projects/P/topics/T``. functions-framework makes the same event
out of 1st-gen background events (``messageId`` and ``publishTime`` copied from the
context) and out of Pub/Sub push bodies: there the topic comes from the request path when
it names one (else the source is ``//pubsub.googleapis.com/``), and ``subscription``,
``orderingKey`` and ``deliveryAttempt`` are dropped. Fields are read in camelCase, then in
snake_case (google-cloudevents' test data carries both); ``@type`` is ignored.

A message: ``id`` = messageId (else the CloudEvent id), ``body`` = ``data`` base64-decoded
(standard or URL-safe alphabet, as proto3 JSON allows; empty when absent), ``attributes``
(read-only), ``source`` = the topic T of the CloudEvent source, else the subscription S,
else the function's declared resource (a push body converted by functions-framework names
neither), ``time`` = publishTime (else the CloudEvent time), ``attempt`` = deliveryAttempt
(None when absent: Pub/Sub counts deliveries only for subscriptions with a dead-letter
policy), ``partition_key`` = orderingKey (None when empty).

A schedule function gets ScheduleEvent(``schedule`` = the function's name, ``time`` =
publishTime, ``past_due`` False): Cloud Scheduler publishes the job's message when it
fires and tells the subscriber nothing about lateness. It also takes
``google.cloud.scheduler.job.v1.executed`` (SchedulerJobData, ``{"customData": base64}``),
``time`` then being the CloudEvent time.

Any other event type, and data that is not MessagePublishedData, raise UnsupportedEvent.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from portafunc.errors import UnsupportedEvent
from portafunc.events import Message, ScheduleEvent

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from portafunc.app import Function

__all__ = ["JOB_EXECUTED", "MESSAGE_PUBLISHED", "translate"]

MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
JOB_EXECUTED = "google.cloud.scheduler.job.v1.executed"

_TOPIC = re.compile(r"//pubsub\.googleapis\.com/projects/[^/]+/topics/([^/]+)")
_URL_SAFE = str.maketrans("-_", "+/")
_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})


def translate(event: CloudEvent, function: Function) -> Message[Any] | ScheduleEvent:
    """The Message (or, for a schedule function, the ScheduleEvent) of a Pub/Sub event."""
    schedule = function.trigger.kind == "schedule"
    if schedule and event["type"] == JOB_EXECUTED:
        return ScheduleEvent(
            schedule=function.name, time=_time(event.get("time")), provider="gcp", raw=event
        )
    data, message = _published(event, function)
    time = _time(_field(message, "publishTime", "publish_time")) or _time(event.get("time"))
    if schedule:
        return ScheduleEvent(schedule=function.name, time=time, provider="gcp", raw=event)
    return Message(
        id=_text(_field(message, "messageId", "message_id") or event["id"], "messageId"),
        body=_body(message.get("data")),
        attributes=_attributes(message.get("attributes")),
        source=_source(event, data, function),
        time=time,
        attempt=_attempt(_field(data, "deliveryAttempt", "delivery_attempt")),
        partition_key=_ordering_key(message),
        provider="gcp",
        raw=event,
    )


def _published(
    event: CloudEvent, function: Function
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The event's MessagePublishedData and the message in it."""
    event_type = event["type"]
    if event_type != MESSAGE_PUBLISHED:
        kind = function.trigger.kind
        takes = (
            f"{MESSAGE_PUBLISHED} or {JOB_EXECUTED}" if kind == "schedule" else MESSAGE_PUBLISHED
        )
        raise UnsupportedEvent(
            "gcp",
            f"a {event_type!r} CloudEvent for the {kind} function {function.name!r}, "
            f"which takes {takes} events",
        )
    data = event.data
    message = data.get("message") if isinstance(data, Mapping) else None
    if not isinstance(message, Mapping):
        raise UnsupportedEvent("gcp", f"a {MESSAGE_PUBLISHED} event with no message in its data")
    return data, message


def _field(mapping: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = mapping.get(camel)
    return mapping.get(snake) if value is None else value


def _source(event: CloudEvent, data: Mapping[str, Any], function: Function) -> str:
    """The topic's name, else the subscription's, else the function's declared resource."""
    match = _TOPIC.fullmatch(_text(event["source"], "source"))
    if match:
        return match[1]
    subscription = _optional_text(data.get("subscription"), "subscription")
    if subscription:
        return subscription.rpartition("/subscriptions/")[2]
    return function.trigger.resource


def _ordering_key(message: Mapping[str, Any]) -> str | None:
    key = _optional_text(_field(message, "orderingKey", "ordering_key"), "orderingKey")
    return key or None  # proto3 JSON may carry the default, ""


def _body(value: Any) -> bytes:
    if value is None:
        return b""
    text = _text(value, "message.data")
    try:
        return base64.b64decode(text.translate(_URL_SAFE) + "=" * (-len(text) % 4), validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise UnsupportedEvent("gcp", "a Pub/Sub message whose data is not base64") from None


def _attributes(value: Any) -> Mapping[str, str]:
    if value is None:
        return _NO_ATTRIBUTES
    if not isinstance(value, Mapping):
        raise UnsupportedEvent("gcp", f"a Pub/Sub message whose attributes are {value!r}")
    return MappingProxyType(value)


def _attempt(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and _is_int64(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnsupportedEvent("gcp", f"a Pub/Sub delivery whose deliveryAttempt is {value!r}")
    return value


def _is_int64(text: str) -> bool:
    """Whether ``text`` is a proto3 JSON int64 (ASCII digits: ``isdigit`` also takes "²",
    which ``int`` refuses; 19 at most: ``int`` refuses thousands)."""
    return text.isascii() and text.isdigit() and len(text) <= 19


def _time(value: Any) -> str | datetime | None:
    if value is None or isinstance(value, (str, datetime)):
        return value
    raise UnsupportedEvent("gcp", f"a Pub/Sub event whose time is {value!r}")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise UnsupportedEvent("gcp", f"a Pub/Sub event whose {name} is {value!r}")
    return value


def _optional_text(value: Any, name: str) -> str | None:
    return None if value is None else _text(value, name)
