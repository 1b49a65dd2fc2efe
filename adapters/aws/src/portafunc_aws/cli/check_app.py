"""The rules of ``check`` that look at several functions at once (see ``check``).

Each takes the functions whose ``aws=`` options are valid.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, cast

from portafunc.providers import Finding

from ..options import options_of
from .events import ASYNC_KINDS, S3_EVENTS
from .naming import HTTP_FUNCTION, function_id, resource_id
from .resources import consumed, key_type

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from portafunc.app import Function
    from portafunc.triggers import StorageTrigger

__all__ = ["APP_RULES"]


def _logical_ids(functions: list[Function]) -> Iterator[Finding]:
    """Two things whose logical ids differ at most in letter case."""
    seen: dict[str, str] = {}
    for logical_id, what in _ids(functions):
        known = seen.setdefault(logical_id.lower(), what)
        if known != what:
            yield Finding(
                "error", None, f"{known} and {what} would both be named {logical_id}: rename one"
            )


def _ids(functions: list[Function]) -> Iterator[tuple[str, str]]:
    if any(f.trigger.kind == "http" for f in functions):
        yield HTTP_FUNCTION, "the function of every HTTP route"
    for function in functions:
        logical_id = function_id(function.name)
        yield logical_id, f"function {function.name!r}"
        if function.trigger.kind in ASYNC_KINDS or function.trigger.kind in ("stream", "changes"):
            yield f"{logical_id}Failures", f"the failures queue of function {function.name!r}"
    for kind, name in consumed(functions):
        logical_id = resource_id(kind, name)
        yield logical_id, f"{kind} {name!r}"
        if kind == "queue":
            yield f"{logical_id}DLQ", f"the dead-letter queue of {name!r}"


def _shared_queues(functions: list[Function]) -> Iterator[Finding]:
    """SQS gives each message to one consumer: two functions on one queue split it."""
    by_queue: dict[str, list[str]] = {}
    for function in functions:
        if function.trigger.kind == "queue":
            key = options_of(function).get("arn") or function.trigger.resource
            by_queue.setdefault(key, []).append(function.name)
    for queue, names in by_queue.items():
        if len(names) > 1:
            yield Finding(
                "warning",
                names[0],
                f"functions {', '.join(names)} share queue {queue!r}: SQS gives each message to "
                "one of them (a topic gives every message to each)",
            )


def _notifications(functions: list[Function]) -> Iterator[Finding]:
    """S3 refuses two notification configurations of one event type whose filters overlap."""
    for (kind, bucket), consumers in consumed(functions).items():
        if kind != "storage":
            continue
        for first, second in itertools.combinations(consumers, 2):
            if _overlap(first, second):
                yield Finding(
                    "error",
                    second.name,
                    f"functions {first.name} and {second.name} listen to the same events of "
                    f"overlapping keys of bucket {bucket!r}, which S3 notifications refuse: "
                    "give them prefixes or suffixes that cannot both match",
                )


def _overlap(first: Function, second: Function) -> bool:
    a, b = cast("StorageTrigger", first.trigger), cast("StorageTrigger", second.trigger)
    types = {t for action in a.events for t in S3_EVENTS[action]}
    if not types.intersection(t for action in b.events for t in S3_EVENTS[action]):
        return False
    prefixes, suffixes = (a.prefix or "", b.prefix or ""), (a.suffix or "", b.suffix or "")
    return (prefixes[0].startswith(prefixes[1]) or prefixes[1].startswith(prefixes[0])) and (
        suffixes[0].endswith(suffixes[1]) or suffixes[1].endswith(suffixes[0])
    )


def _created(functions: list[Function]) -> Iterator[Finding]:
    """Buckets (a global namespace) are named by CloudFormation; tables get a key ``id``."""
    for (kind, name), consumers in consumed(functions).items():
        if kind == "storage":
            output = f"{resource_id(kind, name)}Name"
            yield Finding(
                "warning",
                consumers[0].name,
                f"bucket names are global, so CloudFormation names the bucket {name!r} (stack "
                f"output {output}) and StorageEvent.bucket is that name; for a bucket of your "
                "own, give aws={'arn': 'arn:aws:s3:::NAME'}",
            )
        elif kind == "changes":
            kind_name = {"S": "a string", "N": "a number", "B": "binary"}[key_type(consumers[0])]
            yield Finding(
                "warning",
                consumers[0].name,
                f"build creates table {name!r} with partition key 'id' ({kind_name}); for "
                "another key, create the table and give aws={'arn': STREAM_ARN}",
            )


def _one_http_function(functions: list[Function]) -> Iterator[Finding]:
    """Every HTTP route is one Lambda function by default: settings that differ merge."""
    http = [f for f in functions if f.trigger.kind == "http"]
    shapes = {(f.settings, repr(options_of(f))) for f in http}
    if len(shapes) > 1:
        yield Finding(
            "warning",
            http[0].name,
            f"the HTTP functions ({', '.join(f.name for f in http)}) deploy as one Lambda "
            "function with the largest timeout and memory among them and the first aws= "
            "option of each kind (build --http per-function deploys them apart)",
        )


APP_RULES: tuple[Callable[[list[Function]], Iterator[Finding]], ...] = (
    _logical_ids,
    _shared_queues,
    _notifications,
    _created,
    _one_http_function,
)
