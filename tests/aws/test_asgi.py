"""A FastAPI app mounted with ``App.mount``, behind ``lambda_handler``.

The app is examples/fastapi (loaded afresh for each test, so each test is a cold
start), driven with API Gateway HTTP API (payload 2.0) and REST API (payload 1.0)
events from ``portafunc_aws.testing``, as Lambda would invoke the deployed handler.
"""

import base64
import importlib.util
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from portafunc_aws import lambda_handler
from portafunc_aws.testing import LambdaContext, http_v2_event, rest_event, sqs_event

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi" / "app.py"
Handler = Callable[[Any, Any], Any]


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
def handler(notes: ModuleType) -> Handler:
    return lambda_handler(notes.app)


def invoke(handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = handler(event, LambdaContext())
    return response


def body_of(response: dict[str, Any]) -> bytes:
    body: str = response["body"]
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


def test_a_post_is_validated_and_answered_by_fastapi(handler: Handler) -> None:
    response = invoke(handler, http_v2_event("POST", "/api/notes", json={"text": "héllo ✓"}))
    assert response["statusCode"] == 201
    assert response["headers"]["content-type"] == "application/json"
    assert json.loads(response["body"]) == {"text": "héllo ✓", "tags": [], "id": 1}
    assert response["cookies"] == ["last_note=1; Path=/; SameSite=lax"]
    invalid = invoke(handler, http_v2_event("POST", "/api/notes", json={"text": ""}))
    assert invalid["statusCode"] == 422
    assert json.loads(invalid["body"])["detail"][0]["loc"] == ["body", "text"]


def test_path_query_cookies_and_client_reach_the_app(handler: Handler) -> None:
    invoke(handler, http_v2_event("POST", "/api/notes", json={"text": "a", "tags": ["x"]}))
    invoke(handler, http_v2_event("POST", "/api/notes", json={"text": "b"}))
    tagged = invoke(handler, http_v2_event("GET", "/api/notes", query={"tag": "x"}))
    assert [note["text"] for note in json.loads(tagged["body"])] == ["a"]
    me = json.loads(
        invoke(handler, http_v2_event("GET", "/api/me", cookies={"last_note": "2"}))["body"]
    )
    assert me["last_note"] == 2
    assert me["client"] == "203.0.113.10"
    assert me["url"] == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/api/me"


def test_a_binary_download_is_base64_encoded(handler: Handler) -> None:
    invoke(handler, http_v2_event("POST", "/api/notes", json={"text": "naïve ✓"}))
    response = invoke(handler, http_v2_event("GET", "/api/notes/1/export"))
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert body_of(response) == "naïve ✓".encode()
    assert response["headers"]["content-disposition"] == 'attachment; filename="note-1.txt"'


def test_rest_api_events_reach_the_app_too(handler: Handler) -> None:
    created = invoke(handler, rest_event("POST", "/api/notes", json={"text": "rest"}))
    assert created["statusCode"] == 201
    assert created["multiValueHeaders"]["set-cookie"] == ["last_note=1; Path=/; SameSite=lax"]
    listed = invoke(handler, rest_event("GET", "/api/notes", query=[("tag", "none")]))
    assert (listed["statusCode"], json.loads(listed["body"])) == (200, [])
    missing = invoke(handler, rest_event("GET", "/api/notes/9"))
    assert (missing["statusCode"], json.loads(missing["body"])) == (404, {"detail": "no note 9"})


def test_portafunc_routes_and_the_prefix(handler: Handler) -> None:
    health = invoke(handler, http_v2_event("GET", "/api/health"))
    assert (health["statusCode"], health["body"]) == (200, "ok")
    bare = invoke(handler, http_v2_event("GET", "/api"))
    assert json.loads(bare["body"]) == {"detail": "Not Found"}  # FastAPI's: it has no "/"
    outside = invoke(handler, http_v2_event("GET", "/elsewhere"))
    assert outside["statusCode"] == 404
    assert outside["headers"]["content-type"] == "application/problem+json"


def test_the_lifespan_starts_once_per_cold_start(notes: ModuleType, handler: Handler) -> None:
    assert notes.STARTS == []
    for _ in range(3):
        assert invoke(handler, http_v2_event("GET", "/api/notes"))["statusCode"] == 200
    started = json.loads(invoke(handler, http_v2_event("GET", "/api/me"))["body"])["started"]
    assert len(notes.STARTS) == 1
    assert started == notes.STARTS[0].isoformat().replace("+00:00", "Z")


def test_the_queue_function_beside_the_mount(notes: ModuleType, handler: Handler) -> None:
    event = sqs_event([{"text": "from the queue"}], queue="notes-import")
    assert invoke(handler, event) == {"batchItemFailures": []}
    listed = json.loads(invoke(handler, http_v2_event("GET", "/api/notes"))["body"])
    assert listed == [{"text": "from the queue", "tags": [], "id": 1}]


def test_the_function_deployed_on_its_own_serves_the_mount(notes: ModuleType) -> None:
    own = lambda_handler(notes.app, "asgi_api")
    response = invoke(own, http_v2_event("POST", "/api/notes", json={"text": "x"}))
    assert response["statusCode"] == 201
