"""DynamoDB's typed attribute values (``{"N": "1.5"}``) turned into plain Python values.

Follows the AttributeValue shape of the DynamoDB API reference, as DynamoDB Streams
and Kinesis Data Streams for DynamoDB deliver it to Lambda (binary values base64):

=========  ==========================================================
``S``      ``str``
``N``      ``int`` when integral, else ``decimal.Decimal`` (exact, never float)
``B``      ``bytes`` (base64-decoded)
``SS``     ``list[str]``, in the order delivered
``NS``     ``list`` of numbers as ``N``
``BS``     ``list[bytes]``
``M``      ``dict``
``L``      ``list``
``NULL``   ``None``
``BOOL``   ``bool``
=========  ==========================================================

Sets come out as lists: the wire order is kept (so results are deterministic) and
pydantic validates a list into a ``set[...]`` or ``frozenset[...]`` field when the
user's model asks for one. Malformed values raise ``ValueError`` or ``TypeError``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["item", "plain"]


def item(image: Mapping[str, Any]) -> dict[str, Any]:
    """A whole item (``Keys``, ``NewImage``, ``OldImage``, or an ``M`` value) as plain values."""
    try:
        attributes = image.items()
    except AttributeError:
        raise TypeError(f"a DynamoDB item must be an object, not {image!r}") from None
    return {name: plain(value) for name, value in attributes}


def plain(attribute: Mapping[str, Any]) -> Any:
    """One typed attribute value (``{"S": "x"}``) as a plain value."""
    try:
        ((tag, value),) = attribute.items()
    except (AttributeError, ValueError):  # not an object, or not of exactly one type
        raise ValueError(f"not a DynamoDB attribute value: {attribute!r}") from None
    decode = _DECODERS.get(tag)
    if decode is None:
        raise ValueError(f"unknown DynamoDB attribute type {tag!r}")
    return decode(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _number(value: Any) -> int | Decimal:
    text = _text(value)
    digits = text[1:] if text[:1] == "-" else text
    if digits.isdigit() and digits.isascii():
        return int(text)  # the common case; integers of any size stay exact
    try:
        number = Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValueError(f"not a DynamoDB number: {text!r}")
    return int(number) if number == number.to_integral_value() else number


def _binary(value: Any) -> bytes:
    return base64.b64decode(_text(value), validate=True)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _each(decode: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    def decode_all(values: Any) -> list[Any]:
        if not isinstance(values, list):
            raise TypeError(f"expected a list, got {type(values).__name__}")
        return [decode(value) for value in values]

    return decode_all


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "S": _text,
    "N": _number,
    "B": _binary,
    "SS": _each(_text),
    "NS": _each(_number),
    "BS": _each(_binary),
    "M": item,
    "L": _each(plain),
    "NULL": lambda value: None,
    "BOOL": _boolean,
}
