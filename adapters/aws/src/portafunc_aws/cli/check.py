"""``portafunc check --provider aws``: what AWS cannot express or does differently.

Errors block a build: a cron EventBridge cannot write, an unknown ``aws=`` option, a
setting outside Lambda's or a service's limits, a name AWS refuses or two names that
become the same logical id, an SNS FIFO topic (Lambda cannot subscribe to one), a
DynamoDB ARN that is not a stream's, S3 notifications that overlap. Warnings are what
AWS does differently (DESIGN §3) and what the user must do: ordered sources holding
back a shard or message group, the single HTTP function, shared queues, names that
lose characters, and the existing resources ``aws={"arn": ...}`` names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from portafunc.errors import DeclarationError, UnsupportedSchedule
from portafunc.providers import Finding
from portafunc.triggers import ScheduleTrigger

from ..invocation import name_from_arn
from ..options import options_of, validate
from .check_app import APP_RULES
from .events import reads_kafka
from .naming import (
    entry_module,
    fifo_queue_name,
    function_id,
    is_fifo,
    kept_as_is,
    name_problem,
    pascal,
)
from .resources import DEFAULT_ATTEMPTS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from portafunc.app import App, Function

__all__ = ["check"]

Level = Literal["error", "warning"]
#: Lambda's limits: timeout (s) and memory (MB).
_MAX_TIMEOUT = 900
_MEMORY = (128, 10240)
#: The largest batch each source takes, and the most attempts it can be told to make.
_MAX_BATCH = {"queue": 10000, "stream": 10000, "changes": 10000}
_MAX_ATTEMPTS = {"queue": 1000, "stream": 10001, "changes": 10001, "topic": 3}
#: What build leaves to the user when ``aws={"arn": ...}`` names an existing resource:
#: what the resource is, and what to do.
_EXISTING = {
    "queue": "queue", "topic": "topic", "stream": "stream", "changes": "table stream",
    "storage": "bucket", "schedule": "rule", "event": "rule", "http": "resource",
}  # fmt: skip
_TODO = {
    "queue": "build creates neither it nor a dead-letter queue: give it a redrive policy",
    "topic": "build subscribes the function to it",
    "stream": "build makes the function read it",
    "changes": "it must carry NEW_AND_OLD_IMAGES for ChangeEvent.old and .new",
    "storage": (
        "S3 cannot notify a function of another stack, so build listens on EventBridge: turn "
        "on the bucket's EventBridge notifications (aws s3api put-bucket-notification-"
        "configuration --bucket {name} --notification-configuration "
        "'{{\"EventBridgeConfiguration\": {{}}}}')"
    ),
    "schedule": "build creates no schedule: add the function as a target of that rule",
    "event": "build creates no rule: add the function as a target of that rule",
    "http": "HTTP functions do not use it",
}


def check(app: App) -> list[Finding]:
    """Everything AWS cannot express (errors) or does differently (warnings) for ``app``."""
    findings: list[Finding] = []
    valid: list[Function] = []
    for function in app.functions.values():
        try:
            validate(function)
        except DeclarationError as exc:
            findings.append(Finding("error", function.name, exc.reason))
            continue  # the other rules read the options
        valid.append(function)
        for rule in _FUNCTION_RULES:
            findings.extend(Finding(level, function.name, text) for level, text in rule(function))
    for app_rule in APP_RULES:
        findings.extend(app_rule(valid))
    return findings


def _schedule(function: Function) -> Iterator[tuple[Level, str]]:
    trigger = function.trigger
    if isinstance(trigger, ScheduleTrigger) and not options_of(function).get("arn"):
        try:
            trigger.cron.aws()
        except UnsupportedSchedule as exc:
            yield "error", str(exc)


def _settings(function: Function) -> Iterator[tuple[Level, str]]:
    settings, kind = function.settings, function.trigger.kind
    if settings.timeout is not None and settings.timeout > _MAX_TIMEOUT:
        yield "error", f"timeout={settings.timeout:g}: Lambda stops functions at {_MAX_TIMEOUT} s"
    if settings.timeout is not None and settings.timeout > 30 and kind == "http":
        yield "warning", f"timeout={settings.timeout:g}: an HTTP API answers 503 after 30 s"
    if settings.memory is not None and not _MEMORY[0] <= settings.memory <= _MEMORY[1]:
        yield "error", f"memory={settings.memory}: Lambda takes {_MEMORY[0]} to {_MEMORY[1]} MB"
    yield from _batch(function)
    yield from _attempts(function)


def _batch(function: Function) -> Iterator[tuple[Level, str]]:
    size, kind = function.settings.batch_size, function.trigger.kind
    if size is None:
        return
    largest = 10 if kind == "queue" and is_fifo(function) else _MAX_BATCH.get(kind)
    if largest is None:
        yield "warning", f"batch_size={size} is not used: SNS invokes the function per message"
    elif size > largest:
        yield "error", f"batch_size={size}: Lambda reads at most {largest} at a time from it"


def _attempts(function: Function) -> Iterator[tuple[Level, str]]:
    attempts, kind = function.settings.max_attempts, function.trigger.kind
    most = _MAX_ATTEMPTS.get(kind)
    if attempts is not None and most is not None and attempts > most:
        level: Level = "warning" if kind == "topic" else "error"
        yield level, f"max_attempts={attempts}: AWS makes {most} attempts at most here"


def _names(function: Function) -> Iterator[tuple[Level, str]]:
    name, kind = function.name, function.trigger.kind
    if not pascal(name):
        yield "error", "CloudFormation names are ASCII letters and digits: this name has none"
    elif not kept_as_is(name):
        yield (
            "warning",
            (
                f"deployed as {function_id(name)} (handler module {entry_module(name)}): "
                "CloudFormation names are letters and digits"
            ),
        )
    resource = function.trigger.resource
    if kind == "topic" and resource.endswith(".fifo"):
        yield "error", "Lambda cannot subscribe to an SNS FIFO topic (only SQS queues can)"
    elif not options_of(function).get("arn"):
        created = fifo_queue_name(resource) if kind == "queue" and is_fifo(function) else resource
        problem = name_problem(kind, created)
        if problem is not None:
            yield "error", problem


def _existing(function: Function) -> Iterator[tuple[Level, str]]:
    arn = options_of(function).get("arn")
    if not arn:
        return
    kind = function.trigger.kind
    if kind == "changes" and "/stream/" not in arn:
        yield (
            "error",
            (
                f"aws={{'arn': {arn!r}}} must be the table's stream ARN "
                "(arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)"
            ),
        )
        return
    todo = _TODO[kind].format(name=name_from_arn(arn))
    yield "warning", f"consumes the existing {_EXISTING[kind]} {arn}: {todo}"


def _ordered(function: Function) -> Iterator[tuple[Level, str]]:
    kind = function.trigger.kind
    attempts = function.settings.max_attempts or DEFAULT_ATTEMPTS
    if kind == "changes" or (kind == "stream" and not reads_kafka(function)):
        yield (
            "warning",
            (
                "a failed record holds back its shard: it and the records after it are retried "
                f"together, {attempts} attempts in all; then Lambda sends where the batch was "
                f"(not its records) to the queue {function_id(function.name)}Failures and goes on"
            ),
        )
    elif kind == "queue" and is_fifo(function):
        yield (
            "warning",
            (
                "a failed message holds back its message group until it succeeds or reaches the "
                f"dead-letter queue after {attempts} attempts"
            ),
        )


_FUNCTION_RULES: tuple[Callable[[Function], Iterator[tuple[Level, str]]], ...] = (
    _schedule,
    _settings,
    _names,
    _existing,
    _ordered,
)
