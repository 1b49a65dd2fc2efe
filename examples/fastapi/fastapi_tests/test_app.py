"""The FastAPI example: the mounted app through the TestClient, then ``portafunc build``
for each cloud, and the built projects serving it as each cloud's runtime would."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (a cfn-lint dependency) ships no stubs

from portafunc.cli import main
from portafunc.testing import TestClient

EXAMPLE_DIR = Path(__file__).resolve().parents[1]

# -- through the TestClient --------------------------------------------------------------


def test_notes_are_created_listed_and_read(client: TestClient) -> None:
    created = client.post("/api/notes", json={"text": "buy milk", "tags": ["home"]})
    assert created.status == 201
    assert created.json() == {"text": "buy milk", "tags": ["home"], "id": 1}
    assert created.headers["set-cookie"].startswith("last_note=1;")
    client.post("/api/notes", json={"text": "ship v2"})
    assert [n["id"] for n in client.get("/api/notes").json()] == [1, 2]
    assert [n["id"] for n in client.get("/api/notes?tag=home").json()] == [1]
    assert client.get("/api/notes/2").json()["text"] == "ship v2"


def test_fastapi_answers_its_own_errors(client: TestClient) -> None:
    missing = client.get("/api/notes/9")
    assert (missing.status, missing.json()) == (404, {"detail": "no note 9"})
    invalid = client.post("/api/notes", json={"text": "", "tags": "not a list"})
    assert invalid.status == 422
    assert [e["loc"] for e in invalid.json()["detail"]] == [["body", "text"], ["body", "tags"]]


def test_the_export_is_a_utf8_download(client: TestClient) -> None:
    client.post("/api/notes", json={"text": "crème brûlée ✓"})
    response = client.get("/api/notes/1/export")
    assert response.body == "crème brûlée ✓".encode()
    assert response.headers["content-disposition"] == 'attachment; filename="note-1.txt"'


def test_me_reads_a_cookie_and_the_lifespan_state(notes: ModuleType, client: TestClient) -> None:
    seen = client.get("/api/me", headers={"cookie": "last_note=3", "host": "notes.test"}).json()
    [started] = notes.STARTS
    assert seen == {
        "last_note": 3,
        "started": started.isoformat().replace("+00:00", "Z"),
        "client": "127.0.0.1",
        "url": "http://notes.test/api/me",
    }


def test_the_lifespan_runs_once_per_cold_start(notes: ModuleType, client: TestClient) -> None:
    assert notes.STARTS == []  # importing the app does not start it
    for _ in range(3):
        client.get("/api/notes")
    assert len(notes.STARTS) == 1


def test_portafuncs_health_route_wins_over_the_mount(client: TestClient) -> None:
    response = client.get("/api/health")
    assert (response.status, response.text) == (200, "ok")


def test_queued_notes_join_the_posted_ones(client: TestClient) -> None:
    client.post("/api/notes", json={"text": "posted"})
    outcome = client.send("import_note", {"text": "queued", "tags": ["import"]})
    assert outcome.result == 2
    assert [n["text"] for n in client.get("/api/notes").json()] == ["posted", "queued"]


# -- portafunc build, then the built project -----------------------------------------------


def build(provider: str, out: Path, *options: str) -> Path:
    app = f"{EXAMPLE_DIR / 'app.py'}:app"
    assert main(["build", app, "--provider", provider, "--out", str(out), *options]) == 0
    return out


def load(path: Path) -> ModuleType:
    """A built entry module, imported as its runtime would: its directory on sys.path."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"built_{uuid.uuid4().hex}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
def test_the_built_requirements_include_fastapi(
    provider: str, tmp_path: Path, isolated: None
) -> None:
    project = build(provider, tmp_path / provider)
    lines = (project / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "fastapi>=0.110" in lines  # from examples/fastapi/requirements.txt
    assert f"portafunc-{provider}==0.1.0" in lines


def test_aws_one_lambda_serves_the_mount_behind_the_default_route(
    tmp_path: Path, isolated: None
) -> None:
    from portafunc_aws.testing import LambdaContext, http_v2_event

    project = build("aws", tmp_path / "aws")
    template: dict[str, Any] = yaml.safe_load((project / "template.yaml").read_text())
    http = template["Resources"]["HTTPFunction"]["Properties"]
    assert http["Handler"] == "portafunc_entry.handler"
    assert http["Events"]["HttpApi"]["Properties"]["Path"] == "$default"
    entry = load(project / "portafunc_entry.py")
    event = http_v2_event("POST", "/api/notes", json={"text": "from Lambda"})
    response = entry.handler(event, LambdaContext())
    assert (response["statusCode"], json.loads(response["body"])["id"]) == (201, 1)


def test_aws_per_function_routes_the_prefix_too(tmp_path: Path, isolated: None) -> None:
    project = build("aws", tmp_path / "aws", "--http", "per-function")
    template: dict[str, Any] = yaml.safe_load((project / "template.yaml").read_text())
    events = template["Resources"]["AsgiApiFunction"]["Properties"]["Events"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert ("ANY", "/api") in routes
    assert ("POST", "/api/{path+}") in routes


def test_azure_the_mount_is_an_azure_function_of_the_built_app(
    tmp_path: Path, isolated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portafunc_azure.testing import azure_function, http_request, invoke
    from portafunc_azure.triggers.http import PREFIX_SETTING

    project = build("azure", tmp_path / "azure")
    assert json.loads((project / "host.json").read_text())["extensions"]["http"] == {
        "routePrefix": ""
    }
    monkeypatch.delenv(PREFIX_SETTING, raising=False)
    monkeypatch.chdir(project)  # the host runs the app from its directory (host.json)
    function_app = load(project / "function_app.py").app
    bindings = json.loads(azure_function(function_app, "asgi_api").get_function_json())
    assert bindings["bindings"][0]["route"] == "api/{*path}"
    posted = http_request("POST", "/api/notes", json={"text": "from Azure"}, route_prefix="")
    response = invoke(function_app, "asgi_api", posted)
    assert (response.status_code, json.loads(response.get_body())["id"]) == (201, 1)


def test_gcp_the_app_entry_of_main_py_serves_the_mount(tmp_path: Path, isolated: None) -> None:
    from portafunc_gcp.testing import create_app

    project = build("gcp", tmp_path / "gcp")
    assert "from app import app as _app" in (project / "main.py").read_text()
    deploy = (project / "deploy.sh").read_text()
    assert "gcloud functions deploy notes" in deploy
    client = create_app(project / "main.py", "notes").test_client()
    response = client.post("/api/notes", json={"text": "from Cloud Functions"})
    assert (response.status_code, (response.json or {}).get("id")) == (201, 1)
