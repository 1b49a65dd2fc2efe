"""``serve --provider aws``: local requests through API Gateway, ALB and function URL events.

Each format is a round trip: the local request becomes the event that proxy sends
(via ``portafunc_aws.testing``), runs through ``lambda_handler``, and the Lambda
response comes back as the proxy would send it. Repeated request headers arrive as
each proxy presents them; status, several ``Set-Cookie`` and binary bodies survive
every format.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from portafunc import App, HTTPRequest, HTTPResponse, pipeline
from portafunc.errors import PortafuncError
from portafunc_aws._provider import provider

FORMATS = ["http", "rest", "alb", "alb-multi", "url"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
COOKIES = ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly"]


def make_app() -> App:
    app = App("web")

    @app.http(["GET", "POST"], "/echo")
    def echo(request: HTTPRequest) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query.multi_items(),
            "x_multi": request.headers.getlist("x-multi"),
            "cookies": dict(request.cookies),
            "body": request.text,
            "client_ip": request.client_ip,
        }

    @app.post("/login", status=201)
    def login() -> HTTPResponse:
        headers = [("set-cookie", c) for c in COOKIES] + [("x-two", "1"), ("x-two", "2")]
        return HTTPResponse(201, headers=headers, body=b"")

    @app.get("/image")
    def image() -> HTTPResponse:
        return HTTPResponse(200, headers=[("content-type", "image/png")], body=PNG)

    @app.post("/upload")
    def upload(data: bytes) -> bytes:
        return data[::-1]

    @app.get("/files/{rest:path}")
    def files(rest: str) -> str:
        return rest

    return app


def request(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HTTPRequest:
    """A request as the local server builds it (decoded path, raw query, header pairs)."""
    given = [("Host", "127.0.0.1:8080"), ("User-Agent", "test"), *(headers or [])]
    if body:
        given.append(("Content-Length", str(len(body))))
    return HTTPRequest(
        method, path, headers=given, query=query, body=body, client_ip="127.0.0.1", request_id="r"
    )


def values(response: HTTPResponse, name: str) -> list[str]:
    return [value for key, value in response.headers if key.lower() == name]


@pytest.mark.parametrize("format", FORMATS)
def test_a_request_reaches_the_function_as_the_proxy_presents_it(format: str) -> None:
    handle = provider.http_handler(make_app(), {"format": format})
    headers = [("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "s=1; t=2")]
    sent = request("POST", "/echo", query="a=1&a=2&b=x%20y", headers=headers, body=b'{"k": 1}')
    response = handle(sent)
    assert response.status == 200
    seen = json.loads(response.body)
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo"
    # An ALB without multi-value headers keeps the last of repeated values (query, headers);
    # HTTP APIs and function URLs comma-join repeated headers.
    every = [["a", "1"], ["a", "2"], ["b", "x y"]]
    assert seen["query"] == (every[1:] if format == "alb" else every)
    assert seen["cookies"] == {"s": "1", "t": "2"}
    assert seen["body"] == '{"k": 1}'
    assert seen["client_ip"] == "127.0.0.1"
    expected = {"http": ["1,2"], "url": ["1,2"], "alb": ["2"]}.get(format, ["1", "2"])
    assert seen["x_multi"] == expected


@pytest.mark.parametrize("format", FORMATS)
def test_status_and_every_set_cookie_come_back(format: str) -> None:
    response = provider.http_handler(make_app(), {"format": format})(request("POST", "/login"))
    assert response.status == 201
    assert values(response, "set-cookie") == COOKIES
    two = values(response, "x-two")
    assert two in (["1", "2"], ["1, 2"])


@pytest.mark.parametrize("format", FORMATS)
def test_binary_bodies_travel_both_ways(format: str) -> None:
    handle = provider.http_handler(make_app(), {"format": format})
    image = handle(request("GET", "/image"))
    assert (image.status, image.body, values(image, "content-type")) == (200, PNG, ["image/png"])
    headers = [("Content-Type", "application/octet-stream")]
    echoed = handle(request("POST", "/upload", headers=headers, body=PNG))
    assert (echoed.status, echoed.body) == (200, PNG[::-1])


@pytest.mark.parametrize("format", FORMATS)
def test_paths_keep_their_characters(format: str) -> None:
    handle = provider.http_handler(make_app(), {"format": format})
    response = handle(request("GET", "/files/a b/c%d/\u00e9"))
    assert (response.status, response.body.decode()) == (200, "a b/c%d/\u00e9")


@pytest.mark.parametrize("format", FORMATS)
def test_portafunc_answers_404_and_405(format: str) -> None:
    handle = provider.http_handler(make_app(), {"format": format})
    assert handle(request("GET", "/nowhere")).status == 404
    wrong = handle(request("DELETE", "/echo"))
    assert wrong.status == 405
    assert values(wrong, "allow") == ["GET, HEAD, POST"]


@pytest.mark.parametrize(
    ("format", "status"), [("http", 500), ("rest", 502), ("alb", 502), ("url", 502)]
)
def test_a_function_that_fails_gets_the_proxy_error(
    format: str, status: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("no database")

    monkeypatch.setattr(pipeline, "handle_http", broken)  # the invocation itself fails
    response = provider.http_handler(make_app(), {"format": format})(request("GET", "/image"))
    assert response.status == status
    assert b"no database" not in response.body
    assert "no database" in caplog.text


def test_a_handler_failure_is_the_apps_own_500() -> None:
    app = make_app()

    @app.on_startup
    def broken() -> None:
        raise RuntimeError("no database")

    response = provider.http_handler(app, {"format": "rest"})(request("GET", "/image"))
    assert response.status == 500
    assert values(response, "content-type") == ["application/problem+json"]


def test_the_default_format_is_an_http_api() -> None:
    app = make_app()

    @app.get("/raw")
    def raw(request: HTTPRequest) -> str:
        return str(request.raw["version"])

    assert provider.http_handler(app, {})(request("GET", "/raw")).body == b"2.0"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(PortafuncError, match="alb-multi"):
        provider.http_handler(make_app(), {"format": "soap"})
