"""The pinned requirements ``portafunc build`` hands a provider.

The project is the nearest directory, from the app's source directory up to the root
of its git work tree, holding a ``pyproject.toml`` or a ``requirements.txt``. Its
requirements come from the first of:

1. ``uv.lock`` (beside the ``pyproject.toml`` or above it, in a uv workspace) when
   ``uv`` is on PATH: ``uv export --frozen --no-dev --no-hashes --no-emit-workspace``,
   every transitive dependency pinned exactly as locked;
2. ``pyproject.toml``'s ``[project] dependencies``, each pinned to the version
   installed here (``name==version``, extras and markers kept; one not installed is
   kept as declared, and the provider's tool resolves what they need);
3. ``requirements.txt``, as written (comments dropped).

Any ``portafunc`` requirement is replaced by ``portafunc==`` the version running the
build; the provider adds its own adapter's.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .errors import PortafuncError

__all__ = ["Requirements", "find", "pinned"]

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)", re.S)
_EXPORT = ("export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-workspace")


@dataclass(frozen=True)
class Requirements:
    """Requirement lines, and where they were read (for the progress line)."""

    lines: tuple[str, ...]
    origin: str


def find(start: Path) -> Requirements:
    """The requirements of the project holding ``start``, with ``portafunc`` pinned."""
    project = _project(start)
    if project is None:
        return _with_portafunc([], "no pyproject.toml or requirements.txt found")
    pyproject, listed = project / "pyproject.toml", project / "requirements.txt"
    lock = _lock(project) if pyproject.is_file() else None
    if lock is not None and shutil.which("uv") is not None:
        return _with_portafunc(_uv_export(project), f"{lock} (uv export)")
    declared = _declared(pyproject) if pyproject.is_file() else None
    if declared is not None:
        return _with_portafunc([pinned(line) for line in declared], str(pyproject))
    if listed.is_file():
        return _with_portafunc(_lines(listed.read_text(encoding="utf-8")), str(listed))
    return _with_portafunc([], f"{pyproject} (no [project] dependencies)")


def pinned(requirement: str) -> str:
    """``requirement`` pinned to the installed version (``pydantic>=2`` → ``pydantic==2.9.2``)."""
    match = _NAME.fullmatch(requirement)
    if match is None or match[3].lstrip().startswith("@"):  # a direct reference stays
        return requirement.strip()
    name, extras, rest = match[1], match[2] or "", match[3]
    marker = rest.partition(";")[2].strip()
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return requirement.strip()
    return f"{name}{extras}=={version}" + (f" ; {marker}" if marker else "")


def _project(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file() or (directory / "requirements.txt").is_file():
            return directory
        if (directory / ".git").exists():
            return None
    return None


def _lock(project: Path) -> Path | None:
    for directory in (project, *project.parents):
        if (directory / "uv.lock").is_file():
            return directory / "uv.lock"
        if (directory / ".git").exists():
            return None
    return None


def _uv_export(project: Path) -> list[str]:
    uv = shutil.which("uv") or "uv"
    try:
        done = subprocess.run(
            [uv, *_EXPORT, "--no-header", "--no-annotate"],
            cwd=project, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PortafuncError(f"uv export failed in {project}: {exc}") from exc
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PortafuncError(f"uv export failed in {project}: {reason}")
    return [line for line in _lines(done.stdout) if not line.startswith(("-e ", "."))]


def _declared(pyproject: Path) -> list[str] | None:
    data = _toml().loads(pyproject.read_text(encoding="utf-8"))
    project = data.get("project")
    if not isinstance(project, dict):
        return None
    dependencies = project.get("dependencies", [])
    return [str(line) for line in dependencies] if isinstance(dependencies, list) else None


def _toml() -> Any:
    name = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        return importlib.import_module(name)
    except ImportError:
        raise PortafuncError(
            "reading pyproject.toml on Python 3.10 needs tomli (pip install tomli)"
        ) from None


def _lines(text: str) -> list[str]:
    lines = (
        line.split(" #", 1)[0].strip().removesuffix("\\").strip() for line in text.splitlines()
    )
    return [line for line in lines if line and not line.startswith("#")]


def _with_portafunc(lines: list[str], origin: str) -> Requirements:
    own = [line for line in lines if not _is_portafunc(line)]
    return Requirements((*own, f"portafunc=={__version__}"), origin)


def _is_portafunc(line: str) -> bool:
    match = _NAME.match(line)
    return match is not None and re.sub(r"[-_.]+", "-", match[1]).lower() == "portafunc"
