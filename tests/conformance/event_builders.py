"""A portable delivery as each provider sends it, made with the adapters' builders.

README.md has the table of which builder each trigger kind uses. A
builder gets the function (its trigger names the queue, topic, stream, table or
bucket) and the delivery; what it returns is the provider's own payload.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import azure.functions as func
from cloudevents.http import CloudEvent

from portafunc import ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc.app import App, Function
from portafunc_aws import testing as aws_testing
from portafunc_azure import function_app
from portafunc_azure import testing as azure_testing
from portafunc_gcp import testing as gcp_testing

__all__ = ["aws", "azure", "azure_app", "azure_invoke", "fresh", "gcp", "gcp_client", "gcp_post"]

_STORAGE_ACCOUNT = (
    f"/subscriptions/{azure_testing.SUBSCRIPTION}/resourceGroups/"
    f"{azure_testing.RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/conformance"
)
#: Blob Storage's Event Grid event for each storage action azure_testing has no builder of.
_BLOB_EVENTS: dict[str, tuple[str, dict[str, str]]] = {
    "deleted": ("Microsoft.Storage.BlobDeleted", {"api": "DeleteBlob"}),
    "archived": (
        "Microsoft.Storage.BlobTierChanged",
        {"api": "SetBlobTier", "accessTier": "Archive"},
    ),
}


def _wire(body: bytes) -> str | bytes:
    """A message body as a sender hands it over: text when it is UTF-8, else bytes."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def _data(event: Event[Any]) -> Any:
    return json.loads(event.body)


def _resource(function: Function) -> str:
    return function.trigger.resource


def fresh(delivery: Any) -> Any:
    """A new envelope like ``delivery`` for the TestClient (a delivery validates and
    keeps the data of the envelope it is given)."""
    if isinstance(delivery, Event):
        return Event(
            id="local", source=delivery.source, type=delivery.type,
            subject=delivery.subject, body=delivery.body,
        )  # fmt: skip
    if isinstance(delivery, StorageEvent):
        return StorageEvent(
            bucket=delivery.bucket, key=delivery.key, action=delivery.action,
            size=delivery.size, content_type=delivery.content_type,
        )  # fmt: skip
    if isinstance(delivery, ScheduleEvent):
        return ScheduleEvent(schedule=delivery.schedule, time=datetime.now(timezone.utc))
    if isinstance(delivery, ChangeEvent):
        return ChangeEvent[Any](
            table=delivery.table, kind=delivery.kind, key=delivery.key,
            old=delivery.old, new=delivery.new,
        )  # fmt: skip
    raise TypeError(f"no fresh copy of {delivery!r}")


# -- AWS --------------------------------------------------------------------------------


def aws(function: Function, delivery: Any) -> dict[str, Any]:
    """The Lambda event of ``delivery`` to ``function``."""
    kind, resource = function.trigger.kind, _resource(function)
    if isinstance(delivery, Message):
        body, attributes = _wire(delivery.body), dict(delivery.attributes) or None
        if kind == "queue":
            return aws_testing.sqs_event([body], queue=resource, attributes=attributes)
        if kind == "topic":
            return aws_testing.sns_event([body], topic=resource, attributes=attributes)
        return aws_testing.kinesis_event([delivery.body], stream=resource)
    if isinstance(delivery, Event):
        resources = [delivery.subject] if delivery.subject is not None else []
        return aws_testing.eventbridge_event(
            delivery.type, _data(delivery), source=delivery.source, resources=resources
        )
    if isinstance(delivery, StorageEvent):
        return aws_testing.s3_event(
            delivery.bucket, delivery.key, action=delivery.action, size=delivery.size or 0
        )
    if isinstance(delivery, ScheduleEvent):
        return aws_testing.scheduled_event(delivery.schedule)  # a rule named like it
    if isinstance(delivery, ChangeEvent):
        change = (delivery.kind, delivery.key, delivery.old, delivery.new)
        return aws_testing.dynamodb_stream_event([change], table=delivery.table)
    raise TypeError(f"no AWS event for {delivery!r}")


# -- Azure ------------------------------------------------------------------------------


def azure_app(app: App) -> func.FunctionApp:
    return function_app(app)


def azure_invoke(functions: func.FunctionApp, name: str, obj: Any) -> None:
    azure_testing.invoke(functions, name, obj)


def _service(function: Function) -> str | None:
    options = function.options.get("azure", {})
    service = options.get("service") if isinstance(options, dict) else None
    return service if isinstance(service, str) else None


def azure(function: Function, delivery: Any) -> list[Any]:
    """What the worker passes for ``delivery``, one object per invocation (none when
    the Azure source cannot send it: Cosmos DB's change feed has no deletes)."""
    kind = function.trigger.kind
    if isinstance(delivery, Message):
        body, attributes = _wire(delivery.body), dict(delivery.attributes)
        if kind == "stream":
            return [azure_testing.event_hub_events([delivery.body], properties=attributes)]
        if kind == "topic" or _service(function) == "service_bus":
            return [azure_testing.service_bus_message(body, application_properties=attributes)]
        return [azure_testing.queue_message(body)]
    if isinstance(delivery, Event):
        return [
            azure_testing.cloud_event(
                delivery.type, _data(delivery), source=delivery.source, subject=delivery.subject
            )
        ]
    if isinstance(delivery, StorageEvent):
        return [_blob_event(delivery)]
    if isinstance(delivery, ScheduleEvent):
        return [azure_testing.timer_request()]
    if isinstance(delivery, ChangeEvent):
        return [] if delivery.new is None else [azure_testing.cosmos_documents([delivery.new])]
    raise TypeError(f"no Azure object for {delivery!r}")


def _blob_event(delivery: StorageEvent) -> Any:
    content_type = delivery.content_type or "application/octet-stream"
    if delivery.action == "created":
        return azure_testing.blob_created(
            delivery.bucket, delivery.key, size=delivery.size or 0, content_type=content_type
        )
    event_type, data = _BLOB_EVENTS[delivery.action]
    url = f"https://conformance.blob.core.windows.net/{delivery.bucket}/{delivery.key}"
    subject = f"/blobServices/default/containers/{delivery.bucket}/blobs/{delivery.key}"
    data = {**data, "contentType": content_type, "blobType": "BlockBlob", "url": url}
    return azure_testing.event_grid_event(event_type, data, subject=subject, topic=_STORAGE_ACCOUNT)


# -- GCP --------------------------------------------------------------------------------


def gcp_client(app: App, function: str) -> Any:
    """functions-framework's test client of ``function``'s entry point."""
    return gcp_testing.create_app(app, function).test_client()


def gcp_post(client: Any, event: CloudEvent) -> Any:
    return gcp_testing.post_cloud_event(client, event)


def gcp(function: Function, delivery: Any) -> CloudEvent:
    """The CloudEvent Eventarc delivers for ``delivery`` to ``function``."""
    if isinstance(delivery, Message):
        attributes = dict(delivery.attributes) or None
        return gcp_testing.pubsub_event(
            delivery.body, attributes=attributes, topic=_resource(function)
        )
    if isinstance(delivery, Event):
        return gcp_testing.cloud_event(
            delivery.type, _data(delivery), source=delivery.source, subject=delivery.subject
        )
    if isinstance(delivery, StorageEvent):
        if delivery.action not in ("created", "deleted", "archived", "metadata_updated"):
            raise ValueError(f"Cloud Storage sends no {delivery.action!r} events")
        return gcp_testing.storage_event(
            delivery.bucket, delivery.key, action=delivery.action, size=delivery.size or 0,
            content_type=delivery.content_type or "application/octet-stream",
        )  # fmt: skip
    if isinstance(delivery, ScheduleEvent):
        return gcp_testing.pubsub_event(b"{}", topic=delivery.schedule)  # Cloud Scheduler's job
    if isinstance(delivery, ChangeEvent):
        document = str(delivery.key["id"])
        return gcp_testing.firestore_event(
            delivery.table, document, old=delivery.old, new=delivery.new
        )
    raise TypeError(f"no CloudEvent for {delivery!r}")
