"""portafunc.binding and portafunc.params: every binding form, through App and TestClient.

This module uses ``from __future__ import annotations`` on purpose: every handler's
annotations are strings, which binding must resolve (``eval_str=True``). Types the
handlers use live at module level so they can be resolved.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from portafunc import (
    App,
    ChangeEvent,
    Context,
    Cookie,
    DeclarationError,
    Event,
    Header,
    HTTPRequest,
    InvalidPayload,
    Message,
    Query,
    ScheduleEvent,
    StorageEvent,
)
from portafunc import binding as binding_module
from portafunc.testing import TestClient, TestResponse


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Pair(TypedDict):
    key: str
    count: int


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Opaque:
    """A class pydantic has no schema for."""


ORDER = {"id": "a1", "qty": 2}


def _errors(response: TestResponse) -> list[dict[str, Any]]:
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["status"] == response.status
    errors: list[dict[str, Any]] = body["errors"]
    return errors


def _locs(response: TestResponse) -> list[list[Any]]:
    return [error["loc"] for error in _errors(response)]


# -- envelopes -------------------------------------------------------------------------


def test_http_request_envelope() -> None:
    app = App("t")

    @app.post("/echo/{name}")
    def echo(request: HTTPRequest) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "params": dict(request.path_params),
            "q": request.query.getlist("q"),
            "body": request.text,
        }

    response = TestClient(app).post("/echo/bob?q=1&q=2", data="hi")
    assert response.json() == {
        "method": "POST",
        "path": "/echo/bob",
        "params": {"name": "bob"},
        "q": ["1", "2"],
        "body": "hi",
    }


def test_bare_message_envelope_gets_json_data() -> None:
    app = App("t")
    seen: list[Message[Any]] = []

    @app.queue("orders")
    def consume(msg: Message) -> None:  # type: ignore[type-arg]  # a bare Message is allowed
        seen.append(msg)

    TestClient(app).send("consume", {"a": [1, 2]}, {"k": "v"})
    (msg,) = seen
    assert isinstance(msg, Message)
    assert msg.data == {"a": [1, 2]}
    assert msg.attributes == {"k": "v"}
    assert msg.source == "orders"


def test_typed_message_envelope_validates_data() -> None:
    app = App("t")
    seen: list[Order] = []

    @app.topic("orders")
    def consume(msg: Message[Order]) -> None:
        seen.append(msg.data)

    client = TestClient(app)
    client.send(consume, ORDER)
    assert seen == [Order(id="a1", qty=2)]
    with pytest.raises(InvalidPayload) as caught:
        client.send(consume, {"id": "a1", "qty": 0})
    assert [error["loc"] for error in caught.value.errors] == [("qty",)]
    assert len(seen) == 1


def test_typed_event_envelope() -> None:
    app = App("t")
    seen: list[Event[Order]] = []

    @app.event(type="order.created")
    def created(event: Event[Order]) -> None:
        seen.append(event)

    TestClient(app).send("created", ORDER)
    (event,) = seen
    assert event.type == "order.created"
    assert event.data == Order(id="a1", qty=2)


def test_change_event_envelope_validates_old_and_new() -> None:
    app = App("t")
    seen: list[tuple[Order | None, Order | None]] = []

    @app.changes("orders")
    def audit(change: ChangeEvent[Order]) -> None:
        seen.append((change.old, change.new))

    client = TestClient(app)
    client.trigger(audit, ChangeEvent(table="orders", kind="update", key={"id": "a1"},
                                      old={"id": "a1", "qty": 1}, new=ORDER))  # fmt: skip
    client.trigger(audit, ChangeEvent(table="orders", kind="delete", key={"id": "a1"},
                                      old=ORDER))  # fmt: skip
    assert seen == [
        (Order(id="a1", qty=1), Order(id="a1", qty=2)),
        (Order(id="a1", qty=2), None),
    ]
    with pytest.raises(InvalidPayload):
        client.trigger(audit, ChangeEvent(table="orders", kind="insert", key={}, new={"id": 1}))


def test_storage_and_schedule_envelopes() -> None:
    app = App("t")
    seen: list[object] = []

    @app.storage("uploads")
    def on_upload(event: StorageEvent) -> None:
        seen.append(event)

    @app.schedule("*/5 * * * *")
    def tick(event: ScheduleEvent, ctx: Context) -> None:
        seen.append((event, ctx.function))

    client = TestClient(app)
    upload = StorageEvent(bucket="uploads", key="a.txt")
    schedule = ScheduleEvent(schedule="tick")
    client.trigger(on_upload, upload)
    client.trigger(tick, schedule)
    assert seen == [upload, (schedule, "tick")]


def test_context() -> None:
    app = App("t")

    @app.get("/ctx")
    def who(ctx: Context) -> dict[str, Any]:
        return {"provider": ctx.provider, "function": ctx.function, "id": ctx.invocation_id}

    body = TestClient(app).get("/ctx").json()
    assert body["provider"] == "local"
    assert body["function"] == "who"
    assert body["id"]


def test_async_handler_is_awaited() -> None:
    app = App("t")

    @app.get("/items/{id}")
    async def item(id: int, ctx: Context) -> dict[str, Any]:
        return {"id": id, "function": ctx.function}

    assert app.function("item").binding.is_async
    assert TestClient(app).get("/items/3").json() == {"id": 3, "function": "item"}


# -- path parameters -------------------------------------------------------------------


def _typed_paths() -> TestClient:
    app = App("t")

    @app.get("/str/{v}")
    def as_str(v: str) -> list[Any]:
        return [type(v).__name__, v]

    @app.get("/int/{v}")
    def as_int(v: int) -> list[Any]:
        return [type(v).__name__, v]

    @app.get("/float/{v}")
    def as_float(v: float) -> list[Any]:
        return [type(v).__name__, v]

    @app.get("/uuid/{v}")
    def as_uuid(v: UUID) -> list[Any]:
        return [type(v).__name__, str(v)]

    @app.get("/color/{v}")
    def as_color(v: Color) -> list[Any]:
        return [type(v).__name__, v.name]

    @app.get("/level/{v}")
    def as_level(v: Level) -> list[Any]:
        return [type(v).__name__, v.name]

    @app.get("/date/{v}")
    def as_date(v: date) -> list[Any]:
        return [type(v).__name__, v.isoformat()]

    @app.get("/positive/{v}")
    def as_positive(v: Annotated[int, Field(gt=0)]) -> list[Any]:
        return [type(v).__name__, v]

    @app.get("/files/{path:path}")
    def as_path(path: str) -> list[Any]:
        return [type(path).__name__, path]

    return TestClient(app)


UUID_TEXT = "12345678-1234-5678-1234-567812345678"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/str/42", ["str", "42"]),
        ("/int/42", ["int", 42]),
        ("/int/-7", ["int", -7]),
        ("/float/1.5", ["float", 1.5]),
        (f"/uuid/{UUID_TEXT}", ["UUID", UUID_TEXT]),
        ("/color/blue", ["Color", "BLUE"]),
        ("/level/2", ["Level", "HIGH"]),
        ("/date/2024-02-29", ["date", "2024-02-29"]),
        ("/positive/3", ["int", 3]),
        ("/files/a/b.txt", ["str", "a/b.txt"]),
    ],
)
def test_path_parameters_are_converted(path: str, expected: list[Any]) -> None:
    response = _typed_paths().get(path)
    assert (response.status, response.json()) == (200, expected)


@pytest.mark.parametrize(
    "path",
    [
        "/int/abc",
        "/int/1.5",
        "/float/x",
        "/uuid/not-a-uuid",
        "/color/purple",
        "/color/RED",
        "/level/3",
        "/date/2023-02-29",
        "/positive/0",
    ],
)
def test_bad_path_parameter_is_422_located_in_path(path: str) -> None:
    response = _typed_paths().get(path)
    assert response.status == 422
    assert _locs(response) == [["path", "v"]]


# -- query, header and cookie parameters -----------------------------------------------


def _search() -> TestClient:
    app = App("t")

    @app.get("/search")
    def search(
        q: Annotated[str, Query()],
        page: Annotated[int, Query()] = 1,
        size: Annotated[int, Query(alias="page-size")] = 10,
        ids: Annotated[list[int], Query()] = [],  # noqa: B006  # never mutated
        tags: Annotated[list[str] | None, Query()] = None,
        n: Annotated[int, Query(), Field(gt=0)] = 1,
    ) -> dict[str, Any]:
        return {"q": q, "page": page, "size": size, "ids": ids, "tags": tags, "n": n}

    @app.get("/need-ids")
    def need_ids(ids: Annotated[list[int], Query()]) -> list[int]:
        return ids

    @app.get("/need-alias")
    def need_alias(size: Annotated[int, Query("page-size")]) -> int:
        return size

    return TestClient(app)


DEFAULTS = {"q": "x", "page": 1, "size": 10, "ids": [], "tags": None, "n": 1}


@pytest.mark.parametrize(
    ("query", "changed"),
    [
        ("q=x", {}),
        ("q=", {"q": ""}),
        ("q=a+b%21", {"q": "a b!"}),
        ("q=x&page=3", {"page": 3}),
        ("q=x&page-size=5", {"size": 5}),
        ("q=x&size=5", {}),
        ("q=x&ids=1&ids=2&ids=3", {"ids": [1, 2, 3]}),
        ("q=x&tags=a&tags=b", {"tags": ["a", "b"]}),
        ("q=x&tags=a", {"tags": ["a"]}),
        ("q=x&n=4", {"n": 4}),
        ("q=first&q=second", {"q": "first"}),
    ],
)
def test_query_parameters(query: str, changed: dict[str, Any]) -> None:
    response = _search().get(f"/search?{query}")
    assert (response.status, response.json()) == (200, {**DEFAULTS, **changed})


def test_query_parameters_from_the_client_query_argument() -> None:
    response = _search().get("/search", query={"q": "x", "ids": ["4", "5"]})
    assert response.json()["ids"] == [4, 5]


@pytest.mark.parametrize(
    ("url", "loc", "kind"),
    [
        ("/search", ["query", "q"], "missing"),
        ("/search?page=1", ["query", "q"], "missing"),
        ("/search?q=x&page=two", ["query", "page"], "int_parsing"),
        ("/search?q=x&page=", ["query", "page"], "int_parsing"),
        ("/search?q=x&page-size=big", ["query", "page-size"], "int_parsing"),
        ("/search?q=x&ids=1&ids=x", ["query", "ids", 1], "int_parsing"),
        ("/search?q=x&n=0", ["query", "n"], "greater_than"),
        ("/need-ids", ["query", "ids"], "missing"),
        ("/need-alias?size=1", ["query", "page-size"], "missing"),
    ],
)
def test_bad_or_missing_query_is_422(url: str, loc: list[Any], kind: str) -> None:
    response = _search().get(url)
    assert response.status == 422
    assert [(e["loc"], e["type"]) for e in _errors(response)] == [(loc, kind)]


def _headers() -> TestClient:
    app = App("t")

    @app.get("/h")
    def headers(
        x_request_id: Annotated[str, Header()],
        token: Annotated[str | None, Header(alias="X-API-Key")] = None,
        accept_language: Annotated[str, Header()] = "en",
        x_tag: Annotated[list[str], Header()] = [],  # noqa: B006  # never mutated
        x_count: Annotated[int, Header()] = 0,
    ) -> dict[str, Any]:
        return {
            "id": x_request_id,
            "token": token,
            "lang": accept_language,
            "tags": x_tag,
            "count": x_count,
        }

    return TestClient(app)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("X-Request-Id", "r1")], {}),
        ([("x-REQUEST-id", "r1")], {}),
        ([("X-Request-Id", "r1"), ("x-api-key", "k")], {"token": "k"}),
        ([("X-Request-Id", "r1"), ("Accept-Language", "fr")], {"lang": "fr"}),
        ([("X-Request-Id", "r1"), ("X-Tag", "a"), ("x-tag", "b")], {"tags": ["a", "b"]}),
        ([("X-Request-Id", "r1"), ("X-Count", "7")], {"count": 7}),
        ([("X-Request-Id", "r1"), ("X-Request-Id", "r2")], {}),
    ],
)
def test_header_parameters(headers: list[tuple[str, str]], expected: dict[str, Any]) -> None:
    response = _headers().get("/h", headers=headers)
    defaults: dict[str, Any] = {"id": "r1", "token": None, "lang": "en", "tags": [], "count": 0}
    assert (response.status, response.json()) == (200, {**defaults, **expected})


@pytest.mark.parametrize(
    ("headers", "loc"),
    [
        ([], ["header", "x-request-id"]),
        ([("x_request_id", "r1")], ["header", "x-request-id"]),  # '_' is not read as '-'
        ([("X-Request-Id", "r1"), ("X-Count", "many")], ["header", "x-count"]),
    ],
)
def test_bad_or_missing_header_is_422(headers: list[tuple[str, str]], loc: list[Any]) -> None:
    response = _headers().get("/h", headers=headers)
    assert response.status == 422
    assert _locs(response) == [loc]


def _cookies() -> TestClient:
    app = App("t")

    @app.get("/c")
    def cookies(
        session: Annotated[str, Cookie()],
        theme: Annotated[str, Cookie()] = "light",
        visits: Annotated[int, Cookie(alias="n-visits")] = 0,
    ) -> dict[str, Any]:
        return {"session": session, "theme": theme, "visits": visits}

    return TestClient(app)


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("session=abc", {"session": "abc", "theme": "light", "visits": 0}),
        ("theme=dark; session=abc", {"session": "abc", "theme": "dark", "visits": 0}),
        ('session="a b"; n-visits=3', {"session": "a b", "theme": "light", "visits": 3}),
    ],
)
def test_cookie_parameters(cookie: str, expected: dict[str, Any]) -> None:
    response = _cookies().get("/c", headers={"Cookie": cookie})
    assert (response.status, response.json()) == (200, expected)


@pytest.mark.parametrize(
    ("headers", "loc"),
    [
        ({}, ["cookie", "session"]),
        ({"Cookie": "Session=abc"}, ["cookie", "session"]),  # cookie names are case-sensitive
        ({"Cookie": "session=abc; n-visits=x"}, ["cookie", "n-visits"]),
    ],
)
def test_bad_or_missing_cookie_is_422(headers: dict[str, str], loc: list[Any]) -> None:
    response = _cookies().get("/c", headers=headers)
    assert response.status == 422
    assert _locs(response) == [loc]


def test_param_markers() -> None:
    assert (Query().source, Header().source, Cookie().source) == ("query", "header", "cookie")
    assert Query().name_for("page_size") == "page_size"
    assert Header().name_for("x_api_key") == "x-api-key"
    assert Header("X_Raw").name_for("x_api_key") == "X_Raw"
    assert Cookie("sid").name_for("session") == "sid"
    assert (repr(Query()), repr(Header(alias="X-Id"))) == ("Query()", "Header('X-Id')")


# -- payloads --------------------------------------------------------------------------


def _payloads() -> TestClient:
    app = App("t")

    @app.post("/bytes")
    def raw(body: bytes) -> bytes:
        return body[::-1]

    @app.post("/str")
    def text(body: str) -> str:
        return body.upper()

    @app.post("/model", status=201)
    def model(order: Order) -> Order:
        return order.model_copy(update={"qty": order.qty * 10})

    @app.post("/dataclass")
    def point(p: Point) -> list[Any]:
        return [type(p).__name__, p.x + p.y]

    @app.post("/typeddict")
    def pair(p: Pair) -> list[Any]:
        return [type(p).__name__, p]

    @app.post("/list")
    def orders(batch: list[Order]) -> list[Any]:
        return [type(o).__name__ for o in batch]

    @app.post("/any")
    def anything(value: Any) -> list[Any]:
        return [type(value).__name__, value]

    return TestClient(app)


def test_bytes_payload_is_the_raw_body() -> None:
    response = _payloads().post("/bytes", data=b"\xff\x00ab")
    assert response.body == b"ba\x00\xff"
    assert response.headers["content-type"] == "application/octet-stream"


def test_str_payload_is_utf8_text() -> None:
    response = _payloads().post("/str", data="héllo".encode())
    assert (response.status, response.text) == (200, "HÉLLO")


def test_str_payload_that_is_not_utf8_is_400() -> None:
    response = _payloads().post("/str", data=b"\xff\xfe")
    assert response.status == 400
    assert response.json()["title"] == "Bad Request"


@pytest.mark.parametrize(
    ("path", "sent", "status", "expected"),
    [
        ("/model", ORDER, 201, {"id": "a1", "qty": 20}),
        ("/model", {"id": "a1", "qty": "3"}, 201, {"id": "a1", "qty": 30}),
        ("/dataclass", {"x": 1, "y": 2}, 200, ["Point", 3]),
        ("/typeddict", {"key": "k", "count": "4"}, 200, ["dict", {"key": "k", "count": 4}]),
        ("/list", [ORDER, ORDER], 200, ["Order", "Order"]),
        ("/list", [], 200, []),
        ("/any", {"a": None}, 200, ["dict", {"a": None}]),
    ],
)
def test_json_payloads_are_validated(path: str, sent: Any, status: int, expected: Any) -> None:
    response = _payloads().post(path, json=sent)
    assert (response.status, response.json()) == (status, expected)


@pytest.mark.parametrize("path", ["/model", "/dataclass", "/typeddict", "/list", "/any"])
@pytest.mark.parametrize("body", [b"{", b"", b"{'id': 1}", b"[1,]"])
def test_malformed_json_is_400(path: str, body: bytes) -> None:
    response = _payloads().post(path, data=body, headers={"content-type": "application/json"})
    assert response.status == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Bad Request"


@pytest.mark.parametrize(
    ("path", "sent", "locs"),
    [
        ("/model", {"id": "a1", "qty": 0}, [["body", "qty"]]),
        ("/model", {"qty": 1}, [["body", "id"]]),
        ("/model", {"id": "a1", "qty": "x"}, [["body", "qty"]]),
        ("/model", [ORDER], [["body"]]),
        ("/dataclass", {"x": 1}, [["body", "y"]]),
        ("/typeddict", {"key": 1, "count": 1}, [["body", "key"]]),
        ("/list", [ORDER, {"id": "b", "qty": -1}], [["body", 1, "qty"]]),
        ("/list", ORDER, [["body"]]),
    ],
)
def test_validation_failure_is_422_located_in_body(
    path: str, sent: Any, locs: list[list[Any]]
) -> None:
    response = _payloads().post(path, json=sent)
    assert response.status == 422
    assert _locs(response) == locs


def test_keyword_only_parameters() -> None:
    app = App("t")

    @app.post("/tenants/{tenant}/orders")
    def create(
        tenant: str, *, order: Order, ctx: Context, dry: Annotated[bool, Query()] = False
    ) -> list[Any]:
        return [tenant, order.id, ctx.function, dry]

    binding = app.function("create").binding
    assert (len(binding.positional), [name for name, _ in binding.keyword]) == (
        1,
        ["order", "ctx", "dry"],
    )
    response = TestClient(app).post("/tenants/acme/orders?dry=true", json=ORDER)
    assert response.json() == ["acme", "a1", "create", True]


def test_positional_only_parameters() -> None:
    app = App("t")

    @app.get("/p/{a}")
    def positional(a: int, /, ctx: Context) -> list[Any]:
        return [a, ctx.function]

    assert TestClient(app).get("/p/5").json() == [5, "positional"]


def test_string_annotations_are_resolved() -> None:
    app = App("t")

    @app.post("/orders/{n}")
    def create(n: int, order: Order, ctx: Context) -> list[Any]:
        return [n, order.qty, ctx.function]

    assert create.__annotations__["order"] == "Order"  # the premise of this module
    assert TestClient(app).post("/orders/1", json=ORDER).json() == [1, 2, "create"]


def test_message_payload_parameter() -> None:
    app = App("t")
    seen: list[tuple[Order, str]] = []

    @app.queue("orders")
    def consume(order: Order, msg: Message[Any]) -> None:
        seen.append((order, msg.source))

    client = TestClient(app)
    client.send(consume, ORDER)
    assert seen == [(Order(id="a1", qty=2), "orders")]
    outcome = client.send(consume, b"{nope", raise_errors=False)
    assert not outcome.ok
    assert isinstance(outcome.error, InvalidPayload)
    assert outcome.error.malformed


@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        (str, "héllo", "héllo"),
        (bytes, "héllo", "héllo".encode()),
        (Order, ORDER, Order(id="a1", qty=2)),
        (list[int], [1, "2"], [1, 2]),
    ],
)
def test_already_decoded_message_values(annotation: Any, value: Any, expected: Any) -> None:
    """Adapters may deliver a decoded value (``data=``); reading ``body`` first changes nothing."""
    app = App("t")
    seen: list[Any] = []

    def consume(msg: Message[Any]) -> None:
        seen.append(msg.data)

    consume.__annotations__["msg"] = Message[annotation]  # declared before binding reads it
    app.queue("q")(consume)
    fresh = Message[Any](id="1", data=value)
    read = Message[Any](id="2", data=value)
    assert read.body  # JSON-encoded for whoever asks, but not what binding decodes
    TestClient(app).trigger(consume, fresh)
    TestClient(app).trigger(consume, read)
    assert seen == [expected, expected]


# -- declaration errors ----------------------------------------------------------------

Declare = Callable[[App], Callable[[Callable[..., Any]], Any]]


def no_annotation(order) -> None:  # type: ignore[no-untyped-def]  # the point of the test
    pass


def star_args(*args: int) -> None:
    pass


def star_kwargs(ctx: Context, **kwargs: int) -> None:
    pass


def two_payloads(first: Order, second: Order) -> None:
    pass


def storage_payload(event: StorageEvent, order: Order) -> None:
    pass


def schedule_payload(order: Order) -> None:
    pass


def changes_payload(change: ChangeEvent[Order], order: Order) -> None:
    pass


def message_on_http(msg: Message[Order]) -> None:
    pass


def request_on_queue(request: HTTPRequest) -> None:
    pass


def event_on_queue(event: Event[Order]) -> None:
    pass


def storage_on_http(event: StorageEvent) -> None:
    pass


def schedule_on_storage(event: ScheduleEvent) -> None:
    pass


def change_on_queue(change: ChangeEvent[Order]) -> None:
    pass


def query_on_queue(page: Annotated[int, Query()]) -> None:
    pass


def header_on_schedule(event: ScheduleEvent, token: Annotated[str, Header()]) -> None:
    pass


def unresolvable(ctx: Context, order: NoSuchModel) -> None:  # type: ignore[name-defined]  # noqa: F821
    pass


def unresolvable_attribute(ctx: Context, order: sys.NoSuchModel) -> None:  # type: ignore[name-defined]
    pass


def unvalidatable(thing: Opaque) -> None:
    pass


def unvalidatable_message(msg: Message[Opaque]) -> None:
    pass


def unvalidatable_path(id: Opaque) -> None:
    pass


def _http(app: App) -> Callable[[Callable[..., Any]], Any]:
    return app.post("/x")


def _http_with_id(app: App) -> Callable[[Callable[..., Any]], Any]:
    return app.get("/x/{id}")


def _queue(app: App) -> Callable[[Callable[..., Any]], Any]:
    return app.queue("q")


def _storage(app: App) -> Callable[[Callable[..., Any]], Any]:
    return app.storage("b")


def _schedule(app: App) -> Callable[[Callable[..., Any]], Any]:
    return app.schedule("0 * * * *")


def _changes(app: App) -> Callable[[Callable[..., Any]], Any]:
    return app.changes("t")


DECLARATION_ERRORS: list[tuple[Declare, Callable[..., Any], str, str]] = [
    (_http, no_annotation, "order", "needs a type annotation"),
    (_queue, star_args, "args", "*args and **kwargs cannot be bound"),
    (_queue, star_kwargs, "kwargs", "*args and **kwargs cannot be bound"),
    (_http, two_payloads, "second", "only one payload parameter is allowed; 'first'"),
    (_storage, storage_payload, "order", "storage functions take no payload parameter"),
    (_schedule, schedule_payload, "order", "schedule functions take no payload parameter"),
    (_changes, changes_payload, "order", "changes functions take no payload parameter"),
    (_http, message_on_http, "msg", "http functions receive HTTPRequest, not Message"),
    (_queue, request_on_queue, "request", "queue functions receive Message, not HTTPRequest"),
    (_queue, event_on_queue, "event", "queue functions receive Message, not Event"),
    (_http, storage_on_http, "event", "http functions receive HTTPRequest, not StorageEvent"),
    (_storage, schedule_on_storage, "event", "receive StorageEvent, not ScheduleEvent"),
    (_queue, change_on_queue, "change", "queue functions receive Message, not ChangeEvent"),
    (_queue, query_on_queue, "page", "Query() only applies to HTTP functions"),
    (_schedule, header_on_schedule, "token", "Header() only applies to HTTP functions"),
    (_http, unresolvable, "order", "name 'NoSuchModel' is not defined"),
    (_http, unresolvable_attribute, "order", "has no attribute 'NoSuchModel'"),
    (_http, unvalidatable, "thing", "pydantic cannot validate"),
    (_queue, unvalidatable_message, "msg", "pydantic cannot validate"),
    (_http_with_id, unvalidatable_path, "id", "pydantic cannot validate"),
]


def _def_line(name: str) -> int:
    """The line of ``def name(`` in this file, found by reading the source."""
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"def {name}("))


@pytest.mark.parametrize(
    ("declare", "handler", "parameter", "reason"),
    DECLARATION_ERRORS,
    ids=[handler.__name__ for _, handler, _, _ in DECLARATION_ERRORS],
)
def test_declaration_errors_name_file_line_and_parameter(
    declare: Declare, handler: Callable[..., Any], parameter: str, reason: str
) -> None:
    app = App("t")
    with pytest.raises(DeclarationError) as caught:
        declare(app)(handler)
    message = str(caught.value)
    assert reason in message
    assert message.startswith(f"{__file__}:{_def_line(handler.__name__)}, ")
    assert f"function {handler.__name__!r}, parameter {parameter!r}: " in message
    assert app.functions == {}


# -- compiled once ---------------------------------------------------------------------


def test_binding_is_compiled_once_at_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App("t")
    seen: list[Order] = []

    @app.post("/t/{tenant}/orders/{n}")
    def create(
        tenant: str,
        n: int,
        order: Order,
        ctx: Context,
        page: Annotated[int, Query()] = 1,
        token: Annotated[str, Header()] = "",
    ) -> list[Any]:
        return [tenant, n, order.qty, ctx.function, page, token]

    @app.queue("q")
    def consume(msg: Message[Order]) -> None:
        seen.append(msg.data)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("re-inspected after declaration")

    monkeypatch.setattr(inspect, "signature", boom)
    monkeypatch.setattr(binding_module, "TypeAdapter", boom)
    client = TestClient(app)
    for _ in range(2):
        response = client.post("/t/acme/orders/4?page=2", json=ORDER, headers={"token": "k"})
        assert response.json() == ["acme", 4, 2, "create", 2, "k"]
        client.send(consume, ORDER)
    assert seen == [Order(id="a1", qty=2)] * 2
    with pytest.raises(AssertionError, match="re-inspected"):  # the patch is in force

        @app.get("/late")
        def late() -> None:
            pass


class Note(BaseModel):
    text: str


def test_an_optional_http_body_takes_its_default_when_the_request_has_none() -> None:
    app = App("optional-body")

    @app.post("/notes")
    def post(note: Note | None = None) -> str:
        return "none" if note is None else note.text

    client = TestClient(app)
    assert client.post("/notes").text == "none"
    assert client.post("/notes", json={"text": "hi"}).text == "hi"
    assert client.post("/notes", data="{").status == 400
