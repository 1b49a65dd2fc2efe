"""A generated ``function_app.py`` indexed by the Azure Python worker's own loader.

On Python 3.13 the worker is the azure-functions-runtime package. Its host-facing
half speaks gRPC; the indexing half is plain Python: ``loader.index_function_app``
imports the module and calls ``get_functions()`` on its one FunctionApp, then
``loader.process_indexed_function`` validates every function as the worker does at
startup (each wrapper's parameters against its bindings, their annotations against
the binding converters, ``context``, the return type) and builds the metadata it
sends the host. The gRPC message classes are stood in for by a small ``protos``
namespace: the loader only constructs them with keywords and reads three
``BindingInfo`` constants.
"""

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 13),
    reason="needs azure-functions-runtime, which requires Python 3.13",
)

CATCH_ALL = "portafunc_catch_all"

SHOP = '''\
"""A small app with every trigger kind (written by test_worker_indexing.py)."""

from typing import Any

from pydantic import BaseModel

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent

app = App("shop")


class Order(BaseModel):
    id: str
    qty: int


@app.get("/orders/{id}")
def get_order(id: str) -> dict[str, str]:
    return {"id": id}


@app.post("/orders", status=201, azure={"auth_level": "anonymous"})
async def create_order(order: Order) -> Order:
    return order


@app.get("/")
def home() -> str:
    return "home"


@app.queue("orders")
def ship(msg: Message[Order]) -> None: ...


@app.queue("payments", azure={"service": "service_bus"})
async def pay(msg: Message[Order]) -> None: ...


@app.topic("order-events")
def notify(msg: Message[Order]) -> None: ...


@app.topic("grid-topic", azure={"service": "event_grid"})
def on_grid_message(msg: Message[dict[str, Any]]) -> None: ...


@app.event(type="Contoso.Items.ItemReceived")
def on_item(event: Event[dict[str, Any]]) -> None: ...


@app.storage("uploads", events=("created", "deleted"))
def on_upload(event: StorageEvent) -> None: ...


@app.storage("images", azure={"service": "blob"})
def on_image(event: StorageEvent) -> None: ...


@app.schedule("*/5 * * * *")
async def every_five_minutes(event: ScheduleEvent) -> None: ...


@app.changes("orders", max_attempts=4)
def audit(change: ChangeEvent[Order]) -> None: ...


@app.stream("clicks", batch_size=50, max_attempts=3)
async def clicks(msg: Message[dict[str, Any]]) -> None: ...
'''

# What `portafunc build --provider azure` will write.
FUNCTION_APP = '''\
"""Azure Functions entry module."""

import portafunc_azure

import shop_app

app = portafunc_azure.function_app(shop_app.app)
'''

#: Each function's trigger binding type ("/" has no function of its own: the catch-all
#: serves it).
TRIGGERS = {
    "get_order": "httpTrigger",
    "create_order": "httpTrigger",
    CATCH_ALL: "httpTrigger",
    "ship": "queueTrigger",
    "pay": "serviceBusTrigger",
    "notify": "serviceBusTrigger",
    "on_grid_message": "eventGridTrigger",
    "on_item": "eventGridTrigger",
    "on_upload": "eventGridTrigger",
    "on_image": "blobTrigger",
    "every_five_minutes": "timerTrigger",
    "audit": "cosmosDBTrigger",
    "clicks": "eventHubTrigger",
}
ASYNC = {"create_order", "pay", "every_five_minutes", "clicks", CATCH_ALL}
#: The sources whose host advances the checkpoint on failure: max_attempts given.
RETRIED = {"audit": 4, "clicks": 3}


#: ``BindingInfo.Direction.in`` (the loader copies azure.functions' BindingDirection value).
IN = 0


class BindingInfo(SimpleNamespace):
    """Stands in for the worker's ``protos.BindingInfo`` (its enum values as ints)."""

    undefined = 0
    out = 1
    inout = 2


PROTOS = SimpleNamespace(
    BindingInfo=BindingInfo,
    RpcRetryOptions=SimpleNamespace,
    RpcFunctionMetadata=SimpleNamespace,
)


def runtime(name: str) -> Any:
    """A module of azure-functions-runtime (imported by name: it exists on 3.13 only)."""
    return importlib.import_module(f"azure_functions_runtime.{name}")


@pytest.fixture
def script_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A function app directory holding ``shop_app.py`` and ``function_app.py``."""
    (tmp_path / "shop_app.py").write_text(SHOP, encoding="utf-8")
    (tmp_path / "function_app.py").write_text(FUNCTION_APP, encoding="utf-8")
    (tmp_path / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in ("function_app", "shop_app"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    yield tmp_path
    for module in ("function_app", "shop_app"):
        sys.modules.pop(module, None)


@pytest.fixture
def indexed(script_root: Path) -> tuple[list[Any], Any]:
    """The worker's metadata for every function, and its function registry."""
    runtime("bindings.meta").load_binding_registry()
    loader = runtime("loader")
    registry = runtime("functions").Registry()
    functions = loader.index_function_app(str(script_root / "function_app.py"))
    metadata, _logs = loader.process_indexed_function(PROTOS, registry, functions, str(script_root))
    return metadata, registry


def test_every_function_is_indexed(indexed: tuple[list[Any], Any]) -> None:
    metadata, _ = indexed
    assert sorted(m.name for m in metadata) == sorted(TRIGGERS)
    for meta in metadata:
        assert meta.entry_point == meta.name
        assert meta.script_file == "function_app.py"
        assert meta.properties == {"worker_indexed": "True"}
        assert meta.language == "python"


def test_bindings(indexed: tuple[list[Any], Any]) -> None:
    metadata, _ = indexed
    for meta in metadata:
        inputs = {n: b.type for n, b in meta.bindings.items() if b.direction == IN}
        outputs = {n: b.type for n, b in meta.bindings.items() if b.direction == BindingInfo.out}
        assert list(inputs.values()) == [TRIGGERS[meta.name]], meta.name
        http = TRIGGERS[meta.name] == "httpTrigger"
        assert outputs == ({"$return": "http"} if http else {}), meta.name
        raw = [json.loads(binding) for binding in meta.raw_bindings]
        assert sorted(b["name"] for b in raw) == sorted(meta.bindings), meta.name


def test_routes(indexed: tuple[list[Any], Any]) -> None:
    metadata, _ = indexed
    triggers = {
        m.name: next(b for b in map(json.loads, m.raw_bindings) if b["type"] == "httpTrigger")
        for m in metadata
        if TRIGGERS[m.name] == "httpTrigger"
    }
    assert {name: t["route"] for name, t in triggers.items()} == {
        "get_order": "orders/{id}",
        "create_order": "orders",
        CATCH_ALL: "{*path}",
    }
    assert triggers["create_order"]["authLevel"] == "ANONYMOUS"
    assert triggers[CATCH_ALL]["authLevel"] == "FUNCTION"  # the strictest of the app's


def test_retry_policies(indexed: tuple[list[Any], Any]) -> None:
    metadata, _ = indexed
    retries = {m.name: m.retry_options for m in metadata if m.retry_options is not None}
    assert sorted(retries) == sorted(RETRIED)
    for name, options in retries.items():
        assert options.retry_strategy == "exponential_backoff", name
        assert 1 <= options.max_retry_count <= RETRIED[name], name
        assert options.minimum_interval <= options.maximum_interval, name


def test_the_worker_sees_the_wrappers_as_portafunc_declared_them(
    indexed: tuple[list[Any], Any],
) -> None:
    metadata, registry = indexed
    for meta in metadata:
        info = registry.get_function(meta.function_id)
        assert info.name == meta.name
        assert info.requires_context, meta.name
        assert info.is_async is (meta.name in ASYNC), meta.name
        assert info.is_http_func is (TRIGGERS[meta.name] == "httpTrigger"), meta.name
        assert info.has_return is (TRIGGERS[meta.name] == "httpTrigger"), meta.name
        assert sorted(info.input_types) == sorted(
            n for n, b in meta.bindings.items() if b.direction == IN
        )
