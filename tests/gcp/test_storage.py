"""Cloud Storage object events → storage functions.

Payloads: tests/payloads/gcp/storage/*.json (see SOURCES.md there): functions-framework-
conformance's structured CloudEvent and 1st-gen background event, and google-cloudevents'
examples (a structured event with the Workflows ``bucket`` extension, object data with
int64 fields as strings and as numbers). Structured CloudEvents are read as
functions-framework reads a request; ``*-data*`` payloads are sent the way Eventarc sends
them (binary mode, the data as the body); 1st-gen events are converted by
functions-framework's own ``event_conversion``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent, from_http
from functions_framework import event_conversion
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from portafunc import App, Context, StorageEvent
from portafunc.app import Function
from portafunc.errors import UnsupportedEvent
from portafunc.events import Action
from portafunc.pipeline import deliver
from portafunc_gcp.sources import storage

Payload = Callable[[str], dict[str, Any]]
Render = Callable[[Any], dict[str, Any]]
Golden = Callable[[str, Any], None]

STORAGE = Path(__file__).resolve().parents[1] / "payloads" / "gcp" / "storage"
PAYLOADS = sorted(p.stem for p in STORAGE.glob("*.json"))
FINALIZED = "google.cloud.storage.object.v1.finalized"
ALL: tuple[Action, ...] = ("created", "deleted", "archived", "metadata_updated")


def function(bucket: str = "some-bucket") -> Function:
    app = App("shop")

    @app.storage(bucket, events=ALL)
    def on_object(event: StorageEvent) -> None: ...

    return app.function("on_object")


def structured(payload: dict[str, Any]) -> CloudEvent:
    """A structured-mode CloudEvent, read the way functions-framework reads a request."""
    headers = {"content-type": "application/cloudevents+json"}
    return from_http(headers, json.dumps(payload).encode())


def binary(data: Any, *, type: str = FINALIZED, bucket: str = "sample-bucket") -> CloudEvent:
    """A binary-mode CloudEvent carrying object ``data``, as Eventarc sends one."""
    name = data.get("name", "x") if isinstance(data, dict) else "x"
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1234567890",
        "ce-source": f"//storage.googleapis.com/projects/_/buckets/{bucket}",
        "ce-type": type,
        "ce-subject": f"objects/{name}",
        "ce-time": "2020-04-23T07:38:57.230Z",
        "content-type": "application/json",
    }
    return from_http(headers, json.dumps(data).encode())


def legacy(payload: dict[str, Any]) -> CloudEvent:
    """A 1st-gen background event, converted by functions-framework."""
    request = EnvironBuilder(method="POST", path="/", json=payload).get_request()
    event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    return event


def corpus(payload: Payload, name: str) -> CloudEvent:
    document = payload(f"storage/{name}.json")
    if "-legacy-" in name:
        return legacy(document)
    if "-data-" in name:
        return binary(document)
    return structured(document)


def translated(event: CloudEvent, bucket: str = "some-bucket") -> StorageEvent:
    envelope = storage.translate(event, function(bucket))
    assert envelope is not None
    return envelope


# -- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAYLOADS)
def test_golden(name: str, payload: Payload, as_json: Render, golden: Golden) -> None:
    event = corpus(payload, name)
    bucket = event.data["bucket"]
    envelope = translated(event, bucket)
    assert envelope.raw is event
    golden(f"storage/{name}", as_json(envelope))


def test_the_legacy_event_converted_by_functions_framework_equals_the_cloudevent(
    payload: Payload, as_json: Render
) -> None:
    old = translated(corpus(payload, "gcs-object-finalized-legacy-background"))
    new = translated(corpus(payload, "gcs-object-finalized-cloudevent"))
    assert as_json(old) == as_json(new)


@pytest.mark.parametrize(
    ("legacy_type", "action"),
    [
        ("google.storage.object.finalize", "created"),
        ("google.storage.object.delete", "deleted"),
        ("google.storage.object.archive", "archived"),
        ("google.storage.object.metadataUpdate", "metadata_updated"),
        ("providers/cloud.storage/eventTypes/object.change", "created"),
    ],
)
def test_every_legacy_type_functions_framework_converts_has_its_action(
    legacy_type: str, action: str, payload: Payload
) -> None:
    document = payload("storage/gcs-object-finalized-legacy-background.json")
    document["context"]["eventType"] = legacy_type
    assert translated(legacy(document)).action == action


@pytest.mark.parametrize(("event_type", "action"), sorted(storage.ACTIONS.items()))
def test_event_types_map_onto_actions(event_type: str, action: Action, payload: Payload) -> None:
    document = payload("storage/gcs-object-finalized-cloudevent.json")
    assert translated(structured({**document, "type": event_type})).action == action
    assert storage.TYPES[action] == event_type


# -- fields -------------------------------------------------------------------------------


def test_size_is_an_int_from_a_string_or_a_number(payload: Payload) -> None:
    simple = payload("storage/gcs-object-data-simple.json")
    assert translated(binary(simple), "sample-bucket").size == 352
    assert translated(binary({**simple, "size": 352}), "sample-bucket").size == 352
    del simple["size"]
    assert translated(binary(simple), "sample-bucket").size is None


@pytest.mark.parametrize(
    "size",
    # "²" and a million digits found by tests/fuzz: isdigit() took them, int() raised ValueError.
    ["-1", "1.5", "", 1.5, True, [1], "\u00b2", "9" * 1_000_000],
    ids=["negative", "decimal", "empty", "float", "bool", "list", "superscript", "huge"],
)
def test_a_malformed_size_is_unsupported(size: Any, payload: Payload) -> None:
    simple = payload("storage/gcs-object-data-simple.json")
    with pytest.raises(UnsupportedEvent, match="size"):
        storage.translate(binary({**simple, "size": size}), function("sample-bucket"))


def test_names_are_kept_as_sent() -> None:
    event = binary({"bucket": "b", "name": "folder/a%20b+c é.txt"}, bucket="b")
    assert translated(event, "b").key == "folder/a%20b+c é.txt"


def test_bucket_and_key_fall_back_to_the_source_and_subject(payload: Payload) -> None:
    document = payload("storage/gcs-object-finalized-cloudevent.json")
    del document["data"]["bucket"], document["data"]["name"]
    envelope = translated(structured(document))
    assert (envelope.bucket, envelope.key) == ("some-bucket", "folder/Test.cs")
    extension = payload("storage/gcs-cloudevent-structured-with-bucket-extension.json")
    del extension["data"]["bucket"]
    extension["source"] = "//storage.googleapis.com/"
    assert translated(structured(extension), "sample-bucket").bucket == "sample-bucket"


@pytest.mark.parametrize("missing", ["bucket", "key"])
def test_an_event_naming_no_object_is_unsupported(missing: str, payload: Payload) -> None:
    document = payload("storage/gcs-object-finalized-cloudevent.json")
    if missing == "bucket":
        del document["data"]["bucket"]
        document["source"] = "//storage.googleapis.com/"
    else:
        del document["data"]["name"]
        document["subject"] = "objects/"
    with pytest.raises(UnsupportedEvent, match="naming no"):
        storage.translate(structured(document), function())


def test_time_is_the_event_time_else_updated(payload: Payload) -> None:
    document = payload("storage/gcs-object-finalized-cloudevent.json")
    envelope = translated(structured(document))
    assert envelope.time is not None
    assert envelope.time.isoformat() == "2020-09-29T11:32:00.123000+00:00"
    event = structured(document)
    del event["time"]
    later = translated(event)
    assert later.time is not None
    assert later.time.isoformat() == "2020-04-23T07:38:57.230000+00:00"


# -- what is acknowledged, what is refused ----------------------------------------------------


def test_another_bucket_is_acknowledged_and_logged(
    payload: Payload, caplog: pytest.LogCaptureFixture
) -> None:
    event = corpus(payload, "gcs-object-finalized-cloudevent")
    with caplog.at_level(logging.DEBUG, logger="portafunc.gcp"):
        assert storage.translate(event, function("uploads")) is None
    assert "'some-bucket', not 'uploads'" in caplog.text


def test_undeclared_actions_and_keys_are_acknowledged_by_the_pipeline(payload: Payload) -> None:
    app = App("shop")
    seen: list[StorageEvent] = []

    @app.storage("some-bucket", prefix="folder/", suffix=".cs")
    def on_upload(event: StorageEvent) -> None:
        seen.append(event)

    document = payload("storage/gcs-object-finalized-cloudevent.json")
    on_upload_fn = app.function("on_upload")
    deleted = {**document, "type": "google.cloud.storage.object.v1.deleted"}
    other_key = {**document, "data": {**document["data"], "name": "other/Test.cs"}}
    for skipped in (deleted, other_key):
        envelope = storage.translate(structured(skipped), on_upload_fn)
        deliver(app, on_upload_fn, envelope, Context(provider="gcp"))
    assert seen == []
    envelope = storage.translate(structured(document), on_upload_fn)
    deliver(app, on_upload_fn, envelope, Context(provider="gcp"))
    assert [event.key for event in seen] == ["folder/Test.cs"]


@pytest.mark.parametrize(
    "name",
    [
        "topic/pubsub-cloudevent-text.json",
        "database/firestore-document-written-cloudevent-simple.json",
        "other/audit-log-bigquery-job-completed-cloudevent.json",
    ],
)
def test_other_event_types_are_unsupported(name: str, payload: Payload) -> None:
    with pytest.raises(UnsupportedEvent, match=r"google\.cloud\.storage\.object\.v1"):
        storage.translate(structured(payload(name)), function())


@pytest.mark.parametrize("event_type", [{"a": 1}, ["x"], 5, None])
def test_a_type_that_is_no_string_is_unsupported(event_type: Any, payload: Payload) -> None:
    """Found by tests/fuzz: a structured event's type may be any JSON value, and one
    that is not hashable raised TypeError."""
    document = payload("storage/gcs-object-finalized-cloudevent.json")
    event = structured(document)
    event["type"] = event_type
    with pytest.raises(UnsupportedEvent, match=r"google\.cloud\.storage\.object\.v1"):
        storage.translate(event, function())


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        [1],
        {"bucket": 5, "name": "x"},
        {"bucket": "sample-bucket", "name": 5},
        {"bucket": "sample-bucket", "name": "x", "etag": 5},
        {"bucket": "sample-bucket", "name": "x", "contentType": ["a"]},
        {"bucket": "sample-bucket", "name": "x", "updated": 5},
    ],
)
def test_malformed_data_is_unsupported(data: Any) -> None:
    event = binary(data)
    if isinstance(data, dict) and "updated" in data:
        del event["time"]
    with pytest.raises(UnsupportedEvent):
        storage.translate(event, function("sample-bucket"))


def test_the_event_is_never_mutated(payload: Payload) -> None:
    event = corpus(payload, "gcs-object-finalized-cloudevent")
    before = copy.deepcopy(event.data)
    translated(event)
    assert event.data == before


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(["bucket", "name", "size", "etag", "contentType", "updated", None]),
    value=_JSON,
)
def test_mutated_payloads_translate_or_raise_unsupported(key: str | None, value: Any) -> None:
    data: Any = json.loads((STORAGE / "gcs-object-data-simple.json").read_text())
    if key is None:
        data = value
    else:
        data[key] = value
    try:
        envelope = storage.translate(binary(data), function("sample-bucket"))
    except UnsupportedEvent:
        return
    if envelope is not None:
        assert (envelope.bucket, envelope.key, envelope.size, envelope.etag) is not None
