"""Storage Queue trigger → ``queue`` functions (portafunc_azure.triggers.queue).

QueueMessages are built as the worker builds them: ``QueueMessageInConverter.decode``
with ``meta.Datum`` trigger metadata. The metadata comes from the host's queue trigger
metadata in tests/payloads/azure/other/custom-handler-queue-trigger-request.json (Azure
docs, "Azure Functions custom handlers": the same ``Id``, ``DequeueCount``,
``InsertionTime``… every language worker receives); the custom-handler protocol itself
never reaches the Python worker.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.meta import Datum
from azure.functions.queue import QueueMessageInConverter
from pydantic import BaseModel

from portafunc import App, Context, InvalidPayload, Message
from portafunc.errors import UnsupportedEvent
from portafunc_azure.triggers import queue

Payload = Callable[[str], dict[str, Any]]
Golden = Callable[[str, Any], None]
AsJSON = Callable[[Any], dict[str, Any]]
CUSTOM_HANDLER = "other/custom-handler-queue-trigger-request.json"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


class Order(BaseModel):
    id: str
    qty: int


@dataclass
class TraceContext:
    trace_parent: str = f"00-{TRACE}-00f067aa0ba902b7-01"


@dataclass
class AzureContext:
    """The fields of ``azure.functions.Context`` portafunc reads."""

    invocation_id: str = "5b4f3f0e-8a39-4f49-9f7e-6e9d1e8d2a10"
    function_name: str = "ship"
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


def datums(metadata: Mapping[str, Any]) -> dict[str, Datum]:
    """Trigger metadata as the worker hands it to converters."""
    kinds = {str: "string", int: "int", float: "double"}
    return {
        key: Datum(value, kinds[type(value)])
        if type(value) in kinds
        else Datum(json.dumps(value), "json")
        for key, value in metadata.items()
    }


def queue_message(payload: Payload, body: str | bytes | None = None) -> Any:
    request = payload(CUSTOM_HANDLER)
    value = request["Data"]["myQueueItem"] if body is None else body
    data = Datum(value, "bytes" if isinstance(value, bytes) else "string")
    return QueueMessageInConverter.decode(data, trigger_metadata=datums(request["Metadata"]))


def queue_app(handler: Callable[..., Any], **options: Any) -> func.FunctionApp:
    app = App("shop")
    app.queue("orders", **options)(handler)
    function_app = func.FunctionApp()
    function = app.function(handler.__name__)
    queue.register(function_app, app, function, options.get("azure", {}))
    return function_app


def test_function_json(golden: Golden) -> None:
    def ship(msg: Message[Order]) -> None: ...

    golden("function_json/queue", described(registered(queue_app(ship), "ship")))


def test_connection_option() -> None:
    def ship(msg: Message[Order]) -> None: ...

    function_app = queue_app(ship, azure={"connection": "OrdersStorage"})
    (binding,) = json.loads(registered(function_app, "ship").get_function_json())["bindings"]
    assert binding["connection"] == "OrdersStorage"


@pytest.mark.parametrize("is_async", [False, True])
def test_the_worker_indexes_the_wrapper(is_async: bool) -> None:
    functions = pytest.importorskip("azure_functions_runtime.functions")
    meta = pytest.importorskip("azure_functions_runtime.bindings.meta")

    def ship(msg: Message[Order]) -> None: ...

    async def ship_async(msg: Message[Order]) -> None: ...

    handler = ship_async if is_async else ship
    meta.load_binding_registry()
    protos = SimpleNamespace(BindingInfo=SimpleNamespace(out=1, inout=2, undefined=None))
    function = registered(queue_app(handler), handler.__name__)
    info = functions.Registry().add_indexed_function(function, protos)
    assert {name: t.binding_name for name, t in info.input_types.items()} == {"msg": "queueTrigger"}
    assert info.requires_context
    assert info.is_async is is_async


def test_corpus_metadata_golden(payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    seen: list[Message[bytes]] = []

    def ship(msg: Message[bytes]) -> None:
        seen.append(msg)

    msg = queue_message(payload)
    call(queue_app(ship), "ship", msg=msg)
    (message,) = seen
    assert message.raw is msg
    golden("queue/custom-handler-queue-trigger-metadata", as_json(message))


def test_json_body_is_validated(payload: Payload) -> None:
    seen: list[Order] = []

    def ship(msg: Message[Order]) -> None:
        seen.append(msg.data)

    call(queue_app(ship), "ship", msg=queue_message(payload, b'{"id": "a1", "qty": 2}'))
    assert seen == [Order(id="a1", qty=2)]


def test_invalid_data_raises_invalid_payload(payload: Payload) -> None:
    # The corpus item is "{ message: \"Message sent\" }": not JSON.
    def ship(msg: Message[Order]) -> None:
        raise AssertionError("not called")

    with pytest.raises(InvalidPayload):
        call(queue_app(ship), "ship", msg=queue_message(payload))
    with pytest.raises(InvalidPayload):
        call(queue_app(ship), "ship", msg=queue_message(payload, '{"id": "a1", "qty": "x"}'))


def test_a_failure_raises_for_the_host_to_retry(payload: Payload) -> None:
    def ship(msg: Message[bytes]) -> None:
        raise RuntimeError("out of stock")

    with pytest.raises(RuntimeError, match="out of stock"):
        call(queue_app(ship), "ship", msg=queue_message(payload))


def test_async_handler_runs_on_the_callers_loop(payload: Payload) -> None:
    seen: list[tuple[str, str | None, str]] = []

    async def ship(msg: Message[Order], ctx: Context) -> None:
        await asyncio.sleep(0)
        seen.append((msg.data.id, ctx.trace_id, ctx.invocation_id))

    function_app = queue_app(ship)
    assert inspect.iscoroutinefunction(registered(function_app, "ship").get_user_function())
    call(function_app, "ship", msg=queue_message(payload, '{"id": "a1", "qty": 2}'))
    assert seen == [("a1", TRACE, AzureContext().invocation_id)]


@pytest.mark.parametrize(
    "msg", [None, "a string", {"Data": {}}, func.HttpRequest("GET", "/", body=b"")]
)
def test_anything_but_a_queue_message_is_unsupported(msg: Any) -> None:
    def ship(msg: Message[bytes]) -> None:
        raise AssertionError("not called")

    with pytest.raises(UnsupportedEvent):
        call(queue_app(ship), "ship", msg=msg)
