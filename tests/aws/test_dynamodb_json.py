"""DynamoDB typed attribute values → plain values (portafunc_aws.sources._dynamodb_json).

The attribute-value shape is the DynamoDB API reference's ``AttributeValue``; binary
values arrive base64-encoded in Lambda's JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from portafunc_aws.sources._dynamodb_json import item, plain

GOLDEN: list[tuple[dict[str, Any], Any]] = [
    ({"S": "Hello"}, "Hello"),
    ({"S": ""}, ""),
    ({"N": "123"}, 123),
    ({"N": "-7"}, -7),
    ({"N": "0"}, 0),
    ({"N": "123.45"}, Decimal("123.45")),
    ({"N": "-0.5"}, Decimal("-0.5")),
    ({"N": "1.50"}, Decimal("1.50")),
    ({"N": "1E+2"}, 100),
    ({"N": "2.0"}, 2),
    ({"N": "1.5E-3"}, Decimal("0.0015")),
    ({"N": "12345678901234567890123456789012345678"}, 12345678901234567890123456789012345678),
    (
        {"N": "9.9999999999999999999999999999999999999E+125"},
        99999999999999999999999999999999999999 * 10**88,
    ),
    ({"N": "0.00000000000000000000000000000000000001"}, Decimal("1E-38")),
    ({"B": "AAEqQQ=="}, b"\x00\x01*A"),
    ({"B": ""}, b""),
    ({"SS": ["Giraffe", "Zebra"]}, ["Giraffe", "Zebra"]),
    ({"SS": []}, []),
    ({"NS": ["1234", "567.8"]}, [1234, Decimal("567.8")]),
    ({"BS": ["AAEqQQ==", "QSoBAA=="]}, [b"\x00\x01*A", b"A*\x01\x00"]),
    ({"M": {"Name": {"S": "Joe"}, "Age": {"N": "35"}}}, {"Name": "Joe", "Age": 35}),
    ({"M": {}}, {}),
    (
        {"L": [{"S": "Cookies"}, {"N": "3.14159"}, {"NULL": True}]},
        ["Cookies", Decimal("3.14159"), None],
    ),
    ({"L": [{"L": [{"M": {"x": {"BOOL": False}}}]}]}, [[{"x": False}]]),
    ({"NULL": True}, None),
    ({"BOOL": True}, True),
    ({"BOOL": False}, False),
]


@pytest.mark.parametrize(("attribute", "expected"), GOLDEN, ids=[str(a) for a, _ in GOLDEN])
def test_attribute_values(attribute: dict[str, Any], expected: Any) -> None:
    value = plain(attribute)
    assert value == expected
    assert type(value) is type(expected)


def test_numbers_are_never_floats() -> None:
    values = plain({"L": [{"N": n} for n in ("0.1", "1", "-3.25", "1e3", "7.0")]})
    assert [type(v) for v in values] == [Decimal, int, Decimal, int, int]
    assert values[0] + Decimal("0.2") == Decimal("0.3")


def test_item_decodes_every_attribute() -> None:
    image = {"id": {"N": "101"}, "tags": {"SS": ["a"]}, "blob": {"B": "AA=="}}
    assert item(image) == {"id": 101, "tags": ["a"], "blob": b"\x00"}


def test_pydantic_validates_lists_into_sets_and_numbers_exactly() -> None:
    class Product(BaseModel):
        sku: str
        price: Decimal
        stock: int
        tags: set[str]
        sizes: frozenset[Decimal]

    image = {
        "sku": {"S": "a"},
        "price": {"N": "19.99"},
        "stock": {"N": "12345678901234567890"},
        "tags": {"SS": ["x", "y", "x"]},
        "sizes": {"NS": ["1", "2.5"]},
    }
    product = Product.model_validate(item(image))
    assert product.price == Decimal("19.99")
    assert product.stock == 12345678901234567890
    assert product.tags == {"x", "y"}
    assert product.sizes == frozenset({Decimal(1), Decimal("2.5")})


@pytest.mark.parametrize(
    "attribute",
    [
        {"S": 1},
        {"N": "abc"},
        {"N": "NaN"},
        {"N": "Infinity"},
        {"N": ""},
        {"N": 5},
        {"B": "not base64!"},
        {"B": 5},
        {"SS": "abc"},
        {"NS": [1]},
        {"BOOL": "true"},
        {"X": "1"},
        {"S": "a", "N": "1"},
        {},
        "S",
        {"M": []},
        {"L": {}},
    ],
    ids=repr,
)
def test_malformed_values_raise_value_or_type_errors(attribute: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        plain(attribute)


def test_item_must_be_an_object() -> None:
    with pytest.raises(TypeError):
        item([])  # type: ignore[arg-type]
