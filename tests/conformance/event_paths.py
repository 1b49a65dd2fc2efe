"""The four paths of every other trigger: one portable delivery, as each provider sends it.

A portable delivery is a portafunc envelope a test builds with the fields it cares
about: a :class:`Message` (its ``body`` bytes, from ``data=`` or ``body=``, and its
``attributes``), an :class:`Event` (``source``, ``subject``, JSON ``data``), a
:class:`StorageEvent`, a :class:`ScheduleEvent` or a :class:`ChangeEvent`. Each path
turns it into what its provider sends, with the adapters' ``testing`` builders (see
:mod:`event_builders`); the table in README.md says which builder each trigger kind uses.

``local`` is :class:`portafunc.testing.TestClient` (``send`` for messages, ``trigger``
for the rest), the reference. Each path observes whether the delivery
failed (raised, reported in ``batchItemFailures``, or answered 500), the error the
pipeline logged, and what the handler saw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc.testing import TestClient
from portafunc_aws import lambda_handler
from portafunc_aws.testing import LambdaContext

from . import differences
from . import event_builders as build

__all__ = ["Delivery", "EventPaths", "Observed", "observe_envelope"]

Observed = dict[str, Any]
Delivery = Message[Any] | Event[Any] | StorageEvent | ScheduleEvent | ChangeEvent[Any]


def observe_envelope(envelope: Any) -> Observed:
    """The portable, provider-independent fields of what a handler saw (no ids, times,
    ``raw`` or ``provider``)."""
    if isinstance(envelope, Message):
        fields = {"data": envelope.data, "body": envelope.body, "source": envelope.source}
        return fields | {"attributes": dict(envelope.attributes)}
    if isinstance(envelope, Event):
        fields = {"type": envelope.type, "source": envelope.source, "data": envelope.data}
        return fields | {"subject": envelope.subject}
    if isinstance(envelope, StorageEvent):
        fields = {"bucket": envelope.bucket, "key": envelope.key, "action": envelope.action}
        return fields | {"size": envelope.size, "content_type": envelope.content_type}
    if isinstance(envelope, ScheduleEvent):
        return {"schedule": envelope.schedule, "past_due": envelope.past_due}
    if isinstance(envelope, ChangeEvent):
        fields = {"table": envelope.table, "kind": envelope.kind, "key": dict(envelope.key)}
        return fields | {"old": envelope.old, "new": envelope.new}
    raise TypeError(f"not an envelope: {envelope!r}")


class _Failures(logging.Handler):
    """The failures the pipeline logs on a function's logger: the exception's type."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            self.errors.append(record.exc_info[0].__name__)
        elif record.getMessage().startswith("invalid payload"):
            self.errors.append("InvalidPayload")


@contextmanager
def _failures(logger: logging.Logger) -> Iterator[_Failures]:
    handler = _Failures()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


class EventPaths:
    """The four paths, with each app's adapters made once and kept."""

    names = ("local", "aws", "azure", "gcp")

    def __init__(self) -> None:
        self._made: dict[tuple[int, str], tuple[App, Any]] = {}

    def observe(
        self, path: str, app: App, function: str, delivery: Delivery, seen: list[Any]
    ) -> Observed:
        """Deliver ``delivery`` to ``function`` on ``path``; ``seen`` is where the
        function's handler appends each envelope it receives."""
        runner: Callable[[App, str, Delivery], bool] = getattr(self, f"_{path}")
        seen.clear()
        with _failures(app.function(function).logger) as failures:
            failed = runner(app, function, delivery)
        observed = [observe_envelope(envelope) for envelope in seen]
        seen.clear()
        return {"failed": failed, "errors": failures.errors, "seen": observed}

    def expected(self, path: str, app: App, function: str, reference: Observed) -> Observed:
        """What ``path`` should observe, given the local ``reference`` (see differences)."""
        declared = app.function(function)
        return differences.expected(path, declared.trigger.kind, reference, declared)

    def _adapter(self, app: App, key: str, make: Callable[[], Any]) -> Any:
        if (id(app), key) not in self._made:
            self._made[(id(app), key)] = (app, make())
        return self._made[(id(app), key)][1]

    def _local(self, app: App, function: str, delivery: Delivery) -> bool:
        client = self._adapter(app, "local", lambda: TestClient(app))
        if isinstance(delivery, Message):
            outcome = client.send(function, delivery.body, delivery.attributes, raise_errors=False)
        else:
            outcome = client.trigger(function, build.fresh(delivery), raise_errors=False)
        return not outcome.ok

    def _aws(self, app: App, function: str, delivery: Delivery) -> bool:
        handler = self._adapter(app, "aws", lambda: lambda_handler(app))
        try:
            result = handler(build.aws(app.function(function), delivery), LambdaContext())
        except Exception:
            return True
        return bool(isinstance(result, dict) and result.get("batchItemFailures"))

    def _azure(self, app: App, function: str, delivery: Delivery) -> bool:
        functions = self._adapter(app, "azure", lambda: build.azure_app(app))
        events: Sequence[Any] = build.azure(app.function(function), delivery)
        try:
            for event in events:  # none: the source cannot express the delivery
                build.azure_invoke(functions, function, event)
        except Exception:
            return True
        return False

    def _gcp(self, app: App, function: str, delivery: Delivery) -> bool:
        client = self._adapter(app, f"gcp:{function}", lambda: build.gcp_client(app, function))
        response = build.gcp_post(client, build.gcp(app.function(function), delivery))
        if response.status_code not in (200, 500):
            raise AssertionError(f"functions-framework answered {response.status_code}")
        return bool(response.status_code == 500)
