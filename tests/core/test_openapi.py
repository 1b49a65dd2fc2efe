"""``portafunc openapi`` (portafunc.openapi): an OpenAPI 3.1 document of the HTTP
functions, checked with openapi-spec-validator."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from portafunc import App, Context, Cookie, Header, HTTPRequest, HTTPResponse, Message, Query
from portafunc.cli import main
from portafunc.openapi import document

ROOT = Path(__file__).resolve().parents[2]


class Item(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]+$")
    qty: int = Field(gt=0)


class Order(BaseModel):
    id: int
    items: list[Item]


@dataclass
class Note:
    text: str


class Problem(BaseModel):
    """A user's own model named like portafunc's problem schema."""

    reason: str


class Opaque:
    """A type pydantic cannot describe."""


app = App("orders")


@app.post("/tenants/{tenant}/orders", status=201)
def create_order(tenant: str, order: Order, ctx: Context) -> Order:
    """Place an order.

    The order is validated, then stored.
    """
    return order


@app.get("/tenants/{tenant}/orders/{order_id}")
def get_order(
    tenant: str,
    order_id: int,
    request: HTTPRequest,
    with_total: Annotated[bool, Query()] = False,
    tags: Annotated[list[str] | None, Query(alias="tag")] = None,
    x_trace: Annotated[str, Header()] = "none",
    session: Annotated[str, Cookie()] = "anonymous",
    page: Annotated[int, Query(), Field(ge=1)] = 1,
) -> Order | None:
    return None


@app.delete("/tenants/{tenant}/orders/{order_id}")
def cancel_order(tenant: str, order_id: int) -> None: ...


@app.http(["GET", "HEAD"], "/files/{rest:path}")
def files(rest: str, token: Annotated[str, Header(alias="x-token")]) -> bytes:
    return b""


@app.put("/notes", status=202)
def put_note(note: Note | None = None) -> str:
    return "ok"


@app.post("/raw")
def raw(body: bytes) -> HTTPResponse:
    return HTTPResponse(200)


@app.get("/problem")
def problem() -> Problem:
    return Problem(reason="x")


@app.get("/untyped/{thing}")
def untyped(request: HTTPRequest):  # type: ignore[no-untyped-def]  # no return annotation
    return None


@app.queue("jobs")
def job(msg: Message[Order]) -> None: ...


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    doc = document(app, version="2.0")
    validate(doc)
    return doc


def parameters(spec: dict[str, Any], path: str, method: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in spec["paths"][path][method].get("parameters", [])}


def test_header(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {"title": "orders", "version": "2.0"}
    assert list(spec["paths"]) == [
        "/tenants/{tenant}/orders",
        "/tenants/{tenant}/orders/{order_id}",
        "/files/{rest}",
        "/notes",
        "/raw",
        "/problem",
        "/untyped/{thing}",
    ]


def test_operation_ids_summaries_and_descriptions(spec: dict[str, Any]) -> None:
    create = spec["paths"]["/tenants/{tenant}/orders"]["post"]
    assert create["operationId"] == "create_order"
    assert create["summary"] == "Place an order."
    assert create["description"] == "The order is validated, then stored."
    item = spec["paths"]["/tenants/{tenant}/orders/{order_id}"]
    assert (item["get"]["operationId"], item["delete"]["operationId"]) == (
        "get_order",
        "cancel_order",
    )
    assert "summary" not in item["get"]
    files = spec["paths"]["/files/{rest}"]
    assert (files["get"]["operationId"], files["head"]["operationId"]) == (
        "files_get",
        "files_head",
    )


def test_path_query_header_and_cookie_parameters(spec: dict[str, Any]) -> None:
    found = parameters(spec, "/tenants/{tenant}/orders/{order_id}", "get")
    assert found == {
        "tenant": {"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}},
        "order_id": {
            "name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"},
        },
        "with_total": {
            "name": "with_total", "in": "query", "required": False,
            "schema": {"type": "boolean", "default": False},
        },
        "tag": {
            "name": "tag", "in": "query", "required": False,
            "schema": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
        },
        "x-trace": {
            "name": "x-trace", "in": "header", "required": False,
            "schema": {"type": "string", "default": "none"},
        },
        "session": {
            "name": "session", "in": "cookie", "required": False,
            "schema": {"type": "string", "default": "anonymous"},
        },
        "page": {
            "name": "page", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
    }  # fmt: skip


def test_greedy_and_unbound_path_parameters(spec: dict[str, Any]) -> None:
    files = parameters(spec, "/files/{rest}", "get")
    assert files["rest"] == {
        "name": "rest",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    assert files["x-token"]["required"] is True
    # A template parameter the handler does not take is still described.
    assert parameters(spec, "/untyped/{thing}", "get")["thing"]["schema"] == {"type": "string"}


def test_request_bodies(spec: dict[str, Any]) -> None:
    create = spec["paths"]["/tenants/{tenant}/orders"]["post"]
    assert create["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
    }
    note = spec["paths"]["/notes"]["put"]["requestBody"]
    assert note["required"] is False
    assert note["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/Note"}, {"type": "null"}]
    }
    raw = spec["paths"]["/raw"]["post"]["requestBody"]["content"]
    assert raw == {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    assert "requestBody" not in spec["paths"]["/tenants/{tenant}/orders/{order_id}"]["get"]


def test_responses(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    created = paths["/tenants/{tenant}/orders"]["post"]["responses"]
    assert created["201"] == {
        "description": "Created",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
    }
    assert "200" not in created
    for status, name in [
        ("400", "BadRequest"),
        ("404", "NotFound"),
        ("405", "MethodNotAllowed"),
        ("422", "UnprocessableContent"),
        ("500", "InternalServerError"),
    ]:
        assert created[status] == {"$ref": f"#/components/responses/{name}"}
    assert (
        "content" not in paths["/tenants/{tenant}/orders/{order_id}"]["delete"]["responses"]["204"]
    )
    assert paths["/notes"]["put"]["responses"]["202"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    assert paths["/files/{rest}"]["get"]["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert paths["/raw"]["post"]["responses"]["200"] == {"description": "OK"}  # HTTPResponse
    assert paths["/untyped/{thing}"]["get"]["responses"]["200"] == {"description": "OK"}


def test_components(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas) == {"Item", "Order", "Note", "Problem", "PortafuncProblem"}
    assert schemas["Item"]["properties"]["sku"] == {
        "pattern": "^[A-Z]+$",
        "title": "Sku",
        "type": "string",
    }
    assert (
        schemas["Problem"]["description"]
        == "A user's own model named like portafunc's problem schema."
    )
    assert schemas["PortafuncProblem"]["required"] == ["type", "title", "status"]
    problem = spec["components"]["responses"]["UnprocessableContent"]
    assert problem["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/PortafuncProblem"}}
    }


def test_an_app_without_http_functions() -> None:
    empty = App("empty")

    @empty.queue("jobs")
    def job(msg: Message[bytes]) -> None: ...

    doc = document(empty)
    validate(doc)
    assert doc["paths"] == {}
    assert set(doc["components"]["schemas"]) == {"Problem"}


def test_a_type_pydantic_cannot_describe_is_any() -> None:
    odd = App("odd")

    @odd.get("/opaque")
    def opaque() -> Opaque:
        return Opaque()

    doc = document(odd)
    validate(doc)
    assert doc["paths"]["/opaque"]["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {}}
    }


# -- the command ----------------------------------------------------------------------------


@pytest.fixture
def isolated() -> Iterator[None]:
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith(("_portafunc_app_", "store")):
            del sys.modules[name]


def test_cli_prints_the_shop_document(isolated: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", str(ROOT / "examples" / "shop" / "app.py")]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    assert doc["info"]["title"] == "shop"
    assert doc["paths"]["/tenants/{tenant}/orders"]["post"]["operationId"] == "create_order"


def test_cli_writes_a_file(
    tmp_path: Path, isolated: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "openapi.json"
    shop = str(ROOT / "examples" / "shop" / "app.py")
    assert main(["openapi", shop, "--out", str(out), "--api-version", "1.2.3"]) == 0
    assert capsys.readouterr().out == f"portafunc: wrote {out}\n"
    assert json.loads(out.read_text())["info"]["version"] == "1.2.3"
    assert main(["openapi", shop, "--out", str(tmp_path / "missing" / "x.json")]) == 2
    assert capsys.readouterr().err.startswith("portafunc: error: cannot write ")


def test_cli_bad_app(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["openapi", str(tmp_path / "nope.py")]) == 2
    assert "not found" in capsys.readouterr().err
