"""portafunc.http: HTTPRequest and HTTPResponse."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import HTTPRequest, HTTPResponse
from portafunc.datastructures import Headers, QueryParams


class Item(BaseModel):
    name: str
    at: datetime


# -- HTTPRequest -----------------------------------------------------------------------


def test_request_properties() -> None:
    raw = {"version": "2.0"}
    request = HTTPRequest(
        "post",
        "/orders",
        headers=[("Content-Type", "application/json"), ("X-Tag", "a"), ("x-tag", "b")],
        query="page=2&tag=x&tag=y",
        body=b'{"id": "a1"}',
        client_ip="203.0.113.7",
        request_id="req-1",
        identity={"sub": "user-1"},
        provider="aws",
        raw=raw,
    )
    assert request.method == "POST"
    assert request.path == "/orders"
    assert request.path_params == {}
    assert request.query["page"] == "2"
    assert request.query.getlist("tag") == ["x", "y"]
    assert request.headers["content-type"] == "application/json"
    assert request.headers.getlist("X-TAG") == ["a", "b"]
    assert request.body == b'{"id": "a1"}'
    assert request.text == '{"id": "a1"}'
    assert request.json() == {"id": "a1"}
    assert request.client_ip == "203.0.113.7"
    assert request.request_id == "req-1"
    assert request.identity == {"sub": "user-1"}
    assert request.provider == "aws"
    assert request.raw is raw


def test_request_defaults() -> None:
    request = HTTPRequest("GET", "/")
    assert (request.method, request.path, request.body, request.text) == ("GET", "/", b"", "")
    assert len(request.headers) == 0
    assert len(request.query) == 0
    assert request.cookies == {}
    assert request.path_params == {}
    assert (request.client_ip, request.request_id, request.identity) == (None, "", None)
    assert (request.provider, request.raw) == ("local", None)


def test_request_takes_ready_made_headers_and_query_as_is() -> None:
    headers, query = Headers({"a": "1"}), QueryParams("b=2")
    request = HTTPRequest("GET", "/", headers=headers, query=query)
    assert request.headers is headers
    assert request.query is query


def test_request_wraps_raw_headers_and_query_once_when_first_read() -> None:
    raw = {"X-A": "1"}
    request = HTTPRequest("GET", "/", headers=raw, query="a=1")
    assert request._headers is raw  # nothing built before a handler reads it
    assert request.headers is request.headers
    assert request.query is request.query
    assert (request.headers["x-a"], request.query["a"]) == ("1", "1")


def test_request_query_from_a_mapping() -> None:
    request = HTTPRequest("GET", "/", query={"a": ["1", "2"], "b": "3"})
    assert request.query.multi_items() == [("a", "1"), ("a", "2"), ("b", "3")]


def test_request_headers_are_parsed_lazily() -> None:
    request = HTTPRequest("GET", "/", headers=[("Cookie", "a=1")], query="x=1")
    assert request.headers._index is None
    assert request.query._index is None
    assert request.cookies == {"a": "1"}
    assert request.headers._index is not None
    assert request.query._index is None


def test_cookies_come_from_every_cookie_header() -> None:
    request = HTTPRequest(
        "GET", "/", headers=[("Cookie", "a=1; b=2"), ("cookie", "a=3; c=4"), ("X-Cookie", "d=5")]
    )
    assert request.cookies == {"a": "1", "b": "2", "c": "4"}
    assert request.cookies is request.cookies  # parsed once


def test_cookies_given_by_the_adapter_win() -> None:
    request = HTTPRequest("GET", "/", headers={"Cookie": "a=1"}, cookies={"a": "2"})
    assert request.cookies == {"a": "2"}


def test_text_replaces_invalid_utf8_and_json_raises() -> None:
    request = HTTPRequest("POST", "/", body=b"caf\xc3\xa9 \xff")
    assert request.text == "café \ufffd"
    with pytest.raises(ValueError, match="utf-8"):  # UnicodeDecodeError
        request.json()
    with pytest.raises(json.JSONDecodeError):
        HTTPRequest("POST", "/", body=b"{").json()


PUBLIC = [
    "method",
    "path",
    "path_params",
    "query",
    "headers",
    "cookies",
    "body",
    "text",
    "client_ip",
    "request_id",
    "identity",
    "provider",
    "raw",
    "extra",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_request_is_immutable(name: str) -> None:
    request = HTTPRequest("GET", "/a")
    with pytest.raises(AttributeError):
        setattr(request, name, "changed")
    assert (request.method, request.path) == ("GET", "/a")


def test_request_repr() -> None:
    assert (
        repr(HTTPRequest("get", "/a", provider="gcp")) == "HTTPRequest('GET', '/a', provider='gcp')"
    )


# -- HTTPResponse ----------------------------------------------------------------------


def test_response_defaults() -> None:
    response = HTTPResponse()
    assert (response.status, response.headers, response.body) == (200, [], b"")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (None, []),
        ({"A": "1", "B": "2"}, [("A", "1"), ("B", "2")]),
        (
            [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
            [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        ),
        ((pair for pair in [("A", "1")]), [("A", "1")]),
    ],
)
def test_response_headers(headers: Any, expected: list[tuple[str, str]]) -> None:
    assert HTTPResponse(headers=headers).headers == expected


def test_response_body_text_is_utf8() -> None:
    assert HTTPResponse(body="é").body == b"\xc3\xa9"
    assert HTTPResponse(body=b"\xff").body == b"\xff"


@pytest.mark.parametrize(
    ("obj", "body"),
    [
        ({"a": [1, None]}, b'{"a":[1,null]}'),
        (None, b"null"),
        ("é", b'"\xc3\xa9"'),
        (
            Item(name="x", at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
            b'{"name":"x","at":"2024-01-02T03:04:05Z"}',
        ),
        (
            [Item(name="y", at=datetime(2024, 1, 1, tzinfo=timezone.utc))],
            b'[{"name":"y","at":"2024-01-01T00:00:00Z"}]',
        ),
    ],
)
def test_response_json(obj: Any, body: bytes) -> None:
    response = HTTPResponse.json(obj)
    assert (response.status, response.body) == (200, body)
    assert response.headers == [("content-type", "application/json")]


def test_response_json_status_headers_and_content_type() -> None:
    response = HTTPResponse.json(
        {"a": 1}, 201, headers=[("Location", "/a/1")], content_type="application/hal+json"
    )
    assert response.status == 201
    assert response.headers == [("content-type", "application/hal+json"), ("Location", "/a/1")]


def test_response_plain() -> None:
    response = HTTPResponse.plain("héllo", 418, headers=[("X-A", "1")])
    assert (response.status, response.body) == (418, "héllo".encode())
    assert response.headers == [("content-type", "text/plain; charset=utf-8"), ("X-A", "1")]
    assert HTTPResponse.plain("x").status == 200


def test_response_header_lookup() -> None:
    response = HTTPResponse(headers=[("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-A", "")])
    assert response.header("SET-COOKIE") == "a=1"
    assert response.header("x-a") == ""
    assert response.header("missing") is None


def test_response_equality() -> None:
    one = HTTPResponse(201, headers=[("A", "1")], body=b"x")
    assert one == HTTPResponse(201, headers={"A": "1"}, body="x")
    assert one != HTTPResponse(200, headers=[("A", "1")], body=b"x")
    assert one != HTTPResponse(201, headers=[("A", "2")], body=b"x")
    assert one != HTTPResponse(201, headers=[("A", "1")], body=b"y")
    assert one != (201, [("A", "1")], b"x")
    with pytest.raises(TypeError):
        hash(one)


def test_response_repr_shortens_the_body() -> None:
    text = repr(HTTPResponse(500, body=b"x" * 1000))
    assert text.startswith("HTTPResponse(500, headers=[], body=b'xxx")
    assert len(text) < 120


def test_client_ip_may_be_computed_when_first_read() -> None:
    calls: list[str] = []

    def address() -> str:
        calls.append("read")
        return "203.0.113.7"

    request = HTTPRequest("GET", "/", client_ip=address)
    assert calls == []
    assert (request.client_ip, request.client_ip, calls) == ("203.0.113.7", "203.0.113.7", ["read"])
