"""CloudWatch Logs subscriptions → ``stream`` functions (portafunc_aws.sources.cloudwatch_logs).

Payload: tests/payloads/aws/stream/cloudwatch-logs-subscription.json (Powertools'
fixture of the Lambda CloudWatch Logs event; see SOURCES.md). Other documents are
built here the way CloudWatch Logs builds them: JSON, gzip, base64.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, Message
from portafunc.errors import NoSuchFunction, PortafuncError, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources._base import Source
from portafunc_aws.sources.amazon_mq import AmazonMQ
from portafunc_aws.sources.cloudwatch_logs import CloudWatchLogs
from portafunc_aws.sources.dynamodb import DynamoDBStreams
from portafunc_aws.sources.firehose import Firehose
from portafunc_aws.sources.kafka import Kafka
from portafunc_aws.sources.kinesis import Kinesis

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
NAME = "cloudwatch-logs-subscription"
SOURCES = (Kinesis(), DynamoDBStreams(), Kafka(), AmazonMQ(), CloudWatchLogs(), Firehose())
#: Valid JSON nested deeper than Python's recursion limit can decode.
DEEP_JSON = '{"a":' + "[" * 50_000 + "]" * 50_000 + "}"


def logs_app(
    group: str = "testLogGroup", fail: Callable[[Message[str]], bool] = lambda message: False
) -> tuple[App, list[Message[str]]]:
    """An app whose ``on_log`` stream function records what it sees."""
    app = App("shop")
    seen: list[Message[str]] = []

    @app.stream(group)
    def on_log(message: Message[str]) -> None:
        seen.append(message)
        if fail(message):
            raise RuntimeError(f"cannot process {message.id}")

    return app, seen


def wrapped(document: Any) -> dict[str, Any]:
    """``document`` as CloudWatch Logs sends it to Lambda."""
    data = gzip.compress(json.dumps(document).encode())
    return {"awslogs": {"data": base64.b64encode(data).decode()}}


def document(size: int, **extra: Any) -> dict[str, Any]:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/api",
        "logStream": "2024/01/01/[$LATEST]abc",
        "subscriptionFilters": ["errors"],
        "logEvents": [
            {"id": f"e{index}", "timestamp": 1704067200000 + index, "message": f"line {index}"}
            for index in range(size)
        ],
        **extra,
    }


# -- matching ---------------------------------------------------------------------------


def test_corpus_payload_matches_cloudwatch_logs_only(payload: Payload) -> None:
    event = payload(f"stream/{NAME}.json")
    assert [source.name for source in SOURCES if source.matches(event)] == ["cloudwatch_logs"]


def test_no_other_corpus_payload_matches() -> None:
    for path in sorted(PAYLOADS.rglob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        assert CloudWatchLogs().matches(event) == (path.stem == NAME), path


@pytest.mark.parametrize("event", [{"awslogs": "x"}, {"awslogs": {"data": 1}}, {"awslogs": {}}])
def test_odd_shapes_do_not_match(event: dict[str, Any]) -> None:
    assert not CloudWatchLogs().matches(event)


# -- translation ------------------------------------------------------------------------


def test_corpus_payload_golden(
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    app, seen = logs_app()
    source: Source = CloudWatchLogs()  # what Lambda gets back is the handler's return: null
    response = source.invoke(Functions(app), payload(f"stream/{NAME}.json"), lambda_context)
    assert response is None
    golden(f"cloudwatch_logs/{NAME}", {"event": [as_json(m) for m in seen], "response": response})


def test_log_events_translate(payload: Payload, lambda_context: Any) -> None:
    app, seen = logs_app()
    CloudWatchLogs().invoke(Functions(app), payload(f"stream/{NAME}.json"), lambda_context)
    first, second = seen
    assert (first.id, second.id) == ("eventId1", "eventId2")
    assert first.data == "[ERROR] First test message"
    assert first.body == b"[ERROR] First test message"
    assert first.source == "testLogGroup"
    assert first.time == datetime(2015, 8, 24, 19, 3, 7, tzinfo=timezone.utc)
    assert first.attributes == {
        "logStream": "testLogStream",
        "owner": "123456789123",
        "subscriptionFilters": ["testFilter"],
    }
    assert (first.attempt, first.partition_key) == (None, None)
    assert first.raw == {
        "id": "eventId1",
        "timestamp": 1440442987000,
        "message": "[ERROR] First test message",
    }


def test_extracted_fields_join_the_attributes(lambda_context: Any) -> None:
    doc = document(2)
    doc["logEvents"][1]["extractedFields"] = {"level": "ERROR"}
    app, seen = logs_app("/aws/lambda/api")
    CloudWatchLogs().invoke(Functions(app), wrapped(doc), lambda_context)
    assert "extractedFields" not in seen[0].attributes
    assert seen[1].attributes["extractedFields"] == {"level": "ERROR"}
    assert seen[1].attributes["logStream"] == "2024/01/01/[$LATEST]abc"


def test_control_message_is_acknowledged_unseen(lambda_context: Any) -> None:
    control = {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": 1440442987000, "message": "CWL CONTROL MESSAGE"}],
    }
    app, seen = logs_app()
    source: Source = CloudWatchLogs()
    assert source.invoke(Functions(app), wrapped(control), lambda_context) is None
    assert seen == []


def test_no_function_for_the_log_group(lambda_context: Any) -> None:
    app, _ = logs_app("api")  # the name after the last "/" is not the log group
    with pytest.raises(NoSuchFunction, match="/aws/lambda/api"):
        CloudWatchLogs().invoke(Functions(app), wrapped(document(1)), lambda_context)


def test_pinned_function(lambda_context: Any) -> None:
    app, seen = logs_app("renamed")
    CloudWatchLogs().invoke(
        Functions(app, app.function("on_log")), wrapped(document(2)), lambda_context
    )
    assert [message.source for message in seen] == ["/aws/lambda/api"] * 2


# -- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("failing", [{0}, {1}, {3}, {0, 3}], ids=["start", "middle", "end", "two"])
def test_every_event_is_delivered_then_the_invocation_fails(
    failing: set[int], lambda_context: Any
) -> None:
    app, seen = logs_app("/aws/lambda/api", fail=lambda message: int(message.id[1:]) in failing)
    with pytest.raises(PortafuncError, match=f"{len(failing)} of 4 log events failed"):
        CloudWatchLogs().invoke(Functions(app), wrapped(document(4)), lambda_context)
    assert [message.id for message in seen] == ["e0", "e1", "e2", "e3"]


def test_message_failing_validation_fails(lambda_context: Any) -> None:
    app = App("shop")

    @app.stream("/aws/lambda/api")
    def structured(entry: dict[str, str]) -> None: ...

    with pytest.raises(PortafuncError, match="2 of 2"):
        CloudWatchLogs().invoke(Functions(app), wrapped(document(2)), lambda_context)


def test_malformed_log_event_fails_its_message(lambda_context: Any) -> None:
    doc = document(2)
    doc["logEvents"][0]["message"] = None
    app, seen = logs_app("/aws/lambda/api")
    with pytest.raises(PortafuncError, match="first: e0"):
        CloudWatchLogs().invoke(Functions(app), wrapped(doc), lambda_context)
    assert [message.id for message in seen] == ["e1"]


@pytest.mark.parametrize(
    "event",
    [
        {"awslogs": {"data": "not base64!"}},
        {"awslogs": {"data": base64.b64encode(b"not gzip").decode()}},
        {"awslogs": {"data": base64.b64encode(gzip.compress(b"{not json")).decode()}},
        {"awslogs": {"data": base64.b64encode(gzip.compress(b"\xff\xfe")).decode()}},
        wrapped([1, 2]),
        wrapped({"messageType": "DATA_MESSAGE"}),
        wrapped({**document(1), "logEvents": [{"message": "no id"}]}),
        wrapped({**document(1), "logEvents": None}),
        # Found by tests/fuzz: RecursionError escaped the invocation.
        {"awslogs": {"data": base64.b64encode(gzip.compress(DEEP_JSON.encode())).decode()}},
    ],
    ids=["base64", "gzip", "json", "utf-8", "array", "no group", "no id", "no events", "deep"],
)
def test_malformed_payload_is_unsupported(event: dict[str, Any], lambda_context: Any) -> None:
    app, seen = logs_app("/aws/lambda/api")
    with pytest.raises(UnsupportedEvent):
        CloudWatchLogs().invoke(Functions(app, app.function("on_log")), event, lambda_context)
    assert seen == []


def test_the_payload_is_not_mutated(payload: Payload, lambda_context: Any) -> None:
    event = payload(f"stream/{NAME}.json")
    before = copy.deepcopy(event)
    app, _ = logs_app()
    CloudWatchLogs().invoke(Functions(app), event, lambda_context)
    assert event == before
