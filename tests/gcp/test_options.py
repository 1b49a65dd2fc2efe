"""gcp= options: checked when the entry points are made."""

from __future__ import annotations

from typing import Any

import pytest

from portafunc import App, Message
from portafunc.errors import DeclarationError
from portafunc_gcp import entry_points
from portafunc_gcp.options import validate


def _queue_function(**gcp: Any) -> App:
    app = App("shop")

    @app.queue("orders", gcp=gcp)
    def consume(message: Message[Any]) -> None: ...

    return app


def test_known_options_are_returned_as_given() -> None:
    app = _queue_function(region="europe-west1", retry=False, max_instances=3)
    assert validate(app.function("consume")) == {
        "region": "europe-west1",
        "retry": False,
        "max_instances": 3,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"memory": 256}, r"unknown gcp= option 'memory'"),
        ({"retry": "yes"}, r"'retry'.*must be bool"),
        ({"min_instances": True}, r"'min_instances'.*must be int"),
        ({"region": 1}, r"'region'.*must be str"),
    ],
)
def test_unknown_or_mistyped_options_are_refused_naming_the_function(
    options: dict[str, Any], message: str
) -> None:
    app = _queue_function(**options)
    with pytest.raises(DeclarationError, match=message) as caught:
        validate(app.function("consume"))
    assert "test_options.py" in str(caught.value)


def test_entry_points_refuse_unknown_options_before_registering_anything() -> None:
    with pytest.raises(DeclarationError, match="unknown gcp= option 'memory'"):
        entry_points(_queue_function(memory=256))
