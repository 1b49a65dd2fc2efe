"""Any CloudEvent → ``event(type=...)`` functions (Eventarc, and 1st-gen events
functions-framework converts).

An Event: ``id``, ``source``, ``type``, ``subject`` and ``time`` are the CloudEvent's
attributes (``time`` as sent); ``data`` the event's data as the cloudevents SDK decoded it
(JSON data as its value, None when the event has none); data the SDK leaves as bytes
(binary content mode with a non-JSON body, structured mode's ``data_base64``, Firestore's
``application/protobuf``) is ``body``, and ``data`` then decodes that body as the
handler's annotation asks. The event is not filtered here: ``EventTrigger.accepts``
acknowledges types other than the declared one without calling the handler.

Every Google event type is a CloudEvent, so an ``event`` function serves any of them:
audit logs (``google.cloud.audit.log.v1.written``), Cloud Build, Firebase Auth, Alerts,
Analytics, Remote Config, and the Firebase Realtime Database
(``google.firebase.database.ref.v1.written``/``created``/``updated``/``deleted``, data
``{"data": before, "delta": change}``): portafunc's ``changes`` trigger is Firestore on
GCP, so a Realtime Database handler is an ``event`` function with one of these types.
Attributes that are not strings raise UnsupportedEvent.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from portafunc.errors import UnsupportedEvent
from portafunc.events import Event

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from portafunc.app import Function

__all__ = ["translate"]

_BINARY = (bytes, bytearray, memoryview)


def translate(event: CloudEvent, function: Function) -> Event[Any]:
    """The Event of any CloudEvent."""
    data = event.data
    payload = {"body": bytes(data)} if isinstance(data, _BINARY) else {"data": data}
    return Event(
        id=_text(event["id"], "id"),
        source=_text(event["source"], "source"),
        type=_text(event["type"], "type"),
        subject=_optional(event.get("subject"), "subject"),
        time=_time(event.get("time")),
        provider="gcp",
        raw=event,
        **payload,
    )


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise UnsupportedEvent("gcp", f"a CloudEvent whose {name} is {value!r}")
    return value


def _optional(value: Any, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _time(value: Any) -> str | datetime | None:
    if value is None or isinstance(value, (str, datetime)):
        return value
    raise UnsupportedEvent("gcp", f"a CloudEvent whose time is {value!r}")
