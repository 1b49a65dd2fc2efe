"""Amazon MSK and self-managed Apache Kafka: each record a ``Message`` for its topic's function.

Follows the Lambda developer guide, "Using Lambda with Amazon MSK" and "Using Lambda
with self-managed Apache Kafka": ``eventSource`` ``aws:kafka`` (MSK, with the
cluster's ``eventSourceArn``) or ``SelfManagedKafka`` (``aws:SelfManagedKafka`` in
Powertools' fixtures), and ``records``, a mapping of ``"<topic>-<partition>"`` to
records with ``topic``, ``partition``, ``offset``, ``timestamp`` (epoch
milliseconds), ``key`` and ``value`` (base64) and ``headers`` (a list of
``{name: [byte, ...]}``).

Message: ``id`` ``"<topic>-<partition>-<offset>"``, ``body`` the decoded value (empty
for a tombstone), ``attributes`` the headers as ``{name: bytes}`` (a repeated header
name keeps its last value; headers of another shape raise UnsupportedEvent when read),
``source`` the topic, ``time`` the record's timestamp, ``partition_key`` the key as
UTF-8 text (its base64 text as delivered when the key is not UTF-8), ``attempt`` None.
Routing: the ``stream`` function of the topic, else one declared with the cluster ARN
(``aws={"arn": ...}``).

Failures: records are delivered in order and the first failure stops the batch; then
the invocation raises, so Lambda retries the whole batch (records before the failure
are delivered again: at-least-once). Lambda accepts a partial batch response for
Kafka only from event source mappings in provisioned mode with
``ReportBatchItemFailures`` turned on; any other mapping would ignore it and drop the
failed records, so portafunc does not rely on it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from portafunc.errors import NoSuchFunction, PortafuncError
from portafunc.events import Message

from ..invocation import context_for
from ._base import Job, deliver_records, translating

if TYPE_CHECKING:
    from portafunc.app import Function

    from ..invocation import Functions

__all__ = ["Kafka"]

_SOURCES = frozenset({"aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"})


class Kafka:
    """MSK and self-managed Kafka → ``stream`` functions by topic."""

    name = "kafka"

    def matches(self, event: Mapping[str, Any]) -> bool:
        source = event.get("eventSource")
        return (
            isinstance(source, str)
            and source in _SOURCES
            and isinstance(event.get("records"), Mapping)
        )

    def invoke(self, functions: Functions, event: Mapping[str, Any], lambda_context: Any) -> None:
        with translating(self.name):
            jobs = _jobs(functions, event.get("eventSourceArn"), event["records"])
        failed = deliver_records(functions, jobs, context_for(lambda_context), ordered=True)
        if failed:
            raise PortafuncError(
                f"Kafka record {failed[0]} failed; {len(failed)} of {len(jobs)} records "
                "not processed, Lambda retries the batch"
            )


def _jobs(functions: Functions, cluster: Any, records: Mapping[str, Any]) -> list[tuple[str, Job]]:
    routes: dict[str, Function] = {}
    jobs: list[tuple[str, Job]] = []
    for partition in records.values():
        for record in partition:
            topic = record["topic"]
            function = routes.get(topic) or routes.setdefault(
                topic, _function(functions, cluster, topic)
            )
            item_id = f"{topic}-{record['partition']}-{record['offset']}"
            jobs.append((item_id, partial(_message, function, item_id, record)))
    return jobs


def _function(functions: Functions, cluster: Any, topic: str) -> Function:
    kinds = ("stream",)
    found = functions.find(kinds, topic, topic)
    if found is None and cluster:
        found = functions.find(kinds, cluster, cluster)
    if found is None:
        raise NoSuchFunction(f"Kafka topic {topic!r} (stream functions)")
    return found


def _message(
    function: Function, item_id: str, record: Mapping[str, Any]
) -> tuple[Function, Message[Any]]:
    value, timestamp = record.get("value"), record.get("timestamp")
    message: Message[Any] = Message(
        id=item_id,
        body=b"" if value is None else base64.b64decode(value, validate=True),
        attributes=partial(_headers, record.get("headers")),
        source=record["topic"],
        time=None if timestamp is None or timestamp < 0 else timestamp / 1000,
        partition_key=_key(record.get("key")),
        provider="aws",
        raw=record,
    )
    return function, message


def _headers(headers: Any) -> dict[str, bytes]:
    """The record's headers, ``[{name: [byte, ...]}, ...]``, as ``{name: bytes}``, built
    when a handler first reads them; UnsupportedEvent when they are not that shape."""
    with translating("Kafka record headers"):
        if headers is None:
            return {}
        if not isinstance(headers, list):
            raise TypeError(f"headers is {type(headers).__name__}, not a list")
        return {name: _header(value) for header in headers for name, value in header.items()}


def _header(value: Any) -> bytes:
    # bytes() of an int would allocate that many zero bytes: only a list of bytes is read.
    if not isinstance(value, list):
        raise TypeError(f"a header value is {type(value).__name__}, not a list of bytes")
    return bytes(value)  # ValueError or TypeError for items that are not bytes


def _key(key: str | None) -> str | None:
    if key is None:
        return None
    try:
        return base64.b64decode(key, validate=True).decode("utf-8")
    except UnicodeDecodeError:
        return key
