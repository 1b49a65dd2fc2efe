"""What ``portafunc inspect`` prints: the app's functions, triggers, settings, and what
each installed provider deploys for them, as a table or as JSON."""

from __future__ import annotations

from typing import Any

from .app import App, Function
from .errors import PortafuncError
from .providers import Provider

__all__ = ["inventory", "table"]

_UNITS = {"timeout": "s", "memory": "MB"}


def inventory(app: App, providers: dict[str, Provider]) -> dict[str, Any]:
    """The app's functions as JSON-ready data."""
    return {
        "app": app.name,
        "providers": list(providers),
        "functions": [
            {
                "name": function.name,
                "trigger": {
                    "kind": function.trigger.kind,
                    "resource": function.trigger.resource,
                    "description": function.trigger.describe(),
                },
                "settings": function.settings.given(),
                "where": function.where,
                "providers": {name: _deploys(p, function) for name, p in providers.items()},
            }
            for function in app.functions.values()
        ],
    }


def table(app: App, providers: dict[str, Provider]) -> str:
    """The app's functions as an aligned text table, one row per function."""
    rows = [["FUNCTION", "TRIGGER", "SETTINGS", *(name.upper() for name in providers)]]
    for function in app.functions.values():
        settings = " ".join(
            f"{key}={value}{_UNITS.get(key, '')}"
            for key, value in function.settings.given().items()
        )
        rows.append(
            [
                function.name,
                function.trigger.describe(),
                settings or "-",
                *(_deploys(provider, function) for provider in providers.values()),
            ]
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _deploys(provider: Provider, function: Function) -> str:
    try:
        return provider.describe(function)
    except PortafuncError as exc:
        return f"unsupported: {exc}"
