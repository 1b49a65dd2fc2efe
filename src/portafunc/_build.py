"""``portafunc build``: the provider-neutral part of building a deployable project.

1. ``provider.check(app)``: findings are printed; any error stops the build (exit 1).
2. The app's source tree is listed (:mod:`portafunc._files`) and its requirements
   pinned (:mod:`portafunc._requirements`).
3. Everything is written into a temporary directory beside ``DIR``: the source is
   copied (to the project root, or under the package's name for
   ``package.module:app``), then ``provider.build`` adds its files.
4. The temporary directory is renamed to ``DIR`` (replacing it with ``--force``), so
   ``DIR`` is never half-written; on any failure the temporary directory is removed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import _files, _requirements
from ._loader import Source
from .app import App
from .errors import PortafuncError
from .providers import BuildSpec, Finding, Provider

__all__ = ["Request", "build"]


@dataclass(frozen=True)
class Request:
    """What to build, from the command line."""

    source: Source
    out: Path
    python: str = "3.12"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    force: bool = False


def build(app: App, provider: Provider, request: Request, *, out: TextIO | None = None) -> int:
    """Build ``app`` for ``provider``; return the exit code (1: check found errors)."""
    stream = out or sys.stdout

    def say(line: str) -> None:
        print(f"portafunc: {line}", file=stream, flush=True)

    target = request.out.resolve()
    _refuse(target, request)
    say(f"checking {app.name} for {provider.name}")
    if not _checked(provider.check(app), stream, provider.name):
        return 1
    source = request.source
    files = _files.select(
        source.directory, include=request.include, exclude=request.exclude, skip=target
    )
    _require_module(files, source)
    requirements = _requirements.find(source.directory)
    say(f"requirements: {len(requirements.lines)} from {requirements.origin}")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=_files.BUILDING, dir=target.parent)
    )
    try:
        say(f"copying {len(files)} file(s) from {source.directory}")
        _copy(files, source.directory, temporary / source.prefix)
        spec = BuildSpec(source.app_spec, requirements.lines, request.python, dict(request.options))
        say(f"writing the {provider.name} files")
        written = provider.build(app, spec, temporary)
        _move(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    say(f"built {target}: {', '.join(written) or 'no provider files'}")
    return 0


def _refuse(target: Path, request: Request) -> None:
    source = request.source.directory.resolve()
    if target == source or target in source.parents:
        raise PortafuncError(f"--out {target} holds the app's source; choose another directory")
    if (target.exists() or target.is_symlink()) and not request.force:
        raise PortafuncError(f"{target} already exists; pass --force to replace it")


def _checked(findings: list[Finding], stream: TextIO, provider: str) -> bool:
    """Print the findings; False (after saying so on stderr) if any is an error."""
    for finding in findings:
        print(f"  {finding}", file=stream, flush=True)
    errors = sum(1 for finding in findings if finding.level == "error")
    if errors:
        noun = "error" if errors == 1 else "errors"
        print(
            f"portafunc: error: check found {errors} {noun} for {provider}; nothing was built",
            file=sys.stderr,
        )
    return not errors


def _require_module(files: list[str], source: Source) -> None:
    module = source.app_spec.partition(":")[0].split(".")
    inner = module[1:] if source.prefix else module
    candidates = {"/".join(inner) + ".py", "/".join([*inner, "__init__.py"])}
    if not candidates & set(files):
        raise PortafuncError(
            f"the app's module is not among the files to copy from {source.directory} "
            "(ignored by .gitignore or --exclude?); add it with --include"
        )


def _copy(files: list[str], directory: Path, destination: Path) -> None:
    for path in files:
        copy = destination / path
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(directory / path, copy)


def _move(temporary: Path, target: Path) -> None:
    """Put ``temporary`` in place of ``target``, which is replaced if it exists."""
    if not (target.exists() or target.is_symlink()):
        os.replace(temporary, target)
        return
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}{_files.BUILDING}")
    os.replace(target, old)
    os.replace(temporary, target)
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink()
