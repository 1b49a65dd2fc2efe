"""Service Bus queue → ``queue`` functions (``azure={"service": "service_bus"}``), and
Service Bus topic subscription → ``topic`` functions (the default Azure service for ``topic``).

Bindings: ``serviceBusTrigger`` on the declared queue, or on the declared topic with
the subscription ``azure={"subscription": ...}`` (default: the function's name);
``arg_name`` ``msg``; connection ``azure={"connection": ...}`` (default the app setting
``ServiceBusConnection``); one message per invocation. The worker passes an
``azure.functions.ServiceBusMessage``.

Message: ``id`` the message id, ``body`` the message bytes, ``attributes`` the
application properties (``application_properties``; ``user_properties``, their older
name, when a library version has only that), read when first asked for; ``source``
the queue or topic name, ``time`` the enqueued time, ``attempt`` the delivery count,
``partition_key`` the session id, else the partition key. Every other broker property
(lock token, sequence number, correlation id, …) stays in ``raw``, the
ServiceBusMessage.

A failure raises: the host abandons the message, Service Bus redelivers it and moves
it to the dead-letter queue after the entity's ``MaxDeliveryCount`` (default 10).
Anything but a ServiceBusMessage raises UnsupportedEvent.
"""

from collections.abc import Callable, Mapping
from typing import Any

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import UnsupportedEvent
from portafunc.events import Message
from portafunc.pipeline import deliver, deliver_async

from ..invocation import context_for
from ..options import DEFAULT_CONNECTIONS, AzureOptions

__all__ = ["message", "register_queue", "register_topic"]


def register_queue(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` with a Service Bus queue trigger."""
    queue = function.trigger.resource
    trigger = function_app.service_bus_queue_trigger(
        arg_name="msg", connection=_connection(options), queue_name=queue
    )
    function_app.function_name(function.name)(trigger(_wrapper(app, function, queue)))


def register_topic(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` with a Service Bus topic subscription trigger."""
    topic = function.trigger.resource
    trigger = function_app.service_bus_topic_trigger(
        arg_name="msg",
        connection=_connection(options),
        topic_name=topic,
        subscription_name=options.get("subscription", function.name),
    )
    function_app.function_name(function.name)(trigger(_wrapper(app, function, topic)))


def message(msg: func.ServiceBusMessage, source: str) -> Message[Any]:
    """One ServiceBusMessage as a Message from the queue or topic ``source``."""
    if not isinstance(msg, func.ServiceBusMessage):
        raise UnsupportedEvent(
            "azure", f"a {type(msg).__name__} where the Service Bus trigger passes a message"
        )
    return Message(
        id=msg.message_id or "",
        body=msg.get_body(),
        attributes=lambda: _properties(msg),
        source=source,
        time=msg.enqueued_time_utc,
        attempt=msg.delivery_count,
        partition_key=msg.session_id or msg.partition_key,
        provider="azure",
        raw=msg,
    )


def _properties(msg: func.ServiceBusMessage) -> Mapping[str, Any]:
    properties = getattr(msg, "application_properties", None) or msg.user_properties
    return properties if isinstance(properties, Mapping) else {}


def _connection(options: AzureOptions) -> str:
    return options.get("connection", DEFAULT_CONNECTIONS["service_bus"])


def _wrapper(app: App, function: Function, source: str) -> Callable[..., Any]:
    """The function the worker calls: parameters ``msg`` and ``context``, nothing else."""
    if function.binding.is_async:

        async def on_message_async(msg: func.ServiceBusMessage, context: func.Context) -> None:
            await deliver_async(app, function, message(msg, source), context_for(context))

        return on_message_async

    def on_message(msg: func.ServiceBusMessage, context: func.Context) -> None:
        deliver(app, function, message(msg, source), context_for(context))

    return on_message
