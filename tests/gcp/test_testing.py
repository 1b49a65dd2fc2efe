"""portafunc_gcp.testing: the builders make what GCP delivers, and functions-framework serves it.

Each builder's output is checked against the corpus's shape (tests/payloads/gcp: every
field a builder writes is one the real payload has), read back by the source modules,
and, for push bodies and 1st-gen events, converted by functions-framework itself.
``create_app`` is checked against functions-framework's process-wide state.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_http
from functions_framework import _function_registry, event_conversion
from google.events.cloud.firestore_v1 import DocumentEventData
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from werkzeug.test import EnvironBuilder

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc_gcp import testing
from portafunc_gcp.sources import _firestore_values, eventarc, firestore, pubsub, storage
from portafunc_gcp.testing import GeoPoint, Reference

Payload = Callable[[str], dict[str, Any]]


class Order(BaseModel):
    id: str
    qty: int


@dataclass
class Point:
    x: int
    tags: list[str]


def legacy(body: dict[str, Any], path: str = "/") -> CloudEvent:
    """A push body or 1st-gen event, converted by functions-framework."""
    request = EnvironBuilder(method="POST", path=path, json=body).get_request()
    event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    return event


def wire(event: CloudEvent, mode: str = "binary") -> CloudEvent:
    """``event`` sent over HTTP and read back, as functions-framework reads it."""
    headers, body = (to_binary if mode == "binary" else to_structured)(event)
    return from_http(headers, body)


def shop() -> App:
    app = App("shop")

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None: ...

    @app.schedule("0 * * * *")
    def hourly(event: ScheduleEvent) -> None: ...

    @app.storage("uploads", events=("created", "deleted", "archived", "metadata_updated"))
    def on_upload(event: StorageEvent) -> None: ...

    @app.changes("orders")
    def audit(change: ChangeEvent[Order]) -> None: ...

    @app.event(type="com.example.thing.v1.made")
    def on_thing(event: Event[Any]) -> None: ...

    return app


def message(event: CloudEvent, name: str = "ship") -> Message[Any]:
    envelope = pubsub.translate(event, shop().function(name))
    assert isinstance(envelope, Message)
    return envelope


def keys(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON object (``message.attributes``, ...), lists excluded."""
    if not isinstance(value, dict):
        return set()
    found = set()
    for key, item in value.items():
        found.add(prefix + key)
        if key not in ("attributes", "metadata", "fields"):
            found |= keys(item, f"{prefix}{key}.")
    return found


# -- Pub/Sub --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_pubsub_event(mode: str) -> None:
    event = testing.pubsub_event(
        Order(id="a1", qty=2), attributes={"k": "v"}, ordering_key="g", delivery_attempt=3
    )
    envelope = message(wire(event, mode))
    assert json.loads(envelope.body) == {"id": "a1", "qty": 2}
    assert dict(envelope.attributes) == {"k": "v"}
    assert (envelope.source, envelope.partition_key, envelope.attempt) == ("orders", "g", 3)
    assert envelope.id == event["id"] == event.data["message"]["messageId"]
    assert envelope.time is not None
    assert envelope.time.tzinfo is timezone.utc


def test_pubsub_event_has_the_corpus_shape(payload: Payload) -> None:
    real = payload("topic/pubsub-cloudevent-structured-attributes-ordering-key.json")
    event = testing.pubsub_event(b"x", attributes={"a": "b"}, ordering_key="k")
    assert keys(event.data) == keys(real["data"])
    assert set(event.get_attributes()) == set(real) - {"data"}
    assert event["source"] == "//pubsub.googleapis.com/projects/my-project/topics/orders"


@pytest.mark.parametrize(("data", "body"), [(b"\x00", b"\x00"), ("é", "é".encode()), (b"", b"")])
def test_pubsub_bodies(data: Any, body: bytes) -> None:
    assert message(testing.pubsub_event(data)).body == body


def test_pubsub_event_for_a_schedule_function() -> None:
    envelope = pubsub.translate(testing.pubsub_event(b""), shop().function("hourly"))
    assert isinstance(envelope, ScheduleEvent)
    assert envelope.schedule == "hourly"


def test_pubsub_push_converted_by_functions_framework(payload: Payload) -> None:
    body = testing.pubsub_push({"id": "a1", "qty": 2}, attributes={"k": "v"})
    assert body["message"]["messageId"] == body["message"]["message_id"]
    at_root = message(legacy(body))
    assert (json.loads(at_root.body), dict(at_root.attributes)) == (
        {"id": "a1", "qty": 2},
        {"k": "v"},
    )
    assert at_root.source == "orders"  # neither topic nor subscription survive: the declared
    assert message(legacy(body, "/projects/my-project/topics/t")).source == "t"


def test_pubsub_legacy_event_converted_by_functions_framework(payload: Payload) -> None:
    event = testing.pubsub_legacy_event(b"hi", attributes={"k": "v"}, topic="orders")
    real = payload("topic/pubsub-legacy-background-context.json")
    assert keys(event) == keys(real)
    envelope = message(legacy(event))
    assert (envelope.body, dict(envelope.attributes), envelope.source) == (
        b"hi",
        {"k": "v"},
        "orders",
    )
    assert envelope.id == event["context"]["eventId"]


# -- Cloud Storage ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["created", "deleted", "archived", "metadata_updated"])
def test_storage_event(action: Any) -> None:
    event = testing.storage_event(
        "uploads", "a/b c.txt", action=action, size=5, content_type="text/plain"
    )
    envelope = storage.translate(wire(event), shop().function("on_upload"))
    assert envelope is not None
    assert (envelope.bucket, envelope.key, envelope.action) == ("uploads", "a/b c.txt", action)
    assert (envelope.size, envelope.content_type) == (5, "text/plain")
    assert envelope.etag == event.data["etag"]


def test_storage_event_has_the_corpus_shape(payload: Payload) -> None:
    real = payload("storage/gcs-object-finalized-cloudevent.json")
    event = testing.storage_event("uploads", "a.txt")
    assert keys(event.data) <= keys(real["data"])
    assert set(event.get_attributes()) == set(real) - {"data"}


def test_storage_event_refuses_restored() -> None:
    with pytest.raises(ValueError, match="restored"):
        testing.storage_event("uploads", "a.txt", action="restored")  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["created", "deleted", "archived", "metadata_updated"])
def test_storage_legacy_event_converted_by_functions_framework(
    action: Any, payload: Payload
) -> None:
    event = testing.storage_legacy_event("uploads", "a/b.txt", action=action, size=7)
    assert keys(event) - {"data"} <= keys(
        payload("storage/gcs-object-finalized-legacy-background.json")
    )
    envelope = storage.translate(legacy(event), shop().function("on_upload"))
    assert envelope is not None
    assert (envelope.key, envelope.action, envelope.size) == ("a/b.txt", action, 7)


# -- any CloudEvent ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [({"a": 1}, "application/json"), (b"\x00\xff", "application/octet-stream"), (None, None)],
)
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_cloud_event(data: Any, content_type: str | None, mode: str) -> None:
    event = testing.cloud_event("com.example.thing.v1.made", data, subject="things/1")
    assert event.get("datacontenttype") == content_type
    envelope = any_event(wire(event, mode))
    assert (envelope.type, envelope.subject) == ("com.example.thing.v1.made", "things/1")
    if isinstance(data, bytes):
        assert envelope.body == data
    else:
        assert envelope.data == data


def any_event(event: CloudEvent) -> Event[Any]:
    return eventarc.translate(event, shop().function("on_thing"))


# -- Firestore ------------------------------------------------------------------------------------

VALUES: list[Any] = [
    None,
    True,
    -(2**63),
    2**63 - 1,
    1.5,
    math.inf,
    -math.inf,
    "text",
    b"\x00\xfe",
    datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc),
    {"nested": {"list": [1, "x", None]}},
    [],
    {},
]


@pytest.mark.parametrize("value", VALUES)
def test_firestore_values_round_trip_through_the_decoder(value: Any) -> None:
    assert _firestore_values.plain(testing.firestore_value(value)) == value


def test_firestore_special_values() -> None:
    assert testing.firestore_value(math.nan) == {"doubleValue": "NaN"}
    assert testing.firestore_value(GeoPoint(51.45, -0.97)) == {
        "geoPointValue": {"latitude": 51.45, "longitude": -0.97}
    }
    assert testing.firestore_value(Reference("users/alice")) == {
        "referenceValue": "projects/my-project/databases/(default)/documents/users/alice"
    }
    naive = testing.firestore_value(datetime(2024, 5, 1))
    assert naive == {"timestampValue": "2024-05-01T00:00:00.000000Z"}
    assert testing.firestore_value(Point(1, ["a"])) == testing.firestore_value(
        {"x": 1, "tags": ["a"]}
    )
    assert testing.firestore_value((1,)) == {"arrayValue": {"values": [{"integerValue": "1"}]}}


@pytest.mark.parametrize("value", [2**63, object(), {1, 2}])
def test_firestore_values_refused(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        testing.firestore_value(value)


_PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(_PLAIN)
def test_firestore_values_round_trip(value: Any) -> None:
    assert _firestore_values.plain(testing.firestore_value(value)) == value


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("written", None, {"id": "o1", "qty": 1}, "insert"),
        ("created", None, {"id": "o1", "qty": 1}, "insert"),
        ("updated", {"id": "o1", "qty": 1}, {"id": "o1", "qty": 2}, "update"),
        ("written", {"id": "o1", "qty": 1}, Order(id="o1", qty=2), "update"),
        ("deleted", {"id": "o1", "qty": 1}, None, "delete"),
    ],
)
def test_firestore_event(kind: Any, old: Any, new: Any, expected: str, encoding: Any) -> None:
    event = testing.firestore_event("orders", "o1", old=old, new=new, kind=kind, encoding=encoding)
    assert event["type"] == f"google.cloud.firestore.document.v1.{kind}"
    envelope = firestore.translate(wire(event), shop().function("audit"))
    assert envelope is not None
    assert (envelope.kind, envelope.key) == (expected, {"id": "o1", "path": "orders/o1"})
    assert (envelope.old, envelope.new) == (dumped(old), dumped(new))


def dumped(document: Any) -> Any:
    return document.model_dump() if isinstance(document, BaseModel) else document


def test_firestore_event_protobuf_is_the_json_encoded(payload: Payload) -> None:
    old, new = {"qty": 1, "a": "x"}, {"qty": 2, "a": "x", "b": True}
    event = testing.firestore_event("orders", "o1", old=old, new=new, encoding="protobuf")
    decoded = json.loads(DocumentEventData.to_json(DocumentEventData.deserialize(event.data)))
    assert decoded["updateMask"] == {"fieldPaths": ["b", "qty"]}
    assert _firestore_values.fields(decoded["value"]["fields"]) == new
    real = payload("database/firestore-document-written-cloudevent-simple.json")
    as_json = testing.firestore_event("orders", "o1", old=old, new=new, encoding="json")
    assert keys(as_json.data) == keys(real["data"])
    assert event["datacontenttype"] == "application/protobuf"


@pytest.mark.parametrize(
    ("kind", "old", "new"),
    [
        ("created", {"a": 1}, {"a": 1}),
        ("deleted", None, {"a": 1}),
        ("updated", None, {"a": 1}),
        ("written", None, None),
    ],
)
def test_firestore_event_refuses_impossible_changes(kind: Any, old: Any, new: Any) -> None:
    with pytest.raises(ValueError, match=kind):
        testing.firestore_event("orders", "o1", old=old, new=new, kind=kind)


# -- create_app --------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE"):
        monkeypatch.delenv(name, raising=False)


CLOUD_EVENT_MAIN = """\
import functions_framework

@functions_framework.cloud_event
def handler(event):
    pass
"""
HTTP_MAIN = """\
def handler(request):
    return "plain http"
"""


@pytest.mark.usefixtures("clean_environment")
def test_create_app_clears_the_registry_and_restores_the_environment(tmp_path: Path) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first, second = tmp_path / "first" / "main.py", tmp_path / "second" / "main.py"
    first.write_text(CLOUD_EVENT_MAIN)
    second.write_text(HTTP_MAIN)
    client = testing.create_app(first, "handler").test_client()
    assert testing.post_cloud_event(client, testing.cloud_event("t", {})).status_code == 200
    # Without clearing, "handler" would still be registered as a CloudEvent function.
    response = testing.create_app(str(second), "handler").test_client().get("/")
    assert response.text == "plain http"
    assert "FUNCTION_TARGET" not in os.environ
    assert "FUNCTION_SIGNATURE_TYPE" not in os.environ


def test_create_app_keeps_an_environment_set_before(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FUNCTION_TARGET", "elsewhere")
    (tmp_path / "main.py").write_text(HTTP_MAIN)
    testing.create_app(tmp_path / "main.py", "handler")
    assert os.environ["FUNCTION_TARGET"] == "elsewhere"


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_create_app_serves_an_app(mode: Any) -> None:
    app = App("shop")
    seen: list[Any] = []

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None:
        seen.append(msg.data)

    @app.storage("uploads")
    def on_upload(event: StorageEvent) -> None:
        seen.append(event.key)

    path = list(sys.path)
    client = testing.create_app(app, "ship").test_client()
    assert _function_registry.REGISTRY_MAP["ship"] == "cloudevent"
    assert not any(m.startswith("portafunc_main_") for m in sys.modules)
    assert sys.path == path
    event = testing.pubsub_event(Order(id="a1", qty=2))
    assert testing.post_cloud_event(client, event, mode=mode).status_code == 200
    assert testing.post_json(client, testing.pubsub_push({"id": "a2", "qty": 1})).status_code == 200
    legacy_event = testing.pubsub_legacy_event({"id": "a3", "qty": 1})
    assert testing.post_json(client, legacy_event).status_code == 200
    assert testing.post_cloud_event(client, testing.pubsub_event({"id": "bad"})).status_code == 500
    assert seen == [Order(id="a1", qty=2), Order(id="a2", qty=1), Order(id="a3", qty=1)]
    uploads = testing.create_app(app, "on_upload").test_client()
    assert (
        testing.post_cloud_event(uploads, testing.storage_event("uploads", "a.txt")).status_code
        == 200
    )
    assert (
        testing.post_json(uploads, testing.storage_legacy_event("uploads", "b.txt")).status_code
        == 200
    )
    assert seen[3:] == ["a.txt", "b.txt"]


def test_loading_outside_create_app() -> None:
    from portafunc.errors import PortafuncError
    from portafunc_gcp.testing._app import loading

    with pytest.raises(PortafuncError, match="create_app"):
        loading()
