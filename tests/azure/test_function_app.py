"""``function_app(app)``: one FunctionApp holding every trigger kind, and ``azure=`` options.

The trigger modules have their own tests (test_http.py, test_queue.py, …); this one
checks what they add up to: one Azure function per portafunc function plus the HTTP
catch-all, wrappers the worker accepts, the retry policies of the checkpointing
sources, and the options checked when ``function_app()`` runs.
"""

import inspect
import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest
from azure.functions.decorators.function_app import Function as AzureFunction
from pydantic import BaseModel

from portafunc import (
    App,
    ChangeEvent,
    Event,
    HTTPRequest,
    Message,
    ScheduleEvent,
    StorageEvent,
    UnsupportedSchedule,
)
from portafunc.errors import DeclarationError
from portafunc_azure import function_app

Golden = Callable[[str, Any], None]

CATCH_ALL = "portafunc_catch_all"


class Order(BaseModel):
    id: str
    qty: int


def every_trigger() -> App:
    """An app with every trigger kind, and every alternative Azure service."""
    app = App("shop")

    @app.get("/orders/{id}")
    def get_order(id: str) -> dict[str, str]:
        return {"id": id}

    @app.post("/orders", status=201, azure={"auth_level": "anonymous"})
    async def create_order(order: Order) -> Order:
        return order

    @app.queue("orders")
    def ship(msg: Message[Order]) -> None: ...

    @app.queue("payments", azure={"service": "service_bus"})
    async def pay(msg: Message[Order]) -> None: ...

    @app.topic("order-events")
    def notify(msg: Message[Order]) -> None: ...

    @app.topic("grid-topic", azure={"service": "event_grid"})
    def on_grid_message(msg: Message[dict[str, Any]]) -> None: ...

    @app.event(type="Contoso.Items.ItemReceived")
    def on_item(event: Event[dict[str, Any]]) -> None: ...

    @app.storage("uploads", events=("created", "deleted"))
    def on_upload(event: StorageEvent) -> None: ...

    @app.storage("images", azure={"service": "blob", "connection": "ImagesStorage"})
    def on_image(event: StorageEvent) -> None: ...

    @app.schedule("*/5 * * * *")
    def every_five_minutes(event: ScheduleEvent) -> None: ...

    @app.changes("orders", max_attempts=4)
    def audit(change: ChangeEvent[Order]) -> None: ...

    @app.stream("clicks", batch_size=50, max_attempts=3)
    async def clicks(msg: Message[dict[str, Any]]) -> None: ...

    return app


def functions(registered: func.FunctionApp) -> dict[str, AzureFunction]:
    """The registered functions by name, read without ``get_functions()`` (DESIGN §6)."""
    found = (builder._function for builder in registered._function_builders)
    return {function.get_function_name() or "": function for function in found}


def bindings(function: AzureFunction) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(function.get_function_json())["bindings"]
    return found


def test_every_trigger_kind_golden(golden: Golden) -> None:
    registered = functions(function_app(every_trigger()))
    golden(
        "function_app/every_trigger",
        {
            name: {
                "bindings": bindings(function),
                "retry": function.get_settings_dict("retry_policy"),
            }
            for name, function in registered.items()
        },
    )


def test_one_azure_function_per_function_plus_the_catch_all() -> None:
    app = every_trigger()
    registered = functions(function_app(app))
    assert sorted(registered) == sorted([*app.functions, CATCH_ALL])
    for name, function in registered.items():
        trigger = function.get_trigger()
        assert trigger is not None, name
        assert [b for b in function.get_bindings() if b.direction == 0] == [trigger], name


def test_wrappers_are_what_the_worker_accepts() -> None:
    app = every_trigger()
    for name, function in functions(function_app(app)).items():
        wrapper = function.get_user_function()
        assert wrapper not in {f.handler for f in app.functions.values()}, name
        inputs = [b.name for b in function.get_bindings() if b.name != "$return"]
        assert list(inspect.signature(wrapper).parameters) == [*inputs, "context"], name
        if name != CATCH_ALL:
            assert inspect.iscoroutinefunction(wrapper) is app.functions[name].binding.is_async


def test_checkpointing_sources_get_a_retry_policy() -> None:
    registered = functions(function_app(every_trigger()))
    retried = {name for name, f in registered.items() if f.get_settings_dict("retry_policy")}
    assert retried == {"audit", "clicks"}
    for name in retried:
        retry = registered[name].get_settings_dict("retry_policy")
        assert retry is not None
        assert retry["strategy"] == "exponential_backoff"


def test_the_library_indexes_the_app() -> None:
    # get_functions() builds and validates once (unique names, one trigger each);
    # portafunc itself never calls it, so doing it here is safe.
    indexed = function_app(every_trigger()).get_functions()
    assert len(indexed) == len(every_trigger().functions) + 1


def test_no_http_function_no_catch_all() -> None:
    app = App("jobs")

    @app.schedule("0 3 * * *")
    def nightly(event: ScheduleEvent) -> None: ...

    assert sorted(functions(function_app(app))) == ["nightly"]


def test_an_empty_app() -> None:
    assert functions(function_app(App("empty"))) == {}


def test_a_schedule_ncrontab_cannot_express_fails_at_function_app() -> None:
    app = App("jobs")

    @app.schedule("0 0 1 * 1")
    def first_or_monday(event: ScheduleEvent) -> None: ...

    with pytest.raises(UnsupportedSchedule, match="first_or_monday"):
        function_app(app)


# -- azure= options -------------------------------------------------------------------------


def _endpoint(request: HTTPRequest) -> None: ...


def _consumer(msg: Message[bytes]) -> None: ...


#: How each test declares a function of a kind with given ``azure=`` options.
DECLARE: dict[str, Callable[[App, dict[str, Any]], object]] = {
    "http": lambda app, options: app.get("/x", azure=options)(_endpoint),
    "queue": lambda app, options: app.queue("q", azure=options)(_consumer),
    "stream": lambda app, options: app.stream("s", azure=options)(_consumer),
}


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("http", {"colour": "blue"}, "unknown azure= option 'colour'"),
        ("http", {"auth_level": "none"}, "'auth_level'"),
        ("http", {"auth_level": "FUNCTION"}, "'auth_level'"),
        ("queue", {"connection": 3}, "'connection'"),
        ("queue", {"service": "blob"}, "not available for queue"),
        ("queue", {"service": "kafka"}, "'service'"),
        ("http", {"service": "service_bus"}, "not available for http"),
        ("stream", {"consumer_group": None}, "'consumer_group'"),
    ],
)
def test_wrong_options_fail_at_function_app(
    kind: str, options: dict[str, Any], message: str
) -> None:
    app = App("options")
    DECLARE[kind](app, options)  # the core stores azure= untouched
    with pytest.raises(DeclarationError, match=message) as raised:
        function_app(app)
    assert raised.value.where is not None
    assert "test_function_app.py" in raised.value.where


def test_known_options_are_accepted() -> None:
    app = App("options")

    @app.queue(
        "q",
        azure={"service": "service_bus", "connection": "Bus", "subscription": "s"},
    )
    def consume(msg: Message[bytes]) -> None: ...

    @app.get("/x", azure={"auth_level": "admin"})
    def admin() -> None: ...

    assert sorted(functions(function_app(app))) == sorted(["consume", "admin", CATCH_ALL])
