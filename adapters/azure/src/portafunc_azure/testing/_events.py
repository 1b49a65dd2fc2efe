"""Event Grid events (both schemas), blob events, timer ticks, Cosmos DB change-feed
batches and blob-trigger streams.

Shapes: Event Grid's "Event Grid event schema" and "CloudEvents v1.0 schema", Blob
Storage's "Azure Blob Storage as an Event Grid source", the TimerInfo JSON of the
timer trigger docs, and Cosmos DB documents with their system properties. Each object
comes out of azure.functions' own converter, from the JSON the host sends.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import azure.functions as func
from azure.functions import meta
from azure.functions.blob import BlobConverter, InputStream
from azure.functions.cosmosdb import CosmosDBTriggerConverter
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.timer import TimerRequest, TimerRequestConverter

from ._common import (
    as_bytes,
    convert,
    json_datum,
    net_time,
    now,
    plain,
    resource_id,
    string_datum,
    ticks,
)

__all__ = [
    "blob_created",
    "blob_stream",
    "cloud_event",
    "cosmos_documents",
    "event_grid_event",
    "timer_request",
]

ACCOUNT = "mystorageaccount"


def _etag() -> str:
    """A blob ETag: ``0x8D4BCC2E4835CD0``."""
    return "0x8D" + secrets.token_hex(7).upper()[:13]


def _topic(name: str) -> str:
    """A custom topic's resource id, unless ``name`` is one already."""
    return name if name.startswith("/") else resource_id(f"Microsoft.EventGrid/topics/{name}")


def _decode(event: dict[str, Any]) -> Any:
    return convert(EventGridEventInConverter, json_datum(event), None)


def event_grid_event(
    event_type: str, data: Any, *, subject: str = "", topic: str = "my-topic"
) -> func.EventGridEvent:
    """An event of a custom Event Grid topic, in the Event Grid schema.

    ``data`` is anything JSON-able (pydantic models too). ``topic`` is a topic name
    (made into its resource id) or a full resource id.
    """
    event = {
        "id": str(uuid.uuid4()),
        "topic": _topic(topic),
        "subject": subject,
        "eventType": event_type,
        "eventTime": ticks(now()),
        "data": plain(data),
        "dataVersion": "1.0",
        "metadataVersion": "1",
    }
    decoded: func.EventGridEvent = _decode(event)
    return decoded


def cloud_event(
    type: str, data: Any, *, source: str = "my-topic", subject: str | None = None
) -> func.CloudEvent:
    """An event of a custom Event Grid topic, in the CloudEvents v1.0 schema.

    ``source`` is a topic name (made into its resource id, as Event Grid sets it for
    custom topics) or any URI reference.
    """
    event: dict[str, Any] = {
        "specversion": "1.0",
        "type": type,
        "source": _topic(source),
        "id": str(uuid.uuid4()),
        "time": ticks(now()),
        **({"subject": subject} if subject is not None else {}),
        "datacontenttype": "application/json",
        "data": plain(data),
    }
    decoded: func.CloudEvent = _decode(event)
    return decoded


def blob_created(
    container: str,
    name: str,
    *,
    size: int = 0,
    content_type: str = "application/octet-stream",
    account: str = ACCOUNT,
) -> func.EventGridEvent:
    """A ``Microsoft.Storage.BlobCreated`` event (Event Grid schema) for blob ``name``
    (as stored, not encoded) of ``container``; the ``url`` percent-encodes it."""
    url = f"https://{account}.blob.core.windows.net/{container}/{quote(name)}"
    event = {
        "topic": resource_id(f"Microsoft.Storage/storageAccounts/{account}"),
        "subject": f"/blobServices/default/containers/{container}/blobs/{name}",
        "eventType": "Microsoft.Storage.BlobCreated",
        "eventTime": ticks(now()),
        "id": str(uuid.uuid4()),
        "data": {
            "api": "PutBlob",
            "clientRequestId": str(uuid.uuid4()),
            "requestId": f"{uuid.uuid4().hex[:8]}-001e-001b-66ab-{secrets.token_hex(3)}000000",
            "eTag": f'"{_etag()}"',
            "contentType": content_type,
            "contentLength": size,
            "blobType": "BlockBlob",
            "url": url,
            "sequencer": f"{secrets.randbits(64):032X}",
            "storageDiagnostics": {"batchId": str(uuid.uuid4())},
        },
        "dataVersion": "",
        "metadataVersion": "1",
    }
    decoded: func.EventGridEvent = _decode(event)
    return decoded


def timer_request(
    *, past_due: bool = False, scheduled: datetime | None = None, last: datetime | None = None
) -> TimerRequest:
    """A timer tick as the host passes it: ``IsPastDue``, and the schedule status as it
    stood before this run: ``Next`` the occurrence firing now (``scheduled``, default
    now to the minute), ``Last`` the run before (default 5 minutes earlier)."""
    due = scheduled or now().replace(second=0, microsecond=0)
    previous = last or due - timedelta(minutes=5)
    info = {
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": {
            "Last": net_time(previous),
            "Next": net_time(due),
            "LastUpdated": net_time(previous),
        },
        "IsPastDue": past_due,
    }
    request: TimerRequest = convert(TimerRequestConverter, json_datum(info), None)
    return request


def _with_system_fields(document: dict[str, Any], moment: datetime) -> dict[str, Any]:
    rid = f"{secrets.token_urlsafe(6)}AAAAAAAAAA=="
    system = {
        "_rid": rid,
        "_self": f"dbs/{rid[:4]}=/colls/{rid[:8]}=/docs/{rid}/",
        "_etag": f'"{secrets.token_hex(4)}-0000-0d00-0000-{secrets.token_hex(6)}"',
        "_attachments": "attachments/",
        "_ts": int(moment.timestamp()),
        "_lsn": secrets.randbelow(10_000) + 1,
    }
    return {**document, **{key: value for key, value in system.items() if key not in document}}


def cosmos_documents(documents: list[Any]) -> func.DocumentList:
    """A Cosmos DB change-feed batch: each document (a dict or anything JSON-able, with
    an ``id``) as its latest version, with the system properties Cosmos DB adds
    (``_rid``, ``_self``, ``_etag``, ``_attachments``, ``_ts``, ``_lsn``) unless given."""
    moment = now()
    batch = [_with_system_fields(plain(document), moment) for document in documents]
    decoded: func.DocumentList = convert(CosmosDBTriggerConverter, json_datum(batch), None)
    return decoded


def blob_stream(
    container: str,
    name: str,
    content: Any = b"",
    *,
    content_type: str = "application/octet-stream",
    account: str = ACCOUNT,
) -> InputStream:
    """A blob as the blob trigger passes it: a ``func.InputStream`` of ``content``
    (``bytes``, ``str`` as UTF-8, anything else as JSON), named ``container/name``."""
    data = as_bytes(content)
    moment = now().replace(microsecond=0)
    properties = {
        "ContentMD5": None,
        "ContentType": content_type,
        "ETag": _etag(),
        "Created": net_time(moment),
        "LastModified": net_time(moment),
        "BlobType": 2,
        "LeaseStatus": 2,
        "LeaseState": 1,
        "LeaseDuration": 0,
        "ContentLength": str(len(data)),
    }
    metadata = {
        "BlobTrigger": string_datum(f"{container}/{name}"),
        "Uri": string_datum(f"https://{account}.blob.core.windows.net/{container}/{quote(name)}"),
        "Properties": json_datum(properties),
        "Metadata": json_datum({}),
        "name": string_datum(name),
    }
    stream: InputStream = convert(BlobConverter, meta.Datum(data, "bytes"), metadata)
    return stream
