"""A provider payload recognised the way functions-framework reads it.

A CloudEvent function's entry takes, as functions-framework does (``from_http``, then
``event_conversion.background_event_to_cloud_event``):

- a CloudEvent in binary content mode (``ce-*`` headers, Eventarc's) or structured mode
  (a JSON object with ``specversion``, sent as ``application/cloudevents+json``);
- a Pub/Sub push body (``{"message": {"data", "messageId", ...}, "subscription"}``);
- a 1st-gen background event (``{"context": {"eventId", "eventType", "resource", ...},
  "data"}``, or the same fields at the top level).

:func:`recognise` finds which, with the CloudEvent functions-framework will make of it
(what ``serve`` routes on), and :func:`raw_payload` turns the parsed JSON
``portafunc invoke`` reads into the body and headers to post. Anything else raises
UnsupportedEvent saying what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudevents.conversion import to_structured
from cloudevents.exceptions import GenericException, InvalidRequiredFields, MissingRequiredFields
from cloudevents.http import from_http, from_json
from functions_framework import event_conversion
from functions_framework.exceptions import EventConversionException
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder

from portafunc.errors import UnsupportedEvent

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

__all__ = ["EXPECTED", "Delivery", "raw_payload", "recognise"]

EXPECTED = (
    "a CloudEvent (binary mode with ce-* headers, or structured JSON with specversion), "
    'a Pub/Sub push body ({"message": {...}, "subscription": ...}) or a 1st-gen background '
    'event ({"context": {...}, "data": ...})'
)
_JSON = "application/json"
#: Headers describing the received transfer, not the payload: the test client sets its own.
_TRANSFER = frozenset({"content-length", "transfer-encoding", "host", "connection"})
_CONVERSION_ERRORS = (
    EventConversionException,
    HTTPException,  # a body that is not JSON
    AttributeError,  # and these from a JSON value of an unexpected shape
    KeyError,
    TypeError,
    ValueError,
)


@dataclass(frozen=True)
class Delivery:
    """A payload recognised: what to post to an entry, and the CloudEvent it becomes."""

    body: bytes
    headers: dict[str, str]
    #: The CloudEvent functions-framework makes of the payload.
    event: CloudEvent
    #: Whether the payload is a CloudEvent already (else functions-framework converts it).
    cloud_event: bool
    #: A push body's subscription (its last path segment), else None.
    subscription: str | None = None


def recognise(body: bytes, headers: Mapping[str, str]) -> Delivery:
    """The delivery ``body`` and ``headers`` make; UnsupportedEvent if none."""
    kept = {k.lower(): v for k, v in headers.items() if k.lower() not in _TRANSFER}
    try:
        return Delivery(body, kept, from_http(kept, body), cloud_event=True)
    except (MissingRequiredFields, InvalidRequiredFields):
        pass  # not a CloudEvent: functions-framework tries converting it
    except GenericException as exc:
        raise UnsupportedEvent("gcp", f"a malformed CloudEvent ({exc})") from None
    kept["content-type"] = _JSON  # the conversion reads JSON whatever the request said
    event = _converted(body, kept)
    return Delivery(body, kept, event, cloud_event=False, subscription=_subscription(body))


def raw_payload(payload: Any) -> tuple[bytes, dict[str, str]]:
    """The body and headers to post for a parsed JSON payload (``portafunc invoke``):
    a structured CloudEvent as ``cloudevents.conversion.to_structured`` writes it, any
    other object as JSON."""
    if not isinstance(payload, Mapping):
        raise UnsupportedEvent("gcp", f"a JSON {type(payload).__name__}; expected {EXPECTED}")
    if "specversion" not in payload:
        return json.dumps(payload).encode(), {"content-type": _JSON}
    try:
        event = from_json(json.dumps(payload))
    except GenericException as exc:
        raise UnsupportedEvent("gcp", f"a malformed CloudEvent ({exc})") from None
    headers, body = to_structured(event)
    return body, dict(headers)


def _converted(body: bytes, headers: dict[str, str]) -> CloudEvent:
    request = EnvironBuilder(method="POST", data=body, headers=list(headers.items())).get_request()
    try:
        event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    except _CONVERSION_ERRORS as exc:
        saw = f"{body[:80]!r}{'...' if len(body) > 80 else ''}"
        raise UnsupportedEvent(
            "gcp", f"{saw} (functions-framework: {exc}); expected {EXPECTED}"
        ) from None
    return event


def _subscription(body: bytes) -> str | None:
    parsed = json.loads(body)  # the conversion has parsed it already
    subscription = parsed.get("subscription") if "context" not in parsed else None
    return subscription.rpartition("/")[2] if isinstance(subscription, str) else None
