"""Tests for portafunc.app and portafunc.triggers: decorators, records, declaration errors."""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc import (
    App,
    ChangeEvent,
    DeclarationError,
    Event,
    HTTPRequest,
    Message,
    NoSuchFunction,
    PortafuncError,
    ScheduleEvent,
    StorageEvent,
    UnsupportedSchedule,
)
from portafunc.app import Function, Settings
from portafunc.triggers import (
    ChangesTrigger,
    EventTrigger,
    HTTPTrigger,
    QueueTrigger,
    ScheduleTrigger,
    StorageTrigger,
    StreamTrigger,
    TopicTrigger,
    Trigger,
)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class Order(BaseModel):
    id: str
    qty: int


def origin(handler: Callable[..., Any]) -> str:
    """``file:line`` of ``handler``, as declaration errors start."""
    assert isinstance(handler, FunctionType)
    return f"{handler.__code__.co_filename}:{handler.__code__.co_firstlineno}"


def rejected(decorator: Decorator, handler: Callable[..., Any], match: str) -> DeclarationError:
    """Apply ``decorator``; it must raise a DeclarationError naming ``handler``'s file and line."""
    with pytest.raises(DeclarationError, match=match) as info:
        decorator(handler)
    error = info.value
    assert error.where is not None
    assert error.where.startswith(origin(handler))
    assert str(error).startswith(origin(handler))
    assert handler.__name__ in str(error)
    return error


# -- HTTP decorators ------------------------------------------------------------------------


def test_http_records_one_method_path_and_status() -> None:
    app = App("shop")

    def create(order: Order) -> Order:
        return order

    returned = app.http("POST", "/orders", status=201)(create)

    function = app.function("create")
    assert returned is create
    assert function.name == "create"
    assert function.handler is create
    assert function.trigger == HTTPTrigger(("POST",), "/orders", 201)
    assert function.trigger.kind == "http"
    assert function.trigger.resource == "/orders"
    assert function.trigger.describe() == "http POST /orders"
    assert not function.trigger.is_message
    assert app.router.match("POST", "/orders")[0] is function


def test_http_takes_several_methods_uppercased_once_each() -> None:
    app = App("shop")

    @app.http(["get", "Post", "GET"], "/items/{id}")
    def item(id: str) -> str:
        return id

    trigger = app.function("item").trigger
    assert isinstance(trigger, HTTPTrigger)
    assert trigger.methods == ("GET", "POST")
    assert trigger.status is None
    assert app.router.match("GET", "/items/7") == (app.function("item"), {"id": "7"})
    assert app.router.match("POST", "/items/7")[0] is app.function("item")


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts(method: str) -> None:
    app = App("shop")
    decorator: Callable[..., Decorator] = getattr(app, method)

    def handler() -> None:
        return None

    assert decorator("/things", status=202, timeout=3)(handler) is handler
    function = app.function("handler")
    assert function.trigger == HTTPTrigger((method.upper(),), "/things", 202)
    assert function.settings == Settings(timeout=3)


def test_decorated_functions_stay_directly_callable() -> None:
    app = App("shop")

    @app.post("/orders", status=201)
    def create(order: Order) -> Order:
        return order

    @app.queue("orders")
    async def ship(msg: Message[Order]) -> str:
        return msg.id

    order = Order(id="a", qty=1)
    assert create(order) is order
    assert isinstance(create, FunctionType)
    assert app.function("ship").handler is ship
    assert app.function("ship").binding.is_async


# -- message, event, storage and schedule decorators -----------------------------------------


def consume_message(msg: Message[Order]) -> None:
    return None


def consume_change(change: ChangeEvent[Order]) -> None:
    return None


@pytest.mark.parametrize(
    ("kind", "trigger_type", "handler"),
    [
        ("queue", QueueTrigger, consume_message),
        ("topic", TopicTrigger, consume_message),
        ("stream", StreamTrigger, consume_message),
        ("changes", ChangesTrigger, consume_change),
    ],
)
def test_message_decorators_record_resource_and_settings(
    kind: str, trigger_type: type, handler: Callable[..., None]
) -> None:
    app = App("shop")
    decorator: Callable[..., Decorator] = getattr(app, kind)

    returned = decorator("orders", batch_size=10, max_attempts=5, timeout=30, memory=256)(handler)

    function = app.function(handler.__name__)
    assert returned is handler
    assert function.handler is handler
    assert type(function.trigger) is trigger_type
    assert function.trigger.kind == kind
    assert function.trigger.resource == "orders"
    assert function.trigger.describe() == f"{kind} orders"
    assert function.trigger.is_message
    assert function.settings == Settings(timeout=30, memory=256, batch_size=10, max_attempts=5)


def test_message_decorator_without_settings_leaves_provider_defaults() -> None:
    app = App("shop")

    @app.queue("orders")
    def consume(msg: Message[Order]) -> None:
        return None

    assert app.function("consume").settings == Settings()
    assert app.function("consume").options == {}


def test_event_decorator_records_type() -> None:
    app = App("shop")

    @app.event(type="order.created", timeout=5)
    def created(event: Event[Order]) -> None:
        return None

    function = app.function("created")
    assert function.trigger == EventTrigger("order.created")
    assert function.trigger.resource == "order.created"
    assert not function.trigger.is_message
    assert function.settings == Settings(timeout=5)


def test_storage_decorator_records_events_prefix_and_suffix() -> None:
    app = App("shop")

    @app.storage("uploads", events=("created", "deleted"), prefix="in/", suffix=".csv")
    def upload(event: StorageEvent) -> None:
        return None

    @app.storage("archive")
    def archived(event: StorageEvent) -> None:
        return None

    assert app.function("upload").trigger == StorageTrigger(
        "uploads", ("created", "deleted"), "in/", ".csv"
    )
    assert app.function("upload").trigger.describe() == "storage uploads (created, deleted)"
    assert app.function("archived").trigger == StorageTrigger("archive", ("created",))


def test_storage_events_may_be_one_string() -> None:
    app = App("shop")

    @app.storage("uploads", events="deleted")  # type: ignore[arg-type]
    def gone(event: StorageEvent) -> None:
        return None

    trigger = app.function("gone").trigger
    assert isinstance(trigger, StorageTrigger)
    assert trigger.events == ("deleted",)


def test_schedule_decorator_parses_cron_once() -> None:
    app = App("shop")

    @app.schedule("*/5 * * * *", memory=128)
    def tick(event: ScheduleEvent) -> None:
        return None

    trigger = app.function("tick").trigger
    assert isinstance(trigger, ScheduleTrigger)
    assert trigger.cron.expression == "*/5 * * * *"
    assert trigger.resource == "*/5 * * * *"
    assert trigger.describe() == "schedule */5 * * * *"
    assert app.function("tick").settings == Settings(memory=128)


def test_schedule_a_provider_cannot_express_is_declared_anyway() -> None:
    # Unix cron ORs the two day fields; that fails per provider (build, check), not here.
    app = App("shop")

    @app.schedule("0 0 1 * MON")
    def monthly_or_monday(event: ScheduleEvent) -> None:
        return None

    trigger = app.function("monthly_or_monday").trigger
    assert isinstance(trigger, ScheduleTrigger)
    with pytest.raises(UnsupportedSchedule):
        trigger.cron.aws()


# -- the Function record --------------------------------------------------------------------


def test_name_overrides_the_deployed_name() -> None:
    app = App("shop")

    @app.queue("orders", name="ship-orders")
    def ship(msg: Message[Order]) -> None:
        return None

    assert list(app.functions) == ["ship-orders"]
    function = app.function("ship-orders")
    assert function.name == "ship-orders"
    assert function.handler is ship
    assert function.logger.name == "portafunc.shop.ship-orders"
    with pytest.raises(NoSuchFunction):
        app.function("ship")


def test_function_records_where_it_was_declared() -> None:
    app = App("shop")

    def handler() -> None:
        return None

    app.get("/")(handler)

    function = app.function("handler")
    assert isinstance(function, Function)
    assert function.where.startswith(origin(handler))
    assert "'test_function_records_where_it_was_declared.<locals>.handler'" in function.where
    assert function.logger.name == "portafunc.shop.handler"


def test_function_records_the_http_status_its_decorator_sets() -> None:
    app = App("shop")

    def created() -> None:
        return None

    def default() -> None:
        return None

    def consumed(msg: Message[Any]) -> None:
        return None

    app.post("/orders", status=201)(created)
    app.get("/orders")(default)
    app.queue("orders")(consumed)
    statuses = [app.function(name).status for name in ("created", "default", "consumed")]
    assert statuses == [201, None, None]


def test_provider_options_are_stored_untouched() -> None:
    app = App("shop")
    marker = object()
    aws = {"queue_arn": "arn:aws:sqs:eu-west-1:1:orders", "unknown_to_the_core": marker}
    azure = {"connection": "Custom"}
    gcp: dict[str, object] = {}

    @app.queue("orders", aws=aws, azure=azure, gcp=gcp)
    def ship(msg: Message[Order]) -> None:
        return None

    @app.get("/health", gcp={"region": "x"})
    def health() -> str:
        return "ok"

    options = app.function("ship").options
    assert set(options) == {"aws", "azure", "gcp"}
    assert options["aws"] is aws
    assert options["azure"] is azure
    assert options["gcp"] is gcp
    assert aws == {"queue_arn": "arn:aws:sqs:eu-west-1:1:orders", "unknown_to_the_core": marker}
    assert app.function("health").options == {"gcp": {"region": "x"}}


def test_functions_keep_declaration_order_and_repr() -> None:
    app = App("shop")

    @app.get("/b")
    def second() -> None:
        return None

    @app.queue("q")
    def first(msg: Message[Any]) -> None:
        return None

    assert list(app.functions) == ["second", "first"]
    assert repr(app) == "App('shop', functions=['second', 'first'])"


def test_hook_decorators_register_and_return_the_function() -> None:
    app = App("shop")

    def warm() -> None:
        return None

    def on_key_error(request: HTTPRequest, exc: KeyError) -> None:
        return None

    assert app.on_startup(warm) is warm
    assert app.exception_handler(KeyError)(on_key_error) is on_key_error
    assert app.startup_hooks == [warm]
    assert app.exception_handlers == {KeyError: on_key_error}


def test_unknown_function_raises_no_such_function() -> None:
    app = App("shop")

    @app.get("/")
    def index() -> None:
        return None

    with pytest.raises(NoSuchFunction, match="'missing'") as info:
        app.function("missing")
    assert isinstance(info.value, PortafuncError)
    assert "shop" in str(info.value)


# -- declaration errors ---------------------------------------------------------------------


def test_duplicate_function_names_are_rejected_naming_both_places() -> None:
    app = App("shop")

    def ship(msg: Message[Order]) -> None:
        return None

    def ship_again(msg: Message[Order]) -> None:
        return None

    app.queue("orders")(ship)
    error = rejected(app.topic("orders", name="ship"), ship_again, "already declared")
    assert origin(ship) in error.reason
    assert app.function("ship").handler is ship


def test_duplicate_python_names_across_triggers_are_rejected() -> None:
    app = App("shop")

    def tick(event: ScheduleEvent) -> None:
        return None

    app.schedule("@daily")(tick)

    def make_other() -> Callable[..., Any]:
        def tick(event: StorageEvent) -> None:
            return None

        return tick

    other = make_other()
    rejected(app.storage("uploads"), other, "'tick' is already declared")


@pytest.mark.parametrize("methods", ["BREW", ["GET", "FETCH"], [], "GET,POST"])
def test_unknown_http_method(methods: str | list[str]) -> None:
    app = App("shop")

    def handler() -> None:
        return None

    rejected(app.http(methods, "/x"), handler, "unknown HTTP method")
    assert app.functions == {}


@pytest.mark.parametrize("status", [99, 600, 0, -200, True, "201", 200.0])
def test_bad_status(status: Any) -> None:
    app = App("shop")

    def handler() -> None:
        return None

    rejected(app.post("/x", status=status), handler, "is not an HTTP status")


@pytest.mark.parametrize(
    "events", [("created", "exploded"), ("CREATED",), ("removed",), (), "updated"]
)
def test_unknown_storage_event_kinds(events: Any) -> None:
    app = App("shop")

    def handler(event: StorageEvent) -> None:
        return None

    rejected(app.storage("uploads", events=events), handler, "storage events")


@pytest.mark.parametrize(
    "declare",
    [
        lambda app: app.queue(""),
        lambda app: app.topic("   "),
        lambda app: app.stream(""),
        lambda app: app.changes(""),
        lambda app: app.storage(""),
        lambda app: app.event(type=""),
        lambda app: app.queue(None),
        lambda app: app.queue("orders", name=""),
    ],
)
def test_empty_resource_and_function_names(declare: Callable[[App], Decorator]) -> None:
    app = App("shop")

    def handler() -> None:
        return None

    rejected(declare(app), handler, "non-empty name")
    assert app.functions == {}


@pytest.mark.parametrize("key", ["timeout", "memory", "batch_size", "max_attempts"])
@pytest.mark.parametrize("value", [0, -1, -0.5, True, False, "30", [1], float("nan")])
def test_settings_must_be_positive_numbers(key: str, value: object) -> None:
    app = App("shop")

    def handler(msg: Message[Order]) -> None:
        return None

    options: Any = {key: value}
    rejected(app.queue("orders", **options), handler, f"{key} must be a positive number")


@pytest.mark.parametrize("key", ["memory", "batch_size", "max_attempts"])
def test_counts_must_be_whole_numbers(key: str) -> None:
    app = App("shop")

    def handler(msg: Message[Order]) -> None:
        return None

    options: Any = {key: 2.5}
    rejected(app.stream("clicks", **options), handler, f"{key} must be a positive number")


def test_timeout_may_be_fractional() -> None:
    app = App("shop")

    @app.queue("orders", timeout=2.5)
    def handler(msg: Message[Order]) -> None:
        return None

    assert app.function("handler").settings.timeout == 2.5


@pytest.mark.parametrize(
    ("declare", "keyword"),
    [
        (lambda app: app.http("GET", "/x", batch_size=10), "batch_size"),
        (lambda app: app.get("/x", max_attempts=3), "max_attempts"),
        (lambda app: app.storage("b", batch_size=1), "batch_size"),
        (lambda app: app.schedule("@hourly", max_attempts=2), "max_attempts"),
        (lambda app: app.event(type="t", batch_size=1), "batch_size"),
        (lambda app: app.queue("q", retries=3), "retries"),
        (lambda app: app.topic("t", aws_options={}), "aws_options"),
    ],
)
def test_unknown_keywords(declare: Callable[[App], Decorator], keyword: str) -> None:
    app = App("shop")

    def handler() -> None:
        return None

    rejected(declare(app), handler, f"unexpected keyword.*{keyword}")


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
def test_provider_options_must_be_mappings(provider: str) -> None:
    app = App("shop")

    def handler(msg: Message[Order]) -> None:
        return None

    options: Any = {provider: "arn:x"}
    rejected(app.queue("q", **options), handler, f"{provider}= takes a mapping")


@pytest.mark.parametrize(
    "cron", ["61 * * * *", "* * *", "", "every day", "cron(0 12 * * ? *)", "0 0 30 2 *", "@often"]
)
def test_malformed_cron_is_unsupported_schedule_carrying_where(cron: str) -> None:
    app = App("shop")

    def tick(event: ScheduleEvent) -> None:
        return None

    error = rejected(app.schedule(cron), tick, "cannot run")
    assert isinstance(error, UnsupportedSchedule)
    assert error.cron == cron
    assert error.provider is None
    assert app.functions == {}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/orders/{id}", "/orders/{order_id}"),
        ("/orders", "/orders"),
        ("/files/{rest:path}", "/files/{other:path}"),
    ],
)
def test_route_collisions(first: str, second: str) -> None:
    app = App("shop")

    def one(request: HTTPRequest) -> None:
        return None

    def two(request: HTTPRequest) -> None:
        return None

    app.http(["GET", "PUT"], first)(one)
    error = rejected(app.http(["POST", "PUT"], second), two, "collides")
    assert origin(one) in error.reason
    assert "two" not in app.functions
    path = first.replace("{id}", "1").replace("{rest:path}", "a/b")
    assert app.router.match("PUT", path)[0] is app.function("one")
    # The rejected declaration took nothing: its other method is still free.
    app.post(second)(two)
    assert app.router.match("POST", path)[0] is app.function("two")


def test_same_path_with_other_methods_does_not_collide() -> None:
    app = App("shop")

    @app.get("/orders/{id}")
    def read(id: str) -> str:
        return id

    @app.delete("/orders/{id}")
    def remove(id: str) -> None:
        return None

    assert app.router.match("GET", "/orders/1")[0] is app.function("read")
    assert app.router.match("DELETE", "/orders/1")[0] is app.function("remove")


@pytest.mark.parametrize("path", ["orders", "/orders?x=1", "/a/{b", "/{rest:path}/tail"])
def test_malformed_paths_name_the_function(path: str) -> None:
    app = App("shop")

    def handler() -> None:
        return None

    rejected(app.get(path), handler, "path")
    assert app.functions == {}


def test_binding_errors_name_file_line_and_parameter() -> None:
    app = App("shop")

    def handler(order) -> None:  # type: ignore[no-untyped-def]
        return None

    error = rejected(app.post("/orders"), handler, "needs a type annotation")
    assert "parameter 'order'" in str(error)


def test_a_rejected_declaration_leaves_the_app_unchanged() -> None:
    app = App("shop")

    def handler(msg: Message[Order]) -> None:
        return None

    rejected(app.queue("orders", batch_size=0), handler, "batch_size")
    app.queue("orders", batch_size=1)(handler)
    assert app.function("handler").settings.batch_size == 1


# -- trigger.accepts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "action", "accepted"),
    [
        ("in/a.csv", "created", True),
        ("in/a.csv", "deleted", True),
        ("in/a.csv", "archived", False),
        ("in/a.csv", "metadata_updated", False),
        ("out/a.csv", "created", False),
        ("in/a.txt", "created", False),
        ("a.csv", "created", False),
        ("in/.csv", "created", True),
    ],
)
def test_storage_trigger_accepts_declared_actions_prefix_and_suffix(
    key: str, action: Any, accepted: bool
) -> None:
    trigger = StorageTrigger("uploads", ("created", "deleted"), prefix="in/", suffix=".csv")
    assert trigger.accepts(StorageEvent(bucket="uploads", key=key, action=action)) is accepted


def test_storage_trigger_without_filters_accepts_any_key_of_its_actions() -> None:
    trigger = StorageTrigger("uploads")
    assert trigger.accepts(StorageEvent(bucket="uploads", key="", action="created"))
    assert trigger.accepts(StorageEvent(bucket="uploads", key="x/y/z", action="created"))
    assert not trigger.accepts(StorageEvent(bucket="uploads", key="x", action="deleted"))
    assert not trigger.accepts(Message(id="1", body=b"{}"))


def test_event_trigger_accepts_its_type_only() -> None:
    trigger = EventTrigger("order.created")
    assert trigger.accepts(Event(id="1", source="s", type="order.created"))
    assert not trigger.accepts(Event(id="1", source="s", type="order.deleted"))
    assert not trigger.accepts(Event(id="1", source="s", type="Order.Created"))
    assert not trigger.accepts(Message(id="1", body=b"{}"))


def test_other_triggers_accept_every_delivery() -> None:
    message: Message[Any] = Message(id="1", body=b"{}")
    assert QueueTrigger("q").accepts(message)
    assert TopicTrigger("t").accepts(message)
    assert StreamTrigger("s").accepts(message)
    assert ChangesTrigger("t").accepts(ChangeEvent(table="t", kind="insert", key={"id": 1}))


@pytest.mark.parametrize(
    "trigger",
    [
        HTTPTrigger,
        QueueTrigger,
        TopicTrigger,
        StreamTrigger,
        EventTrigger,
        StorageTrigger,
        ScheduleTrigger,
        ChangesTrigger,
    ],
)
def test_a_trigger_filters_exactly_when_it_overrides_accepts(trigger: type[Trigger]) -> None:
    assert trigger.filters is (trigger.accepts is not Trigger.accepts)
