"""A YAML writer for generated templates: dicts, lists, strings, numbers, booleans, None.

Block style with two-space indents, keys in insertion order. A string is written
plain when YAML reads it back as the same string (letters, digits and ``_ . / $ : + -``,
not starting with a digit or ending in ``:``, and not a word YAML 1.1 reads as a
boolean or null); any other string is double-quoted, with every character outside
printable ASCII escaped (``\\uXXXX``/``\\UXXXXXXXX``), so the file is ASCII. Keys
are written as YAML's simple keys, which readers limit to 1024 characters: a longer
one is a ValueError (template keys are logical ids, at most 255 characters).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["dump"]

_PLAIN = re.compile(r"[A-Za-z_/$][A-Za-z0-9_./$:+-]*")
#: Plain words YAML 1.1 (PyYAML, cfn-lint, SAM CLI) reads as something other than a string.
_RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"})
_LONGEST_KEY = 1024
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def dump(data: Mapping[str, Any]) -> str:
    """``data`` as a YAML document."""
    if not data:
        return "{}\n"
    return "\n".join(_block(data, 0)) + "\n"


def _block(value: Mapping[str, Any] | Sequence[Any], indent: int) -> list[str]:
    """The lines of a non-empty mapping or list, at ``indent`` spaces."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            head = f"{pad}{_key(key)}:"
            if _nested(item):
                lines.append(head)
                lines.extend(_block(item, indent + 2))
            else:
                lines.append(f"{head} {_inline(item)}")
        return lines
    for item in value:
        if _nested(item):
            inner = _block(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        else:
            lines.append(f"{pad}- {_inline(item)}")
    return lines


def _nested(value: Any) -> bool:
    return isinstance(value, (Mapping, list, tuple)) and bool(value)


def _inline(value: Any) -> str:
    """A scalar, or an empty mapping or list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if not math.isfinite(value):
            return "-.inf" if value < 0 else ".inf"
        text = repr(value)  # YAML 1.1 reads a float only with a '.': 1e-05 is 1.0e-05
        return text if "." in text else text.replace("e", ".0e", 1)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    raise TypeError(f"cannot write a {type(value).__name__} as YAML")


def _key(key: object) -> str:
    text = _string(str(key))
    if len(text) > _LONGEST_KEY:
        raise ValueError(f"a key of {len(text)} characters: YAML readers take {_LONGEST_KEY}")
    return text


def _string(text: str) -> str:
    if _PLAIN.fullmatch(text) and not text.endswith(":") and text.lower() not in _RESERVED:
        return text
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
