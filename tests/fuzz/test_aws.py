"""Fuzzing ``portafunc_aws.lambda_handler`` with mutated corpus payloads.

Every payload of tests/payloads/aws (SOURCES.md) is a seed; each example mutates it
(conftest.py) and hands it to the handler of an app that routes every seed: once
unpinned (routing by method and path, queue, topic, bucket, table, stream or rule) and
once per trigger kind pinned to that kind's function. The handler must answer (a dict,
or None for asynchronous sources; never a 500, as no handler raises) or refuse with a
PortafuncError; any other exception fails the test. Handlers never raise: they keep what
they got, and the test then reads what the adapter builds lazily (``lazily_read``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    Message,
    ScheduleEvent,
    StorageEvent,
)
from portafunc.errors import PortafuncError
from portafunc.triggers import ACTIONS
from portafunc_aws import lambda_handler

Mutate = Callable[[Any], st.SearchStrategy[Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
SEEDS = sorted(PAYLOADS.rglob("*.json"))
FUZZ = settings.get_profile("portafunc-fuzz")
#: The profile's examples per adapter, split over the seeds.
PER_SEED = settings(FUZZ, max_examples=math.ceil(FUZZ.max_examples / len(SEEDS)))
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

#: The resources the corpus names, by trigger kind. SQS queues whose messages carry an
#: SNS or S3 notification (powertools265, Test.fifo, SQS) have no queue function, so
#: their records are routed to the notification's topic or bucket.
RESOURCES = {
    "queue": [
        "my-queue",
        "sqs-redrive-SampleDLQ-Emgp9MFSLBZm",
        "TestLambda",
        "SQSQueue",
        "testQueue",
        "pizzaQueue",
    ],
    "topic": ["sns-lambda", "EXAMPLE", "powertools265", "Test"],
    "storage": [
        "example-bucket",
        "lambda-artifacts-deafc19498e3f2df",
        "sourcebucket",
        "amzn-s3-demo-bucket1",
        "xxx",
    ],
    "changes": [
        "Example-Table",
        "ExampleTableWithStream",
        "stream-ARN",
        "eventsource_arn",
        "source_arn",
    ],
    "stream": [
        "lambda-stream",
        "pt-1488-KinesisStreamCloudWatchLogs-D8tHs0im0aJG",
        "PowertoolsEventsStack-KinesisStream46752A3E-u0C9B3ZKjgG0",
        "mytopic",
        "testLogGroup",
        "delivery-stream-name",
    ],
    "event": ["EC2 Instance State-change Notification"],
    "schedule": ["demoschedule", "ExampleRule"],
}
KINDS = ("http", *RESOURCES)
#: Seeds delivered without calling a function (tests/aws/test_handler.py says why).
ACKNOWLEDGED = ("s3-test-event-notification", "s3-replication-operation-failed")


@dataclass
class LambdaContext:
    """What Lambda passes as ``context`` (the fields portafunc reads)."""

    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name: str = "fuzz"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


#: What the handlers got during the current example (or seed).
SEEN: list[Any] = []


def recorder(annotation: Any) -> Callable[[Any], str]:
    """A handler taking ``annotation`` that keeps what it gets in SEEN."""

    def record(envelope: Any) -> str:
        SEEN.append(envelope)
        return "ok"

    record.__annotations__ = {"envelope": annotation, "return": str}
    return record


def _declare(app: App, kind: str, resource: str, name: str) -> None:
    """A recording function of ``kind`` for ``resource``, named ``name``."""
    declare: Mapping[str, Callable[[], Callable[[Any], Any]]] = {
        "queue": lambda: app.queue(resource, name=name)(recorder(Message[bytes])),
        "topic": lambda: app.topic(resource, name=name)(recorder(Message[bytes])),
        "stream": lambda: app.stream(resource, name=name)(recorder(Message[bytes])),
        "changes": lambda: app.changes(resource, name=name)(recorder(ChangeEvent[Any])),
        "event": lambda: app.event(type=resource, name=name)(recorder(Event[Any])),
        "schedule": lambda: app.schedule("*/5 * * * *", name=name)(recorder(ScheduleEvent)),
        "storage": lambda: app.storage(resource, events=ACTIONS, name=name)(recorder(StorageEvent)),
    }
    declare[kind]()


def fuzz_app() -> App:
    """Every corpus resource, a catch-all HTTP route, and one ``pinned_<kind>`` function
    per kind (for a resource no payload names)."""
    app = App("fuzz")
    app.http(METHODS, "/{path:path}", name="pinned_http")(recorder(HTTPRequest))
    app.http(METHODS, "/", name="root")(recorder(HTTPRequest))
    for kind, resources in RESOURCES.items():
        for index, resource in enumerate(resources):
            name = resource if kind == "schedule" else f"{kind}_{index}"
            _declare(app, kind, resource, name)
        # Event functions filter on the type: the pinned one takes the corpus'.
        elsewhere = resources[0] if kind == "event" else "declared-elsewhere"
        _declare(app, kind, elsewhere, f"pinned_{kind}")
    return app


APP = fuzz_app()
HANDLERS = {
    "unpinned": lambda_handler(APP),
    **{kind: lambda_handler(APP, f"pinned_{kind}") for kind in KINDS},
}


def outcome(handler: Callable[[Any, Any], Any], payload: Any) -> str:
    """``"answered"`` or ``"refused: <error>"``; any other exception propagates."""
    try:
        result = handler(payload, LambdaContext())
    except PortafuncError as exc:
        return f"refused: {type(exc).__name__}"
    assert result is None or isinstance(result, dict), result
    assert result is None or result.get("statusCode") != 500, result
    return "answered"


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("seed", SEEDS, ids=_id)
def test_every_seed_is_served_unpinned_and_pinned(seed: Path, load: Callable[[Path], Any]) -> None:
    """The unmutated seeds reach a function (the pinned HTTP one answers 404 for ``/``):
    the examples start deep in the adapter. Payloads of sources portafunc does not
    serve are refused (tests/aws/test_handler.py)."""
    if seed.parent.name == "other" or seed.name.startswith("apigw-websocket-"):
        assert outcome(HANDLERS["unpinned"], load(seed)) == "refused: UnsupportedEvent"
        return
    kind = {"database": "changes"}.get(seed.parent.name, seed.parent.name)
    for handler in ("unpinned", kind):
        SEEN.clear()
        assert outcome(HANDLERS[handler], load(seed)) == "answered", handler
        unseen = seed.stem in ACKNOWLEDGED or handler == "http"
        assert unseen or SEEN, f"{handler}: no function was called"


@pytest.mark.parametrize("seed", SEEDS, ids=_id)
@PER_SEED
@given(data=st.data())
def test_mutated_payloads_are_answered_or_refused(
    seed: Path,
    data: st.DataObject,
    load: Callable[[Path], Any],
    mutate: Mutate,
    lazily_read: Callable[[Any], list[str]],
) -> None:
    payload = data.draw(mutate(load(seed)), label="payload")
    for name, handler in HANDLERS.items():
        SEEN.clear()
        event(f"{name}: {outcome(handler, payload)}")
        assert [failure for seen in SEEN for failure in lazily_read(seen)] == [], name
