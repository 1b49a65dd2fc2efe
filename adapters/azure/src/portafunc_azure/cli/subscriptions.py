"""The Event Grid subscription delivering to each Event Grid function.

``event`` functions: the included event type, on the source the user names
(``$EVENTGRID_SOURCE_ID``); ``topic`` functions on Event Grid: every event of their
custom topic; ``storage`` functions: the blob event types of their actions
(:data:`BLOB_EVENT_TYPES`) on the storage account, with subject filters for the
container, prefix and suffix (case-sensitive, as portafunc's are everywhere).
``RESOURCES.md`` creates them; ``serve --provider azure`` applies their filters to
replayed events, as Event Grid would (:meth:`Subscription.matches`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from portafunc.triggers import StorageTrigger

from .deployment import Deployment

__all__ = ["BLOB_EVENT_TYPES", "Subscription", "subscription", "subscription_name"]

#: The Blob Storage event types of each storage action (none reports metadata changes).
BLOB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "created": ("Microsoft.Storage.BlobCreated",),
    "deleted": ("Microsoft.Storage.BlobDeleted",),
    "archived": ("Microsoft.Storage.BlobTierChanged",),
    "restored": ("Microsoft.Storage.BlobTierChanged",),
    "metadata_updated": (),
}
_GROUP = '--resource-group "$RESOURCE_GROUP"'


@dataclass(frozen=True)
class Subscription:
    """An Event Grid subscription delivering to one function, with its filters."""

    function: str
    #: The shell expression of the source's resource id.
    source: str
    #: The custom topic it subscribes to (``topic`` functions), else None.
    topic: str | None = None
    #: The included event types; empty: every type.
    event_types: tuple[str, ...] = ()
    subject_begins: str | None = None
    subject_ends: str | None = None

    def matches(self, event_type: str, source: str, subject: str | None) -> bool:
        """Whether Event Grid delivers this event to the subscription (subjects case-sensitive)."""
        if self.topic is not None and not _from_topic(source, self.topic):
            return False
        if self.event_types and event_type not in self.event_types:
            return False
        text = subject or ""
        return text.startswith(self.subject_begins or "") and text.endswith(self.subject_ends or "")

    def command(self) -> str:
        """``az eventgrid event-subscription create`` for this subscription."""
        parts = [
            "az eventgrid event-subscription create",
            f"--name {subscription_name(self.function)}",
            f"--source-resource-id {self.source}",
            "--endpoint-type azurefunction",
            f'--endpoint "$FUNCTION_APP_ID/functions/{self.function}"',
        ]
        if self.event_types:
            parts.append("--included-event-types " + " ".join(self.event_types))
        if self.subject_begins:
            parts.append(f"--subject-begins-with {shlex.quote(self.subject_begins)}")
        if self.subject_ends:
            parts.append(f"--subject-ends-with {shlex.quote(self.subject_ends)}")
        if self.subject_begins or self.subject_ends:
            parts.append("--subject-case-sensitive true")
        return " ".join(parts)


def _from_topic(source: str, topic: str) -> bool:
    """Whether ``source`` (a resource id, or a bare name) is the custom topic ``topic``."""
    source, topic = source.lower(), topic.lower()
    return source == topic or source.endswith(f"/topics/{topic}")


def subscription_name(function: str) -> str:
    """An Event Grid subscription name for ``function`` (3 to 64 letters, digits, hyphens)."""
    name = function.replace("_", "-")[:64]
    return name if len(name) >= 3 else f"{name}-fn"


def subscription(d: Deployment) -> Subscription | None:
    """The Event Grid subscription delivering to ``d``, if it is an Event Grid function."""
    make = _SUBSCRIPTIONS.get(d.key)
    return make(d) if make is not None else None


def _event_subscription(d: Deployment) -> Subscription:
    return Subscription(
        d.function.name, '"$EVENTGRID_SOURCE_ID"', event_types=(d.function.trigger.resource,)
    )


def _topic_subscription(d: Deployment) -> Subscription:
    topic = d.function.trigger.resource
    source = (
        f'"$(az eventgrid topic show --name {shlex.quote(topic)} {_GROUP} --query id --output tsv)"'
    )
    return Subscription(d.function.name, source, topic=topic)


def _storage_subscription(d: Deployment) -> Subscription | None:
    trigger = cast("StorageTrigger", d.function.trigger)
    types = tuple(dict.fromkeys(t for action in trigger.events for t in BLOB_EVENT_TYPES[action]))
    if not types:  # only metadata_updated, which Blob Storage never reports
        return None
    return Subscription(
        d.function.name,
        '"$STORAGE_ID"',
        event_types=types,
        subject_begins=f"/blobServices/default/containers/{trigger.bucket}/blobs/"
        + (trigger.prefix or ""),
        subject_ends=trigger.suffix,
    )


_SUBSCRIPTIONS: dict[tuple[str, str], Callable[[Deployment], Subscription | None]] = {
    ("event", "event"): _event_subscription,
    ("topic", "event_grid"): _topic_subscription,
    ("storage", "event_grid"): _storage_subscription,
}
