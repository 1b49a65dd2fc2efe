"""``entry_points``: names, functions-framework's registry, HTTP entries and CloudEvent entries.

Entries run inside functions-framework's own Flask app (``create_app(target, source)``
with a ``main.py`` calling ``entry_points``) through its test client; CloudEvents are
sent in binary and structured mode, made with the ``cloudevents`` SDK. The source
modules are replaced by stand-ins that follow the agreed contract
(``translate(event, function) -> envelope | None``), so these tests are about the
entries alone: each source module has its own tests.
"""

import asyncio
import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, cast

import flask
import functions_framework
import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent
from flask.testing import FlaskClient
from functions_framework import _function_registry
from werkzeug.test import TestResponse

from portafunc import (
    App,
    ChangeEvent,
    Context,
    DeclarationError,
    Event,
    Message,
    PortafuncError,
    ScheduleEvent,
    StorageEvent,
    UnsupportedEvent,
)
from portafunc.app import Function
from portafunc.events import Action
from portafunc.triggers import Trigger
from portafunc_gcp import entry_points
from portafunc_gcp.entry import SOURCES, translator

Serve = Callable[[App, str], FlaskClient]
Mode = Literal["binary", "structured"]
create_app = cast("Callable[[str, str], flask.Flask]", functions_framework.create_app)

TRACE_PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
PUBSUB = "google.cloud.pubsub.topic.v1.messagePublished"
ACTIONS: dict[str, Action] = {
    "google.cloud.storage.object.v1.finalized": "created",
    "google.cloud.storage.object.v1.deleted": "deleted",
}


# -- functions-framework, and stand-in sources --------------------------------------------


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """functions-framework's process-wide registry, empty for this test and restored after."""
    registered: dict[str, str] = {}
    monkeypatch.setattr(_function_registry, "REGISTRY_MAP", registered)
    monkeypatch.setattr(_function_registry, "INPUT_TYPE_MAP", {})
    monkeypatch.setattr(_function_registry, "ASGI_FUNCTIONS", set())
    return registered


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: dict[str, str]) -> Serve:
    """``serve(app, target)``: functions-framework's test client for one entry of ``app``."""
    for name in ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "FUNCTION_SOURCE"):
        monkeypatch.delenv(name, raising=False)  # create_app sets them
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "main", raising=False)
    holder = ModuleType("gcp_entry_test_app")
    monkeypatch.setitem(sys.modules, holder.__name__, holder)
    source = tmp_path / "main.py"
    source.write_text(
        "import portafunc_gcp\n"
        f"from {holder.__name__} import app\n\n"
        "globals().update(portafunc_gcp.entry_points(app))\n",
        encoding="utf-8",
    )

    def create(app: App, target: str) -> FlaskClient:
        holder.app = app  # type: ignore[attr-defined]
        registry.clear()
        return create_app(target, str(source)).test_client()

    return create


class Sources:
    """Stand-ins for ``portafunc_gcp.sources.*``: each records its calls and builds the
    trigger's envelope from the CloudEvent. An event of type ``ignored`` is acknowledged
    (None); one of type ``bogus`` is refused (UnsupportedEvent)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, CloudEvent, Function]] = []
        for name in sorted(set(SOURCES.values())):
            module = ModuleType(f"portafunc_gcp.sources.{name}")
            module.translate = self._translator(name)  # type: ignore[attr-defined]
            monkeypatch.setitem(sys.modules, module.__name__, module)

    def _translator(self, name: str) -> Callable[[CloudEvent, Function], Any]:
        def translate(event: CloudEvent, function: Function) -> Any:
            self.calls.append((name, event, function))
            if event["type"] == "ignored":
                return None
            if event["type"] == "bogus":
                raise UnsupportedEvent("gcp", f"a CloudEvent of type {event['type']!r}")
            return _envelope(name, event, function)

        return translate


def _envelope(name: str, event: CloudEvent, function: Function) -> Any:
    common: dict[str, Any] = {"time": event["time"], "provider": "gcp", "raw": event}
    if name == "pubsub" and function.trigger.kind == "schedule":
        return ScheduleEvent(schedule=function.name, **common)
    if name == "pubsub":
        data = event.data["message"]
        return Message(id=data["messageId"], body=data["data"].encode(), **common)
    if name == "storage":
        data = event.data
        return StorageEvent(
            bucket=data["bucket"], key=data["name"], action=ACTIONS[event["type"]], **common
        )
    if name == "firestore":
        return ChangeEvent(
            table="orders", kind="insert", key={"id": "o1"}, new=event.data, **common
        )
    return Event(
        id=event["id"], source=event["source"], type=event["type"], data=event.data, **common
    )


@pytest.fixture
def sources(monkeypatch: pytest.MonkeyPatch) -> Sources:
    return Sources(monkeypatch)


def cloud_event(type: str = PUBSUB, data: Any = None, **attributes: str) -> CloudEvent:
    if data is None:
        data = {"message": {"messageId": "m-1", "data": '{"id": "o1"}'}, "subscription": "s"}
    return CloudEvent(
        {
            "id": "ce-1",
            "source": "//pubsub.googleapis.com/projects/p/topics/orders",
            "type": type,
            "time": "2024-05-01T12:00:00Z",
            "datacontenttype": "application/json",
            **attributes,
        },
        data,
    )


def post(
    client: FlaskClient, event: CloudEvent, mode: Mode = "binary", **headers: str
) -> TestResponse:
    sent, body = to_binary(event) if mode == "binary" else to_structured(event)
    return client.post("/", headers={**sent, **headers}, data=body)


# -- a shop with one function of each trigger kind ----------------------------------------


class Shop:
    def __init__(self) -> None:
        self.app = App("shop")
        self.seen: list[tuple[str, Any, Context]] = []
        app, seen = self.app, self.seen

        @app.get("/orders/{id}")
        def get_order(id: str) -> dict[str, str]:
            return {"get": id}

        @app.get("/orders/new")
        def new_order() -> str:
            return "form"

        @app.delete("/orders/{id}")
        def drop_order(id: str) -> None:
            return None

        @app.queue("orders")
        def ship(msg: Message[dict[str, str]], ctx: Context) -> None:
            if msg.data.get("id") == "boom":
                raise LookupError("boom")
            seen.append(("ship", msg, ctx))

        @app.topic("events")
        async def publish(msg: Message[dict[str, str]], ctx: Context) -> None:
            await asyncio.sleep(0)
            seen.append(("publish", msg, ctx))

        @app.stream("clicks")
        def click(msg: Message[dict[str, str]], ctx: Context) -> None:
            seen.append(("click", msg, ctx))

        @app.schedule("*/5 * * * *")
        def tick(event: ScheduleEvent, ctx: Context) -> None:
            seen.append(("tick", event, ctx))

        @app.storage("uploads", events=("created",))
        def on_upload(event: StorageEvent, ctx: Context) -> None:
            seen.append(("on_upload", event, ctx))

        @app.changes("orders")
        def audit(change: ChangeEvent[dict[str, Any]], ctx: Context) -> None:
            seen.append(("audit", change, ctx))

        @app.event(type="com.example.order.paid")
        def paid(event: Event[dict[str, Any]], ctx: Context) -> None:
            seen.append(("paid", event, ctx))


# -- names and functions-framework's registry ---------------------------------------------


def test_each_entry_is_registered_with_its_signature_type(
    registry: dict[str, str], sources: Sources
) -> None:
    entries = entry_points(Shop().app)
    assert registry == {
        "get_order": "http",
        "new_order": "http",
        "drop_order": "http",
        "ship": "cloudevent",
        "publish": "cloudevent",
        "click": "cloudevent",
        "tick": "cloudevent",
        "on_upload": "cloudevent",
        "audit": "cloudevent",
        "paid": "cloudevent",
        "shop": "http",
    }
    assert list(entries) == list(registry)
    for name, entry in entries.items():
        # --target finds the attribute by name; the registry knows it by __name__.
        assert isinstance(entry, types.FunctionType)
        assert (entry.__name__, entry.__qualname__) == (name, name)


def test_functions_framework_serves_a_cloudevent_target_as_cloudevents(
    serve: Serve, sources: Sources
) -> None:
    client = serve(Shop().app, "ship")
    assert _function_registry.get_func_signature_type("ship", "") == "cloudevent"
    assert client.get("/").status_code == 405  # a CloudEvent function takes POST only
    assert client.get("/orders/1").status_code == 405


def test_an_app_without_http_functions_has_no_app_entry(
    registry: dict[str, str], sources: Sources
) -> None:
    app = App("orders")

    @app.queue("orders")
    def orders(msg: Message[str]) -> None: ...

    assert list(entry_points(app)) == ["orders"]  # the app's name is free: no HTTP entry
    assert registry == {"orders": "cloudevent"}


def test_a_function_named_like_the_app_is_refused(registry: dict[str, str]) -> None:
    app = App("shop")

    @app.get("/")
    def shop() -> str:
        return "home"

    with pytest.raises(DeclarationError, match="named like its app") as caught:
        entry_points(app)
    assert isinstance(caught.value, PortafuncError)
    assert caught.value.where is not None
    assert "test_entry.py:" in caught.value.where
    assert caught.value.where.endswith(".shop'")
    assert registry == {}  # nothing half-registered


def test_sources_by_trigger_kind(registry: dict[str, str], sources: Sources) -> None:
    app = Shop().app
    assert {
        name: translator(function).__qualname__.split(".")[0]
        for name, function in app.functions.items()
        if function.trigger.kind != "http"
    } == dict.fromkeys(
        ("ship", "publish", "click", "tick", "on_upload", "audit", "paid"), "Sources"
    )
    assert SOURCES == {
        "queue": "pubsub",
        "topic": "pubsub",
        "stream": "pubsub",
        "schedule": "pubsub",
        "storage": "storage",
        "changes": "firestore",
        "event": "eventarc",
    }


def test_a_trigger_kind_without_a_source_is_a_declaration_error() -> None:
    class Carrier(Trigger):
        kind = "pigeon"

    app = App("odd")

    @app.queue("q")
    def fly(msg: Message[str]) -> None: ...

    odd = app.functions["fly"]
    function = Function(odd.name, Carrier(), odd.handler, odd.binding, odd.where)
    with pytest.raises(DeclarationError, match="no event source for pigeon triggers"):
        translator(function)


# -- HTTP entries ---------------------------------------------------------------------------


def test_the_app_entry_serves_every_route(serve: Serve, sources: Sources) -> None:
    client = serve(Shop().app, "shop")
    assert client.get("/orders/7").json == {"get": "7"}
    assert client.get("/orders/new").text == "form"
    assert client.delete("/orders/7").status_code == 204
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.headers["Content-Type"]) == (
        404,
        "application/problem+json",
    )
    wrong = client.post("/orders/7")
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "DELETE, GET, HEAD")


def test_an_http_entry_serves_its_own_route_only(serve: Serve, sources: Sources) -> None:
    client = serve(Shop().app, "get_order")
    assert client.get("/orders/7").json == {"get": "7"}
    assert client.head("/orders/7").status_code == 200
    other = client.get("/nowhere")
    assert other.status_code == 404
    assert json.loads(other.data)["detail"] == "no route for /nowhere"
    # DELETE /orders/7 is another function's: this deployment allows GET only.
    for method in ("DELETE", "POST"):
        wrong = client.open("/orders/7", method=method)
        assert (wrong.status_code, wrong.headers["Allow"]) == (405, "GET, HEAD")
        assert wrong.headers["Content-Type"] == "application/problem+json"
    # /orders/new fits /orders/{id}, but the static route of new_order wins, as in the app.
    claimed = client.get("/orders/new")
    assert claimed.status_code == 404
    assert json.loads(claimed.data)["detail"] == "no route for /orders/new"


def test_an_http_entry_of_a_static_route(serve: Serve, sources: Sources) -> None:
    client = serve(Shop().app, "new_order")
    assert client.get("/orders/new").text == "form"
    assert client.get("/orders/7").status_code == 404


# -- CloudEvent entries ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_a_message_reaches_its_handler(serve: Serve, sources: Sources, mode: Mode) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    response = post(client, cloud_event(traceparent=TRACE_PARENT), mode)
    assert (response.status_code, response.data) == (200, b"OK")  # functions-framework's answer
    [(source, event, function)] = sources.calls
    assert (source, function.name, event["id"]) == ("pubsub", "ship", "ce-1")
    [(name, msg, ctx)] = shop.seen
    assert (name, msg.data, msg.raw) == ("ship", {"id": "o1"}, event)
    assert (ctx.provider, ctx.function, ctx.invocation_id) == ("gcp", "ship", "ce-1")
    assert ctx.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"  # the traceparent extension
    assert ctx.native is event


def test_the_trace_id_falls_back_to_the_request_headers(serve: Serve, sources: Sources) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    trace = "105445aa7843bc8bf206b12000100000/1;o=1"
    assert (
        post(client, cloud_event(), "binary", **{"X-Cloud-Trace-Context": trace}).status_code == 200
    )
    ctx = shop.seen[0][2]
    assert ctx.trace_id == "105445aa7843bc8bf206b12000100000"


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_a_failing_handler_is_a_500(serve: Serve, sources: Sources, mode: Mode) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    data = {"message": {"messageId": "m-2", "data": '{"id": "boom"}'}, "subscription": "s"}
    response = post(client, cloud_event(data=data), mode)
    assert response.status_code == 500  # Pub/Sub redelivers it
    assert b"boom" not in response.data
    assert shop.seen == []


def test_invalid_data_is_a_500(serve: Serve, sources: Sources) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    data = {"message": {"messageId": "m-3", "data": "[1, 2]"}, "subscription": "s"}
    assert post(client, cloud_event(data=data)).status_code == 500
    assert shop.seen == []


def test_an_unrecognised_event_is_a_500(serve: Serve, sources: Sources) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    assert post(client, cloud_event(type="bogus")).status_code == 500
    assert shop.seen == []


def test_an_event_the_source_acknowledges_never_reaches_the_handler(
    serve: Serve, sources: Sources
) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    assert post(client, cloud_event(type="ignored")).status_code == 200
    assert len(sources.calls) == 1
    assert shop.seen == []


def test_an_async_handler_runs(serve: Serve, sources: Sources) -> None:
    shop = Shop()
    client = serve(shop.app, "publish")
    assert post(client, cloud_event(), "structured").status_code == 200
    assert [name for name, _, _ in shop.seen] == ["publish"]


@pytest.mark.parametrize(
    ("target", "event", "source"),
    [
        ("click", cloud_event(), "pubsub"),
        ("tick", cloud_event(), "pubsub"),
        (
            "on_upload",
            cloud_event(
                "google.cloud.storage.object.v1.finalized", {"bucket": "uploads", "name": "a.txt"}
            ),
            "storage",
        ),
        (
            "audit",
            cloud_event("google.cloud.firestore.document.v1.written", {"value": {}}),
            "firestore",
        ),
        ("paid", cloud_event("com.example.order.paid", {"amount": 3}), "eventarc"),
    ],
)
def test_each_trigger_kind_goes_through_its_source(
    serve: Serve, sources: Sources, target: str, event: CloudEvent, source: str
) -> None:
    shop = Shop()
    client = serve(shop.app, target)
    assert post(client, event).status_code == 200
    assert [(name, function.name) for name, _, function in sources.calls] == [(source, target)]
    [(name, envelope, ctx)] = shop.seen
    assert (name, envelope.raw["id"], ctx.function) == (target, "ce-1", target)


def test_what_the_trigger_does_not_take_is_acknowledged(serve: Serve, sources: Sources) -> None:
    shop = Shop()
    deleted = cloud_event(
        "google.cloud.storage.object.v1.deleted", {"bucket": "uploads", "name": "a.txt"}
    )
    assert post(serve(shop.app, "on_upload"), deleted).status_code == 200
    other = cloud_event("com.example.order.refunded", {"amount": 3})
    assert post(serve(shop.app, "paid"), other).status_code == 200
    assert len(sources.calls) == 2
    assert shop.seen == []


def test_a_legacy_event_arrives_as_a_cloudevent(serve: Serve, sources: Sources) -> None:
    shop = Shop()
    client = serve(shop.app, "ship")
    legacy = {
        "context": {
            "eventId": "1215011316659232",
            "timestamp": "2020-05-18T12:13:19.209Z",
            "eventType": "google.pubsub.topic.publish",
            "resource": {
                "service": "pubsub.googleapis.com",
                "name": "projects/sample-project/topics/gcf-test",
                "type": "type.googleapis.com/google.pubsub.v1.PubsubMessage",
            },
        },
        "data": {"data": '{"id": "legacy"}'},
    }
    assert client.post("/", json=legacy).status_code == 200
    [(_, event, _)] = sources.calls
    assert (event["type"], event["id"]) == (PUBSUB, "1215011316659232")
    assert shop.seen[0][1].data == {"id": "legacy"}
