"""Event Grid trigger → ``event``, ``topic`` and ``storage`` functions
(portafunc_azure.triggers.event_grid).

Payloads: tests/payloads/azure/event/*.json and storage/*.json (Event Grid and
CloudEvents schemas, from the Azure docs, azure-sdk-for-python samples and
azure-functions-python-library tests; see SOURCES.md), and the subscription
validation event in other/. Event Grid sends an array; the host invokes the function
once per element, and the worker passes the element's JSON to the wrapper's ``str``
parameter (its generic binding). The same events decoded by azure.functions'
``EventGridEventInConverter`` must give the same envelopes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.meta import Datum
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from portafunc import App, Event, InvalidPayload, Message, StorageEvent
from portafunc.errors import PortafuncError, UnsupportedEvent
from portafunc.triggers import ACTIONS
from portafunc_azure.triggers import event_grid

Payload = Callable[[str], Any]
Golden = Callable[[str, Any], None]
AsJSON = Callable[[Any], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "azure"
EVENTS = sorted(path.stem for path in (PAYLOADS / "event").glob("*.json"))
#: Blob event payloads and the container their subject names.
BLOB_EVENTS = {
    "cloudevents-schema-adls-gen2-file-created": "my-file-system",
    "cloudevents-schema-blob-created": "test-container",
    "cloudevents-schema-blob-created-sdk-sample": "{storage-container}",
    "cloudevents-schema-blob-deleted": "testcontainer",
    "eventgrid-schema-blob-created": "test-container",
    "eventgrid-schema-blob-created-sdk-sample": "oc2d2817345i200097container",
    "eventgrid-schema-blob-deleted": "testcontainer",
    "eventgrid-schema-blob-tier-changed-single-object": "testcontainer",
}
CUSTOM_TOPIC = "event/eventgrid-schema-custom-topic-event-docs.json"
VALIDATION = "other/eventgrid-subscription-validation-event.json"
BLOB_CREATED = "storage/eventgrid-schema-blob-created.json"


class Vehicle(BaseModel):
    make: str
    model: str


@dataclass
class TraceContext:
    trace_parent: str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass
class AzureContext:
    """The fields of ``azure.functions.Context`` portafunc reads."""

    invocation_id: str = "5b4f3f0e-8a39-4f49-9f7e-6e9d1e8d2a10"
    function_name: str = "on_event"
    trace_context: TraceContext = field(default_factory=TraceContext)


def registered(function_app: func.FunctionApp, name: str) -> AzureFunction:
    """The Azure function named ``name`` (without ``get_functions()``: it is not idempotent)."""
    for builder in function_app._function_builders:
        if builder._function.get_function_name() == name:
            return builder.build()
    raise LookupError(name)


def described(function: AzureFunction) -> dict[str, Any]:
    """What the host learns of a function: its name, bindings and retry policy."""
    return {
        "name": function.get_function_name(),
        **json.loads(function.get_function_json()),
        "retry": function.get_settings_dict("retry_policy"),
    }


def call(function_app: func.FunctionApp, name: str, event: Any) -> None:
    """Call the wrapper as the worker does: the ``event`` binding and ``context``."""
    wrapper = registered(function_app, name).get_user_function()
    result = wrapper(event=event, context=AzureContext())
    if inspect.iscoroutine(result):
        asyncio.run(result)


def element(payload: Payload, name: str) -> dict[str, Any]:
    """The one event of a corpus payload (Event Grid sends arrays; some samples are bare)."""
    value = payload(name)
    events = value if isinstance(value, list) else [value]
    assert len(events) == 1
    event: dict[str, Any] = events[0]
    return event


def type_of(event: dict[str, Any]) -> str:
    """The type of an event of either schema."""
    return str(event["type"] if "specversion" in event else event["eventType"])


def converted(event: dict[str, Any]) -> Any:
    """The event as azure.functions' EventGridEventInConverter decodes it."""
    return EventGridEventInConverter.decode(Datum(json.dumps(event), "json"), trigger_metadata=None)


def recording_app(
    declare: Callable[[App], Callable[[Callable[..., Any]], Any]],
    register: Callable[..., None],
    annotation: Any = None,
) -> tuple[func.FunctionApp, list[Any]]:
    """A FunctionApp with one function ``on_event`` recording what it receives."""
    app = App("shop")
    seen: list[Any] = []

    def on_event(envelope: Any) -> None:
        seen.append(envelope)

    on_event.__annotations__["envelope"] = annotation
    declare(app)(on_event)
    function_app = func.FunctionApp()
    register(function_app, app, app.function("on_event"), {})
    return function_app, seen


def event_app(event_type: str, annotation: Any = Event[Any]) -> tuple[func.FunctionApp, list[Any]]:
    declare = lambda app: app.event(type=event_type)  # noqa: E731
    return recording_app(declare, event_grid.register_event, annotation)


def topic_app() -> tuple[func.FunctionApp, list[Any]]:
    return recording_app(lambda app: app.topic("orders"), event_grid.register_topic, Message[Any])


def storage_app(bucket: str, **options: Any) -> tuple[func.FunctionApp, list[Any]]:
    declare = lambda app: app.storage(bucket, **options)  # noqa: E731
    return recording_app(declare, event_grid.register_storage, StorageEvent)


# -- what the host and the worker see --------------------------------------------------


@pytest.mark.parametrize("kind", ["event", "topic", "storage"])
def test_function_json(kind: str, golden: Golden) -> None:
    apps: dict[str, Callable[[], tuple[func.FunctionApp, list[Any]]]] = {
        "event": lambda: event_app("recordInserted"),
        "topic": topic_app,
        "storage": lambda: storage_app("uploads"),
    }
    function_app, _ = apps[kind]()
    golden(f"function_json/event_grid_{kind}", described(registered(function_app, "on_event")))


@pytest.mark.parametrize("is_async", [False, True])
def test_the_worker_passes_the_json_to_the_str_parameter(is_async: bool, payload: Payload) -> None:
    functions = pytest.importorskip("azure_functions_runtime.functions")
    meta = pytest.importorskip("azure_functions_runtime.bindings.meta")
    generic = pytest.importorskip("azure_functions_runtime.bindings.generic")
    meta.load_binding_registry()
    app = App("shop")

    async def on_event_async(event: Event[Any]) -> None: ...

    def on_event(event: Event[Any]) -> None: ...

    handler = on_event_async if is_async else on_event
    app.event(type="recordInserted")(handler)
    function_app = func.FunctionApp()
    event_grid.register_event(function_app, app, app.function(handler.__name__), {})
    protos = SimpleNamespace(BindingInfo=SimpleNamespace(out=1, inout=2, undefined=None))
    function = registered(function_app, handler.__name__)
    info = functions.Registry().add_indexed_function(function, protos)
    assert {name: t.binding_name for name, t in info.input_types.items()} == {"event": "generic"}
    assert (info.requires_context, info.is_async) == (True, is_async)
    text = json.dumps(element(payload, CUSTOM_TOPIC))
    assert generic.GenericBinding.decode(Datum(text, "json"), trigger_metadata=None) == text


# -- event functions ---------------------------------------------------------------------


@pytest.mark.parametrize("name", EVENTS)
def test_event_golden(name: str, payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    event = element(payload, f"event/{name}.json")
    event_type = type_of(event)
    function_app, seen = event_app(event_type)
    call(function_app, "on_event", json.dumps(event))
    (delivered,) = seen
    assert delivered.raw == event
    golden(f"event_grid/event-{name}", as_json(delivered))


@pytest.mark.parametrize(
    "name", [*(f"event/{n}.json" for n in EVENTS), *(f"storage/{n}.json" for n in BLOB_EVENTS)]
)
def test_the_converters_objects_give_the_same_envelopes(
    name: str, payload: Payload, as_json: AsJSON
) -> None:
    event = element(payload, name)
    function_app, seen = event_app(type_of(event))
    obj = converted(event)
    call(function_app, "on_event", json.dumps(event))
    call(function_app, "on_event", obj)
    from_json, from_object = seen
    assert from_object.raw is obj
    assert as_json(from_object) == as_json(from_json)


def test_events_of_other_types_are_acknowledged_unseen(payload: Payload) -> None:
    function_app, seen = event_app("Contoso.Items.ItemReceived")
    for name in EVENTS:
        event = element(payload, f"event/{name}.json")
        call(function_app, "on_event", json.dumps(event))
    (delivered,) = seen
    assert delivered.type == "Contoso.Items.ItemReceived"


@pytest.mark.parametrize("register", ["event", "topic", "storage"])
def test_the_subscription_validation_event_is_acknowledged_unseen(
    register: str, payload: Payload
) -> None:
    validation = element(payload, VALIDATION)
    apps: dict[str, Callable[[], tuple[func.FunctionApp, list[Any]]]] = {
        "event": lambda: event_app(validation["eventType"]),
        "topic": topic_app,
        "storage": lambda: storage_app("uploads", events=ACTIONS),
    }
    function_app, seen = apps[register]()
    call(function_app, "on_event", json.dumps(validation))
    assert seen == []


def test_data_is_validated_into_the_declared_type(payload: Payload) -> None:
    event = element(payload, CUSTOM_TOPIC)
    function_app, seen = event_app("recordInserted", Event[Vehicle])
    call(function_app, "on_event", json.dumps(event))
    assert seen[0].data == Vehicle(make="Ducati", model="Monster")


def test_invalid_data_raises_invalid_payload(payload: Payload) -> None:
    event = element(payload, CUSTOM_TOPIC)
    function_app, seen = event_app("recordInserted", Event[Vehicle])
    with pytest.raises(InvalidPayload):
        call(function_app, "on_event", json.dumps({**event, "data": {"make": "Ducati"}}))
    assert seen == []


def test_cloud_event_data_base64_is_the_body(payload: Payload) -> None:
    event = element(payload, "event/cloudevents-schema-iothub-device-connected.json")
    del event["data"]
    event["data_base64"] = base64.b64encode(b"\x00\x01binary").decode()
    function_app, seen = event_app(event["type"], Event[bytes])
    call(function_app, "on_event", json.dumps(event))
    assert seen[0].data == b"\x00\x01binary"


def test_async_handler(payload: Payload) -> None:
    app = App("shop")
    seen: list[str] = []

    @app.event(type="recordInserted")
    async def on_event(event: Event[Vehicle]) -> None:
        await asyncio.sleep(0)
        seen.append(event.data.make)

    function_app = func.FunctionApp()
    event_grid.register_event(function_app, app, app.function("on_event"), {})
    assert inspect.iscoroutinefunction(registered(function_app, "on_event").get_user_function())
    call(function_app, "on_event", json.dumps(element(payload, CUSTOM_TOPIC)))
    assert seen == ["Ducati"]


def test_a_failure_raises_for_event_grid_to_retry(payload: Payload) -> None:
    app = App("shop")

    @app.event(type="recordInserted")
    def on_event(event: Event[Any]) -> None:
        raise RuntimeError("database down")

    function_app = func.FunctionApp()
    event_grid.register_event(function_app, app, app.function("on_event"), {})
    with pytest.raises(RuntimeError, match="database down"):
        call(function_app, "on_event", json.dumps(element(payload, CUSTOM_TOPIC)))


def _mutations(event: dict[str, Any]) -> list[Any]:
    return [
        "not json",
        json.dumps([event]),
        json.dumps({k: v for k, v in event.items() if k != "id"}),
        json.dumps({k: v for k, v in event.items() if k != "eventType"}),
        json.dumps({**event, "id": 7}),
        json.dumps({**event, "eventTime": 1498502460}),
        json.dumps({**event, "subject": ["x"]}),
        None,
        func.QueueMessage(body=b"{}"),
        # JSON nested too deep to decode: RecursionError escaped.
        '{"a":' + "[" * 50_000 + "]" * 50_000 + "}",
    ]


def test_what_is_not_an_event_is_unsupported(payload: Payload) -> None:
    event = element(payload, CUSTOM_TOPIC)
    for register in (event_app("recordInserted"), topic_app()):
        function_app, seen = register
        for value in _mutations(event):
            with pytest.raises(UnsupportedEvent):
                call(function_app, "on_event", value)
        assert seen == []


# -- topic functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["eventgrid-schema-custom-topic-event-docs", "eventgrid-schema-custom-event-sdk-sample"]
)
def test_topic_golden(name: str, payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    function_app, seen = topic_app()
    call(function_app, "on_event", json.dumps(element(payload, f"event/{name}.json")))
    golden(f"event_grid/topic-{name}", as_json(seen[0]))


def test_topic_message_data(payload: Payload) -> None:
    app = App("shop")
    seen: list[Vehicle] = []

    @app.topic("vehicles")
    def on_event(msg: Message[Vehicle]) -> None:
        seen.append(msg.data)

    function_app = func.FunctionApp()
    event_grid.register_topic(function_app, app, app.function("on_event"), {})
    call(function_app, "on_event", json.dumps(element(payload, CUSTOM_TOPIC)))
    assert seen == [Vehicle(make="Ducati", model="Monster")]


# -- storage functions -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BLOB_EVENTS))
def test_storage_golden(name: str, payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    function_app, seen = storage_app(BLOB_EVENTS[name], events=ACTIONS)
    event = element(payload, f"storage/{name}.json")
    call(function_app, "on_event", json.dumps(event))
    (delivered,) = seen
    assert delivered.raw == event
    golden(f"event_grid/storage-{name}", as_json(delivered))


@pytest.mark.parametrize(
    ("tiers", "action"),
    [
        ({"accessTier": "Archive", "previousTier": "Hot"}, "archived"),
        ({"accessTier": "Cool", "previousTier": "Hot"}, "archived"),
        ({"accessTier": "Cold"}, "archived"),
        ({"accessTier": "Hot", "previousTier": "Archive"}, "restored"),
        ({"accessTier": "Cool", "previousTier": "Archive"}, "restored"),
        ({"accessTier": "Hot", "previousTier": "Cool"}, None),
        ({}, "archived"),
    ],
)
def test_tier_changes(tiers: dict[str, str], action: str | None, payload: Payload) -> None:
    event = element(payload, "storage/eventgrid-schema-blob-tier-changed-single-object.json")
    event = {**event, "data": {**event["data"], **tiers}}
    function_app, seen = storage_app("testcontainer", events=ACTIONS)
    call(function_app, "on_event", json.dumps(event))
    assert [e.action for e in seen] == ([] if action is None else [action])


def test_undeclared_actions_are_acknowledged_unseen(payload: Payload) -> None:
    function_app, seen = storage_app("testcontainer")  # events=("created",)
    for name in ("blob-deleted", "blob-tier-changed-single-object"):
        event = element(payload, f"storage/eventgrid-schema-{name}.json")
        call(function_app, "on_event", json.dumps(event))
    assert seen == []


def test_other_containers_are_acknowledged_and_logged(
    payload: Payload, caplog: pytest.LogCaptureFixture
) -> None:
    function_app, seen = storage_app("uploads")
    with caplog.at_level(logging.DEBUG, logger="portafunc.azure"):
        call(function_app, "on_event", json.dumps(element(payload, BLOB_CREATED)))
    assert seen == []
    assert "'test-container', not 'uploads'" in caplog.text


def test_events_that_are_not_blob_events_are_acknowledged_unseen(payload: Payload) -> None:
    function_app, seen = storage_app("testcontainer", events=ACTIONS)
    for name in EVENTS:
        call(function_app, "on_event", json.dumps(element(payload, f"event/{name}.json")))
    renamed = {**element(payload, BLOB_CREATED), "eventType": "Microsoft.Storage.BlobRenamed"}
    call(function_app, "on_event", json.dumps(renamed))
    assert seen == []


@pytest.mark.parametrize(
    ("subject", "url", "bucket", "key"),
    [
        (
            "/blobServices/default/containers/photos/blobs/2024/a%20b%2Bc+d.png",
            None,
            "photos",
            "2024/a b+c+d.png",
        ),
        ("/blobServices/default/containers/photos/blobs/été/x.png", None, "photos", "été/x.png"),
        (None, "https://acct.blob.core.windows.net/photos/a/my%20b.txt", "photos", "a/my b.txt"),
        (
            "/not/a/blob/subject",
            "https://acct.dfs.core.windows.net/photos/f.txt",
            "photos",
            "f.txt",
        ),
    ],
)
def test_bucket_and_key(
    subject: str | None, url: str | None, bucket: str, key: str, payload: Payload
) -> None:
    event = copy.deepcopy(element(payload, BLOB_CREATED))
    event["subject"] = subject
    event["data"]["url"] = url
    function_app, seen = storage_app(bucket)
    call(function_app, "on_event", json.dumps(event))
    assert [(e.bucket, e.key) for e in seen] == [(bucket, key)]


def test_prefix_and_suffix_filter(payload: Payload) -> None:
    event = json.dumps(element(payload, BLOB_CREATED))
    for options, calls in (({"suffix": ".png"}, 0), ({"prefix": "new-"}, 1), ({"prefix": "x"}, 0)):
        function_app, seen = storage_app("test-container", **options)
        call(function_app, "on_event", event)
        assert len(seen) == calls, options


@pytest.mark.parametrize(
    "change",
    [
        {"subject": None, "data": {"api": "PutBlob"}},
        {"data": None},
        {"data": {"url": "https://acct.blob.core.windows.net/photos/x", "contentLength": "12"}},
        {"data": {"url": "https://acct.blob.core.windows.net/photos/x", "eTag": 7}},
    ],
)
def test_malformed_blob_events_are_unsupported(change: dict[str, Any], payload: Payload) -> None:
    event = {**element(payload, BLOB_CREATED), "subject": None, **change}
    function_app, seen = storage_app("photos")
    with pytest.raises(UnsupportedEvent):
        call(function_app, "on_event", json.dumps(event))
    assert seen == []


# -- mutated payloads --------------------------------------------------------------------


def _corpus() -> list[dict[str, Any]]:
    paths = [
        *(PAYLOADS / "event").glob("*.json"),
        *(PAYLOADS / "storage" / f"{name}.json" for name in BLOB_EVENTS),
        PAYLOADS / VALIDATION,
    ]
    loaded = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(paths)]
    return [value[0] if isinstance(value, list) else value for value in loaded]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=4,
)
DELETE = object()


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_events_fail_only_with_portafunc_errors(data: st.DataObject) -> None:
    """Whatever a field holds, a delivery is made, acknowledged or refused with a
    PortafuncError; nothing else escapes a wrapper."""
    event = copy.deepcopy(data.draw(st.sampled_from(_corpus())))
    event_type = type_of(event)
    inner = isinstance(event.get("data"), dict) and event["data"] and data.draw(st.booleans())
    target = event["data"] if inner else event
    key = data.draw(st.sampled_from(sorted(target)))
    value = data.draw(JSON_VALUES | st.just(DELETE))
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    container = str(event.get("subject", "")).split("/containers/")[-1].partition("/")[0]
    for function_app, _ in (
        event_app(event_type),
        topic_app(),
        storage_app(container or "testcontainer", events=ACTIONS),
    ):
        with contextlib.suppress(PortafuncError):
            call(function_app, "on_event", json.dumps(event))
