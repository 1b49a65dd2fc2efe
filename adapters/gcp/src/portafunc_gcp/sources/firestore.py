"""Firestore document events → ``changes`` functions.

Follows the Firestore triggers of Cloud Run functions / Eventarc
(https://cloud.google.com/firestore/docs/extend-with-functions-2nd-gen): CloudEvents of
type ``google.cloud.firestore.document.v1.written``, ``.created``, ``.updated`` and
``.deleted`` (and their ``.withAuthContext`` variants), whose data is a
``DocumentEventData``: ``{"oldValue": Document, "value": Document, "updateMask":
{"fieldPaths": [...]}}``, a Document being ``{"name": "projects/P/databases/D/documents/
<collection>/<id>[/<subcollection>/<id>...]", "fields": {...}, "createTime",
"updateTime"}`` with typed values (``_firestore_values``). The data arrives as JSON
(``application/json``: functions-framework's conversion of 1st-gen
``providers/cloud.firestore/eventTypes/document.*`` events, the conformance suite) or
as protobuf (``application/protobuf``: what Eventarc sends 2nd-gen functions; the
CloudEvent's data is then bytes). Protobuf data is decoded with google-events into the
same proto3 JSON shape, so one decoder serves both; google-events (and protobuf) are
imported on the first protobuf event only, as they cost cold start.

A document that is absent or empty (``"oldValue": {}``, as 1st-gen events and the JSON
form of an unset message write it) is no document. The ChangeEvent:

- ``kind``: only ``value`` → insert, both → update, only ``oldValue`` → delete;
- ``table``: the document's immediate collection, the segment before its id: a
  subcollection document ``orders/1/items/2`` belongs to table ``items`` (the
  collection-group view: ``changes("items")`` hears every ``items`` subcollection,
  as Firestore names a collection by its last segment);
- ``key``: ``{"id": <document id>, "path": <the path after documents/>}``;
- ``old`` / ``new``: the plain values of ``oldValue.fields`` / ``value.fields``, or None;
- ``time``: ``value.updateTime`` (the write's commit time), else the CloudEvent's time
  (a delete);
- ``raw``: the CloudEvent, untouched.

A document of another collection than the function's table (a trigger whose path
pattern is wider than the table) is acknowledged without calling the handler, with a
debug log. Another event type, data that is not a DocumentEventData, or a document
name that is not a Firestore document's raise UnsupportedEvent; a malformed value
raises InvalidPayload naming its field.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from portafunc.errors import UnsupportedEvent
from portafunc.events import ChangeEvent, ChangeKind

from ._firestore_values import fields

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from portafunc.app import Function

__all__ = ["TYPES", "translate"]

_logger = logging.getLogger("portafunc.gcp")

#: Every CloudEvent type this source translates.
TYPES = frozenset(
    f"google.cloud.firestore.document.v1.{action}{variant}"
    for action in ("written", "created", "updated", "deleted")
    for variant in ("", ".withAuthContext")
)
#: (old document present, new document present) → kind.
_KINDS: Mapping[tuple[bool, bool], ChangeKind] = {
    (False, True): "insert",
    (True, True): "update",
    (True, False): "delete",
}
#: A document's resource name: (path after documents/, its collection, its id).
_NAME = re.compile(r"projects/[^/]+/databases/[^/]+/documents/((?:[^/]+/[^/]+/)*([^/]+)/([^/]+))")
_JSON_TYPES = ("application/json", "text/json")


def translate(event: CloudEvent, function: Function) -> ChangeEvent[Any] | None:
    """The change a Firestore document event carries, or None for another collection."""
    kind_of_event = event.get("type")
    if not isinstance(kind_of_event, str) or kind_of_event not in TYPES:
        raise UnsupportedEvent(
            "gcp", f"a {kind_of_event!r} CloudEvent for the changes function {function.name!r}"
        )
    data = _data(event)
    old, new = _document(data, "oldValue"), _document(data, "value")
    document = new if new is not None else old
    if document is None:
        raise UnsupportedEvent("gcp", f"a {kind_of_event!r} event with neither value nor oldValue")
    path, collection, document_id = _name(document)
    table = function.trigger.resource
    if collection != table:
        _logger.debug(
            "Firestore event %s for document %s acknowledged: %r is not the table %r of %s",
            event.get("id"),
            path,
            collection,
            table,
            function.name,
        )
        return None
    return ChangeEvent(
        table=collection,
        kind=_KINDS[old is not None, new is not None],
        key={"id": document_id, "path": path},
        old=None if old is None else fields(old.get("fields"), f"Firestore oldValue of {path}"),
        new=None if new is None else fields(new.get("fields"), f"Firestore value of {path}"),
        time=_time(new, event),
        provider="gcp",
        raw=event,
    )


def _data(event: CloudEvent) -> Mapping[str, Any]:
    """The DocumentEventData in its proto3 JSON shape, whatever the content type."""
    data = event.data
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = _decode(bytes(data), event.get("datacontenttype"))
    if not isinstance(data, Mapping):
        raise UnsupportedEvent("gcp", f"Firestore event data that is {type(data).__name__}")
    return data


def _decode(data: bytes, content_type: Any) -> Any:
    """Bytes of JSON (by content type) or else protobuf, as the JSON shape."""
    media = str(content_type or "").partition(";")[0].strip().lower()
    if media in _JSON_TYPES or media.endswith("+json"):
        try:
            return json.loads(data)
        # JSONDecodeError and UnicodeDecodeError; RecursionError: nested too deep to decode
        except (ValueError, RecursionError):
            raise UnsupportedEvent("gcp", "Firestore event data that is not JSON") from None
    return _from_protobuf(data, media)


def _from_protobuf(data: bytes, media: str) -> dict[str, Any]:
    # Lazily: google-events, proto-plus and protobuf cost cold start (DESIGN §2).
    from google.events.cloud.firestore_v1.types import DocumentEventData

    # protobuf ships neither stubs nor py.typed; types-protobuf is not worth a dev dependency.
    from google.protobuf import json_format  # type: ignore[import-untyped]
    from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

    try:
        decoded: dict[str, Any] = json_format.MessageToDict(DocumentEventData.pb().FromString(data))
    except (DecodeError, json_format.Error) as exc:  # not protobuf; a timestamp out of range
        saw = f"{media!r} data" if media else "binary data with no content type"
        raise UnsupportedEvent(
            "gcp", f"Firestore {saw} that is no DocumentEventData ({exc})"
        ) from None
    return decoded


def _document(data: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    document = data.get(name)
    if not document:  # absent, null, or {} (an unset message)
        return None
    if not isinstance(document, Mapping):
        raise UnsupportedEvent("gcp", f"a Firestore {name} that is {type(document).__name__}")
    return document


def _name(document: Mapping[str, Any]) -> tuple[str, str, str]:
    name = document.get("name")
    match = _NAME.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise UnsupportedEvent("gcp", f"a Firestore document named {name!r}")
    path, collection, document_id = match.groups()
    return path, collection, document_id


def _time(new: Mapping[str, Any] | None, event: CloudEvent) -> Any:
    """The write's commit time, else the event's (parsed when a handler reads it)."""
    updated = None if new is None else new.get("updateTime")
    return updated if isinstance(updated, str) else event.get("time")
