"""The queues, topics, streams, tables and buckets ``build`` declares for an app.

One resource per (trigger kind, name), shared by every function that consumes it;
none for a function whose ``aws={"arn": ...}`` names an existing one. Names are the
declared ones (so ``Message.source`` and the code that sends to ``orders`` agree),
except buckets, whose namespace is global: CloudFormation names them and the stack's
outputs say what it chose.

- Queues: a dead-letter queue each (``<name>-dlq``, kept 14 days), reached after
  ``maxReceiveCount`` = the largest ``max_attempts`` of its consumers (default 5); a
  visibility timeout of six times the longest consumer timeout, at least 30 s, as
  Lambda's SQS guide recommends.
- Streams: on-demand capacity. Tables: on-demand billing, a stream of new and old
  images, and a string partition key ``id`` (a number if the handler's ``ChangeEvent``
  model declares ``id: int``).
- Functions that fail without a queue's redelivery (asynchronous invocations, stream
  batches) get a ``<Function>Failures`` queue for their on-failure destination.
"""

from __future__ import annotations

import math
import typing
from typing import TYPE_CHECKING, Any

from portafunc.events import ChangeEvent

from ..options import options_of
from .naming import dead_letter_name, fifo_queue_name, is_fifo, resource_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from portafunc.app import App, Function

__all__ = [
    "DEFAULT_ATTEMPTS",
    "LAMBDA_TIMEOUT",
    "consumed",
    "failures_queue",
    "key_type",
    "resources",
    "source_of",
]

#: Attempts before a message is dead-lettered or a batch given up, when not declared.
DEFAULT_ATTEMPTS = 5
#: Lambda's default function timeout (s).
LAMBDA_TIMEOUT = 3
_RETENTION = 14 * 24 * 3600  # SQS's longest
_VISIBILITY_MAX = 12 * 3600
Resource = dict[str, Any]
#: Kinds whose resource build creates when no ARN is given.
_CREATED = ("queue", "topic", "stream", "changes", "storage")
#: Python annotations of a model's ``id`` → DynamoDB attribute type.
_KEY_TYPES: dict[Any, str] = {int: "N", float: "N", bytes: "B"}


def consumed(functions: Iterable[Function]) -> dict[tuple[str, str], list[Function]]:
    """The functions consuming each resource build creates, by (kind, name)."""
    found: dict[tuple[str, str], list[Function]] = {}
    for function in functions:
        kind = function.trigger.kind
        if kind in _CREATED and not options_of(function).get("arn"):
            found.setdefault((kind, function.trigger.resource), []).append(function)
    return found


def resources(app: App) -> dict[str, Resource]:
    """Every resource build creates for ``app``, by logical id."""
    out: dict[str, Resource] = {}
    for (kind, name), functions in consumed(app.functions.values()).items():
        out.update(_BUILDERS[kind](resource_id(kind, name), name, functions))
    return out


def source_of(function: Function) -> Any:
    """What an event of ``function`` names as its source: the ARN given, or the resource."""
    arn = options_of(function).get("arn")
    if arn:
        return arn
    kind = function.trigger.kind
    logical_id = resource_id(kind, function.trigger.resource)
    if kind in ("topic", "storage"):
        return {"Ref": logical_id}
    return {"Fn::GetAtt": [logical_id, "StreamArn" if kind == "changes" else "Arn"]}


def failures_queue() -> Resource:
    """An on-failure destination: a queue keeping what failed for 14 days."""
    return {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": _RETENTION}}


def key_type(function: Function) -> str:
    """The DynamoDB type of the ``id`` key, from the handler's ``ChangeEvent[Model]``."""
    try:
        hints = typing.get_type_hints(function.handler)
    except Exception:  # unresolvable annotations: the binding coped, so can the default
        return "S"
    for hint in hints.values():
        if typing.get_origin(hint) is ChangeEvent:
            fields = getattr(typing.get_args(hint)[0], "model_fields", {})
            if "id" in fields:
                return _KEY_TYPES.get(fields["id"].annotation, "S")
    return "S"


# -- one builder per kind --------------------------------------------------------------


def _queue(logical_id: str, name: str, functions: list[Function]) -> dict[str, Resource]:
    fifo = any(is_fifo(function) for function in functions)
    queue_name = fifo_queue_name(name) if fifo else name
    flags = {"FifoQueue": True} if fifo else {}
    longest = max(function.settings.timeout or LAMBDA_TIMEOUT for function in functions)
    attempts = max(function.settings.max_attempts or DEFAULT_ATTEMPTS for function in functions)
    dead_letters = f"{logical_id}DLQ"
    queue = {
        "QueueName": queue_name,
        **flags,
        "VisibilityTimeout": min(_VISIBILITY_MAX, max(30, math.ceil(6 * longest))),
        "RedrivePolicy": {
            "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]},
            "maxReceiveCount": attempts,
        },
    }
    dlq = {"QueueName": dead_letter_name(queue_name), **flags, "MessageRetentionPeriod": _RETENTION}
    return {
        logical_id: {"Type": "AWS::SQS::Queue", "Properties": queue},
        dead_letters: {"Type": "AWS::SQS::Queue", "Properties": dlq},
    }


def _topic(logical_id: str, name: str, functions: list[Function]) -> dict[str, Resource]:
    return {logical_id: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}}


def _stream(logical_id: str, name: str, functions: list[Function]) -> dict[str, Resource]:
    properties = {"Name": name, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}}
    return {logical_id: {"Type": "AWS::Kinesis::Stream", "Properties": properties}}


def _table(logical_id: str, name: str, functions: list[Function]) -> dict[str, Resource]:
    properties = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": key_type(functions[0])}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
    return {logical_id: {"Type": "AWS::DynamoDB::Table", "Properties": properties}}


def _bucket(logical_id: str, name: str, functions: list[Function]) -> dict[str, Resource]:
    return {logical_id: {"Type": "AWS::S3::Bucket"}}


_BUILDERS: dict[str, Callable[[str, str, list[Function]], dict[str, Resource]]] = {
    "queue": _queue,
    "topic": _topic,
    "stream": _stream,
    "changes": _table,
    "storage": _bucket,
}
