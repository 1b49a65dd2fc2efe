"""CloudWatch Logs subscriptions: each log event a ``Message`` for the log group's function.

Follows the CloudWatch Logs user guide, "Subscription filters with AWS Lambda", and
the Lambda developer guide's CloudWatch Logs event: ``awslogs.data`` is base64 of a
gzip-compressed JSON document with ``messageType``, ``owner``, ``logGroup``,
``logStream``, ``subscriptionFilters`` and ``logEvents`` (``id``, ``timestamp`` in
epoch milliseconds, ``message``, and ``extractedFields`` when the filter pattern
extracts any).

Message: ``id`` the log event id, ``body`` the message text (UTF-8), ``source`` the log
group (the ``stream`` function declared for it, e.g. ``@app.stream("/aws/lambda/api")``),
``time`` the event's timestamp, ``attributes`` ``logStream``, ``owner``,
``subscriptionFilters`` (and ``extractedFields``), ``raw`` the log event.

``CONTROL_MESSAGE`` documents (CloudWatch Logs checking that it can reach the
function) are acknowledged without calling a handler. The subscription invokes the
function asynchronously: every event is delivered, then the invocation raises if
any failed, so Lambda's asynchronous retries (and the function's dead-letter queue or
on-failure destination) take the whole document again: at-least-once.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from portafunc.errors import NoSuchFunction, PortafuncError
from portafunc.events import Message

from ..invocation import context_for
from ._base import Job, deliver_records, translating

if TYPE_CHECKING:
    from portafunc.app import Function

    from ..invocation import Functions

__all__ = ["CloudWatchLogs"]


class CloudWatchLogs:
    """CloudWatch Logs subscription filters → ``stream`` functions by log group."""

    name = "cloudwatch_logs"

    def matches(self, event: Mapping[str, Any]) -> bool:
        awslogs = event.get("awslogs")
        return isinstance(awslogs, Mapping) and isinstance(awslogs.get("data"), str)

    def invoke(self, functions: Functions, event: Mapping[str, Any], lambda_context: Any) -> None:
        with translating(self.name):
            document = _document(event["awslogs"]["data"])
            if document.get("messageType") == "CONTROL_MESSAGE":
                return
            jobs = _jobs(functions, document)
        failed = deliver_records(functions, jobs, context_for(lambda_context), ordered=False)
        if failed:
            raise PortafuncError(
                f"{len(failed)} of {len(jobs)} log events failed (first: {failed[0]}); "
                "Lambda retries the invocation"
            )


def _document(data: str) -> Mapping[str, Any]:
    """The JSON document in ``awslogs.data``: base64, then gzip."""
    import zlib  # only this source needs it; kept off every other cold start

    try:
        text = zlib.decompress(base64.b64decode(data, validate=True), 16 + zlib.MAX_WBITS)
    except zlib.error as exc:
        raise ValueError(f"awslogs.data is not gzip: {exc}") from None
    document = json.loads(text)
    if not isinstance(document, Mapping):
        raise TypeError("awslogs.data is not a JSON object")
    return document


def _jobs(functions: Functions, document: Mapping[str, Any]) -> list[tuple[str, Job]]:
    group = document["logGroup"]
    function = functions.find(("stream",), group, group)
    if function is None:
        raise NoSuchFunction(f"CloudWatch Logs log group {group!r} (stream functions)")
    attributes = MappingProxyType(
        {
            "logStream": document["logStream"],
            "owner": document["owner"],
            "subscriptionFilters": document["subscriptionFilters"],
        }
    )
    return [
        (entry["id"], partial(_message, function, group, attributes, entry))
        for entry in document["logEvents"]
    ]


def _message(
    function: Function, group: str, attributes: Mapping[str, Any], entry: Mapping[str, Any]
) -> tuple[Function, Message[Any]]:
    extracted, timestamp = entry.get("extractedFields"), entry.get("timestamp")
    message: Message[Any] = Message(
        id=entry["id"],
        body=entry["message"].encode(),
        attributes={**attributes, "extractedFields": extracted} if extracted else attributes,
        source=group,
        time=None if timestamp is None else timestamp / 1000,
        provider="aws",
        raw=entry,
    )
    return function, message
