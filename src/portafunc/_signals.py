"""Ctrl-C and SIGTERM as KeyboardInterrupt, for ``serve`` and ``serve --reload``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

__all__ = ["stop_on_signals"]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Make Ctrl-C and SIGTERM stop the command (even if SIGINT was ignored at start)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                with suppress(ValueError, OSError):
                    signal.signal(sig, handler)
