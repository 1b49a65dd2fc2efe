"""The intended differences between providers: the only ones the suite accepts.

Each row names the paths and trigger kinds it concerns, why it is so, and the line of
the docs that states it (``quote``, checked to be there by ``test_differences.py``).
A row with an ``adjust`` turns the local reference observation into what that path
shows; a row without one is a field the paths never observe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portafunc.app import Function

__all__ = ["DIFFERENCES", "Difference", "expected"]

Observed = dict[str, Any]
#: How each provider's front end joins a repeated request header (the test servers':
#: werkzeug's test client joins with ", ", gunicorn on Cloud Run with ",").
_JOINERS = {"aws": ",", "azure": ",", "gcp": ", "}


@dataclass(frozen=True)
class Difference:
    """One intended difference."""

    name: str
    paths: frozenset[str]
    kinds: frozenset[str]
    reason: str
    doc: str
    quote: str
    adjust: Callable[[str, Observed], Observed] | None = None
    when: Callable[[Function], bool] = lambda function: True


def _joined_headers(path: str, observed: Observed) -> Observed:
    """Repeated request headers, as the handler reports them under ``"headers"`` in its
    JSON answer, comma-joined into one value."""
    if observed["headers"].get("content-type") != ["application/json"] or not observed["body"]:
        return observed
    body = json.loads(observed["body"])
    if not isinstance(body, dict) or not isinstance(body.get("headers"), dict):
        return observed
    encoded = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    assert encoded == observed["body"], "the answer is not in pydantic's compact JSON"
    headers = body["headers"]
    for name, values in headers.items():
        if isinstance(values, list) and len(values) > 1:
            headers[name] = [_JOINERS[path].join(values)]
    encoded = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return {**observed, "body": encoded}


def _seen(change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Callable[..., Observed]:
    """An adjust that maps each envelope seen (None: the provider never sends it)."""

    def adjust(path: str, observed: Observed) -> Observed:
        seen = [change(dict(envelope)) for envelope in observed["seen"]]
        return {**observed, "seen": [envelope for envelope in seen if envelope is not None]}

    return adjust


def _cosmos(change: dict[str, Any]) -> dict[str, Any] | None:
    if change["kind"] == "delete":
        return None
    return {**change, "kind": "upsert", "old": None}


def _firestore(change: dict[str, Any]) -> dict[str, Any]:
    key = change["key"]
    return {**change, "key": {**key, "path": f"{change['table']}/{key['id']}"}}


def _no_attributes(message: dict[str, Any]) -> dict[str, Any]:
    return {**message, "attributes": {}}


def _storage_fields(path: str, observed: Observed) -> Observed:
    """S3 carries no content type; neither S3 nor Blob Storage a deleted object's size."""

    def fields(event: dict[str, Any]) -> dict[str, Any]:
        if path == "aws":
            event = {**event, "content_type": None}
        return {**event, "size": None} if event["action"] == "deleted" else event

    return _seen(fields)(path, observed)


def _worker_content_type(path: str, observed: Observed) -> Observed:
    """The Azure worker's default for a response without a content type."""
    if "content-type" in observed["headers"]:
        return observed
    headers = {**observed["headers"], "content-type": ["text/plain; charset=utf-8"]}
    return {**observed, "headers": headers}


_ALL = frozenset({"aws", "azure", "gcp"})
_MESSAGES = frozenset({"queue", "topic", "stream", "event", "storage", "schedule", "changes"})

DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "provider-generated fields",
        _ALL,
        _MESSAGES | {"http"},
        "ids, times, request and invocation ids, delivery counts (`attempt`), partition "
        "keys, etags, `provider` and `raw` come from the provider: never observed",
        "docs/concepts.md",
        "`time`, `attempt` (1-based, None if unknown), `partition_key`",
    ),
    Difference(
        "message failure mechanics",
        _ALL,
        _MESSAGES,
        "a failure is an SQS/Kinesis/DynamoDB `batchItemFailures` entry or a raise on "
        "AWS, a raise on Azure, a 500 on GCP: observed as `failed` on every path",
        "docs/errors.md",
        "| message failure | SQS: item reported in `batchItemFailures`",
    ),
    Difference(
        "repeated request headers are comma-joined",
        _ALL,
        frozenset({"http"}),
        "API Gateway v2, the Azure host and the GCP server join a repeated request "
        "header into one value, which portafunc does not split; the TestClient keeps "
        "them apart",
        "docs/concepts.md",
        "Headers that a cloud delivers comma-joined (API Gateway v2, Function URLs,",
        _joined_headers,
    ),
    Difference(
        "Cosmos DB change feed: upserts only",
        frozenset({"azure"}),
        frozenset({"changes"}),
        "the change feed tells no insert from update, has no old image and no deletes",
        "docs/concepts.md",
        "| change kinds | insert, update, delete; old and new images",
        _seen(_cosmos),
    ),
    Difference(
        "Firestore keys carry the document path",
        frozenset({"gcp"}),
        frozenset({"changes"}),
        'a Firestore change\'s key is `{"id", "path"}`',
        "docs/concepts.md",
        'plus `"path"` for Firestore',
        _seen(_firestore),
    ),
    Difference(
        "Storage Queue messages have no attributes",
        frozenset({"azure"}),
        frozenset({"queue"}),
        "a Storage Queue message has a body only (Service Bus has application "
        'properties): applies to queue functions without azure={"service": "service_bus"}',
        "docs/azure.md",
        "(Service Bus: the application properties as `attributes`",
        _seen(_no_attributes),
        lambda function: function.options.get("azure", {}).get("service") != "service_bus",
    ),
    Difference(
        "storage events carry what the cloud sends",
        frozenset({"aws", "azure"}),
        frozenset({"storage"}),
        "S3 notifications have no content type, and neither S3 nor Blob Storage "
        "deleted-object events have a size",
        "docs/concepts.md",
        "| storage event fields | S3 notifications carry no content type",
        _storage_fields,
    ),
    Difference(
        "the Azure worker gives every response a content type",
        frozenset({"azure"}),
        frozenset({"http"}),
        "azure.functions' response converter sets `text/plain; charset=utf-8` when the "
        "function's response has no Content-Type, a bodyless 204 included",
        "docs/concepts.md",
        "the Python worker gives every response one: `text/plain; charset=utf-8`",
        _worker_content_type,
    ),
    Difference(
        "one storage trigger per GCP deployment",
        frozenset({"gcp"}),
        frozenset({"storage"}),
        "a storage function of created and deleted is two deployments of one entry point; "
        "the gcp path posts each action's event type to that entry: nothing observable",
        "docs/concepts.md",
        "a storage function listening to created and deleted is two deployments",
    ),
)


def expected(
    path: str, kind: str, reference: Observed, function: Function | None = None
) -> Observed:
    """What ``path`` should observe for a ``kind`` trigger (of ``function``, for the rows
    that depend on its options), given the local ``reference``: the reference with every
    intended difference of that path applied."""
    for difference in DIFFERENCES:
        if difference.adjust is None or path not in difference.paths:
            continue
        if kind in difference.kinds and (function is None or difference.when(function)):
            reference = difference.adjust(path, reference)
    return reference
