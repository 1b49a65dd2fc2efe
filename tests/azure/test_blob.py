"""Blob trigger → created-only ``storage`` functions (portafunc_azure.triggers.blob).

InputStreams are built as the worker builds them: ``BlobConverter.decode`` with the
trigger metadata of tests/payloads/azure/storage/blob-trigger-metadata-python-library-test.json
(azure-functions-python-library tests/test_blob.py: ``Metadata``, ``Properties``,
``BlobTrigger``, ``Uri``; the blob content there is ``b"blob_content"``).
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
from azure.functions.blob import BlobConverter
from azure.functions.decorators.function_app import Function as AzureFunction
from azure.functions.meta import Datum

from portafunc import App, StorageEvent
from portafunc.errors import DeclarationError, UnsupportedEvent
from portafunc_azure.triggers import blob

Payload = Callable[[str], dict[str, Any]]
Golden = Callable[[str, Any], None]
AsJSON = Callable[[Any], dict[str, Any]]
METADATA = "storage/blob-trigger-metadata-python-library-test.json"


@dataclass
class TraceContext:
    trace_parent: str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass
class AzureContext:
    """The fields of ``azure.functions.Context`` portafunc reads."""

    invocation_id: str = "5b4f3f0e-8a39-4f49-9f7e-6e9d1e8d2a10"
    function_name: str = "on_upload"
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
    return {
        key: Datum(value, "string") if isinstance(value, str) else Datum(json.dumps(value), "json")
        for key, value in metadata.items()
    }


def input_stream(payload: Payload, content: bytes = b"blob_content", **metadata: Any) -> Any:
    merged = {**payload(METADATA), **metadata}
    return BlobConverter.decode(Datum(content, "bytes"), trigger_metadata=datums(merged))


def blob_app(handler: Callable[..., Any], **options: Any) -> func.FunctionApp:
    app = App("shop")
    app.storage("uploads", **{"azure": {"service": "blob"}, **options})(handler)
    function_app = func.FunctionApp()
    azure = options.get("azure", {"service": "blob"})
    blob.register(function_app, app, app.function(handler.__name__), azure)
    return function_app


def test_function_json(golden: Golden) -> None:
    def on_upload(event: StorageEvent) -> None: ...

    golden("function_json/blob", described(registered(blob_app(on_upload), "on_upload")))


def test_prefix_suffix_and_connection_are_in_the_binding() -> None:
    def on_upload(event: StorageEvent) -> None: ...

    function_app = blob_app(
        on_upload,
        prefix="images/{raw}/",
        suffix=".png",
        azure={"service": "blob", "connection": "UploadsStorage"},
    )
    (binding,) = json.loads(registered(function_app, "on_upload").get_function_json())["bindings"]
    assert binding["path"] == "uploads/images/{{raw}}/{name}.png"
    assert binding["connection"] == "UploadsStorage"


@pytest.mark.parametrize("events", [("created", "deleted"), ("deleted",), ("archived",)])
def test_other_events_than_created_are_refused(events: tuple[str, ...]) -> None:
    def on_upload(event: StorageEvent) -> None: ...

    with pytest.raises(DeclarationError, match="created blobs only") as raised:
        blob_app(on_upload, events=events)
    assert "on_upload" in str(raised.value)


@pytest.mark.parametrize("is_async", [False, True])
def test_the_worker_indexes_the_wrapper(is_async: bool) -> None:
    functions = pytest.importorskip("azure_functions_runtime.functions")
    meta = pytest.importorskip("azure_functions_runtime.bindings.meta")

    def on_upload(event: StorageEvent) -> None: ...

    async def on_upload_async(event: StorageEvent) -> None: ...

    handler = on_upload_async if is_async else on_upload
    meta.load_binding_registry()
    protos = SimpleNamespace(BindingInfo=SimpleNamespace(out=1, inout=2, undefined=None))
    info = functions.Registry().add_indexed_function(
        registered(blob_app(handler), handler.__name__), protos
    )
    assert {name: t.binding_name for name, t in info.input_types.items()} == {"blob": "blobTrigger"}
    assert (info.requires_context, info.is_async) == (True, is_async)


def test_corpus_metadata_golden(payload: Payload, as_json: AsJSON, golden: Golden) -> None:
    seen: list[StorageEvent] = []

    def on_upload(event: StorageEvent) -> None:
        seen.append(event)

    stream = input_stream(payload)
    call(blob_app(on_upload), "on_upload", blob=stream)
    (event,) = seen
    assert event.raw is stream
    assert event.raw.read() == b"blob_content"
    golden("blob/blob-trigger-metadata-python-library-test", as_json(event))


def test_the_key_is_the_name_without_the_container(payload: Payload) -> None:
    seen: list[StorageEvent] = []

    def on_upload(event: StorageEvent) -> None:
        seen.append(event)

    function_app = blob_app(on_upload, prefix="images/", suffix=".png")
    for name in ("uploads/images/a b.png", "uploads/images/a.jpg", "uploads/docs/b.png"):
        call(function_app, "on_upload", blob=input_stream(payload, BlobTrigger=name))
    assert [(e.bucket, e.key) for e in seen] == [("uploads", "images/a b.png")]


def test_async_handler(payload: Payload) -> None:
    seen: list[str] = []

    async def on_upload(event: StorageEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.key)

    call(blob_app(on_upload), "on_upload", blob=input_stream(payload, BlobTrigger="uploads/x"))
    assert seen == ["x"]


def test_a_failure_raises_for_the_host_to_retry(payload: Payload) -> None:
    def on_upload(event: StorageEvent) -> None:
        raise RuntimeError("thumbnailer down")

    with pytest.raises(RuntimeError, match="thumbnailer down"):
        call(blob_app(on_upload), "on_upload", blob=input_stream(payload))


def test_without_properties_the_event_says_less() -> None:
    stream = BlobConverter.decode(
        Datum(b"x", "bytes"), trigger_metadata={"BlobTrigger": Datum("uploads/a.txt", "string")}
    )
    event = blob.storage_event(stream, "uploads")
    assert (event.key, event.size, event.etag, event.content_type, event.time) == (
        "a.txt",
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"blob_content",
        "uploads/a.txt",
        BlobConverter.decode(Datum(b"x", "bytes"), trigger_metadata={}),
    ],
)
def test_anything_but_a_named_input_stream_is_unsupported(value: Any) -> None:
    def on_upload(event: StorageEvent) -> None:
        raise AssertionError("not called")

    with pytest.raises(UnsupportedEvent):
        call(blob_app(on_upload), "on_upload", blob=value)
