"""What starts a function: one small frozen class per trigger kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

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


@dataclass(frozen=True)
class Trigger:
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


@dataclass(frozen=True)
class HTTPTrigger(Trigger):
    methods: tuple[str, ...]
    path: str
    status: int | None = None
    kind = "http"
    envelope = HTTPRequest

    @property
    def resource(self) -> str:
        return self.path

    def describe(self) -> str:
        return f"http {','.join(self.methods)} {self.path}"


@dataclass(frozen=True)
class QueueTrigger(Trigger):
    queue: str
    kind = "queue"
    envelope = Message
    is_message = True

    @property
    def resource(self) -> str:
        return self.queue


@dataclass(frozen=True)
class TopicTrigger(Trigger):
    topic: str
    kind = "topic"
    envelope = Message
    is_message = True

    @property
    def resource(self) -> str:
        return self.topic


@dataclass(frozen=True)
class StreamTrigger(Trigger):
    stream: str
    kind = "stream"
    envelope = Message
    is_message = True

    @property
    def resource(self) -> str:
        return self.stream


@dataclass(frozen=True)
class EventTrigger(Trigger):
    type: str
    kind = "event"
    envelope = Event
    filters = True

    @property
    def resource(self) -> str:
        return self.type

    def accepts(self, envelope: Any) -> bool:
        return isinstance(envelope, Event) and envelope.type == self.type


@dataclass(frozen=True)
class StorageTrigger(Trigger):
    bucket: str
    events: tuple[Action, ...] = ("created",)
    prefix: str | None = None
    suffix: str | None = None
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


@dataclass(frozen=True)
class ScheduleTrigger(Trigger):
    cron: Cron
    kind = "schedule"
    envelope = ScheduleEvent

    @property
    def resource(self) -> str:
        return self.cron.unix()


@dataclass(frozen=True)
class ChangesTrigger(Trigger):
    table: str
    kind = "changes"
    envelope = ChangeEvent
    is_message = True

    @property
    def resource(self) -> str:
        return self.table
