"""``portafunc_azure._provider``: the entry point the CLI finds, and what it describes."""

import inspect
from typing import Any

import pytest

from portafunc import App, Message
from portafunc.providers import Provider, installed, provider
from portafunc_azure._provider import AzureProvider


def test_the_entry_point_is_the_azure_provider() -> None:
    found = provider("azure")
    assert isinstance(found, AzureProvider)
    assert found.name == "azure"
    assert installed()["azure"] is found


def test_every_protocol_method_is_implemented_with_its_parameters() -> None:
    members = [
        name
        for name, value in vars(Provider).items()
        if inspect.isfunction(value) and name[0] != "_"
    ]
    assert sorted(members) == [
        "build", "check", "describe", "event_handler", "http_handler", "invoke",
    ]  # fmt: skip
    for name in members:
        ours = inspect.signature(getattr(AzureProvider, name))
        theirs = inspect.signature(getattr(Provider, name))
        assert list(ours.parameters) == list(theirs.parameters), name


def _consumer(msg: Message[Any]) -> None: ...


@pytest.mark.parametrize(
    ("declare", "described"),
    [
        (lambda app: app.queue("orders")(_consumer), "Storage Queue orders"),
        (lambda app: app.stream("clicks")(_consumer), "Event Hub clicks"),
        (lambda app: app.topic("prices")(_consumer), "Service Bus topic prices"),
    ],
)
def test_describe(declare: Any, described: str) -> None:
    app = App("a")
    declare(app)
    assert provider("azure").describe(app.functions["_consumer"]) == described
