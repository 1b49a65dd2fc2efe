"""``portafunc check --provider gcp``: what Google Cloud cannot express, or does
differently, for an app (DESIGN §3).

Errors block ``build``: ``gcp=`` options the adapter does not know, names that clash
once mapped onto Cloud Functions' rules (or with the app entry), timeouts and memory
outside Cloud Functions' limits, a storage function listening only to ``restored``
(Cloud Storage sends no such event), a Pub/Sub topic name Pub/Sub refuses, and HTTP
functions giving their shared deployment different ``gcp=`` values. Warnings say what
happens differently: a storage function deployed several times, a name that is
mapped, resources to create first (buckets, the Firestore database), retries turned
off, settings that GCP has no place for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

from portafunc.errors import DeclarationError
from portafunc.providers import Finding

from ..options import validate
from ..sources.storage import TYPES as STORAGE_TYPES
from .plan import PUBSUB_KINDS, Deployment, Plan, deployment_name, gcp_options, plan, pubsub_topic

if TYPE_CHECKING:
    from portafunc.app import App, Function
    from portafunc.triggers import StorageTrigger

__all__ = ["check"]

Rule = Callable[["Function"], Iterator[Finding]]

#: The longest timeout Cloud Functions (2nd gen) allows, in seconds.
TIMEOUTS = {"http": 3600, "event": 540}
#: Memory Cloud Functions (2nd gen) allows, in MiB.
MEMORY = (128, 32768)
EVENT_KINDS = frozenset({"queue", "topic", "stream", "schedule", "storage", "changes", "event"})
#: gcp= options that mean something only for some trigger kinds.
APPLIES = {"retry": EVENT_KINDS, "trigger_location": EVENT_KINDS, "topic": PUBSUB_KINDS}
_TOPIC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}")


def check(app: App) -> list[Finding]:
    """Every finding for ``app``, errors and warnings, in declaration order."""
    layout = plan(app)
    findings = list(_names(app, layout))
    for function in app.functions.values():
        for rule in (*_COMMON, *_BY_KIND.get(function.trigger.kind, ())):
            findings.extend(rule(function))
    findings.extend(_shared(layout))
    return findings


def _error(function: Function | None, message: str) -> Finding:
    return Finding("error", function.name if function else None, message)


def _warning(function: Function | None, message: str) -> Finding:
    return Finding("warning", function.name if function else None, message)


# -- every function -------------------------------------------------------------------


def _options(function: Function) -> Iterator[Finding]:
    try:
        validate(function)
    except DeclarationError as exc:
        yield _error(function, exc.reason)
        return
    kind = function.trigger.kind
    for key in gcp_options(function):
        if key in APPLIES and kind not in APPLIES[key]:
            yield _warning(function, f"gcp={{{key!r}: ...}} has no effect on a {kind} function")


def _limits(function: Function) -> Iterator[Finding]:
    timeout, memory = function.settings.timeout, function.settings.memory
    longest = TIMEOUTS["http" if function.trigger.kind == "http" else "event"]
    if timeout is not None and timeout > longest:
        yield _error(
            function, f"timeout={timeout:g} s: Cloud Functions allows at most {longest} s here"
        )
    if memory is not None and not MEMORY[0] <= memory <= MEMORY[1]:
        yield _error(
            function, f"memory={memory} MB: Cloud Functions allows {MEMORY[0]} to {MEMORY[1]} MiB"
        )


def _retry(function: Function) -> Iterator[Finding]:
    if function.trigger.kind in EVENT_KINDS and gcp_options(function).get("retry") is False:
        yield _warning(
            function,
            'deployed without --retry (gcp={"retry": False}): a failed event is dropped, '
            "never delivered again",
        )


def _delivery(function: Function) -> Iterator[Finding]:
    settings, kind = function.settings, function.trigger.kind
    source = "Firestore" if kind == "changes" else "Pub/Sub"
    if settings.batch_size is not None:
        yield _warning(
            function,
            f"batch_size={settings.batch_size} is ignored: {source} delivers one "
            f"{'document change' if kind == 'changes' else 'message'} per invocation",
        )
    if settings.max_attempts is not None:
        yield _warning(
            function,
            f"max_attempts={settings.max_attempts} is not deployed: with --retry, Eventarc "
            "redelivers until the event is a day old; to bound attempts, give the trigger's "
            "Pub/Sub subscription a dead-letter topic (gcloud pubsub subscriptions update "
            "SUBSCRIPTION --dead-letter-topic=TOPIC "
            f"--max-delivery-attempts={settings.max_attempts})",
        )


# -- per trigger kind -----------------------------------------------------------------


def _topic(function: Function) -> Iterator[Finding]:
    topic = pubsub_topic(function) or ""
    if not _TOPIC_NAME.fullmatch(topic) or topic.lower().startswith("goog"):
        yield _error(
            function,
            f"Pub/Sub refuses the topic name {topic!r} (3 to 255 letters, digits and -_.~+%, "
            'starting with a letter, not with "goog"); choose one with gcp={"topic": ...}',
        )


def _storage(function: Function) -> Iterator[Finding]:
    trigger = cast("StorageTrigger", function.trigger)
    actions = [action for action in trigger.events if action in STORAGE_TYPES]
    if "restored" in trigger.events:
        message = "Cloud Storage sends no 'restored' event"
        if actions:
            yield _warning(function, f"never called for 'restored': {message}")
        else:
            yield _error(function, f"{message}: nothing to deploy")
    if len(actions) > 1:
        names = [deployment_name(f"{function.name}-{action}") for action in actions]
        yield _warning(
            function,
            f"listens to {', '.join(actions)}: Cloud Functions takes one event type per "
            f"function, so this is {len(names)} deployments of one entry point: "
            f"{', '.join(names)}",
        )
    if trigger.prefix or trigger.suffix:
        yield _warning(
            function,
            f"Eventarc cannot filter object names: every event in bucket {trigger.bucket!r} "
            "invokes the function, which acknowledges objects outside the prefix/suffix",
        )
    yield _warning(
        function,
        f"bucket {trigger.bucket!r} must exist (gcloud storage buckets create "
        f"gs://{trigger.bucket}); the trigger runs in the bucket's location: "
        'gcp={"trigger_location": ...} when it is not the deployment\'s region',
    )


def _changes(function: Function) -> Iterator[Finding]:
    yield _warning(
        function,
        "the Firestore database (default) must exist in Native mode (gcloud firestore "
        f"databases create --location=...); the trigger hears documents "
        f"{function.trigger.resource}/{{id}} in the database's location: "
        'gcp={"trigger_location": ...} when it is not the deployment\'s region',
    )


def _event(function: Function) -> Iterator[Finding]:
    event_type = function.trigger.resource
    if not event_type.startswith("google."):
        yield _warning(
            function,
            f"{event_type!r} is not a Google event type: Eventarc delivers other types only "
            "from a channel (gcloud eventarc channels create, then --trigger-channel in "
            "deploy.sh)",
        )


_COMMON: tuple[Rule, ...] = (_options, _limits, _retry)
_BY_KIND: dict[str, tuple[Rule, ...]] = {
    "queue": (_topic, _delivery),
    "topic": (_topic, _delivery),
    "stream": (_topic, _delivery),
    "schedule": (_topic,),
    "changes": (_delivery, _changes),
    "storage": (_storage,),
    "event": (_event,),
}


# -- the whole app --------------------------------------------------------------------


def _names(app: App, layout: Plan) -> Iterator[Finding]:
    http = any(f.trigger.kind == "http" for f in app.functions.values())
    if http and app.name in app.functions:
        yield _error(
            app.functions[app.name],
            "named like the app, whose entry point serves every HTTP route under that name; "
            "give the function another name=",
        )
    for deployment in layout.deployments:
        source = deployment.entry
        if deployment_name(source) == deployment.name and source != deployment.name:
            owner = None if deployment.http else deployment.functions[0]
            what = f"the app entry {source!r} is deployed" if owner is None else "deployed"
            yield _warning(
                owner,
                f"{what} as {deployment.name!r} (Cloud Functions names are lowercase letters, "
                "digits and hyphens)",
            )
    yield from _collisions(layout.deployments)


def _collisions(deployments: tuple[Deployment, ...]) -> Iterator[Finding]:
    seen: dict[str, Deployment] = {}
    for deployment in deployments:
        first = seen.setdefault(deployment.name, deployment)
        if first.entry != deployment.entry:  # a function named like the app: _names said so
            yield _error(
                None if deployment.http else deployment.functions[0],
                f"{_label(first)} and {_label(deployment)} would both be deployed as "
                f"{deployment.name!r}; rename one with name=",
            )


def _label(deployment: Deployment) -> str:
    if deployment.http:
        return f"the app entry {deployment.entry!r}"
    return f"function {deployment.entry!r}"


def _shared(layout: Plan) -> Iterator[Finding]:
    """HTTP functions share the app entry's deployment: its options and settings."""
    app_entry = next((d for d in layout.deployments if d.http), None)
    if app_entry is None or len(app_entry.functions) < 2:
        return
    given: dict[str, dict[str, object]] = {}
    for function in app_entry.functions:
        for key, value in gcp_options(function).items():
            given.setdefault(key, {})[function.name] = value
    for key, values in given.items():
        if len({repr(v) for v in values.values()}) > 1:
            listed = ", ".join(f"{v!r} ({name})" for name, v in values.items())
            yield _error(
                None,
                f"the HTTP functions share the deployment {app_entry.name!r} but give "
                f"gcp={{{key!r}: ...}} different values: {listed}",
            )
    for setting, unit in (("timeout", "s"), ("memory", "MiB")):
        if len({getattr(f.settings, setting) for f in app_entry.functions}) > 1:
            chosen = getattr(app_entry, setting)
            yield _warning(
                None,
                f"the HTTP functions share the deployment {app_entry.name!r}: it is deployed "
                f"with the largest {setting} among them ({chosen:g} {unit})",
            )
