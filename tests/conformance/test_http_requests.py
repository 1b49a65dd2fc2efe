"""HTTP cases about requests: methods, path/query/header/cookie parameters, bodies,
unicode, async handlers. Each handler answers with what it saw, so what the handler
was given is part of the observed response."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import pytest
from pydantic import BaseModel, Field
from pydantic_core import to_json

from portafunc import App, Cookie, Header, HTTPRequest, Query

app = App("conformance-requests")


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)
    note: str = ""


@app.get("/items/{item_id}")
def get_item(item_id: int) -> dict[str, Any]:
    return {"id": item_id, "type": type(item_id).__name__}


@app.post("/orders", status=201)
def create_order(order: Order) -> Order:
    return order


@app.put("/orders/{order_id}")
def replace_order(order_id: str, order: Order) -> dict[str, Any]:
    return {"path": order_id, "order": order}


@app.patch("/orders/{order_id}")
def patch_order(order_id: str, changes: dict[str, int]) -> dict[str, Any]:
    return {"path": order_id, "changes": changes}


@app.delete("/orders/{order_id}")
def delete_order(order_id: str) -> None:
    return None


@app.get("/orders/new")
def new_order_form() -> str:
    return "the static route wins"


@app.get("/search")
def search(
    q: Annotated[str, Query()],
    tags: Annotated[list[str], Query(alias="tag")] = [],  # noqa: B006
    limit: Annotated[int, Query()] = 10,
) -> dict[str, Any]:
    return {"q": q, "tags": tags, "limit": limit}


@app.get("/whoami")
def whoami(
    x_tenant: Annotated[str, Header()],
    x_test_tags: Annotated[list[str], Header()] = [],  # noqa: B006
    session: Annotated[str | None, Cookie()] = None,
) -> dict[str, Any]:
    return {"tenant": x_tenant, "headers": {"x-test-tags": x_test_tags}, "session": session}


@app.http(["GET", "POST", "PUT", "PATCH", "DELETE"], "/echo/{rest:path}")
def echo(rest: str, request: HTTPRequest) -> dict[str, Any]:
    names = sorted({name.lower() for name in request.headers if name.lower().startswith("x-test")})
    return {
        "method": request.method,
        "path": request.path,
        "rest": rest,
        "query": request.query.multi_items(),
        "headers": {name: request.headers.getlist(name) for name in names},
        "cookies": dict(request.cookies),
        "size": len(request.body),
        "sha256": hashlib.sha256(request.body).hexdigest(),
    }


@app.post("/notes")
def add_note(text: str) -> dict[str, Any]:
    return {"text": text, "length": len(text)}


@app.put("/blobs/{name}")
def put_blob(name: str, data: bytes) -> bytes:
    return data[::-1]


@app.get("/greet/{name}")
def greet(name: str, salutation: Annotated[str, Query()] = "hello") -> str:
    return f"{salutation}, {name}!"


@app.get("/async/items/{item_id}")
async def get_item_async(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@app.post("/async/orders", status=201)
async def create_order_async(order: Order, request: HTTPRequest) -> dict[str, Any]:
    return {"order": order, "query": request.query.multi_items()}


@dataclass(frozen=True)
class Case:
    """One request (see http_paths.HTTPInput) and the status the reference answers."""

    id: str
    method: str
    path: str
    status: int
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def json_case(id: str, method: str, path: str, status: int, data: Any, **more: Any) -> Case:
    """A case whose body is ``data`` as JSON, with its content type."""
    headers = (("content-type", "application/json"), *more.pop("headers", ()))
    return Case(id, method, path, status, headers=headers, body=to_json(data), **more)


ORDER = {"id": "a1", "qty": 2, "note": "leave at the door"}
UNICODE = "Zoë 👋 שלום e\u0301 ﷽"  # emoji, RTL (Hebrew, Arabic ligature), combining accent
BINARY = bytes(range(256)) * 4  # every byte value; not UTF-8
LARGE = (b"0123456789abcdef" * 65536)[: 1 << 20]  # 1 MiB
TENANT = ("X-Tenant", "acme")
JSON = (("content-type", "application/json"),)
TEXT = (("content-type", "text/plain"),)
OCTETS = (("content-type", "application/octet-stream"),)
TAGS = (("tag", "a"), ("tag", "b"))
REPEATED = (("X-Test-One", "1"), ("X-Test-Two", "a"), ("X-Test-Two", "b"))

CASES = [
    Case("get-int-path-param", "GET", "/items/42", 200),
    Case("get-int-path-param-invalid", "GET", "/items/forty-two", 422),
    json_case("post-json-model", "POST", "/orders", 201, ORDER),
    json_case("put-json-model", "PUT", "/orders/a1", 200, ORDER),
    json_case("patch-json-dict", "PATCH", "/orders/a1", 200, {"qty": 5}),
    Case("delete-returns-none", "DELETE", "/orders/a1", 204),
    Case("static-segment-beats-param", "GET", "/orders/new", 200),
    Case("query-repeated-list-param", "GET", "/search", 200, (("q", "mug"), *TAGS, ("limit", "5"))),
    Case("query-reserved-characters", "GET", "/search", 200, (("q", "a+b=c&d /%?#é"),)),
    Case("query-missing-required", "GET", "/search", 422, TAGS),
    Case("query-int-invalid", "GET", "/search", 422, (("q", "x"), ("limit", "many"))),
    Case("header-param", "GET", "/whoami", 200, headers=(TENANT,)),
    Case("header-param-missing", "GET", "/whoami", 422),
    Case("header-list-param-repeated", "GET", "/whoami", 200, headers=(TENANT, *REPEATED[1:])),
    Case("cookie-param", "GET", "/whoami", 200, headers=(TENANT,), cookies=(("session", "s1"),)),
    Case("echo-repeated-query-and-headers", "GET", "/echo/a/b", 200, (*TAGS, ("k", "")), REPEATED),
    Case("echo-cookies", "DELETE", "/echo/c", 200, cookies=(("a", "1"), ("b", "two words"))),
    Case("str-body", "POST", "/notes", 200, headers=TEXT, body=b"hello"),
    Case("str-body-unicode", "POST", "/notes", 200, headers=TEXT, body=UNICODE.encode()),
    Case("bytes-body-binary", "PUT", "/blobs/raw", 200, headers=OCTETS, body=BINARY),
    Case("bytes-body-empty", "PUT", "/blobs/empty", 200),
    Case("model-body-empty", "POST", "/orders", 400, headers=JSON),
    Case("echo-empty-body-post", "POST", "/echo/empty", 200),
    Case("echo-large-body-1mib", "POST", "/echo/large", 200, headers=TEXT, body=LARGE),
    Case("echo-large-binary-1mib", "PATCH", "/echo/large", 200, headers=OCTETS, body=BINARY * 1024),
    Case("unicode-path", "GET", f"/greet/{UNICODE}", 200),
    Case("unicode-query", "GET", "/greet/x", 200, (("salutation", UNICODE),)),
    Case("unicode-echo-path-and-query-name", "GET", f"/echo/{UNICODE}/é", 200, ((UNICODE, "x"),)),
    Case("async-get", "GET", "/async/items/7", 200),
    json_case("async-post-model", "POST", "/async/orders", 201, ORDER, query=TAGS),
    json_case("async-post-model-invalid", "POST", "/async/orders", 422, {"id": "a1", "qty": 0}),
]


class Paths(Protocol):
    def observe(self, path: str, app: App, request: Case) -> dict[str, Any]: ...
    def expected(self, path: str, reference: dict[str, Any]) -> dict[str, Any]: ...


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_request(case: Case, path: str, http_paths: Paths) -> None:
    reference = http_paths.observe("local", app, case)
    assert reference["status"] == case.status
    assert http_paths.observe(path, app, case) == http_paths.expected(path, reference)
