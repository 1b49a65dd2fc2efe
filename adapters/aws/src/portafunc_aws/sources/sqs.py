"""SQS → queue functions, and the SNS notifications and S3 notifications SQS carries.

Payload shape followed: the Lambda SQS event
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): ``Records[]`` with
``messageId``, ``body``, ``attributes`` (system attributes, strings) and
``messageAttributes`` (``{Name: {"dataType", "stringValue" | "binaryValue", ...}}``).
The answer is the partial batch response
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html):
``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` naming exactly the failed
records; the event source mapping must have ``ReportBatchItemFailures`` on (``build``
sets it), or Lambda deletes the whole batch whatever the answer says.

A plain message: ``id`` = messageId, ``body`` = the body as UTF-8, ``attributes`` = the
message attributes only, built on first read (String and Number values as strings,
Binary values base64-decoded into bytes, a value that is not base64 kept as received,
list values as lists; malformed attributes raise UnsupportedEvent when read); system
attributes stay in ``raw`` (the record). ``source`` = the queue name, ``time`` = SentTimestamp,
``attempt`` = ApproximateReceiveCount, ``partition_key`` = MessageGroupId (FIFO).

Routing, per record: a pinned function's kind decides how the body is read (queue: the
message as is; topic: the SNS notification in the body, or the message itself under raw
message delivery; storage: the S3 notification in the body, directly or inside an SNS
notification). Unpinned: the queue function of the queue (by name or ``aws={"arn":
...}``); else an SNS notification goes to its topic function (or, carrying an S3
notification, to the bucket's storage function), an S3 notification to the bucket's
storage function; else NoSuchFunction. A record no function can take fails like one
whose handler raised; when no record of the batch can be routed, NoSuchFunction is
raised instead (the queue itself is unknown). A record carrying several S3 records fails
if any of them fails; S3 test events are acknowledged.

FIFO queues (``.fifo`` ARN, or ``aws={"fifo": True}``) are ordered: the first failure
stops the batch, and it and every later record are reported. The queue is the first
record's (an event source mapping reads one queue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from portafunc import pipeline
from portafunc.errors import NoSuchFunction, PortafuncError, UnsupportedEvent
from portafunc.events import Message

from ..invocation import Functions, context_for, name_from_arn
from ..options import options_of
from . import s3, sns
from ._base import (
    Job,
    deliver_records,
    malformed,
    optional_text,
    text,
    translating,
    undeliverable,
)
from .s3 import Work, first_record, json_object

if TYPE_CHECKING:
    from portafunc.app import App, Function
    from portafunc.context import Context

__all__ = ["SQS"]

Route = Callable[[Mapping[str, Any]], Sequence[Work]]
#: A record's deliveries, or the reason it cannot be delivered.
Resolved = Sequence[Work] | PortafuncError
_NONE: Mapping[str, Any] = MappingProxyType({})


class SQS:
    """SQS batches (``Records[0].eventSource == "aws:sqs"``), answered with batch failures."""

    name: ClassVar[str] = "sqs"

    def matches(self, event: Mapping[str, Any]) -> bool:
        return first_record(event).get("eventSource") == "aws:sqs"

    def invoke(
        self, functions: Functions, event: Mapping[str, Any], lambda_context: Any
    ) -> dict[str, list[dict[str, str]]]:
        with translating(self.name):
            records: list[Mapping[str, Any]] = list(event["Records"])
            ids = [text(record["messageId"]) for record in records]
            arn = text(records[0]["eventSourceARN"])
        function = _queue_function(functions, arn)
        ordered = arn.endswith(".fifo") or (
            function is not None and bool(options_of(function).get("fifo"))
        )
        if function is not None and function.trigger.kind == "queue":
            ctx = context_for(lambda_context)
            failed = _deliver(functions.app, function, records, ids, arn, ctx, ordered)
            return _answer(failed)
        route = _route(functions, function, arn)
        found = _resolve_all(route, records)
        unroutable = [item for item in found if isinstance(item, NoSuchFunction)]
        if len(unroutable) == len(found):
            raise unroutable[0]  # no record can be routed: the queue itself is unknown
        ctx = context_for(lambda_context)
        jobs = [
            (item_id, _job(functions, item, ctx)) for item_id, item in zip(ids, found, strict=True)
        ]
        return _answer(deliver_records(functions, jobs, ctx, ordered=ordered))


def _answer(failed: list[str]) -> dict[str, list[dict[str, str]]]:
    return {"batchItemFailures": [{"itemIdentifier": item_id} for item_id in failed]}


def _deliver(
    app: App,
    function: Function,
    records: list[Mapping[str, Any]],
    ids: list[str],
    arn: str,
    ctx: Context,
    ordered: bool,
) -> list[str]:
    """A queue function's batch (the common case): every readable record (for
    ``ordered``, those before the first unreadable one) delivered by the pipeline, to a
    batch function in one call; return the ids of the failed records."""
    source = name_from_arn(arn)
    envelopes: list[Message[Any]] = []
    positions: list[int] = []
    failed: list[int] = []
    for index, record in enumerate(records):
        try:
            envelopes.append(message(record, source))
            positions.append(index)
        except Exception as exc:
            why = exc if isinstance(exc, PortafuncError) else malformed("sqs", exc)
            undeliverable(ids[index], why)
            failed.append(index)
            if ordered:
                break
    reported = pipeline.deliver_batch(app, function, envelopes, ctx, ordered=ordered)
    failed += [positions[index] for index in reported]
    if ordered and failed:
        return ids[min(failed) :]
    return [ids[index] for index in sorted(failed)]


def message(record: Mapping[str, Any], source: str) -> Message[Any]:
    """One SQS record as a Message (the hot path: kept to plain lookups)."""
    system = record.get("attributes") or _NONE
    attributes = record.get("messageAttributes")
    sent = system.get("SentTimestamp")
    count = system.get("ApproximateReceiveCount")
    return Message(
        id=record["messageId"],  # checked by SQS.invoke
        body=record["body"].encode(),  # AttributeError (malformed) unless a str
        attributes=partial(_attributes, attributes) if attributes else None,
        source=source,
        time=None if sent is None else int(sent) / 1000,
        attempt=None if count is None else int(count),
        partition_key=optional_text(system.get("MessageGroupId")),
        provider="aws",
        raw=record,
    )


def _resolve_all(route: Route, records: list[Mapping[str, Any]]) -> list[Resolved]:
    """What each record delivers, or why it cannot be delivered (it is then reported)."""
    try:
        return [route(record) for record in records]  # the usual case: nothing goes wrong
    except Exception:
        return [_resolve(route, record) for record in records]


def _resolve(route: Route, record: Mapping[str, Any]) -> Resolved:
    try:
        with translating("sqs"):
            return route(record)
    except (NoSuchFunction, UnsupportedEvent) as exc:
        return exc


def _queue_function(functions: Functions, arn: str) -> Function | None:
    """The pinned function, or the queue function declared for the queue."""
    pinned = functions.pinned
    if pinned is None:
        return functions.find(("queue",), arn)
    if pinned.trigger.kind != "queue" and pinned.trigger.kind not in _READERS:
        raise NoSuchFunction(
            f"SQS queue {arn!r}: the pinned function {pinned.name!r} is a "
            f"{pinned.trigger.kind} function"
        )
    return pinned


def _route(functions: Functions, function: Function | None, arn: str) -> Route:
    reader: Callable[..., Sequence[Work]] = (
        _nested if function is None else _READERS[function.trigger.kind]
    )
    return partial(reader, functions, function, arn, name_from_arn(arn))


def _topic(
    functions: Functions, function: Function, arn: str, source: str, record: Mapping[str, Any]
) -> Sequence[Work]:
    notification = sns.notification(json_object(text(record["body"])))
    if notification is not None:
        return sns.works(functions, notification, record, *_delivery(record))
    return [(function, message(record, source))]  # raw message delivery


def _nested(
    functions: Functions,
    function: Function | None,
    arn: str,
    source: str,
    record: Mapping[str, Any],
) -> Sequence[Work]:
    """The SNS or S3 notification in the body, routed to its topic or bucket function."""
    body = json_object(text(record["body"]))
    notification = sns.notification(body)
    if notification is not None:
        return sns.works(functions, notification, record, *_delivery(record))
    records = s3.notification(body)
    if records is not None:
        return s3.works(functions, records)
    if function is not None:
        raise UnsupportedEvent(
            "aws", f"an SQS message from {arn!r} with no S3 notification, for {function.name!r}"
        )
    raise NoSuchFunction(f"SQS queue {arn!r} (queue functions)")


#: How a pinned function's kind reads a record (queue functions: see _deliver).
_READERS = {"topic": _topic, "storage": _nested}


def _delivery(record: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """The SQS receive count and message group of a record carrying a notification."""
    system = record.get("attributes") or _NONE
    count = system.get("ApproximateReceiveCount")
    return None if count is None else int(count), optional_text(system.get("MessageGroupId"))


def _job(functions: Functions, found: Resolved, ctx: Context) -> Job:
    if isinstance(found, PortafuncError):

        def fail() -> None:
            raise found

        return fail
    if len(found) == 1:
        work = found[0]
        return lambda: work

    def deliver_all() -> None:
        s3.deliver_each(functions.app, ctx, "sqs", [found], lambda works: works)

    return deliver_all


def _attributes(attributes: Any) -> Mapping[str, Any]:
    """The message attributes, built when a handler first reads them."""
    with translating("SQS message attributes"):
        return {name: _attribute(value) for name, value in attributes.items()}


def _attribute(attribute: Mapping[str, Any]) -> Any:
    """An SQS message attribute's value: its string, its bytes, or its list of either."""
    if text(attribute["dataType"]).startswith("Binary"):
        value = attribute.get("binaryValue")
        if value is not None:
            return sns.decode_binary(value)
        return [sns.decode_binary(item) for item in attribute.get("binaryListValues") or ()]
    value = attribute.get("stringValue")
    if value is not None:
        return value
    return list(attribute.get("stringListValues") or ())
