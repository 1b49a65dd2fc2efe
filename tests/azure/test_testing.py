"""portafunc_azure.testing: each builder gives what the worker would give, and invoke
calls a function as the worker does.

"What the worker would give" is checked against the corpus: each corpus payload is
turned into ``meta.Datum`` values as the worker turns the host's gRPC data into them,
decoded by azure.functions' own converter, and the builder's object must be of the
same class and fill every attribute that payload fills, with the same type.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from typing import Any

import azure.functions as func
import pytest
from azure.functions import meta
from azure.functions.blob import BlobConverter
from azure.functions.cosmosdb import CosmosDBTriggerConverter
from azure.functions.eventgrid import EventGridEventInConverter
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.http import HttpRequestConverter
from azure.functions.queue import QueueMessageInConverter
from azure.functions.timer import TimerRequestConverter

from portafunc import NoSuchFunction, PortafuncError
from portafunc_azure.testing import (
    AzureContext,
    azure_function,
    blob_created,
    blob_stream,
    cloud_event,
    cosmos_documents,
    event_grid_event,
    event_hub_events,
    http_request,
    invoke,
    invoke_async,
    queue_message,
    service_bus_message,
    timer_request,
)

Load = Callable[[str], Any]
NoneType = type(None)


def shape(obj: Any) -> dict[str, type]:
    """The type of each public property of ``obj`` and of ``get_body()`` / ``get_json()``."""
    cls = type(obj)
    names = [n for n in dir(cls) if not n.startswith("_") and isinstance(getattr(cls, n), property)]
    getters: dict[str, Callable[[], Any]] = {name: partial(getattr, obj, name) for name in names}
    getters |= {m: getattr(obj, m) for m in ("get_body", "get_json") if hasattr(obj, m)}
    result: dict[str, type] = {}
    for name, get in getters.items():
        try:
            result[name] = type(get())
        except (NotImplementedError, ValueError):  # force_persistence; a body that is not JSON
            continue
    return result


def assert_like(built: Any, reference: Any, *, differ: tuple[str, ...] = ()) -> None:
    """``built`` is of ``reference``'s class and fills what it fills, with the same types."""
    assert type(built) is type(reference)
    mine = shape(built)
    for name, kind in shape(reference).items():
        if kind is not NoneType and name not in differ:
            assert mine[name] is kind, f"{name}: {mine[name].__name__}, expected {kind.__name__}"


def first(data: Any) -> Any:
    """The first event of a corpus file holding an array of events (Event Grid posts arrays)."""
    return data[0] if isinstance(data, list) else data


def typed(name: str, value: Any) -> meta.Datum:
    """A trigger metadata value as the host types it: strings, integers, JSON for the rest
    (DateTimes included)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or name.endswith("Time"):
        return meta.Datum(json.dumps(value), "json")
    return meta.Datum(value, "string" if isinstance(value, str) else "int")


# -- HTTP ---------------------------------------------------------------------------------


def corpus_request(payload: Load) -> func.HttpRequest:
    """The custom-handler HTTP request of the corpus, as the worker's RpcHttp datum."""
    req = payload("other/custom-handler-http-trigger-request.json")["Data"]["req"]

    def string(value: str) -> meta.Datum:
        return meta.Datum(value, "string")

    rpc_http = {
        "method": string(req["Method"]),
        "url": string(req["Url"]),
        "headers": {k: string(",".join(v)) for k, v in req["Headers"].items()},
        "body": meta.Datum(req["Body"].encode(), "bytes"),
        "params": {k: string(v) for k, v in req["Params"].items()},
        "query": {k: string(v) for k, v in json.loads(req["Query"]).items()},
    }
    request: func.HttpRequest = HttpRequestConverter.decode(
        meta.Datum(rpc_http, "http"), trigger_metadata=None
    )
    return request


def test_http_request_is_what_the_worker_builds(payload: Load) -> None:
    reference = corpus_request(payload)
    built = http_request("POST", "/order", json={"id": 1005, "quantity": 2})
    assert_like(built, reference)
    assert built.url.partition("/api/")[2] == reference.url.partition("/api/")[2] == "order"
    assert built.headers["content-type"] == reference.headers["content-type"]
    assert built.get_json() == {"id": 1005, "quantity": 2}


def test_http_request_url_query_headers_and_route_params() -> None:
    request = http_request(
        "get",
        "/files/a%20b?tag=x",
        query=[("tag", "y"), ("q", "a b")],
        headers={"Accept": ["text/html", "application/json"], "X-Trace": "1"},
        route_params={"path": "a b"},
    )
    assert request.method == "GET"
    url = "https://my-function-app.azurewebsites.net/api/files/a%20b?tag=x&tag=y&q=a+b"
    assert request.url == url
    assert dict(request.params) == {"tag": "x,y", "q": "a b"}  # the host comma-joins
    assert request.headers["accept"] == "text/html,application/json"
    assert request.headers["x-trace"] == "1"
    assert request.headers["host"] == "my-function-app.azurewebsites.net"
    assert re.fullmatch(r"203\.0\.113\.10:\d+", request.headers["x-forwarded-for"])
    assert dict(request.route_params) == {"path": "a b"}
    assert request.get_body() == b""
    assert "content-length" not in request.headers


def test_http_request_bodies_and_route_prefix() -> None:
    text = http_request("POST", "/notes", body="héllo", route_prefix="")
    assert text.url == "https://my-function-app.azurewebsites.net/notes"
    assert (text.get_body(), text.headers["content-length"]) == ("héllo".encode(), "6")
    raw = http_request("PUT", "blobs", body=b"\x00\xff", route_prefix="/v1/")
    assert (raw.url.rpartition("/v1/")[2], raw.get_body()) == ("blobs", b"\x00\xff")
    typed_json = http_request("POST", "/x", json=None, headers={"Content-Type": "text/json"})
    assert (typed_json.get_body(), typed_json.headers["content-type"]) == (b"null", "text/json")


# -- Storage Queue, Service Bus, Event Hubs ------------------------------------------------


def test_queue_message_is_what_the_worker_builds(payload: Load) -> None:
    sent = payload("other/custom-handler-queue-trigger-request.json")
    metadata = {k: typed(k, v) for k, v in sent["Metadata"].items() if k != "sys"}
    body = meta.Datum(sent["Data"]["myQueueItem"], "string")
    reference = QueueMessageInConverter.decode(body, trigger_metadata=metadata)
    built = queue_message('{ message: "Message sent" }', dequeue_count=3)
    assert_like(built, reference)
    assert built.get_body() == reference.get_body()
    assert built.dequeue_count == 3
    inserted, expires = built.insertion_time, built.expiration_time
    assert isinstance(inserted, datetime)
    assert isinstance(expires, datetime)
    assert inserted.tzinfo is timezone.utc
    assert (expires - inserted).days == 7


def test_queue_message_bodies_and_ids() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 7, tzinfo=timezone.utc)
    message = queue_message({"id": "a1"}, id="m-1", insertion_time=moment)
    assert (message.id, message.get_body(), message.insertion_time) == (
        "m-1",
        b'{"id":"a1"}',
        moment,
    )
    assert queue_message(b"\x01").get_body() == b"\x01"


def test_service_bus_message() -> None:
    message = service_bus_message(
        {"id": "a1"},
        message_id="m-1",
        delivery_count=2,
        application_properties={"tenant": "acme", "priority": 3},
        session_id="s-1",
        content_type="application/json",
        correlation_id="c-1",
        subject="orders",
    )
    assert isinstance(message, func.ServiceBusMessage)
    assert (message.message_id, message.delivery_count) == ("m-1", 2)
    assert message.get_body() == b'{"id":"a1"}'
    assert message.application_properties == {"tenant": "acme", "priority": 3}
    assert message.user_properties == message.application_properties
    assert (message.session_id, message.content_type, message.correlation_id) == (
        "s-1",
        "application/json",
        "c-1",
    )
    assert message.subject == message.label == "orders"
    for moment in (message.enqueued_time_utc, message.expires_at_utc, message.locked_until):
        assert isinstance(moment, datetime)
        assert moment.tzinfo is timezone.utc
    assert isinstance(message.sequence_number, int)
    assert isinstance(message.lock_token, str)
    assert message.metadata is not None
    assert message.metadata["MessageId"] == "m-1"
    plain = service_bus_message("text")
    assert (plain.get_body(), plain.session_id, plain.delivery_count) == (b"text", None, 1)


def test_event_hub_events_are_what_the_worker_builds(payload: Load) -> None:
    sent = payload("stream/eventhub-trigger-metadata-python-library-test.json")
    metadata = {k: typed(k, v) for k, v in sent.items()}
    reference = EventHubTriggerConverter.decode(
        meta.Datum(b"body_bytes", "bytes"), trigger_metadata=metadata
    )
    when = datetime(2020, 7, 14, 1, 27, 55, 627000, tzinfo=timezone.utc)
    built = event_hub_events(
        [b"body_bytes", "two", {"n": 3}], partition_key="pk", enqueued_time=when
    )
    # The converter itself makes ``offset`` a str for one event and an int in a batch.
    for event in built:
        assert_like(event, reference, differ=("offset", "iothub_metadata"))
    assert [event.get_body() for event in built] == [b"body_bytes", b"two", b'{"n":3}']
    assert [event.partition_key for event in built] == ["pk"] * 3
    assert {event.enqueued_time for event in built} == {when}
    numbers = [event.sequence_number or 0 for event in built]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert built[0].metadata is not None
    system = built[0].metadata["SystemPropertiesArray"][0]
    assert set(sent["SystemProperties"]) - {"iothub-connection-device-id"} <= set(system)
    context = built[0].metadata["PartitionContext"]
    assert (context["EventHubPath"], context["ConsumerGroupName"]) == ("events", "$Default")


# -- Event Grid, blobs ---------------------------------------------------------------------


def decode_event(event: Any) -> Any:
    return EventGridEventInConverter.decode(
        meta.Datum(json.dumps(event), "json"), trigger_metadata=None
    )


def test_event_grid_event_is_what_the_worker_builds(payload: Load) -> None:
    sent = first(payload("event/eventgrid-schema-custom-topic-event-docs.json"))
    built = event_grid_event("recordInserted", {"make": "Ducati"}, subject="/myapp/vehicles")
    assert_like(built, decode_event(sent))
    assert built.topic.startswith("/subscriptions/")
    assert built.topic.endswith("/providers/Microsoft.EventGrid/topics/my-topic")
    assert (built.event_type, built.subject, built.get_json()) == (
        "recordInserted",
        "/myapp/vehicles",
        {"make": "Ducati"},
    )
    assert event_grid_event("t", None, topic="/custom/id").topic == "/custom/id"


def test_cloud_event_is_what_the_worker_builds(payload: Load) -> None:
    sent = first(payload("event/cloudevents-schema-iothub-device-connected.json"))
    built = cloud_event("Contoso.Items.ItemReceived", {"sku": "x"}, subject="Door1")
    assert_like(built, decode_event(sent))
    assert (built.type, built.subject, built.specversion, built.get_json()) == (
        "Contoso.Items.ItemReceived",
        "Door1",
        "1.0",
        {"sku": "x"},
    )
    assert built.source.endswith("/topics/my-topic")
    assert cloud_event("t", 1).subject is None


@pytest.mark.parametrize(
    "name",
    [
        "storage/eventgrid-schema-blob-created.json",
        "storage/eventgrid-schema-blob-created-sdk-sample.json",
    ],
)
def test_blob_created_is_what_event_grid_sends(payload: Load, name: str) -> None:
    reference = decode_event(first(payload(name)))
    built = blob_created("photos", "2024/a b.jpg", size=30699, content_type="image/png")
    assert_like(built, reference)
    assert built.event_type == reference.event_type == "Microsoft.Storage.BlobCreated"
    data, sent = built.get_json(), reference.get_json()
    assert {k: type(v) for k, v in data.items()} == {k: type(v) for k, v in sent.items()}
    assert built.subject == "/blobServices/default/containers/photos/blobs/2024/a b.jpg"
    assert re.fullmatch(
        r"/subscriptions/.+/providers/Microsoft\.Storage/storageAccounts/.+", built.topic
    )
    url = "https://mystorageaccount.blob.core.windows.net/photos/2024/a%20b.jpg"
    assert (data["url"], data["contentLength"], data["contentType"]) == (url, 30699, "image/png")
    assert re.fullmatch(r'"0x8D[0-9A-F]{13}"', data["eTag"])


def test_blob_stream_is_what_the_worker_builds(payload: Load) -> None:
    sent = payload("storage/blob-trigger-metadata-python-library-test.json")
    metadata = {k: typed(k, v) for k, v in sent.items()}
    reference = BlobConverter.decode(
        meta.Datum(b"blob_content", "bytes"), trigger_metadata=metadata
    )
    built = blob_stream("uploads", "a b.txt", "hello", content_type="text/plain")
    assert_like(built, reference)
    assert set(reference.blob_properties) <= set(built.blob_properties)
    assert (built.name, built.length, built.read()) == ("uploads/a b.txt", 5, b"hello")
    assert built.uri == "https://mystorageaccount.blob.core.windows.net/uploads/a%20b.txt"
    assert built.blob_properties["ContentType"] == "text/plain"


# -- timers, Cosmos DB ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "schedule/timer-request-python-library-test.json",
        "schedule/timer-trigger-timerinfo-docs.json",
    ],
)
def test_timer_request_is_what_the_worker_builds(payload: Load, name: str) -> None:
    datum = meta.Datum(json.dumps(payload(name)), "json")
    reference = TimerRequestConverter.decode(datum, trigger_metadata=None)
    scheduled = datetime(2024, 5, 1, 3, 0, tzinfo=timezone.utc)
    built = timer_request(past_due=True, scheduled=scheduled)
    assert_like(built, reference)
    assert built.past_due is True
    assert set(built.schedule_status) == set(reference.schedule_status)
    assert set(reference.schedule) <= set(built.schedule)
    status = {k: datetime.fromisoformat(v) for k, v in built.schedule_status.items()}
    assert status["Next"] == scheduled
    assert status["Last"] < scheduled
    assert timer_request().past_due is False


def test_cosmos_documents_are_what_the_worker_builds(payload: Load) -> None:
    sent = payload("database/cosmosdb-trigger-document-with-system-fields-python-library-test.json")
    reference = CosmosDBTriggerConverter.decode(
        meta.Datum(json.dumps(sent), "json"), trigger_metadata=None
    )
    assert reference is not None
    built = cosmos_documents([{"id": "1", "name": None}, {"id": "2", "_ts": 7}])
    assert (type(built), type(built[0])) == (type(reference), type(reference[0]))
    system = {k: type(v) for k, v in reference[0].items() if k.startswith("_")}
    assert system.items() <= {k: type(v) for k, v in built[0].items()}.items()
    assert "_lsn" in built[0]
    assert (built[0]["id"], built[0]["name"], built[1]["_ts"]) == ("1", None, 7)


# -- AzureContext ----------------------------------------------------------------------------


def test_azure_context_has_what_the_worker_passes() -> None:
    context = AzureContext("ship")
    assert context.function_name == "ship"
    assert re.fullmatch(r"[0-9a-f-]{36}", context.invocation_id)
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", context.trace_context.trace_parent)
    assert (context.retry_context.retry_count, context.retry_context.max_retry_count) == (0, 0)
    assert context.function_directory == "/home/site/wwwroot"
    assert AzureContext().invocation_id != AzureContext().invocation_id


# -- invoke ----------------------------------------------------------------------------------


@pytest.fixture
def calls() -> list[tuple[str, Any]]:
    return []


@pytest.fixture
def function_app(calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch) -> func.FunctionApp:
    """A hand-written FunctionApp of the shapes the adapter generates."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("echo")
    @app.route(route="echo", methods=["POST"])
    def echo(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        calls.append(("echo", context))
        return func.HttpResponse(req.get_body(), status_code=201)

    @app.function_name("ship")
    @app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
    def ship(msg: func.QueueMessage, context: func.Context) -> None:
        calls.append(("ship", (msg.get_body(), context.function_name)))

    @app.function_name("tick")
    @app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *")
    async def tick(timer: func.TimerRequest) -> None:
        await asyncio.sleep(0)
        calls.append(("tick", timer.past_due))

    @app.function_name("grid")
    @app.event_grid_trigger(arg_name="event")
    def grid(event: str, context: func.Context) -> None:
        calls.append(("grid", event))

    @app.function_name("leaky")
    @app.queue_trigger(arg_name="item", queue_name="leaky", connection="AzureWebJobsStorage")
    def leaky(item: func.QueueMessage, context: func.Context) -> str:
        return "a value without a $return binding"

    def no_get_functions(self: func.FunctionApp) -> None:
        raise AssertionError("get_functions() is not idempotent; invoke must not call it")

    monkeypatch.setattr(func.FunctionApp, "get_functions", no_get_functions)
    return app


def test_invoke_passes_the_binding_and_the_context(
    function_app: func.FunctionApp, calls: list[tuple[str, Any]]
) -> None:
    context = AzureContext("echo")
    response = invoke(
        function_app, "echo", http_request("POST", "/echo", body="hi"), context=context
    )
    assert isinstance(response, func.HttpResponse)
    assert (response.status_code, response.get_body()) == (201, b"hi")
    assert calls == [("echo", context)]
    assert invoke(function_app, "ship", queue_message("box")) is None
    assert calls[-1] == ("ship", (b"box", "ship"))  # a fresh context named after the function


def test_invoke_runs_async_functions_without_context(
    function_app: func.FunctionApp, calls: list[tuple[str, Any]]
) -> None:
    assert invoke(function_app, "tick", timer_request(past_due=True)) is None
    assert calls == [("tick", True)]

    async def on_a_loop() -> None:
        assert invoke(function_app, "tick", timer_request()) is None  # from a running loop
        assert await invoke_async(function_app, "tick", timer_request()) is None
        assert await invoke_async(function_app, "ship", queue_message("x")) is None

    asyncio.run(on_a_loop())
    assert calls[1:] == [("tick", False), ("tick", False), ("ship", (b"x", "ship"))]


def test_invoke_passes_what_the_host_sent_to_str_parameters(
    function_app: func.FunctionApp, calls: list[tuple[str, Any]]
) -> None:
    # A parameter annotated str gets the worker's generic binding: the JSON as sent.
    event = event_grid_event("OrderPlaced", {"id": "a1"}, subject="orders/a1")
    invoke(function_app, "grid", event)
    sent = json.loads(calls[-1][1])
    assert (sent["id"], sent["eventType"], sent["data"]) == (event.id, "OrderPlaced", {"id": "a1"})
    assert sent["metadataVersion"] == "1"
    invoke(function_app, "grid", cloud_event("OrderPlaced", {"id": "a1"}))
    assert json.loads(calls[-1][1])["specversion"] == "1.0"
    invoke(function_app, "grid", '{"id": "raw"}')  # the test's own JSON, as is
    assert calls[-1] == ("grid", '{"id": "raw"}')
    with pytest.raises(PortafuncError, match="pass a str or bytes"):
        invoke(function_app, "grid", event_hub_events(["x"]))


def test_invoke_refuses_what_the_worker_refuses(function_app: func.FunctionApp) -> None:
    with pytest.raises(RuntimeError, match="without a \\$return binding"):
        invoke(function_app, "leaky", queue_message("x"))
    with pytest.raises(
        PortafuncError, match="queueTrigger binding: the worker passes it a QueueMessage"
    ):
        invoke(function_app, "ship", http_request("GET", "/"))
    with pytest.raises(NoSuchFunction, match=r"'nope' \(the FunctionApp has: echo, ship, tick"):
        invoke(function_app, "nope", queue_message("x"))


def test_azure_function_gives_the_binding_json(function_app: func.FunctionApp) -> None:
    function = azure_function(function_app, "ship")
    bindings = json.loads(function.get_function_json())["bindings"]
    assert [(b["type"], b["name"]) for b in bindings] == [("queueTrigger", "msg")]
    assert inspect.iscoroutinefunction(azure_function(function_app, "tick").get_user_function())


def test_builders_never_share_state() -> None:
    a, b = queue_message("x"), queue_message("x")
    assert (a.id, a.pop_receipt) != (b.id, b.pop_receipt)
    first_batch, second_batch = event_hub_events(["a"]), event_hub_events(["a"])
    assert first_batch[0].sequence_number != second_batch[0].sequence_number
    encoded = base64.b64decode(a.pop_receipt or "")
    assert len(encoded) == 20
