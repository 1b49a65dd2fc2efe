"""The GCP provider's ``invoke``, ``http_handler`` and ``event_handler``: payloads and local
requests through functions-framework's own app, as Cloud Functions runs them.

Payloads are made with ``portafunc_gcp.testing``'s builders and the ``cloudevents`` SDK:
CloudEvents in binary and structured mode, Pub/Sub push bodies, 1st-gen background events.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    HTTPResponse,
    Message,
    NoSuchFunction,
    ScheduleEvent,
    StorageEvent,
    UnsupportedEvent,
)
from portafunc_gcp._provider import provider
from portafunc_gcp.cli import emulate
from portafunc_gcp.sources.pubsub import JOB_EXECUTED
from portafunc_gcp.testing import (
    cloud_event,
    create_app,
    firestore_event,
    pubsub_event,
    pubsub_legacy_event,
    pubsub_push,
    storage_event,
    storage_legacy_event,
)

SEEN: list[dict[str, Any]] = []

app = App("shop")


@app.get("/echo/{name}")
def echo(name: str, request: HTTPRequest) -> HTTPResponse:
    seen = {
        "name": name,
        "path": request.path,
        "query": request.query.multi_items(),
        "repeated": request.headers.getlist("x-rep"),
        "client_ip": request.client_ip,
    }
    cookies = [("set-cookie", "a=1"), ("set-cookie", "b=2")]
    return HTTPResponse.json(seen, headers=cookies)


@app.post("/items", status=201)
def create_item(item: dict[str, Any]) -> dict[str, Any]:
    return item


@app.get("/health")
def health() -> str:
    return "ok"


@app.get("/blob")
def blob() -> bytes:
    return b"\xff\x00"


@app.get("/boom")
def boom() -> None:
    raise RuntimeError("kaput")


@app.queue("orders")
def ship(msg: Message[dict[str, Any]]) -> None:
    SEEN.append({"function": "ship", "source": msg.source, "data": msg.data})
    if msg.data.get("fail"):
        raise RuntimeError("refused")


@app.topic("prices")
def reprice(msg: Message[dict[str, Any]]) -> None:
    SEEN.append({"function": "reprice", "data": msg.data})


@app.storage("uploads")
def stored(event: StorageEvent) -> None:
    SEEN.append({"function": "stored", "key": event.key, "action": event.action})


@app.changes("orders")
def audited(change: ChangeEvent[dict[str, Any]]) -> None:
    SEEN.append({"function": "audited", "kind": change.kind, "new": change.new})


@app.event(type="com.example.paid")
def paid(event: Event[dict[str, Any]]) -> None:
    SEEN.append({"function": "paid", "data": event.data})


@app.schedule("*/5 * * * *")
def sweep(event: ScheduleEvent) -> None:
    SEEN.append({"function": "sweep", "schedule": event.schedule})


@pytest.fixture(autouse=True)
def clear() -> Iterator[None]:
    SEEN.clear()
    yield
    SEEN.clear()


def structured(event: CloudEvent) -> dict[str, Any]:
    """A CloudEvent as the JSON object of structured content mode (an --event file)."""
    parsed: dict[str, Any] = json.loads(to_structured(event)[1])
    return parsed


ORDER = {"id": "o1"}


# -- invoke: HTTP functions ---------------------------------------------------------------


def test_invoke_an_http_function() -> None:
    payload = {
        "method": "GET",
        "path": "/echo/bob",
        "query": {"a": ["1", "2"], "b": "3"},
        "headers": {"x-rep": ["1", "2"]},
    }
    result, ok = provider.invoke(app, "echo", payload)
    assert ok
    assert result["status"] == 200
    assert result["headers"]["set-cookie"] == ["a=1", "b=2"]
    assert json.loads(result["body"]) == {
        "name": "bob",
        "path": "/echo/bob",
        "query": [["a", "1"], ["a", "2"], ["b", "3"]],
        "repeated": ["1, 2"],  # WSGI joins a repeated header: both values arrive
        "client_ip": "127.0.0.1",
    }


def test_invoke_defaults_to_the_route_and_its_first_method() -> None:
    assert provider.invoke(app, "health", {}) == (
        {
            "status": 200,
            "headers": {"Content-Type": "text/plain; charset=utf-8", "Content-Length": "2"},
            "body": "ok",
        },
        True,
    )


def test_invoke_sends_a_body_that_is_not_a_string_as_json() -> None:
    result, ok = provider.invoke(app, "create_item", {"body": {"sku": "MUG", "qty": 2}})
    assert (result["status"], json.loads(result["body"]), ok) == (
        201,
        {"sku": "MUG", "qty": 2},
        True,
    )
    text = {"body": '{"sku": "CAP"}', "headers": {"content-type": "application/json"}}
    assert json.loads(provider.invoke(app, "create_item", text)[0]["body"]) == {"sku": "CAP"}


def test_invoke_a_raw_query_string_and_an_encoded_path() -> None:
    result, _ = provider.invoke(app, "echo", {"path": "/echo/a b", "query": "x=1&x=%20"})
    seen = json.loads(result["body"])
    assert (seen["name"], seen["query"]) == ("a b", [["x", "1"], ["x", " "]])


def test_an_http_function_answers_only_its_own_route() -> None:
    result, ok = provider.invoke(app, "echo", {"path": "/health"})
    assert (result["status"], result["headers"]["Content-Type"], ok) == (
        404,
        "application/problem+json",
        True,
    )


def test_a_body_that_is_not_text_is_base64() -> None:
    result, ok = provider.invoke(app, "blob", {})
    assert (result["body_base64"], "body" in result, ok) == ("/wA=", False, True)


def test_a_failing_http_function_is_not_ok() -> None:
    result, ok = provider.invoke(app, "boom", {})
    assert (result["status"], ok) == (500, False)
    assert "kaput" not in result["body"]


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "GET /",
        {"url": "/echo/x"},
        {"path": "echo/x"},
        {"method": 1},
        {"headers": ["x"]},
        {"headers": {"x": 1}},
        {"query": {"a": [1]}},
    ],
)
def test_invoke_refuses_what_is_not_an_http_payload(payload: Any) -> None:
    with pytest.raises(UnsupportedEvent):
        provider.invoke(app, "echo", payload)


# -- invoke: event functions -------------------------------------------------------------


def test_invoke_a_structured_cloud_event() -> None:
    assert provider.invoke(app, "ship", structured(pubsub_event(ORDER))) == ({"status": 200}, True)
    assert SEEN == [{"function": "ship", "source": "orders", "data": ORDER}]


def test_invoke_a_push_body_takes_the_topic_from_the_function() -> None:
    assert provider.invoke(app, "ship", pubsub_push(ORDER, subscription="s1")) == (
        {"status": 200},
        True,
    )
    assert SEEN == [{"function": "ship", "source": "orders", "data": ORDER}]


def test_invoke_background_events() -> None:
    assert provider.invoke(app, "ship", pubsub_legacy_event(ORDER))[1]
    assert provider.invoke(app, "stored", storage_legacy_event("uploads", "a.csv"))[1]
    assert SEEN == [
        {"function": "ship", "source": "orders", "data": ORDER},
        {"function": "stored", "key": "a.csv", "action": "created"},
    ]


def test_invoke_a_failing_event_function() -> None:
    payload = structured(pubsub_event({"fail": True}))
    assert provider.invoke(app, "ship", payload) == ({"status": 500}, False)


def test_invoke_an_event_of_another_source_fails() -> None:
    payload = structured(storage_event("uploads", "a.csv"))
    assert provider.invoke(app, "ship", payload) == ({"status": 500}, False)
    assert SEEN == []


@pytest.mark.parametrize(
    "payload",
    [[1], "text", {"foo": 1}, {"message": {"data": ""}}, {"specversion": "1.0", "id": "1"}],
)
def test_invoke_refuses_what_gcp_does_not_deliver(payload: Any) -> None:
    with pytest.raises(UnsupportedEvent, match=r"expected|malformed CloudEvent"):
        provider.invoke(app, "ship", payload)


def test_invoke_an_unknown_function() -> None:
    with pytest.raises(NoSuchFunction):
        provider.invoke(app, "nope", {})


# -- http_handler -------------------------------------------------------------------------


def local(method: str, target: str, **options: Any) -> HTTPRequest:
    """A request as ``portafunc serve``'s server makes it."""
    path, _, query = target.partition("?")
    raw = {"method": method, "target": target, "version": "HTTP/1.1"}
    return HTTPRequest(method, path, query=query, raw=raw, provider="local", **options)


def test_http_requests_go_through_the_app_entry() -> None:
    handle = provider.http_handler(app, {})
    headers = [("X-Rep", "1"), ("X-Rep", "2"), ("Content-Length", "0")]
    response = handle(local("GET", "/echo/a%20b?q=1&q=2&e=", headers=headers, client_ip="10.1.2.3"))
    assert response.status == 200
    assert [value for name, value in response.headers if name == "set-cookie"] == ["a=1", "b=2"]
    assert json.loads(response.body) == {
        "name": "a b",
        "path": "/echo/a b",
        "query": [["q", "1"], ["q", "2"], ["e", ""]],
        "repeated": ["1, 2"],
        "client_ip": "10.1.2.3",
    }


def test_http_posts_keep_their_body() -> None:
    handle = provider.http_handler(app, {})
    headers = [("content-type", "application/json")]
    response = handle(local("POST", "/items", headers=headers, body=b'{"sku": "TEE"}'))
    assert (response.status, json.loads(response.body)) == (201, {"sku": "TEE"})


def test_http_requests_made_elsewhere_are_encoded_again() -> None:
    handle = provider.http_handler(app, {})
    response = handle(HTTPRequest("GET", "/echo/a?b", query={"x": ["1", "2"]}))
    assert json.loads(response.body)["name"] == "a?b"
    assert json.loads(response.body)["query"] == [["x", "1"], ["x", "2"]]


def test_http_errors_come_from_portafunc_in_functions_framework() -> None:
    handle = provider.http_handler(app, {})
    assert handle(local("GET", "/nowhere")).status == 404
    assert handle(local("DELETE", "/health")).status == 405
    assert handle(local("GET", "/boom")).status == 500


def test_an_app_without_http_functions_answers_404() -> None:
    quiet = App("quiet")
    quiet.queue("orders")(ship)
    response = provider.http_handler(quiet, {})(local("GET", "/"))
    assert (response.status, response.header("content-type")) == (404, "application/problem+json")


def test_the_app_entry_is_created_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []

    def counting(source: Any, target: str) -> Any:
        made.append(target)
        return create_app(source, target)

    monkeypatch.setattr(emulate, "create_app", counting)
    handle = provider.http_handler(app, {})
    for _ in range(3):
        assert handle(local("GET", "/health")).status == 200
    events = provider.event_handler(app)
    for _ in range(2):
        headers, body = to_binary(pubsub_event(ORDER))
        assert events(body, dict(headers))[0] == 200
    assert made == ["shop", "ship"]


# -- event_handler ------------------------------------------------------------------------


def post(event: CloudEvent, mode: str = "binary") -> tuple[int, Any]:
    headers, body = (to_binary if mode == "binary" else to_structured)(event)
    return provider.event_handler(app)(body, dict(headers))


def post_json(body: dict[str, Any]) -> tuple[int, Any]:
    return provider.event_handler(app)(json.dumps(body).encode(), {})


def delivered(*functions: str) -> tuple[int, Any]:
    results = [{"function": name, "status": 200} for name in functions]
    return 200, {"ok": True, "results": results}


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_pubsub_cloud_events_go_to_the_functions_of_their_topic(mode: str) -> None:
    assert post(pubsub_event(ORDER, topic="orders"), mode) == delivered("ship")
    assert post(pubsub_event({"p": 1}, topic="prices"), mode) == delivered("reprice")
    assert post(pubsub_event({}, topic="sweep-schedule"), mode) == delivered("sweep")
    assert SEEN == [
        {"function": "ship", "source": "orders", "data": ORDER},
        {"function": "reprice", "data": {"p": 1}},
        {"function": "sweep", "schedule": "sweep"},
    ]


def test_a_push_body_goes_to_the_topic_its_subscription_is_named_after() -> None:
    assert post_json(pubsub_push(ORDER, subscription="orders-push")) == delivered("ship")
    assert SEEN == [{"function": "ship", "source": "orders", "data": ORDER}]
    status, result = post_json(pubsub_push(ORDER, subscription="elsewhere"))
    assert (status, result["ok"]) == (404, False)


def test_a_push_body_goes_to_the_only_topic() -> None:
    single = App("single")
    single.queue("orders")(ship)
    body = json.dumps(pubsub_push(ORDER, subscription="anything")).encode()
    assert provider.event_handler(single)(body, {"Content-Type": "text/plain"}) == (
        200,
        {"ok": True, "results": [{"function": "ship", "status": 200}]},
    )


def test_background_events() -> None:
    assert post_json(pubsub_legacy_event(ORDER, topic="orders")) == delivered("ship")
    assert post_json(storage_legacy_event("uploads", "a.csv")) == delivered("stored")
    assert [seen["function"] for seen in SEEN] == ["ship", "stored"]


def test_storage_events_go_to_the_functions_of_their_bucket_and_action() -> None:
    assert post(storage_event("uploads", "a.csv")) == delivered("stored")
    assert post(storage_event("uploads", "a.csv", action="deleted"))[0] == 404
    assert post(storage_event("downloads", "a.csv"))[0] == 404
    assert SEEN == [{"function": "stored", "key": "a.csv", "action": "created"}]


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_firestore_events_go_to_the_functions_of_their_collection(encoding: Any) -> None:
    event = firestore_event("orders", "1", new={"qty": 2}, encoding=encoding)
    assert post(event) == delivered("audited")
    assert post(firestore_event("users", "1", new={"a": 1}, encoding=encoding))[0] == 404
    assert SEEN == [{"function": "audited", "kind": "insert", "new": {"qty": 2}}]


def test_other_events_go_to_the_functions_of_their_type() -> None:
    assert post(cloud_event("com.example.paid", {"amount": 3})) == delivered("paid")
    assert post(cloud_event("com.example.refunded", {"amount": 3}))[0] == 404
    assert SEEN == [{"function": "paid", "data": {"amount": 3}}]


def test_a_scheduler_job_event_goes_to_its_schedule_function() -> None:
    source = "//cloudscheduler.googleapis.com/projects/p/locations/europe-west1/jobs/sweep"
    assert post(cloud_event(JOB_EXECUTED, {"customData": ""}, source=source)) == delivered("sweep")
    other = source.replace("sweep", "other")
    assert post(cloud_event(JOB_EXECUTED, {"customData": ""}, source=other))[0] == 404


def test_a_failing_function_makes_a_500() -> None:
    assert post(pubsub_event({"fail": True})) == (
        500,
        {"ok": False, "results": [{"function": "ship", "status": 500}]},
    )


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"nope", {}),
        (b"[1]", {"content-type": "application/json"}),
        (b'{"message": {"data": ""}}', {}),
        (b"{}", {"ce-specversion": "1.0", "ce-id": "1", "ce-source": "s"}),
        (b'{"specversion": "1.0"', {"content-type": "application/cloudevents+json"}),
    ],
)
def test_what_gcp_does_not_deliver_is_a_400(body: bytes, headers: dict[str, str]) -> None:
    status, result = provider.event_handler(app)(body, headers)
    assert (status, result["ok"]) == (400, False)
    assert result["detail"].startswith("portafunc-gcp does not recognise this payload")
