"""A FastAPI app mounted with ``App.mount``, behind ``function_app``.

The app is examples/fastapi (loaded afresh for each test, so each test is a cold
start). Requests are ``func.HttpRequest`` objects made as the worker makes them
(``portafunc_azure.testing.http_request``) and passed to the Azure function the host
would pick, with ``invoke`` (the worker's loop: portafunc's process loop) or
``invoke_async`` (a loop of the test's own).
"""

import asyncio
import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func
import pytest

import portafunc_azure
from portafunc_azure.testing import (
    azure_function,
    http_request,
    invoke,
    invoke_async,
    queue_message,
)
from portafunc_azure.triggers.http import CATCH_ALL, PREFIX_SETTING

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi" / "app.py"


@pytest.fixture
def notes() -> Iterator[ModuleType]:
    """examples/fastapi/app.py, imported afresh: a cold start."""
    name = f"fastapi_example_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]


@pytest.fixture
def function_app(notes: ModuleType, monkeypatch: pytest.MonkeyPatch) -> func.FunctionApp:
    """The FunctionApp as ``portafunc build`` deploys it: host.json's routePrefix is ""."""
    monkeypatch.setenv(PREFIX_SETTING, "")
    return portafunc_azure.function_app(notes.app)


def request(method: str, path: str, **kwargs: Any) -> func.HttpRequest:
    return http_request(method, path, route_prefix="", **kwargs)


def test_the_mount_is_one_anonymous_azure_function_for_every_method(
    function_app: func.FunctionApp,
) -> None:
    function = azure_function(function_app, "asgi_api")
    [trigger] = [
        b for b in json.loads(function.get_function_json())["bindings"] if b["direction"] == "IN"
    ]
    assert trigger["route"] == "api/{*path}"
    assert trigger["methods"] == ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    assert trigger["authLevel"] == "ANONYMOUS"


def test_a_post_is_validated_and_answered_by_fastapi(function_app: func.FunctionApp) -> None:
    response = invoke(
        function_app, "asgi_api", request("POST", "/api/notes", json={"text": "héllo ✓"})
    )
    assert response.status_code == 201
    assert json.loads(response.get_body()) == {"text": "héllo ✓", "tags": [], "id": 1}
    assert response.headers["set-cookie"] == "last_note=1; Path=/; SameSite=lax"
    invalid = invoke(function_app, "asgi_api", request("POST", "/api/notes", json={"tags": []}))
    assert invalid.status_code == 422
    assert json.loads(invalid.get_body())["detail"][0]["loc"] == ["body", "text"]


def test_path_query_cookies_and_client_reach_the_app(function_app: func.FunctionApp) -> None:
    for note in ({"text": "a", "tags": ["x"]}, {"text": "b"}):
        invoke(function_app, "asgi_api", request("POST", "/api/notes", json=note))
    tagged = invoke(function_app, "asgi_api", request("GET", "/api/notes?tag=x"))
    assert [note["text"] for note in json.loads(tagged.get_body())] == ["a"]
    me = invoke(
        function_app, "asgi_api", request("GET", "/api/me", headers={"cookie": "last_note=2"})
    )
    seen = json.loads(me.get_body())
    assert seen["last_note"] == 2
    assert seen["client"] == "203.0.113.10"
    assert seen["url"] == "https://my-function-app.azurewebsites.net/api/me"


def test_a_binary_download_keeps_its_bytes(function_app: func.FunctionApp) -> None:
    invoke(function_app, "asgi_api", request("POST", "/api/notes", json={"text": "naïve ✓"}))
    response = invoke(function_app, "asgi_api", request("GET", "/api/notes/1/export"))
    assert response.status_code == 200
    assert response.get_body() == "naïve ✓".encode()
    assert response.headers["content-type"] == "application/octet-stream"


def test_the_catch_all_serves_the_bare_prefix_and_portafuncs_404(
    function_app: func.FunctionApp,
) -> None:
    bare = invoke(function_app, CATCH_ALL, request("GET", "/api"))
    assert json.loads(bare.get_body()) == {"detail": "Not Found"}  # FastAPI's: it has no "/"
    outside = invoke(function_app, CATCH_ALL, request("GET", "/elsewhere"))
    assert outside.status_code == 404
    assert outside.mimetype == "application/problem+json"
    health = invoke(function_app, "health", request("GET", "/api/health"))
    assert health.get_body() == b"ok"


def test_the_lifespan_starts_once_per_cold_start(
    notes: ModuleType, function_app: func.FunctionApp
) -> None:
    assert notes.STARTS == []
    for _ in range(3):
        assert invoke(function_app, "asgi_api", request("GET", "/api/notes")).status_code == 200
    assert len(notes.STARTS) == 1


def test_the_worker_loop_serves_the_app_and_its_lifespan(
    notes: ModuleType, function_app: func.FunctionApp
) -> None:
    async def worker() -> list[int]:
        statuses = []
        for text in ("a", "b"):
            posted = request("POST", "/api/notes", json={"text": text})
            statuses.append((await invoke_async(function_app, "asgi_api", posted)).status_code)
        return statuses

    assert asyncio.run(worker()) == [201, 201]
    assert len(notes.STARTS) == 1


def test_the_queue_function_beside_the_mount(
    notes: ModuleType, function_app: func.FunctionApp
) -> None:
    invoke(function_app, "import_note", queue_message({"text": "from the queue"}))
    listed = invoke(function_app, "asgi_api", request("GET", "/api/notes"))
    assert json.loads(listed.get_body()) == [{"text": "from the queue", "tags": [], "id": 1}]


def test_with_the_default_route_prefix_the_mount_is_under_it(
    notes: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PREFIX_SETTING, raising=False)
    monkeypatch.chdir(EXAMPLE.parent)  # no host.json: routePrefix "api"
    function_app = portafunc_azure.function_app(notes.app)
    posted = http_request("POST", "/api/notes", json={"text": "x"}, route_prefix="api")
    assert invoke(function_app, "asgi_api", posted).status_code == 201
