"""S3 notifications, EventBridge events, schedules and Scheduler invocations.

Shapes: S3's "Event message structure" (keys URL-encoded as form values, ``/`` kept)
and "EventBridge event message structure" (keys as they are), EventBridge's "Events"
envelope and its scheduled-event example. A Scheduler invocation is the input
``portafunc build`` gives each schedule: ``{"portafunc": {"schedule": name}}``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus

from pydantic_core import to_jsonable_python

from ._common import ACCOUNT, REGION, Event, arn, iso, next_sequence, now, token

__all__ = [
    "eventbridge_event",
    "s3_event",
    "s3_eventbridge_event",
    "scheduled_event",
    "scheduler_invocation",
]

#: portafunc action → (S3 notification ``eventName``, EventBridge ``detail-type``).
S3_ACTIONS = {
    "created": ("ObjectCreated:Put", "Object Created"),
    "deleted": ("ObjectRemoved:Delete", "Object Deleted"),
    "archived": ("LifecycleTransition", "Object Storage Class Changed"),
    "restored": ("ObjectRestore:Completed", "Object Restore Completed"),
    "metadata_updated": ("ObjectTagging:Put", "Object Tags Added"),
}
#: What an S3 notification record adds for some actions.
_RECORD_EXTRAS: dict[str, Callable[[], Event]] = {
    "archived": lambda: {
        "lifecycleEventData": {"transitionEventData": {"destinationStorageClass": "GLACIER"}}
    },
    "restored": lambda: {
        "restoreEventData": {
            "lifecycleRestorationExpiryTime": iso(now() + timedelta(days=7)),
            "lifecycleRestoreStorageClass": "GLACIER",
        }
    },
}
#: What EventBridge's ``detail`` adds for each action.
_EVENTBRIDGE_DETAIL: dict[str, Event] = {
    "created": {"reason": "PutObject"},
    "deleted": {"reason": "DeleteObject", "deletion-type": "Permanently Deleted"},
    "archived": {"destination-storage-class": "GLACIER"},
    "restored": {"source-storage-class": "GLACIER"},
    "metadata_updated": {},
}
_EMPTY_MD5 = hashlib.md5(b"").hexdigest()


def _object(key: str, action: str, size: int, etag: str | None) -> Event:
    """An S3 object as a notification describes it (a deleted one has no size or ETag)."""
    sequencer = f"{next_sequence():018X}"[-18:]
    if action == "deleted":
        return {"key": key, "sequencer": sequencer}
    return {"key": key, "size": size, "eTag": etag or _EMPTY_MD5, "sequencer": sequencer}


def s3_event(
    bucket: str, key: str, *, action: str = "created", size: int = 0, etag: str | None = None
) -> Event:
    """An S3 event notification of one object.

    ``action`` is a portafunc action (``"created"``, ``"deleted"``, ``"archived"``,
    ``"restored"``, ``"metadata_updated"``) or an S3 event name such as
    ``"ObjectCreated:Copy"``. The key is URL-encoded as S3 writes it (``a b.txt`` →
    ``a+b.txt``). ``etag`` defaults to the MD5 of an empty object.
    """
    name = S3_ACTIONS[action][0] if action in S3_ACTIONS else action
    removed = name.startswith("ObjectRemoved")
    obj = _object(quote_plus(key, safe="/"), "deleted" if removed else action, size, etag)
    s3 = {"s3SchemaVersion": "1.0", "configurationId": "portafunc", "object": obj}
    s3["bucket"] = {
        "name": bucket,
        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
        "arn": f"arn:aws:s3:::{bucket}",
    }
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": iso(now()),
        "eventName": name,
        "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
        "requestParameters": {"sourceIPAddress": "203.0.113.10"},
        "responseElements": {
            "x-amz-request-id": secrets.token_hex(8).upper(),
            "x-amz-id-2": token(56),
        },
        "s3": s3,
    }
    extras = _RECORD_EXTRAS.get(action)
    return {"Records": [record | extras() if extras else record]}


def _envelope(detail_type: str, source: str, detail: Any, resources: Sequence[str]) -> Event:
    """The EventBridge envelope every event arrives in."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": iso(now(), ms=False),
        "region": REGION,
        "resources": list(resources),
        "detail": to_jsonable_python(detail),
    }


def eventbridge_event(
    detail_type: str, detail: Any, *, source: str = "com.example", resources: Sequence[str] = ()
) -> Event:
    """A custom EventBridge event (``detail`` any JSON-able value, pydantic models too)."""
    return _envelope(detail_type, source, detail, resources)


def s3_eventbridge_event(
    bucket: str, key: str, *, action: str = "created", size: int = 0, etag: str | None = None
) -> Event:
    """An S3 event delivered by EventBridge (the bucket has EventBridge notifications
    on); ``action`` is a portafunc action. The key is not URL-encoded here."""
    obj = _object(key, action, size, etag)
    if "eTag" in obj:
        obj["etag"] = obj.pop("eTag")
    detail: Event = {"version": "0", "bucket": {"name": bucket}, "object": obj}
    detail |= {"request-id": secrets.token_hex(8).upper(), "requester": ACCOUNT}
    detail |= {"source-ip-address": "203.0.113.10", **_EVENTBRIDGE_DETAIL[action]}
    return _envelope(S3_ACTIONS[action][1], "aws.s3", detail, [f"arn:aws:s3:::{bucket}"])


def scheduled_event(rule_name: str) -> Event:
    """The event an EventBridge schedule rule named ``rule_name`` sends."""
    rule = arn("events", f"rule/{rule_name}")
    return _envelope("Scheduled Event", "aws.events", {}, [rule])


def scheduler_invocation(function_name: str, *, time: datetime | None = None) -> Event:
    """What an EventBridge Scheduler schedule made by ``portafunc build`` sends: its
    input, naming the portafunc function the schedule belongs to (and, with ``time``,
    the scheduled time Scheduler fills in)."""
    marker = {"schedule": function_name}
    if time is not None:
        marker["time"] = iso(time.astimezone(timezone.utc), ms=False)
    return {"portafunc": marker}
