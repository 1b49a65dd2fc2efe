"""Kinesis Data Streams → ``stream`` functions (portafunc_aws.sources.kinesis).

Payloads: tests/payloads/aws/stream/kinesis-*.json (Powertools' and aws-lambda-go's
fixtures of the Lambda Kinesis event; see SOURCES.md).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portafunc import App, ChangeEvent, Message
from portafunc.errors import NoSuchFunction, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources.amazon_mq import AmazonMQ
from portafunc_aws.sources.cloudwatch_logs import CloudWatchLogs
from portafunc_aws.sources.dynamodb import DynamoDBStreams
from portafunc_aws.sources.firehose import Firehose
from portafunc_aws.sources.kafka import Kafka
from portafunc_aws.sources.kinesis import Kinesis

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
KINESIS = (
    "kinesis-data-stream-two-records",
    "kinesis-tumbling-window",
    "kinesis-carrying-dynamodb-records",
    "kinesis-cloudwatch-logs-gzip",
)
ARN = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
SOURCES = (Kinesis(), DynamoDBStreams(), Kafka(), AmazonMQ(), CloudWatchLogs(), Firehose())


def stream_app(
    fail: Callable[[Message[bytes]], bool] = lambda message: False,
) -> tuple[App, list[Message[bytes]]]:
    """An app whose ``on_record`` stream function records what it sees."""
    app = App("shop")
    seen: list[Message[bytes]] = []

    @app.stream("lambda-stream")
    def on_record(message: Message[bytes]) -> None:
        seen.append(message)
        if fail(message):
            raise RuntimeError(f"cannot process {message.id}")

    return app, seen


def pinned(app: App, name: str = "on_record") -> Functions:
    return Functions(app, app.function(name))


def batch(payload: Payload, size: int) -> dict[str, Any]:
    """A Kinesis event of ``size`` records, sequence numbers "1000"…, data "record <i>"."""
    template = payload("stream/kinesis-data-stream-two-records.json")["Records"][0]
    records = []
    for index in range(size):
        record = copy.deepcopy(template)
        record["kinesis"]["sequenceNumber"] = str(1000 + index)
        record["kinesis"]["data"] = base64.b64encode(f"record {index}".encode()).decode()
        records.append(record)
    return {"Records": records}


def failures(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", KINESIS)
def test_corpus_payload_matches_kinesis_only(name: str, payload: Payload) -> None:
    event = payload(f"stream/{name}.json")
    assert [source.name for source in SOURCES if source.matches(event)] == ["kinesis"]


def test_no_other_corpus_payload_matches() -> None:
    for path in sorted(PAYLOADS.rglob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        assert Kinesis().matches(event) == (path.stem in KINESIS), path


def test_empty_tumbling_window_matches_by_its_arn(payload: Payload) -> None:
    event = {**payload("stream/kinesis-tumbling-window.json"), "Records": []}
    assert Kinesis().matches(event)
    assert not DynamoDBStreams().matches(event)
    assert not Kinesis().matches({**event, "eventSourceARN": "arn:aws:dynamodb:x"})
    assert not Kinesis().matches({"Records": []})


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": "x"}, {"Records": [1]}, {"Records": [{"eventSource": ["aws:kinesis"]}]}],
)
def test_odd_shapes_do_not_match(event: dict[str, Any]) -> None:
    assert not Kinesis().matches(event)


# -- translation ------------------------------------------------------------------------


@pytest.mark.parametrize("name", KINESIS)
def test_corpus_payload_golden(
    name: str,
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    event = payload(f"stream/{name}.json")
    app, seen = stream_app()
    response = Kinesis().invoke(pinned(app), event, lambda_context)
    assert len(seen) == len(event["Records"])
    assert response["batchItemFailures"] == []
    golden(f"kinesis/{name}", {"event": [as_json(m) for m in seen], "response": response})


def test_records_translate(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-data-stream-two-records.json")
    app, seen = stream_app()
    Kinesis().invoke(Functions(app), event, lambda_context)  # routed by the stream name
    first, second = seen
    assert first.id == "49590338271490256608559692538361571095921575989136588898"
    assert first.body == b"Hello, this is a test."
    assert second.body == b"This is only a test."
    assert first.source == "lambda-stream"
    assert first.partition_key == "1"
    assert first.attributes == {}
    assert first.attempt is None
    assert first.time == datetime(2018, 12, 17, 22, 10, 50, 987000, tzinfo=timezone.utc)
    assert first.provider == "aws"
    assert first.raw is event["Records"][0]


def test_cloudwatch_logs_on_a_stream_stay_gzip_bytes(payload: Payload, lambda_context: Any) -> None:
    import zlib

    app, seen = stream_app()
    Kinesis().invoke(
        pinned(app), payload("stream/kinesis-cloudwatch-logs-gzip.json"), lambda_context
    )
    assert seen[0].body[:2] == b"\x1f\x8b"
    document = json.loads(zlib.decompress(seen[0].body, 16 + zlib.MAX_WBITS))
    assert document["logGroup"]


def test_routed_by_the_arn_in_aws_options(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[str] = []

    @app.stream("clicks", aws={"arn": ARN})
    def clicks(message: Message[str]) -> None:
        seen.append(message.data)

    Kinesis().invoke(
        Functions(app), payload("stream/kinesis-data-stream-two-records.json"), lambda_context
    )
    assert seen == ["Hello, this is a test.", "This is only a test."]


def test_no_function_for_the_stream(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.stream("other")
    def other(message: Message[bytes]) -> None: ...

    event = payload("stream/kinesis-data-stream-two-records.json")
    with pytest.raises(NoSuchFunction, match="lambda-stream"):
        Kinesis().invoke(Functions(app), event, lambda_context)


def test_tumbling_window_returns_the_state_unchanged(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-tumbling-window.json")
    app, _ = stream_app(fail=lambda message: True)
    response = Kinesis().invoke(pinned(app), event, lambda_context)
    assert response == {
        "state": {"1": "state 1", "2": "state 2"},
        "batchItemFailures": [
            {"itemIdentifier": "49590338271490256608559692538361571095921575989136588898"}
        ],
    }


def test_empty_tumbling_window_calls_nothing(payload: Payload, lambda_context: Any) -> None:
    event = {**payload("stream/kinesis-tumbling-window.json"), "Records": [], "state": None}
    app, seen = stream_app()
    assert Kinesis().invoke(Functions(app), event, lambda_context) == {
        "batchItemFailures": [],
        "state": {},
    }
    assert seen == []


# -- DynamoDB change records carried by a stream ------------------------------------------


def test_changes_function_declared_with_the_stream_arn(
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    event = payload("stream/kinesis-carrying-dynamodb-records.json")
    app = App("shop")
    seen: list[ChangeEvent[Any]] = []

    @app.changes("events", aws={"arn": event["Records"][0]["eventSourceARN"]})
    def audit(change: ChangeEvent[Any]) -> None:
        seen.append(change)

    response = Kinesis().invoke(Functions(app), event, lambda_context)
    assert response == {"batchItemFailures": []}
    first = seen[0]
    assert first.table == "PowertoolsEventsStack-DynamoDBTable59784FC0-8NKAMTERTAXY"
    assert first.kind == "insert"
    assert first.key == {"id": "record-1qit2y819gi"}
    assert first.new == {"id": "record-1qit2y819gi", "data": "data-x6aq7ckdpgk"}
    assert first.old is None
    assert first.time == datetime(2024, 11, 18, 10, 9, 15, 370000, tzinfo=timezone.utc)
    assert first.raw is event["Records"][0]
    golden(
        "kinesis/kinesis-carrying-dynamodb-records-as-changes",
        {"event": [as_json(change) for change in seen], "response": response},
    )


def test_changes_function_is_not_routed_by_stream_name(
    payload: Payload, lambda_context: Any
) -> None:
    app = App("shop")

    @app.changes("lambda-stream")
    def audit(change: ChangeEvent[Any]) -> None: ...

    with pytest.raises(NoSuchFunction):
        Kinesis().invoke(Functions(app), batch(payload, 1), lambda_context)


def test_record_that_is_not_a_change_fails(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.changes("orders")
    def audit(change: ChangeEvent[Any]) -> None: ...

    response = Kinesis().invoke(pinned(app, "audit"), batch(payload, 2), lambda_context)
    assert failures(response) == ["1000", "1001"]


def test_typed_change_numbers_stay_exact(payload: Payload, lambda_context: Any) -> None:
    change = {
        "eventName": "MODIFY",
        "tableName": "prices",
        "dynamodb": {
            "ApproximateCreationDateTime": 1731924555370123,  # microseconds
            "Keys": {"sku": {"S": "a"}},
            "NewImage": {"sku": {"S": "a"}, "price": {"N": "19.99"}},
        },
    }
    event = batch(payload, 1)
    event["Records"][0]["kinesis"]["data"] = base64.b64encode(json.dumps(change).encode()).decode()
    app = App("shop")
    seen: list[Any] = []

    @app.changes("prices")
    def audit(change: ChangeEvent[dict[str, Any]]) -> None:
        seen.append(change)

    Kinesis().invoke(pinned(app, "audit"), event, lambda_context)
    assert seen[0].new == {"sku": "a", "price": Decimal("19.99")}
    assert seen[0].kind == "update"
    assert seen[0].time == datetime(2024, 11, 18, 10, 9, 15, 370123, tzinfo=timezone.utc)


# -- ordered failures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "invoked", "reported"),
    [
        ({0}, ["1000"], ["1000", "1001", "1002", "1003"]),
        ({2}, ["1000", "1001", "1002"], ["1002", "1003"]),
        ({3}, ["1000", "1001", "1002", "1003"], ["1003"]),
        ({1, 3}, ["1000", "1001"], ["1001", "1002", "1003"]),
        (set(), ["1000", "1001", "1002", "1003"], []),
    ],
    ids=["start", "middle", "end", "two", "none"],
)
def test_first_failure_stops_the_batch(
    failing: set[int],
    invoked: list[str],
    reported: list[str],
    payload: Payload,
    lambda_context: Any,
) -> None:
    app, seen = stream_app(fail=lambda message: int(message.id) - 1000 in failing)
    response = Kinesis().invoke(pinned(app), batch(payload, 4), lambda_context)
    assert [message.id for message in seen] == invoked
    assert failures(response) == reported


def test_data_that_is_not_base64_fails_its_record(payload: Payload, lambda_context: Any) -> None:
    event = batch(payload, 3)
    event["Records"][1]["kinesis"]["data"] = "not base64!"
    app, seen = stream_app()
    response = Kinesis().invoke(pinned(app), event, lambda_context)
    assert [message.id for message in seen] == ["1000"]
    assert failures(response) == ["1001", "1002"]


def test_data_failing_validation_fails_its_record(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.stream("lambda-stream")
    def numbers(value: int) -> None: ...

    event = batch(payload, 2)
    event["Records"][1]["kinesis"]["data"] = base64.b64encode(b"42").decode()
    response = Kinesis().invoke(Functions(app), event, lambda_context)
    assert failures(response) == ["1000", "1001"]  # "record 0" is not an int


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), size=st.integers(min_value=1, max_value=25))
def test_property_report_first_failure_and_everything_after(
    data: st.DataObject, size: int, payload: Payload, lambda_context: Any
) -> None:
    failing = data.draw(st.sets(st.integers(min_value=0, max_value=size - 1)))
    app, seen = stream_app(fail=lambda message: int(message.id) - 1000 in failing)
    response = Kinesis().invoke(pinned(app), batch(payload, size), lambda_context)
    ids = [str(1000 + index) for index in range(size)]
    first = min(failing, default=size)
    assert failures(response) == ids[first:]
    assert [message.id for message in seen] == ids[: first + 1]


# -- malformed payloads ---------------------------------------------------------------------


def _drop(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        target: Any = event["Records"][0]
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        target: Any = event["Records"][0]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    "mutate",
    [
        _drop(("kinesis",)),
        _drop(("eventSourceARN",)),
        _drop(("kinesis", "sequenceNumber")),
        _set(("kinesis", "sequenceNumber"), 12),
        _set(("kinesis",), "data"),
        _set(("eventSourceARN",), ["not", "hashable"]),
    ],
)
def test_malformed_payload_is_unsupported(
    mutate: Callable[[dict[str, Any]], None], payload: Payload, lambda_context: Any
) -> None:
    event = payload("stream/kinesis-data-stream-two-records.json")
    mutate(event)
    app, seen = stream_app()
    with pytest.raises(UnsupportedEvent):
        Kinesis().invoke(pinned(app), event, lambda_context)
    assert seen == []


@pytest.mark.parametrize(
    "mutate",
    [
        _drop(("kinesis", "data")),
        _set(("kinesis", "data"), 5),
        _set(("kinesis", "approximateArrivalTimestamp"), "soon"),
    ],
)
def test_malformed_record_is_reported(
    mutate: Callable[[dict[str, Any]], None], payload: Payload, lambda_context: Any
) -> None:
    event = payload("stream/kinesis-data-stream-two-records.json")
    mutate(event)
    app, _ = stream_app(fail=lambda message: message.time is None)
    response = Kinesis().invoke(pinned(app), event, lambda_context)
    assert len(failures(response)) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("approximateArrivalTimestamp", {"at": 1}),
        ("approximateArrivalTimestamp", [1]),
        ("approximateArrivalTimestamp", True),
        ("partitionKey", ["1"]),
    ],
)
def test_a_time_or_key_of_another_type_fails_the_record_untranslated(
    field: str, value: Any, payload: Payload, lambda_context: Any
) -> None:
    """Found by tests/fuzz: these reached the Message, whose ``time`` then raised
    AttributeError when the handler read it, and whose ``partition_key`` was no string."""
    event = payload("stream/kinesis-data-stream-two-records.json")
    event["Records"][0]["kinesis"][field] = value
    app, seen = stream_app()
    response = Kinesis().invoke(pinned(app), event, lambda_context)
    assert len(failures(response)) == 2  # ordered: the first record and every later one
    assert seen == []


def test_the_payload_is_not_mutated(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kinesis-tumbling-window.json")
    before = copy.deepcopy(event)
    app, _ = stream_app()
    Kinesis().invoke(pinned(app), event, lambda_context)
    assert event == before
