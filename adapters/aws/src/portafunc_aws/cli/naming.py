"""The names ``build`` gives what it deploys, and the resource names AWS accepts.

CloudFormation logical ids are ASCII letters and digits: a portafunc name becomes
its runs of letters and digits, each capitalised (``create_order`` → ``CreateOrder``),
plus a suffix saying what the resource is (``CreateOrderFunction``, ``OrdersQueue``,
``OrdersQueueDLQ``, ``ShipFunctionFailures``). Names that are more than letters,
digits and ``_`` lose characters on the way (``check`` says how); two names that end
up the same are an error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..options import options_of

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = [
    "HTTP_FUNCTION",
    "RESOURCE_SUFFIX",
    "dead_letter_name",
    "entry_module",
    "fifo_queue_name",
    "function_id",
    "is_fifo",
    "kept_as_is",
    "name_problem",
    "pascal",
    "resource_id",
]

#: The logical id of the one function serving every HTTP route (the default layout).
HTTP_FUNCTION = "HTTPFunction"
#: Trigger kind → the suffix of the logical id of the resource it consumes.
RESOURCE_SUFFIX = {
    "queue": "Queue",
    "topic": "Topic",
    "stream": "Stream",
    "changes": "Table",
    "storage": "Bucket",
}
_WORD = re.compile(r"[A-Za-z0-9]+")
_AS_IS = re.compile(r"[A-Za-z0-9_]+")
_FIFO = ".fifo"
_DLQ_SUFFIX = "-dlq"

#: Trigger kind → (the names AWS accepts, what they are), for the resources build names.
_NAMES: dict[str, tuple[re.Pattern[str], str]] = {
    "queue": (
        re.compile(r"[A-Za-z0-9_-]{1,76}"),
        "SQS queue names are 1-80 letters, digits, '-' and '_' (a FIFO queue's end in "
        "'.fifo'), and build adds '-dlq' for the dead-letter queue",
    ),
    "topic": (
        re.compile(r"[A-Za-z0-9_-]{1,256}"),
        "SNS topic names are 1-256 letters, digits, '-' and '_'",
    ),
    "stream": (
        re.compile(r"[A-Za-z0-9_.-]{1,128}"),
        "Kinesis stream names are 1-128 letters, digits, '.', '-' and '_'",
    ),
    "changes": (
        re.compile(r"[A-Za-z0-9_.-]{3,255}"),
        "DynamoDB table names are 3-255 letters, digits, '.', '-' and '_'",
    ),
}


def pascal(name: str) -> str:
    """``create_order`` → ``CreateOrder``: the ASCII letters and digits of ``name``."""
    return "".join(word[0].upper() + word[1:] for word in _WORD.findall(name))


def kept_as_is(name: str) -> bool:
    """Whether ``name`` reaches logical ids and module names without losing characters."""
    return _AS_IS.fullmatch(name) is not None


def function_id(name: str) -> str:
    """The logical id of the Lambda function deployed for the portafunc function ``name``."""
    return f"{pascal(name)}Function"


def resource_id(kind: str, resource: str) -> str:
    """The logical id of the queue, topic, stream, table or bucket a trigger consumes."""
    return f"{pascal(resource)}{RESOURCE_SUFFIX[kind]}"


def entry_module(name: str | None) -> str:
    """The generated handler module of function ``name`` (None: every HTTP route)."""
    if name is None:
        return "portafunc_entry"
    return "portafunc_entry_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def is_fifo(function: Function) -> bool:
    """Whether a queue function consumes a FIFO queue (``.fifo`` or ``aws={"fifo": True}``)."""
    return function.trigger.resource.endswith(_FIFO) or options_of(function).get("fifo") is True


def fifo_queue_name(name: str) -> str:
    """A FIFO queue's name, which must end in ``.fifo``."""
    return name if name.endswith(_FIFO) else name + _FIFO


def dead_letter_name(queue_name: str) -> str:
    """``orders`` → ``orders-dlq``; ``orders.fifo`` → ``orders-dlq.fifo``."""
    if queue_name.endswith(_FIFO):
        return queue_name[: -len(_FIFO)] + _DLQ_SUFFIX + _FIFO
    return queue_name + _DLQ_SUFFIX


def name_problem(kind: str, name: str) -> str | None:
    """Why AWS refuses ``name`` for the ``kind`` resource build would create, or None."""
    rule = _NAMES.get(kind)
    if rule is None:
        return None
    base = name[: -len(_FIFO)] if kind == "queue" and name.endswith(_FIFO) else name
    limit = 71 if kind == "queue" and name.endswith(_FIFO) else None
    if rule[0].fullmatch(base) is None or (limit is not None and len(base) > limit):
        return f"{rule[1]}: {name!r} is not one"
    return None
