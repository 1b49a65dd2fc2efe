"""DynamoDB Streams and Kinesis batches.

Shapes: Lambda's "Using Lambda with DynamoDB" and "… with Kinesis Data Streams" event
examples; attribute values as DynamoDB's ``AttributeValue`` (S, N, B, BOOL, NULL, M,
L, SS, NS, BS).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic_core import to_json

from ._common import ACCOUNT, REGION, Event, arn, as_bytes, next_sequence, now

__all__ = ["Change", "attribute_value", "dynamodb_stream_event", "kinesis_event"]

#: One change: (kind, key attributes, old image or None, new image or None).
Change = tuple[str, Mapping[str, Any], Mapping[str, Any] | None, Mapping[str, Any] | None]

_EVENT_NAMES = {"insert": "INSERT", "update": "MODIFY", "delete": "REMOVE"}


def _b64(value: bytes | bytearray) -> str:
    return base64.b64encode(value).decode()


def _set(values: set[Any] | frozenset[Any]) -> Event:
    """SS, NS or BS by the members' type (an empty set is an empty SS)."""
    members = sorted(values, key=repr)
    if all(isinstance(m, str) for m in members):
        return {"SS": members}
    if all(isinstance(m, (bytes, bytearray)) for m in members):
        return {"BS": [_b64(m) for m in members]}
    if all(isinstance(m, (int, float, Decimal)) and not isinstance(m, bool) for m in members):
        return {"NS": [str(m) for m in members]}
    raise TypeError(f"a DynamoDB set holds only strings, numbers or bytes: {values!r}")


#: Python type → its AttributeValue, in order (bool before int: a bool is an int).
_CONVERTERS: tuple[tuple[type | tuple[type, ...], Callable[[Any], Event]], ...] = (
    (type(None), lambda _: {"NULL": True}),
    (bool, lambda v: {"BOOL": v}),
    (str, lambda v: {"S": v}),
    ((int, float, Decimal), lambda v: {"N": str(v)}),
    ((bytes, bytearray), lambda v: {"B": _b64(v)}),
    (Mapping, lambda v: {"M": _image(v)}),
    ((list, tuple), lambda v: {"L": [attribute_value(item) for item in v]}),
    ((set, frozenset), _set),
)


def attribute_value(value: Any) -> Event:
    """A plain Python value as a DynamoDB ``AttributeValue`` (``{"S": "…"}`` and so on)."""
    for kind, convert in _CONVERTERS:
        if isinstance(value, kind):
            return convert(value)
    raise TypeError(f"no DynamoDB attribute type holds a {type(value).__name__}: {value!r}")


def _image(item: Mapping[str, Any]) -> Event:
    return {str(name): attribute_value(value) for name, value in item.items()}


def _change_record(change: Change, stream_arn: str) -> Event:
    kind, keys, old, new = change
    if kind not in _EVENT_NAMES:
        raise ValueError(f"a change is 'insert', 'update' or 'delete', not {kind!r}")
    stream: Event = {"ApproximateCreationDateTime": int(now().timestamp()), "Keys": _image(keys)}
    if new is not None:
        stream["NewImage"] = _image({**keys, **new})
    if old is not None:
        stream["OldImage"] = _image({**keys, **old})
    stream["SequenceNumber"] = f"{next_sequence():021d}"
    stream["SizeBytes"] = len(to_json(stream))
    stream["StreamViewType"] = "NEW_AND_OLD_IMAGES"
    return {
        "eventID": secrets.token_hex(16),
        "eventName": _EVENT_NAMES[kind],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": stream,
        "eventSourceARN": stream_arn,
    }


def dynamodb_stream_event(changes: Sequence[Change], *, table: str = "orders") -> Event:
    """A DynamoDB Streams batch (``NEW_AND_OLD_IMAGES``), one record per change.

    Each change is ``(kind, keys, old, new)``: ``kind`` ``"insert"``, ``"update"`` or
    ``"delete"``; ``keys`` the key attributes; ``old``/``new`` the item before and
    after (None where there is none). Images include the keys, as DynamoDB's do.
    Values are plain Python: None, bool, str, int/float/Decimal, bytes, mappings,
    lists, and sets of str, numbers or bytes.
    """
    stream_arn = arn("dynamodb", f"table/{table}/stream/2024-01-01T00:00:00.000")
    return {"Records": [_change_record(change, stream_arn) for change in changes]}


def kinesis_event(
    records: Sequence[Any], *, stream: str = "events", partition_key: str = "pk"
) -> Event:
    """A Kinesis batch, one record per item (``bytes``, ``str`` as UTF-8, else JSON),
    base64-encoded in ``kinesis.data`` as Kinesis delivers it."""
    stream_arn = arn("kinesis", f"stream/{stream}")
    built = []
    for item in records:
        sequence = f"{next_sequence():056d}"
        data = {"kinesisSchemaVersion": "1.0", "partitionKey": partition_key}
        kinesis: Event = data | {"sequenceNumber": sequence, "data": _b64(as_bytes(item))}
        kinesis["approximateArrivalTimestamp"] = round(now().timestamp(), 3)
        built.append(
            {
                "kinesis": kinesis,
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
                "awsRegion": REGION,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": built}
