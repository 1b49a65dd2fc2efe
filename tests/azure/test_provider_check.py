"""``portafunc check --provider azure`` (portafunc_azure.cli.check): every finding, and
none where Azure does what portafunc declares."""

from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import App, ChangeEvent, Event, HTTPRequest, Message, ScheduleEvent, StorageEvent
from portafunc.providers import Finding, provider


class Order(BaseModel):
    id: str


def endpoint_handler(request: HTTPRequest) -> None: ...


def consumer_handler(msg: Message[Any]) -> None: ...


def changes_handler(change: ChangeEvent[Order]) -> None: ...


def tick_handler(event: ScheduleEvent) -> None: ...


def blob_handler(event: StorageEvent) -> None: ...


def event_handler(event: Event[Any]) -> None: ...


def check(app: App) -> list[Finding]:
    return provider("azure").check(app)


def errors(app: App) -> list[tuple[str | None, str]]:
    return [(f.function, f.message) for f in check(app) if f.level == "error"]


def warnings(app: App) -> list[tuple[str | None, str]]:
    return [(f.function, f.message) for f in check(app) if f.level == "warning"]


def said(found: list[tuple[str | None, str]], function: str | None, text: str) -> bool:
    return any(name == function and text in message for name, message in found)


def test_a_portable_app_has_no_errors_and_the_resource_warnings() -> None:
    app = App("shop")
    app.get("/orders/{id}", azure={"auth_level": "anonymous"})(endpoint_handler)
    app.queue("orders", name="ship")(consumer_handler)
    app.queue("payments", name="pay", azure={"service": "service_bus"})(consumer_handler)
    app.topic("prices", name="reprice")(consumer_handler)
    app.topic("grid", name="on_grid", azure={"service": "event_grid"})(consumer_handler)
    app.event(type="Contoso.Paid", name="paid")(event_handler)
    app.storage("uploads", name="on_upload")(blob_handler)
    app.schedule("*/5 * * * *", name="tick")(tick_handler)
    found = warnings(app)
    assert errors(app) == []
    assert said(found, "ship", "create Storage queue orders")
    assert said(found, "pay", "create Service Bus queue payments")
    assert said(found, "reprice", "Service Bus subscription reprice of topic prices")
    assert said(found, "on_grid", "Event Grid topic grid; Event Grid subscription on_grid")
    assert said(found, "paid", "Event Grid subscription paid (after deploying)")
    assert said(found, "on_upload", "Blob container uploads; Event Grid subscription")
    assert all("RESOURCES.md" in message for name, message in found if name != "tick")
    assert not any(name in ("endpoint_handler", "tick") for name, _ in found)


def test_a_cron_ncrontab_cannot_express_is_an_error() -> None:
    app = App("jobs")
    app.schedule("0 0 1 * 1", name="first_or_monday")(tick_handler)
    (function, message), *_ = errors(app)
    assert function == "first_or_monday"
    assert "'0 0 1 * 1' cannot run on azure" in message


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ({"colour": "blue"}, "unknown azure= option 'colour'"),
        ({"service": "blob"}, "not available for queue"),
        ({"connection": 3}, "'connection'"),
    ],
)
def test_options_the_adapter_refuses_are_errors(options: dict[str, Any], text: str) -> None:
    app = App("a")
    app.queue("orders", azure=options)(consumer_handler)
    assert [(f, text in m) for f, m in errors(app)] == [("consumer_handler", True)]


def test_changes_see_upserts_and_ordered_sources_skip_after_retries() -> None:
    app = App("a")
    app.changes("orders", name="audit", max_attempts=4)(changes_handler)
    app.stream("clicks", name="clicks")(consumer_handler)
    found = warnings(app)
    assert said(found, "audit", "upserts only")
    assert said(found, "audit", "delivered 4 times in all (retry policy), then skipped")
    assert said(found, "clicks", "delivered 6 times in all")
    assert said(found, "clicks", "no dead-letter queue")
    assert not said(found, "clicks", "upserts")
    assert said(found, "audit", "Cosmos DB database named by app setting PORTAFUNC_COSMOS_DATABASE")
    assert said(found, "audit", "lease container leases")
    assert said(found, "clicks", "Event Hubs consumer group clicks of clicks")


@pytest.mark.parametrize("name", ["1st", "has space", "dots.not.allowed", "x" * 129, "_lead"])
def test_function_names_azure_rejects(name: str) -> None:
    app = App("a")
    app.schedule("0 3 * * *", name=name)(tick_handler)
    assert said(errors(app), name, "Azure function names are a letter")


def test_a_name_colliding_with_the_catch_all() -> None:
    app = App("a")
    app.schedule("0 3 * * *", name="portafunc_catch_all")(tick_handler)
    assert errors(app) == []  # no HTTP function, no catch-all
    app.get("/")(endpoint_handler)
    assert said(errors(app), "portafunc_catch_all", "HTTP catch-all")


def test_names_differing_only_in_case_clash() -> None:
    app = App("a")
    app.queue("orders", name="Ship")(consumer_handler)
    app.queue("orders", name="ship")(consumer_handler)
    assert said(errors(app), "ship", "ignore case: 'Ship' clashes")


@pytest.mark.parametrize(
    ("declare", "text"),
    [
        (lambda app: app.queue("Orders")(consumer_handler), "Storage queue name 'Orders'"),
        (lambda app: app.queue("a--b")(consumer_handler), "Storage queue name 'a--b'"),
        (lambda app: app.storage("my_bucket")(blob_handler), "blob container name 'my_bucket'"),
        (
            lambda app: app.topic("-t", azure={"service": "event_grid"})(consumer_handler),
            "Event Grid",
        ),
        (lambda app: app.topic("t", name="n" * 51)(consumer_handler), "the subscription"),
        (
            lambda app: app.stream("s", name="clicks_")(consumer_handler),
            "the consumer_group 'clicks_'",
        ),
        (lambda app: app.stream("-s")(consumer_handler), "Event Hub name '-s'"),
        (lambda app: app.changes("a/b")(changes_handler), "Cosmos DB container name 'a/b'"),
    ],
)
def test_resource_names_azure_rejects(declare: Any, text: str) -> None:
    app = App("a")
    declare(app)
    assert any(text in message for _, message in errors(app)), errors(app)


def test_an_option_naming_the_resource_fixes_a_derived_name() -> None:
    app = App("a")
    app.stream("s", name="clicks_", azure={"consumer_group": "clicks"})(consumer_handler)
    assert errors(app) == []


def test_storage_events_azure_cannot_deliver() -> None:
    app = App("a")
    app.storage("images", name="blob", events=("deleted",), azure={"service": "blob"})(blob_handler)
    app.storage("docs", name="meta", events=("created", "metadata_updated"))(blob_handler)
    assert said(errors(app), "blob", "created blobs only")
    assert said(warnings(app), "meta", "'metadata_updated' is never delivered")


def test_two_change_feeds_on_one_lease_container() -> None:
    app = App("a")
    app.changes("orders", name="audit")(changes_handler)
    app.changes("orders", name="index")(changes_handler)
    app.changes("orders", name="mirror", azure={"lease_container": "mirror-leases"})(
        changes_handler
    )
    assert [f for f, m in errors(app) if "lease container" in m] == ["index"]


def test_host_wide_settings_the_functions_disagree_on() -> None:
    app = App("a")
    app.queue("orders", name="ship", max_attempts=3)(consumer_handler)
    app.queue("returns", name="refund", max_attempts=5)(consumer_handler)
    app.stream("clicks", name="clicks", batch_size=50)(consumer_handler)
    app.stream("views", name="views", batch_size=50)(consumer_handler)
    notes = [m for f, m in warnings(app) if f is None]
    assert any("max_attempts differs (3: ship; 5: refund)" in m for m in notes)
    assert any("host default kept" in m for m in notes)
    assert not any("batch_size" in m for m in notes)


def test_settings_azure_ignores_or_caps() -> None:
    app = App("a")
    app.queue("orders", name="ship", memory=512, batch_size=10, timeout=900)(consumer_handler)
    found = warnings(app)
    assert said(found, "ship", "memory is chosen per app")
    assert said(found, "ship", "batch_size is ignored")
    assert said(found, "ship", "timeout 900s exceeds the Consumption plan's 10 minutes")


def test_http_functions_needing_a_key() -> None:
    app = App("a")
    app.get("/a", name="keyed")(endpoint_handler)
    app.get("/b", name="public", azure={"auth_level": "anonymous"})(endpoint_handler)
    keys = [m for f, m in warnings(app) if f is None and "function key" in m]
    assert len(keys) == 1
    assert keys[0].startswith("HTTP functions keyed need a function key")
