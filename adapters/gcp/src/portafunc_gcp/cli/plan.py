"""What an app becomes on Google Cloud: Cloud Functions deployments, Pub/Sub topics and
Cloud Scheduler jobs. ``check`` reads the plan, ``build`` writes it as ``gcloud`` commands,
and ``serve`` routes Pub/Sub messages with it.

Cloud Functions (2nd gen) deploys one trigger per function, so:

- every HTTP function is served by one deployment of the app entry (named after the
  app, ``--trigger-http``);
- a queue, topic, stream or schedule function is one deployment on its Pub/Sub topic
  (``--trigger-topic``): the declared resource, or ``gcp={"topic": ...}``; a schedule's
  topic is ``<deployment>-schedule``, to which a Cloud Scheduler job of the same name
  as the deployment publishes;
- a storage function is one deployment per Cloud Storage event type it listens to
  (named ``<function>-<action>`` when there are several), all of one entry point;
- a changes function listens to ``written`` events of the documents of its Firestore
  collection in the ``(default)`` database; an event function to its event type.

Deployment names follow Cloud Functions' rule (lowercase letters, digits and hyphens,
starting with a letter, not ending with a hyphen, at most 63 characters):
:func:`deployment_name` maps any name onto it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..sources.storage import TYPES as STORAGE_TYPES

if TYPE_CHECKING:
    from portafunc.app import App, Function
    from portafunc.triggers import ScheduleTrigger, StorageTrigger

__all__ = [
    "FIRESTORE_WRITTEN",
    "PUBSUB_KINDS",
    "Deployment",
    "Plan",
    "Schedule",
    "deployment_name",
    "gcp_options",
    "plan",
    "pubsub_topic",
    "valid_name",
]

N = TypeVar("N", int, float)
#: The trigger kinds served by a Pub/Sub topic.
PUBSUB_KINDS = frozenset({"queue", "topic", "stream", "schedule"})
FIRESTORE_WRITTEN = "google.cloud.firestore.document.v1.written"
MAX_NAME = 63
_VALID = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
_INVALID_RUN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Deployment:
    """One ``gcloud functions deploy``: its name, entry point and trigger."""

    name: str
    entry: str
    functions: tuple[Function, ...]
    #: ``--trigger-topic``; no topic and no filters: ``--trigger-http``.
    topic: str | None = None
    #: ``--trigger-event-filters`` (attribute, value) pairs.
    filters: tuple[tuple[str, str], ...] = ()
    #: ``--trigger-event-filters-path-pattern`` (attribute, pattern).
    path_pattern: tuple[str, str] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    memory: int | None = None

    @property
    def http(self) -> bool:
        return self.topic is None and not self.filters

    @property
    def retry(self) -> bool:
        """Event deployments redeliver failed events unless ``gcp={"retry": False}``."""
        return not self.http and self.options.get("retry", True) is not False


@dataclass(frozen=True)
class Schedule:
    """One Cloud Scheduler job publishing ``{}`` to ``topic`` on ``cron`` (UTC)."""

    job: str
    cron: str
    topic: str
    function: Function


@dataclass(frozen=True)
class Plan:
    deployments: tuple[Deployment, ...]
    topics: tuple[str, ...]
    schedules: tuple[Schedule, ...]


def plan(app: App) -> Plan:
    """The deployments, topics and scheduler jobs of ``app``."""
    http = tuple(f for f in app.functions.values() if f.trigger.kind == "http")
    deployments = [_app_entry(app, http)] if http else []
    schedules = []
    for function in app.functions.values():
        if function.trigger.kind != "http":
            deployments.extend(_deployments(function))
        topic = pubsub_topic(function)
        if function.trigger.kind == "schedule" and topic is not None:
            cron = cast("ScheduleTrigger", function.trigger).cron.unix()
            schedules.append(Schedule(deployment_name(function.name), cron, topic, function))
    topics = dict.fromkeys(t for f in app.functions.values() if (t := pubsub_topic(f)))
    return Plan(tuple(deployments), tuple(topics), tuple(schedules))


def deployment_name(name: str) -> str:
    """``name`` as Cloud Functions accepts it: lower-cased, every run of other characters
    a hyphen, ``fn-`` before a name not starting with a letter, and cut to 63 characters
    with a hash of the whole name when longer."""
    mapped = _INVALID_RUN.sub("-", name.lower()).strip("-")
    if not mapped[:1].isalpha():
        mapped = f"fn-{mapped}".rstrip("-")
    if len(mapped) > MAX_NAME:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        mapped = f"{mapped[: MAX_NAME - 9].rstrip('-')}-{digest}"
    return mapped


def valid_name(name: str) -> bool:
    """Whether Cloud Functions accepts ``name`` as a function name."""
    return _VALID.fullmatch(name) is not None


def gcp_options(function: Function) -> Mapping[str, Any]:
    """The ``gcp=`` options as declared (``check`` validates them)."""
    return function.options.get("gcp", {})


def pubsub_topic(function: Function) -> str | None:
    """The Pub/Sub topic a queue, topic, stream or schedule function listens to."""
    kind = function.trigger.kind
    if kind not in PUBSUB_KINDS:
        return None
    chosen = gcp_options(function).get("topic")
    if isinstance(chosen, str) and chosen:
        return chosen
    if kind == "schedule":
        return f"{deployment_name(function.name)}-schedule"
    return function.trigger.resource


def _app_entry(app: App, http: Sequence[Function]) -> Deployment:
    options: dict[str, Any] = {}
    for function in http:  # the first function giving an option wins; check reports clashes
        options = {**gcp_options(function), **options}
    return Deployment(
        name=deployment_name(app.name),
        entry=app.name,
        functions=tuple(http),
        options=options,
        timeout=_largest(f.settings.timeout for f in http),
        memory=_largest(f.settings.memory for f in http),
    )


def _deployments(function: Function) -> list[Deployment]:
    common: dict[str, Any] = {
        "entry": function.name,
        "functions": (function,),
        "options": gcp_options(function),
        "timeout": function.settings.timeout,
        "memory": function.settings.memory,
    }
    name = deployment_name(function.name)
    trigger = function.trigger
    if trigger.kind in PUBSUB_KINDS:
        return [Deployment(name, topic=pubsub_topic(function), **common)]
    if trigger.kind == "storage":
        return _storage(function, common)
    if trigger.kind == "changes":
        filters = (("type", FIRESTORE_WRITTEN), ("database", "(default)"))
        pattern = ("document", f"{trigger.resource}/{{id}}")
        return [Deployment(name, filters=filters, path_pattern=pattern, **common)]
    return [Deployment(name, filters=(("type", trigger.resource),), **common)]


def _storage(function: Function, common: dict[str, Any]) -> list[Deployment]:
    trigger = cast("StorageTrigger", function.trigger)
    actions = [action for action in trigger.events if action in STORAGE_TYPES]
    return [
        Deployment(
            deployment_name(f"{function.name}-{action}" if len(actions) > 1 else function.name),
            filters=(("type", STORAGE_TYPES[action]), ("bucket", trigger.bucket)),
            **common,
        )
        for action in actions
    ]


def _largest(values: Iterable[N | None]) -> N | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None
