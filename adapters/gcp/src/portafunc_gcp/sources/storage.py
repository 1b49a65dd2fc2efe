"""Cloud Storage → storage functions.

CloudEvents followed: ``google.cloud.storage.object.v1.{finalized,deleted,archived,
metadataUpdated}`` (google-cloudevents' ``StorageObjectData``: the object resource of the
JSON API), with the source ``//storage.googleapis.com/projects/_/buckets/B`` and the
subject ``objects/NAME``. functions-framework turns 1st-gen ``google.storage.object.*``
background events into the same CloudEvents.

Event types map onto actions through :data:`ACTIONS` (``archived``: a live object
version became noncurrent, in a bucket with versioning; Cloud Storage has no ``restored``
event). The action is not checked here: ``StorageTrigger.accepts`` acknowledges
undeclared actions, and keys outside the declared prefix or suffix, without calling the
handler. Other event types raise UnsupportedEvent.

A StorageEvent: ``bucket`` = data ``bucket`` (else the bucket of the source, else the
Workflows ``bucket`` extension attribute), ``key`` = data ``name`` (else the subject
without ``objects/``; object names are not URL-encoded in these events), ``size`` the
int64 ``size`` (a JSON string, or a number in some producers' data) as an int, ``etag``,
``content_type`` = ``contentType``, ``time`` = the CloudEvent time (when the change
happened, for every action; ``timeCreated`` is the object's creation time even in a
delete event), else ``updated``. An event for another bucket than the declared one (a
trigger not filtered by bucket) is acknowledged and logged at debug level.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from portafunc.errors import UnsupportedEvent
from portafunc.events import StorageEvent

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from portafunc.app import Function
    from portafunc.events import Action

__all__ = ["ACTIONS", "TYPES", "translate"]

_logger = logging.getLogger("portafunc.gcp")

#: CloudEvent type → action.
ACTIONS: Mapping[str, Action] = MappingProxyType(
    {
        "google.cloud.storage.object.v1.finalized": "created",
        "google.cloud.storage.object.v1.deleted": "deleted",
        "google.cloud.storage.object.v1.archived": "archived",
        "google.cloud.storage.object.v1.metadataUpdated": "metadata_updated",
    }
)
#: Action → CloudEvent type (no ``restored``: Cloud Storage sends no such event).
TYPES: Mapping[Action, str] = MappingProxyType({action: t for t, action in ACTIONS.items()})

_SOURCE = re.compile(r"//storage\.googleapis\.com/projects/[^/]+/buckets/([^/]+)")
_SUBJECT = "objects/"


def translate(event: CloudEvent, function: Function) -> StorageEvent | None:
    """The StorageEvent of a Cloud Storage event; None when it is for another bucket."""
    event_type = event["type"]
    action = ACTIONS.get(event_type) if isinstance(event_type, str) else None
    if action is None:
        raise UnsupportedEvent(
            "gcp",
            f"a {event_type!r} CloudEvent for the storage function {function.name!r}, "
            "which takes google.cloud.storage.object.v1 events",
        )
    data = event.data
    if not isinstance(data, Mapping):
        raise UnsupportedEvent("gcp", f"a {event_type} event whose data is not an object")
    bucket = _bucket(event, data)
    if bucket != function.trigger.resource:
        _logger.debug(
            "Cloud Storage event %s acknowledged: bucket %r, not %r",
            event["id"],
            bucket,
            function.trigger.resource,
        )
        return None
    return StorageEvent(
        bucket=bucket,
        key=_key(event, data),
        action=action,
        size=_size(data.get("size")),
        etag=_optional(data.get("etag"), "etag"),
        content_type=_optional(data.get("contentType"), "contentType"),
        time=_time(event.get("time")) or _time(data.get("updated")),
        provider="gcp",
        raw=event,
    )


def _bucket(event: CloudEvent, data: Mapping[str, Any]) -> str:
    bucket = _optional(data.get("bucket"), "bucket")
    if bucket:
        return bucket
    match = _SOURCE.fullmatch(_optional(event.get("source"), "source") or "")
    if match:
        return match[1]
    bucket = _optional(event.get("bucket"), "bucket")
    if not bucket:
        raise UnsupportedEvent("gcp", "a Cloud Storage event naming no bucket")
    return bucket


def _key(event: CloudEvent, data: Mapping[str, Any]) -> str:
    name = _optional(data.get("name"), "name")
    if name:
        return name
    subject = _optional(event.get("subject"), "subject") or ""
    if not subject.startswith(_SUBJECT) or subject == _SUBJECT:
        raise UnsupportedEvent("gcp", "a Cloud Storage event naming no object")
    return subject[len(_SUBJECT) :]


def _size(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and _is_int64(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnsupportedEvent("gcp", f"a Cloud Storage event whose size is {value!r}")
    return value


def _is_int64(text: str) -> bool:
    """Whether ``text`` is a proto3 JSON int64 (ASCII digits: ``isdigit`` also takes "²",
    which ``int`` refuses; 19 at most: ``int`` refuses thousands)."""
    return text.isascii() and text.isdigit() and len(text) <= 19


def _time(value: Any) -> str | datetime | None:
    if value is None or isinstance(value, (str, datetime)):
        return value
    raise UnsupportedEvent("gcp", f"a Cloud Storage event whose time is {value!r}")


def _optional(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UnsupportedEvent("gcp", f"a Cloud Storage event whose {name} is {value!r}")
