"""Installed provider adapters, found through the ``portafunc.providers`` entry points.

Only the CLI reads entry points: a deployed function imports its adapter
directly, because scanning entry points costs milliseconds of cold start.

Every adapter's entry point is an object following :class:`Provider`: what the CLI
needs to describe, check, invoke, serve and build an app on that cloud. The core
never imports an adapter by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from .app import App, Function
    from .http import HTTPRequest, HTTPResponse

__all__ = ["GROUP", "BuildSpec", "Finding", "Provider", "installed", "provider"]

GROUP = "portafunc.providers"
#: Which adapter distribution provides each provider name (for "pip install" hints).
DISTRIBUTIONS = {"aws": "portafunc-aws", "azure": "portafunc-azure", "gcp": "portafunc-gcp"}


@dataclass(frozen=True)
class Finding:
    """Something ``portafunc check`` reports: an error blocks a build, a warning does not."""

    level: Literal["error", "warning"]
    function: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.function}: " if self.function else ""
        return f"{self.level}: {where}{self.message}"


@dataclass(frozen=True)
class BuildSpec:
    """What ``portafunc build`` hands a provider.

    ``app_spec`` is how the generated entry module imports the app inside the
    project (``module:attribute``, relative to the project root, where the user's
    source tree has been copied); ``requirements`` are the pinned requirement lines
    of the user's project (the provider adds its own adapter's); ``python`` is the
    runtime version (``"3.12"``); ``options`` are provider-specific CLI flags
    (e.g. ``{"http": "per-function"}`` for AWS).
    """

    app_spec: str
    requirements: tuple[str, ...]
    python: str = "3.12"
    options: dict[str, str] | None = None


class Provider(Protocol):
    """What an adapter offers the CLI."""

    name: str

    def describe(self, function: Function) -> str:
        """What this provider deploys for ``function`` (e.g. "SQS queue orders")."""
        ...

    def check(self, app: App) -> list[Finding]:
        """What this provider cannot express or does differently for ``app``."""
        ...

    def invoke(self, app: App, function: str, payload: Any) -> tuple[Any, bool]:
        """Run one provider payload (parsed JSON) through the adapter, pinned to
        ``function``; return the provider-format result and whether it succeeded."""
        ...

    def http_handler(
        self, app: App, options: dict[str, str]
    ) -> Callable[[HTTPRequest], HTTPResponse]:
        """For ``serve --provider``: turn a local request into this provider's HTTP
        payload, run it through the adapter, and turn its answer back."""
        ...

    def event_handler(self, app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
        """For ``serve --provider``'s ``POST /_portafunc/events``: a raw provider payload
        (body, headers) auto-detected and dispatched; returns (HTTP status, result)."""
        ...

    def build(self, app: App, spec: BuildSpec, project: Path) -> list[str]:
        """Write this provider's files into ``project`` (the user's source is already
        there); return the paths written, relative to ``project``."""
        ...


def installed() -> dict[str, Provider]:
    """The adapters installed in this environment, by provider name."""
    from importlib.metadata import entry_points

    return {ep.name: ep.load() for ep in entry_points(group=GROUP)}


def provider(name: str) -> Provider:
    """The installed adapter for ``name``; a PortafuncError saying what to install if none."""
    from .errors import PortafuncError

    found = installed().get(name)
    if found is None:
        package = DISTRIBUTIONS.get(name, f"portafunc-{name}")
        raise PortafuncError(
            f"no portafunc adapter for {name!r} is installed: pip install {package} "
            f"(or portafunc[{name}])"
        )
    return found
