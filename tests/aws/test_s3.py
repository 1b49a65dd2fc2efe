"""The S3 source: direct notifications, the action table, key decoding, test events.

Payloads: tests/payloads/aws/storage/s3-*.json except s3-eventbridge-* (those come
through EventBridge, tests/aws/test_eventbridge.py): Powertools' and aws-lambda-go's test
events and the S3 user guide's test-event sample (see SOURCES.md there).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, StorageEvent
from portafunc.errors import NoSuchFunction, UnsupportedEvent
from portafunc_aws.invocation import Functions
from portafunc_aws.sources._base import Source
from portafunc_aws.sources.eventbridge import EventBridge
from portafunc_aws.sources.s3 import S3, action_of
from portafunc_aws.sources.sns import SNS
from portafunc_aws.sources.sqs import SQS

Payload = Callable[[str], dict[str, Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "aws"
OWNED = sorted(
    p.name
    for p in (PAYLOADS / "storage").glob("s3-*.json")
    if not p.name.startswith("s3-eventbridge-")
)
SOURCE: Source = S3()
EVERY_ACTION = ("created", "deleted", "archived", "restored", "metadata_updated")

#: What each corpus payload delivers: (bucket, key, action, size, etag, time), or None.
EXPECTED: dict[str, tuple[str, str, str, int | None, str | None, str] | None] = {
    "s3-lifecycle-transition.json": (
        "example-bucket",
        "lifecycle-test.dat",
        "archived",
        10485760,
        "abcd1234ef5678901234567890abcdef",
        "2023-08-20T14:25:00.321000+00:00",
    ),
    "s3-object-created-put.json": (
        "lambda-artifacts-deafc19498e3f2df",
        "b21b84d653bb07b05b1e6b33684dc11b",
        "created",
        1305107,
        "b21b84d653bb07b05b1e6b33684dc11b",
        "2019-09-03T19:37:27.192000+00:00",
    ),
    "s3-object-created-url-encoded-key.json": (
        "sourcebucket",
        "Happy Face.jpg",
        "created",
        1024,
        "d41d8cd98f00b204e9800998ecf8427e",
        "1970-01-01T00:00:00.123000+00:00",
    ),
    "s3-object-removed-delete.json": (
        "lambda-artifacts-deafc19498e3f2df",
        "b21b84d653bb07b05b1e6b33684dc11b",
        "deleted",
        None,
        None,
        "2019-09-03T19:37:27.192000+00:00",
    ),
    "s3-object-restore-completed.json": (
        "example-bucket",
        "glacier-test.txt",
        "restored",
        1024,
        "0123456789abcdef0123456789abcdef",
        "2023-05-10T15:00:00.123000+00:00",
    ),
    "s3-replication-operation-failed.json": None,  # no storage action: acknowledged
    "s3-test-event-notification.json": None,  # S3's test event: acknowledged
}


class Recorder:
    """Storage functions for every corpus bucket, listening to every action."""

    def __init__(self, events: tuple[Any, ...] = EVERY_ACTION) -> None:
        self.app = App("shop")
        self.seen: list[StorageEvent] = []
        self.fail_on: set[str] = set()
        for bucket in ("example-bucket", "lambda-artifacts-deafc19498e3f2df", "sourcebucket"):
            self.app.storage(bucket, events=events, name=bucket)(self.record)
        self.app.storage("amzn-s3-demo-bucket1", events=events, name="replicas")(self.record)

    def record(self, event: StorageEvent) -> None:
        self.seen.append(event)
        if event.key in self.fail_on:
            raise RuntimeError(f"failing {event.key}")

    def functions(self, pinned: str | None = None) -> Functions:
        return Functions(self.app, self.app.function(pinned) if pinned else None)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def with_key(payload: Payload, key: str, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    event = payload("storage/s3-object-created-put.json")
    record = event["Records"][0]
    record["eventName"] = event_name
    record["s3"]["object"]["key"] = key
    return event


def test_matches_exactly_its_payloads(payload: Payload) -> None:
    for path in sorted(PAYLOADS.glob("*/*.json")):
        event = payload(f"{path.parent.name}/{path.name}")
        owned = path.parent.name == "storage" and path.name in OWNED
        assert SOURCE.matches(event) is owned, path.name
    assert sorted(EXPECTED) == OWNED


@pytest.mark.parametrize("name", OWNED)
def test_owned_payloads_match_no_other_messaging_source(payload: Payload, name: str) -> None:
    event = payload(f"storage/{name}")
    assert not any(source.matches(event) for source in (SQS(), SNS(), EventBridge()))


@pytest.mark.parametrize("name", OWNED)
def test_corpus_payload(
    payload: Payload,
    lambda_context: Any,
    as_json: Callable[[Any], dict[str, Any]],
    golden: Callable[[str, Any], None],
    recorder: Recorder,
    name: str,
) -> None:
    event = payload(f"storage/{name}")
    response = SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert response is None  # asynchronous invocation: nothing to answer
    expected = EXPECTED[name]
    if expected is None:
        assert recorder.seen == []
    else:
        (storage,) = recorder.seen
        seen = (storage.bucket, storage.key, storage.action, storage.size, storage.etag)
        assert (*seen, storage.time.isoformat()) == expected  # type: ignore[union-attr]
        assert storage.content_type is None  # S3 does not send it
        assert storage.provider == "aws"
        assert storage.raw is event["Records"][0]
    rendered = as_json(recorder.seen[0]) if recorder.seen else None
    golden(f"s3/{name[:-5]}", {"event": rendered, "response": response})


@pytest.mark.parametrize(
    ("event_name", "action"),
    [
        ("ObjectCreated:Put", "created"),
        ("ObjectCreated:Post", "created"),
        ("ObjectCreated:Copy", "created"),
        ("ObjectCreated:CompleteMultipartUpload", "created"),
        ("ObjectRemoved:Delete", "deleted"),
        ("ObjectRemoved:DeleteMarkerCreated", "deleted"),
        ("LifecycleExpiration:Delete", "deleted"),
        ("LifecycleExpiration:DeleteMarkerCreated", "deleted"),
        ("LifecycleTransition", "archived"),
        ("s3:LifecycleTransition", "archived"),
        ("IntelligentTiering", "archived"),
        ("ObjectRestore:Completed", "restored"),
        ("s3:ObjectRestore:Completed", "restored"),
        ("ObjectRestore:Post", None),  # a restore was requested: nothing is readable yet
        ("ObjectRestore:Delete", None),  # the restored copy expired
        ("ObjectTagging:Put", "metadata_updated"),
        ("ObjectTagging:Delete", "metadata_updated"),
        ("ObjectAcl:Put", "metadata_updated"),
        ("Replication:OperationFailedReplication", None),
        ("Replication:OperationMissedThreshold", None),
        ("s3:Replication:OperationReplicatedAfterThreshold", None),
        ("Replication:OperationNotTracked", None),
        ("ReducedRedundancyLostObject", None),
        ("SomethingNew:Put", None),
    ],
)
def test_action_table(event_name: str, action: str | None) -> None:
    assert action_of(event_name) == action


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Happy%20Face.jpg", "Happy Face.jpg"),
        ("red+flower.jpg", "red flower.jpg"),  # S3 encodes a space as +
        ("c%2B%2B.tar.gz", "c++.tar.gz"),  # and a + as %2B
        ("dir%2Fsub/a%3Ab%3Dc.txt", "dir/sub/a:b=c.txt"),
        ("%E2%82%AC+price.pdf", "€ price.pdf"),
    ],
)
def test_keys_are_url_decoded(
    payload: Payload, lambda_context: Any, recorder: Recorder, raw: str, key: str
) -> None:
    SOURCE.invoke(recorder.functions(), with_key(payload, raw), lambda_context)
    assert [event.key for event in recorder.seen] == [key]


def test_url_decoded_key_field_is_ignored(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    """``urlDecodedKey`` is aws-lambda-go's own field; S3 never sends it."""
    event = payload("storage/s3-object-restore-completed.json")
    event["Records"][0]["s3"]["object"]["urlDecodedKey"] = "something else"
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen[0].key == "glacier-test.txt"


def test_undeclared_actions_are_acknowledged(payload: Payload, lambda_context: Any) -> None:
    created_only = Recorder(events=("created",))
    for name in ("s3-object-removed-delete.json", "s3-object-restore-completed.json"):
        assert (
            SOURCE.invoke(created_only.functions(), payload(f"storage/{name}"), lambda_context)
            is None
        )
    assert created_only.seen == []
    deleted_only = Recorder(events=("deleted",))
    SOURCE.invoke(
        deleted_only.functions(), payload("storage/s3-object-removed-delete.json"), lambda_context
    )
    assert [e.action for e in deleted_only.seen] == ["deleted"]


def test_prefix_and_suffix_filters(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[str] = []

    @app.storage("lambda-artifacts-deafc19498e3f2df", prefix="in/", suffix=".csv")
    def imports(event: StorageEvent) -> None:
        seen.append(event.key)

    for key in ("in/a.csv", "in/b.txt", "out/c.csv", "in%2Fd.csv"):
        SOURCE.invoke(Functions(app), with_key(payload, key), lambda_context)
    assert seen == ["in/a.csv", "in/d.csv"]


def test_test_event_needs_no_function(payload: Payload, lambda_context: Any) -> None:
    event = payload("storage/s3-test-event-notification.json")
    assert SOURCE.invoke(Functions(App("empty")), event, lambda_context) is None


def test_unknown_bucket(payload: Payload, lambda_context: Any) -> None:
    with pytest.raises(NoSuchFunction, match="S3 bucket 'lambda-artifacts-deafc19498e3f2df'"):
        SOURCE.invoke(
            Functions(App("empty")), payload("storage/s3-object-created-put.json"), lambda_context
        )


def test_unknown_bucket_is_unknown_whatever_the_action(
    payload: Payload, lambda_context: Any
) -> None:
    event = payload("storage/s3-replication-operation-failed.json")
    with pytest.raises(NoSuchFunction, match="amzn-s3-demo-bucket1"):
        SOURCE.invoke(Functions(App("empty")), event, lambda_context)


def test_routed_by_arn_option(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")
    seen: list[StorageEvent] = []

    @app.storage("uploads", aws={"arn": "arn:aws:s3:::lambda-artifacts-deafc19498e3f2df"})
    def uploads(event: StorageEvent) -> None:
        seen.append(event)

    SOURCE.invoke(Functions(app), payload("storage/s3-object-created-put.json"), lambda_context)
    assert [e.bucket for e in seen] == ["lambda-artifacts-deafc19498e3f2df"]


def test_pinned_function_takes_any_bucket(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("storage/s3-object-created-put.json")
    event["Records"][0]["s3"]["bucket"].update(name="other", arn="arn:aws:s3:::other")
    SOURCE.invoke(recorder.functions("sourcebucket"), event, lambda_context)
    assert [e.bucket for e in recorder.seen] == ["other"]


def test_pinned_function_of_another_kind(payload: Payload, lambda_context: Any) -> None:
    app = App("shop")

    @app.get("/")
    def index() -> str:
        return "ok"

    with pytest.raises(NoSuchFunction):
        SOURCE.invoke(
            Functions(app, app.function("index")),
            payload("storage/s3-object-created-put.json"),
            lambda_context,
        )


def test_every_record_is_attempted_then_the_first_failure_raised(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("storage/s3-object-created-put.json")
    records = [copy.deepcopy(event["Records"][0]) for _ in range(4)]
    for index, record in enumerate(records):
        record["s3"]["object"]["key"] = f"k{index}"
    records[2]["s3"]["bucket"].update(name="undeclared", arn="arn:aws:s3:::undeclared")
    recorder.fail_on = {"k1", "k3"}
    with pytest.raises(RuntimeError, match="failing k1"):
        SOURCE.invoke(recorder.functions(), {"Records": records}, lambda_context)
    assert [e.key for e in recorder.seen] == ["k0", "k1", "k3"]


def test_intelligent_tiering_object_under_get_object(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    """The S3 guide's IntelligentTiering sample names the object ``get_object``."""
    event = with_key(payload, "cold.bin", event_name="IntelligentTiering")
    s3 = event["Records"][0]["s3"]
    s3["get_object"] = s3.pop("object")
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert [(e.key, e.action) for e in recorder.seen] == [("cold.bin", "archived")]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.pop("s3"),
        lambda r: r.pop("eventName"),
        lambda r: r.update(eventName=None),
        lambda r: r["s3"].pop("bucket"),
        lambda r: r["s3"].update(bucket="b"),
        lambda r: r["s3"].pop("object"),
        lambda r: r["s3"]["object"].pop("key"),
        lambda r: r["s3"]["object"].update(key=3),
        lambda r: r["s3"]["object"].update(size="big"),
        lambda r: r["s3"]["object"].update(size=True),
        lambda r: r["s3"]["object"].update(size=[1]),
        lambda r: r["s3"]["object"].update(eTag=5),
        lambda r: r.update(eventTime=0),
    ],
)
def test_malformed_records_are_unsupported(
    payload: Payload, lambda_context: Any, recorder: Recorder, mutate: Callable[[Any], Any]
) -> None:
    event = payload("storage/s3-object-created-put.json")
    mutate(event["Records"][0])
    with pytest.raises(UnsupportedEvent, match="malformed s3 payload"):
        SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen == []


def test_size_given_as_a_string_is_read(
    payload: Payload, lambda_context: Any, recorder: Recorder
) -> None:
    event = payload("storage/s3-object-created-put.json")
    event["Records"][0]["s3"]["object"]["size"] = "42"
    SOURCE.invoke(recorder.functions(), event, lambda_context)
    assert recorder.seen[0].size == 42
