"""Storage Queue trigger → ``queue`` functions (the default Azure service for ``queue``).

Binding: ``queueTrigger`` on the declared queue, ``arg_name`` ``msg``, connection from
``azure={"connection": ...}`` (default the app setting ``AzureWebJobsStorage``). The
worker passes an ``azure.functions.QueueMessage`` decoded from the host's trigger
metadata (``Id``, ``DequeueCount``, ``InsertionTime``, ``ExpirationTime``,
``NextVisibleTime``, ``PopReceipt``).

Message: ``id`` the message id, ``body`` the message bytes as stored, ``attributes``
empty (Storage Queue messages carry none; the pop receipt and expiry stay in ``raw``,
the QueueMessage), ``source`` the queue name, ``time`` the insertion time, ``attempt``
the dequeue count, ``partition_key`` None.

A failure raises, so the host makes the message visible again and retries it; after
``maxDequeueCount`` deliveries (host.json, default 5) it moves it to ``<queue>-poison``.
Anything but a QueueMessage raises UnsupportedEvent.
"""

from collections.abc import Callable
from typing import Any

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import UnsupportedEvent
from portafunc.events import Message
from portafunc.pipeline import deliver, deliver_async

from ..invocation import context_for
from ..options import DEFAULT_CONNECTIONS, AzureOptions

__all__ = ["message", "register"]


def register(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` with a Storage Queue trigger."""
    queue = function.trigger.resource
    trigger = function_app.queue_trigger(
        arg_name="msg",
        queue_name=queue,
        connection=options.get("connection", DEFAULT_CONNECTIONS["storage_queue"]),
    )
    function_app.function_name(function.name)(trigger(_wrapper(app, function, queue)))


def message(msg: func.QueueMessage, queue: str) -> Message[Any]:
    """One QueueMessage as a Message from ``queue``."""
    if not isinstance(msg, func.QueueMessage):
        raise UnsupportedEvent(
            "azure", f"a {type(msg).__name__} where the Storage Queue trigger passes a QueueMessage"
        )
    return Message(
        id=msg.id or "",
        body=msg.get_body(),
        source=queue,
        time=msg.insertion_time,
        attempt=msg.dequeue_count,
        provider="azure",
        raw=msg,
    )


def _wrapper(app: App, function: Function, queue: str) -> Callable[..., Any]:
    """The function the worker calls: parameters ``msg`` and ``context``, nothing else."""
    if function.binding.is_async:

        async def on_message_async(msg: func.QueueMessage, context: func.Context) -> None:
            await deliver_async(app, function, message(msg, queue), context_for(context))

        return on_message_async

    def on_message(msg: func.QueueMessage, context: func.Context) -> None:
        deliver(app, function, message(msg, queue), context_for(context))

    return on_message
