"""``portafunc serve --reload``: run the server in a child process, restart it on changes.

The parent polls the modification times of the ``.py`` files under the app's
directory (no dependency, no OS-specific notification API) and, when one is added,
removed or changed, stops the child with SIGTERM (it shuts down cleanly) and starts
a new one with the same arguments. A child that exits by itself (an import error)
is started again at the next change. Ctrl-C or SIGTERM stops both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from ._signals import stop_on_signals

__all__ = ["POLL_SECONDS", "run", "snapshot"]

POLL_SECONDS = 0.5
#: Directories never watched (environments, caches, version control, dependencies).
_SKIP = frozenset({"__pycache__", "node_modules", "venv", "env", "site-packages"})
_STOP_SECONDS = 10.0


def snapshot(directory: Path) -> dict[str, int]:
    """The modification time (ns) of every ``.py`` file under ``directory``, by path."""
    found: dict[str, int] = {}
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in _SKIP and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                try:
                    found[path] = os.stat(path).st_mtime_ns
                except OSError:  # removed while walking
                    continue
    return found


def run(
    argv: list[str], directory: Path, *, out: TextIO | None = None, poll: float = POLL_SECONDS
) -> int:
    """Run ``portafunc *argv`` in a child process, restarting it on changes; return 0."""
    out = out or sys.stdout
    command = [sys.executable, "-m", "portafunc.cli", *argv]
    print(f"portafunc: watching {directory} for changes to .py files", file=out, flush=True)
    with stop_on_signals():
        child = subprocess.Popen(command)
        with suppress(KeyboardInterrupt):
            _watch(command, directory, child, out, poll)
    print("portafunc: stopped watching", file=out, flush=True)
    return 0


def _watch(
    command: list[str], directory: Path, child: subprocess.Popen[bytes], out: TextIO, poll: float
) -> None:
    seen, reported = snapshot(directory), False
    try:
        while True:
            time.sleep(poll)
            now = snapshot(directory)
            if now != seen:
                print(f"portafunc: {_changed(seen, now)} changed; restarting", file=out, flush=True)
                _stop(child)
                child, seen, reported = subprocess.Popen(command), now, False
            elif child.poll() is not None and not reported:
                code = child.returncode
                print(
                    f"portafunc: the server exited ({code}); waiting for a change",
                    file=out,
                    flush=True,
                )
                reported = True
    finally:
        _stop(child)


def _changed(before: dict[str, int], after: dict[str, int]) -> str:
    paths = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )
    return paths[0] + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(_STOP_SECONDS)
