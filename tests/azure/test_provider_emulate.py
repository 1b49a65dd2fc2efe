"""``portafunc invoke --provider azure`` and ``serve --provider azure``'s HTTP handler
(portafunc_azure.cli.emulate, with the JSON payloads of portafunc_azure.cli.payloads).

Payloads are the corpus' (tests/payloads/azure, see its SOURCES.md) where it has one
for the trigger, else the forms ``payloads`` documents; each runs through the
FunctionApp as the worker calls it, and the test reads what the handler received.
"""

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import (
    App,
    ChangeEvent,
    Context,
    Event,
    HTTPRequest,
    HTTPResponse,
    Message,
    ScheduleEvent,
    StorageEvent,
)
from portafunc.errors import NoSuchFunction, PortafuncError
from portafunc.providers import provider
from portafunc_azure.triggers.http import PREFIX_SETTING, SCRIPT_ROOT

Payload = Callable[[str], Any]
Render = Callable[[Any], dict[str, Any]]
TRACE_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Order(BaseModel):
    id: str
    qty: int


class Shop:
    """An app with one function per Azure trigger binding, recording what each receives."""

    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.app = app = App("shop")
        seen = self.seen

        @app.get("/orders/{id}", azure={"auth_level": "anonymous"})
        def get_order(id: str, request: HTTPRequest, ctx: Context) -> dict[str, Any]:
            seen.append(request)
            return {"id": id, "path": request.path, "trace": ctx.trace_id}

        @app.post("/orders", status=201)
        async def create_order(order: Order) -> Order:
            return order

        @app.get("/")
        def home() -> HTTPResponse:
            cookies = [("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2; HttpOnly")]
            return HTTPResponse.plain("home", headers=cookies)

        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("boom")

        @app.queue("orders")
        def ship(msg: Message[Order]) -> None:
            seen.append(msg)

        @app.topic("prices", azure={"subscription": "all"})
        def reprice(msg: Message[dict[str, Any]]) -> None:
            seen.append(msg)

        @app.event(type="recordInserted")
        def inserted(event: Event[dict[str, Any]]) -> None:
            seen.append(event)

        @app.storage("test-container")
        def on_upload(event: StorageEvent) -> None:
            seen.append(event)

        @app.storage("images", azure={"service": "blob"})
        def on_image(event: StorageEvent) -> None:
            seen.append(event)

        @app.schedule("*/5 * * * *")
        def sweep(event: ScheduleEvent) -> None:
            seen.append(event)

        @app.changes("orders")
        def audit(change: ChangeEvent[dict[str, Any]]) -> None:
            seen.append(change)

        @app.stream("clicks")
        def clicks(msg: Message[Any]) -> None:
            if msg.data == {"fail": True}:
                raise ValueError("cannot count this click")
            seen.append(msg)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    """The shop, with the host's default route prefix ("api": no host.json, no setting)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(PREFIX_SETTING, raising=False)
    monkeypatch.delenv(SCRIPT_ROOT, raising=False)
    return Shop()


def invoke(shop: Shop, function: str, payload: Any) -> tuple[Any, bool]:
    return provider("azure").invoke(shop.app, function, payload)


# -- invoke: HTTP -----------------------------------------------------------------------


def test_http_by_path(shop: Shop) -> None:
    result, ok = invoke(shop, "get_order", {"path": "/orders/7", "query": {"x": ["1", "2"]}})
    assert ok
    assert result["status"] == 200
    assert result["headers"] == {"content-type": "application/json"}
    assert json.loads(result["body"])["path"] == "/orders/7"
    request = shop.seen[0]
    assert request.provider == "azure"
    assert request.query.getlist("x") == ["1", "2"]


def test_http_by_url_as_the_host_received_it(shop: Shop) -> None:
    result, ok = invoke(shop, "get_order", {"url": "http://localhost:7071/api/orders/8?y=1"})
    assert ok
    assert json.loads(result["body"])["id"] == "8"
    assert shop.seen[0].path == "/orders/8"
    assert shop.seen[0].query["y"] == "1"


def test_http_json_body_and_status(shop: Shop) -> None:
    order = {"id": "a1", "qty": 2}
    result, ok = invoke(shop, "create_order", {"method": "POST", "path": "/orders", "body": order})
    assert (result["status"], json.loads(result["body"]), ok) == (201, order, True)


def test_http_root_goes_through_the_catch_all_and_keeps_cookies_apart(shop: Shop) -> None:
    result, ok = invoke(shop, "home", {})
    assert ok
    assert result["body"] == "home"
    assert result["headers"]["set-cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]


def test_http_500_is_a_failure_without_the_exception_text(shop: Shop) -> None:
    result, ok = invoke(shop, "boom", {"path": "/boom"})
    assert not ok
    assert result["status"] == 500
    assert "boom" not in result["body"]


def test_http_without_a_path_for_a_route_with_parameters(shop: Shop) -> None:
    with pytest.raises(PortafuncError, match=r"get_order \(httpTrigger\).*no url or path"):
        invoke(shop, "get_order", {"method": "GET"})


# -- invoke: messages, events and the rest ---------------------------------------------


def test_queue_bare_body_and_form(shop: Shop) -> None:
    assert invoke(shop, "ship", {"id": "a1", "qty": 1}) == (None, True)
    assert invoke(shop, "ship", {"body": {"id": "a2", "qty": 2}, "dequeue_count": 3}) == (
        None,
        True,
    )
    first, second = shop.seen
    assert (first.data.id, first.attempt, first.source) == ("a1", 1, "orders")
    assert (second.data.id, second.attempt) == ("a2", 3)


def test_service_bus_form(shop: Shop) -> None:
    payload = {
        "body": {"sku": "MUG"},
        "application_properties": {"tenant": "t1"},
        "session_id": "s",
    }
    assert invoke(shop, "reprice", payload) == (None, True)
    msg = shop.seen[0]
    assert (msg.data, dict(msg.attributes), msg.partition_key) == (
        {"sku": "MUG"},
        {"tenant": "t1"},
        "s",
    )


def test_event_grid_corpus_array_is_one_invocation_per_event(
    shop: Shop, payload: Payload, as_json: Render
) -> None:
    events = payload("event/eventgrid-schema-custom-topic-event-docs.json")
    assert invoke(shop, "inserted", events) == ([None], True)
    assert as_json(shop.seen[0])["data"] == {"make": "Ducati", "model": "Monster"}
    assert shop.seen[0].type == "recordInserted"


def test_storage_event_corpus(shop: Shop, payload: Payload) -> None:
    event = payload("storage/eventgrid-schema-blob-created.json")[0]
    assert invoke(shop, "on_upload", event) == (None, True)
    assert (shop.seen[0].key, shop.seen[0].size) == ("new-file.txt", 524288)


def test_timer_corpus(shop: Shop, payload: Payload) -> None:
    assert invoke(shop, "sweep", payload("schedule/timer-request-python-library-test.json"))[1]
    tick = shop.seen[0]
    assert tick.time == datetime(2022, 3, 28, 20, 45, tzinfo=timezone.utc)  # Next, in UTC
    assert (tick.schedule, tick.past_due) == ("sweep", False)


def test_timer_without_a_payload_ticks_now(shop: Shop) -> None:
    assert invoke(shop, "sweep", None) == (None, True)
    assert (datetime.now(timezone.utc) - shop.seen[0].time).total_seconds() < 120


def test_cosmos_corpus_batch(shop: Shop, payload: Payload) -> None:
    batch = payload("database/cosmosdb-trigger-documents-batch-python-library-test.json")
    assert invoke(shop, "audit", batch) == (None, True)
    assert [(c.kind, dict(c.key)) for c in shop.seen] == [
        ("upsert", {"id": "1"}),
        ("upsert", {"id": "2"}),
    ]


def test_event_hubs_bodies_and_forms(shop: Shop, payload: Payload) -> None:
    metadata = payload("stream/eventhub-trigger-metadata-python-library-test.json")
    assert invoke(shop, "clicks", [{"n": 1}, {"n": 2}]) == (None, True)
    assert invoke(shop, "clicks", {"bodies": [{"k": 1}], "partition_key": "p1"}) == (None, True)
    assert invoke(shop, "clicks", {**metadata, "body": '{"m": 1}'}) == (None, True)
    one, two, keyed, described = shop.seen
    assert (one.data, two.data, keyed.partition_key) == ({"n": 1}, {"n": 2}, "p1")
    assert (described.id, described.data) == ("47", {"m": 1})


def test_blob_trigger_form(shop: Shop) -> None:
    assert invoke(shop, "on_image", {"name": "a/b.png", "content": "px"}) == (None, True)
    event = shop.seen[0]
    assert (event.bucket, event.key, event.size, event.raw.read()) == (
        "images",
        "a/b.png",
        2,
        b"px",
    )


def test_a_failing_function(shop: Shop) -> None:
    assert invoke(shop, "clicks", [{"fail": True}]) == (
        {"error": "ValueError", "message": "cannot count this click"},
        False,
    )


@pytest.mark.parametrize(
    ("function", "bad", "expected"),
    [
        ("get_order", ["GET"], "an object"),
        ("sweep", ["tick"], "a TimerRequest"),
        ("audit", "doc", "a list of Cosmos DB documents"),
        ("on_image", {"content": "x"}, '{"name"'),
        ("inserted", [42], "an Event Grid or CloudEvents event"),
    ],
)
def test_payloads_of_the_wrong_shape_say_what_was_expected(
    shop: Shop, function: str, bad: Any, expected: str
) -> None:
    with pytest.raises(PortafuncError, match=f"payload for {function}.*{expected[:12]}"):
        invoke(shop, function, bad)


def test_an_unknown_function(shop: Shop) -> None:
    with pytest.raises(NoSuchFunction, match="nope"):
        invoke(shop, "nope", {})


# -- serve --provider azure: HTTP -------------------------------------------------------


def local(method: str, path: str, **kwargs: Any) -> HTTPRequest:
    return HTTPRequest(method, path, provider="local", **kwargs)


def test_http_handler_runs_the_azure_translation(shop: Shop) -> None:
    handle = provider("azure").http_handler(shop.app, {})
    headers = [("traceparent", TRACE_PARENT), ("accept", "application/json")]
    response = handle(
        local("GET", "/orders/a b", query="x=1&x=2", headers=headers, client_ip="127.0.0.1")
    )
    assert response.status == 200
    body = json.loads(response.body)
    assert body == {"id": "a b", "path": "/orders/a b", "trace": TRACE_PARENT.split("-")[1]}
    request = shop.seen[0]
    assert request.provider == "azure"
    assert request.client_ip == "127.0.0.1"
    assert request.query.getlist("x") == ["1", "2"]
    assert request.raw.url == "https://my-function-app.azurewebsites.net/api/orders/a%20b?x=1&x=2"


def test_http_handler_answers_what_the_catch_all_answers(shop: Shop) -> None:
    handle = provider("azure").http_handler(shop.app, {})
    home = handle(local("GET", "/"))
    assert [v for k, v in home.headers if k == "set-cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]
    assert handle(local("GET", "/nowhere")).status == 404
    refused = handle(local("DELETE", "/orders"))
    assert (refused.status, refused.header("allow")) == (405, "POST")


def test_http_handler_body_and_default_content_type(shop: Shop) -> None:
    handle = provider("azure").http_handler(shop.app, {})
    order = json.dumps({"id": "a1", "qty": 2}).encode()
    created = handle(
        local("POST", "/orders", body=order, headers={"content-type": "application/json"})
    )
    assert (created.status, json.loads(created.body)) == (201, {"id": "a1", "qty": 2})
    assert handle(local("GET", "/boom")).status == 500


def test_http_handler_with_the_built_route_prefix(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PREFIX_SETTING, "")
    handle = provider("azure").http_handler(shop.app, {})
    assert handle(local("GET", "/orders/1")).status == 200
    assert shop.seen[0].path == "/orders/1"


def test_http_handler_of_an_app_without_http_functions() -> None:
    app = App("jobs")

    @app.schedule("0 3 * * *")
    def nightly(event: ScheduleEvent) -> None: ...

    assert provider("azure").http_handler(app, {})(local("GET", "/")).status == 404
