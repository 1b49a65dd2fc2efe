"""``portafunc invoke``: one provider payload, read from a file or stdin, through the
adapter; the provider-format result printed as JSON on stdout."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from . import log
from .app import App
from .errors import PortafuncError
from .providers import Provider

__all__ = ["invoke", "read_event"]

_EXPECTED = "expected the provider's event payload as JSON"


def invoke(app: App, provider: Provider, function: str, source: str) -> int:
    """Run the payload in ``source`` (a path, or ``-``) through ``function``; exit code 1
    when the function failed."""
    if function not in app.functions:
        names = ", ".join(app.functions) or "none"
        raise PortafuncError(f"app {app.name!r} has no function {function!r} ({names})")
    payload = read_event(source)
    log.configure()  # the handler's logs go to stderr; stdout is the result
    try:
        result, ok = provider.invoke(app, function, payload)
    except PortafuncError:
        raise
    except Exception as exc:  # escaped the adapter: show where, as python would
        traceback.print_exc()
        print(f"portafunc: {function} failed: {type(exc).__name__}", file=sys.stderr)
        return 1
    print(json.dumps(to_jsonable_python(result, fallback=repr), indent=2))
    return 0 if ok else 1


def read_event(source: str) -> Any:
    """The JSON in file ``source``, or in stdin for ``-``; PortafuncError saying why not."""
    try:
        text = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise PortafuncError(f"cannot read --event {source}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        where = "stdin" if source == "-" else source
        raise PortafuncError(f"--event {where} is not JSON ({exc}); {_EXPECTED}") from None
