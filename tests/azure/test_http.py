"""HTTP triggers: route functions, the catch-all, request and response translation.

Requests are built as the Python worker builds them: the host's RpcHttp turned into
``meta.Datum`` values and decoded by azure.functions' own ``HttpRequestConverter``
(the host passes the absolute URL, headers one value per name, ``query`` one value
per name, ``params`` the route values). Responses go back through
``HttpResponseConverter.encode``, which is what the worker sends the host. The one
Azure HTTP payload in the corpus, ``other/custom-handler-http-trigger-request.json``
(the Functions docs' "custom handlers" page), is the same request as the host
forwards it to a custom handler; one golden case replays it through the converter.
"""

import asyncio
import base64
import inspect
import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
import pytest
from azure.functions import meta
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from pydantic import BaseModel

from portafunc import App, Context, HTTPRequest, HTTPResponse
from portafunc.errors import DeclarationError, InvalidPayload, PortafuncError, UnsupportedEvent
from portafunc_azure.cli.emulate import local_response
from portafunc_azure.options import validate
from portafunc_azure.triggers import http
from portafunc_azure.triggers.http import CATCH_ALL

Golden = Callable[[str, Any], None]
Render = Callable[[Any], dict[str, Any]]
Payload = Callable[[str], dict[str, Any]]

TRACE_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
PRINCIPAL = {
    "auth_typ": "aad",
    "claims": [
        {"typ": "name", "val": "Ada Lovelace"},
        {
            "typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            "val": "ada@example.com",
        },
        {"typ": "roles", "val": "Reader"},
        {"typ": "roles", "val": "Writer"},
    ],
    "name_typ": "name",
    "role_typ": "roles",
}
COOKIES = ("session=abc; Path=/; HttpOnly", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT")


class Order(BaseModel):
    id: str
    qty: int


class Item(BaseModel):
    id: int
    quantity: int
    color: str


class Shop:
    """An app whose HTTP functions record the request they were given."""

    def __init__(self) -> None:
        self.app = App("shop")
        self.seen: list[HTTPRequest] = []
        self.contexts: list[Context] = []
        app, seen = self.app, self.seen

        @app.get("/orders/new")
        def new_order(request: HTTPRequest) -> dict[str, str]:
            seen.append(request)
            return {"route": "new"}

        @app.get("/orders/{id}")
        def get_order(request: HTTPRequest, id: str, ctx: Context) -> dict[str, str]:
            seen.append(request)
            self.contexts.append(ctx)
            return {"route": "order", "id": id}

        @app.post("/orders", status=201)
        def create_order(request: HTTPRequest, order: Order) -> Order:
            seen.append(request)
            return order

        @app.post("/order", azure={"auth_level": "anonymous"})
        def place_order(request: HTTPRequest, item: Item) -> Item:
            seen.append(request)
            return item

        @app.get("/files/{rest:path}")
        async def get_file(request: HTTPRequest, rest: str) -> str:
            seen.append(request)
            await asyncio.sleep(0)
            return rest

        @app.post("/login", azure={"auth_level": "anonymous"})
        def login(request: HTTPRequest) -> HTTPResponse:
            seen.append(request)
            cookies = [("set-cookie", cookie) for cookie in COOKIES]
            return HTTPResponse.json({"ok": True}, headers=[*cookies, ("vary", "Origin")])

        @app.get("/me")
        def me(request: HTTPRequest) -> dict[str, Any]:
            seen.append(request)
            return {"identity": dict(request.identity or {})}

        @app.get("/")
        def home(request: HTTPRequest) -> str:
            seen.append(request)
            return "home"


@pytest.fixture(autouse=True)
def script_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in an empty directory, without the route prefix settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(http.SCRIPT_ROOT, raising=False)
    monkeypatch.delenv(http.PREFIX_SETTING, raising=False)
    return tmp_path


@pytest.fixture
def shop() -> Shop:
    return Shop()


def function_app(app: App) -> func.FunctionApp:
    """What ``portafunc_azure.function_app`` does for an app of HTTP functions."""
    function_app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    for function in app.functions.values():
        http.register(function_app, app, function, validate(function))
    http.register_catch_all(function_app, app)
    return function_app


def functions(function_app: func.FunctionApp) -> dict[str, AzureFunction]:
    """The registered functions by name, read without ``get_functions()`` (DESIGN §6)."""
    found = (builder._function for builder in function_app._function_builders)
    return {function.get_function_name() or "": function for function in found}


def azure_request(
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    body: bytes | str = b"",
    params: dict[str, str] | None = None,
) -> func.HttpRequest:
    """A ``func.HttpRequest`` decoded the way the worker decodes the host's RpcHttp."""
    query: dict[str, str] = {}
    for name, item in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        query[name] = f"{query[name]},{item}" if name in query else item  # StringValues
    value = {
        "method": meta.Datum(method, "string"),
        "url": meta.Datum(url, "string"),
        "headers": {k: meta.Datum(v, "string") for k, v in (headers or {}).items()},
        "query": {k: meta.Datum(v, "string") for k, v in query.items()},
        "params": {k: meta.Datum(v, "string") for k, v in (params or {}).items()},
        "body": meta.Datum(body, "string" if isinstance(body, str) else "bytes"),
    }
    request = HttpRequestConverter.decode(meta.Datum(value, "http"), trigger_metadata=None)
    assert isinstance(request, func.HttpRequest)
    return request


def invoke(
    function_app: func.FunctionApp, name: str, req: func.HttpRequest, invocation: str = "inv-1"
) -> func.HttpResponse:
    """Call function ``name`` as the worker does: binding names as keywords, ``context``."""
    context = SimpleNamespace(
        invocation_id=invocation,
        function_name=name,
        trace_context=SimpleNamespace(trace_parent=TRACE_PARENT),
    )
    result = functions(function_app)[name].get_user_function()(req=req, context=context)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    assert isinstance(result, func.HttpResponse)
    return result


def rendered(response: func.HttpResponse) -> dict[str, Any]:
    """What the host receives for ``response``, as the worker's converter encodes it."""
    sent = local_response(response)
    body = sent.body
    return {
        "status": sent.status,
        "headers": [list(pair) for pair in sent.headers],
        "body": json.loads(body) if body.startswith((b"{", b"[")) else body.decode(),
    }


def principal_header(principal: Any = PRINCIPAL) -> str:
    return base64.b64encode(json.dumps(principal).encode()).decode()


# -- registration -------------------------------------------------------------------------


def test_function_json_golden(shop: Shop, golden: Golden) -> None:
    registered = functions(function_app(shop.app))
    golden(
        "http/function_json",
        {name: json.loads(function.get_function_json()) for name, function in registered.items()},
    )


def test_one_function_per_route_plus_the_catch_all(shop: Shop) -> None:
    registered = functions(function_app(shop.app))
    # "/" cannot have a route of its own (an empty route means the function's name).
    assert sorted(registered) == sorted({*shop.app.functions, CATCH_ALL} - {"home"})


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/orders/{id}", "orders/{id}"),
        ("/orders/new", "orders/new"),
        ("/files/{rest:path}", "files/{*rest}"),
        ("/t/{tenant}/files/{key:path}", "t/{tenant}/files/{*key}"),
        ("/", ""),
    ],
)
def test_route_template(path: str, template: str) -> None:
    assert http.route_template(path) == template


def test_wrappers_take_exactly_the_binding_and_context(shop: Shop) -> None:
    for name, function in functions(function_app(shop.app)).items():
        wrapper = function.get_user_function()
        assert list(inspect.signature(wrapper).parameters) == ["req", "context"], name
        is_async = name == "get_file" or name == CATCH_ALL  # one async handler: async catch-all
        assert inspect.iscoroutinefunction(wrapper) is is_async, name
        if name != CATCH_ALL:
            assert wrapper is not shop.app.functions[name].handler


def test_catch_all_is_sync_without_async_handlers() -> None:
    app = App("sync")

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    catch_all = functions(function_app(app))[CATCH_ALL].get_user_function()
    assert not inspect.iscoroutinefunction(catch_all)
    assert (
        invoke(function_app(app), CATCH_ALL, azure_request("GET", "http://h/api/x")).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((), "FUNCTION"),
        (("anonymous",), "ANONYMOUS"),
        (("anonymous", "function"), "FUNCTION"),
        (("admin", "anonymous"), "ADMIN"),
    ],
)
def test_catch_all_takes_the_strictest_auth_level(levels: tuple[str, ...], expected: str) -> None:
    app = App("levels")
    for index, level in enumerate(levels):
        app.get(f"/f{index}", name=f"f{index}", azure={"auth_level": level})(lambda: None)
    trigger = json.loads(functions(function_app(app))[CATCH_ALL].get_function_json())["bindings"][0]
    assert trigger["authLevel"] == expected
    assert trigger["route"] == "{*path}"
    assert "methods" not in trigger  # every method


def test_a_function_named_like_the_catch_all_is_refused() -> None:
    app = App("clash")

    @app.get("/x", name=CATCH_ALL)
    def clash() -> None: ...

    with pytest.raises(DeclarationError, match="reserved") as raised:
        function_app(app)
    assert isinstance(raised.value, PortafuncError)
    assert raised.value.where is not None
    assert "test_http.py" in raised.value.where


# -- requests and responses, golden ---------------------------------------------------------

CASES: dict[str, tuple[str, str, str, dict[str, str], bytes | str]] = {
    # name: (Azure function the host picked, method, URL, headers, body)
    "get-path-param-multi-query": (
        "get_order",
        "GET",
        "https://shop.azurewebsites.net/api/orders/42?expand=items&expand=customer&empty=",
        {
            "accept": "application/json",
            "cookie": "session=abc; theme=dark",
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
            "x-forwarded-for": "10.0.0.9, 203.0.113.7:50312",
            "x-ms-request-id": "e7d0d9c7-1b5e-4b59-9d4e-6a2b8b1f3a10",
        },
        b"",
    ),
    "static-segment-beats-parameter": (
        "get_order",  # whichever function the host picked, portafunc's router decides
        "GET",
        "https://shop.azurewebsites.net/api/orders/new",
        {},
        b"",
    ),
    "post-json-201": (
        "create_order",
        "POST",
        "http://localhost:7071/api/orders",
        {"content-type": "application/json"},
        '{"id": "o-1", "qty": 2}',
    ),
    "post-invalid-422": (
        "create_order",
        "POST",
        "http://localhost:7071/api/orders",
        {"content-type": "application/json"},
        '{"id": "o-1", "qty": "many"}',
    ),
    "post-malformed-400": (
        "create_order",
        "POST",
        "http://localhost:7071/api/orders",
        {"content-type": "application/json"},
        b'{"id": ',
    ),
    "greedy-async-percent-encoded": (
        "get_file",
        "GET",
        "http://localhost:7071/api/files/reports/2024/q1%20final.pdf",
        {"x-forwarded-for": "[2001:db8::7]:443"},
        b"",
    ),
    "two-set-cookies": (
        "login",
        "POST",
        "http://localhost:7071/api/login",
        {"content-type": "application/x-www-form-urlencoded"},
        b"user=ada&password=secret",
    ),
    "easyauth-identity": (
        "me",
        "GET",
        "https://shop.azurewebsites.net/api/me",
        {
            "x-ms-client-principal": principal_header(),
            "x-ms-client-principal-idp": "aad",
            "x-ms-client-principal-name": "ada@example.com",
        },
        b"",
    ),
    "catch-all-404": (
        "portafunc_catch_all",
        "GET",
        "http://localhost:7071/api/nothing/here",
        {},
        b"",
    ),
    "catch-all-405": (
        "portafunc_catch_all",
        "DELETE",
        "http://localhost:7071/api/orders/42",
        {},
        b"",
    ),
    "catch-all-serves-root": ("portafunc_catch_all", "GET", "http://localhost:7071/api", {}, b""),
    "catch-all-head-of-get-route": (
        "portafunc_catch_all",
        "HEAD",
        "http://localhost:7071/api/orders/7",
        {},
        b"",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_request_golden(shop: Shop, as_json: Render, golden: Golden, name: str) -> None:
    target, method, url, headers, body = CASES[name]
    response = invoke(function_app(shop.app), target, azure_request(method, url, headers, body))
    seen = [as_json(request) for request in shop.seen]
    request = {"function": target, "method": method, "url": url, "headers": headers}
    request["body"] = body if isinstance(body, str) else body.decode()
    golden(f"http/{name}", {"request": request, "seen": seen, "response": rendered(response)})


def test_custom_handler_docs_request_golden(
    shop: Shop, payload: Payload, as_json: Render, golden: Golden
) -> None:
    req = payload("other/custom-handler-http-trigger-request.json")["Data"]["req"]
    headers = {name: ",".join(values) for name, values in req["Headers"].items()}
    request = azure_request(req["Method"], req["Url"], headers, req["Body"], req["Params"])
    response = invoke(function_app(shop.app), "place_order", request)
    golden(
        "http/custom-handler-docs-request",
        {"seen": as_json(shop.seen[0]), "response": rendered(response)},
    )
    assert shop.seen[0].raw is request


def test_request_id_and_context_come_from_the_invocation(shop: Shop) -> None:
    request = azure_request("GET", "http://localhost:7071/api/orders/9")
    invoke(function_app(shop.app), "get_order", request, invocation="3f2c-inv")
    (seen,), (ctx,) = shop.seen, shop.contexts
    assert seen.request_id == ctx.invocation_id == "3f2c-inv"
    assert ctx.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert ctx.provider == seen.provider == "azure"
    assert ctx.function == "get_order"


def test_query_keeps_every_value(shop: Shop) -> None:
    url = "http://localhost:7071/api/orders/1?tag=a&tag=b&q=x+y%21&tag=c"
    request = azure_request("GET", url)
    assert request.params["tag"] == "a,b,c"  # what req.params keeps: one joined value
    invoke(function_app(shop.app), "get_order", request)
    query = shop.seen[0].query
    assert query.getlist("tag") == ["a", "b", "c"]
    assert query["q"] == "x y!"


def test_headers_are_case_insensitive_and_kept_joined(shop: Shop) -> None:
    headers = {"Accept-Encoding": "gzip, deflate", "X-Custom": "a,b"}
    invoke(
        function_app(shop.app), "get_order", azure_request("GET", "http://h/api/orders/1", headers)
    )
    seen = shop.seen[0].headers
    assert seen["accept-encoding"] == seen["ACCEPT-ENCODING"] == "gzip, deflate"
    assert seen.getlist("x-custom") == ["a,b"]


# -- route prefix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host_json", "prefix"),
    [
        (None, "api"),
        ('{"version": "2.0"}', "api"),
        ('{"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}', ""),
        ('{"version": "2.0", "extensions": {"http": {"routePrefix": "api"}}}', "api"),
        ('{"extensions": {"http": {"routePrefix": "/shop/v1/"}}}', "shop/v1"),
        ('\ufeff{"extensions": {"http": {"routePrefix": "bom"}}}', "bom"),
        ('{"extensions": {"http": {"routePrefix": null}}}', "api"),
        ('{"extensions": {"http": 3}}', "api"),
    ],
)
def test_route_prefix_from_host_json(
    shop: Shop, script_root: Path, host_json: str | None, prefix: str
) -> None:
    if host_json is not None:
        (script_root / "host.json").write_text(host_json, encoding="utf-8")
    assert http.route_prefix() == prefix
    url = f"https://shop.azurewebsites.net/{prefix}/orders/42".replace("//orders", "/orders")
    invoke(function_app(shop.app), "get_order", azure_request("GET", url))
    assert shop.seen[0].path == "/orders/42"


def test_route_prefix_is_read_at_registration(shop: Shop, script_root: Path) -> None:
    registered = function_app(shop.app)  # no host.json: "api"
    (script_root / "host.json").write_text('{"extensions": {"http": {"routePrefix": ""}}}')
    invoke(registered, "get_order", azure_request("GET", "http://h/api/orders/1"))
    assert shop.seen[0].path == "/orders/1"


def test_route_prefix_from_the_script_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "wwwroot"
    root.mkdir()
    (root / "host.json").write_text('{"extensions": {"http": {"routePrefix": "root"}}}')
    monkeypatch.setenv(http.SCRIPT_ROOT, str(root))
    assert http.route_prefix() == "root"


def test_route_prefix_app_setting_wins(script_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (script_root / "host.json").write_text('{"extensions": {"http": {"routePrefix": "api"}}}')
    monkeypatch.setenv(http.PREFIX_SETTING, "")
    assert http.route_prefix() == ""


def test_unreadable_host_json_is_reported(
    script_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (script_root / "host.json").write_text("{\n  // comments: the host allows them\n}")
    with caplog.at_level(logging.WARNING, logger="portafunc"):
        assert http.route_prefix() == "api"
    assert "assuming routePrefix 'api'" in caplog.text


@pytest.mark.parametrize(
    ("url", "lead", "path"),
    [
        ("http://h/api/orders/1", "/api", "/orders/1"),
        ("http://h/API/Orders/1", "/api", "/Orders/1"),  # the host matches the prefix case-blind
        ("http://h/api", "/api", "/"),
        ("http://h/api/", "/api", "/"),
        ("http://h/apix/1", "/api", "/apix/1"),
        ("http://h/other/1", "/api", "/other/1"),
        ("http://h/orders/1", "", "/orders/1"),
        ("http://h", "", "/"),
        ("http://h/shop/v1/a%2Fb%20c", "/shop/v1", "/a/b c"),
        ("/relative/path", "", "/relative/path"),
    ],
)
def test_request_path(url: str, lead: str, path: str) -> None:
    assert http.request_path(url, lead) == path


# -- client address, identity ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "address"),
    [
        (None, None),
        ("", None),
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:50312", "203.0.113.7"),
        ("10.0.0.1, 203.0.113.7:50312", "203.0.113.7"),
        ("2001:db8::7", "2001:db8::7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("a, ", None),
    ],
)
def test_client_address(header: str | None, address: str | None) -> None:
    assert http.client_address(header) == address


def test_no_principal_header_no_identity() -> None:
    assert http.http_request(azure_request("GET", "http://h/api/x")).identity is None


def test_identity_is_decoded_when_read() -> None:
    headers = {"x-ms-client-principal": "not base64 json"}
    request = http.http_request(azure_request("GET", "http://h/api/x", headers))
    identity = request.identity  # building the request did not decode it
    assert identity is not None
    assert "not base64 json" in repr(identity)  # nor does repr
    with pytest.raises(InvalidPayload, match="X-MS-CLIENT-PRINCIPAL") as raised:
        identity["claims"]
    assert raised.value.malformed


def test_identity_is_the_decoded_principal() -> None:
    headers = {"x-ms-client-principal": principal_header()}
    identity = http.http_request(azure_request("GET", "http://h/api/x", headers)).identity
    assert identity is not None
    assert dict(identity) == PRINCIPAL
    assert len(identity) == 4
    assert "Ada Lovelace" in repr(identity)


def test_a_principal_that_is_not_an_object_is_refused() -> None:
    headers = {"x-ms-client-principal": principal_header(["claims"])}
    identity = http.http_request(azure_request("GET", "http://h/api/x", headers)).identity
    assert identity is not None
    with pytest.raises(InvalidPayload, match="not a JSON object"):
        len(identity)


def test_a_principal_nested_too_deep_is_refused() -> None:
    """Found by tests/fuzz: RecursionError escaped (a 500 instead of a 400)."""
    headers = {"x-ms-client-principal": base64.b64encode(b"[" * 50_000).decode()}
    identity = http.http_request(azure_request("GET", "http://h/api/x", headers)).identity
    assert identity is not None
    with pytest.raises(InvalidPayload, match="not base64-encoded JSON"):
        len(identity)


def test_malformed_principal_answers_400(shop: Shop) -> None:
    headers = {"x-ms-client-principal": "%%%"}
    response = invoke(
        function_app(shop.app), "me", azure_request("GET", "http://h/api/me", headers)
    )
    assert response.status_code == 400
    assert json.loads(response.get_body())["status"] == 400


# -- malformed objects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "req",
    [
        object(),
        None,
        func.HttpRequest("GET", None, body=b""),  # type: ignore[arg-type]
        func.HttpRequest("GET", "http://h/api/x", body=None),  # type: ignore[arg-type]
    ],
)
def test_not_an_http_request(req: Any) -> None:
    with pytest.raises(UnsupportedEvent, match="azure"):
        http.http_request(req)


# -- responses ------------------------------------------------------------------------------


def test_two_set_cookies_survive_the_worker_converter(shop: Shop) -> None:
    response = invoke(function_app(shop.app), "login", azure_request("POST", "http://h/api/login"))
    assert response.headers.get_all("Set-Cookie") == list(COOKIES)
    datum = HttpResponseConverter.encode(response, expected_type=None)
    cookies = datum.value["cookies"]
    assert [list(cookie) for cookie in cookies] == [["session"], ["theme"]]
    assert cookies[0]["session"]["httponly"] is True
    assert cookies[0]["session"]["path"] == "/"
    assert cookies[1]["theme"]["expires"] == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert "set-cookie" not in {name.lower() for name in datum.value["headers"]}
    assert datum.value["headers"]["content-type"].value == "application/json"


def test_repeated_headers_are_joined() -> None:
    response = http.http_response(
        HTTPResponse(
            200,
            headers=[
                ("Vary", "Origin"),
                ("set-cookie", "a=1"),
                ("vary", "Accept"),
                ("set-cookie", "b=2"),
            ],
            body="x",
        )
    )
    assert list(response.headers.items()) == [
        ("vary", "Origin, Accept"),  # one name, so the converter's dict keeps both values
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
    ]
    datum = HttpResponseConverter.encode(response, expected_type=None)
    assert datum.value["headers"]["vary"].value == "Origin, Accept"
    assert len(datum.value["cookies"]) == 2


def test_response_status_and_body() -> None:
    response = http.http_response(HTTPResponse(204))
    assert response.status_code == 204
    assert response.get_body() == b""
    assert list(response.headers.items()) == []


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/problem+json",
        "application/json; charset=utf-8",
        "text/plain; charset=utf-8",
        "text/csv; charset=latin-1",
        "text/html",
        "text/plain; charset=utf-8; format=flowed",
        "image/png",
    ],
)
def test_a_lone_content_type_reaches_the_host_unchanged(content_type: str) -> None:
    response = http.http_response(HTTPResponse(200, headers=[("Content-Type", content_type)]))
    sent = HttpResponseConverter.encode(response, expected_type=None).value["headers"]
    assert {name: header.value for name, header in sent.items()} == {"content-type": content_type}


@pytest.fixture
def many_routes() -> App:
    app = App("many")

    def echo(id: str) -> str:
        return id

    for index in range(3):
        app.get(f"/r{index}/{{id}}", name=f"r{index}")(echo)
    return app


def test_every_route_function_routes_the_whole_app(many_routes: App) -> None:
    registered = function_app(many_routes)
    for name in ("r0", "r1", "r2", CATCH_ALL):
        response = invoke(registered, name, azure_request("GET", "http://h/api/r2/x"))
        assert (response.status_code, response.get_body()) == (200, b"x")
