"""Any CloudEvent → event(type=...) functions: Firebase Realtime Database, Firebase Auth,
audit logs, Cloud Build, Firebase Alerts, Analytics and Remote Config.

Payloads: tests/payloads/gcp/database/firebase-rtdb-*.json and other/*.json (see
SOURCES.md there): functions-framework-conformance's structured CloudEvents and 1st-gen
background events, and google-cloudevents' examples and test data. Structured
CloudEvents are read as functions-framework reads a request; 1st-gen events are
converted by functions-framework's own ``event_conversion``; the ``*-data*`` payloads
(the data alone) are sent as Eventarc sends them, in binary mode, with the type
google-cloudevents gives their data and a source of that service.

A 1st-gen event of a type functions-framework cannot convert, and a bare data payload
posted as if it were an event, never reach portafunc: functions-framework answers 400.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent, from_http
from functions_framework import event_conversion
from pydantic import BaseModel
from werkzeug.test import EnvironBuilder

from portafunc import App, Context, Event
from portafunc.app import Function
from portafunc.errors import UnsupportedEvent
from portafunc.pipeline import deliver
from portafunc_gcp import testing
from portafunc_gcp.sources import eventarc, pubsub, storage

Payload = Callable[[str], dict[str, Any]]
Render = Callable[[Any], dict[str, Any]]
Golden = Callable[[str, Any], None]

GCP = Path(__file__).resolve().parents[1] / "payloads" / "gcp"
RTDB = sorted(f"database/{p.stem}" for p in (GCP / "database").glob("firebase-rtdb-*.json"))
OTHER = sorted(f"other/{p.stem}" for p in (GCP / "other").glob("*.json"))
#: The same change as a 1st-gen event and as a CloudEvent.
LEGACY_PAIRS = (
    ("database/firebase-rtdb-ref-delete-legacy", "database/firebase-rtdb-ref-deleted-cloudevent"),
    (
        "database/firebase-rtdb-ref-write-legacy-europe-west1",
        "database/firebase-rtdb-ref-written-cloudevent-europe-west1",
    ),
    (
        "database/firebase-rtdb-ref-write-legacy-null-data",
        "database/firebase-rtdb-ref-written-cloudevent",
    ),
    ("other/firebase-auth-user-create-legacy", "other/firebase-auth-user-created-cloudevent"),
)
#: The data-only payloads: their CloudEvent type, source, subject and extensions.
DATA_ONLY: dict[str, tuple[str, str, str | None, dict[str, str]]] = {
    "other/audit-log-pubsub-create-topic-data": (
        "google.cloud.audit.log.v1.written",
        "//cloudaudit.googleapis.com/projects/test-project/logs/activity",
        "pubsub.googleapis.com/projects/test-project/topics/test-auditlogs-source",
        {
            "methodname": "google.pubsub.v1.Publisher.CreateTopic",
            "servicename": "pubsub.googleapis.com",
            "resourcename": "projects/test-project/topics/test-auditlogs-source",
        },
    ),
    "other/cloud-build-event-data-simple": (
        "google.cloud.cloudbuild.build.v1.statusChanged",
        "//cloudbuild.googleapis.com/projects/test-project/locations/global",
        None,
        {},
    ),
    "other/firebase-alerts-alert-data": (
        "google.firebase.firebasealerts.alerts.v1.published",
        "//firebasealerts.googleapis.com/projects/test-project",
        None,
        {},
    ),
    "other/firebase-analytics-log-data": (
        "google.firebase.analytics.log.v1.written",
        "//firebaseanalytics.googleapis.com/projects/test-project/apps/com.example.exampleapp",
        None,
        {},
    ),
    "other/firebase-remoteconfig-event-data": (
        "google.firebase.remoteconfig.remoteConfig.v1.updated",
        "//firebaseremoteconfig.googleapis.com/projects/test-project",
        None,
        {},
    ),
}


class RefChange(BaseModel):
    data: Any
    delta: Any


def function(event_type: str = "google.firebase.database.ref.v1.written") -> Function:
    app = App("shop")

    @app.event(type=event_type)
    def on_event(event: Event[Any]) -> None: ...

    return app.function("on_event")


def structured(payload: dict[str, Any]) -> CloudEvent:
    """A structured-mode CloudEvent, read the way functions-framework reads a request."""
    headers = {"content-type": "application/cloudevents+json"}
    return from_http(headers, json.dumps(payload).encode())


def legacy(payload: dict[str, Any]) -> CloudEvent:
    """A 1st-gen background event, converted by functions-framework."""
    request = EnvironBuilder(method="POST", path="/", json=payload).get_request()
    event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    return event


def binary(name: str, data: Any) -> CloudEvent:
    """A data-only payload in the binary-mode CloudEvent Eventarc would send."""
    event_type, source, subject, extensions = DATA_ONLY[name]
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1234567890",
        "ce-source": source,
        "ce-type": event_type,
        "ce-time": "2020-06-30T16:14:47.593Z",
        "content-type": "application/json",
        **{f"ce-{key}": value for key, value in extensions.items()},
    }
    if subject:
        headers["ce-subject"] = subject
    return from_http(headers, json.dumps(data).encode())


def corpus(payload: Payload, name: str) -> CloudEvent:
    document = payload(f"{name}.json")
    if "-legacy" in name:
        return legacy(document)
    if name in DATA_ONLY:
        return binary(name, document)
    return structured(document)


def translated(event: CloudEvent) -> Event[Any]:
    return eventarc.translate(event, function(event["type"]))


# -- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", RTDB + OTHER)
def test_golden(name: str, payload: Payload, as_json: Render, golden: Golden) -> None:
    event = corpus(payload, name)
    envelope = translated(event)
    assert envelope.raw is event
    assert function(envelope.type).trigger.accepts(envelope)
    golden(f"eventarc/{name.replace('/', '-')}", as_json(envelope))


@pytest.mark.parametrize(("old", "new"), LEGACY_PAIRS)
def test_legacy_events_converted_by_functions_framework_equal_the_cloudevents(
    old: str, new: str, payload: Payload, as_json: Render
) -> None:
    assert as_json(translated(corpus(payload, old))) == as_json(translated(corpus(payload, new)))


@pytest.mark.parametrize("name", RTDB + OTHER)
def test_no_other_source_takes_them(name: str, payload: Payload) -> None:
    event = corpus(payload, name)
    for source in (pubsub, storage):
        with pytest.raises(UnsupportedEvent):
            source.translate(event, function())


def test_a_realtime_database_change_validates_into_a_model(payload: Payload) -> None:
    app = App("shop")
    seen: list[RefChange] = []

    @app.event(type="google.firebase.database.ref.v1.written")
    def on_ref(event: Event[RefChange]) -> None:
        seen.append(event.data)

    on_ref_fn = app.function("on_ref")
    for name in RTDB:
        envelope = eventarc.translate(corpus(payload, name), on_ref_fn)
        deliver(app, on_ref_fn, envelope, Context(provider="gcp"))
    # Only the written events reach the handler; deleted ones are acknowledged unseen.
    assert RefChange(data=None, delta=10) in seen
    assert len(seen) == len([n for n in RTDB if "delete" not in n])


# -- data ---------------------------------------------------------------------------------


def test_binary_data_is_the_body() -> None:
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "//firestore.googleapis.com/projects/p/databases/(default)",
        "ce-type": "google.cloud.firestore.document.v1.written",
        "content-type": "application/protobuf",
    }
    envelope = translated(from_http(headers, b"\n\x8f\x01\xff"))
    assert envelope.body == b"\n\x8f\x01\xff"
    text = translated(from_http({**headers, "content-type": "text/plain"}, b"hello"))
    assert text.body == b"hello"


def test_structured_data_base64_is_the_body() -> None:
    event = {"specversion": "1.0", "id": "1", "source": "//s", "type": "t", "data_base64": "AAE="}
    assert translated(structured(event)).body == b"\x00\x01"


def test_no_data_is_none() -> None:
    envelope = translated(
        structured({"specversion": "1.0", "id": "1", "source": "//s", "type": "t"})
    )
    assert envelope.data is None


@pytest.mark.parametrize("attribute", ["id", "source", "subject"])
def test_attributes_that_are_not_strings_are_unsupported(attribute: str) -> None:
    attributes: dict[str, Any] = {"id": "1", "source": "//s", "type": "t", attribute: 5}
    event = CloudEvent(attributes, {})
    with pytest.raises(UnsupportedEvent, match=attribute):
        eventarc.translate(event, function())


def test_the_event_is_never_mutated(payload: Payload) -> None:
    event = corpus(payload, "other/firebase-auth-user-created-cloudevent")
    before = copy.deepcopy(event.data)
    translated(event)
    assert event.data == before


# -- through functions-framework --------------------------------------------------------------


def test_what_functions_framework_cannot_convert_is_refused_before_portafunc(
    payload: Payload,
) -> None:
    app = App("shop")
    seen: list[Event[Any]] = []

    @app.event(type="google.cloud.audit.log.v1.written")
    def on_audit(event: Event[Any]) -> None:
        seen.append(event)

    client = testing.create_app(app, "on_audit").test_client()
    bare = testing.post_json(client, payload("other/audit-log-pubsub-create-topic-data.json"))
    assert bare.status_code == 400
    assert seen == []
    event = binary(
        "other/audit-log-pubsub-create-topic-data",
        payload("other/audit-log-pubsub-create-topic-data.json"),
    )
    assert testing.post_cloud_event(client, event).status_code == 200
    assert [e.subject for e in seen] == [event["subject"]]
