"""portafunc.datastructures: Headers, QueryParams, MultiDict and parse_cookies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from portafunc import App, Context, HTTPRequest, InvalidPayload
from portafunc.datastructures import Headers, MultiDict, QueryParams, Source, parse_cookies
from portafunc.pipeline import handle_http

PAIRS = [("Content-Type", "text/plain"), ("X-Tag", "a"), ("x-tag", "b"), ("X-TAG", "c")]


# -- Headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["content-type", "Content-Type", "CONTENT-TYPE", "cOnTeNt-TyPe"])
def test_headers_are_case_insensitive(key: str) -> None:
    headers = Headers(PAIRS)
    assert headers[key] == "text/plain"
    assert headers.get(key) == "text/plain"
    assert key in headers
    assert headers.getlist(key) == ["text/plain"]


def test_headers_keep_every_value_in_order() -> None:
    headers = Headers(PAIRS)
    assert headers["x-tag"] == "a"
    assert headers.getlist("X-Tag") == ["a", "b", "c"]
    assert list(headers) == ["content-type", "x-tag"]
    assert len(headers) == 2
    assert headers.multi_items() == [
        ("content-type", "text/plain"),
        ("x-tag", "a"),
        ("x-tag", "b"),
        ("x-tag", "c"),
    ]
    assert dict(headers.items()) == {"content-type": "text/plain", "x-tag": "a"}


@pytest.mark.parametrize(
    "source",
    [
        {"X-Tag": "a"},
        {"X-Tag": ["a"]},
        {"X-Tag": ("a",)},
        [("X-Tag", "a")],
        (pair for pair in [("X-Tag", "a")]),
    ],
    ids=["dict", "dict-of-lists", "dict-of-tuples", "pairs", "iterator"],
)
def test_headers_from_every_source_shape(source: Source) -> None:
    headers = Headers(source)
    assert headers.multi_items() == [("x-tag", "a")]
    assert headers.multi_items() == [("x-tag", "a")]  # an iterator is read only once


def test_headers_from_a_dict_of_lists_keep_every_value() -> None:
    # Some providers send null for a header with no value.
    source = {"Set-Cookie": ["a=1", "b=2"], "X-Empty": [], "X-None": None}
    headers = Headers(source)  # type: ignore[arg-type]  # the None is the point
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert "x-empty" not in headers
    assert "x-none" not in headers


def test_empty_headers() -> None:
    for headers in (Headers(), Headers(None), Headers({}), Headers([])):
        assert len(headers) == 0
        assert headers.get("x") is None
        assert headers.getlist("x") == []
        assert "x" not in headers
        with pytest.raises(KeyError):
            headers["x"]


def test_headers_are_not_indexed_until_read() -> None:
    read: list[str] = []

    def source() -> Iterator[tuple[str, str]]:
        read.append("read")
        yield ("X-A", "1")

    headers = Headers(source())
    assert headers._index is None
    assert read == []
    assert headers["x-a"] == "1"
    assert headers._index == {"x-a": ["1"]}
    assert headers.getlist("X-A") == ["1"]
    assert read == ["read"]


@pytest.mark.parametrize(
    "read",
    [
        lambda h: h["a"],
        lambda h: h.get("a"),
        lambda h: "a" in h,
        lambda h: len(h),
        lambda h: list(h),
        lambda h: h.getlist("a"),
        lambda h: h.multi_items(),
        lambda h: h == Headers(),
    ],
)
def test_any_read_builds_the_index(read: Callable[[Headers], object]) -> None:
    headers = Headers([("A", "1")])
    assert headers._index is None
    read(headers)
    assert headers._index == {"a": ["1"]}


def test_getlist_returns_a_copy() -> None:
    headers = Headers(PAIRS)
    headers.getlist("x-tag").append("d")
    assert headers.getlist("x-tag") == ["a", "b", "c"]


def test_non_string_keys_are_not_contained() -> None:
    headers = Headers({"1": "one"})
    assert 1 not in headers  # type: ignore[comparison-overlap]  # what a caller may do
    assert "1" in headers


def test_headers_are_immutable() -> None:
    headers = Headers(PAIRS)
    with pytest.raises(TypeError):
        headers["x"] = "1"  # type: ignore[index]
    with pytest.raises(AttributeError):
        headers.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        hash(headers)


def test_equality() -> None:
    assert Headers({"A": "1"}) == Headers([("a", "1")])
    assert Headers([("a", "1"), ("a", "2")]) != Headers([("a", "2"), ("a", "1")])
    assert Headers([("a", "1"), ("a", "2")]) != Headers([("a", "1")])
    assert QueryParams("a=1") == QueryParams({"a": "1"})
    assert QueryParams("a=1") != QueryParams("A=1")
    assert QueryParams("a=1") == {"a": "1"}
    assert QueryParams("a=1") != {"a": "2"}
    assert QueryParams("a=1") != "a=1"


def test_a_multidict_built_from_another_keeps_every_value() -> None:
    headers = Headers(PAIRS)
    assert Headers(headers).getlist("x-tag") == ["a", "b", "c"]
    assert QueryParams(QueryParams("a=1&a=2")).getlist("a") == ["1", "2"]
    assert MultiDict(headers).multi_items() == headers.multi_items()


def test_repr() -> None:
    assert repr(Headers([("A", "1"), ("a", "2")])) == "Headers([('a', '1'), ('a', '2')])"
    assert repr(QueryParams("x=1")) == "QueryParams([('x', '1')])"


# -- QueryParams -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ("", []),
        ("a=1", [("a", "1")]),
        ("a=1&a=2&b=3", [("a", "1"), ("a", "2"), ("b", "3")]),
        ("b=2&a=1&b=3", [("b", "2"), ("b", "3"), ("a", "1")]),
        ("blank=&flag", [("blank", ""), ("flag", "")]),
        ("q=a+b%20c%26d", [("q", "a b c&d")]),
        ("%C3%A9=%E2%82%AC", [("é", "€")]),
        ("a=1&&b=2", [("a", "1"), ("b", "2")]),
        ("eq=a=b", [("eq", "a=b")]),
    ],
)
def test_query_from_a_raw_string(raw: str, pairs: list[tuple[str, str]]) -> None:
    assert QueryParams(raw).multi_items() == pairs


def test_query_keys_are_case_sensitive() -> None:
    query = QueryParams("Page=1&page=2")
    assert (query["Page"], query["page"]) == ("1", "2")
    assert "PAGE" not in query


@pytest.mark.parametrize(
    "source",
    [
        "a=1&a=2&b=",
        {"a": ["1", "2"], "b": [""]},
        [("a", "1"), ("a", "2"), ("b", "")],
    ],
    ids=["string", "dict-of-lists", "pairs"],
)
def test_query_from_every_source_shape(source: Source | str) -> None:
    query = QueryParams(source)
    assert query["a"] == "1"
    assert query.getlist("a") == ["1", "2"]
    assert query["b"] == ""
    assert query.getlist("missing") == []


def test_query_from_a_plain_dict() -> None:
    query = QueryParams({"a": "1", "b": ""})
    assert query.multi_items() == [("a", "1"), ("b", "")]


def test_query_string_is_parsed_on_first_read() -> None:
    query = QueryParams("a=1")
    assert query._index is None
    assert query.get("a") == "1"
    assert query._index == {"a": ["1"]}


# -- cookies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cookies"),
    [
        ([], {}),
        ([""], {}),
        (["a=1"], {"a": "1"}),
        (["a=1; b=2"], {"a": "1", "b": "2"}),
        (["a=1;b=2;  c=3 "], {"a": "1", "b": "2", "c": "3"}),
        (["a="], {"a": ""}),
        (["a=b=c"], {"a": "b=c"}),
        (['a="quoted value"'], {"a": "quoted value"}),
        (['a=""'], {"a": ""}),
        ([r'a="say \"hi\""'], {"a": 'say "hi"'}),
        ([r'a="x\054y"'], {"a": "x,y"}),
        (['a="unbalanced'], {"a": '"unbalanced'}),
        (["a=1; a=2"], {"a": "1"}),
        (["a=1", "a=2; b=3"], {"a": "1", "b": "3"}),
        (["noequals; a=1"], {"a": "1"}),
        (["=orphan; a=1"], {"a": "1"}),
        (["A=1; a=2"], {"A": "1", "a": "2"}),
        (["token=abc%3D%3D"], {"token": "abc%3D%3D"}),
    ],
)
def test_parse_cookies(headers: list[str], cookies: dict[str, str]) -> None:
    assert parse_cookies(headers) == cookies


@pytest.mark.parametrize(
    "source", [{"x-count": 5}, {"x-flags": [True]}, [("x-a", None)], {7: "seven"}]
)
def test_values_that_are_not_text_are_an_invalid_payload(source: Any) -> None:
    headers = Headers(source)
    with pytest.raises(InvalidPayload, match="names and values must be text") as raised:
        headers.get("x-count")
    assert raised.value.malformed


def test_a_handler_reading_such_headers_answers_400() -> None:
    app = App("echo")

    @app.get("/echo")
    def echo(request: HTTPRequest) -> str:
        return request.headers.get("x-count") or ""

    request = HTTPRequest("GET", "/echo", headers={"x-count": 5})  # type: ignore[arg-type]
    response = handle_http(app, request, Context(provider="local"))
    assert response.status == 400
