"""What starts a function: one small frozen class per trigger kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ._value import Value
from .events import ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from .http import HTTPRequest

if TYPE_CHECKING:
    from .cron import Cron
    from .events import Action

__all__ = [
    "ACTIONS",
    "ChangesTrigger",
    "EventTrigger",
    "HTTPTrigger",
    "QueueTrigger",
    "ScheduleTrigger",
    "StorageTrigger",
    "StreamTrigger",
    "TopicTrigger",
    "Trigger",
]

ACTIONS: tuple[Action, ...] = ("created", "deleted", "archived", "restored", "metadata_updated")


class Trigger(Value):
    __slots__ = ()
    kind: ClassVar[str]
    envelope: ClassVar[type]
    #: Triggers whose deliveries are messages that may be retried or batched.
    is_message: ClassVar[bool] = False
    #: Triggers whose :meth:`accepts` may refuse a delivery (else it is not asked).
    filters: ClassVar[bool] = False

    @property
    def resource(self) -> str:
        """The queue, topic, bucket, table… the trigger listens to."""
        return ""

    def accepts(self, envelope: Any) -> bool:
        """Whether a delivery is for the handler (else it is acknowledged unseen)."""
        return True

    def describe(self) -> str:
        return f"{self.kind} {self.resource}".strip()


class HTTPTrigger(Trigger):
    __slots__ = ("methods", "path", "status")
    methods: tuple[str, ...]
    path: str
    status: int | None

    def __init__(self, methods: tuple[str, ...], path: str, status: int | None = None) -> None:
        self._init(methods=methods, path=path, status=status)

    kind = "http"
    envelope = HTTPRequest

    @property
    def resource(self) -> str:
        return self.path

    def describe(self) -> str:
        return f"http {','.join(self.methods)} {self.path}"


class QueueTrigger(Trigger):
    __slots__ = ("queue",)
    queue: str

    def __init__(self, queue: str) -> None:
        self._init(queue=queue)

    kind = "queue"
    envelope = Message
    is_message = True

    @property
    def resource(self) -> str:
        return self.queue


class TopicTrigger(Trigger):
    __slots__ = ("topic",)
    topic: str

    def __init__(self, topic: str) -> None:
        self._init(topic=topic)

    kind = "topic"
    envelope = Message
    is_message = True

    @property
    def resource(self) -> str:
        return self.topic


class StreamTrigger(Trigger):
    __slots__ = ("stream",)
    stream: str

    def __init__(self, stream: str) -> None:
        self._init(stream=stream)

    kind = "stream"
    envelope = Message
    is_message = True

    @property
    def resource(self) -> str:
        return self.stream


class EventTrigger(Trigger):
    __slots__ = ("type",)
    type: str

    def __init__(self, type: str) -> None:
        self._init(type=type)

    kind = "event"
    envelope = Event
    filters = True

    @property
    def resource(self) -> str:
        return self.type

    def accepts(self, envelope: Any) -> bool:
        return isinstance(envelope, Event) and envelope.type == self.type


class StorageTrigger(Trigger):
    __slots__ = ("bucket", "events", "prefix", "suffix")
    bucket: str
    events: tuple[Action, ...]
    prefix: str | None
    suffix: str | None

    def __init__(
        self,
        bucket: str,
        events: tuple[Action, ...] = ("created",),
        prefix: str | None = None,
        suffix: str | None = None,
    ) -> None:
        self._init(bucket=bucket, events=events, prefix=prefix, suffix=suffix)

    kind = "storage"
    envelope = StorageEvent
    filters = True

    @property
    def resource(self) -> str:
        return self.bucket

    def accepts(self, envelope: Any) -> bool:
        return (
            isinstance(envelope, StorageEvent)
            and envelope.action in self.events
            and envelope.key.startswith(self.prefix or "")
            and envelope.key.endswith(self.suffix or "")
        )

    def describe(self) -> str:
        return f"storage {self.bucket} ({', '.join(self.events)})"


class ScheduleTrigger(Trigger):
    __slots__ = ("cron",)
    cron: Cron

    def __init__(self, cron: Cron) -> None:
        self._init(cron=cron)

    kind = "schedule"
    envelope = ScheduleEvent

    @property
    def resource(self) -> str:
        return self.cron.unix()


class ChangesTrigger(Trigger):
    __slots__ = ("table",)
    table: str

    def __init__(self, table: str) -> None:
        self._init(table=table)

    kind = "changes"
    envelope = ChangeEvent
    is_message = True

    @property
    def resource(self) -> str:
        return self.table
