"""CloudEvents of Pub/Sub and Cloud Storage, any other CloudEvent, Pub/Sub push bodies and
1st-gen background events.

Shapes: google-cloudevents' ``MessagePublishedData`` and ``StorageObjectData`` with the
attributes Eventarc sets; Pub/Sub's push-subscription body ("Receive messages using
push"); the 1st-gen background event ``{"context": {...}, "data": ...}`` that
functions-framework converts into a CloudEvent before a CloudEvent function sees it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from cloudevents.http import CloudEvent

from ..sources.pubsub import MESSAGE_PUBLISHED
from ..sources.storage import TYPES
from ._common import PROJECT, as_bytes, message_id, new_id, now, plain, rfc3339

__all__ = [
    "cloud_event",
    "pubsub_event",
    "pubsub_legacy_event",
    "pubsub_push",
    "storage_event",
    "storage_legacy_event",
]

StorageAction = Literal["created", "deleted", "archived", "metadata_updated"]

_PUBSUB_MESSAGE = "type.googleapis.com/google.pubsub.v1.PubsubMessage"
_LEGACY_STORAGE: Mapping[str, str] = {
    "created": "google.storage.object.finalize",
    "deleted": "google.storage.object.delete",
    "archived": "google.storage.object.archive",
    "metadata_updated": "google.storage.object.metadataUpdate",
}


def cloud_event(
    type: str,
    data: Any = None,
    *,
    source: str = f"//example.com/projects/{PROJECT}",
    subject: str | None = None,
    id: str | None = None,
    time: datetime | None = None,
    content_type: str | None = None,
    extensions: Mapping[str, str] | None = None,
) -> CloudEvent:
    """Any CloudEvent (what an ``event(type=...)`` function receives).

    ``data`` given as ``bytes`` stays bytes (``application/octet-stream`` unless
    ``content_type`` says otherwise); anything else is made JSON-able
    (``application/json``); None sends no data.
    """
    binary = isinstance(data, (bytes, bytearray, memoryview))
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": id or new_id(),
        "source": source,
        "type": type,
        "time": rfc3339(time),
        **(extensions or {}),
    }
    if data is not None:
        default = "application/octet-stream" if binary else "application/json"
        attributes["datacontenttype"] = content_type or default
    if subject is not None:
        attributes["subject"] = subject
    return CloudEvent(attributes, bytes(data) if binary else plain(data))


def pubsub_event(
    data: Any,
    *,
    attributes: Mapping[str, str] | None = None,
    topic: str = "orders",
    project: str = PROJECT,
    ordering_key: str | None = None,
    delivery_attempt: int | None = None,
    subscription: str | None = None,
    publish_time: datetime | None = None,
) -> CloudEvent:
    """The ``messagePublished`` CloudEvent Eventarc delivers for a message on ``topic``.

    Also what a ``schedule`` function receives (Cloud Scheduler publishes to a topic).
    """
    msg_id, published = message_id(), rfc3339(publish_time)
    payload: dict[str, Any] = {
        "message": _message(data, attributes, msg_id, published, ordering_key),
        "subscription": f"projects/{project}/subscriptions/{subscription or topic + '-sub'}",
    }
    if delivery_attempt is not None:
        payload["deliveryAttempt"] = delivery_attempt
    event = {
        "specversion": "1.0",
        "id": msg_id,
        "source": f"//pubsub.googleapis.com/projects/{project}/topics/{topic}",
        "type": MESSAGE_PUBLISHED,
        "time": published,
        "datacontenttype": "application/json",
    }
    return CloudEvent(event, payload)


def pubsub_push(
    data: Any,
    *,
    attributes: Mapping[str, str] | None = None,
    subscription: str = "orders-push",
    project: str = PROJECT,
    ordering_key: str | None = None,
    delivery_attempt: int | None = None,
) -> dict[str, Any]:
    """The JSON body a push subscription posts (functions-framework converts it).

    The message carries its id and publish time in both spellings, as Pub/Sub writes them.
    """
    msg_id, published = message_id(), rfc3339()
    message = _message(data, attributes, msg_id, published, ordering_key)
    message.update(data=message.get("data", ""), message_id=msg_id, publish_time=published)
    body: dict[str, Any] = {
        "message": message,
        "subscription": f"projects/{project}/subscriptions/{subscription}",
    }
    if delivery_attempt is not None:
        body["deliveryAttempt"] = delivery_attempt
    return body


def pubsub_legacy_event(
    data: Any,
    *,
    attributes: Mapping[str, str] | None = None,
    topic: str = "orders",
    project: str = PROJECT,
) -> dict[str, Any]:
    """A 1st-gen ``google.pubsub.topic.publish`` background event."""
    message: dict[str, Any] = {"@type": _PUBSUB_MESSAGE, "data": _base64(as_bytes(data))}
    if attributes:
        message["attributes"] = dict(attributes)
    return {
        "context": {
            "eventId": message_id(),
            "timestamp": rfc3339(),
            "eventType": "google.pubsub.topic.publish",
            "resource": {
                "service": "pubsub.googleapis.com",
                "name": f"projects/{project}/topics/{topic}",
                "type": _PUBSUB_MESSAGE,
            },
        },
        "data": message,
    }


def storage_event(
    bucket: str,
    name: str,
    *,
    action: StorageAction = "created",
    size: int = 0,
    content_type: str = "application/octet-stream",
    time: datetime | None = None,
) -> CloudEvent:
    """The Cloud Storage CloudEvent Eventarc delivers when object ``name`` changes."""
    if action not in TYPES:
        raise ValueError(f"Cloud Storage sends no {action!r} events")
    moment = time or now()
    attributes = {
        "specversion": "1.0",
        "id": message_id(),
        "source": f"//storage.googleapis.com/projects/_/buckets/{bucket}",
        "type": TYPES[action],
        "subject": f"objects/{name}",
        "time": rfc3339(moment),
        "datacontenttype": "application/json",
    }
    return CloudEvent(attributes, _object(bucket, name, size, content_type, moment))


def storage_legacy_event(
    bucket: str,
    name: str,
    *,
    action: StorageAction = "created",
    size: int = 0,
    content_type: str = "application/octet-stream",
) -> dict[str, Any]:
    """A 1st-gen ``google.storage.object.*`` background event."""
    moment = now()
    return {
        "context": {
            "eventId": message_id(),
            "timestamp": rfc3339(moment),
            "eventType": _LEGACY_STORAGE[action],
            "resource": {
                "service": "storage.googleapis.com",
                "name": f"projects/_/buckets/{bucket}/objects/{name}",
                "type": "storage#object",
            },
        },
        "data": _object(bucket, name, size, content_type, moment),
    }


def _message(
    data: Any,
    attributes: Mapping[str, str] | None,
    msg_id: str,
    published: str,
    ordering_key: str | None,
) -> dict[str, Any]:
    message: dict[str, Any] = {}
    body = as_bytes(data)
    if body:  # proto3 JSON leaves out empty bytes
        message["data"] = _base64(body)
    if attributes:
        message["attributes"] = dict(attributes)
    message.update(messageId=msg_id, publishTime=published)
    if ordering_key:
        message["orderingKey"] = ordering_key
    return message


def _object(
    bucket: str, name: str, size: int, content_type: str, moment: datetime
) -> dict[str, Any]:
    """The object resource of Cloud Storage's JSON API (int64 fields as strings)."""
    generation = str(int(moment.timestamp() * 1_000_000))
    time = rfc3339(moment)
    return {
        "kind": "storage#object",
        "id": f"{bucket}/{name}/{generation}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}/o/{name}",
        "name": name,
        "bucket": bucket,
        "generation": generation,
        "metageneration": "1",
        "contentType": content_type,
        "timeCreated": time,
        "updated": time,
        "storageClass": "STANDARD",
        "timeStorageClassUpdated": time,
        "size": str(size),
        "md5Hash": _base64(secrets.token_bytes(16)),
        "crc32c": _base64(secrets.token_bytes(4)),
        "etag": _base64(secrets.token_bytes(7)),
    }


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode()
