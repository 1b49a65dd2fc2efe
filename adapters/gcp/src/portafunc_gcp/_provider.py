"""The ``portafunc.providers`` entry point: what the CLI learns about this adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["GCPProvider", "provider"]

_DEPLOYS = {
    "http": "HTTP function {resource}",
    "queue": "Pub/Sub topic {resource}",
    "topic": "Pub/Sub topic {resource}",
    "stream": "Pub/Sub topic {resource}",
    "event": "Eventarc trigger on type {resource}",
    "storage": "Cloud Storage bucket {resource} events",
    "schedule": "Cloud Scheduler job {resource} publishing to Pub/Sub",
    "changes": "Firestore document events in collection {resource}",
}


class GCPProvider:
    """The gcp adapter, as the portafunc CLI sees it."""

    name = "gcp"

    def describe(self, function: Function) -> str:
        return _DEPLOYS[function.trigger.kind].format(resource=function.trigger.resource)


provider = GCPProvider()
