"""S3 event notifications → storage functions, and the readers the messaging sources share.

Payload shapes followed: the notification record of the S3 user guide's "Event message
structure" (``Records[].eventSource == "aws:s3"``), delivered directly, as an SQS body or
as an SNS ``Message`` (sqs.py and sns.py call :func:`notification` and :func:`works`); the
``s3:TestEvent`` message S3 sends when a notification is configured (acknowledged, no
handler); and S3 events through EventBridge ("EventBridge event message structure"),
read by :func:`eventbridge_works` for eventbridge.py.

Keys are URL-decoded with ``+`` as a space (``unquote_plus``), as S3 documents it encodes
them; ``urlDecodedKey`` (an aws-lambda-go field S3 never sends) is ignored. EventBridge
keys are decoded the same way, as Powertools does. S3 sends no content type: None.

Event names map onto actions through :data:`ACTIONS`; names with none (``ObjectRestore:
Post``/``:Delete``, ``Replication:*``, ``ReducedRedundancyLostObject``) are acknowledged
without calling the handler, like undeclared actions (``StorageTrigger.accepts`` skips
those). Routing comes first: a bucket no function is declared for raises NoSuchFunction
whatever the action. ``StorageEvent.raw`` is the S3 record (for EventBridge, the event).
Direct S3 invocations are asynchronous: every record is attempted, then the first failure
is raised so Lambda retries the event (then its on-failure destination).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote_plus

from portafunc import pipeline
from portafunc.errors import NoSuchFunction
from portafunc.events import StorageEvent

from ..invocation import Functions, context_for
from ._base import optional_text, text, translating

if TYPE_CHECKING:
    from portafunc.app import App, Function
    from portafunc.context import Context
    from portafunc.events import Action

__all__ = [
    "ACTIONS",
    "EVENTBRIDGE_ACTIONS",
    "S3",
    "Work",
    "deliver_each",
    "eventbridge_works",
    "first_record",
    "json_object",
    "notification",
    "works",
]

#: One delivery: the function and the envelope it receives.
Work = tuple["Function", Any]

_logger = logging.getLogger("portafunc.aws")
_EMPTY: Mapping[str, Any] = MappingProxyType({})

#: S3 event names (without the optional ``s3:`` prefix) → action; the full name is looked
#: up first, then its category (the part before the first ``:``).
ACTIONS: Mapping[str, Action] = MappingProxyType(
    {
        "ObjectCreated": "created",
        "ObjectRemoved": "deleted",
        "LifecycleExpiration": "deleted",
        "LifecycleTransition": "archived",
        "IntelligentTiering": "archived",
        "ObjectRestore:Completed": "restored",
        "ObjectTagging": "metadata_updated",
        "ObjectAcl": "metadata_updated",
    }
)

#: EventBridge detail-types of S3 object events → action (None: acknowledged).
EVENTBRIDGE_ACTIONS: Mapping[str, Action | None] = MappingProxyType(
    {
        "Object Created": "created",
        "Object Deleted": "deleted",
        "Object Restore Completed": "restored",
        "Object Restore Initiated": None,
        "Object Restore Expired": None,
        "Object Storage Class Changed": "archived",
        "Object Access Tier Changed": "archived",
        "Object Tags Added": "metadata_updated",
        "Object Tags Deleted": "metadata_updated",
        "Object ACL Updated": "metadata_updated",
    }
)


# -- small readers shared by the messaging sources ----------------------------------------


def first_record(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """``event["Records"][0]`` when it is a mapping, else an empty mapping (for ``matches``)."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        return records[0]
    return _EMPTY


def json_object(body: str) -> Mapping[str, Any] | None:
    """The JSON object ``body`` holds, or None when it holds anything else (JSON nested
    too deep to decode included: no notification is)."""
    if not body.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, Mapping) else None


def deliver_each(
    app: App,
    ctx: Context,
    source: str,
    items: Iterable[Any],
    resolve: Callable[[Any], Sequence[Work]],
) -> None:
    """Resolve and deliver every item; then raise the first failure, if any.

    For asynchronous invocations (S3, SNS, EventBridge) and for the several S3 records of
    one SQS message: nothing is skipped because an earlier item failed.
    """
    failure: Exception | None = None
    for item in items:
        try:
            with translating(source):
                found = resolve(item)
        except Exception as exc:
            _logger.error("a %s record cannot be delivered: %s", source, exc)
            failure = failure or exc
            continue
        for function, envelope in found:
            try:
                pipeline.deliver(app, function, envelope, ctx)
            except Exception as exc:  # the pipeline has logged it
                failure = failure or exc
    if failure is not None:
        raise failure


# -- S3 notifications ---------------------------------------------------------------------


def notification(value: Mapping[str, Any] | None) -> Sequence[Any] | None:
    """The S3 records of a decoded notification; ``()`` for a test event; None if not S3."""
    if value is None:
        return None
    if value.get("Event") == "s3:TestEvent":
        return ()
    if first_record(value).get("eventSource") == "aws:s3":
        records: Sequence[Any] = value["Records"]
        return records
    return None


def action_of(event_name: str) -> Action | None:
    """The portafunc action of an S3 event name (``ObjectCreated:Put``, ``s3:Lifecycle…``)."""
    name = event_name[3:] if event_name.startswith("s3:") else event_name
    return ACTIONS.get(name) or ACTIONS.get(name.partition(":")[0])


def works(functions: Functions, records: Iterable[Any]) -> list[Work]:
    """The storage function and StorageEvent of each record (none for unmapped actions)."""
    found: list[Work] = []
    for record in records:
        s3 = record["s3"]
        name = text(s3["bucket"]["name"])
        function = _storage_function(functions, s3["bucket"].get("arn"), name)
        event = storage_event(record)
        if event is not None:
            found.append((function, event))
    return found


def storage_event(record: Mapping[str, Any]) -> StorageEvent | None:
    """One S3 notification record as a StorageEvent; None when its event has no action."""
    action = action_of(text(record["eventName"]))
    if action is None:
        return None
    s3 = record["s3"]
    obj = s3.get("object") or s3["get_object"]  # IntelligentTiering records say get_object
    return StorageEvent(
        bucket=text(s3["bucket"]["name"]),
        key=unquote_plus(text(obj["key"])),
        action=action,
        size=_size(obj.get("size")),
        etag=optional_text(obj.get("eTag")),
        time=optional_text(record.get("eventTime")),
        provider="aws",
        raw=record,
    )


def eventbridge_works(functions: Functions, event: Mapping[str, Any]) -> list[Work] | None:
    """An S3 object event from EventBridge as storage work; None if no function has its bucket."""
    detail = event["detail"]
    name = text(detail["bucket"]["name"])
    resources = event.get("resources")
    arn = resources[0] if isinstance(resources, list) and resources else None
    function = functions.find(("storage",), _bucket_arn(arn, name), name)
    if function is None:
        return None
    action = EVENTBRIDGE_ACTIONS[text(event["detail-type"])]
    if action is None:
        return []
    obj = detail["object"]
    storage = StorageEvent(
        bucket=name,
        key=unquote_plus(text(obj["key"])),
        action=action,
        size=_size(obj.get("size")),
        etag=optional_text(obj.get("etag")),
        time=optional_text(event.get("time")),
        provider="aws",
        raw=event,
    )
    return [(function, storage)]


def _storage_function(functions: Functions, arn: Any, name: str) -> Function:
    function = functions.find(("storage",), _bucket_arn(arn, name), name)
    if function is None:
        raise NoSuchFunction(f"S3 bucket {name!r} (storage functions)")
    return function


def _bucket_arn(arn: Any, name: str) -> str:
    return arn if isinstance(arn, str) and arn.startswith("arn:") else f"arn:aws:s3:::{name}"


def _size(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"object size {value!r} is not an integer")
    return int(value)


class S3:
    """Direct S3 notifications (``Records[0].eventSource == "aws:s3"``) and S3's test event."""

    name: ClassVar[str] = "s3"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return (
            first_record(event).get("eventSource") == "aws:s3"
            or event.get("Event") == "s3:TestEvent"
        )

    def invoke(self, functions: Functions, event: Mapping[str, Any], lambda_context: Any) -> None:
        with translating(self.name):
            records = notification(event)
            if records is None:
                raise TypeError("not an S3 notification")
            records = list(records)
        ctx = context_for(lambda_context)
        deliver_each(functions.app, ctx, self.name, records, lambda r: works(functions, (r,)))
