"""The ``portafunc.providers`` entry point: what the CLI learns about this adapter.

Each method hands over to a module of :mod:`portafunc_gcp.cli`, imported when first
called: ``portafunc inspect`` loads this module and needs none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from portafunc.app import App, Function
    from portafunc.http import HTTPRequest, HTTPResponse
    from portafunc.providers import BuildSpec, Finding

__all__ = ["GCPProvider", "provider"]

_DEPLOYS = {
    "http": "HTTP function {resource}",
    "queue": "Pub/Sub topic {resource}",
    "topic": "Pub/Sub topic {resource}",
    "stream": "Pub/Sub topic {resource}",
    "event": "Eventarc trigger on type {resource}",
    "storage": "Cloud Storage bucket {resource} events",
    "schedule": "Cloud Scheduler job {resource} publishing to Pub/Sub",
    "changes": "Firestore document events in collection {resource}",
}


class GCPProvider:
    """The gcp adapter, as the portafunc CLI sees it."""

    name = "gcp"

    def describe(self, function: Function) -> str:
        return _DEPLOYS[function.trigger.kind].format(resource=function.trigger.resource)

    def check(self, app: App) -> list[Finding]:
        """See :mod:`portafunc_gcp.cli.check`."""
        from .cli.check import check

        return check(app)

    def invoke(self, app: App, function: str, payload: Any) -> tuple[Any, bool]:
        """See :func:`portafunc_gcp.cli.emulate.invoke`."""
        from .cli.emulate import invoke

        return invoke(app, function, payload)

    def http_handler(
        self, app: App, options: dict[str, str]
    ) -> Callable[[HTTPRequest], HTTPResponse]:
        """See :func:`portafunc_gcp.cli.emulate.http_handler` (GCP takes no options)."""
        from .cli.emulate import http_handler

        return http_handler(app)

    def event_handler(self, app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
        """See :func:`portafunc_gcp.cli.emulate.event_handler`."""
        from .cli.emulate import event_handler

        return event_handler(app)

    def build(self, app: App, spec: BuildSpec, project: Path) -> list[str]:
        """See :mod:`portafunc_gcp.cli.build`."""
        from .cli.build import build

        return build(app, spec, project)


provider = GCPProvider()
