"""Which functions a recognised delivery goes to, as the deployments of ``build`` would
route it on Google Cloud (``serve --provider gcp``'s ``POST /_portafunc/events``).

By the CloudEvent's type:

- ``google.cloud.pubsub.topic.v1.messagePublished``: the queue, topic, stream and
  schedule functions of the topic in the event's source
  (``//pubsub.googleapis.com/projects/P/topics/T``). A push body names no topic, only
  its subscription: the topic is the one the subscription is named after (``T`` or
  ``T-...``), else the app's only topic; it is then posted to ``/projects/_/topics/T``,
  from which functions-framework takes the topic as a push endpoint's path gives it;
- ``google.cloud.scheduler.job.v1.executed``: the schedule function of the job;
- Cloud Storage types: the storage functions of the bucket listening to that action;
- Firestore document types: the changes functions of the document's collection;
- and, for every type, the ``event`` functions declared for it.

No function: NoSuchFunction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, cast

from portafunc.errors import NoSuchFunction

from ..sources.firestore import TYPES as FIRESTORE_TYPES
from ..sources.pubsub import JOB_EXECUTED, MESSAGE_PUBLISHED
from ..sources.storage import ACTIONS as STORAGE_ACTIONS
from .plan import Plan, pubsub_topic

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from portafunc.app import App, Function
    from portafunc.triggers import StorageTrigger

    from .payloads import Delivery

__all__ = ["targets"]

_TOPIC = re.compile(r"//pubsub\.googleapis\.com/projects/[^/]+/topics/([^/]+)")
_JOB = re.compile(r"//cloudscheduler\.googleapis\.com/projects/[^/]+/locations/[^/]+/jobs/(.+)")
_BUCKET = re.compile(r"//storage\.googleapis\.com/projects/[^/]+/buckets/([^/]+)")

Found = tuple[list["Function"], str]


def targets(app: App, layout: Plan, delivery: Delivery) -> Found:
    """The functions ``delivery`` goes to, and the path to post it to."""
    event = delivery.event
    event_type = str(event["type"])
    found, path = _by_type(event_type)(app, layout, delivery)
    found += [
        f
        for f in app.functions.values()
        if f.trigger.kind == "event" and f.trigger.resource == event_type and f not in found
    ]
    if not found:
        raise NoSuchFunction(f"a {event_type} event from {event['source']}")
    return found, path


def _by_type(event_type: str) -> Callable[[App, Plan, Delivery], Found]:
    if event_type == MESSAGE_PUBLISHED:
        return _pubsub
    if event_type == JOB_EXECUTED:
        return _scheduler
    if event_type in STORAGE_ACTIONS:
        return _storage
    if event_type in FIRESTORE_TYPES:
        return _firestore
    return lambda app, layout, delivery: ([], "/")


def _pubsub(app: App, layout: Plan, delivery: Delivery) -> Found:
    match = _TOPIC.fullmatch(str(delivery.event["source"]))
    topic = match[1] if match else _push_topic(layout.topics, delivery.subscription)
    if topic is None:
        return [], "/"
    found = [f for f in app.functions.values() if pubsub_topic(f) == topic]
    return found, "/" if match or delivery.cloud_event else f"/projects/_/topics/{topic}"


def _push_topic(topics: tuple[str, ...], subscription: str | None) -> str | None:
    named = [t for t in topics if subscription == t or (subscription or "").startswith(f"{t}-")]
    if named:
        return max(named, key=len)
    return topics[0] if len(topics) == 1 else None


def _scheduler(app: App, layout: Plan, delivery: Delivery) -> Found:
    match = _JOB.fullmatch(str(delivery.event["source"]))
    job = match[1] if match else None
    return [s.function for s in layout.schedules if s.job == job], "/"


def _storage(app: App, layout: Plan, delivery: Delivery) -> Found:
    event = delivery.event
    action = STORAGE_ACTIONS[str(event["type"])]
    bucket = _bucket(event)
    found = []
    for function in app.functions.values():
        if function.trigger.kind == "storage":
            trigger = cast("StorageTrigger", function.trigger)
            if trigger.bucket == bucket and action in trigger.events:
                found.append(function)
    return found, "/"


def _bucket(event: CloudEvent) -> str | None:
    data = event.data
    if isinstance(data, Mapping) and isinstance(data.get("bucket"), str):
        return str(data["bucket"])
    match = _BUCKET.fullmatch(str(event["source"]))
    return match[1] if match else None


def _firestore(app: App, layout: Plan, delivery: Delivery) -> Found:
    event = delivery.event
    document = str(event.get("subject") or "").removeprefix("documents/")
    document = document or str(event.get("document") or "")
    segments = document.split("/")
    collection = segments[-2] if len(segments) >= 2 else None
    found = [
        f
        for f in app.functions.values()
        if f.trigger.kind == "changes" and f.trigger.resource == collection
    ]
    return found, "/"
