"""Each function of an app as Azure deploys it.

A :class:`Deployment` is a function with its checked ``azure=`` options and the Azure
service carrying its trigger (the key of ``portafunc_azure.adapter.REGISTRARS``), and
what follows from them: the app setting holding its connection string, and the
Cosmos DB database it reads.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..options import DEFAULT_CONNECTIONS, AzureOptions, service_of, validate

if TYPE_CHECKING:
    from portafunc.app import App, Function

__all__ = ["CONNECTIONS", "EVENT_GRID", "Deployment", "deployment", "deployments", "shell_value"]

#: The connection kind (a key of DEFAULT_CONNECTIONS) of each (trigger kind, service).
CONNECTIONS = {
    ("queue", "storage_queue"): "storage_queue",
    ("queue", "service_bus"): "service_bus",
    ("topic", "service_bus"): "service_bus",
    ("storage", "blob"): "blob",
    ("stream", "stream"): "event_hubs",
    ("changes", "changes"): "cosmos_db",
}
#: The (trigger kind, service) pairs an Event Grid trigger carries.
EVENT_GRID = frozenset({("event", "event"), ("topic", "event_grid"), ("storage", "event_grid")})
_SETTING = re.compile(r"%([^%]+)%")


@dataclass(frozen=True)
class Deployment:
    """One function with its checked ``azure=`` options and its Azure service."""

    function: Function
    options: AzureOptions
    service: str

    @property
    def key(self) -> tuple[str, str]:
        return self.function.trigger.kind, self.service

    @property
    def connection(self) -> str | None:
        """The app setting holding the trigger's connection string (None: no connection)."""
        kind = CONNECTIONS.get(self.key)
        return None if kind is None else self.options.get("connection", DEFAULT_CONNECTIONS[kind])

    @property
    def connection_kind(self) -> str | None:
        return CONNECTIONS.get(self.key)

    @property
    def database(self) -> str:
        """The Cosmos DB database as the binding names it (``%SETTING%`` or a name)."""
        return self.options.get("database", "%PORTAFUNC_COSMOS_DATABASE%")


def deployments(app: App) -> list[Deployment]:
    """Every function of ``app`` as Azure deploys it; DeclarationError for bad options."""
    return [deployment(function) for function in app.functions.values()]


def deployment(function: Function) -> Deployment:
    """``function`` as Azure deploys it; DeclarationError for options the adapter refuses."""
    options = validate(function)
    return Deployment(function, options, service_of(function, options))


def shell_value(binding_value: str) -> str:
    """A binding value for the shell: ``%SETTING%`` → ``"$SETTING"``, else quoted."""
    match = _SETTING.fullmatch(binding_value)
    return f'"${match[1]}"' if match else shlex.quote(binding_value)
