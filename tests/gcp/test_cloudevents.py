"""``to_cloudevent()`` on the envelopes the GCP adapter builds from the corpus
(tests/payloads/gcp), round-tripped through the ``cloudevents`` SDK's binary and
structured HTTP modes.

GCP delivers CloudEvents already: the envelope's CloudEvent keeps Eventarc's ``id``,
``source``, ``type`` and ``subject``, with the portafunc payload as ``data``. Structured
payloads are read as functions-framework reads a request, ``*-data*`` payloads sent in
binary mode as Eventarc sends them, 1st-gen events converted by functions-framework.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_dict, from_http
from functions_framework import event_conversion
from werkzeug.test import EnvironBuilder

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc.app import Function
from portafunc_gcp.sources import eventarc, firestore, pubsub, storage

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "gcp"
STRUCTURED = {"content-type": "application/cloudevents+json"}
TOPIC = "//pubsub.googleapis.com/projects/test-project/topics/my-topic"
TOPICS = sorted(p.name for p in (PAYLOADS / "topic").glob("*.json"))
OBJECTS = sorted(p.name for p in (PAYLOADS / "storage").glob("*.json"))
FIRESTORE = sorted(p.name for p in (PAYLOADS / "database").glob("firestore-*.json"))
#: Events for ``event`` functions, structured or 1st-gen (data-only ones need attributes).
EVENTS = sorted(
    f"{p.parent.name}/{p.name}"
    for folder in ("database", "other")
    for p in (PAYLOADS / folder).glob("*.json")
    if ("-cloudevent" in p.name or "-legacy" in p.name) and not p.name.startswith("firestore")
)


def round_trip(cloud_event: dict[str, Any]) -> None:
    """The SDK reads ``cloud_event`` and gives back the same attributes and data through
    binary and structured HTTP mode."""
    attributes = {k: v for k, v in cloud_event.items() if k not in ("data", "data_base64")}
    data = cloud_event.get("data")
    if "data_base64" in cloud_event:
        data = base64.b64decode(cloud_event["data_base64"])
        built = CloudEvent(attributes, data)
    else:
        built = from_dict(cloud_event)
    parsed = from_http(STRUCTURED, json.dumps(cloud_event).encode())
    for event in (built, parsed):
        for mode in (to_binary, to_structured):
            headers, body = mode(event)
            back = from_http(headers, body)
            assert back.get_attributes() == event.get_attributes()
            assert back.data == data
        got = dict(event.get_attributes())
        if "time" not in attributes:
            got.pop("time")  # the SDK adds one
        assert got == attributes


def checked(envelope: Any, event: CloudEvent) -> dict[str, Any]:
    """The envelope's CloudEvent, round-tripped, with the delivered event's attributes
    (a message's id is its Pub/Sub message id, which Eventarc also makes the event's)."""
    cloud_event: dict[str, Any] = envelope.to_cloudevent()
    assert cloud_event["portafuncprovider"] == "gcp"
    expected_id = envelope.id if isinstance(envelope, Message) else event["id"]
    assert cloud_event["id"] == expected_id
    assert cloud_event["source"] == event["source"]
    assert cloud_event["type"] == event["type"]
    if event.get("subject"):
        assert cloud_event["subject"] == event["subject"]
    round_trip(cloud_event)
    return cloud_event


def load(relative: str) -> Any:
    return json.loads((PAYLOADS / relative).read_text(encoding="utf-8"))


def delivered(relative: str, **binary: str) -> CloudEvent:
    """A corpus payload as the function receives it."""
    document = load(relative)
    if "-legacy" in relative:
        request = EnvironBuilder(method="POST", path="/", json=document).get_request()
        converted: CloudEvent = event_conversion.background_event_to_cloud_event(request)
        return converted
    if "-data" in relative:
        headers = {
            "ce-specversion": "1.0",
            "ce-id": "1234567890",
            "ce-time": "2021-02-05T04:06:14.109Z",
            "content-type": "application/json",
            **{f"ce-{key}": value for key, value in binary.items()},
        }
        return from_http(headers, json.dumps(document).encode())
    return from_http(STRUCTURED, json.dumps(document).encode())


def functions() -> App:
    app = App("shop")

    @app.topic("my-topic")
    def on_topic(msg: Message[bytes]) -> None: ...

    @app.schedule("*/5 * * * *")
    def tick(event: ScheduleEvent) -> None: ...

    @app.changes("gcf-test")
    def audit(change: ChangeEvent[Any]) -> None: ...

    return app


def function(name: str) -> Function:
    return functions().function(name)


@pytest.mark.parametrize("name", TOPICS)
def test_pubsub_corpus_round_trips(name: str) -> None:
    event = delivered(f"topic/{name}", source=TOPIC, type=pubsub.MESSAGE_PUBLISHED)
    envelope = pubsub.translate(event, function("on_topic"))
    assert isinstance(envelope, Message)
    cloud_event = checked(envelope, event)
    assert cloud_event["type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert cloud_event["source"].startswith("//pubsub.googleapis.com/projects/")
    body = envelope.body
    if "data" in cloud_event:
        assert cloud_event["data"] == json.loads(body)
    else:
        assert base64.b64decode(cloud_event.get("data_base64", "")) == body


def test_an_ordering_key_is_the_partition_key() -> None:
    name = "topic/pubsub-cloudevent-structured-attributes-ordering-key.json"
    event = delivered(name)
    envelope = pubsub.translate(event, function("on_topic"))
    assert isinstance(envelope, Message)
    assert envelope.partition_key
    assert checked(envelope, event)["partitionkey"] == envelope.partition_key


def test_scheduler_corpus_round_trips() -> None:
    source = "//cloudscheduler.googleapis.com/projects/test-project/locations/us-central1/jobs/j"
    event = delivered(
        "schedule/cloud-scheduler-job-data.json", source=source, type=pubsub.JOB_EXECUTED
    )
    envelope = pubsub.translate(event, function("tick"))
    assert isinstance(envelope, ScheduleEvent)
    cloud_event = checked(envelope, event)
    assert cloud_event["type"] == "google.cloud.scheduler.job.v1.executed"
    assert cloud_event["data"] == {"schedule": "tick", "pastDue": False}


@pytest.mark.parametrize("name", OBJECTS)
def test_storage_corpus_round_trips(name: str) -> None:
    source = "//storage.googleapis.com/projects/_/buckets/sample-bucket"
    event = delivered(
        f"storage/{name}", source=source, type="google.cloud.storage.object.v1.finalized"
    )
    app = App("shop")

    @app.storage(event.data["bucket"], events=("created", "deleted", "archived"))
    def on_object(envelope: StorageEvent) -> None: ...

    envelope = storage.translate(event, app.function("on_object"))
    assert isinstance(envelope, StorageEvent)
    cloud_event = checked(envelope, event)
    assert cloud_event["type"].startswith("google.cloud.storage.object.v1.")
    assert cloud_event["data"]["key"] == envelope.key


@pytest.mark.parametrize("name", FIRESTORE)
def test_firestore_corpus_round_trips(name: str) -> None:
    event = delivered(f"database/{name}")
    change = firestore.translate(event, function("audit"))
    assert isinstance(change, ChangeEvent)
    cloud_event = checked(change, event)
    assert cloud_event["type"].startswith("google.cloud.firestore.document.v1.")
    assert cloud_event["data"]["table"] == "gcf-test"


@pytest.mark.parametrize("name", EVENTS)
def test_eventarc_corpus_round_trips(name: str) -> None:
    event = delivered(name)
    app = App("shop")

    @app.event(type=event["type"])
    def on_event(envelope: Event[Any]) -> None: ...

    envelope = eventarc.translate(event, app.function("on_event"))
    checked(envelope, event)
