"""Fuzzing the entry points of ``portafunc_gcp.entry_points`` with mutated payloads.

Every payload of tests/payloads/gcp (SOURCES.md) is a seed. Each example mutates it and
makes the CloudEvent of it as functions-framework would: a structured CloudEvent
(``*-cloudevent*``) read with ``cloudevents.http.from_http``; a data payload (``*-data*``)
sent in binary mode with the type and source its service gives it (a Pub/Sub one also
as a push body); a 1st-gen event (``*-legacy*``) converted by functions-framework's
``event_conversion``. The Firestore CloudEvents are also sent with their data as
protobuf, whose bytes are mutated. When the cloudevents SDK or functions-framework
refuses the payload, portafunc never sees it: that delivery is left out (``reject`` if
none is left).

The entries are called directly, not through functions-framework's view (which answers
500 to any exception, hiding its type): each CloudEvent entry must return or raise a
PortafuncError. HTTP seeds (conftest.py) go to the app entry and the route's entry, in a
Flask request context; they must answer, never a 500 (no handler raises).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask
import pytest
from cloudevents.http import CloudEvent, from_http
from functions_framework import event_conversion
from google.events.cloud.firestore_v1.types import DocumentEventData
from hypothesis import event, given, reject, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    Message,
    ScheduleEvent,
    StorageEvent,
)
from portafunc.errors import PortafuncError
from portafunc.triggers import ACTIONS
from portafunc_gcp import entry_points

Mutate = Callable[[Any], st.SearchStrategy[Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "gcp"
SEEDS = sorted(PAYLOADS.rglob("*.json"))
PROTOBUF = [path for path in SEEDS if path.stem.startswith("firestore-document-written-")]
CASES = [(path, "json") for path in SEEDS] + [(path, "protobuf") for path in PROTOBUF]
FUZZ = settings.get_profile("portafunc-fuzz")
#: A quarter of the profile's examples per adapter go to HTTP, the rest split over cases.
HTTP_EXAMPLES = settings(FUZZ, max_examples=math.ceil(FUZZ.max_examples / 4))
PER_CASE = settings(FUZZ, max_examples=math.ceil(FUZZ.max_examples * 3 / 4 / len(CASES)))
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

#: The data payloads' CloudEvent type and source, by name prefix (as in tests/gcp).
DATA_ONLY = {
    "pubsub-data-": (
        "google.cloud.pubsub.topic.v1.messagePublished",
        "//pubsub.googleapis.com/projects/test-project/topics/gcf-test",
    ),
    "gcs-object-data-": (
        "google.cloud.storage.object.v1.finalized",
        "//storage.googleapis.com/projects/_/buckets/sample-bucket",
    ),
    "cloud-scheduler-job-data": (
        "google.cloud.scheduler.job.v1.executed",
        "//cloudscheduler.googleapis.com/projects/test-project/locations/us-central1/jobs/job",
    ),
    "audit-log-": (
        "google.cloud.audit.log.v1.written",
        "//cloudaudit.googleapis.com/projects/test-project/logs/activity",
    ),
    "cloud-build-": (
        "google.cloud.cloudbuild.build.v1.statusChanged",
        "//cloudbuild.googleapis.com/projects/test-project/locations/global",
    ),
    "firebase-alerts-": (
        "google.firebase.firebasealerts.alerts.v1.published",
        "//firebasealerts.googleapis.com/projects/test-project",
    ),
    "firebase-analytics-": (
        "google.firebase.analytics.log.v1.written",
        "//firebaseanalytics.googleapis.com/projects/test-project/apps/com.example.app",
    ),
    "firebase-remoteconfig-": (
        "google.firebase.remoteconfig.remoteConfig.v1.updated",
        "//firebaseremoteconfig.googleapis.com/projects/test-project",
    ),
}
BUCKETS = ("sample-bucket", "some-bucket")
PUBSUB_KINDS = ("queue", "topic", "stream", "schedule")


def _b64url(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


#: An IAP assertion and a verified ID token: JWTs, as Google's front end passes them.
CLAIMS = {"email": "ada@example.com", "sub": "accounts.google.com:1", "aud": "/projects/1"}
JWT = f"{_b64url({'alg': 'RS256', 'typ': 'JWT'})}.{_b64url(CLAIMS)}"
IDENTITIES = [
    {"X-Goog-IAP-JWT-Assertion": [f"{JWT}.c2lnbmF0dXJl"]},
    {"Authorization": [f"Bearer {JWT}.SIGNATURE_REMOVED_BY_GOOGLE"]},
    {"X-Goog-Authenticated-User-Email": ["accounts.google.com:ada@example.com"]},
]

#: What the handlers got during the current example.
SEEN: list[Any] = []


def recorder(annotation: Any) -> Callable[[Any], str]:
    """A handler taking ``annotation`` that keeps what it gets in SEEN."""

    def record(envelope: Any) -> str:
        SEEN.append(envelope)
        return "ok"

    record.__annotations__ = {"envelope": annotation, "return": str}
    return record


def structured(value: Any) -> CloudEvent:
    """A structured-mode CloudEvent, read as functions-framework reads a request."""
    return from_http({"content-type": "application/cloudevents+json"}, json.dumps(value).encode())


def binary(value: Any, event_type: str, source: str) -> CloudEvent:
    """A data payload as Eventarc sends it: binary mode, JSON data."""
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "fuzz-1",
        "ce-type": event_type,
        "ce-source": source,
        "ce-time": "2021-02-05T04:06:14.109Z",
        "content-type": "application/json",
    }
    return from_http(headers, json.dumps(value).encode())


def legacy(value: Any) -> CloudEvent:
    """A 1st-gen event (or a Pub/Sub push body), converted by functions-framework."""
    request = EnvironBuilder(method="POST", path="/", json=value).get_request()
    event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    return event


def protobuf(attributes: dict[str, Any], data: bytes) -> CloudEvent:
    """A Firestore CloudEvent as Eventarc sends it: binary mode, protobuf data."""
    headers = {f"ce-{name}": str(value) for name, value in attributes.items()}
    return from_http({**headers, "content-type": "application/protobuf"}, data)


def cloud_events(seed: Path, value: Any) -> list[CloudEvent]:
    """The CloudEvents functions-framework makes of ``value``; none if it refuses it."""
    makers: list[Callable[[], CloudEvent]]
    if "-cloudevent" in seed.stem:
        makers = [lambda: structured(value)]
    elif "-legacy" in seed.stem:
        makers = [lambda: legacy(value)]
    else:
        prefix = next(p for p in DATA_ONLY if seed.stem.startswith(p))
        makers = [lambda: binary(value, *DATA_ONLY[prefix])]
        if prefix == "pubsub-data-":
            makers.append(lambda: legacy(value))  # a push body
    made = []
    for make in makers:
        try:
            made.append(make())
        except Exception:  # the cloudevents SDK or functions-framework refused it
            event("refused before portafunc")
    return made


def _type(seed: Path) -> str:
    """The CloudEvent type of an unmutated seed."""
    (cloud_event,) = cloud_events(seed, json.loads(seed.read_text(encoding="utf-8")))[:1]
    return str(cloud_event["type"])


SEED_TYPES = {seed: _type(seed) for seed in SEEDS}
EVENT_TYPES = sorted(set(SEED_TYPES.values()))


def fuzz_app() -> App:
    """A function of every kind; an event function per seed type, a storage function per
    bucket, the ``changes`` function of the corpus' collection."""
    app = App("fuzz")
    app.http(METHODS, "/{path:path}", name="serve")(recorder(HTTPRequest))
    app.http(METHODS, "/", name="root")(recorder(HTTPRequest))
    app.queue("gcf-test", name="queue")(recorder(Message[bytes]))
    app.topic("gcf-test", name="topic")(recorder(Message[bytes]))
    app.stream("gcf-test", name="stream")(recorder(Message[bytes]))
    app.schedule("*/5 * * * *", name="schedule")(recorder(ScheduleEvent))
    for index, bucket in enumerate(BUCKETS):
        app.storage(bucket, events=ACTIONS, name=f"storage_{index}")(recorder(StorageEvent))
    app.changes("gcf-test", name="changes")(recorder(ChangeEvent[Any]))
    for index, event_type in enumerate(EVENT_TYPES):
        app.event(type=event_type, name=f"event_{index}")(recorder(Event[Any]))
    return app


ENTRIES = entry_points(fuzz_app())


def entries_for(seed: Path) -> list[str]:
    """Every source's entry: the Pub/Sub kinds, storage, changes, the seed type's event."""
    storage = [f"storage_{index}" for index in range(len(BUCKETS))]
    return [*PUBSUB_KINDS, *storage, "changes", f"event_{EVENT_TYPES.index(SEED_TYPES[seed])}"]


def receive(entry: str, cloud_event: CloudEvent) -> str:
    """Call a CloudEvent entry: ``"answered"`` or ``"refused: …"``."""
    try:
        result = ENTRIES[entry](cloud_event)
    except PortafuncError as exc:
        return f"refused: {type(exc).__name__}"
    assert result is None, result
    return "answered"


def _id(case: tuple[Path, str]) -> str:
    path, mode = case
    return f"{path.parent.name}/{path.stem}" + ("/protobuf" if mode == "protobuf" else "")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_seed_reaches_a_handler(seed: Path, load: Callable[[Path], Any]) -> None:
    """The unmutated seeds are delivered: the examples start deep in the adapter."""
    SEEN.clear()
    for cloud_event in cloud_events(seed, load(seed)):
        for entry in entries_for(seed):
            receive(entry, cloud_event)
    assert SEEN


@st.composite
def broken_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, with bytes inserted, or with one byte changed."""
    position = draw(st.integers(0, len(data)))
    junk = draw(st.binary(min_size=1, max_size=8))
    changed = data[:position] + junk[:1] + data[position + 1 :]
    return draw(
        st.sampled_from([data[:position], data[:position] + junk + data[position:], changed])
    )


@pytest.mark.parametrize("case", CASES, ids=_id)
@PER_CASE
@given(data=st.data())
def test_mutated_payloads_are_answered_or_refused(
    case: tuple[Path, str],
    data: st.DataObject,
    load: Callable[[Path], Any],
    mutate: Mutate,
    lazily_read: Callable[[Any], list[str]],
) -> None:
    seed, mode = case
    if mode == "protobuf":
        document = load(seed)
        message = DocumentEventData.from_json(json.dumps(document.pop("data")))
        document.pop("datacontenttype", None)
        sent = data.draw(broken_bytes(DocumentEventData.serialize(message)), label="protobuf")
        made = [protobuf(document, sent)]
    else:
        made = cloud_events(seed, data.draw(mutate(load(seed)), label="payload"))
    if not made:
        reject()
    for cloud_event in made:
        for entry in entries_for(seed):
            SEEN.clear()
            event(f"{entry}: {receive(entry, cloud_event)}")
            assert [failure for seen in SEEN for failure in lazily_read(seen)] == [], entry


FLASK = flask.Flask(__name__)
#: Headers the server sets from the body it reads (a seed's would not match the body).
FRAMING = ("content-length", "transfer-encoding")


def respond(seed: Any, body: bytes) -> list[str]:
    """The outcome of the app entry and the route's entry; [] if no request can be made."""
    method, url, headers = seed.get("Method"), seed.get("Url"), seed.get("Headers")
    if not (isinstance(method, str) and isinstance(url, str) and isinstance(headers, dict)):
        return []
    pairs = [
        (name, value)
        for name, values in headers.items()
        for value in (values if isinstance(values, list) else [values])
        if name.lower() not in FRAMING
    ]

    def environ() -> dict[str, Any]:  # one per request: the body stream is read once
        parts = urlsplit(url)
        made: dict[str, Any] = EnvironBuilder(
            path=parts.path or "/",
            method=method,
            query_string=parts.query,
            headers=pairs,
            data=body,
        ).get_environ()
        return made

    try:
        environ()
    except Exception:  # werkzeug cannot make this request
        return []
    outcomes = []
    for entry in ("fuzz", "serve"):
        with FLASK.request_context(environ()):
            response = ENTRIES[entry](flask.request)
        assert response.status_code != 500, response.get_data()[:300]
        outcomes.append(f"{entry}: {response.status_code}")
    return outcomes


@HTTP_EXAMPLES
@given(data=st.data())
def test_mutated_http_requests_are_answered(
    data: st.DataObject,
    http_seeds: list[tuple[str, dict[str, Any]]],
    mutate: Mutate,
    as_bytes: Callable[[str], st.SearchStrategy[bytes]],
    lazily_read: Callable[[Any], list[str]],
) -> None:
    _, seed = data.draw(st.sampled_from(http_seeds), label="seed")
    identity = data.draw(st.sampled_from(IDENTITIES), label="identity")
    value = data.draw(mutate({**seed, "Headers": {**seed["Headers"], **identity}}), "request")
    text = value.get("Body") if isinstance(value, dict) else None
    body = data.draw(as_bytes(text if isinstance(text, str) else json.dumps(text)), label="body")
    SEEN.clear()
    outcomes = respond(value, body) if isinstance(value, dict) else []
    if not outcomes:
        reject()
    for outcome in outcomes:
        event(outcome)
    assert [failure for seen in SEEN for failure in lazily_read(seen)] == []
