"""``aws={...}``: the typed per-function options of the AWS adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from typing_extensions import TypedDict

from portafunc.options import checked

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


def validate(function: Function) -> AWSOptions:
    """The function's ``aws=`` options, checked; DeclarationError for unknown keys."""
    return cast("AWSOptions", checked(function, "aws", AWSOptions))


def options_of(function: Function) -> AWSOptions:
    return cast("AWSOptions", function.options.get("aws", {}))
