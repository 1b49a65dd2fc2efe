"""``serve --provider azure``'s ``POST /_portafunc/events`` (portafunc_azure.cli.events):
Event Grid events from the corpus (tests/payloads/azure, see its SOURCES.md) delivered
to the functions whose Event Grid subscription takes them."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, Event, Message, StorageEvent
from portafunc.providers import provider

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "azure"
Handler = Callable[[bytes, dict[str, str]], tuple[int, Any]]


def corpus(relative: str) -> bytes:
    return (PAYLOADS / relative).read_bytes()


class Grid:
    """An app with every kind of Event Grid function, recording what each receives."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.app = app = App("grid")
        seen = self.seen

        @app.event(type="recordInserted")
        def inserted(event: Event[dict[str, Any]]) -> None:
            seen.append(("inserted", event))

        @app.event(type="recordInserted", name="also_inserted")
        def also(event: Event[dict[str, Any]]) -> None:
            if event.subject == "/fail":
                raise RuntimeError("cannot insert")
            seen.append(("also_inserted", event))

        @app.topic("myeventgridtopic", azure={"service": "event_grid"})
        def on_topic(msg: Message[dict[str, Any]]) -> None:
            seen.append(("on_topic", msg))

        @app.storage("testcontainer", events=("created", "deleted"), suffix=".txt")
        def on_blob(event: StorageEvent) -> None:
            seen.append(("on_blob", event))

        @app.storage("test-container", events=("deleted",))
        def on_delete(event: StorageEvent) -> None:
            seen.append(("on_delete", event))

    def handler(self) -> Handler:
        return provider("azure").event_handler(self.app)


@pytest.fixture
def grid() -> Grid:
    return Grid()


def test_a_custom_topic_event_reaches_its_type_and_its_topic(grid: Grid) -> None:
    status, results = grid.handler()(
        corpus("event/eventgrid-schema-custom-topic-event-docs.json"), {}
    )
    assert status == 200
    assert [(r["function"], r["ok"]) for r in results] == [
        ("inserted", True),
        ("also_inserted", True),
        ("on_topic", True),
    ]
    assert [name for name, _ in grid.seen] == ["inserted", "also_inserted", "on_topic"]
    assert grid.seen[2][1].source == "myeventgridtopic"


@pytest.mark.parametrize(
    ("relative", "functions"),
    [
        # test-container: only on_delete subscribes to it, and to deletions only
        ("storage/eventgrid-schema-blob-created.json", []),
        ("storage/cloudevents-schema-blob-created.json", []),
        # testcontainer/file-to-delete.txt: on_blob's container and suffix
        ("storage/cloudevents-schema-blob-deleted.json", ["on_blob"]),
        ("storage/eventgrid-schema-blob-deleted.json", ["on_blob"]),
        # testcontainer/Auto.jpg: neither the suffix nor an included event type
        ("storage/eventgrid-schema-blob-tier-changed-single-object.json", []),
    ],
)
def test_blob_events_follow_the_subscription_filters(
    grid: Grid, relative: str, functions: list[str]
) -> None:
    status, results = grid.handler()(corpus(relative), {})
    if not functions:
        assert status == 404
        assert results["error"] == "NoSuchFunction"
        return
    assert status == 200
    assert [r["function"] for r in results] == functions
    assert [name for name, _ in grid.seen] == functions


def test_a_deletion_in_the_other_container(grid: Grid) -> None:
    event = json.loads(corpus("storage/eventgrid-schema-blob-created.json"))[0]
    body = json.dumps({**event, "eventType": "Microsoft.Storage.BlobDeleted"}).encode()
    status, results = grid.handler()(body, {})
    assert (status, [r["function"] for r in results]) == (200, ["on_delete"])
    event = grid.seen[0][1]
    assert (event.bucket, event.key, event.action) == ("test-container", "new-file.txt", "deleted")


def test_a_failed_delivery_is_500_with_every_result(grid: Grid) -> None:
    event = json.loads(corpus("event/eventgrid-schema-custom-topic-event-docs.json"))[0]
    body = json.dumps({**event, "subject": "/fail"}).encode()
    status, result = grid.handler()(body, {})
    assert status == 500
    assert (result["error"], result["message"]) == ("RuntimeError", "cannot insert")
    assert [(r["function"], r["ok"]) for r in result["results"]] == [
        ("inserted", True),
        ("also_inserted", False),
        ("on_topic", True),
    ]


def test_a_binary_mode_cloud_event(grid: Grid) -> None:
    headers = {
        "Ce-Specversion": "1.0",
        "Ce-Type": "recordInserted",
        "Ce-Id": "e1",
        "Ce-Source": "/apps/shop",
        "Content-Type": "application/json",
    }
    status, results = grid.handler()(b'{"make": "Ducati"}', headers)
    assert status == 200
    assert [r["function"] for r in results] == ["inserted", "also_inserted"]
    event = grid.seen[0][1]
    assert (event.id, event.source, event.data) == ("e1", "/apps/shop", {"make": "Ducati"})


def test_the_subscription_handshake_is_answered(grid: Grid) -> None:
    status, result = grid.handler()(
        corpus("other/eventgrid-subscription-validation-event.json"), {}
    )
    assert status == 200
    assert result == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    assert grid.seen == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"id": "x"}',
        b"[]",
        corpus("database/cosmosdb-trigger-documents-batch-python-library-test.json"),
        b'{"eventType": "recordInserted"}',  # no id
    ],
)
def test_what_is_not_event_grid_events_is_400(grid: Grid, body: bytes) -> None:
    status, result = grid.handler()(body, {})
    assert status == 400
    assert result["error"] == "UnsupportedEvent"
    assert grid.seen == []


def test_an_event_no_function_subscribes_to_is_404(grid: Grid) -> None:
    status, result = grid.handler()(
        corpus("event/cloudevents-schema-iothub-device-connected.json"), {}
    )
    assert status == 404
    assert "Microsoft.Devices.DeviceConnected" in result["message"]
