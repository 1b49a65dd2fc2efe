"""``build`` for GCP: ``main.py``, ``requirements.txt`` and ``deploy.sh``.

``deploy.sh`` is compared with golden files (``PORTAFUNC_UPDATE_GOLDEN=1`` rewrites
them: review the diff), checked by ``bash -n``, and run by bash against a stand-in
``gcloud`` that records the arguments it receives, so quoting is checked as the shell
sees it. ``test_build_server.py`` serves a built ``main.py`` with functions-framework.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import types
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    Message,
    PortafuncError,
    ScheduleEvent,
    StorageEvent,
)
from portafunc._loader import load_app
from portafunc.providers import BuildSpec
from portafunc_gcp._provider import provider

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
GOLDEN = Path(__file__).resolve().parent / "golden" / "deploy"
TIMEOUT = 60
FAKE_GCLOUD = f"""\
#!{sys.executable}
import json, os, sys

args = sys.argv[1:]
with open(os.environ["GCLOUD_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"cwd": os.getcwd(), "args": args}}) + "\\n")
if args[:3] == ["config", "get-value", "project"]:
    print("configured-project")
failing = [prefix for prefix in os.environ.get("GCLOUD_FAIL", "").split("|") if prefix]
sys.exit(1 if any(" ".join(args).startswith(prefix) for prefix in failing) else 0)
"""


def every_trigger() -> App:
    """An app with every trigger kind, settings and gcp= options."""
    app = App("every")

    @app.get("/orders/{id}", timeout=10)
    def get_order(id: str) -> str:
        return id

    @app.post("/orders", memory=512)
    def create_order(request: HTTPRequest) -> None: ...

    scaled = {
        "max_instances": 5,
        "min_instances": 1,
        "service_account": "w@p.iam.gserviceaccount.com",
    }

    @app.queue("orders", timeout=60.5, memory=256, gcp=scaled)
    def ship(msg: Message[Any]) -> None: ...

    @app.topic("price-changes", gcp={"topic": "prices-v2"})
    def reprice(msg: Message[Any]) -> None: ...

    @app.stream("stock")
    def restock(msg: Message[Any]) -> None: ...

    @app.event(
        type="google.cloud.audit.log.v1.written",
        gcp={"retry": False, "trigger_location": "global"},
    )
    def audited(event: Event[Any]) -> None: ...

    @app.storage("uploads", events=("created", "deleted", "archived", "metadata_updated"))
    def uploaded(event: StorageEvent) -> None: ...

    @app.schedule("0 9 * * MON-FRI", name="Daily_Report", gcp={"region": "europe-west1"})
    def report(event: ScheduleEvent) -> None: ...

    @app.changes("orders", name="audit")
    def audit(change: ChangeEvent[Any]) -> None: ...

    return app


def spec(app_spec: str = "app:app", *requirements: str, python: str = "3.12") -> BuildSpec:
    return BuildSpec(app_spec, tuple(requirements), python)


def shop_project(directory: Path) -> Path:
    """The shop's source, copied as ``portafunc build`` copies a project."""
    for name in ("app.py", "store.py"):
        shutil.copy(SHOP / name, directory / name)
    return directory


def check_text(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PORTAFUNC_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; write it with PORTAFUNC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def bash_syntax(script: Path) -> None:
    checked = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert checked.returncode == 0, checked.stderr


def run_deploy(
    project: Path, tmp_path: Path, env: dict[str, str] | None = None, returncode: int = 0
) -> list[dict[str, Any]]:
    """Run deploy.sh with the stand-in gcloud; the calls it received."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gcloud = bin_dir / "gcloud"
    gcloud.write_text(FAKE_GCLOUD, encoding="utf-8")
    gcloud.chmod(0o755)
    log = tmp_path / "gcloud.jsonl"
    log.unlink(missing_ok=True)
    environment = {k: v for k, v in os.environ.items() if k not in ("PROJECT", "REGION")}
    environment |= {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GCLOUD_LOG": str(log)}
    ran = subprocess.run(
        ["bash", str(project / "deploy.sh")],
        cwd=tmp_path,
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert ran.returncode == returncode, ran.stderr
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


# -- the files ----------------------------------------------------------------------------


def test_build_writes_three_files(tmp_path: Path) -> None:
    written = provider.build(every_trigger(), spec(), tmp_path)
    assert written == ["main.py", "requirements.txt", "deploy.sh"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written)
    assert (tmp_path / "deploy.sh").stat().st_mode & stat.S_IXUSR


def test_deploy_sh_of_every_trigger_kind(tmp_path: Path) -> None:
    provider.build(every_trigger(), spec(), tmp_path)
    bash_syntax(tmp_path / "deploy.sh")
    check_text("every-deploy.sh", (tmp_path / "deploy.sh").read_text(encoding="utf-8"))


def test_deploy_sh_of_the_shop(tmp_path: Path) -> None:
    project = shop_project(tmp_path)
    provider.build(load_app(f"{SHOP / 'app.py'}:app"), spec(), project)
    bash_syntax(project / "deploy.sh")
    check_text("shop-deploy.sh", (project / "deploy.sh").read_text(encoding="utf-8"))


def test_main_py() -> None:
    from portafunc_gcp.cli.build import main_module

    assert main_module("app:app") == (
        "# Generated by portafunc build: the app's functions-framework entry points.\n"
        "import portafunc_gcp\n"
        "from app import app as _app\n"
        "\n"
        "globals().update(portafunc_gcp.entry_points(_app))\n"
    )


def test_main_py_publishes_the_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = App("dotted")

    @app.queue("orders")
    def ship(msg: Message[Any]) -> None: ...

    module = types.ModuleType("pkg_for_main")
    module.holder = types.SimpleNamespace(app=app)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pkg_for_main", module)
    provider.build(app, spec("pkg_for_main:holder.app"), tmp_path)
    text = (tmp_path / "main.py").read_text(encoding="utf-8")
    assert "from pkg_for_main import holder as _app\n_app = _app.app\n" in text
    namespace: dict[str, Any] = {}
    exec(compile(text, "main.py", "exec"), namespace)
    assert namespace["ship"].__name__ == "ship"


def test_requirements_are_the_projects_then_the_runtime_pinned(tmp_path: Path) -> None:
    provider.build(every_trigger(), spec("app:app", "pydantic==2.9.2", "httpx==0.27.0"), tmp_path)
    assert (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines() == [
        "# Generated by portafunc build.",
        "pydantic==2.9.2",
        "httpx==0.27.0",
        f"portafunc=={version('portafunc')}",
        f"portafunc-gcp=={version('portafunc-gcp')}",
        f"functions-framework=={version('functions-framework')}",
    ]


def test_requirements_the_project_pins_itself_are_not_repeated(tmp_path: Path) -> None:
    pinned = ("# from the lock", "Functions_Framework==3.9.0", "portafunc[gcp] @ file:///src")
    provider.build(every_trigger(), spec("app:app", *pinned), tmp_path)
    lines = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [*pinned, f"portafunc-gcp=={version('portafunc-gcp')}"]


# -- deploy.sh, run ---------------------------------------------------------------------


def test_deploy_sh_runs_every_gcloud_command(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    provider.build(every_trigger(), spec(python="3.13"), project)
    failing = {"GCLOUD_FAIL": "pubsub topics create|scheduler jobs create"}
    calls = run_deploy(project, tmp_path, failing)
    assert calls[0]["args"] == ["config", "get-value", "project"]
    assert {call["cwd"] for call in calls} == {str(project)}
    args = [call["args"] for call in calls[1:]]
    topics = [a[3] for a in args if a[:3] == ["pubsub", "topics", "create"]]
    assert topics == ["orders", "prices-v2", "stock", "daily-report-schedule"]
    schedule = [
        "--schedule", "0 9 * * 1-5", "--topic", "daily-report-schedule",
        "--message-body", "{}", "--time-zone", "UTC",
        "--location", "europe-west1", "--project", "configured-project",
    ]  # fmt: skip
    assert ["scheduler", "jobs", "create", "pubsub", "daily-report", *schedule] in args
    assert ["scheduler", "jobs", "update", "pubsub", "daily-report", *schedule] in args
    deploys = {a[2]: a[3:] for a in args if a[:2] == ["functions", "deploy"]}
    assert list(deploys) == [
        "every", "ship", "reprice", "restock", "audited",
        "uploaded-created", "uploaded-deleted", "uploaded-archived",
        "uploaded-metadata-updated", "daily-report", "audit",
    ]  # fmt: skip
    common = ["--gen2", "--runtime", "python313", "--source", ".", "--entry-point"]
    assert deploys["audit"] == [
        *common, "audit", "--region", "us-central1",
        "--trigger-event-filters=type=google.cloud.firestore.document.v1.written",
        "--trigger-event-filters=database=(default)",
        "--trigger-event-filters-path-pattern=document=orders/{id}",
        "--retry", "--project", "configured-project",
    ]  # fmt: skip
    assert deploys["every"] == [
        *common, "every", "--region", "us-central1",
        "--trigger-http", "--no-allow-unauthenticated",
        "--timeout=10s", "--memory=512Mi", "--project", "configured-project",
    ]  # fmt: skip
    assert deploys["ship"] == [
        *common, "ship", "--region", "us-central1", "--trigger-topic=orders", "--retry",
        "--timeout=61s", "--memory=256Mi", "--max-instances=5", "--min-instances=1",
        "--service-account=w@p.iam.gserviceaccount.com", "--project", "configured-project",
    ]  # fmt: skip
    assert deploys["audited"] == [
        *common, "audited", "--region", "us-central1",
        "--trigger-event-filters=type=google.cloud.audit.log.v1.written",
        "--trigger-location=global", "--project", "configured-project",
    ]  # fmt: skip
    assert deploys["uploaded-metadata-updated"][6:] == [
        "uploaded", "--region", "us-central1",
        "--trigger-event-filters=type=google.cloud.storage.object.v1.metadataUpdated",
        "--trigger-event-filters=bucket=uploads", "--retry", "--project", "configured-project",
    ]  # fmt: skip
    assert deploys["daily-report"][6:10] == [
        "Daily_Report", "--region", "europe-west1", "--trigger-topic=daily-report-schedule"
    ]  # fmt: skip


def test_deploy_sh_reads_project_region_and_access_from_the_environment(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    provider.build(every_trigger(), spec(), project)
    env = {"PROJECT": "p1", "REGION": "asia-east1", "HTTP_ACCESS": "--allow-unauthenticated"}
    calls = run_deploy(project, tmp_path, env)
    assert calls[0]["args"][:3] == ["pubsub", "topics", "create"]  # no project lookup
    http = next(c["args"] for c in calls if c["args"][:3] == ["functions", "deploy", "every"])
    assert http[http.index("--trigger-http") + 1] == "--allow-unauthenticated"
    assert http[http.index("--region") + 1] == "asia-east1"
    assert http[-2:] == ["--project", "p1"]


def test_deploy_sh_stops_at_the_first_failing_deployment(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    provider.build(every_trigger(), spec(), project)
    failing = {"PROJECT": "p", "GCLOUD_FAIL": "functions deploy ship"}
    calls = run_deploy(project, tmp_path, failing, returncode=1)
    assert calls[-1]["args"][:3] == ["functions", "deploy", "ship"]


# -- refusals -----------------------------------------------------------------------------


def test_a_project_main_py_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("print('mine')\n", encoding="utf-8")
    with pytest.raises(PortafuncError, match=r"main\.py is the project's own"):
        provider.build(every_trigger(), spec(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py"]


def test_a_generated_main_py_is_rewritten(tmp_path: Path) -> None:
    provider.build(every_trigger(), spec(), tmp_path)
    provider.build(every_trigger(), spec("other:app"), tmp_path)
    assert "from other import app as _app" in (tmp_path / "main.py").read_text(encoding="utf-8")


def test_an_app_with_errors_is_not_built(tmp_path: Path) -> None:
    app = App("a")

    @app.queue("orders", gcp={"colour": "blue"})
    def ship(msg: Message[Any]) -> None: ...

    with pytest.raises(PortafuncError, match="cannot build for gcp: error: ship: unknown gcp="):
        provider.build(app, spec(), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("app_spec", "python", "message"),
    [
        ("src/app:app", "3.12", "is not module:attribute"),
        (":app", "3.12", "is not module:attribute"),
        ("app:app()", "3.12", "is not module:attribute"),
        ("main:app", "3.12", "the app's module is main.py"),
        ("app:app", "3", "expected a version such as 3.12"),
        ("app:app", "python3.12", "expected a version such as 3.12"),
    ],
)
def test_bad_specs(tmp_path: Path, app_spec: str, python: str, message: str) -> None:
    with pytest.raises(PortafuncError, match=message):
        provider.build(every_trigger(), spec(app_spec, python=python), tmp_path)
