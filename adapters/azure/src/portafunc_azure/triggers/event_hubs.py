"""Event Hubs trigger → ``stream`` functions.

Binding: ``eventHubTrigger`` on the Event Hub ``azure={"event_hub": ...}`` (default: the
declared stream), ``cardinality="many"``, consumer group ``azure={"consumer_group":
...}`` (default: the function's name, so that functions reading one hub each see every
event), connection ``azure={"connection": ...}`` (default the app setting
``EventHubConnection``), ``arg_name`` ``events``, annotated ``typing.List[EventHubEvent]``
(the worker rejects ``list[...]``). The worker passes the batch as a list of
``azure.functions.EventHubEvent``.

Message: ``id`` the sequence number (as a string), ``body`` the event bytes,
``attributes`` the event's application properties (the trigger metadata's
``PropertiesArray`` entry of the event, read when first asked for), ``source`` the
Event Hub name, ``time`` the enqueued time, ``partition_key`` the partition key,
``attempt`` the retry policy's attempt (``context.retry_context.retry_count`` + 1) when
the context says. ``raw`` is the EventHubEvent (offset, IoT Hub metadata, the batch's
trigger metadata).

Ordered: events are delivered in order and the first failure is raised; no later event
of the batch is invoked. The host checkpoints the partition whatever the outcome, so
the function gets a retry policy (exponential backoff from 5 seconds to 15 minutes;
``max_attempts`` deliveries of the batch in all, default 6): the whole batch is
invoked again, and after the last retry it is skipped (Event Hubs has no dead-letter
queue). Handlers should be idempotent. A batch function (``list[Message[T]]``) gets
the whole batch in one call; its failures (from the first on, the batch being
ordered) raise BatchFailure, so the batch is retried the same way. ``batch_size`` is host-wide
(``extensions.eventHubs.maxEventBatchSize`` in host.json).

Kafka: portafunc offers no Kafka trigger on Azure (the corpus' ``kafka-trigger-*``
payloads belong to the Kafka extension). Anything but a list of EventHubEvents, a
KafkaEvent included, raises UnsupportedEvent before its handler is called.
"""

import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import BatchFailure, UnsupportedEvent
from portafunc.events import Message
from portafunc.pipeline import deliver, deliver_async, deliver_batch, deliver_batch_async

from ..invocation import context_for
from ..options import DEFAULT_CONNECTIONS, AzureOptions

__all__ = ["attempt", "message", "register", "retry_policy"]


def register(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` with an Event Hubs trigger and a retry policy."""
    hub = options.get("event_hub", function.trigger.resource)
    trigger = function_app.event_hub_message_trigger(
        arg_name="events",
        event_hub_name=hub,
        connection=options.get("connection", DEFAULT_CONNECTIONS["event_hubs"]),
        cardinality="many",
        consumer_group=options.get("consumer_group", function.name),
    )
    retry = retry_policy(function_app, function)
    function_app.function_name(function.name)(retry(trigger(_wrapper(app, function, hub))))


def retry_policy(function_app: func.FunctionApp, function: Function) -> Callable[..., Any]:
    """The ``@app.retry`` decorator of an ordered source (Event Hubs, Cosmos DB).

    ``max_attempts`` counts deliveries, the first included; Azure counts retries.
    """
    attempts = function.settings.max_attempts
    return function_app.retry(
        strategy="exponential_backoff",
        max_retry_count=str(attempts - 1 if attempts else 5),
        minimum_interval="00:00:05",
        maximum_interval="00:15:00",
    )


def attempt(context: Any) -> int | None:
    """Which execution of the retry policy this is, from 1; None if the context does not say."""
    count = getattr(getattr(context, "retry_context", None), "retry_count", None)
    return count + 1 if isinstance(count, int) and not isinstance(count, bool) else None


def message(
    events: Sequence[func.EventHubEvent], index: int, hub: str, tries: int | None
) -> Message[Any]:
    """Event ``index`` of the batch as a Message from the Event Hub ``hub``."""
    event = events[index]
    if not isinstance(event, func.EventHubEvent):
        raise UnsupportedEvent(
            "azure", f"a {type(event).__name__} where the Event Hubs trigger passes EventHubEvents"
        )
    body = event.get_body()
    sequence = event.sequence_number
    return Message(
        id="" if sequence is None else str(sequence),
        body=body.encode() if isinstance(body, str) else body,
        attributes=lambda: _properties(events, index),
        source=hub,
        time=event.enqueued_time,
        attempt=tries,
        partition_key=event.partition_key,
        provider="azure",
        raw=event,
    )


def _properties(events: Sequence[func.EventHubEvent], index: int) -> Mapping[str, Any]:
    """Event ``index``'s application properties, from the batch's trigger metadata.

    Every event of a batch shares the metadata; reading it through the first event
    decodes it once per batch.
    """
    metadata = getattr(events[0], "metadata", None) or {}
    many = metadata.get("PropertiesArray")
    found = many[index] if isinstance(many, list) and index < len(many) else None
    if found is None and len(events) == 1:
        found = metadata.get("Properties")
    return found if isinstance(found, Mapping) else {}


def _batch(events: Any) -> Sequence[func.EventHubEvent]:
    if not isinstance(events, list):
        raise UnsupportedEvent(
            "azure", f"a {type(events).__name__} where the Event Hubs trigger passes a list"
        )
    return events


def _wrapper(app: App, function: Function, hub: str) -> Callable[..., Any]:
    """The function the worker calls: parameters ``events`` and ``context``, nothing else."""
    if function.binding.is_async:

        async def on_events_async(
            events: typing.List[func.EventHubEvent],  # noqa: UP006 (the worker needs typing.List)
            context: func.Context,
        ) -> None:
            batch, ctx, tries = _batch(events), context_for(context), attempt(context)
            if function.binding.batch is not None:
                messages = [message(batch, index, hub, tries) for index in range(len(batch))]
                failed = await deliver_batch_async(app, function, messages, ctx, ordered=True)
                _raise_failed(messages, failed)
                return
            for index in range(len(batch)):
                await deliver_async(app, function, message(batch, index, hub, tries), ctx)

        return on_events_async

    def on_events(
        events: typing.List[func.EventHubEvent],  # noqa: UP006 (the worker needs typing.List)
        context: func.Context,
    ) -> None:
        batch, ctx, tries = _batch(events), context_for(context), attempt(context)
        if function.binding.batch is not None:
            messages = [message(batch, index, hub, tries) for index in range(len(batch))]
            _raise_failed(messages, deliver_batch(app, function, messages, ctx, ordered=True))
            return
        for index in range(len(batch)):
            deliver(app, function, message(batch, index, hub, tries), ctx)

    return on_events


def _raise_failed(messages: Sequence[Message[Any]], failed: Sequence[int]) -> None:
    """Raise for the host to retry the batch (a batch function's failures, in order)."""
    if failed:
        raise BatchFailure([messages[index].id for index in failed])
