"""``portafunc coldstart``: the app's import measured in fresh processes.

Each run is ``python -c CHILD``, where ``CHILD`` imports the app (and with a provider,
builds that adapter's entry, as the cloud's runtime does), then prints one marked JSON
line: its peak memory and the provider SDK modules it loaded. The time from each
process's start to that line is measured here (its exit is not part of a cold
start); one more run with ``-X importtime`` names the heaviest imports.
Nothing is imported in this process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._loader import source_of
from .errors import PortafuncError

__all__ = ["Report", "child_code", "heaviest_imports", "measure", "text", "verdict"]

#: How each provider's runtime turns the app into its entry: (module, function).
ENTRIES = {
    "aws": ("portafunc_aws", "lambda_handler"),
    "azure": ("portafunc_azure", "function_app"),
    "gcp": ("portafunc_gcp", "entry_points"),
}
#: Top-level modules that belong to a provider's SDK or serving stack.
SDK_MODULES = (
    "aws_lambda_powertools", "azure", "boto3", "botocore", "cloudevents", "flask",
    "functions_framework", "google", "werkzeug",
)  # fmt: skip
HEAVIEST = 10
_MARK = "__portafunc_coldstart__ "
_TIMEOUT = 120.0
_CHILD = """\
import sys
import {module} as _module
_app = _module.{attribute}
{entry}
try:
    import resource
    _rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
except ImportError:
    _rss = None
# Empty namespace packages (a -nspkg.pth makes ``google`` at startup) are not loads.
_loaded = {{name for name, mod in list(sys.modules.items()) if getattr(mod, "__file__", None)}}
_sdk = sorted({{name.partition(".")[0] for name in _loaded}} & set({sdk!r}))
import json
print({mark!r} + json.dumps([_rss, _sdk]), flush=True)
"""


@dataclass(frozen=True)
class Report:
    """What the runs of one app measured; times in milliseconds."""

    app: str
    provider: str | None
    times_ms: tuple[float, ...]
    peak_memory_mb: float | None
    heaviest: tuple[tuple[str, int], ...]  # (top-level package, cumulative µs)
    sdk_modules: tuple[str, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    def as_json(self, budget_ms: float | None) -> dict[str, Any]:
        return {
            "app": self.app,
            "provider": self.provider,
            "runs": len(self.times_ms),
            "median_ms": round(self.median_ms, 1),
            "min_ms": round(min(self.times_ms), 1),
            "max_ms": round(max(self.times_ms), 1),
            "peak_memory_mb": self.peak_memory_mb,
            "heaviest_imports": [{"module": m, "cumulative_us": us} for m, us in self.heaviest],
            "sdk_modules": list(self.sdk_modules),
            "budget_ms": budget_ms,
            "within_budget": None if budget_ms is None else self.median_ms <= budget_ms,
        }


def measure(spec: str, provider: str | None, runs: int) -> Report:
    """Import the app ``spec`` names (and ``provider``'s entry) in ``runs`` fresh processes."""
    code, root = child_code(spec, provider)
    times: list[float] = []
    rss: list[int | None] = []
    sdk: tuple[str, ...] = ()
    for _ in range(runs):
        elapsed, stdout, _stderr = _run(spec, [sys.executable, "-c", code], root)
        times.append(elapsed)
        peak, modules = _result(spec, stdout)
        rss.append(peak)
        sdk = tuple(modules)
    _elapsed, _stdout, stderr = _run(spec, [sys.executable, "-X", "importtime", "-c", code], root)
    peaks = [value for value in rss if value is not None]
    return Report(
        app=spec, provider=provider, times_ms=tuple(times),
        peak_memory_mb=round(_megabytes(max(peaks)), 1) if peaks else None,
        heaviest=tuple(heaviest_imports(stderr)[:HEAVIEST]), sdk_modules=sdk,
    )  # fmt: skip


def child_code(spec: str, provider: str | None) -> tuple[str, Path]:
    """The ``python -c`` code importing the app, and the directory it runs in."""
    source = source_of(spec)
    module, _, attribute = source.app_spec.partition(":")
    root = source.directory.parent if source.prefix else source.directory
    entry = ""
    if provider is not None:
        if provider not in ENTRIES:
            raise PortafuncError(f"unknown provider {provider!r}: choose {', '.join(ENTRIES)}")
        package, function = ENTRIES[provider]
        entry = f"from {package} import {function}\n{function}(_app)"
    code = _CHILD.format(
        module=module, attribute=attribute, entry=entry, sdk=SDK_MODULES, mark=_MARK
    )
    return code, root


def heaviest_imports(stderr: str) -> list[tuple[str, int]]:
    """The ``-X importtime`` lines of ``stderr`` as (top-level package, cumulative µs),
    heaviest first; a package's submodules imported under it are not counted twice."""
    entries = []
    for line in stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(fields) == 3 and fields[1].strip().isdigit():
            name = fields[2].removeprefix(" ")
            depth = (len(name) - len(name.lstrip())) // 2
            entries.append((depth, name.strip().partition(".")[0], int(fields[1])))
    totals: dict[str, int] = {}
    ancestors: list[tuple[int, str]] = []
    for depth, top, cumulative in reversed(entries):  # the lines are in post-order
        while ancestors and ancestors[-1][0] >= depth:
            ancestors.pop()
        if all(top != name for _, name in ancestors):
            totals[top] = totals.get(top, 0) + cumulative
        ancestors.append((depth, top))
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def text(report: Report) -> str:
    """The report as a short table."""
    with_provider = f" through {report.provider}" if report.provider else ""
    times = report.times_ms
    memory = "-" if report.peak_memory_mb is None else f"{report.peak_memory_mb:.1f} MB"
    lines = [
        f"portafunc: cold start of {report.app}{with_provider}, {len(times)} fresh processes",
        f"median       {report.median_ms:.1f} ms (min {min(times):.1f}, max {max(times):.1f})",
        f"peak memory  {memory}",
        f"SDK modules  {', '.join(report.sdk_modules) or 'none'}",
        "heaviest imports (cumulative, one -X importtime run):",
    ]
    width = max((len(name) for name, _ in report.heaviest), default=0)
    lines += [f"  {name:<{width}}  {us / 1000:8.1f} ms" for name, us in report.heaviest]
    return "\n".join(lines)


def verdict(report: Report, budget_ms: float) -> tuple[str, bool]:
    """The budget line, and whether the median is within ``budget_ms``."""
    ok = report.median_ms <= budget_ms
    sign, word = ("<=", "within budget") if ok else (">", "over budget")
    return f"{word}: median {report.median_ms:.1f} ms {sign} {budget_ms:g} ms", ok


def _run(spec: str, argv: list[str], root: Path) -> tuple[float, str, str]:
    """Run a child: the ms from its start to its marked line (printed once the app is
    imported; the process's exit is not part of a cold start), its stdout and stderr."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    # stderr goes to a file: a full pipe (-X importtime writes a lot) would block the child.
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as child,
    ):
        expired = threading.Event()

        def expire() -> None:  # an import that never ends
            expired.set()
            child.kill()

        deadline = threading.Timer(_TIMEOUT, expire)
        deadline.start()
        try:
            first = "".join(_until_marked(child.stdout))
            elapsed = (time.perf_counter() - started) * 1000
            stdout, _ = child.communicate()
        finally:
            deadline.cancel()
        errors.seek(0)
        stderr = errors.read()
    if expired.is_set():
        raise PortafuncError(f"importing {spec} took more than {_TIMEOUT:g}s")
    if child.returncode != 0:
        lines = stderr.strip().splitlines() or [f"exit code {child.returncode}"]
        raise PortafuncError(f"cannot import {spec}: {lines[-1]}")
    return elapsed, first + stdout, stderr


def _until_marked(stdout: IO[str] | None) -> Iterator[str]:
    """The lines of ``stdout`` up to the marked one (what the app prints comes first)."""
    for line in stdout or ():
        yield line
        if line.startswith(_MARK):
            return


def _result(spec: str, stdout: str) -> tuple[int | None, list[str]]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(_MARK):
            rss, sdk = json.loads(line.removeprefix(_MARK))
            return rss, sdk
    raise PortafuncError(f"importing {spec} printed no result (did it exit early?)")


def _megabytes(rss: int) -> float:
    """``ru_maxrss`` in MB: bytes on macOS, kilobytes elsewhere."""
    return rss / (1024 * 1024 if sys.platform == "darwin" else 1024)
