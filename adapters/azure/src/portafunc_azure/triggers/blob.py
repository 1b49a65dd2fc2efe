"""Blob trigger → ``storage`` functions of created blobs (``azure={"service": "blob"}``).

Binding: ``blobTrigger`` on the path ``<bucket>/<prefix>{name}<suffix>`` (braces in the
prefix and suffix doubled, as blob path patterns escape them), ``arg_name`` ``blob``,
connection ``azure={"connection": ...}`` (default the app setting
``AzureWebJobsStorage``). The blob trigger reports new and updated blobs only, so a
function declaring any other event than ``"created"`` is refused at registration
(DeclarationError): use the Event Grid default for deletes and tier changes. The host
reads the whole blob before the invocation; the worker passes an
``azure.functions.InputStream`` over it.

StorageEvent: ``bucket`` the declared container, ``key`` the blob's name without the
container (the ``BlobTrigger`` metadata is ``<container>/<name>``), ``action``
"created", ``size`` the length, ``etag``, ``content_type`` and ``time`` (last
modified) from the blob properties the host sends (``ETag``, ``ContentType``,
``LastModified``; None when a library version exposes no properties). ``raw`` is the
InputStream: ``event.raw.read()`` gives the content.

A failure raises: the host retries the blob (5 times by default) and then writes a
message to the ``webjobs-blobtrigger-poison`` queue. Anything but an InputStream, or
one without a name, raises UnsupportedEvent.
"""

from collections.abc import Callable, Mapping
from typing import Any, cast

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import DeclarationError, UnsupportedEvent
from portafunc.events import StorageEvent
from portafunc.pipeline import deliver, deliver_async
from portafunc.triggers import StorageTrigger

from ..invocation import context_for
from ..options import DEFAULT_CONNECTIONS, AzureOptions

__all__ = ["register", "storage_event"]


def register(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` with a blob trigger; created blobs only."""
    trigger = cast("StorageTrigger", function.trigger)
    if trigger.events != ("created",):
        raise DeclarationError(
            f"the blob trigger reports created blobs only, not {trigger.events!r}; "
            "leave out azure={'service': 'blob'} to receive them through Event Grid",
            where=function.where,
        )
    path = f"{trigger.bucket}/{_escaped(trigger.prefix)}{{name}}{_escaped(trigger.suffix)}"
    blob_trigger = function_app.blob_trigger(
        arg_name="blob",
        path=path,
        connection=options.get("connection", DEFAULT_CONNECTIONS["blob"]),
    )
    wrapper = _wrapper(app, function, trigger.bucket)
    function_app.function_name(function.name)(blob_trigger(wrapper))


def storage_event(blob: func.InputStream, bucket: str) -> StorageEvent:
    """A created blob of container ``bucket`` as a StorageEvent."""
    if not isinstance(blob, func.InputStream):
        raise UnsupportedEvent(
            "azure", f"a {type(blob).__name__} where the blob trigger passes an InputStream"
        )
    name = blob.name
    if not isinstance(name, str) or not name:
        raise UnsupportedEvent("azure", "a blob trigger InputStream without a blob name")
    properties = getattr(blob, "blob_properties", None)
    if not isinstance(properties, Mapping):
        properties = {}
    return StorageEvent(
        bucket=bucket,
        key=name.removeprefix(f"{bucket}/"),
        action="created",
        size=blob.length,
        etag=_text(properties.get("ETag")),
        content_type=_text(properties.get("ContentType")),
        time=_text(properties.get("LastModified")),
        provider="azure",
        raw=blob,
    )


def _escaped(part: str | None) -> str:
    return (part or "").replace("{", "{{").replace("}", "}}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _wrapper(app: App, function: Function, bucket: str) -> Callable[..., Any]:
    """The function the worker calls: parameters ``blob`` and ``context``, nothing else."""
    if function.binding.is_async:

        async def on_blob_async(blob: func.InputStream, context: func.Context) -> None:
            await deliver_async(app, function, storage_event(blob, bucket), context_for(context))

        return on_blob_async

    def on_blob(blob: func.InputStream, context: func.Context) -> None:
        deliver(app, function, storage_event(blob, bucket), context_for(context))

    return on_blob
