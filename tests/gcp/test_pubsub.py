"""Pub/Sub messagePublished events → queue, topic, stream and schedule functions.

Payloads: tests/payloads/gcp/topic/*.json and schedule/*.json (see SOURCES.md there):
functions-framework-conformance's structured CloudEvents and 1st-gen background events,
and google-cloudevents' examples and test data. Structured CloudEvents are read as
functions-framework reads a request (``cloudevents.http.from_http``); ``*-data*`` payloads
are sent the way Eventarc sends them, in binary mode with the data as the body; 1st-gen
events are converted by functions-framework's own ``event_conversion``.
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
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from werkzeug.test import EnvironBuilder

from portafunc import App, Context, Message, ScheduleEvent
from portafunc.app import Function
from portafunc.errors import InvalidPayload, UnsupportedEvent
from portafunc.pipeline import deliver
from portafunc_gcp.sources import pubsub

Payload = Callable[[str], dict[str, Any]]
Render = Callable[[Any], dict[str, Any]]
Golden = Callable[[str, Any], None]

TOPIC = Path(__file__).resolve().parents[1] / "payloads" / "gcp" / "topic"
PAYLOADS = sorted(p.stem for p in TOPIC.glob("*.json"))
#: The same message as a 1st-gen event and as a CloudEvent.
LEGACY_PAIRS = (
    ("pubsub-legacy-background-context", "pubsub-cloudevent-text"),
    (
        "pubsub-legacy-background-context-binary-no-attributes",
        "pubsub-cloudevent-binary-no-attributes",
    ),
)


class Order(BaseModel):
    id: str
    qty: int


def functions() -> App:
    app = App("shop")

    @app.topic("my-topic")
    def on_topic(msg: Message[bytes]) -> None: ...

    @app.queue("orders")
    def on_queue(msg: Message[bytes]) -> None: ...

    @app.stream("clicks")
    def on_stream(msg: Message[bytes]) -> None: ...

    @app.schedule("*/5 * * * *")
    def tick(event: ScheduleEvent) -> None: ...

    return app


def function(name: str = "on_topic") -> Function:
    return functions().function(name)


def structured(payload: dict[str, Any]) -> CloudEvent:
    """A structured-mode CloudEvent, read the way functions-framework reads a request."""
    headers = {"content-type": "application/cloudevents+json"}
    return from_http(headers, json.dumps(payload).encode())


def binary(
    data: Any,
    *,
    type: str = pubsub.MESSAGE_PUBLISHED,
    source: str = "//pubsub.googleapis.com/projects/test-project/topics/my-topic",
) -> CloudEvent:
    """A binary-mode CloudEvent carrying ``data``, as Eventarc sends one."""
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1234567890",
        "ce-source": source,
        "ce-type": type,
        "ce-time": "2021-02-05T04:06:14.109Z",
        "content-type": "application/json",
    }
    return from_http(headers, json.dumps(data).encode())


def legacy(payload: dict[str, Any], path: str = "/") -> CloudEvent:
    """A 1st-gen event or push body, converted by functions-framework."""
    request = EnvironBuilder(method="POST", path=path, json=payload).get_request()
    event: CloudEvent = event_conversion.background_event_to_cloud_event(request)
    return event


def corpus(payload: Payload, name: str) -> CloudEvent:
    """A topic/ payload as the function receives it."""
    document = payload(f"topic/{name}.json")
    if "-legacy-" in name:
        return legacy(document)
    if "-data-" in name:
        return binary(document)
    return structured(document)


def message(event: CloudEvent, name: str = "on_topic") -> Message[Any]:
    envelope = pubsub.translate(event, function(name))
    assert isinstance(envelope, Message)
    return envelope


# -- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAYLOADS)
def test_golden(name: str, payload: Payload, as_json: Render, golden: Golden) -> None:
    event = corpus(payload, name)
    envelope = message(event)
    assert envelope.raw is event
    golden(f"pubsub/{name}", as_json(envelope))


@pytest.mark.parametrize(("old", "new"), LEGACY_PAIRS)
def test_legacy_events_converted_by_functions_framework_equal_the_cloudevents(
    old: str, new: str, payload: Payload, as_json: Render
) -> None:
    assert as_json(message(corpus(payload, old))) == as_json(message(corpus(payload, new)))


def test_the_data_sent_in_binary_mode_equals_the_structured_event(
    payload: Payload, as_json: Render
) -> None:
    data = corpus(payload, "pubsub-data-attributes-ordering-key")
    whole = corpus(payload, "pubsub-cloudevent-structured-attributes-ordering-key")
    assert as_json(message(data)) == as_json(message(whole))


def test_snake_case_fields_read_like_camel_case(payload: Payload, as_json: Render) -> None:
    document = payload("topic/pubsub-data-duplicated-snake-and-camel-fields.json")
    snake = copy.deepcopy(document)
    del snake["message"]["messageId"], snake["message"]["publishTime"]
    snake["message"]["ordering_key"] = "k"
    snake["delivery_attempt"] = 3
    expected = {**as_json(message(binary(document))), "partition_key": "k", "attempt": 3}
    assert as_json(message(binary(snake))) == expected


def test_each_message_trigger_gets_a_message(payload: Payload) -> None:
    event = corpus(payload, "pubsub-cloudevent-text")
    for name in ("on_topic", "on_queue", "on_stream"):
        assert message(event, name).body == b"test message 3"


# -- source, attempt, ordering key ----------------------------------------------------------


def test_source_is_the_topic_else_the_subscription_else_the_declared_topic(
    payload: Payload,
) -> None:
    data = payload("topic/pubsub-data-attributes-ordering-key.json")
    assert message(binary(data)).source == "my-topic"
    no_topic = binary(data, source="//pubsub.googleapis.com/")
    assert message(no_topic).source == "my-subscription"
    no_subscription = {"message": data["message"]}
    assert message(binary(no_subscription, source="//pubsub.googleapis.com/")).source == (
        "my-topic"  # the function's
    )
    assert message(
        binary(no_subscription, source="//pubsub.googleapis.com/"), "on_queue"
    ).source == ("orders")
    with pytest.raises(UnsupportedEvent, match="subscription"):
        message(binary({**data, "subscription": 5}, source="//pubsub.googleapis.com/"))


def test_push_bodies_converted_by_functions_framework(payload: Payload) -> None:
    """A push body posted straight to the function: functions-framework keeps no
    subscription, and the topic only when the push endpoint's path names it."""
    push = {
        "message": {"data": "aGk=", "messageId": "42", "publishTime": "2024-05-01T12:00:00Z"},
        "subscription": "projects/p/subscriptions/orders-push",
        "deliveryAttempt": 2,
    }
    at_root = message(legacy(push), "on_queue")
    assert (at_root.id, at_root.body, at_root.source, at_root.attempt) == (
        "42",
        b"hi",
        "orders",
        None,
    )
    named = message(legacy(push, path="/projects/p/topics/orders-topic"), "on_queue")
    assert named.source == "orders-topic"


def test_delivery_attempt_and_ordering_key(payload: Payload) -> None:
    data = payload("topic/pubsub-data-attributes-ordering-key.json")
    assert message(binary({**data, "deliveryAttempt": 5})).attempt == 5
    assert message(binary({**data, "deliveryAttempt": "5"})).attempt == 5
    assert message(binary(data)).attempt is None
    assert message(binary(data)).partition_key == "ordering-key"
    empty_key = {**data, "message": {**data["message"], "orderingKey": ""}}
    assert message(binary(empty_key)).partition_key is None


def test_message_without_data_has_an_empty_body() -> None:
    event = binary({"message": {"messageId": "1", "attributes": {"a": "b"}}})
    envelope = message(event)
    assert (envelope.body, dict(envelope.attributes)) == (b"", {"a": "b"})


def test_url_safe_and_unpadded_base64() -> None:
    event = binary({"message": {"messageId": "1", "data": "-_8"}})
    assert message(event).body == b"\xfb\xff"


def test_the_event_is_never_mutated_and_attributes_are_read_only(payload: Payload) -> None:
    event = corpus(payload, "pubsub-cloudevent-text")
    before = copy.deepcopy(event.data)
    envelope = message(event)
    with pytest.raises(TypeError):
        envelope.attributes["attr1"] = "changed"  # type: ignore[index]
    assert event.data == before


def test_typed_data_through_the_pipeline() -> None:
    app = App("shop")
    seen: list[Order] = []

    @app.topic("orders")
    def ship(msg: Message[Order]) -> None:
        seen.append(msg.data)

    event = binary({"message": {"messageId": "1", "data": "eyJpZCI6ICJhMSIsICJxdHkiOiAyfQ=="}})
    function = app.function("ship")
    deliver(app, function, pubsub.translate(event, function), Context(provider="gcp"))
    assert seen == [Order(id="a1", qty=2)]
    bad = binary({"message": {"messageId": "2", "data": "eyJpZCI6ICJhMSJ9"}})
    with pytest.raises(InvalidPayload):
        deliver(app, function, pubsub.translate(bad, function), Context(provider="gcp"))


# -- schedule functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["pubsub-cloudevent-text", "pubsub-legacy-background-flat-providers-eventtype"]
)
def test_schedule_golden_from_pubsub(
    name: str, payload: Payload, as_json: Render, golden: Golden
) -> None:
    event = corpus(payload, name)
    envelope = pubsub.translate(event, function("tick"))
    assert isinstance(envelope, ScheduleEvent)
    assert envelope.raw is event
    golden(f"pubsub/schedule-{name}", as_json(envelope))


def test_schedule_golden_from_scheduler_job_data(
    payload: Payload, as_json: Render, golden: Golden
) -> None:
    event = binary(
        payload("schedule/cloud-scheduler-job-data.json"),
        type=pubsub.JOB_EXECUTED,
        source="//cloudscheduler.googleapis.com/projects/test-project/locations/us-central1/jobs/my-job",
    )
    envelope = pubsub.translate(event, function("tick"))
    assert isinstance(envelope, ScheduleEvent)
    golden("pubsub/schedule-cloud-scheduler-job-data", as_json(envelope))


def test_a_scheduler_job_event_is_not_a_message(payload: Payload) -> None:
    event = binary(payload("schedule/cloud-scheduler-job-data.json"), type=pubsub.JOB_EXECUTED)
    with pytest.raises(UnsupportedEvent, match=r"scheduler\.job\.v1\.executed"):
        pubsub.translate(event, function("on_queue"))


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "storage/gcs-object-finalized-cloudevent.json",
        "database/firestore-document-written-cloudevent-simple.json",
        "other/firebase-auth-user-created-cloudevent.json",
        "other/audit-log-bigquery-job-completed-cloudevent.json",
    ],
)
@pytest.mark.parametrize("kind", ["on_topic", "tick"])
def test_other_event_types_are_unsupported(name: str, kind: str, payload: Payload) -> None:
    with pytest.raises(UnsupportedEvent, match="messagePublished"):
        pubsub.translate(structured(payload(name)), function(kind))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        [1],
        {},
        {"message": "x"},
        {"message": {"messageId": 1}},
        {"message": {"messageId": "1", "data": "not base64!"}},
        {"message": {"messageId": "1", "data": 5}},
        {"message": {"messageId": "1", "attributes": ["a"]}},
        {"message": {"messageId": "1", "orderingKey": 5}},
        {"message": {"messageId": "1", "publishTime": 5}},
        {"message": {"messageId": "1"}, "deliveryAttempt": True},
        {"message": {"messageId": "1"}, "deliveryAttempt": "often"},
        # Found by tests/fuzz: isdigit() took these, int() raised ValueError.
        {"message": {"messageId": "1"}, "deliveryAttempt": "\u00b2"},
        {"message": {"messageId": "1"}, "deliveryAttempt": "9" * 5000},
    ],
)
def test_malformed_data_is_unsupported(data: Any) -> None:
    with pytest.raises(UnsupportedEvent):
        pubsub.translate(binary(data), function())


def test_binary_data_is_unsupported() -> None:
    event = CloudEvent({"type": pubsub.MESSAGE_PUBLISHED, "source": "//x"}, b"\x00\x01")
    with pytest.raises(UnsupportedEvent, match="no message"):
        pubsub.translate(event, function("tick"))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(
        [
            "",
            "message",
            "message.data",
            "message.attributes",
            "message.messageId",
            "message.orderingKey",
            "subscription",
            "deliveryAttempt",
        ]
    ),
    value=_JSON,
)
def test_mutated_payloads_translate_or_raise_unsupported(path: str, value: Any) -> None:
    data = json.loads((TOPIC / "pubsub-data-attributes-ordering-key.json").read_text())
    *parents, last = path.split(".") if path else [""]
    target = data
    for key in parents:
        target = target[key]
    if last:
        target[last] = value
    else:
        data = value
    for name in ("on_topic", "tick"):
        try:
            envelope = pubsub.translate(binary(data), function(name))
        except UnsupportedEvent:
            continue
        if isinstance(envelope, Message):
            assert (envelope.id, envelope.body, envelope.source) is not None
            dict(envelope.attributes)
