"""Service Bus queue and topic subscription triggers (portafunc_azure.triggers.service_bus).

There is no Service Bus payload in the corpus (the worker receives the message over
gRPC, not JSON): ServiceBusMessages are built as the worker builds them, with
``ServiceBusMessageInConverter.decode`` and ``meta.Datum`` trigger metadata named as
the host names it (azure-functions-python-library tests/test_servicebus.py,
``_generate_single_trigger_metadata``).
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
from azure.functions.servicebus import ServiceBusMessageInConverter
from pydantic import BaseModel

from portafunc import App, InvalidPayload, Message
from portafunc.errors import UnsupportedEvent
from portafunc_azure.triggers import service_bus

Golden = Callable[[str, Any], None]
AsJSON = Callable[[Any], dict[str, Any]]
#: Trigger metadata of one message, as the Service Bus extension sends it.
METADATA: dict[str, Any] = {
    "MessageId": "abcee18397398d93891830a0aac89eed",
    "DeliveryCount": 2,
    "EnqueuedTimeUtc": "2024-03-05T08:15:30.123Z",
    "ExpiresAtUtc": "2024-03-19T08:15:30.123Z",
    "LockedUntil": "2024-03-05T08:16:30.123Z",
    "LockToken": "87931fd2-39f4-415a-9fdc-adfdcbed3148",
    "SequenceNumber": 38291,
    "ContentType": "application/json",
    "CorrelationId": "87c66eaf88e84119b66a26278a7b4149",
    "ApplicationProperties": {"tenant": "acme", "priority": 3},
    "UserProperties": {"tenant": "acme", "priority": 3},
}


class Order(BaseModel):
    id: str
    qty: int


@dataclass
class TraceContext:
    trace_parent: str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


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


def sb_message(body: bytes = b'{"id": "a1", "qty": 2}', **metadata: Any) -> Any:
    merged = {key: value for key, value in {**METADATA, **metadata}.items() if value is not None}
    return ServiceBusMessageInConverter.decode(
        Datum(body, "bytes"), trigger_metadata=datums(merged)
    )


def sb_app(kind: str, handler: Callable[..., Any], **options: Any) -> func.FunctionApp:
    app = App("shop")
    getattr(app, kind)("orders", **options)(handler)
    function_app = func.FunctionApp()
    register = service_bus.register_queue if kind == "queue" else service_bus.register_topic
    register(function_app, app, app.function(handler.__name__), options.get("azure", {}))
    return function_app


@pytest.mark.parametrize("kind", ["queue", "topic"])
def test_function_json(kind: str, golden: Golden) -> None:
    def ship(msg: Message[Order]) -> None: ...

    golden(f"function_json/service_bus_{kind}", described(registered(sb_app(kind, ship), "ship")))


def test_subscription_and_connection_options() -> None:
    def ship(msg: Message[Order]) -> None: ...

    options = {"subscription": "shipping", "connection": "OrdersBus"}
    function = registered(sb_app("topic", ship, azure=options), "ship")
    (binding,) = json.loads(function.get_function_json())["bindings"]
    assert (binding["subscriptionName"], binding["connection"]) == ("shipping", "OrdersBus")


@pytest.mark.parametrize("kind", ["queue", "topic"])
@pytest.mark.parametrize("is_async", [False, True])
def test_the_worker_indexes_the_wrapper(kind: str, is_async: bool) -> None:
    functions = pytest.importorskip("azure_functions_runtime.functions")
    meta = pytest.importorskip("azure_functions_runtime.bindings.meta")

    def ship(msg: Message[Order]) -> None: ...

    async def ship_async(msg: Message[Order]) -> None: ...

    handler = ship_async if is_async else ship
    meta.load_binding_registry()
    protos = SimpleNamespace(BindingInfo=SimpleNamespace(out=1, inout=2, undefined=None))
    function = registered(sb_app(kind, handler), handler.__name__)
    info = functions.Registry().add_indexed_function(function, protos)
    assert {name: t.binding_name for name, t in info.input_types.items()} == {
        "msg": "serviceBusTrigger"
    }
    assert info.requires_context
    assert info.is_async is is_async


@pytest.mark.parametrize("kind", ["queue", "topic"])
def test_message_golden(kind: str, as_json: AsJSON, golden: Golden) -> None:
    seen: list[Message[Order]] = []

    def ship(msg: Message[Order]) -> None:
        seen.append(msg)

    msg = sb_message()
    call(sb_app(kind, ship), "ship", msg=msg)
    (message,) = seen
    assert message.raw is msg
    assert message.data == Order(id="a1", qty=2)
    golden(f"service_bus/{kind}-message", as_json(message))


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"SessionId": "cart-7", "PartitionKey": "p-1"}, "cart-7"),
        ({"PartitionKey": "p-1"}, "p-1"),
        ({}, None),
    ],
)
def test_partition_key_is_the_session_else_the_partition_key(
    metadata: dict[str, Any], expected: str | None
) -> None:
    assert service_bus.message(sb_message(**metadata), "orders").partition_key == expected


def test_user_properties_when_there_are_no_application_properties() -> None:
    msg = sb_message(ApplicationProperties=None, UserProperties={"legacy": "yes"})
    assert service_bus.message(msg, "orders").attributes == {"legacy": "yes"}


def test_invalid_data_raises_invalid_payload() -> None:
    def ship(msg: Message[Order]) -> None:
        raise AssertionError("not called")

    for body in (b"not json", b'{"id": "a1"}'):
        with pytest.raises(InvalidPayload):
            call(sb_app("queue", ship), "ship", msg=sb_message(body))


def test_a_failure_raises_for_the_host_to_abandon_the_message() -> None:
    def ship(msg: Message[Order]) -> None:
        raise RuntimeError("carrier down")

    with pytest.raises(RuntimeError, match="carrier down"):
        call(sb_app("topic", ship), "ship", msg=sb_message())


def test_async_handler() -> None:
    seen: list[str] = []

    async def ship(msg: Message[Order]) -> None:
        await asyncio.sleep(0)
        seen.append(msg.data.id)

    call(sb_app("queue", ship), "ship", msg=sb_message())
    assert seen == ["a1"]


@pytest.mark.parametrize("msg", [None, b"{}", func.QueueMessage(body=b"{}")])
def test_anything_but_a_service_bus_message_is_unsupported(msg: Any) -> None:
    def ship(msg: Message[bytes]) -> None:
        raise AssertionError("not called")

    with pytest.raises(UnsupportedEvent):
        call(sb_app("queue", ship), "ship", msg=msg)
