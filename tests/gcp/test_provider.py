"""The GCP provider as the CLI sees it: the Protocol, the deployment plan, and ``check``
(DESIGN §3: what Google Cloud cannot express or does differently)."""

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portafunc import App, ChangeEvent, Event, Message, ScheduleEvent, StorageEvent
from portafunc._loader import load_app
from portafunc.providers import Finding, Provider
from portafunc.providers import provider as installed_provider
from portafunc_gcp._provider import GCPProvider, provider
from portafunc_gcp.cli.plan import deployment_name, plan, valid_name

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.py"


def noop(msg: Message[Any]) -> None: ...


def stored(event: StorageEvent) -> None: ...


def happened(event: Event[Any]) -> None: ...


def hourly(event: ScheduleEvent) -> None: ...


def changed(change: ChangeEvent[Any]) -> None: ...


def http() -> str:
    return "ok"


def findings(app: App) -> list[str]:
    return [str(finding) for finding in provider.check(app)]


def errors(app: App) -> list[str]:
    return [text for text in findings(app) if text.startswith("error")]


# -- the Protocol -------------------------------------------------------------------------


def test_the_entry_point_is_this_provider() -> None:
    assert installed_provider("gcp") is provider
    assert provider.name == "gcp"


@pytest.mark.parametrize(
    "method", [name for name in vars(Provider) if not name.startswith("_") and name != "name"]
)
def test_every_protocol_method_is_implemented_with_its_signature(method: str) -> None:
    ours = getattr(GCPProvider, method)
    assert method in vars(GCPProvider)
    agreed = inspect.signature(getattr(Provider, method))
    assert list(inspect.signature(ours).parameters) == list(agreed.parameters)


def test_describe() -> None:
    app = App("a")
    app.queue("orders")(noop)
    assert provider.describe(app.functions["noop"]) == "Pub/Sub topic orders"


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "deployed"),
    [
        ("ship", "ship"),
        ("create_order", "create-order"),
        ("Ship", "ship"),
        ("__private__", "private"),
        ("a__b..c", "a-b-c"),
        ("9lives", "fn-9lives"),
        ("_", "fn"),
        ("héllo wörld", "h-llo-w-rld"),
        ("x" * 63, "x" * 63),
    ],
)
def test_deployment_names_follow_cloud_functions_rules(name: str, deployed: str) -> None:
    assert deployment_name(name) == deployed
    assert valid_name(deployed)


def test_a_long_name_is_cut_with_a_hash_of_the_whole_name() -> None:
    first, second = deployment_name("a_" * 40 + "one"), deployment_name("a_" * 40 + "two")
    assert max(len(first), len(second)) <= 63
    assert first.startswith("a-a-a-")
    assert first != second
    assert valid_name(first)
    assert valid_name(second)


@pytest.mark.parametrize("name", ["", "Ship", "-a", "a-", "9a", "a_b", "a" * 64])
def test_invalid_names(name: str) -> None:
    assert not valid_name(name)


# -- the plan -----------------------------------------------------------------------------


def test_the_plan_of_the_shop() -> None:
    layout = plan(load_app(f"{SHOP}:app"))
    deployed = {d.name: (d.entry, d.topic, d.filters, d.retry) for d in layout.deployments}
    storage = "google.cloud.storage.object.v1"
    assert deployed == {
        "shop": ("shop", None, (), False),
        "ship": ("ship", "orders", (), True),
        "reprice": ("reprice", "price-changes", (), True),
        "restock": ("restock", "stock-movements", (), True),
        "payment-received": ("payment_received", None, (("type", "PaymentReceived"),), True),
        "price-list-created": (
            "price_list", None, (("type", f"{storage}.finalized"), ("bucket", "uploads")), True
        ),
        "price-list-deleted": (
            "price_list", None, (("type", f"{storage}.deleted"), ("bucket", "uploads")), True
        ),
        "sweep": ("sweep", "sweep-schedule", (), True),
        "audit": (
            "audit",
            None,
            (("type", "google.cloud.firestore.document.v1.written"), ("database", "(default)")),
            True,
        ),
    }  # fmt: skip
    assert layout.topics == ("orders", "price-changes", "stock-movements", "sweep-schedule")
    assert [(s.job, s.cron, s.topic) for s in layout.schedules] == [
        ("sweep", "*/5 * * * *", "sweep-schedule")
    ]
    app_entry = layout.deployments[0]
    assert [f.name for f in app_entry.functions] == [
        "health",
        "create_order",
        "get_order",
        "cancel_order",
    ]


def test_the_gcp_topic_option_names_the_topic() -> None:
    app = App("a")
    app.queue("orders", gcp={"topic": "orders-v2"})(noop)
    app.schedule("0 * * * *", gcp={"topic": "hourly"})(hourly)
    layout = plan(app)
    assert layout.topics == ("orders-v2", "hourly")
    assert [d.topic for d in layout.deployments] == ["orders-v2", "hourly"]


def test_the_app_entry_takes_the_largest_settings_of_its_functions() -> None:
    app = App("a")
    app.get("/a", timeout=10, memory=512)(http)
    app.get("/b", name="b", timeout=30.5)(http)
    (entry,) = plan(app).deployments
    assert (entry.name, entry.timeout, entry.memory, entry.http) == ("a", 30.5, 512, True)


# -- check --------------------------------------------------------------------------------


def test_an_app_gcp_runs_as_declared_has_no_findings() -> None:
    app = App("shop")
    app.get("/health")(http)
    app.queue("orders")(noop)
    app.storage("uploads", gcp={"retry": True})(stored)
    app.event(type="google.cloud.audit.log.v1.written")(happened)
    assert findings(app) == [
        "warning: stored: bucket 'uploads' must exist (gcloud storage buckets create "
        "gs://uploads); the trigger runs in the bucket's location: "
        'gcp={"trigger_location": ...} when it is not the deployment\'s region'
    ]


def test_the_shop_has_warnings_and_no_error() -> None:
    found = provider.check(load_app(f"{SHOP}:app"))
    assert all(isinstance(f, Finding) and f.level == "warning" for f in found)
    expected = [
        ("payment_received", "deployed as 'payment-received'"),
        ("price_list", "listens to created, deleted: Cloud Functions takes one event type"),
        ("ship", "batch_size=10 is ignored: Pub/Sub delivers one message per invocation"),
        ("audit", "the Firestore database (default) must exist in Native mode"),
    ]
    for function, start in expected:
        assert any(f.function == function and f.message.startswith(start) for f in found)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"colour": "blue"}, "unknown gcp= option 'colour'"),
        ({"max_instances": "3"}, "gcp={'max_instances': '3'} must be int"),
        ({"retry": 1}, "gcp={'retry': 1} must be bool"),
    ],
)
def test_invalid_gcp_options_are_errors(options: dict[str, Any], message: str) -> None:
    app = App("a")
    app.queue("orders", gcp=options)(noop)
    (error,) = errors(app)
    assert error.startswith(f"error: noop: {message}")


def test_an_option_for_another_kind_of_trigger_is_a_warning() -> None:
    app = App("a")
    app.get("/", gcp={"retry": False, "topic": "t"})(http)
    assert findings(app) == [
        "warning: http: gcp={'retry': ...} has no effect on a http function",
        "warning: http: gcp={'topic': ...} has no effect on a http function",
    ]


def test_a_storage_function_on_several_actions_is_several_deployments() -> None:
    app = App("a")
    app.storage("b1", events=("created", "deleted", "metadata_updated"))(stored)
    assert (
        "warning: stored: listens to created, deleted, metadata_updated: Cloud Functions "
        "takes one event type per function, so this is 3 deployments of one entry point: "
        "stored-created, stored-deleted, stored-metadata-updated"
    ) in findings(app)


def test_restored_is_never_sent_by_cloud_storage() -> None:
    app = App("a")
    app.storage("b1", events=("restored",))(stored)
    app.storage("b2", events=("created", "restored"), name="both")(stored)
    assert "error: stored: Cloud Storage sends no 'restored' event: nothing to deploy" in (
        findings(app)
    )
    assert (
        "warning: both: never called for 'restored': Cloud Storage sends no 'restored' event"
        in findings(app)
    )
    assert [d.name for d in plan(app).deployments] == ["both"]


def test_prefix_and_suffix_filters_run_in_the_function() -> None:
    app = App("a")
    app.storage("b1", prefix="in/")(stored)
    assert any("Eventarc cannot filter object names" in text for text in findings(app))


def test_mapped_names_are_warnings_and_clashes_errors() -> None:
    app = App("My Shop")
    app.get("/")(http)
    app.queue("orders", name="Ship")(noop)
    app.queue("orders", name="ship")(noop)
    app.topic("prices", name="my_shop")(noop)
    assert findings(app) == [
        "warning: the app entry 'My Shop' is deployed as 'my-shop' (Cloud Functions names are "
        "lowercase letters, digits and hyphens)",
        "warning: Ship: deployed as 'ship' (Cloud Functions names are lowercase letters, "
        "digits and hyphens)",
        "warning: my_shop: deployed as 'my-shop' (Cloud Functions names are lowercase "
        "letters, digits and hyphens)",
        "error: ship: function 'Ship' and function 'ship' would both be deployed as 'ship'; "
        "rename one with name=",
        "error: my_shop: the app entry 'My Shop' and function 'my_shop' would both be "
        "deployed as 'my-shop'; rename one with name=",
    ]


def test_a_function_named_like_the_app_is_an_error_when_the_app_serves_http() -> None:
    app = App("shop")
    app.get("/")(http)
    app.queue("orders", name="shop")(noop)
    assert errors(app) == [
        "error: shop: named like the app, whose entry point serves every HTTP route under "
        "that name; give the function another name="
    ]
    without_http = App("shop")
    without_http.queue("orders", name="shop")(noop)
    assert errors(without_http) == []


def test_retries_turned_off_drop_failed_events() -> None:
    app = App("a")
    app.queue("orders", gcp={"retry": False})(noop)
    app.topic("prices", name="kept")(noop)
    assert findings(app) == [
        'warning: noop: deployed without --retry (gcp={"retry": False}): a failed event is '
        "dropped, never delivered again"
    ]
    assert [d.retry for d in plan(app).deployments] == [False, True]


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (
            lambda app: app.queue("orders", timeout=541)(noop),
            "error: noop: timeout=541 s: Cloud Functions allows at most 540 s here",
        ),
        (
            lambda app: app.get("/", timeout=3601)(http),
            "error: http: timeout=3601 s: Cloud Functions allows at most 3600 s here",
        ),
        (
            lambda app: app.queue("orders", memory=64)(noop),
            "error: noop: memory=64 MB: Cloud Functions allows 128 to 32768 MiB",
        ),
        (
            lambda app: app.queue("orders", memory=65536)(noop),
            "error: noop: memory=65536 MB: Cloud Functions allows 128 to 32768 MiB",
        ),
    ],
)
def test_settings_beyond_cloud_functions_limits(
    declare: Callable[[App], Any], message: str
) -> None:
    app = App("a")
    declare(app)
    assert errors(app) == [message]


def test_settings_within_the_limits() -> None:
    app = App("a")
    app.get("/", timeout=3600, memory=32768)(http)
    app.queue("orders", timeout=540, memory=128)(noop)
    assert findings(app) == []


def test_batching_and_attempts_have_no_place_on_gcp() -> None:
    app = App("a")
    app.queue("orders", batch_size=10, max_attempts=5)(noop)
    found = findings(app)
    assert found[0] == (
        "warning: noop: batch_size=10 is ignored: Pub/Sub delivers one message per invocation"
    )
    assert found[1].startswith("warning: noop: max_attempts=5 is not deployed")
    assert "--max-delivery-attempts=5" in found[1]


@pytest.mark.parametrize("topic", ["ab", "9orders", "goog-orders", "orders/x", "a" * 256])
def test_topic_names_pubsub_refuses(topic: str) -> None:
    app = App("a")
    app.queue(topic)(noop)
    assert len(errors(app)) == 1
    assert f"Pub/Sub refuses the topic name {topic!r}" in errors(app)[0]


def test_a_topic_option_pubsub_refuses() -> None:
    app = App("a")
    app.schedule("0 * * * *", gcp={"topic": "goog"})(hourly)
    assert "Pub/Sub refuses the topic name 'goog'" in errors(app)[0]


def test_resources_to_create_first() -> None:
    app = App("a")
    app.changes("orders")(changed)
    assert findings(app) == [
        "warning: changed: the Firestore database (default) must exist in Native mode (gcloud "
        "firestore databases create --location=...); the trigger hears documents "
        'orders/{id} in the database\'s location: gcp={"trigger_location": ...} when it is '
        "not the deployment's region"
    ]


def test_a_custom_event_type_needs_a_channel() -> None:
    app = App("a")
    app.event(type="PaymentReceived")(happened)
    (found,) = findings(app)
    assert found.startswith("warning: happened: 'PaymentReceived' is not a Google event type")


def test_http_functions_sharing_the_app_entry() -> None:
    app = App("a")
    app.get("/a", timeout=5, gcp={"max_instances": 3, "region": "europe-west1"})(http)
    app.get("/b", name="b", gcp={"max_instances": 5, "region": "europe-west1"})(http)
    assert findings(app) == [
        "error: the HTTP functions share the deployment 'a' but give gcp={'max_instances': "
        "...} different values: 3 (http), 5 (b)",
        "warning: the HTTP functions share the deployment 'a': it is deployed with the "
        "largest timeout among them (5 s)",
    ]
