"""Checking the per-provider options (``aws=``, ``azure=``, ``gcp=``) of a function.

The core stores those mappings untouched; each adapter describes its keys as a
TypedDict and checks a function's options against it with :func:`checked` when its
entry point is built, so a typo fails at import time with the function's location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin, get_type_hints

from .errors import DeclarationError

if TYPE_CHECKING:
    from .app import Function

__all__ = ["checked"]


def checked(function: Function, provider: str, schema: type) -> dict[str, Any]:
    """``function``'s ``<provider>=`` options, each key known to ``schema`` (a TypedDict)
    and each value of its type; DeclarationError naming the function otherwise."""
    given: Mapping[str, Any] = function.options.get(provider, {})
    hints = get_type_hints(schema)
    unknown = sorted(set(given) - set(hints))
    if unknown:
        noun = "option" if len(unknown) == 1 else "options"
        names = ", ".join(map(repr, unknown))
        raise DeclarationError(
            f"unknown {provider}= {noun} {names}; known: {', '.join(sorted(hints))}",
            where=function.where,
        )
    for key, value in given.items():
        if not _matches(value, hints[key]):
            raise DeclarationError(
                f"{provider}={{{key!r}: {value!r}}} must be {_shown(hints[key])}",
                where=function.where,
            )
    return dict(given)


def _matches(value: Any, expected: Any) -> bool:
    origin = get_origin(expected)
    if origin is Literal:
        return value in get_args(expected)
    if origin is list:
        (item,) = get_args(expected)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _shown(expected: Any) -> str:
    if get_origin(expected) is Literal:
        return " | ".join(map(repr, get_args(expected)))
    if get_origin(expected) is list:
        return f"a list of {_shown(get_args(expected)[0])}"
    return str(expected.__name__)
