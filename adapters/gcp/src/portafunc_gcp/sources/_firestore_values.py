"""Firestore's typed values (``{"integerValue": "4"}``) turned into plain Python values.

Follows the ``Value`` message of the Firestore API (google.firestore.v1, and the
``google.events.cloud.firestore.v1`` copy its events carry) in its proto3 JSON form,
which is what Firestore CloudEvents with JSON data, 1st-gen background events and
protobuf data decoded with google-events all deliver:

==================  ===============================================================
``stringValue``     ``str``
``integerValue``    ``int`` (an int64, sent as a JSON string; a number is accepted)
``doubleValue``     ``float`` (a number, or ``"NaN"``, ``"Infinity"``, ``"-Infinity"``)
``booleanValue``    ``bool``
``nullValue``       ``None`` (``null``; also the enum's ``0`` / ``"NULL_VALUE"``)
``timestampValue``  aware UTC ``datetime`` (RFC 3339, up to 9 fractional digits,
                    kept to the microsecond as Firestore stores it)
``bytesValue``      ``bytes`` (base64, standard or URL-safe, padded or not)
``referenceValue``  ``str``: the referenced document's full resource name
``geoPointValue``   ``{"latitude": float, "longitude": float}`` (a coordinate of 0
                    may be left out, as proto3 JSON leaves out zeros)
``mapValue``        ``dict`` (``{"fields": {...}}``; ``{}`` is the empty map)
``arrayValue``      ``list`` (``{"values": [...]}``; ``{}`` is the empty array)
==================  ===============================================================

A value that is not an object holding exactly one known type, or whose content does not
fit its type, raises ``InvalidPayload`` naming the field (``mapValue.field2[1]``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from portafunc._time import to_datetime
from portafunc.errors import InvalidPayload

__all__ = ["fields", "plain"]

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class _Malformed(Exception):
    """A value that does not fit; ``path`` grows as it propagates out of maps and arrays."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []  # field names and array indexes, outermost first

    def within(self, step: str | int) -> _Malformed:
        self.path.insert(0, step)
        return self

    def invalid(self, what: str) -> InvalidPayload:
        where = "".join(
            f"[{step}]" if isinstance(step, int) else f"{'.' if i else ''}{step}"
            for i, step in enumerate(self.path)
        )
        at = f", field {where!r}" if where else ""
        return InvalidPayload(f"{what}{at}: {self.reason}", malformed=True)


def fields(document_fields: Any, what: str = "Firestore document") -> dict[str, Any]:
    """A document's ``fields`` as plain values; InvalidPayload names a malformed field."""
    try:
        return _map({"fields": document_fields})
    except _Malformed as exc:
        raise exc.invalid(what) from None


def plain(value: Any) -> Any:
    """One typed value as a plain value; InvalidPayload when it is malformed."""
    try:
        return _plain(value)
    except _Malformed as exc:
        raise exc.invalid("Firestore value") from None


def _plain(value: Any) -> Any:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise _Malformed(f"not a Firestore value (an object of exactly one type): {value!r}")
    ((tag, content),) = value.items()
    decode = _DECODERS.get(tag)
    if decode is None:
        raise _Malformed(f"unknown Firestore value type {tag!r}")
    return decode(content)


def _map(content: Any) -> dict[str, Any]:
    entries = _object(content).get("fields")
    if entries is None:  # the empty map, or a document with no fields
        return {}
    result: dict[str, Any] = {}
    for name, value in _object(entries).items():
        try:
            result[name] = _plain(value)
        except _Malformed as exc:
            raise exc.within(name) from None
    return result


def _array(content: Any) -> list[Any]:
    values = _object(content).get("values")
    if values is None:  # the empty array
        return []
    if not isinstance(values, list):
        raise _Malformed(f"expected a list of values, got {type(values).__name__}")
    result: list[Any] = []
    for index, value in enumerate(values):
        try:
            result.append(_plain(value))
        except _Malformed as exc:
            raise exc.within(index) from None
    return result


def _object(content: Any) -> Mapping[str, Any]:
    if not isinstance(content, Mapping):
        raise _Malformed(f"expected an object, got {type(content).__name__}")
    return content


def _text(content: Any) -> str:
    if not isinstance(content, str):
        raise _Malformed(f"expected a string, got {type(content).__name__}")
    return content


def _integer(content: Any) -> int:
    if isinstance(content, int) and not isinstance(content, bool):
        return content
    if isinstance(content, str) and _INTEGER.fullmatch(content):
        try:
            return int(content)
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
            pass
    raise _Malformed(f"not an integer: {content!r}")


def _double(content: Any) -> float:
    if isinstance(content, (int, float)) and not isinstance(content, bool):
        try:
            return float(content)
        except OverflowError:  # an integer beyond any double
            raise _Malformed("not a double: an integer too large") from None
    if isinstance(content, str):
        special = _SPECIAL_DOUBLES.get(content)
        if special is not None:
            return special
        if _NUMBER.fullmatch(content):  # proto3 JSON parsers accept numbers as strings
            return float(content)
    raise _Malformed(f"not a double: {content!r}")


def _boolean(content: Any) -> bool:
    if not isinstance(content, bool):
        raise _Malformed(f"expected a boolean, got {type(content).__name__}")
    return content


def _null(content: Any) -> None:
    if not (content is None or content == "NULL_VALUE" or (content == 0 and type(content) is int)):
        raise _Malformed(f"not a null value: {content!r}")


def _timestamp(content: Any) -> datetime | None:
    try:
        return to_datetime(_text(content))
    except ValueError:
        raise _Malformed(f"not an RFC 3339 timestamp: {content!r}") from None


def _bytes(content: Any) -> bytes:
    text = _text(content).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _Malformed(f"not base64: {content!r}") from None


def _geo_point(content: Any) -> dict[str, float]:
    point = _object(content)
    return {
        "latitude": _double(point.get("latitude", 0.0)),
        "longitude": _double(point.get("longitude", 0.0)),
    }


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "stringValue": _text,
    "integerValue": _integer,
    "doubleValue": _double,
    "booleanValue": _boolean,
    "nullValue": _null,
    "timestampValue": _timestamp,
    "bytesValue": _bytes,
    "referenceValue": _text,
    "geoPointValue": _geo_point,
    "mapValue": _map,
    "arrayValue": _array,
}
