"""Amazon Data Firehose transformation: each record a ``Message`` for the stream's function.

Follows the Firehose developer guide, "Transform source data in Amazon Data
Firehose": ``invocationId``, ``deliveryStreamArn``
(``arn:aws:firehose:<region>:<account>:deliverystream/<name>``), ``region`` and
``records`` with ``recordId``, ``data`` (base64) and ``approximateArrivalTimestamp``
(epoch milliseconds), plus ``kinesisRecordMetadata`` when the source is a Kinesis
stream.

Message: ``id`` the record id, ``body`` the decoded data, ``source`` the delivery stream
name, ``time`` the arrival time, ``partition_key`` the Kinesis partition key when the
source is a Kinesis stream, ``attributes`` empty (the metadata stays in ``raw``, the
record), ``attempt`` None.

The response is Firehose's: one ``{"recordId", "result", "data"}`` per record, in
order. The handler's return value is the transformed record: ``bytes`` as is, ``str``
as UTF-8, None keeps the original data, anything else is JSON-encoded. A record whose
handler raises, whose data is not base64 or whose result cannot be encoded is
``ProcessingFailed`` with its original data, which Firehose writes to the stream's
error output: nothing is lost, and nothing is retried. portafunc never answers
``Dropped`` (a handler cannot ask to drop a record).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from portafunc import pipeline
from portafunc.events import Message

from ..invocation import context_for, name_from_arn
from ._base import translating

if TYPE_CHECKING:
    from portafunc.app import Function
    from portafunc.context import Context

    from ..invocation import Functions

__all__ = ["Firehose"]

_logger = logging.getLogger("portafunc.aws")


class Firehose:
    """Firehose data transformation → ``stream`` functions by delivery stream."""

    name = "firehose"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return isinstance(event.get("deliveryStreamArn"), str) and isinstance(
            event.get("records"), list
        )

    def invoke(
        self, functions: Functions, event: Mapping[str, Any], lambda_context: Any
    ) -> dict[str, Any]:
        with translating(self.name):
            arn = event["deliveryStreamArn"]
            function = functions.require(("stream",), arn, "Firehose delivery stream")
            stream = name_from_arn(arn)
            records = [_identified(record) for record in event["records"]]
        ctx = context_for(lambda_context)
        transformed = [_transform(functions, function, stream, *record, ctx) for record in records]
        return {"records": transformed}


def _transform(
    functions: Functions,
    function: Function,
    stream: str,
    record_id: str,
    data: str,
    record: Mapping[str, Any],
    ctx: Context,
) -> dict[str, str]:
    try:
        message = _message(stream, record_id, data, record)
    except Exception as exc:
        _logger.error("record %s cannot be delivered: %s", record_id, exc)
        return _failed(record_id, data)
    try:
        result = pipeline.deliver(functions.app, function, message, ctx)
    except Exception:  # the pipeline has logged it
        return _failed(record_id, data)
    try:
        output = data if result is None else base64.b64encode(_encoded(result)).decode("ascii")
    except Exception as exc:
        _logger.error("the result for record %s cannot be encoded: %s", record_id, exc)
        return _failed(record_id, data)
    return {"recordId": record_id, "result": "Ok", "data": output}


def _failed(record_id: str, data: str) -> dict[str, str]:
    return {"recordId": record_id, "result": "ProcessingFailed", "data": data}


def _identified(record: Mapping[str, Any]) -> tuple[str, str, Mapping[str, Any]]:
    record_id, data = record["recordId"], record["data"]
    if not isinstance(record_id, str) or not isinstance(data, str):
        raise TypeError("a Firehose record's recordId and data must be strings")
    return record_id, data, record


def _message(stream: str, record_id: str, data: str, record: Mapping[str, Any]) -> Message[Any]:
    metadata, arrival = (
        record.get("kinesisRecordMetadata"),
        record.get("approximateArrivalTimestamp"),
    )
    return Message(
        id=record_id,
        body=base64.b64decode(data, validate=True),
        source=stream,
        time=None if arrival is None else arrival / 1000,
        partition_key=metadata.get("partitionKey") if isinstance(metadata, Mapping) else None,
        provider="aws",
        raw=record,
    )


def _encoded(result: Any) -> bytes:
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result)
    if isinstance(result, str):
        return result.encode()
    return to_json(result)
