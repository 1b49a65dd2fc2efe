"""DynamoDB Streams: each record a ``ChangeEvent`` for the ``changes`` function of its table.

Follows the Lambda developer guide, "Using AWS Lambda with Amazon DynamoDB" and
"Configuring partial batch response with DynamoDB and Lambda": ``Records`` whose
``eventSource`` is ``aws:dynamodb``, each with ``eventName`` (INSERT, MODIFY, REMOVE),
``eventSourceARN`` (``arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>``)
and ``dynamodb``: ``Keys``, ``NewImage``, ``OldImage`` as typed attribute values,
``ApproximateCreationDateTime`` (epoch seconds) and ``SequenceNumber``.

- ``kind``: INSERT, MODIFY, REMOVE → insert, update, delete. ``key``, ``old`` and
  ``new`` are plain values (``_dynamodb_json``: numbers exact). ``table`` is the table
  named in the ARN (the declared table when the ARN names none).
- Ordered: the first failure stops the batch; it and every later record are reported
  in ``batchItemFailures`` by sequence number, none of the later ones invoked (Lambda
  checkpoints at the lowest reported one).
- Tumbling windows (``window``, ``state``, ``shardId``, ``isFinalInvokeForWindow``): the
  records are delivered the same way and the response carries the input ``state``
  unchanged; portafunc offers no window aggregation. A window's closing invocation
  may carry no records.

``change_event`` also serves the change records Kinesis Data Streams for DynamoDB
carries (see ``kinesis``), where ``ApproximateCreationDateTime`` is in milliseconds
or microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from portafunc.events import ChangeEvent, ChangeKind

from ..invocation import context_for, name_from_arn
from ._base import deliver_translated, record_jobs, text, translating
from ._dynamodb_json import item

if TYPE_CHECKING:
    from portafunc.app import Function

    from ..invocation import Functions

__all__ = ["DynamoDBStreams", "change_event", "ordered_response", "records_match"]

_KINDS: dict[str, ChangeKind] = {"INSERT": "insert", "MODIFY": "update", "REMOVE": "delete"}
#: A stream's function and the table its changes carry as ``table``.
Route = tuple["Function", str]


class DynamoDBStreams:
    """DynamoDB Streams → ``changes`` functions."""

    name = "dynamodb"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return records_match(event, "aws:dynamodb", "arn:aws:dynamodb:")

    def invoke(
        self, functions: Functions, event: Mapping[str, Any], lambda_context: Any
    ) -> dict[str, Any]:
        with translating(self.name):
            jobs = record_jobs(event["Records"], partial(_route, functions), _sequence, _change)
        failed = deliver_translated(functions, jobs, context_for(lambda_context), ordered=True)
        return ordered_response(event, failed)


def _sequence(record: Mapping[str, Any]) -> str:
    return text(record["dynamodb"]["SequenceNumber"])


def _route(functions: Functions, arn: str) -> Route:
    function = functions.require(("changes",), arn, "DynamoDB stream")
    return function, name_from_arn(arn) if ":table/" in arn else function.trigger.resource


def _change(route: Route, record: Mapping[str, Any]) -> tuple[Function, ChangeEvent[Any]]:
    function, table = route
    return function, change_event(record, table, raw=record)


def change_event(change: Mapping[str, Any], table: str, *, raw: Any) -> ChangeEvent[Any]:
    """A DynamoDB change record (``eventName`` and ``dynamodb``) as a ChangeEvent."""
    data = change["dynamodb"]
    old, new = data.get("OldImage"), data.get("NewImage")
    return ChangeEvent(
        table=table,
        kind=_KINDS[change["eventName"]],
        key=item(data["Keys"]),
        old=None if old is None else item(old),
        new=None if new is None else item(new),
        time=_seconds(data.get("ApproximateCreationDateTime")),
        provider="aws",
        raw=raw,
    )


def _seconds(value: Any) -> float | None:
    """Epoch seconds from seconds (Streams) or milli/microseconds (Kinesis for DynamoDB)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"ApproximateCreationDateTime is not a number: {value!r}")
    if value >= 1e14:
        return value / 1e6
    return value / 1e3 if value >= 1e11 else value


def records_match(event: Mapping[str, Any], source: str, arn_prefix: str) -> bool:
    """Whether ``event`` holds ``Records`` of ``source`` (or is an empty window of it)."""
    records = event.get("Records")
    if not isinstance(records, list):
        return False
    if records:
        first = records[0]
        return isinstance(first, Mapping) and first.get("eventSource") == source
    # A tumbling window's closing invocation may carry no records at all.
    arn = event.get("eventSourceARN")
    return "window" in event and isinstance(arn, str) and arn.startswith(arn_prefix)


def ordered_response(event: Mapping[str, Any], failed: list[str]) -> dict[str, Any]:
    """What Lambda expects back from a stream batch (and a tumbling window's ``state``)."""
    response: dict[str, Any] = {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
    if "window" in event:
        response["state"] = event.get("state") or {}
    return response
