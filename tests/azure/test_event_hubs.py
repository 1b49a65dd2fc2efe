"""Event Hubs trigger → ``stream`` functions (portafunc_azure.triggers.event_hubs).

Batches are built as the worker builds them for ``cardinality="many"``:
``EventHubTriggerConverter.decode`` of a ``collection_bytes`` datum with ``…Array``
trigger metadata. The metadata is the corpus' tests/payloads/azure/stream/
eventhub-trigger-metadata-python-library-test.json (azure-functions-python-library
tests/test_eventhub.py, one event's ``SystemProperties``, ``Properties``,
``PartitionContext``…) turned into a batch as the host sends one: one
``SystemPropertiesArray`` and ``PropertiesArray`` entry per event.

The corpus' ``kafka-trigger-*`` payloads are the Kafka extension's: portafunc offers
no Kafka trigger on Azure, and a KafkaEvent handed to an Event Hubs wrapper is refused
with UnsupportedEvent, its handler never called.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.eventhub import EventHubTriggerConverter
from azure.functions.kafka import KafkaTriggerConverter
from azure.functions.meta import Datum
from pydantic import BaseModel

from portafunc import App, InvalidPayload, Message
from portafunc.errors import UnsupportedEvent
from portafunc_azure.triggers import event_hubs

Payload = Callable[[str], Any]
Golden = Callable[[str, Any], None]
AsJSON = Callable[[Any], dict[str, Any]]
METADATA = "stream/eventhub-trigger-metadata-python-library-test.json"


class Reading(BaseModel):
    device: str
    celsius: float


@dataclass
class TraceContext:
    trace_parent: str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass
class RetryContext:
    retry_count: int = 0
    max_retry_count: int = 5


@dataclass
class AzureContext:
    """The fields of ``azure.functions.Context`` portafunc reads."""

    invocation_id: str = "5b4f3f0e-8a39-4f49-9f7e-6e9d1e8d2a10"
    function_name: str = "on_reading"
    trace_context: TraceContext = field(default_factory=TraceContext)
    retry_context: RetryContext = field(default_factory=RetryContext)


@dataclass
class Collection:
    """A ``collection_bytes`` / ``collection_string`` / ``collection_sint64`` datum value."""

    bytes: list[bytes] = field(default_factory=list)
    string: list[str] = field(default_factory=list)
    sint64: list[int] = field(default_factory=list)


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


def call(function_app: func.FunctionApp, name: str, context: Any = None, **bindings: Any) -> None:
    """Call the wrapper as the worker does: binding arguments and ``context``."""
    wrapper = registered(function_app, name).get_user_function()
    result = wrapper(**bindings, context=context or AzureContext())
    if inspect.iscoroutine(result):
        asyncio.run(result)


def batch(payload: Payload, bodies: Sequence[bytes]) -> list[Any]:
    """Events with ``bodies``, sequence numbers 47, 48…, properties ``{"index": i}``."""
    corpus = payload(METADATA)
    system = [
        {**corpus["SystemProperties"], "SequenceNumber": 47 + i, "x-opt-sequence-number": 47 + i}
        for i in range(len(bodies))
    ]
    metadata = {
        "SystemPropertiesArray": Datum(json.dumps(system), "json"),
        "PropertiesArray": Datum(json.dumps([{"index": i} for i in range(len(bodies))]), "json"),
        "PartitionContext": Datum(json.dumps(corpus["PartitionContext"]), "json"),
        "sys": Datum(json.dumps(corpus["sys"]), "json"),
    }
    data = Datum(Collection(bytes=list(bodies)), "collection_bytes")
    events: Any = EventHubTriggerConverter.decode(data, trigger_metadata=metadata)
    assert isinstance(events, list)
    return events


def readings(count: int) -> list[bytes]:
    return [json.dumps({"device": f"d{i}", "celsius": 20 + i}).encode() for i in range(count)]


def stream_app(handler: Callable[..., Any], **options: Any) -> func.FunctionApp:
    app = App("shop")
    app.stream("telemetry", **options)(handler)
    function_app = func.FunctionApp()
    event_hubs.register(function_app, app, app.function(handler.__name__), options.get("azure", {}))
    return function_app


def test_function_json(golden: Golden) -> None:
    def on_reading(msg: Message[Reading]) -> None: ...

    function = registered(stream_app(on_reading), "on_reading")
    golden("function_json/event_hubs", described(function))


def test_options_and_max_attempts() -> None:
    def on_reading(msg: Message[Reading]) -> None: ...

    options = {"event_hub": "hub-1", "consumer_group": "cg", "connection": "Hubs"}
    function = registered(stream_app(on_reading, max_attempts=3, azure=options), "on_reading")
    (binding,) = json.loads(function.get_function_json())["bindings"]
    assert (binding["eventHubName"], binding["consumerGroup"], binding["connection"]) == (
        "hub-1",
        "cg",
        "Hubs",
    )
    assert function.get_settings_dict("retry_policy")["max_retry_count"] == "2"  # type: ignore[index]


@pytest.mark.parametrize("is_async", [False, True])
def test_the_worker_indexes_the_wrapper(is_async: bool) -> None:
    functions = pytest.importorskip("azure_functions_runtime.functions")
    meta = pytest.importorskip("azure_functions_runtime.bindings.meta")
    loader = pytest.importorskip("azure_functions_runtime.loader")

    def on_reading(msg: Message[Reading]) -> None: ...

    async def on_reading_async(msg: Message[Reading]) -> None: ...

    handler = on_reading_async if is_async else on_reading
    meta.load_binding_registry()
    protos = SimpleNamespace(
        BindingInfo=SimpleNamespace(out=1, inout=2, undefined=None),
        RpcRetryOptions=lambda **options: options,
    )
    function = registered(stream_app(handler), handler.__name__)
    info = functions.Registry().add_indexed_function(function, protos)
    assert {name: t.binding_name for name, t in info.input_types.items()} == {
        "events": "eventHubTrigger"
    }
    assert (info.requires_context, info.is_async) == (True, is_async)
    retry = loader.build_retry_protos(protos, function)
    assert (retry["max_retry_count"], retry["retry_strategy"]) == (5, "exponential_backoff")
    assert (retry["minimum_interval"].seconds, retry["maximum_interval"].seconds) == (5, 900)


def test_batch_golden(payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    seen: list[Message[Reading]] = []

    def on_reading(msg: Message[Reading]) -> None:
        seen.append(msg)

    events = batch(payload, readings(2))
    call(stream_app(on_reading), "on_reading", events=events)
    assert [message.raw for message in seen] == events
    assert [message.data for message in seen] == [
        Reading(device="d0", celsius=20),
        Reading(device="d1", celsius=21),
    ]
    golden("event_hubs/eventhub-trigger-metadata-batch", [as_json(m) for m in seen])


def test_attempt_is_the_retry_policys(payload: Payload) -> None:
    seen: list[int | None] = []

    def on_reading(msg: Message[bytes]) -> None:
        seen.append(msg.attempt)

    function_app = stream_app(on_reading)
    context = AzureContext(retry_context=RetryContext(retry_count=2))
    call(function_app, "on_reading", context, events=batch(payload, readings(1)))
    call(function_app, "on_reading", SimpleNamespace(), events=batch(payload, readings(1)))
    assert seen == [3, None]


def test_the_first_failure_stops_the_batch(payload: Payload) -> None:
    seen: list[str] = []

    def on_reading(msg: Message[Reading]) -> None:
        seen.append(msg.id)
        if msg.data.device == "d1":
            raise RuntimeError("sensor offline")

    with pytest.raises(RuntimeError, match="sensor offline"):
        call(stream_app(on_reading), "on_reading", events=batch(payload, readings(4)))
    assert seen == ["47", "48"]


def test_invalid_data_raises_invalid_payload_and_stops_the_batch(payload: Payload) -> None:
    seen: list[str] = []

    def on_reading(msg: Message[Reading]) -> None:
        seen.append(msg.id)

    bodies = [*readings(1), b'{"device": "d1"}', *readings(1)]
    with pytest.raises(InvalidPayload):
        call(stream_app(on_reading), "on_reading", events=batch(payload, bodies))
    assert seen == ["47"]


def test_async_handler_in_order(payload: Payload) -> None:
    seen: list[str] = []

    async def on_reading(msg: Message[Reading]) -> None:
        await asyncio.sleep(0)
        seen.append(msg.data.device)
        if msg.data.device == "d2":
            raise RuntimeError("sensor offline")

    with pytest.raises(RuntimeError):
        call(stream_app(on_reading), "on_reading", events=batch(payload, readings(4)))
    assert seen == ["d0", "d1", "d2"]


def test_a_single_event_batch_reads_the_single_event_properties(payload: Payload) -> None:
    corpus = payload(METADATA)
    metadata = {
        key: Datum(value, "string") if isinstance(value, str) else Datum(json.dumps(value), "json")
        for key, value in {**corpus, "Properties": {"unit": "C"}}.items()
    }
    event: Any = EventHubTriggerConverter.decode(
        Datum(b"body_bytes", "bytes"), trigger_metadata=metadata
    )
    message = event_hubs.message([event], 0, "telemetry", None)
    assert (message.id, message.attributes, message.body) == ("47", {"unit": "C"}, b"body_bytes")


def kafka_events(payload: Payload) -> list[Any]:
    single = payload("stream/kafka-trigger-event-single-python-library-test.json")
    one = KafkaTriggerConverter.decode(
        Datum(json.dumps(single), "string"),
        trigger_metadata={
            "Offset": Datum(str(single["Offset"]), "string"),
            "Partition": Datum(str(single["Partition"]), "string"),
            "Timestamp": Datum(single["Timestamp"], "string"),
            "Topic": Datum(single["Topic"], "string"),
        },
    )
    items = payload("stream/kafka-trigger-events-batch-python-library-test.json")
    many = KafkaTriggerConverter.decode(
        Datum(Collection(string=[json.dumps(item) for item in items]), "collection_string"),
        trigger_metadata={
            "TimestampArray": Datum(json.dumps([i["Timestamp"] for i in items]), "json"),
            "KeyArray": Datum(json.dumps([i["Key"] for i in items]), "json"),
            "PartitionArray": Datum(json.dumps([i["Partition"] for i in items]), "json"),
            "OffsetArray": Datum(
                Collection(sint64=[i["Offset"] for i in items]), "collection_sint64"
            ),
            "TopicArray": Datum(
                Collection(string=[i["Topic"] for i in items]), "collection_string"
            ),
            "HeadersArray": Datum(json.dumps([i["Headers"] for i in items]), "json"),
        },
    )
    return [one, [one], many]


def test_kafka_events_are_unsupported_not_a_crash(payload: Payload) -> None:
    def on_reading(msg: Message[bytes]) -> None:
        raise AssertionError("not called")

    function_app = stream_app(on_reading)
    for events in kafka_events(payload):
        with pytest.raises(UnsupportedEvent):
            call(function_app, "on_reading", events=events)


@pytest.mark.parametrize("events", [None, b"{}", func.QueueMessage(body=b"{}"), [None]])
def test_anything_but_a_list_of_events_is_unsupported(events: Any) -> None:
    def on_reading(msg: Message[bytes]) -> None:
        raise AssertionError("not called")

    with pytest.raises(UnsupportedEvent):
        call(stream_app(on_reading), "on_reading", events=events)


def test_an_empty_batch_invokes_nothing() -> None:
    def on_reading(msg: Message[bytes]) -> None:
        raise AssertionError("not called")

    call(stream_app(on_reading), "on_reading", events=[])
