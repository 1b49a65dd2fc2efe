"""The ``portafunc`` command line.

Each subcommand is one function registered with :func:`command`, which also declares
its arguments; :func:`main` builds the parser from the registry. A
:class:`PortafuncError` ends the command with one ``portafunc: error: ...`` line on
stderr and exit code 2, without a traceback. Commands that run something and find it
failed (``invoke``, ``check``, ``build`` stopped by ``check``, ``coldstart`` over its
budget) exit with 1.

Providers are found through :func:`portafunc.providers.provider` (entry points); this
module never imports an adapter by name.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__, providers
from ._loader import load_app, source_of
from .errors import PortafuncError
from .providers import Provider, installed

__all__ = ["arg", "command", "main", "parser"]

Run = Callable[[argparse.Namespace], int]


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


def _python(text: str) -> str:
    if not re.fullmatch(r"3\.\d{1,2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Python version such as 3.12")
    return text


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _adapter(name: str) -> Provider:
    """The installed adapter for the cloud ``name`` (PortafuncError: which one to install)."""
    if name == "local":
        raise PortafuncError("--provider local runs nothing in a cloud: choose aws, azure or gcp")
    return providers.provider(name)


APP = arg("app", metavar="APP", help="path/to/module.py:app or package.module:app")
PROVIDER = arg("--provider", required=True, metavar="P", help="aws, azure or gcp")


# -- commands -----------------------------------------------------------------------------


@command(
    "inspect",
    APP,
    arg("--json", action="store_true", help="print JSON instead of a table"),
    help="list the app's functions, their triggers and what each provider deploys",
)
def inspect_app(args: argparse.Namespace) -> int:
    from ._inventory import inventory, table

    app = load_app(args.app)
    found = dict(sorted(installed().items()))
    if args.json:
        print(json.dumps(inventory(app, found), indent=2))
    elif not app.functions:
        print(f"app {app.name!r} declares no functions")
    else:
        print(table(app, found))
    return 0


@command(
    "serve",
    APP,
    arg("--provider", default="local", metavar="P",
        help="local (default: the pipeline directly), or aws, azure, gcp: every request "
        "through that provider's adapter"),
    arg("--aws-format", choices=("http", "rest", "alb"),
        help="the AWS HTTP payload: API Gateway HTTP API (default), REST API, or ALB"),
    arg("--schedules", action="store_true", help="fire the schedule functions on their cron"),
    arg("--reload", action="store_true",
        help="restart when a .py file under the app's directory changes"),
    arg("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"),
    arg("--port", type=_port, default=8080, help="port (default: %(default)s; 0: a free one)"),
    help="run the app on a local development server",
)  # fmt: skip
def serve_app(args: argparse.Namespace) -> int:
    from . import _reload, _serve

    if args.aws_format and args.provider != "aws":
        raise PortafuncError("--aws-format applies to --provider aws only")
    adapter = None if args.provider == "local" else providers.provider(args.provider)
    if args.reload:
        return _reload.run(_serve_argv(args), source_of(args.app).directory)
    options = {"format": args.aws_format or "http"} if args.provider == "aws" else {}
    server = _serve.Options(provider=adapter, provider_options=options, schedules=args.schedules)
    return _serve.serve(load_app(args.app), args.host, args.port, options=server)


def _serve_argv(args: argparse.Namespace) -> list[str]:
    """The ``serve`` arguments of the server process ``--reload`` restarts."""
    argv = ["serve", args.app, "--provider", args.provider, "--host", args.host]
    argv += ["--port", str(args.port)]
    argv += ["--aws-format", args.aws_format] if args.aws_format else []
    return argv + (["--schedules"] if args.schedules else [])


@command(
    "invoke",
    APP,
    arg("function", metavar="FUNCTION", help="the function to run"),
    PROVIDER,
    arg("--event", required=True, metavar="FILE",
        help="the provider's payload as JSON (an SQS batch, an Event Grid event...), - for stdin"),
    help="run one provider payload through the adapter and print the provider-format result",
)  # fmt: skip
def invoke(args: argparse.Namespace) -> int:
    from ._invoke import invoke

    app = load_app(args.app)
    return invoke(app, _adapter(args.provider), args.function, args.event)


@command(
    "build",
    APP,
    PROVIDER,
    arg("--out", required=True, type=Path, metavar="DIR", help="where to write the project"),
    arg("--python", type=_python, default="3.12", help="runtime version (default: %(default)s)"),
    arg("--include", action="append", default=[], metavar="GLOB",
        help="also copy files matching GLOB (.gitignore syntax) even if ignored"),
    arg("--exclude", action="append", default=[], metavar="GLOB",
        help="do not copy files matching GLOB (.gitignore syntax)"),
    arg("--http", choices=("catch-all", "per-function"),
        help="one deployment for every HTTP route (default) or one per HTTP function"),
    arg("--force", action="store_true", help="replace DIR if it exists"),
    help="write a self-contained project that the provider's own tool deploys",
)  # fmt: skip
def build(args: argparse.Namespace) -> int:
    from . import _build

    app = load_app(args.app)
    adapter = _adapter(args.provider)
    request = _build.Request(
        source=source_of(args.app), out=args.out, python=args.python,
        include=tuple(args.include), exclude=tuple(args.exclude),
        options={"http": args.http} if args.http else {}, force=args.force,
    )  # fmt: skip
    return _build.build(app, adapter, request)


@command(
    "openapi",
    APP,
    arg("--out", type=Path, metavar="FILE", help="write the document to FILE (default: stdout)"),
    arg("--api-version", default="0.1.0", help="info.version (default: %(default)s)"),
    help="print an OpenAPI 3.1 document of the app's HTTP functions",
)
def openapi_document(args: argparse.Namespace) -> int:
    from .openapi import document

    text = json.dumps(document(load_app(args.app), version=args.api_version), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PortafuncError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"portafunc: wrote {args.out}")
    return 0


@command(
    "check",
    APP,
    PROVIDER,
    help="list what the provider cannot express or does differently (exit 1 on errors)",
)
def check(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    findings = _adapter(args.provider).check(app)
    for finding in findings:
        print(finding)
    if not findings:
        print("no findings")
    return 1 if any(finding.level == "error" for finding in findings) else 0


@command(
    "coldstart",
    APP,
    arg("--provider", metavar="P", help="aws, azure or gcp: also build its adapter's entry"),
    arg("--runs", type=_positive, default=10, help="fresh processes (default: %(default)s)"),
    arg("--budget-ms", type=float, metavar="N", help="exit 1 when the median exceeds N ms"),
    arg("--json", action="store_true", help="print JSON instead of a table"),
    help="measure the app's import in fresh processes: time, memory, heaviest imports",
)  # fmt: skip
def coldstart(args: argparse.Namespace) -> int:
    from . import _coldstart

    if args.provider is not None:
        _adapter(args.provider)  # installed? (else: which package to install)
    report = _coldstart.measure(args.app, args.provider, args.runs)
    budget = args.budget_ms
    verdict, ok = ("", True) if budget is None else _coldstart.verdict(report, budget)
    if args.json:
        print(json.dumps(report.as_json(args.budget_ms), indent=2))
    else:
        print(_coldstart.text(report) + (f"\n{verdict}" if verdict else ""))
    return 0 if ok else 1


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
