"""EventBridge → event, schedule and storage functions.

Payload shapes followed: the EventBridge event envelope
(https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html):
``version`` "0", ``id``, ``detail-type``, ``source``, ``time``, ``resources``, ``detail``
(``version`` is optional here: documentation examples omit it); the scheduled events
of rules (``"detail-type": "Scheduled Event"``, ``"source": "aws.events"``, the rule ARN
in ``resources[0]``); S3 object events (``"source": "aws.s3"``, see s3.py); and the input
marker ``{"portafunc": {"schedule": NAME, "time": TIME?}}`` that ``portafunc build``
gives EventBridge Scheduler targets (``time`` optional, e.g. Scheduler's
``<aws.scheduler.scheduled-time>``; the invocation's time when absent).

What each delivers:

- the input marker: a ScheduleEvent for the function NAME;
- a rule's Scheduled Event: a ScheduleEvent (``schedule`` = the function's name, ``time``
  = the event's, ``past_due`` False) for the schedule function whose rule it is: the
  rule given as ``aws={"arn": RULE_ARN}``, else the function named like the rule, else
  the function whose name ends the rule name after a ``-`` (``shop-nightly`` → ``nightly``;
  the longest such name wins). With no such function it is an ordinary event;
- an S3 object event for a bucket a storage function is declared for: a StorageEvent
  (events with no action, e.g. ``Object Restore Initiated``, acknowledged);
- any other event: an ``Event`` (``id``, ``source``, ``type`` = detail-type, ``subject``
  = ``resources[0]`` if any, ``time``, ``data`` = ``detail`` as decoded JSON, ``raw`` = the
  event) for EVERY event function declared for its type; none: NoSuchFunction.

A pinned function's kind decides: schedule → a tick for it (any event), event → an
Event, storage → the S3 event (anything else is refused). EventBridge invokes Lambda
asynchronously: every function is run, then the first failure is raised so Lambda
retries the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from portafunc.errors import NoSuchFunction, UnsupportedEvent
from portafunc.events import Event, ScheduleEvent

from ..invocation import Functions, context_for
from . import s3
from ._base import optional_text, text
from .s3 import Work

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["EventBridge"]

_SCHEDULED = ("Scheduled Event", "aws.events")
_MARKER = "portafunc"


class EventBridge:
    """EventBridge events, rule schedules, and Scheduler invocations with the input marker."""

    name: ClassVar[str] = "eventbridge"

    def matches(self, event: Mapping[str, Any]) -> bool:
        if "detail-type" in event:
            return "source" in event and "detail" in event and event.get("version", "0") == "0"
        return event.keys() == {_MARKER}

    def invoke(self, functions: Functions, event: Mapping[str, Any], lambda_context: Any) -> None:
        ctx = context_for(lambda_context)
        s3.deliver_each(functions.app, ctx, self.name, [event], lambda e: _works(functions, e))


def _works(functions: Functions, event: Mapping[str, Any]) -> list[Work]:
    if event.keys() == {_MARKER}:
        return _marker(functions, event[_MARKER], event)
    pinned = functions.pinned
    if pinned is not None:
        return _pinned(functions, pinned, event)
    detail_type, source = text(event["detail-type"]), text(event["source"])
    if (detail_type, source) == _SCHEDULED:
        function = _schedule_function(functions, _rule(event))
        if function is not None:
            return [(function, _tick(function, event.get("time"), event))]
    elif source == "aws.s3" and detail_type in s3.EVENTBRIDGE_ACTIONS:
        storage = s3.eventbridge_works(functions, event)
        if storage is not None:
            return storage
    return _events(functions, event)


def _marker(functions: Functions, marker: Any, event: Mapping[str, Any]) -> list[Work]:
    name = text(marker["schedule"])
    time = optional_text(marker.get("time")) or datetime.now(timezone.utc)
    function = functions.pinned or functions.app.functions.get(name)
    if function is None or function.trigger.kind != "schedule":
        raise NoSuchFunction(f"schedule {name!r} (schedule functions)")
    return [(function, _tick(function, time, event))]


def _pinned(functions: Functions, pinned: Function, event: Mapping[str, Any]) -> list[Work]:
    kind = pinned.trigger.kind
    if kind == "schedule":
        return [(pinned, _tick(pinned, event.get("time"), event))]
    if kind == "event":
        return [(pinned, _event(event))]
    if kind == "storage":
        detail_type, source = text(event["detail-type"]), text(event["source"])
        if source == "aws.s3" and detail_type in s3.EVENTBRIDGE_ACTIONS:
            return s3.eventbridge_works(functions, event) or []
        raise UnsupportedEvent("aws", f"an EventBridge {detail_type!r} event for {pinned.name!r}")
    raise NoSuchFunction(f"EventBridge events: the pinned function {pinned.name!r} is a {kind}")


def _events(functions: Functions, event: Mapping[str, Any]) -> list[Work]:
    detail_type = text(event["detail-type"])
    found = functions.all_of("event", detail_type)
    if not found:
        what = f"EventBridge event type {detail_type!r} (event functions)"
        if (detail_type, event.get("source")) == _SCHEDULED:
            what = f"EventBridge rule {_rule(event)!r} (schedule functions) nor {what}"
        raise NoSuchFunction(what)
    # One envelope per function: binding stores each function's validated data on it.
    return [(function, _event(event)) for function in found]


def _event(event: Mapping[str, Any]) -> Event[Any]:
    resources = event.get("resources")
    if resources is not None and not isinstance(resources, list):
        raise TypeError("resources is not a list")
    return Event(
        id=text(event["id"]),
        source=text(event["source"]),
        type=text(event["detail-type"]),
        data=event["detail"],
        subject=optional_text(resources[0]) if resources else None,
        time=optional_text(event.get("time")),
        provider="aws",
        raw=event,
    )


def _tick(function: Function, time: Any, event: Mapping[str, Any]) -> ScheduleEvent:
    if not isinstance(time, datetime):
        time = optional_text(time)
    return ScheduleEvent(schedule=function.name, time=time, provider="aws", raw=event)


def _rule(event: Mapping[str, Any]) -> str:
    """The rule ARN of a scheduled event (``arn:aws:events:…:rule/NAME``)."""
    return text(event["resources"][0])


def _schedule_function(functions: Functions, rule_arn: str) -> Function | None:
    """The schedule function of a rule: by ``aws={"arn": ...}``, then by the rule's name."""
    found = functions.find(("schedule",), rule_arn)
    if found is not None:
        return found
    declared = functions.app.functions
    rule = rule_arn.rpartition("/")[2]
    candidates = [rule] + [rule[i + 1 :] for i, char in enumerate(rule) if char == "-"]
    for name in candidates:
        function = declared.get(name)
        if function is not None and function.trigger.kind == "schedule":
            return function
    return None
