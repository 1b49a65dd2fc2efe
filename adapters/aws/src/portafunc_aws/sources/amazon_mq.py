"""Amazon MQ (ActiveMQ and RabbitMQ): each message a ``Message`` for its queue's function.

Follows the Lambda developer guide, "Using Lambda with Amazon MQ":

- ActiveMQ: ``eventSource`` ``aws:mq`` (``aws:amq`` in Powertools' fixture) and
  ``messages``, each with ``messageID``, ``data`` (base64), ``destination.physicalName``
  (the queue), ``timestamp`` (epoch milliseconds) and ``properties`` (the JMS
  properties, the message's ``attributes``).
- RabbitMQ: ``eventSource`` ``aws:rmq`` and ``rmqMessagesByQueue``, a mapping of
  ``"<queue>::<virtual host>"`` to messages with ``data`` (base64) and
  ``basicProperties``: ``messageId`` (the ``id``; ``"<queue>#<position in the batch>"``
  when the publisher set none), ``headers`` (the ``attributes``, read when first asked
  for; byte arrays ``{"bytes": [...]}`` as ``bytes``; headers of another shape raise
  UnsupportedEvent) and ``timestamp`` as the broker formats it
  (``"Jan 1, 1970, 12:33:41 AM"``, read as UTC; None when it does not parse).

``source`` is the queue name, ``attempt`` None (the broker only says ``redelivered``).
Routing: the ``queue`` function of the queue, else one declared with the broker's ARN.

Amazon MQ has no partial batch response: every message is delivered, then the
invocation raises if any failed, so Lambda redelivers the whole batch (the
messages that succeeded are delivered again: at-least-once).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from portafunc.errors import NoSuchFunction, PortafuncError
from portafunc.events import Message

from ..invocation import context_for
from ._base import Job, deliver_records, translating

if TYPE_CHECKING:
    from portafunc.app import Function

    from ..invocation import Functions

__all__ = ["AmazonMQ"]

_ACTIVEMQ = frozenset({"aws:mq", "aws:amq"})
_MONTHS = {
    month: number
    for number, month in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


class AmazonMQ:
    """Amazon MQ brokers → ``queue`` functions by queue name."""

    name = "amazon_mq"

    def matches(self, event: Mapping[str, Any]) -> bool:
        source = event.get("eventSource")
        if source == "aws:rmq":
            return isinstance(event.get("rmqMessagesByQueue"), Mapping)
        return (
            isinstance(source, str)
            and source in _ACTIVEMQ
            and isinstance(event.get("messages"), list)
        )

    def invoke(self, functions: Functions, event: Mapping[str, Any], lambda_context: Any) -> None:
        with translating(self.name):
            broker = event.get("eventSourceArn")
            if event["eventSource"] == "aws:rmq":
                jobs = _rabbitmq_jobs(functions, broker, event["rmqMessagesByQueue"])
            else:
                jobs = _activemq_jobs(functions, broker, event["messages"])
        failed = deliver_records(functions, jobs, context_for(lambda_context), ordered=False)
        if failed:
            raise PortafuncError(
                f"{len(failed)} of {len(jobs)} Amazon MQ messages failed (first: {failed[0]}); "
                "Lambda redelivers the batch"
            )


def _activemq_jobs(functions: Functions, broker: Any, messages: list[Any]) -> list[tuple[str, Job]]:
    routes: dict[str, Function] = {}
    jobs: list[tuple[str, Job]] = []
    for message in messages:
        queue = message["destination"]["physicalName"]
        function = routes.get(queue) or routes.setdefault(
            queue, _function(functions, broker, queue)
        )
        jobs.append((message["messageID"], partial(_activemq, function, queue, message)))
    return jobs


def _rabbitmq_jobs(
    functions: Functions, broker: Any, by_queue: Mapping[str, Any]
) -> list[tuple[str, Job]]:
    jobs: list[tuple[str, Job]] = []
    for key, messages in by_queue.items():
        queue = key.partition("::")[0]
        function = _function(functions, broker, queue)
        for index, message in enumerate(messages):
            item_id = message["basicProperties"].get("messageId") or f"{queue}#{index}"
            jobs.append((item_id, partial(_rabbitmq, function, queue, item_id, message)))
    return jobs


def _function(functions: Functions, broker: Any, queue: str) -> Function:
    found = functions.find(("queue",), queue, queue)
    if found is None and broker:
        found = functions.find(("queue",), broker, broker)
    if found is None:
        raise NoSuchFunction(f"Amazon MQ queue {queue!r} (queue functions)")
    return found


def _activemq(
    function: Function, queue: str, message: Mapping[str, Any]
) -> tuple[Function, Message[Any]]:
    properties, timestamp = message.get("properties"), message.get("timestamp")
    envelope: Message[Any] = Message(
        id=message["messageID"],
        body=base64.b64decode(message["data"], validate=True),
        attributes=properties if isinstance(properties, Mapping) else None,
        source=queue,
        time=None if timestamp is None else timestamp / 1000,
        provider="aws",
        raw=message,
    )
    return function, envelope


def _rabbitmq(
    function: Function, queue: str, item_id: str, message: Mapping[str, Any]
) -> tuple[Function, Message[Any]]:
    properties = message["basicProperties"]
    envelope: Message[Any] = Message(
        id=item_id,
        body=base64.b64decode(message["data"], validate=True),
        attributes=partial(_headers, properties.get("headers")),
        source=queue,
        time=_java_time(properties.get("timestamp")),
        provider="aws",
        raw=message,
    )
    return function, envelope


def _headers(headers: Any) -> dict[str, Any]:
    """RabbitMQ headers, byte arrays (``{"bytes": [...]}``) as ``bytes``, built when a
    handler first reads them; UnsupportedEvent when they are not that shape."""
    with translating("RabbitMQ message headers"):
        if headers is None:
            return {}
        if not isinstance(headers, Mapping):
            raise TypeError(f"headers is {type(headers).__name__}, not an object")
        return {name: _header(value) for name, value in headers.items()}


def _header(value: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(value.get("bytes"), list):
        return bytes(value["bytes"])
    return value


def _java_time(value: Any) -> datetime | None:
    """``"Jan 1, 1970, 12:33:41 AM"`` (UTC) as a datetime; None if it is not that."""
    # Java's default medium date-time format; newer JDKs put a narrow no-break space
    # before AM/PM, which str.split() takes as whitespace like any other.
    parts = value.replace(",", " ").split() if isinstance(value, str) else ()
    if len(parts) != 5 or parts[0] not in _MONTHS or parts[4] not in ("AM", "PM"):
        return None
    try:
        hour, minute, second = (int(number) for number in parts[3].split(":"))
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if parts[4] == "PM" else 0)
        moment = datetime(int(parts[2]), _MONTHS[parts[0]], int(parts[1]), hour, minute, second)
    except ValueError:  # Feb 30, minute 61, not numbers, ...
        return None
    return moment.replace(tzinfo=timezone.utc)
