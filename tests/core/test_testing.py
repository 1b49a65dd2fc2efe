"""Tests for portafunc.testing: the TestClient's requests, send() and trigger()."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from portafunc import (
    App,
    ChangeEvent,
    Context,
    Event,
    HTTPRequest,
    HTTPResponse,
    InvalidPayload,
    Message,
    NoSuchFunction,
    PortafuncError,
    Query,
    ScheduleEvent,
    StorageEvent,
)
from portafunc.testing import Outcome, TestClient, TestResponse


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


class ShippingError(Exception):
    pass


def echo_app() -> App:
    """An app whose HTTP functions describe the request they received."""
    app = App("echo")

    @app.http(["GET", "POST", "PUT", "PATCH", "DELETE"], "/echo")
    def echo(request: HTTPRequest, ctx: Context) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query.multi_items(),
            "headers": request.headers.multi_items(),
            "body": request.text,
            "request_id": request.request_id,
            "invocation_id": ctx.invocation_id,
            "client_ip": request.client_ip,
        }

    @app.post("/orders", status=201)
    def create(order: Order) -> Order:
        return order

    @app.get("/search")
    def search(tag: Annotated[list[str], Query()], page: Annotated[int, Query()] = 1) -> Any:
        return {"tag": tag, "page": page}

    @app.get("/boom")
    def boom() -> None:
        raise ShippingError("boom")

    return app


# -- HTTP -----------------------------------------------------------------------------------


def test_request_with_json_sends_it_as_application_json() -> None:
    client = TestClient(echo_app())

    response = client.request("POST", "/orders", json={"id": "a", "qty": 2})

    assert isinstance(response, TestResponse)
    assert response.status == 201
    assert response.json() == {"id": "a", "qty": 2}
    echoed = client.post("/echo", json={"id": "a"}).json()
    assert echoed["body"] == '{"id":"a"}'
    assert ["content-type", "application/json"] in echoed["headers"]


def test_json_none_sends_null() -> None:
    echoed = TestClient(echo_app()).post("/echo", json=None).json()
    assert echoed["body"] == "null"


def test_json_keeps_an_explicit_content_type() -> None:
    client = TestClient(echo_app())
    headers = {"Content-Type": "application/merge-patch+json"}

    echoed = client.patch("/echo", json={"qty": 1}, headers=headers).json()

    assert [h for h in echoed["headers"] if h[0] == "content-type"] == [
        ["content-type", "application/merge-patch+json"]
    ]


@pytest.mark.parametrize(("data", "text"), [(b"\xc3\xa9t\xc3\xa9", "été"), ("été", "été")])
def test_request_with_data_sends_it_as_is(data: bytes | str, text: str) -> None:
    echoed = TestClient(echo_app()).put("/echo", data=data).json()
    assert echoed["body"] == text
    assert echoed["headers"] == []


def test_validation_errors_reach_the_client() -> None:
    client = TestClient(echo_app())
    assert client.post("/orders", json={"id": "a", "qty": 0}).status == 422
    assert client.post("/orders", data=b"{").status == 400


def test_headers_as_a_mapping_or_repeated_pairs() -> None:
    client = TestClient(echo_app())

    mapping = client.get("/echo", headers={"X-Tag": "a", "Accept": "text/plain"}).json()
    pairs = client.get("/echo", headers=[("X-Tag", "a"), ("x-tag", "b")]).json()

    assert mapping["headers"] == [["x-tag", "a"], ["accept", "text/plain"]]
    assert pairs["headers"] == [["x-tag", "a"], ["x-tag", "b"]]


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("/echo", {"a": "1", "b": "x y"}, [["a", "1"], ["b", "x y"]]),
        ("/echo", {"tag": ["x", "y"]}, [["tag", "x"], ["tag", "y"]]),
        (
            "/echo",
            [("tag", "x"), ("page", "2"), ("tag", "y")],
            [["tag", "x"], ["tag", "y"], ["page", "2"]],
        ),
        ("/echo?tag=x&page=1", None, [["tag", "x"], ["page", "1"]]),
        ("/echo?tag=x", {"tag": "y", "q": "&="}, [["tag", "x"], ["tag", "y"], ["q", "&="]]),
        ("/echo?tag=x", [("tag", "z")], [["tag", "x"], ["tag", "z"]]),
        ("/echo", {}, []),
    ],
)
def test_query_from_the_path_and_the_query_argument(
    path: str, query: Any, expected: list[list[str]]
) -> None:
    echoed = TestClient(echo_app()).get(path, query=query).json()
    assert echoed["path"] == "/echo"
    assert echoed["query"] == expected


def test_repeated_query_values_bind_to_a_list_parameter() -> None:
    client = TestClient(echo_app())

    from_pairs = client.get("/search", query=[("tag", "a"), ("tag", "b"), ("page", "3")])
    from_path = client.get("/search?tag=a", query={"tag": ["b", "c"]})

    assert from_pairs.json() == {"tag": ["a", "b"], "page": 3}
    assert from_path.json() == {"tag": ["a", "b", "c"], "page": 1}
    assert client.get("/search").status == 422


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts(method: str) -> None:
    client = TestClient(echo_app())

    response: TestResponse = getattr(client, method)("/echo?x=1", headers={"h": "v"})

    echoed = response.json()
    assert echoed["method"] == method.upper()
    assert echoed["query"] == [["x", "1"]]
    assert echoed["headers"] == [["h", "v"]]


def test_request_method_is_case_insensitive() -> None:
    assert TestClient(echo_app()).request("delete", "/echo").json()["method"] == "DELETE"


def test_each_request_has_its_own_id_as_the_invocation_id() -> None:
    client = TestClient(echo_app())

    first, second = client.get("/echo").json(), client.get("/echo").json()

    assert first["request_id"]
    assert first["request_id"] == first["invocation_id"]
    assert first["request_id"] != second["request_id"]
    assert first["client_ip"] == "127.0.0.1"


def test_response_status_headers_text_and_json() -> None:
    app = App("shop")

    @app.get("/thing")
    def thing() -> HTTPResponse:
        return HTTPResponse(
            202,
            headers=[
                ("Content-Type", "application/json"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
            ],
            body='{"name": "été"}'.encode(),
        )

    response = TestClient(app).get("/thing")

    assert response.status == 202
    assert response.headers["content-type"] == "application/json"
    assert response.headers["CONTENT-TYPE"] == "application/json"
    assert response.headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert "Set-Cookie" in response.headers
    assert response.text == '{"name": "été"}'
    assert response.json() == {"name": "été"}
    assert response.body == '{"name": "été"}'.encode()
    assert repr(response) == "<TestResponse 202>"


def test_server_errors_are_500_unless_asked_to_raise() -> None:
    app = echo_app()

    response = TestClient(app).get("/boom")
    assert response.status == 500
    assert "boom" not in response.text
    assert response.headers["content-type"] == "application/problem+json"
    with pytest.raises(ShippingError, match="boom"):
        TestClient(app, raise_server_exceptions=True).get("/boom")


# -- send -----------------------------------------------------------------------------------


def shop() -> tuple[App, list[Any]]:
    """An app with one function per trigger kind; each records what it received in the list."""
    app = App("shop")
    seen: list[Any] = []

    @app.queue("orders")
    def ship(msg: Message[Order]) -> str:
        seen.append(msg)
        if msg.data.id == "fail":
            raise ShippingError(f"cannot ship {msg.data.id}")
        return f"shipped {msg.data.id}"

    @app.topic("raw", name="raw-bytes")
    def raw(body: bytes) -> int:
        seen.append(body)
        return len(body)

    @app.stream("lines")
    def line(text: str) -> str:
        seen.append(text)
        return text.upper()

    @app.event(type="order.created")
    def created(event: Event[Order]) -> str:
        seen.append(event)
        return event.data.id

    @app.event(type="order.paid")
    def paid(order: Order) -> int:
        seen.append(order)
        return order.qty

    @app.storage("uploads", events=("created",))
    def upload(event: StorageEvent) -> str:
        seen.append(event)
        return event.key

    @app.schedule("*/5 * * * *")
    def tick(event: ScheduleEvent) -> str:
        seen.append(event)
        return event.schedule

    @app.changes("orders")
    def audit(change: ChangeEvent[Order]) -> None:
        seen.append(change)

    @app.get("/orders/{id}")
    def read(id: str) -> str:
        seen.append(id)
        return id

    return app, seen


def test_send_by_name_delivers_a_message() -> None:
    app, seen = shop()

    outcome = TestClient(app).send("ship", {"id": "a", "qty": 2}, {"priority": "high"})

    assert outcome == Outcome(ok=True, result="shipped a")
    [msg] = seen
    assert msg.data == Order(id="a", qty=2)
    assert msg.body == b'{"id":"a","qty":2}'
    assert msg.attributes == {"priority": "high"}
    assert msg.source == "orders"
    assert msg.attempt == 1
    assert msg.id
    assert msg.provider == "local"
    assert isinstance(msg.time, datetime)
    assert msg.time.tzinfo == timezone.utc


def test_send_by_handler_object_finds_a_renamed_function() -> None:
    app, seen = shop()
    raw = app.function("raw-bytes").handler

    outcome = TestClient(app).send(raw, b"\x00\x01")

    assert outcome.result == 2
    assert seen == [b"\x00\x01"]


def test_send_without_attributes_gives_none() -> None:
    app, seen = shop()
    TestClient(app).send("ship", {"id": "a", "qty": 1})
    assert seen[0].attributes == {}


@pytest.mark.parametrize(
    ("data", "received"),
    [("héllo", "héllo"), (b"h\xc3\xa9llo", "héllo"), ({"a": 1}, '{"a":1}'), (3, "3")],
)
def test_send_encodes_bytes_text_and_json(data: Any, received: str) -> None:
    app, seen = shop()
    assert TestClient(app).send("line", data).result == received.upper()
    assert seen == [received]


def test_send_a_model_instance() -> None:
    app, seen = shop()
    assert TestClient(app).send("ship", Order(id="m", qty=4)).result == "shipped m"
    assert seen[0].data == Order(id="m", qty=4)


def test_send_failure_raises_the_handlers_exception() -> None:
    app, _ = shop()
    with pytest.raises(ShippingError, match="cannot ship fail"):
        TestClient(app).send("ship", {"id": "fail", "qty": 1})


def test_send_invalid_data_raises_invalid_payload() -> None:
    app, seen = shop()
    client = TestClient(app)

    with pytest.raises(InvalidPayload):
        client.send("ship", {"id": "a", "qty": 0})
    with pytest.raises(InvalidPayload):
        client.send("ship", b"not json")
    assert seen == []


def test_send_without_raising_returns_the_failure() -> None:
    app, _ = shop()
    client = TestClient(app)

    failed = client.send("ship", {"id": "fail", "qty": 1}, raise_errors=False)
    invalid = client.send("ship", {"id": "a"}, raise_errors=False)
    fine = client.send("ship", {"id": "a", "qty": 1}, raise_errors=False)

    assert not failed.ok
    assert isinstance(failed.error, ShippingError)
    assert failed.result is None
    assert not invalid.ok
    assert isinstance(invalid.error, InvalidPayload)
    assert fine == Outcome(ok=True, result="shipped a")


def test_send_to_an_event_function_builds_an_event_of_its_type() -> None:
    app, seen = shop()
    client = TestClient(app)

    assert client.send("created", {"id": "e", "qty": 1}).result == "e"
    assert client.send("paid", {"id": "p", "qty": 7}).result == 7
    event, order = seen
    assert isinstance(event, Event)
    assert event.type == "order.created"
    assert event.source == "portafunc.testing"
    assert event.id
    assert event.data == Order(id="e", qty=1)
    assert order == Order(id="p", qty=7)
    with pytest.raises(InvalidPayload):
        client.send("created", {"id": "e", "qty": -1})


@pytest.mark.parametrize("name", ["read", "upload", "tick", "audit"])
def test_send_to_a_function_that_takes_no_messages_raises(name: str) -> None:
    app, seen = shop()
    with pytest.raises(PortafuncError, match="use trigger"):
        TestClient(app).send(name, {"id": "a", "qty": 1})
    assert seen == []


def test_send_to_an_unknown_function_raises_no_such_function() -> None:
    app, _ = shop()
    client = TestClient(app)

    def undeclared(msg: Message[Order]) -> None:
        return None

    with pytest.raises(NoSuchFunction, match="'nope'"):
        client.send("nope", {})
    with pytest.raises(NoSuchFunction, match="'undeclared'"):
        client.send(undeclared, {})


# -- trigger --------------------------------------------------------------------------------


def test_trigger_an_http_function_with_a_request() -> None:
    app, seen = shop()

    outcome = TestClient(app).trigger("read", HTTPRequest("GET", "/orders/7"))

    assert outcome.ok
    assert isinstance(outcome.result, TestResponse)
    assert (outcome.result.status, outcome.result.text) == (200, "7")
    assert seen == ["7"]


def test_trigger_an_http_function_that_fails() -> None:
    app = echo_app()
    outcome = TestClient(app).trigger("boom", HTTPRequest("GET", "/boom"))
    assert not outcome.ok
    assert isinstance(outcome.result, TestResponse)
    assert outcome.result.status == 500


def test_trigger_a_message_function_with_a_message() -> None:
    app, seen = shop()
    msg: Message[Order] = Message(
        id="m-1", data={"id": "a", "qty": 1}, source="orders", attempt=3, partition_key="k"
    )

    assert TestClient(app).trigger("ship", msg) == Outcome(ok=True, result="shipped a")
    assert seen == [msg]
    assert msg.data == Order(id="a", qty=1)
    assert msg.attempt == 3


def test_trigger_an_event_function_with_an_event() -> None:
    app, seen = shop()
    event: Event[Order] = Event(
        id="e-1", source="shop", type="order.created", data={"id": "b", "qty": 1}
    )

    assert TestClient(app).trigger(app.function("created").handler, event).result == "b"
    assert seen == [event]


def test_trigger_an_event_function_with_another_type_does_not_call_it() -> None:
    app, seen = shop()
    event: Event[Order] = Event(id="e-1", source="shop", type="order.refunded", data={})

    assert TestClient(app).trigger("created", event) == Outcome(ok=True, result=None)
    assert seen == []


def test_trigger_a_storage_function() -> None:
    app, seen = shop()
    client = TestClient(app)
    created = StorageEvent(bucket="uploads", key="a.csv", action="created", size=3)
    deleted = StorageEvent(bucket="uploads", key="a.csv", action="deleted")

    assert client.trigger("upload", created) == Outcome(ok=True, result="a.csv")
    assert client.trigger("upload", deleted) == Outcome(ok=True, result=None)
    assert seen == [created]


def test_trigger_a_schedule_function() -> None:
    app, seen = shop()
    tick = ScheduleEvent(schedule="tick", time="2024-05-01T10:05:00Z", past_due=True)

    assert TestClient(app).trigger("tick", tick).result == "tick"
    [event] = seen
    assert event.time == datetime(2024, 5, 1, 10, 5, tzinfo=timezone.utc)
    assert event.past_due


def test_trigger_a_changes_function_validates_old_and_new() -> None:
    app, seen = shop()
    client = TestClient(app)
    update: ChangeEvent[Order] = ChangeEvent(
        table="orders",
        kind="update",
        key={"id": "a"},
        old={"id": "a", "qty": 1},
        new={"id": "a", "qty": 2},
    )
    delete: ChangeEvent[Order] = ChangeEvent(
        table="orders", kind="delete", key={"id": "a"}, old={"id": "a", "qty": 2}
    )

    assert client.trigger("audit", update).ok
    assert client.trigger("audit", delete).ok
    assert seen == [update, delete]
    assert (update.old, update.new) == (Order(id="a", qty=1), Order(id="a", qty=2))
    assert (delete.old, delete.new) == (Order(id="a", qty=2), None)


@pytest.mark.parametrize(
    ("old", "new"), [(None, {"id": "a", "qty": 0}), ({"id": "a"}, {"id": "a", "qty": 1})]
)
def test_trigger_a_changes_function_with_invalid_images(old: Any, new: Any) -> None:
    app, seen = shop()
    client = TestClient(app)

    def change() -> ChangeEvent[Order]:
        return ChangeEvent(table="orders", kind="insert", key={"id": "a"}, old=old, new=new)

    with pytest.raises(InvalidPayload):
        client.trigger("audit", change())
    outcome = client.trigger("audit", change(), raise_errors=False)
    assert not outcome.ok
    assert isinstance(outcome.error, InvalidPayload)
    assert seen == []


def test_trigger_failure_raises_or_is_returned() -> None:
    app, _ = shop()
    client = TestClient(app)

    def failing() -> Message[Order]:
        return Message(id="m", data={"id": "fail", "qty": 1})

    with pytest.raises(ShippingError):
        client.trigger("ship", failing())
    outcome = client.trigger("ship", failing(), raise_errors=False)
    assert not outcome.ok
    assert isinstance(outcome.error, ShippingError)


@pytest.mark.parametrize(
    ("name", "event"),
    [
        ("read", {"method": "GET"}),
        ("read", Message(id="m", body=b"{}")),
        ("ship", StorageEvent(bucket="orders", key="k")),
        ("ship", Event(id="e", source="s", type="t")),
        ("created", Message(id="m", body=b"{}")),
        ("upload", Message(id="m", body=b"{}")),
        ("tick", StorageEvent(bucket="b", key="k")),
        ("audit", Message(id="m", body=b"{}")),
        ("audit", {"table": "orders"}),
    ],
)
def test_trigger_with_the_wrong_envelope_type_raises(name: str, event: object) -> None:
    app, seen = shop()
    with pytest.raises(PortafuncError, match=name):
        TestClient(app).trigger(name, event)
    assert seen == []


def test_trigger_an_unknown_function_raises_no_such_function() -> None:
    app, _ = shop()
    with pytest.raises(NoSuchFunction, match="'missing'"):
        TestClient(app).trigger("missing", StorageEvent(bucket="b", key="k"))
