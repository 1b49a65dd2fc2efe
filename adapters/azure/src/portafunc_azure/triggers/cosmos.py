"""Cosmos DB trigger (change feed) → ``changes`` functions.

Binding: ``cosmosDBTrigger`` of the Cosmos DB extension 4.x (``container_name`` and
``connection``; azure-functions 1.x and 2.x both name it ``cosmos_db_trigger``, the 3.x
extension's is ``cosmos_db_trigger_v3``) on the declared container, database
``azure={"database": ...}`` (default the app setting ``%PORTAFUNC_COSMOS_DATABASE%``),
lease container ``azure={"lease_container": ...}`` (default ``leases``, created if
missing), connection ``azure={"connection": ...}`` (default the app setting
``CosmosDBConnection``), ``max_items_per_invocation`` from ``batch_size``, ``arg_name``
``documents``. The worker passes an ``azure.functions.DocumentList``.

ChangeEvent per document: ``table`` the container, ``kind`` "upsert" (the change feed
in its default mode tells no insert from update, and shows no deletes), ``key``
``{"id": …}``, ``old`` None, ``new`` the document without Cosmos DB's system
properties (``_rid``, ``_self``, ``_etag``, ``_attachments``, ``_ts``, ``_lsn``),
``time`` from ``_ts`` (epoch seconds). ``raw`` is the ``azure.functions.Document``,
system properties included.

Ordered: documents are delivered in order and the first failure is raised; no later
document of the batch is invoked. The host moves the lease on whatever the outcome,
so the function gets the same retry policy as Event Hubs (``event_hubs.retry_policy``):
after the last retry the batch is skipped. A document that is not a JSON object or has
no string ``id`` raises UnsupportedEvent where it stands in the batch.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import UnsupportedEvent
from portafunc.events import ChangeEvent
from portafunc.pipeline import deliver, deliver_async

from ..invocation import context_for
from ..options import DEFAULT_CONNECTIONS, AzureOptions
from .event_hubs import retry_policy

__all__ = ["SYSTEM_PROPERTIES", "change_event", "register"]

#: The properties Cosmos DB adds to every document.
SYSTEM_PROPERTIES = frozenset({"_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"})


def register(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` with a Cosmos DB trigger and a retry policy."""
    container = function.trigger.resource
    trigger = function_app.cosmos_db_trigger(
        arg_name="documents",
        connection=options.get("connection", DEFAULT_CONNECTIONS["cosmos_db"]),
        database_name=options.get("database", "%PORTAFUNC_COSMOS_DATABASE%"),
        container_name=container,
        lease_container_name=options.get("lease_container", "leases"),
        create_lease_container_if_not_exists=True,
        max_items_per_invocation=function.settings.batch_size,
    )
    retry = retry_policy(function_app, function)
    function_app.function_name(function.name)(retry(trigger(_wrapper(app, function, container))))


def change_event(document: Any, container: str) -> ChangeEvent[Any]:
    """One change-feed document of ``container`` as an upsert."""
    if not isinstance(document, Mapping):
        raise UnsupportedEvent("azure", f"a change-feed document that is {document!r}")
    key = document.get("id")
    if not isinstance(key, str):
        raise UnsupportedEvent("azure", f"a change-feed document whose id is {key!r}")
    stamp = document.get("_ts")
    return ChangeEvent(
        table=container,
        kind="upsert",
        key={"id": key},
        new={name: value for name, value in document.items() if name not in SYSTEM_PROPERTIES},
        time=stamp if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) else None,
        provider="azure",
        raw=document,
    )


def _batch(documents: Any) -> Sequence[Any]:
    if not isinstance(documents, (list, func.DocumentList)):
        raise UnsupportedEvent(
            "azure", f"a {type(documents).__name__} where the Cosmos DB trigger passes documents"
        )
    return documents


def _wrapper(app: App, function: Function, container: str) -> Callable[..., Any]:
    """The function the worker calls: parameters ``documents`` and ``context``, nothing else."""
    if function.binding.is_async:

        async def on_changes_async(documents: func.DocumentList, context: func.Context) -> None:
            ctx = context_for(context)
            for document in _batch(documents):
                await deliver_async(app, function, change_event(document, container), ctx)

        return on_changes_async

    def on_changes(documents: func.DocumentList, context: func.Context) -> None:
        ctx = context_for(context)
        for document in _batch(documents):
            deliver(app, function, change_event(document, container), ctx)

    return on_changes
