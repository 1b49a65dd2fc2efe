"""Firestore document CloudEvents, and plain Python values as Firestore typed values.

Shape: google-cloudevents' ``DocumentEventData`` (``oldValue``, ``value``,
``updateMask``), with the attributes Eventarc sets (``location``, ``project``,
``database``, ``namespace``, ``document``). Eventarc delivers Firestore events as
protobuf (``application/protobuf``, encoded here with google-events, imported on first
use); ``encoding="json"`` gives the JSON form of the same data instead.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Literal, NamedTuple

from cloudevents.http import CloudEvent
from pydantic import BaseModel

from ._common import PROJECT, new_id, now, rfc3339

__all__ = ["GeoPoint", "Reference", "firestore_event", "firestore_value"]

ChangeType = Literal["written", "created", "updated", "deleted"]

_SCHEMA = (
    "https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/"
    "firestore/v1/data.proto"
)
_CONTENT_TYPES = {"protobuf": "application/protobuf", "json": "application/json"}
_INT64 = range(-(2**63), 2**63)
#: Which of (old, new) each event type carries.
_SHAPES: Mapping[str, frozenset[tuple[bool, bool]]] = {
    "written": frozenset({(False, True), (True, True), (True, False)}),
    "created": frozenset({(False, True)}),
    "updated": frozenset({(True, True)}),
    "deleted": frozenset({(True, False)}),
}


class GeoPoint(NamedTuple):
    """A Firestore ``geoPointValue``."""

    latitude: float
    longitude: float


class Reference(NamedTuple):
    """A Firestore ``referenceValue``: a document path (``"users/alice"``) or a full name."""

    path: str


def firestore_event(
    collection: str,
    document_id: str,
    *,
    old: Any = None,
    new: Any = None,
    kind: ChangeType = "written",
    project: str = PROJECT,
    database: str = "(default)",
    location: str = "nam5",
    encoding: Literal["protobuf", "json"] = "protobuf",
) -> CloudEvent:
    """The ``google.cloud.firestore.document.v1.<kind>`` CloudEvent of one document change.

    ``old`` and ``new`` are the document before and after (None: absent), as mappings,
    pydantic models or dataclasses of plain values (see :func:`firestore_value`).
    """
    _check(kind, old, new)
    root = f"projects/{project}/databases/{database}/documents"
    name = f"{root}/{collection}/{document_id}"
    created = rfc3339()
    payload: dict[str, Any] = {}
    if old is not None:
        payload["oldValue"] = _document(name, old, root, created)
    if new is not None:
        payload["value"] = _document(name, new, root, created)
    if old is not None and new is not None:
        payload["updateMask"] = {"fieldPaths": _changed(_plain(old), _plain(new))}
    attributes = {
        "specversion": "1.0",
        "id": new_id(),
        "source": f"//firestore.googleapis.com/projects/{project}/databases/{database}",
        "type": f"google.cloud.firestore.document.v1.{kind}",
        "subject": f"documents/{collection}/{document_id}",
        "time": rfc3339(),
        "datacontenttype": _CONTENT_TYPES[encoding],
        "dataschema": _SCHEMA,
        "location": location,
        "project": project,
        "database": database,
        "namespace": "(default)",
        "document": f"{collection}/{document_id}",
    }
    data = _protobuf(payload) if encoding == "protobuf" else payload
    return CloudEvent(attributes, data)


def firestore_value(
    value: Any, *, root: str = f"projects/{PROJECT}/databases/(default)/documents"
) -> dict[str, Any]:
    """``value`` as a Firestore typed value (``{"stringValue": "x"}``, ...).

    None, bool, int (``integerValue`` as a string), float (NaN and infinities as
    proto3 JSON's strings), str, bytes (base64), datetime (naive means UTC),
    :class:`GeoPoint`, :class:`Reference` (relative to ``root``), mappings, lists and
    tuples, pydantic models and dataclasses.
    """
    for kinds, encode in _ENCODERS:
        if isinstance(value, kinds):
            return encode(value, root)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return firestore_value(dataclasses.asdict(value), root=root)
    raise TypeError(f"no Firestore value for a {type(value).__name__}")


def _integer(value: int, root: str) -> dict[str, Any]:
    if value not in _INT64:
        raise ValueError(f"{value} does not fit a Firestore integer (int64)")
    return {"integerValue": str(value)}


def _double(value: float, root: str) -> dict[str, Any]:
    if math.isnan(value):
        return {"doubleValue": "NaN"}
    if math.isinf(value):
        return {"doubleValue": "Infinity" if value > 0 else "-Infinity"}
    return {"doubleValue": value}


def _bytes(value: bytes, root: str) -> dict[str, Any]:
    return {"bytesValue": base64.b64encode(value).decode()}


def _timestamp(value: datetime, root: str) -> dict[str, Any]:
    moment = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(
        timezone.utc
    )
    return {"timestampValue": f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}Z"}


def _reference(value: Reference, root: str) -> dict[str, Any]:
    path = value.path
    return {"referenceValue": path if path.startswith("projects/") else f"{root}/{path}"}


def _map(value: Mapping[Any, Any], root: str) -> dict[str, Any]:
    return {"mapValue": {"fields": _fields(value, root)}}


def _array(value: list[Any] | tuple[Any, ...], root: str) -> dict[str, Any]:
    return {"arrayValue": {"values": [firestore_value(item, root=root) for item in value]}}


#: Checked in order: bool before int, the named tuples before tuples.
_ENCODERS: tuple[tuple[type | tuple[type, ...], Callable[[Any, str], dict[str, Any]]], ...] = (
    (type(None), lambda value, root: {"nullValue": None}),
    (bool, lambda value, root: {"booleanValue": value}),
    (int, _integer),
    (float, _double),
    (str, lambda value, root: {"stringValue": value}),
    ((bytes, bytearray, memoryview), _bytes),
    (datetime, _timestamp),
    (GeoPoint, lambda value, root: {"geoPointValue": value._asdict()}),
    (Reference, _reference),
    (BaseModel, lambda value, root: _map(value.model_dump(), root)),
    (Mapping, _map),
    ((list, tuple), _array),
)


def _fields(document: Mapping[Any, Any], root: str) -> dict[str, Any]:
    return {str(key): firestore_value(value, root=root) for key, value in document.items()}


def _plain(document: Any) -> Mapping[Any, Any]:
    if isinstance(document, BaseModel):
        return document.model_dump()
    if dataclasses.is_dataclass(document) and not isinstance(document, type):
        return dataclasses.asdict(document)
    if isinstance(document, Mapping):
        return document
    raise TypeError(f"a Firestore document is a mapping, not a {type(document).__name__}")


def _document(name: str, document: Any, root: str, created: str) -> dict[str, Any]:
    return {
        "name": name,
        "fields": _fields(_plain(document), root),
        "createTime": created,
        "updateTime": rfc3339(now()),
    }


def _changed(old: Mapping[Any, Any], new: Mapping[Any, Any]) -> list[str]:
    """The top-level fields an update set or removed (its ``updateMask``)."""
    keys = set(old) | set(new)
    return sorted(str(k) for k in keys if k not in old or k not in new or old[k] != new[k])


def _check(kind: ChangeType, old: Any, new: Any) -> None:
    if (old is not None, new is not None) not in _SHAPES[kind]:
        raise ValueError(f"a {kind} event with old={old!r} and new={new!r}")


def _protobuf(payload: dict[str, Any]) -> bytes:
    from google.events.cloud.firestore_v1 import DocumentEventData

    message = DocumentEventData.from_json(json.dumps(payload))
    return bytes(DocumentEventData.serialize(message))
