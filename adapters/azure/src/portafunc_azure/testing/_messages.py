"""Storage Queue and Service Bus messages, and Event Hubs batches.

Trigger metadata as the host sends it over gRPC: strings as strings, counts as
integers, DateTimes and objects as JSON (Storage Queue's ``DateTimeOffset`` values as
``2019-10-09T17:58:31+00:00``, Service Bus and Event Hubs UTC ``DateTime`` values as
``2020-07-14T01:27:55.627Z``), the names of the Storage Queue, Service Bus and Event
Hubs trigger binding data. Each object comes out of azure.functions' own converter.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.queue import QueueMessageInConverter
from azure.functions.servicebus import ServiceBusMessageInConverter

from ._common import (
    as_bytes,
    as_text,
    body_datum,
    convert,
    json_datum,
    net_time,
    now,
    string_datum,
)

__all__ = ["event_hub_events", "queue_message", "service_bus_message"]

# Sequence numbers grow across every message a test process builds, as an entity's do.
_sequence = itertools.count(int(time.time()))


def _utc(moment: datetime) -> str:
    """A UTC DateTime as the host serialises it, to the millisecond: ``…:55.627Z``."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def queue_message(
    body: Any,
    *,
    id: str | None = None,
    dequeue_count: int = 1,
    insertion_time: datetime | None = None,
) -> func.QueueMessage:
    """A Storage Queue message (``str``, ``bytes``, or anything else as JSON).

    ``dequeue_count`` is how many times the message has been dequeued, this time
    included; ``insertion_time`` defaults to now. The message expires 7 days after
    insertion and is invisible for the 10 minutes the host holds it.
    """
    inserted = (insertion_time or now()).replace(microsecond=0)
    received = now().replace(microsecond=0)
    metadata = {
        "Id": string_datum(id or str(uuid.uuid4())),
        "DequeueCount": meta.Datum(dequeue_count, "int"),
        "InsertionTime": json_datum(net_time(inserted)),
        "ExpirationTime": json_datum(net_time(inserted + timedelta(days=7))),
        "NextVisibleTime": json_datum(net_time(received + timedelta(minutes=10))),
        "PopReceipt": string_datum(base64.b64encode(secrets.token_bytes(20)).decode()),
        "QueueTrigger": string_datum(as_text(body)),
    }
    message: func.QueueMessage = convert(QueueMessageInConverter, body_datum(body), metadata)
    return message


def service_bus_message(
    body: Any,
    *,
    message_id: str | None = None,
    delivery_count: int = 1,
    application_properties: Mapping[str, Any] | None = None,
    session_id: str | None = None,
    content_type: str | None = None,
    correlation_id: str | None = None,
    subject: str | None = None,
) -> func.ServiceBusMessage:
    """A Service Bus queue or subscription message (cardinality one).

    ``delivery_count`` counts this delivery; ``application_properties`` are the
    sender's properties (also delivered as the legacy ``user_properties``);
    ``session_id`` marks a message of a session-enabled entity.
    """
    enqueued = now()
    properties = dict(application_properties or {})
    optional = {
        "SessionId": session_id,
        "ContentType": content_type,
        "CorrelationId": correlation_id,
        "Subject": subject,
        "Label": subject,
    }
    metadata = {
        "MessageId": string_datum(message_id or uuid.uuid4().hex),
        "DeliveryCount": meta.Datum(delivery_count, "int"),
        "SequenceNumber": meta.Datum(next(_sequence), "int"),
        "EnqueuedTimeUtc": json_datum(_utc(enqueued)),
        "ExpiresAtUtc": json_datum(_utc(enqueued + timedelta(days=14))),
        "LockedUntil": json_datum(_utc(now() + timedelta(minutes=1))),
        "LockToken": string_datum(str(uuid.uuid4())),
        "State": meta.Datum(0, "int"),
        "ApplicationProperties": json_datum(properties),
        "UserProperties": json_datum(properties),
        **{name: string_datum(value) for name, value in optional.items() if value is not None},
    }
    # Cardinality one (the converter sees "UserProperties"): one message.
    message: func.ServiceBusMessage = convert(
        ServiceBusMessageInConverter, body_datum(body), metadata
    )
    return message


def event_hub_events(
    bodies: Sequence[Any],
    *,
    partition_key: str | None = None,
    enqueued_time: datetime | None = None,
    properties: Mapping[str, Any] | None = None,
    event_hub: str = "events",
    partition_id: str = "0",
    consumer_group: str = "$Default",
) -> list[func.EventHubEvent]:
    """A batch of Event Hubs events (cardinality many), one per body (``bytes``,
    ``str`` as UTF-8, anything else as JSON), all of one partition.

    Sequence numbers and offsets grow along the batch; ``enqueued_time`` (default
    now) and the application ``properties`` are every event's.
    """
    datas = [as_bytes(body) for body in bodies]
    enqueued = _utc(enqueued_time or now())
    first = next(_sequence)
    offsets = list(itertools.accumulate((len(data) + 64 for data in datas), initial=4096))
    system = [
        {
            "x-opt-sequence-number": first + index,
            "x-opt-offset": str(offsets[index]),
            "x-opt-enqueued-time": enqueued,
            **({"x-opt-partition-key": partition_key} if partition_key is not None else {}),
            "SequenceNumber": first + index,
            "Offset": str(offsets[index]),
            "PartitionKey": partition_key,
            "EnqueuedTimeUtc": enqueued,
        }
        for index in range(len(datas))
    ]
    metadata = {
        "SystemPropertiesArray": json_datum(system),
        "PropertiesArray": json_datum([dict(properties or {}) for _ in datas]),
        "PartitionKeyArray": json_datum([partition_key for _ in datas]),
        "OffsetArray": json_datum([props["Offset"] for props in system]),
        "SequenceNumberArray": json_datum([props["SequenceNumber"] for props in system]),
        "EnqueuedTimeUtcArray": json_datum([enqueued for _ in datas]),
        "PartitionContext": json_datum(
            {
                "ConsumerGroupName": consumer_group,
                "EventHubPath": event_hub,
                "PartitionId": partition_id,
                "Owner": str(uuid.uuid4()),
            }
        ),
    }
    # The worker's protobuf CollectionBytes: its values are in ``.bytes``.
    collection = meta.Datum(SimpleNamespace(bytes=datas), "collection_bytes")
    # Cardinality many (the converter sees "SystemPropertiesArray"): a list.
    events: list[func.EventHubEvent] = convert(EventHubTriggerConverter, collection, metadata)
    return events
