"""``host.json`` and ``local.settings.json`` of a built project.

``host.json``: version 2.0, the extension bundle 4.x (every binding the adapter uses:
Storage, Service Bus, Event Hubs 5.x, Cosmos DB 4.x, Event Grid), ``routePrefix`` ""
(so a deployed function's path is the portafunc path), and the portable settings that
are host-wide on Azure (:data:`SHARED`, see :func:`shared`): Storage Queue
``maxDequeueCount`` from ``max_attempts`` and Event Hubs ``maxEventBatchSize`` from
``batch_size`` when the functions of that trigger agree, and ``functionTimeout``
from the largest ``timeout`` when every function declares one.

``local.settings.json`` is the template ``func start`` reads: the worker runtime,
``AzureWebJobsStorage`` and any other storage connection set to the Azurite
emulator, an empty value for each other connection setting and app setting the
triggers name (``%PORTAFUNC_COSMOS_DATABASE%``, …).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .deployment import Deployment

__all__ = ["SHARED", "Shared", "app_settings", "host_json", "local_settings", "shared"]

BUNDLE = {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}
_SETTING = re.compile(r"%([^%]+)%")
#: The connection string of the local storage emulator (Azurite).
_AZURITE = "UseDevelopmentStorage=true"


@dataclass(frozen=True)
class Rule:
    """A host.json setting taken from one portable setting of some functions."""

    path: tuple[str, ...]
    #: The portable setting (a field of ``Function.settings``).
    setting: str
    applies: Callable[[Deployment], bool]
    #: How differing values combine; None: they cannot, the setting is left out.
    combine: Callable[[Sequence[float]], float] | None = None
    render: Callable[[float], Any] = int


@dataclass(frozen=True)
class Shared:
    """One host-wide setting as the app's functions declare it."""

    path: tuple[str, ...]
    value: Any
    #: Why the value is not every function's own (None: it is).
    note: str | None = None


def _duration(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


SHARED = (
    Rule(
        ("extensions", "queues", "maxDequeueCount"),
        "max_attempts",
        lambda d: d.key == ("queue", "storage_queue"),
    ),
    Rule(
        ("extensions", "eventHubs", "maxEventBatchSize"),
        "batch_size",
        lambda d: d.key == ("stream", "stream"),
    ),
    Rule(("functionTimeout",), "timeout", lambda d: True, combine=max, render=_duration),
)


def shared(deployed: Sequence[Deployment]) -> list[Shared]:
    """The host-wide settings the functions declare, with a note where they disagree.

    A setting is written when every function it applies to declares the same value
    (or, for a rule that combines, any values); a function declaring none would
    otherwise get another function's value instead of the host default.
    """
    found = []
    for rule in SHARED:
        values = {
            d.function.name: getattr(d.function.settings, rule.setting)
            for d in deployed
            if rule.applies(d)
        }
        declared = [value for value in values.values() if value is not None]
        if not declared:
            continue
        everyone = len(declared) == len(values)
        if everyone and len(set(declared)) == 1:
            found.append(Shared(rule.path, rule.render(declared[0])))
            continue
        value = rule.render(rule.combine(declared)) if everyone and rule.combine else None
        listed = "; ".join(
            f"{'host default' if given is None else given}: {', '.join(names)}"
            for given, names in _grouped(values).items()
        )
        outcome = "host default kept" if value is None else f"set to {value}"
        note = f"{rule.setting} differs ({listed}); {'.'.join(rule.path)} is app-wide: {outcome}"
        found.append(Shared(rule.path, value, note))
    return found


def _grouped(values: dict[str, Any]) -> dict[Any, list[str]]:
    """Function names by the value each declares."""
    groups: dict[Any, list[str]] = {}
    for name, value in values.items():
        groups.setdefault(value, []).append(name)
    return groups


def host_json(deployed: Sequence[Deployment]) -> dict[str, Any]:
    """The ``host.json`` of the app's functions."""
    config: dict[str, Any] = {
        "version": "2.0",
        "logging": {
            "applicationInsights": {
                "samplingSettings": {"isEnabled": True, "excludedTypes": "Request"}
            }
        },
        "extensionBundle": dict(BUNDLE),
        "extensions": {"http": {"routePrefix": ""}},
    }
    for setting in shared(deployed):
        if setting.value is None:
            continue
        *parents, leaf = setting.path
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = setting.value
    return config


def app_settings(deployed: Sequence[Deployment]) -> dict[str, str | None]:
    """Each app setting the triggers name → its connection kind (None: a plain value)."""
    found: dict[str, str | None] = {}
    for d in deployed:
        if d.connection is not None:
            found.setdefault(d.connection, d.connection_kind)
        if d.key == ("changes", "changes"):
            match = _SETTING.fullmatch(d.database)
            if match:
                found.setdefault(match[1], None)
    return found


def local_settings(deployed: Sequence[Deployment]) -> dict[str, Any]:
    """The ``local.settings.json`` template for ``func start``."""
    values = {"FUNCTIONS_WORKER_RUNTIME": "python", "AzureWebJobsStorage": _AZURITE}
    for name, kind in app_settings(deployed).items():
        values.setdefault(name, _AZURITE if kind in ("storage_queue", "blob") else "")
    return {"IsEncrypted": False, "Values": values}
