"""A stand-in for the ``context`` the Azure worker passes to a function.

Attributes as the worker's own ``Context`` (azure_functions_runtime
``bindings/context.py``): the invocation id, the function's name and directory,
thread-local storage, the W3C trace context and the retry context.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field

__all__ = ["AzureContext", "RetryContext", "RpcException", "TraceContext"]


def traceparent() -> str:
    """A fresh W3C ``traceparent``: ``00-<32 hex trace id>-<16 hex span id>-01``."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


@dataclass(frozen=True)
class TraceContext:
    """``context.trace_context``: the W3C trace context of the invocation."""

    trace_parent: str = field(default_factory=traceparent)
    trace_state: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RpcException:
    """The exception of the previous attempt, as the host reports it (empty on the first)."""

    source: str = ""
    stack_trace: str = ""
    message: str = ""


@dataclass(frozen=True)
class RetryContext:
    """``context.retry_context``: which retry of a retry policy this is (0: the first try)."""

    retry_count: int = 0
    max_retry_count: int = 0
    exception: RpcException = field(default_factory=RpcException)


@dataclass
class AzureContext:
    """What the worker passes as ``context``: ``invocation_id``, ``function_name``,
    ``function_directory``, ``thread_local_storage``, ``trace_context`` (with a fresh
    ``trace_parent``) and ``retry_context``."""

    function_name: str = "my-function"
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_directory: str = "/home/site/wwwroot"
    trace_context: TraceContext = field(default_factory=TraceContext)
    retry_context: RetryContext = field(default_factory=RetryContext)
    thread_local_storage: threading.local = field(default_factory=threading.local, repr=False)
