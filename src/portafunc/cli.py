"""The ``portafunc`` command line.

Each subcommand is one function registered with :func:`command`, which also declares
its arguments; :func:`main` builds the parser from the registry. A
:class:`PortafuncError` ends the command with one ``portafunc: error: ...`` line on
stderr and exit code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__, _serve
from ._loader import load_app
from .app import App, Function
from .errors import PortafuncError
from .providers import Provider, installed

__all__ = ["arg", "command", "main", "parser"]

Run = Callable[[argparse.Namespace], int]
_UNITS = {"timeout": "s", "memory": "MB"}


@dataclasses.dataclass(frozen=True)
class Argument:
    """The arguments of one ``ArgumentParser.add_argument`` call."""

    flags: tuple[str, ...]
    options: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class _Command:
    help: str
    arguments: tuple[Argument, ...]
    run: Run


_COMMANDS: dict[str, _Command] = {}


def arg(*flags: str, **options: Any) -> Argument:
    return Argument(flags, options)


def command(name: str, *arguments: Argument, help: str) -> Callable[[Run], Run]:
    """Register ``portafunc NAME``: the decorated function runs it and returns the exit code."""

    def register(run: Run) -> Run:
        _COMMANDS[name] = _Command(help, arguments, run)
        return run

    return register


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 picks a free one)")
    return int(text)


APP = arg("app", metavar="APP", help="path/to/module.py:app or package.module:app")


# -- commands -----------------------------------------------------------------------------


@command(
    "inspect",
    APP,
    arg("--json", action="store_true", help="print JSON instead of a table"),
    help="list the app's functions, their triggers and what each provider deploys",
)
def inspect_app(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    providers = dict(sorted(installed().items()))
    if args.json:
        print(json.dumps(_inventory(app, providers), indent=2))
    elif not app.functions:
        print(f"app {app.name!r} declares no functions")
    else:
        print(_table(app, providers))
    return 0


@command(
    "serve",
    APP,
    arg("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"),
    arg("--port", type=_port, default=8080, help="port (default: %(default)s; 0: a free one)"),
    help="run the app's HTTP functions on a local development server",
)
def serve_app(args: argparse.Namespace) -> int:
    return _serve.serve(load_app(args.app), args.host, args.port)


# -- inspect's output ---------------------------------------------------------------------


def _inventory(app: App, providers: dict[str, Provider]) -> dict[str, Any]:
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
                "settings": _settings(function),
                "where": function.where,
                "providers": {name: _deploys(p, function) for name, p in providers.items()},
            }
            for function in app.functions.values()
        ],
    }


def _table(app: App, providers: dict[str, Provider]) -> str:
    rows = [["FUNCTION", "TRIGGER", "SETTINGS", *(name.upper() for name in providers)]]
    for function in app.functions.values():
        settings = " ".join(
            f"{key}={value}{_UNITS.get(key, '')}" for key, value in _settings(function).items()
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


def _settings(function: Function) -> dict[str, Any]:
    values = dataclasses.asdict(function.settings)
    return {key: value for key, value in values.items() if value is not None}


def _deploys(provider: Provider, function: Function) -> str:
    try:
        return provider.describe(function)
    except PortafuncError as exc:
        return f"unsupported: {exc}"


# -- entry point --------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The parser of every registered command."""
    root = argparse.ArgumentParser(
        prog="portafunc",
        description="Write a serverless function once; run it on AWS, Azure and Google Cloud.",
    )
    root.add_argument("--version", action="version", version=f"portafunc {__version__}")
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, spec in _COMMANDS.items():
        sub = commands.add_parser(name, help=spec.help, description=spec.help)
        for argument in spec.arguments:
            sub.add_argument(*argument.flags, **argument.options)
        sub.set_defaults(run=spec.run)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``portafunc`` with ``argv`` (default: the process arguments); return the exit code."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PortafuncError as exc:
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        print(f"portafunc: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
