"""Amazon MSK and self-managed Kafka → ``stream`` functions (portafunc_aws.sources.kafka).

Payloads: tests/payloads/aws/stream/kafka-*.json (Powertools' fixtures of the Lambda
MSK and self-managed Apache Kafka events; see SOURCES.md).
"""

from __future__ import annotations

import base64
import copy
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
KAFKA = ("kafka-msk", "kafka-self-managed")
CLUSTER = (
    "arn:aws:kafka:us-east-1:0123456789019:cluster/SalesCluster/"
    "abcd1234-abcd-cafe-abab-9876543210ab-4"
)
SOURCES = (Kinesis(), DynamoDBStreams(), Kafka(), AmazonMQ(), CloudWatchLogs(), Firehose())


def stream_app(
    fail: Callable[[Message[bytes]], bool] = lambda message: False,
) -> tuple[App, list[Message[bytes]]]:
    """An app whose ``on_record`` function (topic "mytopic") records what it sees."""
    app = App("shop")
    seen: list[Message[bytes]] = []

    @app.stream("mytopic")
    def on_record(message: Message[bytes]) -> None:
        seen.append(message)
        if fail(message):
            raise RuntimeError(f"cannot process {message.id}")

    return app, seen


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def batch(payload: Payload, sizes: dict[int, int]) -> dict[str, Any]:
    """An MSK event with ``sizes[p]`` records in partition ``p`` of "mytopic", offsets 0…"""
    event = payload("stream/kafka-msk.json")
    template = event["records"]["mytopic-0"][0]
    records: dict[str, list[dict[str, Any]]] = {}
    for partition, size in sizes.items():
        records[f"mytopic-{partition}"] = [
            {**copy.deepcopy(template), "partition": partition, "offset": offset}
            for offset in range(size)
        ]
    return {**event, "records": records}


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", KAFKA)
def test_corpus_payload_matches_kafka_only(name: str, payload: Payload) -> None:
    event = payload(f"stream/{name}.json")
    assert [source.name for source in SOURCES if source.matches(event)] == ["kafka"]


def test_no_other_corpus_payload_matches() -> None:
    for path in sorted(PAYLOADS.rglob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        assert Kafka().matches(event) == (path.stem in KAFKA), path


@pytest.mark.parametrize("source", ["aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"])
def test_event_sources(source: str) -> None:
    assert Kafka().matches({"eventSource": source, "records": {}})
    assert not Kafka().matches({"eventSource": source, "records": []})
    assert not Kafka().matches({"eventSource": [source], "records": {}})


# -- translation ------------------------------------------------------------------------


@pytest.mark.parametrize("name", KAFKA)
def test_corpus_payload_golden(
    name: str,
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
) -> None:
    event = payload(f"stream/{name}.json")
    app, seen = stream_app()
    source: Source = Kafka()  # what Lambda gets back is the handler's return: null
    response = source.invoke(Functions(app), event, lambda_context)  # routed by topic
    assert response is None
    golden(f"kafka/{name}", {"event": [as_json(m) for m in seen], "response": response})


def test_record_translates(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kafka-msk.json")
    app, seen = stream_app()
    Kafka().invoke(Functions(app), event, lambda_context)
    (message,) = seen
    assert message.id == "mytopic-0-15"
    assert message.body == b'{"key":"value"}'
    assert message.attributes == {"headerKey": b"headerValue"}
    assert message.source == "mytopic"
    assert message.partition_key == "recordKey"
    assert message.time == datetime(2018, 12, 17, 22, 10, 50, 987000, tzinfo=timezone.utc)
    assert message.attempt is None
    assert message.provider == "aws"
    assert message.raw is event["records"]["mytopic-0"][0]


def test_keys_values_and_headers(payload: Payload, lambda_context: Any) -> None:
    event = batch(payload, {0: 4})
    records = event["records"]["mytopic-0"]
    records[0].update(key=b64(b"\xff\xfe"), headers=[{"a": [1]}, {"a": [2]}, {"b": []}])
    records[1].update(key=None, value=None, headers=None)
    del records[2]["key"], records[2]["value"], records[2]["headers"], records[2]["timestamp"]
    records[3].update(timestamp=-1)
    app, seen = stream_app()
    Kafka().invoke(Functions(app), event, lambda_context)
    assert seen[0].partition_key == "//4="  # not UTF-8: the key's base64 as delivered
    assert seen[0].attributes == {"a": b"\x02", "b": b""}
    assert (seen[1].partition_key, seen[1].body, seen[1].attributes) == (None, b"", {})
    assert (seen[2].partition_key, seen[2].body, seen[2].time) == (None, b"", None)
    assert seen[3].time is None  # NO_TIMESTAMP_TYPE


@pytest.mark.parametrize(
    "headers",
    ["a=1", [{"a": "x"}], [{"a": 10**9}], [{"a": [256]}], [{"a": None}], ["a"], {"a": [1]}],
    ids=["text", "text value", "int value", "not a byte", "null value", "not objects", "object"],
)
def test_headers_of_another_shape_are_unsupported_when_read(
    headers: Any, payload: Payload, lambda_context: Any
) -> None:
    """Found by tests/fuzz: reading them raised TypeError, ValueError or AttributeError
    (and ``bytes()`` of an int value allocates that many zero bytes)."""
    event = payload("stream/kafka-msk.json")
    event["records"]["mytopic-0"][0]["headers"] = headers
    app, seen = stream_app()
    Kafka().invoke(Functions(app), event, lambda_context)  # the handler never read them
    with pytest.raises(UnsupportedEvent, match="Kafka record headers"):
        _ = seen[0].attributes


def test_routed_by_the_cluster_arn(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[dict[str, str]] = []

    @app.stream("sales", aws={"arn": CLUSTER})
    def sales(data: dict[str, str]) -> None:
        seen.append(data)

    Kafka().invoke(Functions(app), payload("stream/kafka-msk.json"), lambda_context)
    assert seen == [{"key": "value"}]
    with pytest.raises(NoSuchFunction, match="mytopic"):
        Kafka().invoke(Functions(app), payload("stream/kafka-self-managed.json"), lambda_context)


def test_the_topic_wins_over_the_cluster(payload: Payload, lambda_context: Any) -> None:
    app, seen = stream_app()

    @app.stream("everything", aws={"arn": CLUSTER})
    def everything(message: Message[bytes]) -> None:
        raise AssertionError("the topic's own function is preferred")

    Kafka().invoke(Functions(app), payload("stream/kafka-msk.json"), lambda_context)
    assert len(seen) == 1


def test_pinned_function(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[str] = []

    @app.stream("renamed")
    def renamed(message: Message[bytes]) -> None:
        seen.append(message.source)

    Kafka().invoke(
        Functions(app, app.function("renamed")),
        payload("stream/kafka-self-managed.json"),
        lambda_context,
    )
    assert seen == ["mytopic"]


# -- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "invoked"),
    [
        ("mytopic-0-0", ["mytopic-0-0"]),
        ("mytopic-0-1", ["mytopic-0-0", "mytopic-0-1"]),
        (
            "mytopic-1-1",
            ["mytopic-0-0", "mytopic-0-1", "mytopic-0-2", "mytopic-1-0", "mytopic-1-1"],
        ),
    ],
    ids=["start", "middle", "end"],
)
def test_first_failure_stops_and_raises(
    failing: str, invoked: list[str], payload: Payload, lambda_context: Any
) -> None:
    app, seen = stream_app(fail=lambda message: message.id == failing)
    with pytest.raises(PortafuncError, match=f"Kafka record {failing} failed"):
        Kafka().invoke(Functions(app), batch(payload, {0: 3, 1: 2}), lambda_context)
    assert [message.id for message in seen] == invoked


def test_value_that_is_not_base64_fails(payload: Payload, lambda_context: Any) -> None:
    event = batch(payload, {0: 3})
    event["records"]["mytopic-0"][1]["value"] = "%%%"
    app, seen = stream_app()
    with pytest.raises(PortafuncError, match="mytopic-0-1"):
        Kafka().invoke(Functions(app), event, lambda_context)
    assert [message.id for message in seen] == ["mytopic-0-0"]


def test_value_failing_validation_fails(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.stream("mytopic")
    def numbers(value: list[int]) -> None: ...

    with pytest.raises(PortafuncError, match="1 of 1"):
        Kafka().invoke(Functions(app), payload("stream/kafka-msk.json"), lambda_context)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda event: event["records"]["mytopic-0"][0].pop("topic"),
        lambda event: event["records"]["mytopic-0"][0].pop("offset"),
        lambda event: event["records"].update({"mytopic-0": "x"}),
        lambda event: event["records"].update({"mytopic-0": [None]}),
        lambda event: event["records"]["mytopic-0"][0].update(topic=["x"]),
    ],
    ids=["no topic", "no offset", "partition not a list", "record not an object", "list topic"],
)
def test_malformed_payload_is_unsupported(
    mutate: Callable[[dict[str, Any]], Any], payload: Payload, lambda_context: Any
) -> None:
    event = payload("stream/kafka-msk.json")
    mutate(event)
    app, seen = stream_app()
    with pytest.raises(UnsupportedEvent):
        Kafka().invoke(Functions(app, app.function("on_record")), event, lambda_context)
    assert seen == []


def test_the_payload_is_not_mutated(payload: Payload, lambda_context: Any) -> None:
    event = payload("stream/kafka-msk.json")
    before = copy.deepcopy(event)
    app, _ = stream_app()
    Kafka().invoke(Functions(app), event, lambda_context)
    assert event == before
