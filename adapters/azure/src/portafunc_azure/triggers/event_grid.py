"""Event Grid trigger → ``event`` functions, ``topic`` functions (``azure={"service":
"event_grid"}``, a custom topic) and ``storage`` functions (the default Azure service
for ``storage``: Blob Storage events).

Binding: ``eventGridTrigger``, ``arg_name`` ``event``; one event per invocation, in
either schema: Event Grid (``id``, ``topic``, ``subject``, ``eventType``, ``eventTime``,
``data``, ``dataVersion``) or CloudEvents 1.0 (``specversion``, ``id``, ``source``,
``type``, ``subject``, ``time``, ``data`` or ``data_base64``), told apart by
``specversion``.

The wrapper's parameter is a ``str``: the worker then passes the event's JSON as the
host sent it (its generic binding) instead of decoding it with azure.functions'
``EventGridEventInConverter``, whose versions before CloudEvents support (azure-functions
1.x releases this adapter accepts) read a CloudEvents event as an Event Grid one with
no type, source or time. The wrapper also takes the converter's ``EventGridEvent`` or
``CloudEvent`` (tests build those), and a decoded ``dict``. ``raw`` is the event as a
``dict`` when the worker passed JSON, else the object given.

- ``event``: Event (``id``, ``source`` the topic or source, ``type``, ``subject``,
  ``time`` the event time as sent, ``data`` the decoded ``data``, or the bytes of
  ``data_base64``). Event Grid cannot filter in the binding: events of other types are
  acknowledged without calling the handler (``EventTrigger.accepts``).
- ``topic``: Message (``id``, ``body`` the JSON of ``data``, ``source`` the declared
  topic, ``time``, ``attributes`` ``{"type", "subject"}``, ``attempt`` None).
- ``storage``: StorageEvent of a blob event. ``BlobCreated`` → created (ADLS Gen2
  sends one at ``CreateFile``, size 0, and one at ``FlushWithClose``: filter the
  subscription on ``data.api`` to get only the latter), ``BlobDeleted`` → deleted,
  ``BlobTierChanged`` → restored when it leaves the Archive tier, nothing (acknowledged)
  when it moves to Hot, else archived (to Archive, Cold or Cool, or a tier the event
  does not name: a storage-class change, as S3 transitions are on AWS). Other event
  types (``BlobRenamed``, directory events, …) are acknowledged unseen. ``bucket`` and
  ``key`` come from the subject ``/blobServices/default/containers/<c>/blobs/<key>``
  (the same for blob and dfs endpoints, the emulator and custom domains), else from
  ``data.url``; the key is percent-decoded. ``size`` ``contentLength``, ``etag``
  ``eTag`` as sent (the docs' samples quote it, the SDK's do not), ``content_type``
  ``contentType``, ``time`` the event time. A blob event for another container than
  the declared bucket (a subscription not filtered by container) is acknowledged and
  logged at debug level.

Event Grid's subscription handshake events (``Microsoft.EventGrid.SubscriptionValidation
Event``, ``…SubscriptionDeletedEvent``) are answered by the host and never reach a
function; if one does, it is acknowledged without calling the handler. An argument
that is not an event raises UnsupportedEvent; a failure raises, and Event Grid retries
the delivery (then dead-letters it, if the subscription has a dead-letter destination).
"""

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import UnsupportedEvent
from portafunc.events import Action, Event, Message, StorageEvent
from portafunc.pipeline import deliver, deliver_async

from ..invocation import context_for
from ..options import AzureOptions

__all__ = ["register_event", "register_storage", "register_topic"]

_logger = logging.getLogger("portafunc.azure")

#: Builds a delivery's envelope from an event, its attributes and its ``raw``; None:
#: acknowledge the event without calling the handler.
Build = Callable[[Mapping[str, Any], "Attributes", Any], Any]

#: Keys of (id, source, type, time) in each schema; ``subject`` and ``data`` are shared.
_EVENT_GRID = ("id", "topic", "eventType", "eventTime")
_CLOUD_EVENTS = ("id", "source", "type", "time")
_HANDSHAKES = frozenset(
    {
        "Microsoft.EventGrid.SubscriptionValidationEvent",
        "Microsoft.EventGrid.SubscriptionDeletedEvent",
    }
)
_BLOB_ACTIONS: Mapping[str, Action] = {
    "Microsoft.Storage.BlobCreated": "created",
    "Microsoft.Storage.BlobDeleted": "deleted",
}
_TIER_CHANGED = "Microsoft.Storage.BlobTierChanged"
#: BlobTierChanged's ``accessTier`` → action (a tier not listed: archived).
_TIERS: Mapping[str, Action | None] = {"Hot": None, "Cool": "archived", "Cold": "archived"}
_SUBJECT = re.compile(r"/?blobServices/default/containers/([^/]+)/blobs/(.+)", re.DOTALL)
# azure-functions releases before CloudEvents support have no CloudEvent class.
_CLOUD_EVENT: Any = getattr(func, "CloudEvent", None)
#: The converter's objects read back into their JSON: key → attribute (and ``data``).
_EVENT_GRID_FIELDS = {
    "id": "id",
    "topic": "topic",
    "subject": "subject",
    "eventType": "event_type",
    "eventTime": "event_time",
    "dataVersion": "data_version",
}
_CLOUD_EVENT_FIELDS = {
    "specversion": "specversion",
    "id": "id",
    "source": "source",
    "type": "type",
    "subject": "subject",
    "time": "time",
    "datacontenttype": "datacontenttype",
    "dataschema": "dataschema",
}


class Attributes(NamedTuple):
    """The attributes both schemas carry."""

    id: str
    source: str
    type: str
    subject: str | None
    time: str | datetime | None


def register_event(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` (an ``event`` function) with an Event Grid trigger."""
    _register(function_app, app, function, _event)


def register_topic(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` (a ``topic`` function) with an Event Grid trigger."""
    _register(function_app, app, function, partial(_message, function.trigger.resource))


def register_storage(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` (a ``storage`` function) with an Event Grid trigger."""
    _register(function_app, app, function, partial(_storage_event, function.trigger.resource))


def decode(value: Any) -> tuple[Mapping[str, Any], Any]:
    """The event the worker passed (JSON, a dict or a converter's object), and its ``raw``."""
    if isinstance(value, (str, bytes, bytearray)):
        try:
            event = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to decode
            raise UnsupportedEvent("azure", "an Event Grid event that is not JSON") from None
        value = event
    if isinstance(value, Mapping):
        return value, value
    if isinstance(value, func.EventGridEvent):
        return _as_json(value, _EVENT_GRID_FIELDS), value
    if _CLOUD_EVENT is not None and isinstance(value, _CLOUD_EVENT):
        return {**value.extension_attrs, **_as_json(value, _CLOUD_EVENT_FIELDS)}, value
    raise UnsupportedEvent("azure", f"a {type(value).__name__} where Event Grid sends an event")


def attributes(event: Mapping[str, Any]) -> Attributes:
    """``id``, ``source``, ``type``, ``subject`` and ``time`` of an event of either schema."""
    id_key, source_key, type_key, time_key = (
        _CLOUD_EVENTS if "specversion" in event else _EVENT_GRID
    )
    return Attributes(
        id=_required(event, id_key),
        source=_optional(event, source_key) or "",
        type=_required(event, type_key),
        subject=_optional(event, "subject"),
        time=_time(event.get(time_key)),
    )


def _event(event: Mapping[str, Any], found: Attributes, raw: Any) -> Event[Any]:
    return Event(
        id=found.id,
        source=found.source,
        type=found.type,
        subject=found.subject,
        time=found.time,
        provider="azure",
        raw=raw,
        **_payload(event),
    )


def _message(topic: str, event: Mapping[str, Any], found: Attributes, raw: Any) -> Message[Any]:
    return Message(
        id=found.id,
        attributes=lambda: {"type": found.type, "subject": found.subject},
        source=topic,
        time=found.time,
        provider="azure",
        raw=raw,
        **_payload(event),
    )


def _storage_event(
    bucket: str, event: Mapping[str, Any], found: Attributes, raw: Any
) -> StorageEvent | None:
    data = event.get("data")
    action = _action(found.type, data if isinstance(data, Mapping) else {})
    if action is None:
        _acknowledged(found, "not a blob event with a storage action")
        return None
    if not isinstance(data, Mapping):
        raise UnsupportedEvent("azure", f"a {found.type} event without data")
    container, key = _blob(found.subject, data)
    if container != bucket:
        _acknowledged(found, f"a blob event of container {container!r}, not {bucket!r}")
        return None
    return StorageEvent(
        bucket=container,
        key=key,
        action=action,
        size=_size(data.get("contentLength")),
        etag=_optional(data, "eTag"),
        content_type=_optional(data, "contentType"),
        time=found.time,
        provider="azure",
        raw=raw,
    )


def _action(event_type: str, data: Mapping[str, Any]) -> Action | None:
    if event_type != _TIER_CHANGED:
        return _BLOB_ACTIONS.get(event_type)
    if data.get("previousTier") == "Archive":
        return "restored"
    return _TIERS.get(str(data.get("accessTier")), "archived")


def _blob(subject: str | None, data: Mapping[str, Any]) -> tuple[str, str]:
    """The container and the percent-decoded blob name of a blob event."""
    match = _SUBJECT.fullmatch(subject or "")
    if match:
        return match[1], unquote(match[2])
    url = data.get("url")
    path = urlsplit(url).path.lstrip("/") if isinstance(url, str) else ""
    container, _, key = path.partition("/")
    if not (container and key):
        raise UnsupportedEvent("azure", f"a blob event naming no blob (subject {subject!r})")
    return container, unquote(key)


def _payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """``{"body": …}`` for CloudEvents' ``data_base64``, else ``{"data": …}`` (None if absent)."""
    encoded = event.get("data_base64")
    if encoded is None:
        return {"data": event.get("data")}
    try:
        return {"body": base64.b64decode(_text(encoded, "data_base64"), validate=True)}
    except binascii.Error:
        raise UnsupportedEvent("azure", "a CloudEvent whose data_base64 is not base64") from None


def _acknowledged(found: Attributes, why: str) -> None:
    _logger.debug("Event Grid event %s (%s) acknowledged: %s", found.id, found.type, why)


def _register(function_app: func.FunctionApp, app: App, function: Function, build: Build) -> None:
    trigger = function_app.event_grid_trigger(arg_name="event")
    function_app.function_name(function.name)(trigger(_wrapper(app, function, build)))


def _wrapper(app: App, function: Function, build: Build) -> Callable[..., Any]:
    """The function the worker calls: parameters ``event`` and ``context``, nothing else."""
    if function.binding.is_async:

        async def on_event_async(event: str, context: func.Context) -> None:
            envelope = _envelope(build, event)
            if envelope is not None:
                await deliver_async(app, function, envelope, context_for(context))

        return on_event_async

    def on_event(event: str, context: func.Context) -> None:
        envelope = _envelope(build, event)
        if envelope is not None:
            deliver(app, function, envelope, context_for(context))

    return on_event


def _envelope(build: Build, value: Any) -> Any:
    """What ``build`` makes of the event in ``value``; None for a subscription handshake."""
    event, raw = decode(value)
    found = attributes(event)
    if found.type in _HANDSHAKES:
        _acknowledged(found, "a subscription handshake")
        return None
    return build(event, found, raw)


def _as_json(obj: Any, fields: Mapping[str, str]) -> dict[str, Any]:
    return {**{key: getattr(obj, name) for key, name in fields.items()}, "data": obj.get_json()}


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise UnsupportedEvent("azure", f"an Event Grid event whose {name} is {value!r}")
    return value


def _required(event: Mapping[str, Any], key: str) -> str:
    return _text(event.get(key), key)


def _optional(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return None if value is None else _text(value, key)


def _time(value: Any) -> str | datetime | None:
    if value is None or isinstance(value, (str, datetime)):
        return value
    raise UnsupportedEvent("azure", f"an Event Grid event whose time is {value!r}")


def _size(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnsupportedEvent("azure", f"a blob event whose contentLength is {value!r}")
    return value
