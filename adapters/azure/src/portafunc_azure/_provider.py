"""The ``portafunc.providers`` entry point: what the CLI learns about this adapter.

Each method hands over to a module of ``portafunc_azure.cli``: ``check``,
``emulate`` (``invoke``, ``http_handler``, ``event_handler``) and ``build``. They
import azure.functions' decorators and the adapter, so they are imported when a
method is called: ``portafunc inspect`` only needs :meth:`AzureProvider.describe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from portafunc.app import App, Function
    from portafunc.http import HTTPRequest, HTTPResponse
    from portafunc.providers import BuildSpec, Finding

__all__ = ["AzureProvider", "provider"]

_DEPLOYS = {
    "http": "HTTP trigger {resource}",
    "queue": "Storage Queue {resource}",
    "topic": "Service Bus topic {resource}",
    "stream": "Event Hub {resource}",
    "event": "Event Grid events of type {resource}",
    "storage": "Event Grid blob events of container {resource}",
    "schedule": "Timer trigger {resource}",
    "changes": "Cosmos DB change feed of container {resource}",
}


class AzureProvider:
    """The azure adapter, as the portafunc CLI sees it."""

    name = "azure"

    def describe(self, function: Function) -> str:
        return _DEPLOYS[function.trigger.kind].format(resource=function.trigger.resource)

    def check(self, app: App) -> list[Finding]:
        from .cli.check import findings

        return findings(app)

    def invoke(self, app: App, function: str, payload: Any) -> tuple[Any, bool]:
        from .cli.emulate import invoke

        return invoke(app, function, payload)

    def http_handler(
        self, app: App, options: dict[str, str]
    ) -> Callable[[HTTPRequest], HTTPResponse]:
        from .cli.emulate import http_handler

        return http_handler(app, options)

    def event_handler(self, app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
        from .cli.emulate import event_handler

        return event_handler(app)

    def build(self, app: App, spec: BuildSpec, project: Path) -> list[str]:
        from .cli.build import build

        return build(app, spec, project)


provider = AzureProvider()
