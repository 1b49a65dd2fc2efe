"""A stand-in for the context object Lambda passes to a handler.

Attributes as in Lambda's "Using the Lambda context object to retrieve Python
function information".
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ._common import arn, now

__all__ = ["LambdaContext"]


def _epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class LambdaContext:
    """What Lambda passes as ``context``: ids, the function's settings, time left.

    ``timeout`` (seconds) sets the deadline from creation, so
    ``get_remaining_time_in_millis()`` counts down as Lambda's does; or give
    ``deadline_ms`` (epoch milliseconds) yourself.
    """

    function_name: str = "my-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 128
    timeout: float = 30.0
    invoked_function_arn: str = ""
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    deadline_ms: int = 0
    identity: Any = None
    client_context: Any = None

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = arn("lambda", f"function:{self.function_name}")
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"
        if not self.log_stream_name:
            stream = f"{now():%Y/%m/%d}/[{self.function_version}]{uuid.uuid4().hex}"
            self.log_stream_name = stream
        if not self.deadline_ms:
            self.deadline_ms = _epoch_ms() + int(self.timeout * 1000)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline (0 once it has passed)."""
        return max(0, self.deadline_ms - _epoch_ms())
