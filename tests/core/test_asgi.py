"""``App.mount``: an ASGI app (FastAPI here) served as a portafunc HTTP function.

Every test gets a fresh FastAPI app mounted at ``/api`` next to portafunc functions,
and drives it through the TestClient (the pipeline every adapter runs). Raw ASGI apps
cover what FastAPI never does: failing before its response, returning without one,
not supporting the lifespan protocol.
"""

import asyncio
import gc
import logging
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from fastapi import Cookie, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from portafunc import App, Context, DeclarationError, HTTPRequest, Message
from portafunc.asgi import http_scope, mount_of
from portafunc.pipeline import handle_http, handle_http_async
from portafunc.testing import TestClient

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
PROBLEM = "application/problem+json"
BINARY = bytes(range(256))


class Item(BaseModel):
    name: str = Field(min_length=1)
    qty: int = Field(gt=0)


class Events:
    """What the lifespan and the routes saw, in order."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.loops: list[asyncio.AbstractEventLoop] = []


def fastapi_app(events: Events, *, fail_startup: list[bool] | None = None) -> FastAPI:
    """The FastAPI app the tests mount: one route per thing a mount must carry over."""

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[dict[str, Any]]:
        events.seen.append("startup")
        events.loops.append(asyncio.get_running_loop())
        if fail_startup and fail_startup.pop(0):
            raise RuntimeError("database unreachable")
        api.state.db = {"connected": True}
        try:
            yield {"greeting": "hello"}
        finally:  # also if the suspended lifespan were closed (collected, cancelled)
            events.seen.append("shutdown")

    api = FastAPI(lifespan=lifespan)

    @api.get("/")
    def root() -> dict[str, str]:
        return {"root": "yes"}

    @api.get("/echo/{rest:path}")
    def echo(
        rest: str,
        request: Request,
        tag: Annotated[list[str] | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> dict[str, Any]:
        return {
            "rest": rest,
            "path": request.url.path,
            "root_path": request.scope["root_path"],
            "query": list(request.query_params.multi_items()),
            "tag": tag,
            "session": session,
            "client": request.client.host if request.client else None,
            "url": str(request.url),
            "greeting": request.state.greeting,
            "db": request.app.state.db,
        }

    @api.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        events.loops.append(asyncio.get_running_loop())
        return item

    @api.get("/items/{item_id}")
    def get_item(item_id: int) -> Item:
        raise HTTPException(404, f"no item {item_id}", headers={"x-reason": "missing"})

    @api.post("/login")
    def login(response: Response) -> dict[str, bool]:
        response.set_cookie("session", "s3cret", httponly=True)
        response.set_cookie("theme", "dark")
        return {"ok": True}

    @api.put("/blob")
    async def put_blob(request: Request) -> Response:
        body = await request.body()
        return Response(body[::-1], media_type="application/octet-stream")

    @api.get("/text")
    def text() -> PlainTextResponse:
        return PlainTextResponse("héllo wörld ✓ 🚀", status_code=202)

    @api.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"one ", b"two ", b"three"]), media_type="text/plain")

    @api.api_route("/both", methods=["GET", "HEAD"])
    def both() -> PlainTextResponse:
        return PlainTextResponse("body", headers={"x-both": "1"})

    @api.get("/boom")
    def boom() -> None:
        raise ValueError("internal detail that must not leak")

    return api


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def app(events: Events) -> App:
    app = App("mounted")
    app.mount("/api", fastapi_app(events))

    @app.get("/api/health")
    def health() -> str:
        return "portafunc"

    @app.get("/api/echo/{name}")
    def shadow(name: str) -> dict[str, str]:
        return {"portafunc": name}

    return app


@pytest.fixture
def client(app: App) -> TestClient:
    return TestClient(app)


# -- what reaches the app, and what comes back ------------------------------------------


def test_path_query_headers_and_cookies_reach_the_app(client: TestClient) -> None:
    response = client.get(
        "/api/echo/a/b.txt?x=1&x=2&y=%C3%A9",
        headers=[("tag", "t1"), ("tag", "t2"), ("cookie", "session=abc"), ("host", "h.test")],
    )
    assert response.status == 200
    assert response.json() == {
        "rest": "a/b.txt",
        "path": "/api/echo/a/b.txt",
        "root_path": "/api",
        "query": [["x", "1"], ["x", "2"], ["y", "é"]],
        "tag": ["t1", "t2"],
        "session": "abc",
        "client": "127.0.0.1",
        "url": "http://h.test/api/echo/a/b.txt?x=1&x=2&y=%C3%A9",
        "greeting": "hello",
        "db": {"connected": True},
    }


def test_a_json_body_is_validated_by_fastapi(client: TestClient) -> None:
    created = client.post("/api/items", json={"name": "mug", "qty": 2})
    assert (created.status, created.json()) == (201, {"name": "mug", "qty": 2})
    invalid = client.post("/api/items", json={"name": "", "qty": 0})
    assert invalid.status == 422
    assert invalid.headers["content-type"] == "application/json"  # FastAPI's, not a problem
    assert [error["loc"] for error in invalid.json()["detail"]] == [
        ["body", "name"],
        ["body", "qty"],
    ]
    malformed = client.post("/api/items", data=b"{", headers={"content-type": "application/json"})
    assert malformed.status == 422


def test_status_headers_and_errors_are_fastapis(client: TestClient) -> None:
    response = client.get("/api/items/7")
    assert response.status == 404
    assert response.json() == {"detail": "no item 7"}
    assert response.headers["x-reason"] == "missing"
    unknown = client.get("/api/nothing/here")
    assert (unknown.status, unknown.json()) == (404, {"detail": "Not Found"})
    assert client.delete("/api/items").status == 405


def test_several_set_cookie_headers_stay_apart(client: TestClient) -> None:
    response = client.post("/api/login")
    cookies = response.headers.getlist("set-cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("session=s3cret;")
    assert "HttpOnly" in cookies[0]
    assert cookies[1].startswith("theme=dark;")


def test_binary_bodies_pass_unchanged_both_ways(client: TestClient) -> None:
    response = client.put("/api/blob", data=BINARY)
    assert response.status == 200
    assert response.body == BINARY[::-1]
    assert response.headers["content-type"] == "application/octet-stream"


def test_unicode_text_and_a_non_default_status(client: TestClient) -> None:
    response = client.get("/api/text")
    assert response.status == 202
    assert response.text == "héllo wörld ✓ 🚀"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_a_unicode_path_reaches_the_app_decoded(client: TestClient) -> None:
    assert client.get("/api/echo/caf\u00e9/\u2713").json()["rest"] == "café/✓"


def test_a_streamed_response_is_collected_whole(client: TestClient) -> None:
    response = client.get("/api/stream")
    assert (response.status, response.body) == (200, b"one two three")


def test_head_goes_to_the_app_as_head(client: TestClient) -> None:
    response = client.request("HEAD", "/api/both")
    assert (response.status, response.body) == (200, b"")
    assert response.headers["x-both"] == "1"
    assert response.headers["content-length"] == "4"
    assert client.request("HEAD", "/api/").status == 405  # FastAPI's GET routes refuse HEAD


# -- routing ----------------------------------------------------------------------------


def test_the_prefix_itself_and_its_trailing_slash_reach_the_app(client: TestClient) -> None:
    assert client.get("/api/").json() == {"root": "yes"}
    redirect = client.get("/api", headers={"host": "h.test"})
    assert redirect.status == 307  # Starlette's own redirect to the slash
    assert redirect.headers["location"] == "http://h.test/api/"


def test_portafunc_routes_beside_the_mount_win_by_precedence(client: TestClient) -> None:
    assert client.get("/api/health").text == "portafunc"
    assert client.get("/api/echo/ada").json() == {"portafunc": "ada"}
    assert client.get("/api/echo/ada/lovelace").json()["rest"] == "ada/lovelace"
    # Precedence is per method: portafunc's route has no POST, so the mount serves it.
    assert client.post("/api/health").json() == {"detail": "Not Found"}


def test_paths_outside_the_prefix_are_portafuncs_404(client: TestClient) -> None:
    for path in ("/apix", "/other", "/"):
        response = client.get(path)
        assert response.status == 404
        assert response.headers["content-type"] == PROBLEM


def test_the_body_limit_applies_before_the_app(events: Events) -> None:
    app = App("small", max_body_size=10)
    app.mount("/api", fastapi_app(events))
    assert TestClient(app).put("/api/blob", data=b"x" * 11).status == 413
    assert events.seen == []  # not even started


# -- lifespan ---------------------------------------------------------------------------


def test_the_lifespan_starts_once_and_never_shuts_down(client: TestClient, events: Events) -> None:
    assert events.seen == []  # not at declaration: at the first request
    for _ in range(3):
        assert client.get("/api/").status == 200
    assert TestClient(client.app).get("/api/").status == 200  # another client, same process
    assert events.seen == ["startup"]


def test_the_lifespan_outlives_the_app_object(events: Events) -> None:
    app = App("dropped")
    app.mount("/api", fastapi_app(events))
    assert TestClient(app).get("/api/").status == 200
    del app
    gc.collect()
    assert events.seen == ["startup"]  # kept suspended: never closed by the collector


def test_the_lifespan_runs_on_the_loop_serving_the_requests(
    client: TestClient, events: Events
) -> None:
    assert client.post("/api/items", json={"name": "a", "qty": 1}).status == 201
    assert client.post("/api/items", json={"name": "b", "qty": 1}).status == 201
    lifespan_loop, *request_loops = events.loops
    assert request_loops == [lifespan_loop, lifespan_loop]


def test_concurrent_first_requests_share_one_startup(client: TestClient, events: Events) -> None:
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def first_request() -> None:
        barrier.wait()
        statuses.append(client.get("/api/").status)

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert events.seen == ["startup"]


def test_a_failed_startup_fails_the_request_and_is_tried_again(
    events: Events, caplog: pytest.LogCaptureFixture
) -> None:
    app = App("flaky")
    app.mount("/api", fastapi_app(events, fail_startup=[True, False]))
    client = TestClient(app)
    failed = client.get("/api/")
    assert failed.status == 500
    assert failed.headers["content-type"] == PROBLEM
    assert "database unreachable" not in failed.text
    assert "database unreachable" in caplog.text  # logged, with the app's traceback
    assert client.get("/api/").json() == {"root": "yes"}
    assert events.seen == ["startup", "startup"]


def test_functions_beside_the_mount_never_start_its_lifespan(events: Events) -> None:
    app = App("beside")
    app.mount("/api", fastapi_app(events))

    @app.queue("jobs")
    def job(msg: Message[dict[str, int]]) -> int:
        return msg.data["n"]

    client = TestClient(app)
    assert client.send("job", {"n": 1}).result == 1
    assert events.seen == []
    assert client.get("/api/").status == 200
    assert events.seen == ["startup"]


async def no_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """A raw ASGI app that only speaks HTTP (as many hand-written ones do)."""
    if scope["type"] != "http":
        raise ValueError(f"unsupported scope {scope['type']}")
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-raw", b"1")]})
    await send({"type": "http.response.body", "body": b"raw ", "more_body": True})
    await send({"type": "http.response.body", "body": b"body"})


def test_an_app_without_lifespan_support_is_served() -> None:
    app = App("raw")
    app.mount("/raw", no_lifespan)
    response = TestClient(app).get("/raw/x")
    assert (response.status, response.body, response.headers["x-raw"]) == (200, b"raw body", "1")


def test_async_callers_start_the_lifespan_on_their_own_loop(events: Events) -> None:
    """Azure's async wrappers call handle_http_async on the worker's loop."""
    app = App("async")
    app.mount("/api", fastapi_app(events))
    json = [("content-type", "application/json")]
    request = HTTPRequest("POST", "/api/items", headers=json, body=b'{"name": "a", "qty": 1}')

    async def serve() -> tuple[int, asyncio.AbstractEventLoop]:
        response = await handle_http_async(app, request, Context(provider="local"))
        return response.status, asyncio.get_running_loop()

    status, loop = asyncio.run(serve())
    assert status == 201
    assert events.loops == [loop, loop]


# -- failures ---------------------------------------------------------------------------


def test_an_error_fastapi_answered_keeps_its_500_and_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/api/boom")
    assert (response.status, response.text) == (500, "Internal Server Error")
    assert "must not leak" not in response.text
    [record] = [r for r in caplog.records if r.name == "portafunc.mounted.asgi_api"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)


def failing_before_start(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    async def run() -> None:
        if scope["type"] == "http":
            raise KeyError("secret internals")

    return run()


async def returning_silently(scope: Scope, receive: Receive, send: Send) -> None:
    return None


async def failing_midway(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise ConnectionError("backend gone")


async def sending_nonsense(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.body", "body": b"no start"})


@pytest.mark.parametrize(
    "asgi_app", [failing_before_start, returning_silently, failing_midway, sending_nonsense]
)
def test_an_app_that_fails_its_response_is_portafuncs_500(
    asgi_app: Callable[[Scope, Receive, Send], Awaitable[None]], caplog: pytest.LogCaptureFixture
) -> None:
    app = App("broken")
    app.mount("/api", asgi_app)
    response = TestClient(app).get("/api/x")
    assert response.status == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
    }
    assert "unhandled error in asgi_api" in caplog.text


# -- the scope --------------------------------------------------------------------------


def test_the_http_scope() -> None:
    seen: list[Scope] = []

    async def capture(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            assert message == {"type": "lifespan.startup"}
            scope["state"]["pool"] = "ready"
            await send({"type": "lifespan.startup.complete"})
            await receive()  # waits: shutdown is never sent
            return
        seen.append(scope)
        assert await receive() == {"type": "http.request", "body": b"hi", "more_body": False}
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    app = App("scope")
    app.mount("/v1/api", capture)
    response = TestClient(app).post(
        "/v1/api/a/b?q=%20x&q=y", data=b"hi", headers={"X-Mixed": "Ünïcode"}
    )
    assert response.status == 204
    [scope] = seen
    request = scope.pop("portafunc.request")
    context = scope.pop("portafunc.context")
    assert isinstance(request, HTTPRequest)
    assert isinstance(context, Context)
    assert context.function == "asgi_v1_api"
    assert scope == {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/api/a/b",
        "raw_path": None,
        "root_path": "/v1/api",
        "query_string": b"q=%20x&q=y",
        "headers": [(b"x-mixed", "Ünïcode".encode("latin-1"))],
        "client": ("127.0.0.1", 0),
        "server": None,
        "state": {"pool": "ready"},
    }


def test_the_scope_of_a_cloud_request() -> None:
    request = HTTPRequest(
        "GET",
        "/api/x",
        headers={"X-Forwarded-Proto": "http", "X-Emoji": "✓"},
        query={"a": ["1", "2"], "b": "é"},  # a provider's parsed query (REST API, ALB)
        provider="aws",
    )
    scope = http_scope(request, "/api", {"shared": 1})
    assert scope["scheme"] == "http"
    assert scope["query_string"] == b"a=1&a=2&b=%C3%A9"
    assert scope["headers"] == [(b"x-forwarded-proto", b"http"), (b"x-emoji", "✓".encode())]
    assert scope["client"] is None
    assert http_scope(HTTPRequest("GET", "/api", provider="gcp"), "/api", {})["scheme"] == "https"
    raw = HTTPRequest("GET", "/api", query="a=%20&b")
    assert raw.query["a"] == " "  # read first (by middleware): the raw string is still sent
    assert http_scope(raw, "/api", {})["query_string"] == b"a=%20&b"


def test_headers_that_are_not_text_are_a_400(app: App) -> None:
    request = HTTPRequest("GET", "/api/", headers={"x-count": 3})  # type: ignore[arg-type]
    response = handle_http(app, request, Context(provider="aws"))
    assert response.status == 400
    assert response.header("content-type") == PROBLEM


def test_each_request_gets_a_copy_of_the_lifespan_state() -> None:
    states: list[dict[str, Any]] = []

    async def stateful(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["count"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            return
        scope["state"]["count"] += 1
        states.append(scope["state"])
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b""})

    app = App("state")
    app.mount("/s", stateful)
    client = TestClient(app)
    client.get("/s")
    client.get("/s/")
    assert states == [{"count": 1}, {"count": 1}]


# -- declaration ------------------------------------------------------------------------


def test_mount_returns_the_function_it_declares(events: Events) -> None:
    app = App("declared")
    function = app.mount("/api/v1", fastapi_app(events), timeout=30, memory=512, name="api")
    assert app.functions == {"api": function}
    assert (
        function.trigger.describe()
        == "http DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT /api/v1/{path:path}"
    )
    assert (function.settings.timeout, function.settings.memory) == (30, 512)
    assert function.binding.is_async
    assert function.where.startswith(f"{__file__}:")
    mount = mount_of(function)
    assert mount is not None
    assert (mount.prefix, mount.paths) == (
        "/api/v1",
        ("/api/v1", "/api/v1/", "/api/v1/{path:path}"),
    )
    assert app.mount("/v2.0", no_lifespan).name == "asgi_v2_0"

    @app.get("/plain")
    def plain() -> str:
        return ""

    assert mount_of(app.functions["plain"]) is None


@pytest.mark.parametrize("prefix", ["", "/", "api", "/api/", "/a//b", "/a/{x}", "/a b", None])
def test_a_prefix_must_be_a_literal_path(prefix: Any) -> None:
    with pytest.raises(DeclarationError, match="must be a literal path") as info:
        App("bad").mount(prefix, no_lifespan)
    assert str(info.value).startswith(f"{__file__}:")


def test_mount_refuses_what_it_cannot_serve() -> None:
    app = App("bad")
    with pytest.raises(DeclarationError, match="not an ASGI application"):
        app.mount("/api", "not an app")  # type: ignore[arg-type]
    with pytest.raises(DeclarationError, match="unexpected keyword"):
        app.mount("/api", no_lifespan, batch_size=10)  # type: ignore[call-arg]
    assert app.functions == {}


def test_a_mount_collides_with_routes_of_the_same_paths() -> None:
    app = App("collide")

    @app.get("/api")
    def root() -> str:
        return ""

    with pytest.raises(DeclarationError, match="GET /api collides") as info:
        app.mount("/api", no_lifespan)
    assert f"{__file__}:" in str(info.value)
    other = App("twice")
    other.mount("/api", no_lifespan)
    with pytest.raises(DeclarationError, match="already declared"):
        other.mount("/api", no_lifespan)
    with pytest.raises(DeclarationError, match="collides"):
        other.mount("/api", no_lifespan, name="again")


def test_importing_portafunc_does_not_import_the_asgi_module() -> None:
    import subprocess

    code = "import sys, portafunc; print('portafunc.asgi' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_pipeline_serves_a_mount_without_the_testclient(app: App) -> None:
    request = HTTPRequest("GET", "/api/", provider="local")
    response = handle_http(app, request, Context(provider="local"))
    assert (response.status, response.body) == (200, b'{"root":"yes"}')
