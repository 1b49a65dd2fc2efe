"""The SAM events of each trigger kind, and what a function needs besides them.

One builder per kind returns a :class:`Wiring`: the function's ``Events``, properties
to add to it, and resources of its own. Message sources report partial batch
failures (``ReportBatchItemFailures``). Functions Lambda invokes asynchronously
(SNS, S3, EventBridge rules, Scheduler) and stream consumers get an on-failure
queue (``<Function>Failures``): asynchronous invocations are retried twice, stream
batches ``max_attempts - 1`` times (default 4), then recorded there, never dropped.

S3 events go through the bucket's notifications when build creates the bucket; an
existing bucket (``aws={"arn": ...}``) cannot be configured from another stack, so
its events come through an EventBridge rule (the bucket must send them to
EventBridge). An existing schedule rule or event rule (``aws={"arn": ...}``) gets no
event here: the user adds the function as its target.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from portafunc.asgi import mount_of
from portafunc.triggers import ACTIONS, HTTPTrigger, ScheduleTrigger, StorageTrigger

from ..invocation import name_from_arn
from ..options import options_of
from ..sources.s3 import EVENTBRIDGE_ACTIONS
from .resources import DEFAULT_ATTEMPTS, failures_queue, source_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from portafunc.app import Function

__all__ = [
    "ASYNC_KINDS",
    "S3_DETAIL_TYPES",
    "S3_EVENTS",
    "SCHEDULE_TIME",
    "Wiring",
    "http_events",
    "reads_kafka",
    "wiring",
]

#: Kinds Lambda invokes asynchronously (retried twice, then the on-failure destination).
ASYNC_KINDS = frozenset({"topic", "storage", "schedule", "event"})
#: The EventBridge Scheduler placeholder of a schedule's time, filled in per run.
SCHEDULE_TIME = "<aws.scheduler.scheduled-time>"
_PARTIAL = ["ReportBatchItemFailures"]
_KAFKA = "arn:aws:kafka:"
_ASYNC_RETRIES = 2
#: portafunc action → the S3 notification event types it covers (those the adapter's
#: ``sources.s3.ACTIONS`` reads as that action; a test checks they agree).
S3_EVENTS: dict[str, list[str]] = {
    "created": ["s3:ObjectCreated:*"],
    "deleted": ["s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"],
    "archived": ["s3:LifecycleTransition", "s3:IntelligentTiering"],
    "restored": ["s3:ObjectRestore:Completed"],
    "metadata_updated": ["s3:ObjectTagging:*", "s3:ObjectAcl:Put"],
}
#: portafunc action → the EventBridge detail-types of S3 it covers.
S3_DETAIL_TYPES: dict[str, list[str]] = {
    action: [name for name, mapped in EVENTBRIDGE_ACTIONS.items() if mapped == action]
    for action in ACTIONS
}


@dataclass(frozen=True)
class Wiring:
    """What one function's trigger adds to the template."""

    events: dict[str, Any]
    properties: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)


def wiring(function: Function, function_id: str) -> Wiring:
    """The events (and on-failure queue) of a non-HTTP function."""
    kind = function.trigger.kind
    events = _EVENTS[kind](function, function_id)
    if kind in ASYNC_KINDS:
        config = {"MaximumRetryAttempts": _retries(function), **_destination(function_id)}
        return Wiring(events, {"EventInvokeConfig": config}, _failures(function_id))
    if kind == "changes" or (kind == "stream" and not reads_kafka(function)):
        return Wiring(events, {}, _failures(function_id))
    return Wiring(events)


def reads_kafka(function: Function) -> bool:
    """Whether a stream function consumes a Kafka topic of an MSK cluster (its ``arn``)."""
    return str(options_of(function).get("arn", "")).startswith(_KAFKA)


def http_events(function: Function) -> dict[str, Any]:
    """One ``HttpApi`` event per method of an HTTP function deployed on its own; a mount
    (``App.mount``) also gets ``ANY`` on its prefix, which ``{path+}`` does not match."""
    methods = cast("HTTPTrigger", function.trigger).methods
    if "GET" in methods and "HEAD" not in methods:
        methods = (*methods, "HEAD")  # portafunc answers HEAD wherever GET is declared
    path = re.sub(r"\{(\w+):path\}", r"{\1+}", function.trigger.resource)
    events = {
        f"Http{method.title()}": {"Type": "HttpApi", "Properties": {"Path": path, "Method": method}}
        for method in methods
    }
    mount = mount_of(function)
    if mount is not None:
        prefix = {"Path": mount.prefix, "Method": "ANY"}
        events["HttpPrefix"] = {"Type": "HttpApi", "Properties": prefix}
    return events


# -- one builder per kind --------------------------------------------------------------


def _batch(function: Function) -> dict[str, Any]:
    size = function.settings.batch_size
    return {} if size is None else {"BatchSize": size}


def _queue(function: Function, function_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"Queue": source_of(function), **_batch(function)}
    if (function.settings.batch_size or 0) > 10:
        properties["MaximumBatchingWindowInSeconds"] = 1  # required above 10 messages
    properties["FunctionResponseTypes"] = _PARTIAL
    return {"SQS": {"Type": "SQS", "Properties": properties}}


def _topic(function: Function, function_id: str) -> dict[str, Any]:
    return {"SNS": {"Type": "SNS", "Properties": {"Topic": source_of(function)}}}


def _stream(function: Function, function_id: str) -> dict[str, Any]:
    if reads_kafka(function):
        topics = {"Stream": source_of(function), "Topics": [function.trigger.resource]}
        properties = {**topics, "StartingPosition": "LATEST", **_batch(function)}
        return {"MSK": {"Type": "MSK", "Properties": properties}}
    return {"Kinesis": {"Type": "Kinesis", "Properties": _ordered(function, function_id)}}


def _changes(function: Function, function_id: str) -> dict[str, Any]:
    return {"DynamoDB": {"Type": "DynamoDB", "Properties": _ordered(function, function_id)}}


def _ordered(function: Function, function_id: str) -> dict[str, Any]:
    """A Kinesis or DynamoDB stream's properties: retries, then the on-failure queue."""
    attempts = function.settings.max_attempts or DEFAULT_ATTEMPTS
    return {
        "Stream": source_of(function),
        "StartingPosition": "LATEST",
        **_batch(function),
        "FunctionResponseTypes": _PARTIAL,
        "MaximumRetryAttempts": attempts - 1,
        **_destination(function_id),
    }


def _storage(function: Function, function_id: str) -> dict[str, Any]:
    trigger = cast("StorageTrigger", function.trigger)
    arn = options_of(function).get("arn")
    if arn:
        pattern = {"source": ["aws.s3"], "detail-type": _each(S3_DETAIL_TYPES, trigger.events)}
        detail: dict[str, Any] = {"bucket": {"name": [name_from_arn(arn)]}}
        key = _key_pattern(trigger.prefix, trigger.suffix)
        if key is not None:
            detail["object"] = {"key": [key]}
        rule = {"Pattern": {**pattern, "detail": detail}}
        return {"S3Rule": {"Type": "EventBridgeRule", "Properties": rule}}
    events = _each(S3_EVENTS, trigger.events)
    properties: dict[str, Any] = {"Bucket": source_of(function), "Events": events}
    rules = [
        {"Name": name, "Value": value}
        for name, value in (("prefix", trigger.prefix), ("suffix", trigger.suffix))
        if value
    ]
    if rules:
        properties["Filter"] = {"S3Key": {"Rules": rules}}
    return {"S3": {"Type": "S3", "Properties": properties}}


def _schedule(function: Function, function_id: str) -> dict[str, Any]:
    if options_of(function).get("arn"):
        return {}
    trigger = cast("ScheduleTrigger", function.trigger)
    marker = {"portafunc": {"schedule": function.name, "time": SCHEDULE_TIME}}
    properties = {
        "ScheduleExpression": trigger.cron.aws(),
        "ScheduleExpressionTimezone": "UTC",
        "Input": json.dumps(marker, separators=(",", ":")),
    }
    return {"Schedule": {"Type": "ScheduleV2", "Properties": properties}}


def _event(function: Function, function_id: str) -> dict[str, Any]:
    if options_of(function).get("arn"):
        return {}
    pattern = {"detail-type": [function.trigger.resource]}
    return {"EventBridge": {"Type": "EventBridgeRule", "Properties": {"Pattern": pattern}}}


_EVENTS: dict[str, Callable[[Function, str], dict[str, Any]]] = {
    "queue": _queue,
    "topic": _topic,
    "stream": _stream,
    "changes": _changes,
    "storage": _storage,
    "schedule": _schedule,
    "event": _event,
}


# -- helpers -----------------------------------------------------------------------------


def _each(table: dict[str, list[str]], actions: tuple[str, ...]) -> list[str]:
    return [name for action in actions for name in table[action]]


def _key_pattern(prefix: str | None, suffix: str | None) -> dict[str, str] | None:
    """An EventBridge pattern on the object key (both: a wildcard, ``*`` escaped)."""
    if prefix and suffix:
        return {"wildcard": f"{_wild(prefix)}*{_wild(suffix)}"}
    if prefix:
        return {"prefix": prefix}
    return {"suffix": suffix} if suffix else None


def _wild(text: str) -> str:
    """``text`` matched literally in an EventBridge wildcard pattern."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def _failures(function_id: str) -> dict[str, Any]:
    return {f"{function_id}Failures": failures_queue()}


def _retries(function: Function) -> int:
    """How often Lambda retries an asynchronous invocation: 2 (its most), fewer if
    ``max_attempts`` (SNS) says so."""
    attempts = function.settings.max_attempts
    return _ASYNC_RETRIES if attempts is None else min(_ASYNC_RETRIES, attempts - 1)


def _destination(function_id: str) -> dict[str, Any]:
    return {"DestinationConfig": _on_failure(function_id)}


def _on_failure(function_id: str) -> dict[str, Any]:
    destination = {"Fn::GetAtt": [f"{function_id}Failures", "Arn"]}
    return {"OnFailure": {"Type": "SQS", "Destination": destination}}
