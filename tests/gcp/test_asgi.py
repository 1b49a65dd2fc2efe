"""A FastAPI app mounted with ``App.mount``, behind ``entry_points``.

The app is examples/fastapi (loaded afresh for each test, so each test is a cold
start), served by functions-framework's own Flask app for the app entry (what
``portafunc build`` deploys) or the mount's own entry, through its test client: the
WSGI environ, the execution-id middleware and Flask's request and response included.
"""

import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask.testing import FlaskClient

from portafunc_gcp.testing import create_app

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
def client(notes: ModuleType) -> FlaskClient:
    """The app entry, named after the app: one deployment serves every HTTP route."""
    return create_app(notes.app, "notes").test_client()


def test_a_post_is_validated_and_answered_by_fastapi(client: FlaskClient) -> None:
    response = client.post("/api/notes", json={"text": "héllo ✓"})
    assert response.status_code == 201
    assert response.json == {"text": "héllo ✓", "tags": [], "id": 1}
    assert response.headers.getlist("set-cookie") == ["last_note=1; Path=/; SameSite=lax"]
    invalid = client.post("/api/notes", json={"text": "x" * 501})
    assert invalid.status_code == 422
    assert invalid.json is not None
    assert invalid.json["detail"][0]["loc"] == ["body", "text"]


def test_path_query_cookies_and_client_reach_the_app(client: FlaskClient) -> None:
    client.post("/api/notes", json={"text": "a", "tags": ["x"]})
    client.post("/api/notes", json={"text": "b"})
    tagged = client.get("/api/notes", query_string={"tag": "x"})
    assert [note["text"] for note in tagged.json or []] == ["a"]
    client.set_cookie("last_note", "2")
    me = client.get("/api/me", headers={"x-forwarded-for": "198.51.100.7, 10.0.0.1"}).json
    assert me is not None
    assert (me["last_note"], me["client"]) == (2, "198.51.100.7")
    assert me["url"] == "https://localhost/api/me"


def test_a_binary_download_keeps_its_bytes(client: FlaskClient) -> None:
    client.post("/api/notes", json={"text": "naïve ✓"})
    response = client.get("/api/notes/1/export")
    assert response.status_code == 200
    assert response.data == "naïve ✓".encode()
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == 'attachment; filename="note-1.txt"'


def test_portafunc_routes_and_the_prefix(client: FlaskClient) -> None:
    assert client.get("/api/health").data == b"ok"
    assert client.get("/api").json == {"detail": "Not Found"}  # FastAPI's: it has no "/"
    outside = client.get("/elsewhere")
    assert outside.status_code == 404
    assert outside.headers["content-type"] == "application/problem+json"


def test_the_lifespan_starts_once_per_cold_start(notes: ModuleType, client: FlaskClient) -> None:
    assert notes.STARTS == []
    for _ in range(3):
        assert client.get("/api/notes").status_code == 200
    assert len(notes.STARTS) == 1


def test_the_mounts_own_entry_serves_the_prefix_too(notes: ModuleType) -> None:
    own = create_app(notes.app, "asgi_api").test_client()
    assert own.post("/api/notes", json={"text": "x"}).status_code == 201
    assert own.get("/api").json == {"detail": "Not Found"}
    refused = own.get("/api/health")  # portafunc's route: not this entry's
    assert refused.status_code == 404
    assert json.loads(refused.data)["title"] == "Not Found"
