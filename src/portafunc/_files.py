"""Which files of a source tree ``portafunc build`` copies.

In a git work tree, git decides: ``git ls-files --cached --others --exclude-standard``
(tracked files, and untracked ones that no ``.gitignore``, ``.git/info/exclude`` or
global excludes file ignores). Elsewhere a small matcher reads the ``.gitignore``
files found in the tree, with git's pattern rules: ``#`` comments, ``!`` negation, a
trailing ``/`` for directories only, a pattern with a ``/`` anchored to its
``.gitignore``'s directory (else matching at any depth), ``*``, ``?``, ``[...]`` and
``**``. Then ``--include`` globs add files that were ignored, ``--exclude`` globs drop
files (both in ``.gitignore`` syntax, matching a file or any directory above it), and
:data:`NEVER` directories and compiled files are never copied.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NEVER", "Patterns", "select"]

#: Directory names never copied (also anything ending in ``.portafunc-build``: builds in progress).
NEVER = frozenset({".git", ".venv", "__pycache__"})
BUILDING = ".portafunc-build"
_GLOB = re.compile(r"\*\*/|/\*\*$|\*\*|\*|\?|\[[^\]/]*\]|\\.|.", re.S)


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negate: bool
    directory_only: bool
    base: str  # the directory of the .gitignore holding the rule: "" or "sub/dir/"


class Patterns:
    """Patterns in ``.gitignore`` syntax; the last one matching a path decides."""

    def __init__(self, lines: Iterable[str] = (), base: str = "") -> None:
        self.rules: list[_Rule] = []
        self.add(lines, base)

    def add(self, lines: Iterable[str], base: str = "") -> None:
        for line in lines:
            rule = _rule(line, base)
            if rule is not None:
                self.rules.append(rule)

    def matches(self, path: str, *, is_dir: bool = False) -> bool:
        """Whether the last rule matching ``path`` (relative, ``/``-separated) includes it."""
        matched = False
        for rule in self.rules:
            if rule.directory_only and not is_dir:
                continue
            if path.startswith(rule.base) and rule.regex.fullmatch(path[len(rule.base) :]):
                matched = not rule.negate
        return matched

    def covers(self, path: str) -> bool:
        """Whether ``path`` or a directory above it matches."""
        parts = path.split("/")
        ancestors = ("/".join(parts[:depth]) for depth in range(1, len(parts)))
        return any(self.matches(a, is_dir=True) for a in ancestors) or self.matches(path)


def _rule(line: str, base: str) -> _Rule | None:
    text = line.rstrip("\r\n")
    if not text.endswith("\\ "):  # an escaped trailing space is kept
        text = text.rstrip(" ")
    if not text or text.startswith("#"):
        return None
    negate = text.startswith("!")
    text = text[1:] if negate else text
    directory_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    body = "".join(_translate(token) for token in _GLOB.findall(text.lstrip("/")))
    regex = re.compile(body if anchored else f"(?:.*/)?{body}", re.S)
    return _Rule(regex, negate, directory_only, base)


def _translate(token: str) -> str:
    if token == "**/":
        return "(?:.*/)?"
    if token in ("/**", "**"):
        return "/.*" if token == "/**" else ".*"
    if token == "*":
        return "[^/]*"
    if token == "?":
        return "[^/]"
    if token.startswith("[") and len(token) > 2:
        inner = token[1:-1]
        return f"[^{inner[1:]}]" if inner.startswith("!") else f"[{inner}]"
    return re.escape(token[-1])


def select(
    directory: Path,
    *,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    skip: Path | None = None,
) -> list[str]:
    """The files of ``directory`` to copy, as sorted relative ``/``-separated paths.

    ``skip`` (the output directory) is never copied, wherever it is.
    """
    chosen = _git_files(directory)
    if chosen is None:
        chosen = set(_walk(directory, Patterns()))
    included, excluded = Patterns(include), Patterns(exclude)
    if included.rules:
        chosen |= {path for path in _walk(directory, None) if included.covers(path)}
    skipped = _relative(skip, directory)
    return sorted(
        path
        for path in chosen
        if not excluded.covers(path)
        and not _never(path)
        and not (skipped is not None and (path == skipped or path.startswith(f"{skipped}/")))
        and (directory / path).is_file()
    )


def _never(path: str) -> bool:
    *directories, name = path.split("/")
    return any(part in NEVER or part.endswith(BUILDING) for part in directories) or name.endswith(
        (".pyc", ".pyo")
    )


def _relative(path: Path | None, directory: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(directory.resolve()).as_posix()
    except ValueError:
        return None


def _walk(directory: Path, ignore: Patterns | None) -> Iterable[str]:
    """Every file under ``directory``; with ``ignore``, honouring the .gitignore files found."""
    for root, dirs, files in os.walk(directory):
        here = Path(root).relative_to(directory).as_posix()
        prefix = "" if here == "." else f"{here}/"
        if ignore is not None and ".gitignore" in files:
            ignore.add(
                (directory / prefix / ".gitignore").read_text(errors="replace").splitlines(), prefix
            )
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in NEVER
            and not d.endswith(BUILDING)
            and (ignore is None or not ignore.matches(prefix + d, is_dir=True))
        )
        for name in files:
            if ignore is None or not ignore.matches(prefix + name):
                yield prefix + name


def _git_files(directory: Path) -> set[str] | None:
    """The files git would consider part of ``directory``, or None outside a work tree."""
    git = shutil.which("git")
    if git is None:
        return None
    inside = _git(git, directory, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.strip() != "true":
        return None
    listed = _git(git, directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return None if listed is None else {path for path in listed.split("\0") if path}


def _git(git: str, directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            [git, "-C", str(directory), *args], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
