"""Event Grid events posted to ``serve --provider azure`` (``POST /_portafunc/events``).

A body is recognised as Event Grid events when it is a JSON array of events or one
event, in the Event Grid schema (``eventType``) or CloudEvents 1.0 (``specversion``);
a CloudEvent in binary mode (``ce-*`` headers, the data as the body) is one event
too. Each event goes to every Event Grid function whose subscription, as
``RESOURCES.md`` creates it, takes it (its event types, custom topic and subject
filters), as the JSON text the worker passes. A subscription validation event is
answered as Event Grid's webhook handshake, with its ``validationResponse``.

Answers: 200 and one result per delivery; 500 when a delivery raised (Event Grid
would retry it), with every result; 400 for a body that is not Event Grid events;
404 when no function's subscription takes them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from portafunc.app import App
from portafunc.errors import UnsupportedEvent

from .. import testing
from ..triggers.event_grid import attributes
from .deployment import deployments
from .subscriptions import subscription

__all__ = ["deliver", "parse"]

VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"
_NOT_EVENTS = (
    "the body is not Event Grid events (a JSON array or object with eventType or "
    "specversion, or a binary-mode CloudEvent): deliver other payloads with "
    "POST /_portafunc/functions/{name} or portafunc invoke"
)


def parse(body: bytes, headers: Mapping[str, str]) -> list[Mapping[str, Any]] | None:
    """The events in a request (body and headers), or None if it holds none."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if "ce-specversion" in lowered:
        return [_binary(body, lowered)]
    try:
        decoded = json.loads(body)
    except ValueError:
        return None
    found = decoded if isinstance(decoded, list) else [decoded]
    if found and all(_is_event(event) for event in found):
        return found
    return None


def _is_event(value: Any) -> bool:
    return isinstance(value, Mapping) and ("eventType" in value or "specversion" in value)


def _binary(body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    event: dict[str, Any] = {k[3:]: v for k, v in headers.items() if k.startswith("ce-")}
    content_type = headers.get("content-type")
    if content_type:
        event["datacontenttype"] = content_type
    if not body:
        return event
    if "json" in (content_type or "application/json"):
        try:
            return {**event, "data": json.loads(body)}
        except ValueError:
            pass
    try:
        return {**event, "data": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {**event, "data_base64": base64.b64encode(body).decode()}


def deliver(
    app: App, registered: func.FunctionApp, body: bytes, headers: Mapping[str, str]
) -> tuple[int, Any]:
    """Deliver the events in a request to their functions: (HTTP status, result)."""
    found = parse(body, headers)
    if found is None:
        return 400, {"error": "UnsupportedEvent", "message": _NOT_EVENTS}
    try:
        seen = [attributes(event) for event in found]
    except UnsupportedEvent as exc:
        return 400, {"error": "UnsupportedEvent", "message": str(exc)}
    if seen[0].type == VALIDATION:
        data = found[0].get("data")
        code = data.get("validationCode") if isinstance(data, Mapping) else None
        return 200, {"validationResponse": code}
    subscribed = [s for d in deployments(app) if (s := subscription(d)) is not None]
    deliveries = [
        (event, attrs.id, s.function)
        for event, attrs in zip(found, seen, strict=True)
        for s in subscribed
        if s.matches(attrs.type, attrs.source, attrs.subject)
    ]
    if not deliveries:
        types = ", ".join(sorted({attrs.type for attrs in seen}))
        message = f"no Event Grid function of app {app.name!r} subscribes to {types}"
        return 404, {"error": "NoSuchFunction", "message": message}
    results = [_run(registered, *delivery) for delivery in deliveries]
    failed = next((result for result in results if not result["ok"]), None)
    if failed is not None:
        return 500, {"error": failed["error"], "message": failed["message"], "results": results}
    return 200, results


def _run(
    registered: func.FunctionApp, event: Mapping[str, Any], event_id: str, name: str
) -> dict[str, Any]:
    outcome: dict[str, Any] = {"function": name, "event": event_id}
    try:
        testing.invoke(registered, name, json.dumps(event))
    except Exception as exc:
        return {**outcome, "ok": False, "error": type(exc).__name__, "message": str(exc)}
    return {**outcome, "ok": True}
