"""The ``portafunc.providers`` entry point: what the CLI learns about this adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["AzureProvider", "provider"]

_DEPLOYS = {
    "http": "HTTP trigger {resource}",
    "queue": "Storage Queue {resource}",
    "topic": "Service Bus topic {resource}",
    "stream": "Event Hub {resource}",
    "event": "Event Grid events of type {resource}",
    "storage": "Event Grid blob events of container {resource}",
    "schedule": "Timer trigger {resource}",
    "changes": "Cosmos DB change feed of container {resource}",
}


class AzureProvider:
    """The azure adapter, as the portafunc CLI sees it."""

    name = "azure"

    def describe(self, function: Function) -> str:
        return _DEPLOYS[function.trigger.kind].format(resource=function.trigger.resource)


provider = AzureProvider()
