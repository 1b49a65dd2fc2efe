"""The objects the Azure worker passes to functions, for your own tests.

Each builder takes the few values a test cares about, fills in the rest as the host
does (ids, times of now, trigger metadata, resource ids in subscription
``00000000-0000-0000-0000-000000000000``), and makes the object the way the worker
does: through azure.functions' own converter, from ``meta.Datum`` values. A test then
calls a function of the FunctionApp as the worker would::

    function_app = portafunc_azure.function_app(app)
    response = invoke(function_app, "create_order", http_request("POST", "/orders", json=order))
    assert response.status_code == 201
    invoke(function_app, "ship", queue_message({"id": "a1", "qty": 2}))

Message bodies given as ``bytes`` are sent as they are, ``str`` as text, anything else
as JSON (pydantic models too).

One module per family: ``_http`` (HTTP requests), ``_messages`` (Storage Queue,
Service Bus, Event Hubs), ``_events`` (Event Grid in both schemas, blob events and
blob streams, timer ticks, Cosmos DB batches), ``_context`` (``AzureContext``),
``_invoke`` (``invoke``, ``invoke_async``, ``azure_function``).
"""

from ._common import NO_JSON, RESOURCE_GROUP, SUBSCRIPTION
from ._context import AzureContext, RetryContext, RpcException, TraceContext
from ._events import (
    blob_created,
    blob_stream,
    cloud_event,
    cosmos_documents,
    event_grid_event,
    timer_request,
)
from ._http import http_request
from ._invoke import azure_function, invoke, invoke_async
from ._messages import event_hub_events, queue_message, service_bus_message

__all__ = [
    "NO_JSON",
    "RESOURCE_GROUP",
    "SUBSCRIPTION",
    "AzureContext",
    "RetryContext",
    "RpcException",
    "TraceContext",
    "azure_function",
    "blob_created",
    "blob_stream",
    "cloud_event",
    "cosmos_documents",
    "event_grid_event",
    "event_hub_events",
    "http_request",
    "invoke",
    "invoke_async",
    "queue_message",
    "service_bus_message",
    "timer_request",
]
