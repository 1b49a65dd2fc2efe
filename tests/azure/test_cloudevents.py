"""``to_cloudevent()`` on the envelopes the Azure adapter builds, round-tripped through
the ``cloudevents`` SDK's binary and structured HTTP modes.

Event Grid events (both schemas), timer requests, Cosmos DB batches and blob trigger
metadata come from the corpus (tests/payloads/azure); Storage Queue, Service Bus and
Event Hubs messages, which the corpus has no host payloads of, from
``portafunc_azure.testing``, which builds them through azure.functions' own converters.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.functions.blob import BlobConverter
from azure.functions.cosmosdb import CosmosDBTriggerConverter
from azure.functions.meta import Datum
from azure.functions.timer import TimerRequestConverter
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_dict, from_http

import portafunc_azure
from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc.events import Action
from portafunc.providers import provider
from portafunc_azure.testing import (
    event_grid_event,
    event_hub_events,
    invoke,
    queue_message,
    service_bus_message,
)

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "azure"
STRUCTURED = {"content-type": "application/cloudevents+json"}
GRID = sorted(
    [f"event/{p.name}" for p in (PAYLOADS / "event").glob("*.json")]
    + [f"storage/{p.name}" for p in (PAYLOADS / "storage").glob("*-schema-*.json")]
)
TIMERS = sorted(p.name for p in (PAYLOADS / "schedule").glob("*.json"))
COSMOS = sorted(p.name for p in (PAYLOADS / "database").glob("*.json"))
BLOB_METADATA = "storage/blob-trigger-metadata-python-library-test.json"
ACTIONS: tuple[Action, ...] = ("created", "deleted", "archived", "restored")


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


def checked(envelopes: list[Any]) -> list[dict[str, Any]]:
    """Every envelope's CloudEvent, round-tripped; at least one."""
    assert envelopes
    cloud_events = [envelope.to_cloudevent() for envelope in envelopes]
    for cloud_event in cloud_events:
        assert cloud_event["portafuncprovider"] == "azure"
        assert cloud_event["id"]
        round_trip(cloud_event)
    return cloud_events


def corpus(relative: str) -> Any:
    return json.loads((PAYLOADS / relative).read_text(encoding="utf-8"))


def first(value: Any) -> dict[str, Any]:
    event: dict[str, Any] = value[0] if isinstance(value, list) else value
    return event


def grid_app(event: dict[str, Any], seen: list[Any]) -> App:
    """Functions taking ``event``: by its type, its topic and (blob events) its container."""
    app = App("grid")
    type_ = event.get("type") or event["eventType"]
    topic = (event.get("topic") or event.get("source") or "").rsplit("/", 1)[-1]

    @app.event(type=type_)
    def on_type(envelope: Event[Any]) -> None:
        seen.append(envelope)

    @app.topic(topic or "none", azure={"service": "event_grid"})
    def on_topic(envelope: Message[Any]) -> None:
        seen.append(envelope)

    subject = event.get("subject") or ""
    if "/containers/" in subject:
        container = subject.split("/containers/", 1)[1].split("/", 1)[0]

        @app.storage(container, events=ACTIONS)
        def on_blob(envelope: StorageEvent) -> None:
            seen.append(envelope)

    return app


@pytest.mark.parametrize("name", GRID)
def test_event_grid_corpus_round_trips(name: str) -> None:
    event = first(corpus(name))
    seen: list[Any] = []
    provider("azure").event_handler(grid_app(event, seen))((PAYLOADS / name).read_bytes(), {})
    cloud_events = checked(seen)
    for cloud_event in cloud_events:  # Event Grid's own attributes, whichever function
        assert cloud_event["id"] == event["id"]
        assert cloud_event["type"] == (event.get("type") or event["eventType"])
        assert cloud_event["source"] == (event.get("source") or event["topic"])


def test_a_blob_created_event_keeps_event_grids_attributes() -> None:
    name = "storage/cloudevents-schema-blob-created.json"
    event = first(corpus(name))
    seen: list[Any] = []
    provider("azure").event_handler(grid_app(event, seen))((PAYLOADS / name).read_bytes(), {})
    storage = [c for c in checked(seen) if c["data"].get("bucket") == "test-container"]
    assert len(storage) == 1
    assert storage[0]["type"] == "Microsoft.Storage.BlobCreated"
    assert (
        storage[0]["subject"]
        == "/blobServices/default/containers/test-container/blobs/new-file.txt"
    )
    assert storage[0]["source"].endswith("/storageAccounts/my-storage-account")
    assert storage[0]["data"]["key"] == "new-file.txt"


def test_an_event_grid_event_from_the_worker() -> None:
    app, seen = App("grid"), []

    @app.event(type="Contoso.Items.ItemReceived")
    def received(envelope: Event[Any]) -> None:
        seen.append(envelope)

    event = event_grid_event("Contoso.Items.ItemReceived", {"sku": "a1"}, subject="Door1")
    invoke(portafunc_azure.function_app(app), "received", event)
    (cloud_event,) = checked(seen)
    assert cloud_event["type"] == "Contoso.Items.ItemReceived"
    assert cloud_event["source"] == event.topic
    assert cloud_event["subject"] == "Door1"
    assert cloud_event["data"] == {"sku": "a1"}


@pytest.mark.parametrize("name", TIMERS)
def test_timer_corpus_round_trips(name: str) -> None:
    app, seen = App("shop"), []

    @app.schedule("*/5 * * * *")
    def tick(event: ScheduleEvent) -> None:
        seen.append(event)

    text = (PAYLOADS / "schedule" / name).read_text(encoding="utf-8")
    request = TimerRequestConverter.decode(Datum(text, "json"), trigger_metadata={})
    invoke(portafunc_azure.function_app(app), "tick", request)
    (cloud_event,) = checked(seen)
    assert cloud_event["source"] == "portafunc://azure/schedule/tick"
    assert cloud_event["type"] == "portafunc.schedule.tick"
    assert cloud_event["data"]["schedule"] == "tick"


@pytest.mark.parametrize("name", COSMOS)
def test_cosmos_corpus_round_trips(name: str) -> None:
    app, seen = App("shop"), []

    @app.changes("items")
    def on_items(change: ChangeEvent[Any]) -> None:
        seen.append(change)

    value = corpus(f"database/{name}")
    documents = CosmosDBTriggerConverter.decode(
        Datum(json.dumps(value), "string"), trigger_metadata=None
    )
    invoke(portafunc_azure.function_app(app), "on_items", documents)
    cloud_events = checked(seen)
    assert {c["source"] for c in cloud_events} == {"portafunc://azure/changes/items"}
    assert len({c["id"] for c in cloud_events}) == len(cloud_events)


def test_blob_trigger_corpus_round_trips() -> None:
    app, seen = App("shop"), []

    @app.storage("samples-workitems", azure={"service": "blob"})
    def uploads(event: StorageEvent) -> None:
        seen.append(event)

    metadata = {
        key: Datum(value, "string") if isinstance(value, str) else Datum(json.dumps(value), "json")
        for key, value in corpus(BLOB_METADATA).items()
    }
    stream = BlobConverter.decode(Datum(b"content", "bytes"), trigger_metadata=metadata)
    invoke(portafunc_azure.function_app(app), "uploads", stream)
    (cloud_event,) = checked(seen)
    assert cloud_event["type"] == "Microsoft.Storage.BlobCreated"
    assert cloud_event["source"] == "portafunc://azure/storage/samples-workitems"


def message_app(seen: list[Any]) -> App:
    app = App("shop")

    @app.queue("orders")
    def orders(msg: Message[bytes]) -> None:
        seen.append(msg)

    @app.queue("payments", azure={"service": "service_bus"})
    def payments(msg: Message[bytes]) -> None:
        seen.append(msg)

    @app.stream("telemetry")
    def telemetry(msg: Message[bytes]) -> None:
        seen.append(msg)

    return app


@pytest.mark.parametrize(
    ("function", "build", "service"),
    [
        ("orders", lambda: queue_message({"id": "a1"}, id="q-1"), "queue"),
        ("payments", lambda: service_bus_message(b"\xff\x01", message_id="sb-1"), "servicebus"),
        ("telemetry", lambda: event_hub_events(["t1", "t2"], partition_key="dev-7"), "eventhubs"),
    ],
)
def test_messages_round_trip(function: str, build: Callable[[], Any], service: str) -> None:
    seen: list[Any] = []
    invoke(portafunc_azure.function_app(message_app(seen)), function, build())
    for cloud_event in checked(seen):
        assert cloud_event["source"] == f"portafunc://azure/{service}/{function}"
        assert cloud_event["type"] == "portafunc.message"
        if service == "eventhubs":
            assert cloud_event["partitionkey"] == "dev-7"
            assert base64.b64decode(cloud_event["data_base64"]) in (b"t1", b"t2")
