"""Firestore document events → ``changes`` functions (portafunc_gcp.sources.firestore).

Payloads: tests/payloads/gcp/database/firestore-*.json, functions-framework-conformance's
Firestore inputs (see SOURCES.md): structured CloudEvents
``google.cloud.firestore.document.v1.written``, read as functions-framework reads them
(``cloudevents.http.from_http``), and the same changes as 1st-gen background events
(``providers/cloud.firestore/eventTypes/document.write``), converted by
functions-framework's own ``event_conversion.background_event_to_cloud_event``. Protobuf
data (what Eventarc sends) is built with google-events from the JSON payloads.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent, from_http
from functions_framework import event_conversion
from google.events.cloud.firestore_v1.types import DocumentEventData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from werkzeug.test import EnvironBuilder

from portafunc import App, ChangeEvent, Context
from portafunc.app import Function
from portafunc.errors import InvalidPayload, UnsupportedEvent
from portafunc.pipeline import deliver
from portafunc_gcp.sources import firestore

Payload = Callable[[str], dict[str, Any]]
Render = Callable[[Any], dict[str, Any]]
Golden = Callable[[str, Any], None]

CLOUDEVENTS = (
    "firestore-document-written-cloudevent-simple",
    "firestore-document-written-cloudevent-complex",
)
LEGACY = ("firestore-document-write-legacy-simple", "firestore-document-write-legacy-complex")
#: The corpus holds each change both ways: (legacy, CloudEvent).
PAIRS = tuple(zip(LEGACY, CLOUDEVENTS, strict=True))
DOCUMENTS = "projects/project-id/databases/(default)/documents/"


def function(table: str = "gcf-test") -> Function:
    app = App("shop")

    @app.changes(table)
    def audit(change: ChangeEvent[Any]) -> None: ...

    return app.function("audit")


def structured(payload: dict[str, Any]) -> CloudEvent:
    """A structured-mode CloudEvent, read the way functions-framework reads a request."""
    headers = {"content-type": "application/cloudevents+json"}
    return from_http(headers, json.dumps(payload).encode())


def legacy(payload: dict[str, Any]) -> CloudEvent:
    """A 1st-gen background event, converted by functions-framework."""
    request = EnvironBuilder(method="POST", path="/", json=payload).get_request()
    event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    return event


def binary(attributes: dict[str, Any], body: bytes, content_type: str) -> CloudEvent:
    """A binary-mode CloudEvent (how Eventarc delivers protobuf data)."""
    headers = {f"ce-{name}": str(value) for name, value in attributes.items()}
    return from_http({**headers, "content-type": content_type}, body)


def protobuf(payload: dict[str, Any]) -> CloudEvent:
    """``payload`` (a structured CloudEvent) with its data as DocumentEventData protobuf."""
    attributes = {k: v for k, v in payload.items() if k not in ("data", "datacontenttype")}
    message = DocumentEventData.from_json(json.dumps(payload["data"]))
    return binary(attributes, DocumentEventData.serialize(message), "application/protobuf")


def with_data(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``payload`` whose data has ``changes`` (None removes a key)."""
    changed = copy.deepcopy(payload)
    for key, value in changes.items():
        if value is None:
            changed["data"].pop(key, None)
        else:
            changed["data"][key] = value
    return changed


def named(document: dict[str, Any], path: str) -> dict[str, Any]:
    return {**document, "name": DOCUMENTS + path}


def translate(event: CloudEvent, table: str = "gcf-test") -> ChangeEvent[Any]:
    change = firestore.translate(event, function(table))
    assert change is not None
    return change


def simple(payload: Payload) -> dict[str, Any]:
    return payload("database/firestore-document-written-cloudevent-simple.json")


def complex_(payload: Payload) -> dict[str, Any]:
    return payload("database/firestore-document-written-cloudevent-complex.json")


# -- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLOUDEVENTS)
def test_cloudevent_payloads(payload: Payload, as_json: Render, golden: Golden, name: str) -> None:
    event = structured(payload(f"database/{name}.json"))
    change = translate(event)
    assert change.raw is event
    golden(name, as_json(change))


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_payloads(payload: Payload, as_json: Render, golden: Golden, name: str) -> None:
    event = legacy(payload(f"database/{name}.json"))
    assert event["type"] == "google.cloud.firestore.document.v1.written"
    golden(name, as_json(translate(event)))


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_legacy_and_cloudevent_of_one_change_agree(
    payload: Payload, as_json: Render, old: str, new: str
) -> None:
    converted = legacy(payload(f"database/{old}.json"))
    sent = structured(payload(f"database/{new}.json"))
    assert converted.get_attributes() == sent.get_attributes()
    assert as_json(translate(converted)) == as_json(translate(sent))


@pytest.mark.parametrize("name", CLOUDEVENTS)
def test_protobuf_data_translates_as_json_data(
    payload: Payload, as_json: Render, name: str
) -> None:
    sent = payload(f"database/{name}.json")
    event = protobuf(sent)
    assert isinstance(event.data, bytes)
    assert event["datacontenttype"] == "application/protobuf"
    assert as_json(translate(event)) == as_json(translate(structured(sent)))


def test_every_value_type_survives_protobuf(payload: Payload, as_json: Render) -> None:
    values = {
        "nan": {"doubleValue": "NaN"},
        "inf": {"doubleValue": "Infinity"},
        "minus_inf": {"doubleValue": "-Infinity"},
        "zero": {"integerValue": "0"},
        "empty_string": {"stringValue": ""},
        "false": {"booleanValue": False},
        "bytes": {"bytesValue": "AQIDBA=="},
        "nanos": {"timestampValue": "2020-04-23T14:23:53.123456789Z"},
        "origin": {"geoPointValue": {}},
        "empty_map": {"mapValue": {}},
        "empty_array": {"arrayValue": {}},
        "deep": {"mapValue": {"fields": {"a": {"arrayValue": {"values": [{"mapValue": {}}]}}}}},
    }
    sent = complex_(payload)
    sent["data"]["value"]["fields"].update(values)
    from_json, from_protobuf = translate(structured(sent)), translate(protobuf(sent))
    # json.dumps: NaN is not equal to itself, its JSON text is.
    assert json.dumps(as_json(from_protobuf), sort_keys=True) == json.dumps(
        as_json(from_json), sort_keys=True
    )
    assert from_protobuf.new is not None
    assert from_protobuf.new["bytes"] == b"\x01\x02\x03\x04"
    assert from_protobuf.new["origin"] == {"latitude": 0.0, "longitude": 0.0}


def test_protobuf_delete(payload: Payload, as_json: Render) -> None:
    sent = with_data(simple(payload), value=None, updateMask=None)
    change = translate(protobuf(sent))
    assert change.kind == "delete"
    assert as_json(change) == as_json(translate(structured(sent)))


def test_binary_data_without_a_content_type_is_read_as_protobuf(payload: Payload) -> None:
    sent = simple(payload)
    body = DocumentEventData.serialize(DocumentEventData.from_json(json.dumps(sent["data"])))
    attributes = {k: v for k, v in sent.items() if k not in ("data", "datacontenttype")}
    change = translate(CloudEvent(attributes, body))
    assert change.kind == "update"
    assert change.new == {"another test": "asd", "count": 4, "foo": "bar"}


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_json_data_as_bytes(payload: Payload, as_json: Render, content_type: str) -> None:
    sent = simple(payload)
    attributes = {k: v for k, v in sent.items() if k != "data"}
    event = CloudEvent({**attributes, "datacontenttype": content_type}, json.dumps(sent["data"]))
    event.data = json.dumps(sent["data"]).encode()
    assert as_json(translate(event)) == as_json(translate(structured(sent)))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xff\xff\xff", "application/protobuf"),
        (b"{not json", "application/json"),
        # JSON nested too deep to decode: RecursionError escaped.
        (b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}", "application/json"),
    ],
    ids=["protobuf", "json", "deep json"],
)
def test_undecodable_data_is_unsupported(payload: Payload, body: bytes, content_type: str) -> None:
    attributes = {k: v for k, v in simple(payload).items() if k != "data"}
    event = CloudEvent({**attributes, "datacontenttype": content_type}, body)
    with pytest.raises(UnsupportedEvent, match="Firestore"):
        firestore.translate(event, function())


def test_a_protobuf_timestamp_out_of_range_is_unsupported(payload: Payload) -> None:
    message = DocumentEventData.from_json(json.dumps(simple(payload)["data"]))
    DocumentEventData.pb(message).value.update_time.seconds = 10**15  # after year 9999
    attributes = {k: v for k, v in simple(payload).items() if k not in ("data", "datacontenttype")}
    event = CloudEvent(attributes, DocumentEventData.serialize(message))
    with pytest.raises(UnsupportedEvent, match="binary data with no content type"):
        firestore.translate(event, function())


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4))
def test_mutated_protobuf_raises_only_portafunc_errors(
    payload: Payload, edits: list[tuple[int, int]]
) -> None:
    body = bytearray(protobuf(complex_(payload)).data)
    for position, byte in edits:
        body[position % len(body)] = byte
    attributes = {k: v for k, v in simple(payload).items() if k != "data"}
    event = CloudEvent({**attributes, "datacontenttype": "application/protobuf"}, bytes(body))
    with contextlib.suppress(UnsupportedEvent, InvalidPayload):
        firestore.translate(event, function())


# -- kinds, keys, tables ------------------------------------------------------------------


def test_update_has_both_images_and_the_update_time(payload: Payload) -> None:
    change = translate(structured(simple(payload)))
    assert (change.kind, change.table) == ("update", "gcf-test")
    assert change.key == {"id": "2Vm2mI1d0wIaK2Waj5to", "path": "gcf-test/2Vm2mI1d0wIaK2Waj5to"}
    assert change.old == {"another test": "asd", "count": 3, "foo": "bar"}
    assert change.new == {"another test": "asd", "count": 4, "foo": "bar"}
    assert change.time is not None
    assert change.time.isoformat() == "2020-04-23T12:00:27.247187+00:00"


def test_insert_treats_an_empty_old_value_as_no_document(payload: Payload) -> None:
    change = translate(structured(complex_(payload)))  # "oldValue": {}
    assert (change.kind, change.old) == ("insert", None)
    assert change.new is not None


@pytest.mark.parametrize("absent", [None, {}])
def test_delete_has_the_old_image_and_the_event_time(payload: Payload, absent: Any) -> None:
    sent = with_data(simple(payload), updateMask={})
    sent["data"]["value"] = absent
    if absent is None:
        del sent["data"]["value"]
    sent["type"] = "google.cloud.firestore.document.v1.deleted"
    change = translate(structured(sent))
    assert (change.kind, change.new) == ("delete", None)
    assert change.old == {"another test": "asd", "count": 3, "foo": "bar"}
    assert change.time is not None
    assert change.time.isoformat() == "2020-09-29T11:32:00.123000+00:00"


def test_created_event(payload: Payload) -> None:
    sent = with_data(simple(payload), oldValue=None, updateMask=None)
    sent["type"] = "google.cloud.firestore.document.v1.created"
    assert translate(structured(sent)).kind == "insert"


def test_a_document_without_fields_is_an_empty_image(payload: Payload) -> None:
    sent = simple(payload)
    del sent["data"]["value"]["fields"]
    assert translate(structured(sent)).new == {}


@pytest.mark.parametrize("event_type", sorted(firestore.TYPES))
def test_every_firestore_event_type_is_translated(payload: Payload, event_type: str) -> None:
    sent = {**simple(payload), "type": event_type}
    assert translate(structured(sent)).kind == "update"


def test_a_subcollection_document_belongs_to_its_immediate_collection(payload: Payload) -> None:
    sent = simple(payload)
    for document in ("value", "oldValue"):
        sent["data"][document] = named(sent["data"][document], "orders/o-1/items/i-2")
    change = translate(structured(sent), table="items")
    assert change.table == "items"
    assert change.key == {"id": "i-2", "path": "orders/o-1/items/i-2"}
    assert firestore.translate(structured(sent), function("orders")) is None


def test_a_named_database(payload: Payload) -> None:
    sent = simple(payload)
    for document in ("value", "oldValue"):
        name = "projects/p/databases/orders-eu/documents/gcf-test/d1"
        sent["data"][document] = {**sent["data"][document], "name": name}
    assert translate(structured(sent)).key == {"id": "d1", "path": "gcf-test/d1"}


def test_another_collection_is_acknowledged_with_a_debug_log(
    payload: Payload, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="portafunc.gcp"):
        assert firestore.translate(structured(simple(payload)), function("orders")) is None
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG
    assert "'gcf-test' is not the table 'orders' of audit" in record.getMessage()


class Counter(BaseModel):
    foo: str
    count: int


def test_the_handler_gets_validated_images(payload: Payload) -> None:
    app = App("shop")
    seen: list[ChangeEvent[Counter]] = []

    @app.changes("gcf-test")
    def audit(change: ChangeEvent[Counter]) -> None:
        seen.append(change)

    audit_function = app.function("audit")
    change = firestore.translate(structured(simple(payload)), audit_function)
    deliver(app, audit_function, change, Context(provider="gcp"))
    (got,) = seen
    assert got.old == Counter(foo="bar", count=3)
    assert got.new == Counter(foo="bar", count=4)


def test_the_event_is_not_mutated(payload: Payload) -> None:
    sent = complex_(payload)
    event = structured(sent)
    before = copy.deepcopy(event.data)
    translate(event)
    assert event.data == before


# -- what is refused ----------------------------------------------------------------------


def test_another_event_type_is_unsupported(payload: Payload) -> None:
    sent = {**simple(payload), "type": "google.cloud.storage.object.v1.finalized"}
    with pytest.raises(UnsupportedEvent, match=r"google\.cloud\.storage\.object\.v1\.finalized"):
        firestore.translate(structured(sent), function())


@pytest.mark.parametrize("event_type", [{"a": 1}, ["x"], 5, None])
def test_a_type_that_is_no_string_is_unsupported(payload: Payload, event_type: Any) -> None:
    """Found by tests/fuzz: a structured event's type may be any JSON value, and one
    that is not hashable raised TypeError."""
    event = structured(simple(payload))
    event["type"] = event_type
    with pytest.raises(UnsupportedEvent, match="CloudEvent for the changes function"):
        firestore.translate(event, function())


@pytest.mark.parametrize("data", [None, [1, 2], "text", 5])
def test_data_that_is_no_document_event_is_unsupported(payload: Payload, data: Any) -> None:
    attributes = {k: v for k, v in simple(payload).items() if k != "data"}
    with pytest.raises(UnsupportedEvent, match="Firestore event data"):
        firestore.translate(CloudEvent(attributes, data), function())


@pytest.mark.parametrize(
    "data",
    [{}, {"oldValue": {}, "value": {}}, {"value": None}, {"value": [1]}, {"oldValue": "doc"}],
)
def test_an_event_without_a_document_is_unsupported(payload: Payload, data: Any) -> None:
    attributes = {k: v for k, v in simple(payload).items() if k != "data"}
    with pytest.raises(UnsupportedEvent):
        firestore.translate(CloudEvent(attributes, data), function())


@pytest.mark.parametrize(
    "name",
    [
        None,
        5,
        DOCUMENTS + "gcf-test",  # a collection, not a document
        DOCUMENTS + "gcf-test/a/items",
        DOCUMENTS + "gcf-test//a",
        "documents/gcf-test/a",
        DOCUMENTS + "gcf-test/a/",
    ],
)
def test_a_name_that_is_no_document_is_unsupported(payload: Payload, name: Any) -> None:
    sent = with_data(simple(payload), oldValue=None)
    sent["data"]["value"]["name"] = name
    with pytest.raises(UnsupportedEvent, match="a Firestore document named"):
        firestore.translate(structured(sent), function())


def test_a_malformed_value_raises_invalid_payload_naming_it(payload: Payload) -> None:
    sent = complex_(payload)
    sent["data"]["value"]["fields"]["mapValue"]["mapValue"]["fields"]["field2"] = {"vector": [1]}
    with pytest.raises(InvalidPayload) as caught:
        firestore.translate(structured(sent), function())
    assert str(caught.value) == (
        "Firestore value of gcf-test/IH75dRdeYJKd4uuQiqch, field 'mapValue.field2': "
        "unknown Firestore value type 'vector'"
    )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    where=st.sampled_from(["data", "value", "oldValue", "fields", "field", "name", "updateTime"]),
    replacement=_JSON,
)
def test_mutated_payloads_raise_only_portafunc_errors(
    payload: Payload, where: str, replacement: Any
) -> None:
    sent = complex_(payload)
    sent["data"]["oldValue"] = copy.deepcopy(sent["data"]["value"])
    targets: dict[str, tuple[Any, str]] = {
        "data": (sent, "data"),
        "value": (sent["data"], "value"),
        "oldValue": (sent["data"], "oldValue"),
        "fields": (sent["data"]["value"], "fields"),
        "field": (sent["data"]["value"]["fields"], "mapValue"),
        "name": (sent["data"]["oldValue"], "name"),
        "updateTime": (sent["data"]["value"], "updateTime"),
    }
    container, key = targets[where]
    container[key] = replacement
    event = CloudEvent({k: v for k, v in sent.items() if k != "data"}, sent["data"])
    try:
        change = firestore.translate(event, function())
    except (UnsupportedEvent, InvalidPayload):
        return
    if change is not None:
        assert change.kind in ("insert", "update", "delete")


# -- cold start ---------------------------------------------------------------------------

_LAZY = """
import json, sys
from cloudevents.http import CloudEvent
from portafunc import App, ChangeEvent
from portafunc_gcp.sources import firestore

app = App("shop")

@app.changes("gcf-test")
def audit(change: ChangeEvent) -> None: ...

def loaded():
    return sorted(m for m in sys.modules if m.startswith(("google.events", "google.protobuf")))

sent = json.load(open(sys.argv[1]))
data = sent.pop("data")
assert firestore.translate(CloudEvent(sent, data), app.function("audit")) is not None
after_json = loaded()
event = CloudEvent({**sent, "datacontenttype": "application/protobuf"}, bytes.fromhex(sys.argv[2]))
assert firestore.translate(event, app.function("audit")).kind == "update"
print(json.dumps({"after_json": after_json, "after_protobuf": loaded()}))
"""


def test_google_events_is_imported_with_the_first_protobuf_event_only(payload: Payload) -> None:
    corpus = Path(__file__).resolve().parents[1] / "payloads" / "gcp" / "database"
    body = protobuf(simple(payload)).data
    assert isinstance(body, bytes)
    found = subprocess.run(
        [sys.executable, "-c", _LAZY, str(corpus / f"{CLOUDEVENTS[0]}.json"), body.hex()],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(found.stdout)
    assert loaded["after_json"] == []
    assert "google.events.cloud.firestore_v1" in loaded["after_protobuf"]
