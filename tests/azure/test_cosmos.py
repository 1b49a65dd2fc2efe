"""Cosmos DB trigger → ``changes`` functions (portafunc_azure.triggers.cosmos).

Payloads: tests/payloads/azure/database/*.json (azure-functions-python-library
tests/test_cosmosdb.py: a document with system properties, and a batch of two),
decoded as the worker decodes them: ``CosmosDBTriggerConverter.decode`` of the JSON.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from azure.functions.cosmosdb import CosmosDBTriggerConverter
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.meta import Datum
from pydantic import BaseModel

from portafunc import App, ChangeEvent, InvalidPayload
from portafunc.errors import UnsupportedEvent
from portafunc_azure.triggers import cosmos

Payload = Callable[[str], Any]
Golden = Callable[[str, Any], None]
AsJSON = Callable[[Any], dict[str, Any]]
CORPUS = (
    "cosmosdb-trigger-document-with-system-fields-python-library-test",
    "cosmosdb-trigger-documents-batch-python-library-test",
)


class Item(BaseModel):
    id: str
    name: str | None


@dataclass
class TraceContext:
    trace_parent: str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass
class AzureContext:
    """The fields of ``azure.functions.Context`` portafunc reads."""

    invocation_id: str = "5b4f3f0e-8a39-4f49-9f7e-6e9d1e8d2a10"
    function_name: str = "audit"
    trace_context: TraceContext = field(default_factory=TraceContext)


def registered(function_app: func.FunctionApp, name: str) -> AzureFunction:
    """The Azure function named ``name`` (without ``get_functions()``: it is not idempotent)."""
    for builder in function_app._function_builders:
        if builder._function.get_function_name() == name:
            return builder.build()
    raise LookupError(name)


def described(function: AzureFunction) -> dict[str, Any]:
    """What the host learns of a function: its name, bindings and retry policy."""
    return {
        "name": function.get_function_name(),
        **json.loads(function.get_function_json()),
        "retry": function.get_settings_dict("retry_policy"),
    }


def call(function_app: func.FunctionApp, name: str, **bindings: Any) -> None:
    """Call the wrapper as the worker does: binding arguments and ``context``."""
    result = registered(function_app, name).get_user_function()(**bindings, context=AzureContext())
    if inspect.iscoroutine(result):
        asyncio.run(result)


def documents(value: Any) -> Any:
    """A DocumentList, as the worker decodes the host's JSON."""
    return CosmosDBTriggerConverter.decode(
        Datum(json.dumps(value), "string"), trigger_metadata=None
    )


def items(count: int) -> Any:
    return documents(
        [{"id": str(i), "name": f"item {i}", "_ts": 1650036720 + i} for i in range(count)]
    )


def changes_app(handler: Callable[..., Any], **options: Any) -> func.FunctionApp:
    app = App("shop")
    app.changes("items", **options)(handler)
    function_app = func.FunctionApp()
    cosmos.register(function_app, app, app.function(handler.__name__), options.get("azure", {}))
    return function_app


def test_function_json(golden: Golden) -> None:
    def audit(change: ChangeEvent[Item]) -> None: ...

    golden("function_json/cosmos", described(registered(changes_app(audit), "audit")))


def test_options_and_settings() -> None:
    def audit(change: ChangeEvent[Item]) -> None: ...

    options = {"database": "shop", "lease_container": "audit-leases", "connection": "Cosmos"}
    function_app = changes_app(audit, batch_size=50, max_attempts=1, azure=options)
    function = registered(function_app, "audit")
    (binding,) = json.loads(function.get_function_json())["bindings"]
    assert {k: binding[k] for k in ("databaseName", "leaseContainerName", "connection")} == {
        "databaseName": "shop",
        "leaseContainerName": "audit-leases",
        "connection": "Cosmos",
    }
    assert binding["maxItemsPerInvocation"] == 50
    assert function.get_settings_dict("retry_policy")["max_retry_count"] == "0"  # type: ignore[index]


@pytest.mark.parametrize("is_async", [False, True])
def test_the_worker_indexes_the_wrapper(is_async: bool) -> None:
    functions = pytest.importorskip("azure_functions_runtime.functions")
    meta = pytest.importorskip("azure_functions_runtime.bindings.meta")
    loader = pytest.importorskip("azure_functions_runtime.loader")

    def audit(change: ChangeEvent[Item]) -> None: ...

    async def audit_async(change: ChangeEvent[Item]) -> None: ...

    handler = audit_async if is_async else audit
    meta.load_binding_registry()
    protos = SimpleNamespace(
        BindingInfo=SimpleNamespace(out=1, inout=2, undefined=None),
        RpcRetryOptions=lambda **options: options,
    )
    function = registered(changes_app(handler), handler.__name__)
    info = functions.Registry().add_indexed_function(function, protos)
    assert {name: t.binding_name for name, t in info.input_types.items()} == {
        "documents": "cosmosDBTrigger"
    }
    assert (info.requires_context, info.is_async) == (True, is_async)
    assert loader.build_retry_protos(protos, function)["max_retry_count"] == 5


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_golden(name: str, payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    seen: list[ChangeEvent[Any]] = []

    def audit(change: ChangeEvent[Any]) -> None:
        seen.append(change)

    docs = documents(payload(f"database/{name}.json"))
    call(changes_app(audit), "audit", documents=docs)
    assert [change.raw for change in seen] == list(docs)
    golden(f"cosmos/{name}", [as_json(change) for change in seen])


def test_system_properties_stay_in_raw(payload: Payload) -> None:
    seen: list[ChangeEvent[Item]] = []

    def audit(change: ChangeEvent[Item]) -> None:
        seen.append(change)

    document = payload(f"database/{CORPUS[0]}.json")
    call(changes_app(audit), "audit", documents=documents(document))
    (change,) = seen
    assert (change.kind, change.key, change.old) == ("upsert", {"id": "1"}, None)
    assert change.new == Item(id="1", name=None)
    assert dict(change.raw) == document


def test_the_first_failure_stops_the_batch() -> None:
    seen: list[str] = []

    def audit(change: ChangeEvent[Item]) -> None:
        assert change.new is not None
        seen.append(change.new.id)
        if change.new.id == "1":
            raise RuntimeError("audit log full")

    with pytest.raises(RuntimeError, match="audit log full"):
        call(changes_app(audit), "audit", documents=items(4))
    assert seen == ["0", "1"]


def test_invalid_data_raises_invalid_payload_and_stops_the_batch() -> None:
    seen: list[str] = []

    def audit(change: ChangeEvent[Item]) -> None:
        seen.append(change.key["id"])

    docs = documents([{"id": "0", "name": "a"}, {"id": "1", "name": 7}, {"id": "2", "name": "c"}])
    with pytest.raises(InvalidPayload):
        call(changes_app(audit), "audit", documents=docs)
    assert seen == ["0"]


@pytest.mark.parametrize("bad", [None, {"name": "no id"}, {"id": 1}, "text"])
def test_a_malformed_document_is_unsupported_where_it_stands(bad: Any) -> None:
    seen: list[str] = []

    def audit(change: ChangeEvent[Any]) -> None:
        seen.append(change.key["id"])

    docs = documents([{"id": "0"}, bad, {"id": "2"}]) if bad != "text" else [{"id": "0"}, bad]
    with pytest.raises(UnsupportedEvent):
        call(changes_app(audit), "audit", documents=docs)
    assert seen == ["0"]


def test_async_handler_in_order() -> None:
    seen: list[str] = []

    async def audit(change: ChangeEvent[Item]) -> None:
        await asyncio.sleep(0)
        seen.append(change.key["id"])
        if change.key["id"] == "2":
            raise RuntimeError("audit log full")

    with pytest.raises(RuntimeError):
        call(changes_app(audit), "audit", documents=items(4))
    assert seen == ["0", "1", "2"]


@pytest.mark.parametrize("value", [None, {"id": "1"}, "[]", func.QueueMessage(body=b"[]")])
def test_anything_but_documents_is_unsupported(value: Any) -> None:
    def audit(change: ChangeEvent[Any]) -> None:
        raise AssertionError("not called")

    with pytest.raises(UnsupportedEvent):
        call(changes_app(audit), "audit", documents=value)
