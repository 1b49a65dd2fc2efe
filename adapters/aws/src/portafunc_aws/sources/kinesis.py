"""Kinesis Data Streams: each record a ``Message`` for the ``stream`` function of its stream.

Follows the Lambda developer guide, "Using Lambda with Kinesis Data Streams" and
"Configuring partial batch response with Kinesis Data Streams and Lambda": ``Records``
whose ``eventSource`` is ``aws:kinesis``, each with ``eventSourceARN``
(``arn:aws:kinesis:<region>:<account>:stream/<name>``) and ``kinesis``: ``data``
(base64), ``partitionKey``, ``sequenceNumber``, ``approximateArrivalTimestamp``
(epoch seconds).

Message: ``id`` the sequence number, ``body`` the decoded data, ``attributes`` empty
(Kinesis records carry none; shard and schema details stay in ``raw``, the record),
``source`` the stream name, ``partition_key`` the partition key, ``attempt`` None.

- Ordered: the first failure stops the batch; it and every later record are reported
  in ``batchItemFailures`` by sequence number, none of the later ones invoked. Data
  that is not base64, an arrival time that is not a number or a partition key that is
  not a string fails its record.
- Tumbling windows: as for DynamoDB Streams, the input ``state`` is returned unchanged.
- What other services put on a stream stays opaque bytes: a CloudWatch Logs
  subscription writes gzip (``body`` is the gzip bytes), Kinesis Data Streams for
  DynamoDB writes JSON change records. A ``changes`` function declared with the
  stream's ARN (``aws={"arn": "arn:aws:kinesis:…:stream/…"}``) receives those change
  records as ``ChangeEvent`` instead; no ``stream`` function may claim the stream then.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from portafunc.errors import NoSuchFunction
from portafunc.events import ChangeEvent, Message

from ..invocation import context_for, name_from_arn
from ._base import deliver_translated, optional_text, record_jobs, text, translating
from .dynamodb import change_event, ordered_response, records_match

if TYPE_CHECKING:
    from portafunc.app import Function

    from ..invocation import Functions

__all__ = ["Kinesis"]

#: A stream's function and the stream name its messages carry as ``source``.
Route = tuple["Function", str]


class Kinesis:
    """Kinesis Data Streams → ``stream`` functions (or ``changes`` functions by ARN)."""

    name = "kinesis"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return records_match(event, "aws:kinesis", "arn:aws:kinesis:")

    def invoke(
        self, functions: Functions, event: Mapping[str, Any], lambda_context: Any
    ) -> dict[str, Any]:
        with translating(self.name):
            jobs = record_jobs(
                event["Records"], partial(_route, functions), _sequence, _deliverable
            )
        failed = deliver_translated(functions, jobs, context_for(lambda_context), ordered=True)
        return ordered_response(event, failed)


def _sequence(record: Mapping[str, Any]) -> str:
    return text(record["kinesis"]["sequenceNumber"])


def _route(functions: Functions, arn: str) -> Route:
    function = functions.find(("stream",), arn) or functions.find(("changes",), arn, arn)
    if function is None:
        raise NoSuchFunction(f"Kinesis stream {arn!r} (stream functions)")
    return function, name_from_arn(arn)


def _deliverable(route: Route, record: Mapping[str, Any]) -> tuple[Function, Any]:
    function, stream = route
    kinesis = record["kinesis"]
    body = base64.b64decode(text(kinesis["data"]), validate=True)
    if function.trigger.kind == "changes":
        return function, _change(function, body, record)
    message: Message[Any] = Message(
        id=kinesis["sequenceNumber"],
        body=body,
        source=stream,
        time=_arrival(kinesis.get("approximateArrivalTimestamp")),
        partition_key=optional_text(kinesis.get("partitionKey")),
        provider="aws",
        raw=record,
    )
    return function, message


def _arrival(value: Any) -> float | None:
    """``approximateArrivalTimestamp``: epoch seconds; TypeError (the record fails) if not."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"approximateArrivalTimestamp is not a number: {value!r}")
    return value


def _change(function: Function, body: bytes, record: Mapping[str, Any]) -> ChangeEvent[Any]:
    """A Kinesis Data Streams for DynamoDB record: a JSON change record in the data."""
    change = json.loads(body)
    if not isinstance(change, Mapping):
        raise TypeError("the Kinesis data is not a DynamoDB change record")
    table = change.get("tableName") or function.trigger.resource
    return change_event(change, text(table), raw=record)
