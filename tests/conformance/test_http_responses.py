"""HTTP cases about results and errors: every return type, statuses, Set-Cookie,
large and empty answers, every error status, exception handlers, async handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from pydantic import BaseModel, Field

from portafunc import App, HTTPError, HTTPRequest, HTTPResponse

app = App("conformance-responses")
SECRET = "db-password=hunter2"


class Order(BaseModel):
    id: str
    qty: int = Field(gt=0)


class OutOfStock(Exception):
    def __init__(self, sku: str) -> None:
        super().__init__(sku)
        self.sku = sku


class Discontinued(OutOfStock):
    """Handled by the handler of its base class."""


class Broken(Exception):
    """Its exception handler raises."""


@app.exception_handler(OutOfStock)
def out_of_stock(request: HTTPRequest, exc: OutOfStock) -> HTTPResponse:
    problem = {"type": "about:blank", "title": "Conflict", "status": 409, "detail": exc.sku}
    return HTTPResponse.json(problem, 409, content_type="application/problem+json")


@app.exception_handler(Broken)
def broken(request: HTTPRequest, exc: Broken) -> HTTPResponse:
    raise HTTPError(503, "try later", headers={"retry-after": "30"})


@app.get("/none")
def returns_none() -> None:
    return None


@app.post("/accepted", status=202)
def returns_none_with_status() -> None:
    return None


@app.get("/text")
def returns_str() -> str:
    return "plain text ✓"


@app.get("/bytes")
def returns_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\xff"


@app.get("/model")
def returns_model() -> Order:
    return Order(id="a1", qty=2)


@app.get("/list")
def returns_list() -> list[Order]:
    return [Order(id="a1", qty=1), Order(id="b2", qty=2)]


@app.post("/orders", status=201)
def create(order: Order) -> Order:
    return order


@app.get("/cookies")
def several_cookies() -> HTTPResponse:
    return HTTPResponse(
        200,
        headers=[
            ("content-type", "text/plain; charset=utf-8"),
            ("set-cookie", "session=s1; Path=/; HttpOnly; Secure"),
            ("set-cookie", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; SameSite=Lax"),
            ("x-request-tag", "one"),
            ("x-request-tag", "two"),
        ],
        body="cookies set",
    )


@app.put("/orders/{order_id}")
def located(order_id: str) -> HTTPResponse:
    return HTTPResponse.json({"id": order_id}, 201, headers=[("location", f"/orders/{order_id}")])


@app.get("/empty")
def empty_response() -> HTTPResponse:
    return HTTPResponse(204, headers=[("x-reason", "nothing to say")])


@app.get("/large")
def large() -> str:
    return "ab" * (1 << 19)  # 1 MiB


@app.get("/conflict")
def conflict() -> None:
    raise HTTPError(409, "order a1 is already shipped")


@app.get("/teapot")
def teapot() -> None:
    raise HTTPError(418, "I'm a teapot: no coffee", headers={"x-brew": "tea"})


@app.get("/crash")
def crash() -> None:
    raise RuntimeError(SECRET)


@app.get("/async/crash")
async def crash_async() -> None:
    raise KeyError(SECRET)


@app.get("/out-of-stock/{sku}")
def raises_mapped(sku: str) -> None:
    raise OutOfStock(sku)


@app.get("/discontinued/{sku}")
async def raises_subclass(sku: str) -> None:
    raise Discontinued(sku)


@app.get("/broken")
def raises_broken() -> None:
    raise Broken()


@app.get("/async/cookies")
async def cookies_async() -> HTTPResponse:
    return HTTPResponse.plain("async", 200, headers=[("set-cookie", "a=1"), ("set-cookie", "b=2")])


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


JSON = (("content-type", "application/json"),)
CASES = [
    Case("returns-none-204", "GET", "/none", 204),
    Case("returns-none-decorator-status-202", "POST", "/accepted", 202),
    Case("returns-str", "GET", "/text", 200),
    Case("returns-bytes", "GET", "/bytes", 200),
    Case("returns-model", "GET", "/model", 200),
    Case("returns-list-of-models", "GET", "/list", 200),
    Case("decorator-status-201", "POST", "/orders", 201, headers=JSON, body=b'{"id":"a1","qty":1}'),
    Case("response-several-set-cookie", "GET", "/cookies", 200),
    Case("response-location-201", "PUT", "/orders/a1", 201),
    Case("response-204-custom-header", "GET", "/empty", 204),
    Case("response-large-1mib", "GET", "/large", 200),
    Case("head-on-get-route", "HEAD", "/model", 200),
    Case("error-400-malformed-json", "POST", "/orders", 400, headers=JSON, body=b'{"id": "a1",'),
    Case("error-400-json-not-utf8", "POST", "/orders", 400, headers=JSON, body=b'{"id": "\xff"}'),
    Case("error-404-no-route", "GET", "/nowhere", 404),
    Case("error-404-root", "GET", "/", 404),
    Case("error-405-allow", "DELETE", "/model", 405),
    Case("error-405-allow-several-methods", "PATCH", "/orders/a1", 405),
    Case("error-422-body-constraint", "POST", "/orders", 422, headers=JSON, body=b'{"qty":0}'),
    Case("error-422-body-wrong-shape", "POST", "/orders", 422, headers=JSON, body=b"[1, 2]"),
    Case("httperror-409-detail", "GET", "/conflict", 409),
    Case("httperror-418-detail-headers", "GET", "/teapot", 418),
    Case("error-500-no-internals", "GET", "/crash", 500),
    Case("error-500-async-no-internals", "GET", "/async/crash", 500),
    Case("exception-handler-409", "GET", "/out-of-stock/MUG", 409),
    Case("exception-handler-base-class-async", "GET", "/discontinued/CAP", 409),
    Case("exception-handler-raises-503", "GET", "/broken", 503),
    Case("async-several-set-cookie", "GET", "/async/cookies", 200),
]


class Paths(Protocol):
    def observe(self, path: str, app: App, request: Case) -> dict[str, Any]: ...
    def expected(self, path: str, reference: dict[str, Any]) -> dict[str, Any]: ...


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_response(case: Case, path: str, http_paths: Paths) -> None:
    reference = http_paths.observe("local", app, case)
    assert reference["status"] == case.status
    observed = http_paths.observe(path, app, case)
    assert SECRET.encode() not in observed["body"]
    assert observed == http_paths.expected(path, reference)
