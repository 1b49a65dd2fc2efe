"""Installed provider adapters, found through the ``portafunc.providers`` entry points.

Only the CLI reads entry points: a deployed function imports its adapter
directly, because scanning entry points costs milliseconds of cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .app import Function

__all__ = ["GROUP", "Provider", "installed"]

GROUP = "portafunc.providers"


class Provider(Protocol):
    """What an adapter offers the CLI."""

    name: str

    def describe(self, function: Function) -> str:
        """What this provider deploys for ``function`` (e.g. "SQS queue orders")."""
        ...


def installed() -> dict[str, Provider]:
    """The adapters installed in this environment, by provider name."""
    from importlib.metadata import entry_points

    return {ep.name: ep.load() for ep in entry_points(group=GROUP)}
