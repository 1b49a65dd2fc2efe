"""Provider payloads given as JSON, made into what the Azure worker passes a function.

``portafunc invoke --provider azure --event FILE`` reads one of these per trigger
binding (:data:`EXPECTED`), and :func:`trigger_object` builds the object through
azure.functions' own converters, as the worker does (``portafunc_azure.testing``):

- ``httpTrigger``: ``{"method", "url" or "path", "headers", "query", "body"}``; a
  ``url`` is taken as the host received it (route prefix included), a ``path`` is
  the path after the route prefix; a ``body`` that is not a string is sent as JSON;
- ``queueTrigger``: ``{"body", "id", "dequeue_count"}``, or the bare message body;
- ``serviceBusTrigger``: ``{"body", "message_id", "delivery_count",
  "application_properties", "session_id", "content_type", "correlation_id",
  "subject"}``, or the bare body;
- ``eventGridTrigger``: one event, Event Grid or CloudEvents schema (its JSON text
  is what the worker passes);
- ``timerTrigger``: the TimerRequest JSON (``{"Schedule", "ScheduleStatus",
  "IsPastDue"}``), or nothing for a tick of now;
- ``cosmosDBTrigger``: a list of documents (or one);
- ``eventHubTrigger``: a list of bodies; ``{"bodies", "partition_key",
  "properties", …}``; or the trigger metadata (``SystemProperties`` or
  ``SystemPropertiesArray`` and the rest, as the host sends it) with ``body`` or
  ``bodies``; anything else is one body;
- ``blobTrigger``: ``{"name", "content", "content_type"}``.

A payload of the wrong shape raises PortafuncError saying what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.functions import meta
from azure.functions.cosmosdb import CosmosDBTriggerConverter
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.timer import TimerRequestConverter

from portafunc.errors import PortafuncError

from .. import testing
from ..testing._common import as_bytes, body_datum, convert, json_datum, string_datum

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["EXPECTED", "trigger_object"]

#: What a payload of each trigger binding type looks like (for error messages).
EXPECTED = {
    "httpTrigger": 'an object {"method", "url" or "path", "headers", "query", "body"}',
    "queueTrigger": 'a message body, or {"body", "id", "dequeue_count"}',
    "serviceBusTrigger": 'a message body, or {"body", "message_id", "delivery_count", …}',
    "eventGridTrigger": "an Event Grid or CloudEvents event (a JSON object)",
    "timerTrigger": 'a TimerRequest {"Schedule", "ScheduleStatus", "IsPastDue"}, or nothing',
    "cosmosDBTrigger": "a list of Cosmos DB documents",
    "eventHubTrigger": 'a list of event bodies, or {"bodies": [...]} or trigger metadata',
    "blobTrigger": '{"name", "content", "content_type"}',
}
_QUEUE = frozenset({"body", "id", "dequeue_count"})
_SERVICE_BUS = frozenset(
    {
        "body", "message_id", "delivery_count", "application_properties", "session_id",
        "content_type", "correlation_id", "subject",
    }
)  # fmt: skip
_EVENT_HUBS = frozenset(
    {"bodies", "partition_key", "properties", "event_hub", "partition_id", "consumer_group"}
)

Builder = Callable[["Function", Any, str], Any]


def trigger_object(binding: str, function: Function, payload: Any, prefix: str) -> Any:
    """What the worker passes ``function`` (an Azure ``binding`` trigger) for ``payload``;
    ``prefix`` is the route prefix the HTTP wrappers strip."""
    build = BUILDERS.get(binding)
    if build is None:
        raise PortafuncError(f"portafunc invoke cannot build a {binding} payload")
    try:
        return build(function, payload, prefix)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise _unexpected(binding, function, f"{type(exc).__name__}: {exc}") from exc


def _unexpected(binding: str, function: Function, why: str) -> PortafuncError:
    return PortafuncError(
        f"the payload for {function.name} ({binding}) is not {EXPECTED[binding]}: {why}"
    )


def _form(payload: Any, keys: frozenset[str], required: str = "body") -> dict[str, Any] | None:
    """``payload`` as keyword arguments if it is an object of ``keys`` holding ``required``."""
    if isinstance(payload, Mapping) and required in payload and set(payload) <= keys:
        return dict(payload)
    return None


def _object(payload: Any) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise TypeError(f"got {type(payload).__name__}")
    return payload


def _http(function: Function, payload: Any, prefix: str) -> Any:
    form = _object(payload)
    url = form.get("url")
    if url is not None:  # as the host received it: the route prefix is in it
        parts = urlsplit(str(url))
        path, prefix = parts.path + (f"?{parts.query}" if parts.query else ""), ""
    elif "path" in form:
        path = str(form["path"])
    elif "{" not in function.trigger.resource:
        path = function.trigger.resource
    else:
        raise ValueError(f"no url or path (the route {function.trigger.resource} has parameters)")
    body = form.get("body")
    text = body if body is None or isinstance(body, str) else None
    data = testing.NO_JSON if body is None or isinstance(body, str) else body
    return testing.http_request(
        str(form.get("method", "GET")), path, json=data, body=text,
        headers=form.get("headers"), query=form.get("query"), route_prefix=prefix,
    )  # fmt: skip


def _queue(function: Function, payload: Any, prefix: str) -> Any:
    form = _form(payload, _QUEUE)
    return testing.queue_message(payload) if form is None else testing.queue_message(**form)


def _service_bus(function: Function, payload: Any, prefix: str) -> Any:
    form = _form(payload, _SERVICE_BUS)
    if form is None:
        return testing.service_bus_message(payload)
    return testing.service_bus_message(**form)


def _event_grid(function: Function, payload: Any, prefix: str) -> Any:
    return json.dumps(_object(payload))  # the worker passes a str parameter the event's JSON


def _timer(function: Function, payload: Any, prefix: str) -> Any:
    if not payload:
        return testing.timer_request()
    return convert(TimerRequestConverter, json_datum(_object(payload)), None)


def _cosmos(function: Function, payload: Any, prefix: str) -> Any:
    documents = [payload] if isinstance(payload, Mapping) else payload
    if not isinstance(documents, list):
        raise TypeError(f"got {type(payload).__name__}")
    return convert(CosmosDBTriggerConverter, json_datum(documents), None)


def _event_hubs(function: Function, payload: Any, prefix: str) -> Any:
    if isinstance(payload, Mapping) and (
        "SystemProperties" in payload or "SystemPropertiesArray" in payload
    ):
        return _event_hub_metadata(payload)
    form = _form(payload, _EVENT_HUBS, required="bodies")
    if form is not None:
        return testing.event_hub_events(**form)
    return testing.event_hub_events(payload if isinstance(payload, list) else [payload])


def _event_hub_metadata(payload: Mapping[str, Any]) -> list[Any]:
    """A batch from the trigger metadata the host sends (cardinality one or many)."""
    metadata = {
        key: _datum(value) for key, value in payload.items() if key not in ("body", "bodies")
    }
    if "SystemPropertiesArray" in payload:
        bodies = [as_bytes(body) for body in payload.get("bodies", [])]
        data = meta.Datum(SimpleNamespace(bytes=bodies), "collection_bytes")
    else:
        data = body_datum(payload.get("body", b""))
    events = convert(EventHubTriggerConverter, data, metadata)
    return events if isinstance(events, list) else [events]


def _datum(value: Any) -> meta.Datum:
    if isinstance(value, str):
        return string_datum(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return meta.Datum(value, "int")
    return json_datum(value)


def _blob(function: Function, payload: Any, prefix: str) -> Any:
    form = _object(payload)
    content_type = str(form.get("content_type", "application/octet-stream"))
    return testing.blob_stream(
        function.trigger.resource, str(form["name"]), form.get("content", b""),
        content_type=content_type,
    )  # fmt: skip


BUILDERS: dict[str, Builder] = {
    "httpTrigger": _http,
    "queueTrigger": _queue,
    "serviceBusTrigger": _service_bus,
    "eventGridTrigger": _event_grid,
    "timerTrigger": _timer,
    "cosmosDBTrigger": _cosmos,
    "eventHubTrigger": _event_hubs,
    "blobTrigger": _blob,
}
