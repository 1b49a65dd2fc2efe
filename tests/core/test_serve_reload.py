"""``portafunc serve --reload`` (portafunc._reload): a parent process that restarts the
server when a ``.py`` file under the app's directory changes. Every wait has a timeout."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portafunc._reload import snapshot
from portafunc.cli import main

TIMEOUT = 20

APP = """
from portafunc import App

app = App("tiny")


@app.get("/hello")
def hello() -> str:
    return {answer!r}
"""


def test_snapshot_sees_python_files_only(tmp_path: Path) -> None:
    for name in ("app.py", "pkg/mod.py", "notes.txt", "__pycache__/app.py", ".venv/lib/x.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in snapshot(tmp_path)) == [
        "app.py",
        "pkg/mod.py",
    ]


def test_snapshot_changes_with_a_file(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text("")
    before = snapshot(tmp_path)
    _touch(path, "x = 1\n")
    assert snapshot(tmp_path) != before


def test_the_server_process_gets_the_same_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tiny.py").write_text(APP.format(answer="hi"))
    calls: list[tuple[list[str], Path]] = []

    def run(argv: list[str], directory: Path) -> int:
        calls.append((argv, directory))
        return 0

    monkeypatch.setattr("portafunc._reload.run", run)
    argv = ["serve", str(tmp_path / "tiny.py:app"), "--reload", "--schedules", "--port", "9000"]
    assert main(argv) == 0
    child = ["serve", str(tmp_path / "tiny.py:app"), "--provider", "local"]
    child += ["--host", "127.0.0.1", "--port", "9000", "--schedules"]
    assert calls == [(child, tmp_path)]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def _touch(path: Path, text: str) -> None:
    """Write ``text`` and move the modification time on, whatever the clock's resolution."""
    previous = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    stamp = max(path.stat().st_mtime_ns, previous + 1_000_000_000)
    os.utime(path, ns=(stamp, stamp))


class Lines:
    """The lines a process prints, read on a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,))
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        for line in process.stdout or ():
            self.queue.put(line.rstrip("\n"))

    def until(self, prefix: str) -> str:
        while True:
            try:
                line = self.queue.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no line starting {prefix!r} in {self.seen}") from None
            self.seen.append(line)
            if line.startswith(prefix):
                return line


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_reload_restarts_on_changes(tmp_path: Path) -> None:
    app = tmp_path / "tiny.py"
    _touch(app, APP.format(answer="hi"))
    command = [sys.executable, "-m", "portafunc.cli", "serve", "tiny.py", "--reload", "--port", "0"]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        lines = Lines(process)
        try:
            assert (
                lines.until("portafunc: watching")
                == f"portafunc: watching {tmp_path} for changes to .py files"
            )
            url = lines.until("portafunc: serving").split(" on ")[1]
            assert get(f"{url}/hello") == (200, b"hi")

            _touch(app, APP.format(answer="hello again"))
            assert lines.until("portafunc: ").endswith("tiny.py changed; restarting")
            url = lines.until("portafunc: serving").split(" on ")[1]
            assert get(f"{url}/hello") == (200, b"hello again")

            _touch(app, "this is not python\n")  # the server cannot start: wait for a fix
            lines.until("portafunc: the server exited (2); waiting for a change")
            _touch(tmp_path / "helper.py", "")  # any .py file under the directory counts
            lines.until("portafunc: the server exited (2)")
            _touch(app, APP.format(answer="fixed"))
            url = lines.until("portafunc: serving").split(" on ")[1]
            assert get(f"{url}/hello") == (200, b"fixed")

            process.send_signal(signal.SIGTERM)
            assert process.wait(TIMEOUT) == 0
            assert lines.until("portafunc: stopped watching") == "portafunc: stopped watching"
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(TIMEOUT)
            lines.thread.join(TIMEOUT)
    with pytest.raises(urllib.error.URLError):  # the server went with the parent
        get(f"{url}/hello")
