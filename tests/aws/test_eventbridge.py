"""The EventBridge source: events fanned out by type, schedules, S3 through EventBridge.

Payloads: tests/payloads/aws/event/*.json, schedule/*.json and
storage/s3-eventbridge-*.json (Powertools' and aws-lambda-java-libs' test events; see
SOURCES.md there).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import TypedDict

from portafunc import App, Event, Message, ScheduleEvent, StorageEvent
from portafunc.errors import InvalidPayload, NoSuchFunction, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources._base import Source
from portafunc_aws.sources.eventbridge import EventBridge
from portafunc_aws.sources.s3 import S3
from portafunc_aws.sources.sns import SNS
from portafunc_aws.sources.sqs import SQS

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
OWNED = sorted(
    [f"event/{p.name}" for p in (PAYLOADS / "event").glob("*.json")]
    + [f"schedule/{p.name}" for p in (PAYLOADS / "schedule").glob("*.json")]
    + [f"storage/{p.name}" for p in (PAYLOADS / "storage").glob("s3-eventbridge-*.json")]
)
SOURCE: Source = EventBridge()
EC2 = "EC2 Instance State-change Notification"
RULE = "arn:aws:events:eu-central-1:123456789012:rule/"


class Instance(TypedDict):
    instance_id: str
    state: str


class Recorder:
    def __init__(self) -> None:
        self.app = App("shop")
        self.seen: list[tuple[str, Any]] = []
        self.fail_on: set[str] = set()
        app = self.app

        @app.event(type=EC2)
        def audit(event: Event[Instance]) -> None:
            self.record("audit", event)

        @app.event(type=EC2)
        def notify(event: Event[dict[str, str]]) -> None:
            self.record("notify", event)

        @app.schedule("*/5 * * * *")
        def demoschedule(event: ScheduleEvent) -> None:
            self.record("demoschedule", event)

        @app.schedule("0 3 * * *", name="ExampleRule")
        def example(event: ScheduleEvent) -> None:
            self.record("ExampleRule", event)

        @app.schedule("0 4 * * *")
        def nightly(event: ScheduleEvent) -> None:
            self.record("nightly", event)

        @app.storage("example-bucket", events=("created", "deleted", "restored"))
        def uploads(event: StorageEvent) -> None:
            self.record("uploads", event)

        @app.queue("jobs")
        def jobs(msg: Message[bytes]) -> None:
            self.record("jobs", msg)

    def record(self, name: str, envelope: Any) -> None:
        self.seen.append((name, envelope))
        if name in self.fail_on:
            raise RuntimeError(f"failing {name}")

    def functions(self, pinned: str | None = None) -> Functions:
        return Functions(self.app, self.app.function(pinned) if pinned else None)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def scheduled(payload: Payload, rule: str) -> dict[str, Any]:
    event = payload("schedule/eventbridge-scheduled-event-empty-detail.json")
    event["resources"] = [RULE + rule]
    return event


def s3_event(payload: Payload, detail_type: str, key: str = "IMG_m7fzo3.jpg") -> dict[str, Any]:
    event = payload("storage/s3-eventbridge-object-created.json")
    event["detail-type"] = detail_type
    event["detail"]["object"]["key"] = key
    return event


# -- matching ---------------------------------------------------------------------------


def test_matches_exactly_its_payloads(payload: Payload) -> None:
    for path in sorted(PAYLOADS.glob("*/*.json")):
        name = f"{path.parent.name}/{path.name}"
        assert SOURCE.matches(payload(name)) is (name in OWNED), name
    assert len(OWNED) == 5


@pytest.mark.parametrize("name", OWNED)
def test_owned_payloads_match_no_other_messaging_source(payload: Payload, name: str) -> None:
    assert not any(source.matches(payload(name)) for source in (SQS(), SNS(), S3()))


@pytest.mark.parametrize(
    ("event", "matches"),
    [
        ({"portafunc": {"schedule": "nightly"}}, True),
        ({"portafunc": {"schedule": "nightly"}, "other": 1}, False),
        ({"detail-type": "x", "source": "y", "detail": {}, "version": "0"}, True),
        ({"detail-type": "x", "source": "y", "detail": {}}, True),  # docs examples omit it
        ({"detail-type": "x", "source": "y", "detail": {}, "version": "1"}, False),
        ({"detail-type": "x", "source": "y"}, False),
        ({"detail-type": "x", "detail": {}}, False),
        ({}, False),
    ],
)
def test_matches(event: dict[str, Any], matches: bool) -> None:
    assert SOURCE.matches(event) is matches


# -- every corpus payload, golden ---------------------------------------------------------


@pytest.mark.parametrize("name", OWNED)
def test_corpus_payload_golden(
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
    recorder: Recorder,
    name: str,
) -> None:
    response = SOURCE.invoke(recorder.functions(), payload(name), lambda_context)
    assert response is None  # asynchronous invocation: nothing to answer
    events = [{"function": function, **as_json(envelope)} for function, envelope in recorder.seen]
    stem = name.partition("/")[2][:-5]
    golden(
        f"eventbridge/{stem}",
        {"event": events[0] if len(events) == 1 else events, "response": response},
    )


def test_custom_event_fans_out_to_every_function_of_its_type(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("event/eventbridge-custom-event.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    (first_name, first), (second_name, second) = recorder.seen
    assert (first_name, second_name) == ("audit", "notify")
    assert first is not second  # each function validates into its own envelope
    assert first.data == {"instance_id": "i-1234567890abcdef0", "state": "terminated"}
    assert second.data == {"instance_id": "i-1234567890abcdef0", "state": "terminated"}
    assert first.id == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
    assert first.source == "aws.ec2"
    assert first.type == EC2
    assert first.subject == "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"
    assert first.time.isoformat() == "2017-12-22T18:43:48+00:00"
    assert first.provider == "aws"
    assert first.raw is event


def test_one_failing_function_does_not_stop_the_others(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    recorder.fail_on = {"audit"}
    with pytest.raises(RuntimeError, match="failing audit"):
        SOURCE.invoke(
            recorder.functions(), payload("event/eventbridge-custom-event.json"), lambda_context
        )
    assert [name for name, _ in recorder.seen] == ["audit", "notify"]


def test_invalid_data_raises(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("event/eventbridge-custom-event.json")
    event["detail"] = {"instance_id": "i-1"}
    with pytest.raises(InvalidPayload):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert [name for name, _ in recorder.seen] == ["notify"]  # audit never ran


def test_event_without_resources(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("event/eventbridge-custom-event.json")
    del event["resources"]
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen[0][1].subject is None


def test_unknown_event_type(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("event/eventbridge-custom-event.json")
    event["detail-type"] = "Something Else"
    with pytest.raises(NoSuchFunction, match="EventBridge event type 'Something Else'"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)


# -- schedules ----------------------------------------------------------------------------


def test_rule_named_after_the_function(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("schedule/eventbridge-scheduled-event-empty-detail.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    ((name, tick),) = recorder.seen
    assert name == "demoschedule"
    assert tick.schedule == "demoschedule"
    assert tick.time.isoformat() == "2020-09-30T15:58:34+00:00"
    assert tick.past_due is False
    assert tick.raw is event


@pytest.mark.parametrize(
    ("rule", "function"),
    [
        ("nightly", "nightly"),
        ("shop-nightly", "nightly"),
        ("my-stack-shop-nightly", "nightly"),
        ("shop-ExampleRule", "ExampleRule"),
    ],
)
def test_rule_ending_with_the_function_name(
    payload: Payload, lambda_context: Any, recorder: Recorder, rule: str, function: str
) -> None:
    SOURCE.invoke(recorder.functions(), scheduled(payload, rule), lambda_context)
    assert [(name, tick.schedule) for name, tick in recorder.seen] == [(function, function)]


def test_rule_given_as_arn_option(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[ScheduleEvent] = []

    @app.schedule("0 0 * * *", aws={"arn": RULE + "Shop-Generated-1A2B3C"})
    def daily(event: ScheduleEvent) -> None:
        seen.append(event)

    SOURCE.invoke(Functions(app), scheduled(payload, "Shop-Generated-1A2B3C"), lambda_context)
    assert [tick.schedule for tick in seen] == ["daily"]


def test_unknown_rule(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    with pytest.raises(NoSuchFunction, match=r"rule/other-rule' \(schedule functions\) nor"):
        SOURCE.invoke(recorder.functions(), scheduled(payload, "other-rule"), lambda_context)


def test_rule_of_a_function_that_is_no_schedule(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    with pytest.raises(NoSuchFunction):
        SOURCE.invoke(recorder.functions(), scheduled(payload, "shop-jobs"), lambda_context)


def test_scheduled_event_for_an_event_function(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[Event[Any]] = []

    @app.event(type="Scheduled Event")
    def ticks(event: Event[Any]) -> None:
        seen.append(event)

    SOURCE.invoke(Functions(app), scheduled(payload, "unnamed"), lambda_context)
    assert [(e.type, e.source, e.data) for e in seen] == [("Scheduled Event", "aws.events", {})]


def test_scheduler_input_marker(lambda_context: Any, recorder: Recorder) -> None:
    before = datetime.now(timezone.utc)
    event = {"portafunc": {"schedule": "nightly"}}
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    ((name, tick),) = recorder.seen
    assert (name, tick.schedule, tick.past_due) == ("nightly", "nightly", False)
    assert before <= tick.time <= datetime.now(timezone.utc)
    assert tick.raw is event


def test_scheduler_input_marker_with_the_scheduled_time(
    lambda_context: Any, recorder: Recorder
) -> None:
    event = {"portafunc": {"schedule": "ExampleRule", "time": "2024-05-01T03:00:00Z"}}
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    ((_, tick),) = recorder.seen
    assert tick.time == datetime(2024, 5, 1, 3, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", ["undeclared", "jobs", "audit"])
def test_scheduler_input_marker_for_no_schedule_function(
    lambda_context: Any, recorder: Recorder, name: str
) -> None:
    with pytest.raises(NoSuchFunction, match=f"schedule '{name}'"):
        SOURCE.invoke(recorder.functions(), {"portafunc": {"schedule": name}}, lambda_context)


@pytest.mark.parametrize(
    "marker", [None, "nightly", {}, {"schedule": 1}, {"schedule": "nightly", "time": 5}]
)
def test_malformed_input_marker(lambda_context: Any, recorder: Recorder, marker: Any) -> None:
    with pytest.raises(UnsupportedEvent, match="malformed eventbridge payload"):
        SOURCE.invoke(recorder.functions(), {"portafunc": marker}, lambda_context)


# -- S3 through EventBridge ---------------------------------------------------------------


def test_s3_object_created(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    event = payload("storage/s3-eventbridge-object-created.json")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    ((name, storage),) = recorder.seen
    assert name == "uploads"
    assert (storage.bucket, storage.key, storage.action) == (
        "example-bucket",
        "IMG_m7fzo3.jpg",
        "created",
    )
    assert storage.size == 184662
    assert storage.etag == "4e68adba0abe2dc8653dc3354e14c01d"
    assert storage.content_type is None
    assert storage.time.isoformat() == "2023-03-08T17:50:14+00:00"
    assert storage.raw is event


def test_s3_object_deleted(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    SOURCE.invoke(
        recorder.functions(), payload("storage/s3-eventbridge-object-deleted.json"), lambda_context
    )
    ((_, storage),) = recorder.seen
    assert (storage.action, storage.size, storage.etag) == ("deleted", None, None)


@pytest.mark.parametrize(
    ("raw", "key"), [("red+flower.jpg", "red flower.jpg"), ("c%2B%2B+notes.txt", "c++ notes.txt")]
)
def test_s3_keys_are_url_decoded(
    payload: Payload, lambda_context: Any, recorder: Recorder, raw: str, key: str
) -> None:
    SOURCE.invoke(recorder.functions(), s3_event(payload, "Object Created", raw), lambda_context)
    assert [storage.key for _, storage in recorder.seen] == [key]


@pytest.mark.parametrize(
    ("detail_type", "action"),
    [
        ("Object Restore Completed", "restored"),
        ("Object Restore Initiated", None),
        ("Object Restore Expired", None),
        ("Object Storage Class Changed", None),  # archived: not declared by "uploads"
        ("Object Tags Added", None),  # metadata_updated: not declared either
    ],
)
def test_s3_actions(
    payload: Payload, lambda_context: Any, recorder: Recorder, detail_type: str, action: str | None
) -> None:
    SOURCE.invoke(recorder.functions(), s3_event(payload, detail_type), lambda_context)
    assert [storage.action for _, storage in recorder.seen] == ([action] if action else [])


def test_s3_event_of_an_undeclared_bucket_goes_to_event_functions(
    payload: Payload, lambda_context: Any
) -> None:
    app = App("shop")
    seen: list[Event[Any]] = []

    @app.event(type="Object Created")
    def created(event: Event[Any]) -> None:
        seen.append(event)

    SOURCE.invoke(Functions(app), payload("storage/s3-eventbridge-object-created.json"), None)
    assert [(e.source, e.subject) for e in seen] == [("aws.s3", "arn:aws:s3:::example-bucket")]
    with pytest.raises(NoSuchFunction, match="'Object Deleted'"):
        SOURCE.invoke(Functions(app), payload("storage/s3-eventbridge-object-deleted.json"), None)


def test_other_s3_detail_types_are_events(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[Event[Any]] = []

    @app.event(type="Async Copy Completion")
    def copied(event: Event[Any]) -> None:
        seen.append(event)

    event = s3_event(payload, "Async Copy Completion")
    SOURCE.invoke(Functions(app), event, lambda_context)
    assert [e.type for e in seen] == ["Async Copy Completion"]


# -- pinned -------------------------------------------------------------------------------


def test_pinned_schedule_function_ticks_on_any_event(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    pinned = recorder.functions("nightly")
    for name in ("schedule/eventbridge-scheduled-event-with-detail-no-version.json", OWNED[0]):
        SOURCE.invoke(pinned, payload(name), lambda_context)
    SOURCE.invoke(pinned, {"portafunc": {"schedule": "someone-else"}}, lambda_context)
    assert [(n, t.schedule) for n, t in recorder.seen] == [("nightly", "nightly")] * 3
    assert recorder.seen[0][1].time.isoformat() == "1970-01-01T00:00:00+00:00"


def test_pinned_event_function_takes_any_event(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("event/eventbridge-custom-event.json")
    SOURCE.invoke(recorder.functions("notify"), event, lambda_context)
    event["detail-type"] = "Other"  # the core's trigger filter acknowledges other types
    SOURCE.invoke(recorder.functions("notify"), event, lambda_context)
    assert [name for name, _ in recorder.seen] == ["notify"]


def test_pinned_storage_function(payload: Payload, lambda_context: Any, recorder: Recorder) -> None:
    pinned = recorder.functions("uploads")
    event = payload("storage/s3-eventbridge-object-created.json")
    event["detail"]["bucket"]["name"] = "any-bucket"
    SOURCE.invoke(pinned, event, lambda_context)
    SOURCE.invoke(pinned, s3_event(payload, "Object Restore Initiated"), lambda_context)
    assert [storage.bucket for _, storage in recorder.seen] == ["any-bucket"]
    with pytest.raises(UnsupportedEvent, match="'EC2 Instance State-change Notification'"):
        SOURCE.invoke(pinned, payload("event/eventbridge-custom-event.json"), lambda_context)


def test_pinned_function_of_another_kind(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    with pytest.raises(NoSuchFunction, match="'jobs' is a queue"):
        SOURCE.invoke(
            recorder.functions("jobs"), payload("event/eventbridge-custom-event.json"), None
        )


# -- malformed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("id"),
        lambda e: e.update(id=1),
        lambda e: e.update(source=None),
        lambda e: e.update({"detail-type": ["x"]}),
        lambda e: e.update(resources="arn"),
        lambda e: e.update(resources=[1]),
        lambda e: e.update(time=1),
    ],
)
def test_malformed_events_are_unsupported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("event/eventbridge-custom-event.json")
    mutate(event)
    with pytest.raises(UnsupportedEvent, match="malformed eventbridge payload"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.update(resources=[]),
        lambda e: e.pop("resources"),
        lambda e: e.update(resources=[None]),
    ],
)
def test_malformed_schedules_are_unsupported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("schedule/eventbridge-scheduled-event-empty-detail.json")
    mutate(event)
    with pytest.raises(UnsupportedEvent, match="malformed eventbridge payload"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("bucket"),
        lambda d: d["bucket"].update(name=None),
        lambda d: d.pop("object"),
        lambda d: d["object"].update(key=None),
        lambda d: d["object"].update(size="large"),
        lambda d: d["object"].update(etag=1),
    ],
)
def test_malformed_s3_events_are_unsupported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = copy.deepcopy(payload("storage/s3-eventbridge-object-created.json"))
    mutate(event["detail"])
    with pytest.raises(UnsupportedEvent, match="malformed eventbridge payload"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen == []
