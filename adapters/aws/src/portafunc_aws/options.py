"""``aws={...}``: the typed per-function options of the AWS adapter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast, get_type_hints

from typing_extensions import TypedDict

from portafunc.errors import DeclarationError

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["AWSOptions", "options_of", "validate"]


class AWSOptions(TypedDict, total=False):
    """Options read from ``aws=`` on any decorator.

    ``arn``: the ARN of the queue, topic, stream, table, bucket or rule the function
    consumes, for routing events of resources whose name differs from the declared one.
    ``fifo``: the SQS queue is FIFO (also inferred from a ``.fifo`` queue name).
    """

    arn: str
    fifo: bool
    reserved_concurrency: int
    architecture: str
    layers: list[str]


_KEYS = frozenset(AWSOptions.__annotations__)


def validate(function: Function) -> AWSOptions:
    """The function's ``aws=`` options, checked; DeclarationError for unknown keys."""
    given: Mapping[str, Any] = function.options.get("aws", {})
    unknown = sorted(set(given) - _KEYS)
    if unknown:
        raise DeclarationError(
            f"unknown aws= option(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}",
            where=function.where,
        )
    hints = get_type_hints(AWSOptions)
    for key, value in given.items():
        expected = getattr(hints[key], "__origin__", hints[key])
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise DeclarationError(
                f"aws={{{key!r}: ...}} must be {expected.__name__}, got {value!r}",
                where=function.where,
            )
    return cast("AWSOptions", dict(given))


def options_of(function: Function) -> AWSOptions:
    return cast("AWSOptions", function.options.get("aws", {}))
