"""Envelopes as CloudEvents 1.0: what each envelope's ``to_cloudevent()`` returns.

The result is a plain dict in the CloudEvents structured JSON format (``specversion``,
``id``, ``source``, ``type``, ``subject`` when known, ``time`` in RFC 3339,
``datacontenttype``, and ``data`` for JSON or ``data_base64`` for other bytes), ready for
``json.dumps``, or for the ``cloudevents`` SDK's ``from_http`` with the structured content
type (its ``from_dict`` takes no ``data_base64``: decode it into ``CloudEvent(attrs, bytes)``).

Nothing here runs while a message is delivered: adapters build envelopes as before, and
the mapping is computed only when ``to_cloudevent()`` is called. ``source`` and ``type``
come from the envelope's portable fields and its ``provider``, refined by a few fields of
``raw`` read through :func:`raw_text`, which never raises, whatever ``raw`` is: an odd
``raw`` gives the portable fallback (``portafunc://PROVIDER/...``), not an error. The
mapping for each cloud is the table in docs/cloudevents.md.

Extension attributes: ``portafuncprovider`` (always) and ``partitionkey`` (the CloudEvents
partitioning extension, for messages with a partition key).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .events import ChangeEvent, Event, Message, ScheduleEvent, StorageEvent

__all__ = [
    "change_event",
    "event",
    "message",
    "raw_text",
    "schedule_event",
    "storage_event",
]

CloudEvent = dict[str, Any]

#: AWS ``eventSource`` values of message records → CloudEvents ``type``.
_AWS_MESSAGE_TYPES = {
    "aws:sqs": "com.amazonaws.sqs.message",
    "aws:sns": "com.amazonaws.sns.notification",
    "aws:kinesis": "com.amazonaws.kinesis.record",
}
#: Change kinds → DynamoDB Streams ``eventName`` (also for changes carried by Kinesis).
_DYNAMODB_EVENT_NAMES = {"insert": "INSERT", "update": "MODIFY", "delete": "REMOVE"}
#: GCS CloudEvents types by action (Eventarc's ``google.cloud.storage.object.v1.*``).
_GCP_STORAGE_TYPES = {
    "created": "google.cloud.storage.object.v1.finalized",
    "deleted": "google.cloud.storage.object.v1.deleted",
    "archived": "google.cloud.storage.object.v1.archived",
    "metadata_updated": "google.cloud.storage.object.v1.metadataUpdated",
}
#: Event Grid blob event types by action.
_AZURE_STORAGE_TYPES = {
    "created": "Microsoft.Storage.BlobCreated",
    "deleted": "Microsoft.Storage.BlobDeleted",
    "archived": "Microsoft.Storage.BlobTierChanged",
    "restored": "Microsoft.Storage.BlobTierChanged",
}


#: azure.functions classes of message triggers → the service named in the portable source.
_AZURE_SERVICES = {
    "QueueMessage": "queue",
    "ServiceBusMessage": "servicebus",
    "EventHubEvent": "eventhubs",
}


# -- reading raw ---------------------------------------------------------------------------


def raw_text(raw: Any, *names: str) -> str | None:
    """The first of ``names`` that ``raw`` holds as a non-empty string, else None.

    Looks a name up with ``raw.get(name)`` (dicts, the ``cloudevents`` SDK's CloudEvent)
    and then as an attribute. Total: any ``raw`` (None, a list, an object whose lookup
    raises) gives None rather than an error.
    """
    for name in names:
        value = _lookup(raw, name)
        if isinstance(value, str) and value:
            return value
    return None


def _lookup(raw: Any, name: str) -> Any:
    try:
        getter = getattr(raw, "get", None)
        if callable(getter):
            value = getter(name)
            if value is not None:
                return value
        return getattr(raw, name, None)
    except Exception:  # an odd raw must not make to_cloudevent() fail
        return None


def _raw_mapping(raw: Any, name: str) -> Mapping[str, Any]:
    """``raw[name]`` when it is a mapping, else an empty one (total)."""
    value = _lookup(raw, name)
    return value if isinstance(value, Mapping) else {}


def _first_text(raw: Any, name: str) -> str | None:
    """The first item of the list ``raw[name]`` when it is a non-empty string (total)."""
    value = _lookup(raw, name)
    if isinstance(value, list) and value and isinstance(value[0], str) and value[0]:
        return value[0]
    return None


# -- the envelopes -------------------------------------------------------------------------

#: What a provider's record says of an envelope: id (None: made up), source, type, subject.
Origin = tuple[str | None, str, str, str | None]


def message(envelope: Message[Any]) -> CloudEvent:
    """A queue, topic or stream message; ``data`` is the message body."""
    provider, raw = envelope.provider, envelope.raw
    source, type_ = _message_origin(provider, envelope.source, raw)
    extensions: dict[str, Any] = {}
    if envelope.partition_key:
        extensions["partitionkey"] = envelope.partition_key
    subject = raw_text(raw, "subject") if provider in ("gcp", "azure") else None
    payload = _body_data(envelope.body)
    return _build(envelope, envelope.id, source, type_, subject, payload, extensions)


def event(envelope: Event[Any]) -> CloudEvent:
    """An event that already has CloudEvents attributes: they are kept as they are."""
    id_, source, type_, subject = envelope.id, envelope.source, envelope.type, envelope.subject
    return _build(envelope, id_, source, type_, subject, _body_data(envelope.body))


def storage_event(envelope: StorageEvent) -> CloudEvent:
    """An object event; ``data`` holds the portable fields (bucket, key, action, ...)."""
    origin = _STORAGE_ORIGINS.get(envelope.provider, _local_storage)
    id_, source, type_, subject = origin(envelope)
    data = {
        "bucket": envelope.bucket,
        "key": envelope.key,
        "action": envelope.action,
        "size": envelope.size,
        "etag": envelope.etag,
        "contentType": envelope.content_type,
    }
    if not id_:
        s3_object = _raw_mapping(_raw_mapping(envelope.raw, "s3"), "object")
        identity = (_iso(envelope), envelope.etag, raw_text(s3_object, "sequencer"))
        id_ = _made_id(source, type_, subject, *identity)
    return _build(envelope, id_, source, type_, subject, _json_data(data))


def schedule_event(envelope: ScheduleEvent) -> CloudEvent:
    """A scheduled tick; ``data`` holds ``schedule`` and ``pastDue``."""
    origin = _SCHEDULE_ORIGINS.get(envelope.provider, _local_schedule)
    id_, source, type_, subject = origin(envelope)
    data = {"schedule": envelope.schedule, "pastDue": envelope.past_due}
    id_ = id_ or _made_id(source, type_, subject, _iso(envelope))
    return _build(envelope, id_, source, type_, subject, _json_data(data))


def change_event(envelope: ChangeEvent[Any]) -> CloudEvent:
    """A database change; ``data`` holds table, kind, key and the old and new items."""
    origin = _CHANGE_ORIGINS.get(envelope.provider, _local_change)
    id_, source, type_, subject = origin(envelope)
    data = {
        "table": envelope.table,
        "kind": envelope.kind,
        "key": dict(envelope.key),
        "old": envelope.old,
        "new": envelope.new,
    }
    payload = _json_data(data)
    id_ = id_ or _made_id(source, type_, subject, _lookup(envelope.raw, "_ts"), payload)
    return _build(envelope, id_, source, type_, subject, payload)


# -- messages ------------------------------------------------------------------------------


def _message_origin(provider: str, name: str, raw: Any) -> tuple[str, str]:
    """``source`` and ``type`` of a message of queue, topic or stream ``name``."""
    if provider == "aws":
        sns = _raw_mapping(raw, "Sns")
        topic_arn = raw_text(sns, "TopicArn")
        if topic_arn:
            return topic_arn, _AWS_MESSAGE_TYPES["aws:sns"]
        kind, arn = raw_text(raw, "eventSource"), raw_text(raw, "eventSourceARN")
        if kind in _AWS_MESSAGE_TYPES and arn:
            return arn, _AWS_MESSAGE_TYPES[kind]
    elif provider in ("gcp", "azure"):
        source = raw_text(raw, "source", "topic")
        type_ = raw_text(raw, "type", "eventType", "event_type")
        if source and type_:
            return source, type_
    if provider == "azure":
        service = _AZURE_SERVICES.get(type(raw).__name__, "message")
        return _local_source(provider, service, name), "portafunc.message"
    return _local_source(provider, "message", name), "portafunc.message"


# -- storage -------------------------------------------------------------------------------


def _aws_storage(envelope: StorageEvent) -> Origin:
    """EventBridge S3 events as EventBridge maps them (``source``, ``detail-type``);
    S3 notification records by bucket ARN and ``eventName``."""
    raw, key = envelope.raw, envelope.key
    detail_type = raw_text(raw, "detail-type")
    if detail_type:
        return raw_text(raw, "id"), raw_text(raw, "source") or "aws.s3", detail_type, key
    name = (raw_text(raw, "eventName") or envelope.action).removeprefix("s3:")
    return None, f"arn:aws:s3:::{envelope.bucket}", f"com.amazonaws.s3.{name}", key


def _gcp_storage(envelope: StorageEvent) -> Origin:
    """Eventarc's own attributes (raw is the CloudEvent GCP delivered)."""
    raw, bucket, action = envelope.raw, envelope.bucket, envelope.action
    source = raw_text(raw, "source") or f"//storage.googleapis.com/projects/_/buckets/{bucket}"
    type_ = raw_text(raw, "type") or _GCP_STORAGE_TYPES.get(action, f"portafunc.storage.{action}")
    subject = raw_text(raw, "subject") or f"objects/{envelope.key}"
    return raw_text(raw, "id"), source, type_, subject


def _azure_storage(envelope: StorageEvent) -> Origin:
    """Event Grid's own attributes when raw is an Event Grid event (either schema)."""
    raw, bucket, action = envelope.raw, envelope.bucket, envelope.action
    source = raw_text(raw, "source", "topic") or _local_source("azure", "storage", bucket)
    type_ = raw_text(raw, "type", "eventType", "event_type") or _AZURE_STORAGE_TYPES.get(
        action, f"portafunc.storage.{action}"
    )
    blob = f"/blobServices/default/containers/{bucket}/blobs/{envelope.key}"
    return raw_text(raw, "id"), source, type_, raw_text(raw, "subject") or blob


def _local_storage(envelope: StorageEvent) -> Origin:
    source = _local_source(envelope.provider, "storage", envelope.bucket)
    return None, source, f"portafunc.storage.{envelope.action}", envelope.key


_STORAGE_ORIGINS = {"aws": _aws_storage, "gcp": _gcp_storage, "azure": _azure_storage}


# -- schedules -----------------------------------------------------------------------------


def _aws_schedule(envelope: ScheduleEvent) -> Origin:
    """EventBridge's scheduled event, as EventBridge maps it; the rule ARN as subject."""
    raw = envelope.raw
    source = raw_text(raw, "source") or "aws.events"
    type_ = raw_text(raw, "detail-type") or "Scheduled Event"
    return raw_text(raw, "id"), source, type_, _first_text(raw, "resources")


def _gcp_schedule(envelope: ScheduleEvent) -> Origin:
    """Eventarc's attributes of the Cloud Scheduler or Pub/Sub event."""
    raw, local = envelope.raw, _local_schedule(envelope)
    source, type_ = raw_text(raw, "source") or local[1], raw_text(raw, "type") or local[2]
    return raw_text(raw, "id"), source, type_, envelope.schedule


def _local_schedule(envelope: ScheduleEvent) -> Origin:
    source = _local_source(envelope.provider, "schedule", envelope.schedule)
    return None, source, "portafunc.schedule.tick", envelope.schedule


_SCHEDULE_ORIGINS = {"aws": _aws_schedule, "gcp": _gcp_schedule}


# -- changes -------------------------------------------------------------------------------


def _aws_change(envelope: ChangeEvent[Any]) -> Origin:
    """DynamoDB Streams records (also carried by Kinesis: the Kinesis stream's ARN)."""
    raw, kind = envelope.raw, envelope.kind
    source = raw_text(raw, "eventSourceARN") or _local_source("aws", "changes", envelope.table)
    type_ = f"com.amazonaws.dynamodb.{_DYNAMODB_EVENT_NAMES.get(kind, kind)}"
    return raw_text(raw, "eventID"), source, type_, _key_subject(envelope)


def _gcp_change(envelope: ChangeEvent[Any]) -> Origin:
    """Eventarc's attributes of the Firestore event."""
    raw, local = envelope.raw, _local_change(envelope)
    source, type_ = raw_text(raw, "source") or local[1], raw_text(raw, "type") or local[2]
    return raw_text(raw, "id"), source, type_, raw_text(raw, "subject") or local[3]


def _local_change(envelope: ChangeEvent[Any]) -> Origin:
    source = _local_source(envelope.provider, "changes", envelope.table)
    return None, source, f"portafunc.change.{envelope.kind}", _key_subject(envelope)


def _key_subject(envelope: ChangeEvent[Any]) -> str | None:
    """The changed item's key values joined by ``/``."""
    return "/".join(str(value) for value in envelope.key.values()) or None


_CHANGE_ORIGINS = {"aws": _aws_change, "gcp": _gcp_change}


# -- building ------------------------------------------------------------------------------


def _local_source(provider: str, kind: str, name: str) -> str:
    """The portable source URI: ``portafunc://PROVIDER/KIND/NAME``."""
    return f"portafunc://{provider}/{kind}/{name}"


def _iso(envelope: Any) -> str | None:
    time: datetime | None = envelope.time
    return None if time is None else time.isoformat()


def _made_id(*parts: Any) -> str:
    """A stable id for events whose provider gives none: a hash of what identifies them."""
    import hashlib

    from pydantic_core import to_json

    text = to_json(list(parts), fallback=repr, bytes_mode="base64")
    return hashlib.sha256(text).hexdigest()[:32]


def _body_data(body: bytes) -> dict[str, Any]:
    """A payload's bytes as ``data`` (JSON) or ``data_base64`` (anything else)."""
    if not body:
        return {}
    try:
        data = json.loads(body, parse_constant=_not_json)
        return {"datacontenttype": "application/json", "data": data}
    except (ValueError, RecursionError):
        import base64

        return {
            "datacontenttype": "application/octet-stream",
            "data_base64": base64.b64encode(body).decode("ascii"),
        }


def _not_json(constant: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON: such a body goes as ``data_base64``."""
    raise ValueError(constant)


def _json_data(value: Mapping[str, Any]) -> dict[str, Any]:
    """Portable fields as JSON ``data`` (models, Decimals and bytes made JSON-able)."""
    from pydantic_core import to_jsonable_python

    data = to_jsonable_python(value, fallback=str, bytes_mode="base64")
    return {"datacontenttype": "application/json", "data": data}


def _build(
    envelope: Any,
    id_: str,
    source: str,
    type_: str,
    subject: str | None,
    payload: Mapping[str, Any],
    extensions: Mapping[str, Any] | None = None,
) -> CloudEvent:
    cloud_event: CloudEvent = {"specversion": "1.0", "id": id_, "source": source, "type": type_}
    if subject:
        cloud_event["subject"] = subject
    time = envelope.time
    if time is not None:
        cloud_event["time"] = time.isoformat().replace("+00:00", "Z")
    cloud_event["portafuncprovider"] = envelope.provider
    if extensions:
        cloud_event.update(extensions)
    cloud_event.update(payload)
    return cloud_event
