"""The SNS source: notifications to topic functions, S3 notifications published to topics.

Payloads: tests/payloads/aws/topic/*.json (Powertools' snsEvent.json and aws-lambda-go's
CloudWatch-alarm-through-SNS event; see SOURCES.md there).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import App, Message, StorageEvent
from portafunc.errors import InvalidPayload, NoSuchFunction, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources._base import Source
from portafunc_aws.sources.eventbridge import EventBridge
from portafunc_aws.sources.s3 import S3
from portafunc_aws.sources.sns import SNS
from portafunc_aws.sources.sqs import SQS

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
OWNED = sorted(p.name for p in (PAYLOADS / "topic").glob("*.json"))
#: Valid JSON nested deeper than Python's recursion limit can decode.
DEEP_JSON = '{"a":' + "[" * 50_000 + "]" * 50_000 + "}"
SOURCE: Source = SNS()


class Alarm(BaseModel):
    AlarmName: str
    NewStateValue: str


class Recorder:
    def __init__(self) -> None:
        self.app = App("shop")
        self.seen: list[Any] = []
        self.fail_on: set[str] = set()
        app = self.app

        @app.topic("sns-lambda")
        def notifications(msg: Message[str]) -> None:
            self.record(msg, msg.id)

        @app.topic("EXAMPLE")
        def alarms(msg: Message[Alarm]) -> None:
            self.record(msg, msg.id)

        @app.storage("xxx", events=("created", "deleted"))
        def uploads(event: StorageEvent) -> None:
            self.record(event, event.key)

        @app.queue("jobs")
        def jobs(msg: Message[bytes]) -> None:
            self.record(msg, msg.id)

    def record(self, envelope: Any, key: str) -> None:
        self.seen.append(envelope)
        if key in self.fail_on:
            raise RuntimeError(f"failing {key}")

    def functions(self, pinned: str | None = None) -> Functions:
        return Functions(self.app, self.app.function(pinned) if pinned else None)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def with_message(payload: Payload, message: str, topic: str = "uploads") -> dict[str, Any]:
    """The corpus notification carrying ``message``, published to ``topic``."""
    event = payload("topic/sns-notification.json")
    sns = event["Records"][0]["Sns"]
    sns.update(Message=message, TopicArn=f"arn:aws:sns:us-east-2:123456789012:{topic}")
    return event


def s3_message(payload: Payload) -> str:
    body: str = payload("queue/sqs-with-s3-notification.json")["Records"][0]["body"]
    return body


def test_matches_exactly_its_payloads(payload: Payload) -> None:
    for path in sorted(PAYLOADS.glob("*/*.json")):
        event = payload(f"{path.parent.name}/{path.name}")
        assert SOURCE.matches(event) is (path.parent.name == "topic"), path.name
    assert len(OWNED) == 2


@pytest.mark.parametrize("name", OWNED)
def test_owned_payloads_match_no_other_messaging_source(payload: Payload, name: str) -> None:
    event = payload(f"topic/{name}")
    assert not any(source.matches(event) for source in (SQS(), S3(), EventBridge()))


@pytest.mark.parametrize("name", OWNED)
def test_corpus_payload_golden(
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
    recorder: Recorder,
    name: str,
) -> None:
    response = SOURCE.invoke(recorder.functions(), payload(f"topic/{name}"), lambda_context)
    assert response is None  # asynchronous invocation: nothing to answer
    (envelope,) = recorder.seen
    golden(f"sns/{name[:-5]}", {"event": as_json(envelope), "response": response})


def test_notification(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("topic/sns-notification.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    (msg,) = recorder.seen
    assert msg.id == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    assert msg.data == "Hello from SNS!"
    assert msg.body == b"Hello from SNS!"
    assert msg.source == "sns-lambda"
    assert msg.time.isoformat() == "2019-01-02T12:45:07+00:00"
    assert msg.attempt is None
    assert msg.partition_key is None
    assert msg.provider == "aws"
    assert msg.raw is event["Records"][0]
    # "TestBinary" is not base64 (a hand-written fixture): kept as the string received.
    assert msg.attributes == {"Test": "TestString", "TestBinary": "TestBinary"}


def test_binary_attributes_are_decoded(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("topic/sns-notification.json")
    attributes = event["Records"][0]["Sns"]["MessageAttributes"]
    attributes["TestBinary"]["Value"] = base64.b64encode(b"\x00\xff").decode()
    attributes["Count"] = {"Type": "Number", "Value": "12.5"}
    attributes["Tags"] = {"Type": "String.Array", "Value": '["a", "b"]'}
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen[0].attributes == {
        "Test": "TestString",
        "TestBinary": b"\x00\xff",
        "Count": "12.5",  # as SNS sends it
        "Tags": '["a", "b"]',
    }


def test_cloudwatch_alarm_message(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    SOURCE.invoke(
        recorder.functions(),
        payload("topic/sns-notification-cloudwatch-alarm-message.json"),
        lambda_context,
    )
    (msg,) = recorder.seen
    assert msg.data == Alarm(AlarmName="EXAMPLE", NewStateValue="ALARM")
    assert msg.source == "EXAMPLE"  # TopicArn "arn:aws:sns:EXAMPLE"
    assert msg.attributes == {}
    assert msg.time.isoformat() == "2015-06-03T17:43:27.123000+00:00"


def test_every_record_is_attempted_then_the_first_failure_raised(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("topic/sns-notification.json")
    records = [copy.deepcopy(event["Records"][0]) for _ in range(3)]
    for index, record in enumerate(records):
        record["Sns"]["MessageId"] = f"n{index}"
    recorder.fail_on = {"n0", "n2"}
    with pytest.raises(RuntimeError, match="failing n0"):
        SOURCE.invoke(recorder.functions(), {"Records": records}, lambda_context)
    assert [m.id for m in recorder.seen] == ["n0", "n1", "n2"]


def test_invalid_data_raises(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = with_message(payload, '{"AlarmName": "x"}', topic="EXAMPLE")
    with pytest.raises(InvalidPayload):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen == []


def test_unknown_topic(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = with_message(payload, "hello", topic="undeclared")
    with pytest.raises(NoSuchFunction, match="SNS topic 'arn:aws:sns:us-east-2:123456789012:und"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)


def test_routed_by_arn_option(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[Message[str]] = []

    @app.topic("alerts", aws={"arn": "arn:aws:sns:us-east-2:123456789012:sns-lambda"})
    def alerts(msg: Message[str]) -> None:
        seen.append(msg)

    SOURCE.invoke(Functions(app), payload("topic/sns-notification.json"), lambda_context)
    assert [m.data for m in seen] == ["Hello from SNS!"]


def test_pinned_topic_function_takes_any_topic(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = with_message(payload, "hi", topic="anything")
    SOURCE.invoke(recorder.functions("notifications"), event, lambda_context)
    assert [(m.data, m.source) for m in recorder.seen] == [("hi", "anything")]


def test_s3_notification_in_sns(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = with_message(payload, s3_message(payload))
    for functions in (recorder.functions(), recorder.functions("uploads")):
        SOURCE.invoke(functions, event, lambda_context)
    assert [(e.bucket, e.key, e.action) for e in recorder.seen] == [
        ("xxx", "test.pdf", "created")
    ] * 2


def test_s3_test_event_in_sns_is_acknowledged(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    test_event = json.dumps(payload("storage/s3-test-event-notification.json"))
    event = with_message(payload, test_event)
    assert SOURCE.invoke(recorder.functions(), event, lambda_context) is None
    assert recorder.seen == []


def test_pinned_storage_function_refuses_other_messages(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("topic/sns-notification.json")
    with pytest.raises(UnsupportedEvent, match="not an S3 notification"):
        SOURCE.invoke(recorder.functions("uploads"), event, lambda_context)


def test_pinned_function_of_another_kind(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    with pytest.raises(NoSuchFunction):
        SOURCE.invoke(
            recorder.functions("jobs"), payload("topic/sns-notification.json"), lambda_context
        )


def test_s3_message_for_an_unknown_bucket(payload: Payload, lambda_context: Any) -> None:
    event = with_message(payload, s3_message(payload))
    with pytest.raises(NoSuchFunction, match="S3 bucket 'xxx'"):
        SOURCE.invoke(Functions(App("empty")), event, lambda_context)


def test_a_message_nested_too_deep_is_no_s3_notification(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    """Found by tests/fuzz: RecursionError escaped the invocation."""
    event = with_message(payload, DEEP_JSON)
    with pytest.raises(NoSuchFunction, match="SNS topic"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    with pytest.raises(UnsupportedEvent, match="not an S3 notification"):
        SOURCE.invoke(recorder.functions("uploads"), event, lambda_context)
    assert recorder.seen == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("Records"),
        lambda e: e["Records"][0].pop("Sns"),
        lambda e: e["Records"][0].update(Sns="x"),
        lambda e: e["Records"][0]["Sns"].pop("MessageId"),
        lambda e: e["Records"][0]["Sns"].update(Message=None),
        lambda e: e["Records"][0]["Sns"].update(TopicArn=["x"]),
        lambda e: e["Records"][0]["Sns"].update(Timestamp=1),
        lambda e: e["Records"][0]["Sns"].update(MessageAttributes=[1]),
    ],
)
def test_malformed_payloads_are_unsupported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("topic/sns-notification.json")
    mutate(event)
    with pytest.raises(UnsupportedEvent, match="malformed sns payload"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen == []


def test_malformed_attribute_fails_only_when_read(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("topic/sns-notification.json")
    event["Records"][0]["Sns"]["MessageAttributes"]["Test"] = {"Type": "String"}
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    with pytest.raises(UnsupportedEvent, match="SNS message attributes"):
        _ = recorder.seen[0].attributes
