"""``portafunc build --provider azure`` (portafunc_azure.cli.build, settings, guide):
the project it writes, its generated ``function_app.py`` imported and indexed (by
azure.functions' builders, and on Python 3.13 by the Azure worker's own loader), and
golden ``host.json``, ``local.settings.json``, ``requirements.txt`` and ``RESOURCES.md``
for an app with every trigger kind and for examples/shop."""

import importlib
import importlib.util
import json
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import azure.functions as func
import pytest

from portafunc import PortafuncError
from portafunc._loader import load_app
from portafunc.providers import BuildSpec, provider
from portafunc_azure import function_app, testing
from portafunc_azure.cli.build import entry_module, requirements
from portafunc_azure.triggers.http import CATCH_ALL, PREFIX_SETTING, SCRIPT_ROOT

Golden = Callable[[str, Any], None]
ROOT = Path(__file__).resolve().parents[2]
WRITTEN = [
    "function_app.py", "host.json", "local.settings.json", "requirements.txt",
    "RESOURCES.md", ".funcignore",
]  # fmt: skip

EVERY_TRIGGER = '''\
"""Every trigger kind and Azure service (written by tests/azure/test_build.py)."""

from typing import Any

from pydantic import BaseModel

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent

app = App("every")


class Order(BaseModel):
    id: str
    qty: int


@app.get("/orders/{id}", timeout=60)
def get_order(id: str) -> dict[str, str]:
    return {"id": id}


@app.post("/orders", status=201, timeout=60, azure={"auth_level": "anonymous"})
async def create_order(order: Order) -> Order:
    return order


@app.get("/", timeout=60)
def home() -> str:
    return "home"


@app.queue("orders", max_attempts=3, timeout=60)
def ship(msg: Message[Order]) -> None: ...


@app.queue("returns", max_attempts=3, timeout=60, azure={"connection": "ReturnsStorage"})
def refund(msg: Message[Order]) -> None: ...


@app.queue("payments", max_attempts=4, timeout=60, azure={"service": "service_bus"})
async def pay(msg: Message[Order]) -> None: ...


@app.topic("order-events", timeout=60)
def notify(msg: Message[Order]) -> None: ...


@app.topic("grid-topic", timeout=60, azure={"service": "event_grid"})
def on_grid_message(msg: Message[dict[str, Any]]) -> None: ...


@app.event(type="Contoso.Items.ItemReceived", timeout=60)
def on_item(event: Event[dict[str, Any]]) -> None: ...


@app.storage("uploads", events=("created", "deleted"), prefix="in/", suffix=".csv", timeout=60)
def on_upload(event: StorageEvent) -> None: ...


@app.storage("images", timeout=60, azure={"service": "blob"})
def on_image(event: StorageEvent) -> None: ...


@app.schedule("*/5 * * * *", timeout=300)
async def every_five_minutes(event: ScheduleEvent) -> None: ...


@app.changes("orders", max_attempts=4, timeout=60)
def audit(change: ChangeEvent[Order]) -> None: ...


@app.changes("orders", timeout=60, azure={"database": "shop", "lease_container": "leases2"})
def index(change: ChangeEvent[Order]) -> None: ...


@app.stream("clicks", batch_size=50, max_attempts=3, timeout=60)
async def clicks(msg: Message[dict[str, Any]]) -> None: ...
'''

#: Each Azure function's trigger binding type ("/" has none: the catch-all serves it).
TRIGGERS = {
    "get_order": "httpTrigger",
    "create_order": "httpTrigger",
    CATCH_ALL: "httpTrigger",
    "ship": "queueTrigger",
    "refund": "queueTrigger",
    "pay": "serviceBusTrigger",
    "notify": "serviceBusTrigger",
    "on_grid_message": "eventGridTrigger",
    "on_item": "eventGridTrigger",
    "on_upload": "eventGridTrigger",
    "on_image": "blobTrigger",
    "every_five_minutes": "timerTrigger",
    "audit": "cosmosDBTrigger",
    "index": "cosmosDBTrigger",
    "clicks": "eventHubTrigger",
}


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading and importing the built apps does to sys.path and sys.modules
    (only the modules imported from ``tmp_path``: the library's own stay as they are)."""
    path = list(sys.path)
    monkeypatch.delenv(PREFIX_SETTING, raising=False)
    monkeypatch.delenv(SCRIPT_ROOT, raising=False)
    yield
    sys.path[:] = path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def build(source: Path, app_spec: str, *requirement: str) -> tuple[Path, list[str]]:
    """Build the app ``app_spec`` of the tree ``source`` (already a copy) in place."""
    module, _, attribute = app_spec.partition(":")
    app = load_app(f"{source / (module.replace('.', '/') + '.py')}:{attribute}")
    written = provider("azure").build(app, BuildSpec(app_spec, requirement), source)
    return source, written


@pytest.fixture
def every(tmp_path: Path, isolated: None) -> tuple[Path, list[str]]:
    (tmp_path / "every_app.py").write_text(EVERY_TRIGGER, encoding="utf-8")
    return build(tmp_path, "every_app:app", "pydantic>=2.7,<3")


@pytest.fixture
def shop(tmp_path: Path, isolated: None) -> tuple[Path, list[str]]:
    for name in ("app.py", "store.py"):
        shutil.copy(ROOT / "examples" / "shop" / name, tmp_path / name)
    return build(tmp_path, "app:app", "pydantic>=2.7,<3")


def import_generated(project: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The project's ``function_app.py``, imported as the host would run it: from the
    project directory (so host.json's routePrefix applies), under a fresh name."""
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    name = f"function_app_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, project / "function_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def functions(registered: func.FunctionApp) -> dict[str, Any]:
    """Name → the Azure function, read from the builders (never get_functions())."""
    found = (builder._function for builder in registered._function_builders)
    return {function.get_function_name() or "": function for function in found}


def bindings(function: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(function.get_function_json())["bindings"]
    return found


def read(project: Path, name: str) -> str:
    return (project / name).read_text(encoding="utf-8")


# -- what build writes ------------------------------------------------------------------


def test_the_files_written(every: tuple[Path, list[str]]) -> None:
    project, written = every
    assert written == WRITTEN
    assert all((project / name).is_file() for name in written)
    assert "local.settings.json" in read(project, ".funcignore").splitlines()


def test_function_app_py_holds_one_function_app_named_app(
    every: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = import_generated(every[0], monkeypatch)
    apps = [name for name, value in vars(module).items() if isinstance(value, func.FunctionApp)]
    assert apps == ["app"]


def test_every_function_and_its_bindings(
    every: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = every
    registered = functions(import_generated(project, monkeypatch).app)
    assert {name: function.get_trigger().type for name, function in registered.items()} == TRIGGERS
    # The same functions and bindings function_app() makes of the app loaded directly.
    direct = functions(function_app(load_app(f"{project / 'every_app.py'}:app")))
    assert {n: bindings(f) for n, f in registered.items()} == {
        n: bindings(f) for n, f in direct.items()
    }
    ship = bindings(registered["refund"])[0]
    assert (ship["queueName"], ship["connection"]) == ("returns", "ReturnsStorage")
    assert bindings(registered["index"])[0]["databaseName"] == "shop"
    assert registered["clicks"].get_settings_dict("retry_policy")["max_retry_count"] == "2"


def test_the_generated_app_serves_paths_without_a_prefix(
    every: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = import_generated(every[0], monkeypatch).app
    request = testing.http_request("GET", "/orders/7", route_prefix="")
    response = testing.invoke(registered, "get_order", request)
    assert (response.status_code, json.loads(response.get_body())) == (200, {"id": "7"})


def test_every_trigger_golden(every: tuple[Path, list[str]], golden: Golden) -> None:
    project, _ = every
    golden("project/every/host", json.loads(read(project, "host.json")))
    golden("project/every/local_settings", json.loads(read(project, "local.settings.json")))
    golden("project/every/requirements", read(project, "requirements.txt").splitlines())
    golden("project/every/RESOURCES", read(project, "RESOURCES.md").splitlines())


def test_host_json(every: tuple[Path, list[str]]) -> None:
    host = json.loads(read(every[0], "host.json"))
    assert host["version"] == "2.0"
    assert host["extensionBundle"] == {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",
    }
    assert host["extensions"] == {
        "http": {"routePrefix": ""},
        "queues": {"maxDequeueCount": 3},  # ship and refund agree; pay is Service Bus
        "eventHubs": {"maxEventBatchSize": 50},
    }
    assert host["functionTimeout"] == "00:05:00"  # the largest


def test_resources_md_lists_what_the_triggers_need(every: tuple[Path, list[str]]) -> None:
    text = read(every[0], "RESOURCES.md").replace(" \\\n  ", " ")  # one command a line
    for expected in [
        "az storage queue create --name orders",
        "az servicebus queue create",
        "--name payments --max-delivery-count 4",
        "--topic-name order-events --name notify --max-delivery-count 10",
        "az eventgrid topic create --name grid-topic",
        "--included-event-types Contoso.Items.ItemReceived",
        "--included-event-types Microsoft.Storage.BlobCreated Microsoft.Storage.BlobDeleted",
        "--subject-begins-with /blobServices/default/containers/uploads/blobs/in/",
        "--subject-ends-with .csv",
        "--eventhub-name clicks --name clicks",
        '--database-name "$PORTAFUNC_COSMOS_DATABASE" --name leases',
        "--database-name shop --name leases2",
        '"ReturnsStorage=$(az storage account show-connection-string',
        "--runtime-version 3.12",
        "polls the container",
    ]:
        assert expected in text, expected


def test_examples_shop_builds(
    shop: tuple[Path, list[str]], golden: Golden, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, written = shop
    assert written == WRITTEN
    golden("project/shop/host", json.loads(read(project, "host.json")))
    golden("project/shop/RESOURCES", read(project, "RESOURCES.md").splitlines())
    registered = functions(import_generated(project, monkeypatch).app)
    assert sorted(registered) == sorted(
        [CATCH_ALL, "health", "create_order", "get_order", "cancel_order", "ship", "reprice",
         "restock", "payment_received", "price_list", "sweep", "audit"]
    )  # fmt: skip


# -- refused builds and the pieces ------------------------------------------------------


def test_an_app_check_finds_errors_in_is_not_built(tmp_path: Path, isolated: None) -> None:
    (tmp_path / "jobs.py").write_text(
        "from portafunc import App, ScheduleEvent\n\napp = App('jobs')\n\n\n"
        "@app.schedule('0 0 1 * 1')\ndef first_or_monday(event: ScheduleEvent) -> None: ...\n",
        encoding="utf-8",
    )
    with pytest.raises(PortafuncError, match="first_or_monday: schedule '0 0 1 \\* 1'"):
        build(tmp_path, "jobs:app")
    assert not any((tmp_path / name).exists() for name in WRITTEN)


def test_entry_module_forms() -> None:
    assert "from shop.app import api as _app\n\napp = portafunc_azure.function_app(_app)\n" in (
        entry_module("shop.app:api")
    )
    assert "function_app(_app.apps.main)" in entry_module("shop:registry.apps.main")
    assert "from shop import app as _app" in entry_module("shop")
    with pytest.raises(PortafuncError, match=r"clashes with the function_app\.py"):
        entry_module("function_app:app")
    with pytest.raises(PortafuncError, match="expected module:attribute"):
        entry_module("shop/app.py:app")


def test_requirements_pin_the_adapter_and_replace_its_dependencies() -> None:
    lines = requirements(
        (
            "# pinned",
            "portafunc==0.1.0",
            "azure_functions==1.0",
            "Portafunc-Azure>=0",
            "httpx==0.27",
        )
    ).splitlines()
    assert lines == [
        "# pinned",
        "portafunc==0.1.0",
        "httpx==0.27",
        "portafunc-azure==0.1.0",
        'azure-functions>=1.21,<2; python_version < "3.13"',
        'azure-functions>=2,<3; python_version >= "3.13"',
    ]


# -- the Azure worker's own loader (Python 3.13) ----------------------------------------

#: ``BindingInfo.Direction.in`` (the loader copies azure.functions' BindingDirection value).
IN = 0


class BindingInfo(SimpleNamespace):
    """Stands in for the worker's ``protos.BindingInfo`` (its enum values as ints)."""

    undefined = 0
    out = 1
    inout = 2


PROTOS = SimpleNamespace(
    BindingInfo=BindingInfo, RpcRetryOptions=SimpleNamespace, RpcFunctionMetadata=SimpleNamespace
)


@pytest.mark.skipif(sys.version_info < (3, 13), reason="azure-functions-runtime needs 3.13")
def test_the_worker_indexes_the_built_project(
    every: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = every
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.delitem(sys.modules, "function_app", raising=False)

    def runtime(name: str) -> Any:
        return importlib.import_module(f"azure_functions_runtime.{name}")

    runtime("bindings.meta").load_binding_registry()
    indexed = runtime("loader").index_function_app(str(project / "function_app.py"))
    metadata, _ = runtime("loader").process_indexed_function(
        PROTOS, runtime("functions").Registry(), indexed, str(project)
    )
    assert {m.name: m.script_file for m in metadata} == dict.fromkeys(TRIGGERS, "function_app.py")
    for meta in metadata:
        inputs = [b.type for b in meta.bindings.values() if b.direction == IN]
        assert inputs == [TRIGGERS[meta.name]], meta.name
