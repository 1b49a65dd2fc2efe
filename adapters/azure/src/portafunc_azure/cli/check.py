"""``portafunc check --provider azure``: what Azure cannot express or does differently.

Errors (a build would fail, or deploy something that loses events): ``azure=``
options the adapter refuses, a cron NCRONTAB cannot express, names Azure rejects
(functions, queues, containers, hubs, topics, subscriptions, consumer groups), a
function named like the HTTP catch-all, two function names differing only in case
(Azure function names are case-insensitive), the blob trigger asked for more than
created blobs, and two change-feed functions sharing one lease container (they
would split the changes between them).

Warnings (DESIGN §3's differences, and what the user must do): ``changes`` sees
upserts only; Event Hubs and Cosmos DB skip a batch after its retries, with no
dead-letter queue; host-wide settings the functions disagree on; settings Azure
ignores per function; HTTP functions that need a function key; and the resources
each function needs that the user creates (``RESOURCES.md`` has the commands).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal, cast

from portafunc.errors import DeclarationError, UnsupportedSchedule
from portafunc.providers import Finding
from portafunc.triggers import ScheduleTrigger, StorageTrigger

from ..triggers.http import CATCH_ALL
from . import resources, subscriptions
from .deployment import Deployment, deployment
from .settings import shared

if TYPE_CHECKING:
    from portafunc.app import App

__all__ = ["findings"]

FUNCTION_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]{0,127}")
_STORAGE_NAME = re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_STORAGE_RULE = "3 to 63 lower-case letters, digits and single hyphens, not at either end"
_ENTITY = "letters, digits, '.', '-', '_' starting and ending with a letter or digit"
#: (trigger kind, service) → (what, pattern, rule) of the resource name Azure accepts.
RESOURCE_NAMES: dict[tuple[str, str], tuple[str, re.Pattern[str], str]] = {
    ("queue", "storage_queue"): ("Storage queue", _STORAGE_NAME, _STORAGE_RULE),
    ("storage", "event_grid"): ("blob container", _STORAGE_NAME, _STORAGE_RULE),
    ("storage", "blob"): ("blob container", _STORAGE_NAME, _STORAGE_RULE),
    ("queue", "service_bus"): (
        "Service Bus queue",
        re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,258}[A-Za-z0-9])?"),
        f"up to 260 {_ENTITY} (or '/')",
    ),
    ("topic", "service_bus"): (
        "Service Bus topic",
        re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,258}[A-Za-z0-9])?"),
        f"up to 260 {_ENTITY} (or '/')",
    ),
    ("topic", "event_grid"): (
        "Event Grid topic",
        re.compile(r"[A-Za-z0-9-]{3,50}"),
        "3 to 50 letters, digits and hyphens",
    ),
    ("changes", "changes"): (
        "Cosmos DB container",
        re.compile(r"[^/\\#?]{0,254}[^/\\#? ]"),
        "up to 255 characters, none of / \\ # ? and no trailing space",
    ),
}
#: Names derived from the function's name unless ``azure=`` gives them.
_CHILD_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?")
_HUB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?")
CONSUMPTION_LIMIT = 600  # seconds: the Consumption plan's longest functionTimeout
#: Triggers that invoke a function once per message.
ONE_MESSAGE = frozenset(
    {("queue", "storage_queue"), ("queue", "service_bus"), ("topic", "service_bus")}
)

BAD_NAME = (
    "Azure function names are a letter, then up to 127 letters, digits, '_' or '-': "
    "give it another name="
)
UPSERTS = (
    "the Cosmos DB change feed reports upserts only: kind is 'upsert', deletes are not "
    "delivered, and old is None"
)
SKIPPED = (
    "the host checkpoints even when a batch fails: it is delivered {attempts} times in all "
    "(retry policy), then skipped; there is no dead-letter queue"
)
BLOB_CREATED_ONLY = (
    "the blob trigger reports created blobs only: leave out azure={'service': 'blob'} "
    "to use Event Grid"
)
NO_METADATA_EVENTS = (
    "Blob Storage sends no event when metadata changes: 'metadata_updated' is never delivered"
)
MEMORY = "memory is chosen per app on Azure (the plan's instance size), not per function: ignored"
LONG_TIMEOUT = (
    "timeout {timeout:g}s exceeds the Consumption plan's 10 minutes: deploy on a Flex "
    "Consumption, Premium or Dedicated plan"
)
SHARED_LEASES = (
    "shares the lease container {leases!r} with {owner!r}: the two would split the changes "
    "between them; set azure={{'lease_container': ...}}"
)
KEYS = (
    "HTTP functions {functions} need a function key (x-functions-key header or code= query); "
    "azure={{'auth_level': 'anonymous'}} makes one public"
)

#: What a rule says about one function: (level, message).
Said = tuple[Literal["error", "warning"], str]
Rule = Callable[[Deployment], Iterator[Said]]


def findings(app: App) -> list[Finding]:
    """Every finding for ``app``: per function, then those about the app as a whole."""
    found = list(_names(app))
    deployed = []
    for function in app.functions.values():
        try:
            d = deployment(function)
        except DeclarationError as exc:
            found.append(Finding("error", function.name, exc.reason))
            continue
        deployed.append(d)
        for rule in RULES:
            found.extend(Finding(level, d.function.name, text) for level, text in rule(d))
    found.extend(_shared_leases(deployed))
    found.extend(Finding("warning", None, s.note) for s in shared(deployed) if s.note)
    found.extend(_keys(deployed))
    return found


def _names(app: App) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    has_http = any(f.trigger.kind == "http" for f in app.functions.values())
    for name in app.functions:
        if not FUNCTION_NAME.fullmatch(name):
            yield Finding("error", name, BAD_NAME)
        if name == CATCH_ALL and has_http:
            yield Finding("error", name, f"{CATCH_ALL!r} is the Azure adapter's HTTP catch-all")
        other = seen.setdefault(name.lower(), name)
        if other != name:
            yield Finding("error", name, f"Azure function names ignore case: {other!r} clashes")


def _schedule(d: Deployment) -> Iterator[Said]:
    if d.function.trigger.kind == "schedule":
        try:
            cast("ScheduleTrigger", d.function.trigger).cron.ncrontab()
        except UnsupportedSchedule as exc:
            yield "error", str(exc)


def _differences(d: Deployment) -> Iterator[Said]:
    kind = d.function.trigger.kind
    if kind == "changes":
        yield "warning", UPSERTS
    if kind in ("changes", "stream"):
        yield "warning", SKIPPED.format(attempts=d.function.settings.max_attempts or 6)


def _storage(d: Deployment) -> Iterator[Said]:
    if d.function.trigger.kind == "storage":
        events = cast("StorageTrigger", d.function.trigger).events
        if d.service == "blob" and events != ("created",):
            yield "error", BLOB_CREATED_ONLY
        if "metadata_updated" in events:
            yield "warning", NO_METADATA_EVENTS


def _resource_names(d: Deployment) -> Iterator[Said]:
    rule = RESOURCE_NAMES.get(d.key)
    resource = d.function.trigger.resource
    if rule is not None and not rule[1].fullmatch(resource):
        yield "error", f"Azure rejects the {rule[0]} name {resource!r}: {rule[2]}"
    hub = d.options.get("event_hub", resource)
    if d.key == ("stream", "stream") and not _HUB_NAME.fullmatch(hub):
        yield "error", f"Azure rejects the Event Hub name {hub!r}: up to 256 {_ENTITY}"


def _derived_names(d: Deployment) -> Iterator[Said]:
    option = {("topic", "service_bus"): "subscription", ("stream", "stream"): "consumer_group"}
    key = option.get(d.key)
    value = d.options.get(key, d.function.name) if key else None
    if key and not _CHILD_NAME.fullmatch(str(value)):
        yield (
            "error",
            f"Azure rejects the {key} {value!r}: up to 50 {_ENTITY}; set azure={{{key!r}: ...}}",
        )


def _settings(d: Deployment) -> Iterator[Said]:
    settings = d.function.settings
    if settings.memory is not None:
        yield "warning", MEMORY
    if settings.batch_size is not None and d.key in ONE_MESSAGE:
        yield "warning", "this trigger invokes the function once per message: batch_size is ignored"
    if settings.timeout is not None and settings.timeout > CONSUMPTION_LIMIT:
        yield "warning", LONG_TIMEOUT.format(timeout=settings.timeout)


def _resources(d: Deployment) -> Iterator[Said]:
    needs = [need.what for need in resources.needs(d)]
    subscription = subscriptions.subscription(d)
    if subscription is not None:
        needs.append(f"Event Grid subscription {subscription.function} (after deploying)")
    if needs:
        yield "warning", f"create {'; '.join(needs)} (RESOURCES.md has the az commands)"


RULES: tuple[Rule, ...] = (
    _schedule, _differences, _storage, _resource_names, _derived_names, _settings, _resources,
)  # fmt: skip


def _shared_leases(deployed: list[Deployment]) -> Iterator[Finding]:
    owners: dict[tuple[str | None, str, str, str], str] = {}
    for d in deployed:
        if d.key == ("changes", "changes"):
            leases = d.options.get("lease_container", "leases")
            key = (d.connection, d.database, d.function.trigger.resource, leases)
            owner = owners.setdefault(key, d.function.name)
            if owner != d.function.name:
                text = SHARED_LEASES.format(leases=leases, owner=owner)
                yield Finding("error", d.function.name, text)


def _keys(deployed: list[Deployment]) -> Iterator[Finding]:
    keyed = [
        d.function.name
        for d in deployed
        if d.function.trigger.kind == "http"
        and d.options.get("auth_level", "function") != "anonymous"
    ]
    if keyed:
        yield Finding("warning", None, KEYS.format(functions=", ".join(keyed)))
