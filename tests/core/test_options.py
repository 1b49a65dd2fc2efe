"""options.checked: per-provider option mappings checked against a TypedDict."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from typing_extensions import TypedDict

from portafunc import App, Message
from portafunc.errors import DeclarationError
from portafunc.options import checked


class CloudOptions(TypedDict, total=False):
    region: str
    retries: int
    fifo: bool
    tier: Literal["basic", "premium"]
    layers: list[str]


def _function(options: dict[str, Any]) -> Any:
    app = App("shop")

    @app.queue("orders", aws=options)
    def consume(message: Message[Any]) -> None: ...

    return app.function("consume")


def test_known_options_come_back_as_given() -> None:
    given = {"region": "eu", "retries": 3, "fifo": True, "tier": "basic", "layers": ["a"]}
    assert checked(_function(given), "aws", CloudOptions) == given


def test_no_options_is_an_empty_mapping() -> None:
    app = App("shop")

    @app.queue("orders")
    def consume(message: Message[Any]) -> None: ...

    assert checked(app.function("consume"), "aws", CloudOptions) == {}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"zone": 1}, r"unknown aws= option 'zone'; known: fifo, layers, region"),
        ({"zone": 1, "az": 2}, r"unknown aws= options 'az', 'zone'"),
        ({"retries": True}, r"aws=\{'retries': True\} must be int"),
        ({"fifo": 1}, r"must be bool"),
        ({"tier": "gold"}, r"must be 'basic' \| 'premium'"),
        ({"layers": ["a", 2]}, r"must be a list of str"),
        ({"layers": "a"}, r"must be a list of str"),
    ],
)
def test_wrong_options_are_declaration_errors_naming_the_function(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(DeclarationError, match=message) as caught:
        checked(_function(options), "aws", CloudOptions)
    assert "test_options.py" in str(caught.value)
