"""Firestore typed values → plain values (portafunc_gcp.sources._firestore_values).

The typed values follow the ``Value`` message of the Firestore API in its proto3 JSON
form (https://cloud.google.com/firestore/docs/reference/rest/v1/Value), as the Firestore
payloads of tests/payloads/gcp/database/ and google-events' decoding of protobuf data
write them.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pytest

from portafunc.errors import InvalidPayload
from portafunc_gcp.sources._firestore_values import fields, plain

UTC = timezone.utc

#: (typed value, the plain value it becomes): every value type and its edge cases.
TABLE: list[tuple[str, dict[str, Any], Any]] = [
    ("string", {"stringValue": "text"}, "text"),
    ("string-empty", {"stringValue": ""}, ""),
    ("integer", {"integerValue": "50"}, 50),
    ("integer-negative-int64-min", {"integerValue": "-9223372036854775808"}, -(2**63)),
    ("integer-zero", {"integerValue": "0"}, 0),
    ("integer-as-number", {"integerValue": 7}, 7),
    ("double", {"doubleValue": 5.5}, 5.5),
    ("double-integral-number", {"doubleValue": 3}, 3.0),
    ("double-nan", {"doubleValue": "NaN"}, math.nan),
    ("double-infinity", {"doubleValue": "Infinity"}, math.inf),
    ("double-minus-infinity", {"doubleValue": "-Infinity"}, -math.inf),
    ("double-as-string", {"doubleValue": "-1.5e3"}, -1500.0),
    ("boolean-true", {"booleanValue": True}, True),
    ("boolean-false", {"booleanValue": False}, False),
    ("null", {"nullValue": None}, None),
    ("null-as-enum-number", {"nullValue": 0}, None),
    ("null-as-enum-name", {"nullValue": "NULL_VALUE"}, None),
    (
        "timestamp-millis",
        {"timestampValue": "2020-04-23T14:23:53.241Z"},
        datetime(2020, 4, 23, 14, 23, 53, 241000, tzinfo=UTC),
    ),
    (
        "timestamp-nanos",
        {"timestampValue": "2020-04-23T14:23:53.123456789Z"},
        datetime(2020, 4, 23, 14, 23, 53, 123456, tzinfo=UTC),
    ),
    (
        "timestamp-whole-seconds",
        {"timestampValue": "1970-01-01T00:00:00Z"},
        datetime(1970, 1, 1, tzinfo=UTC),
    ),
    (
        "timestamp-offset",
        {"timestampValue": "2020-04-23T16:23:53.5+02:00"},
        datetime(2020, 4, 23, 14, 23, 53, 500000, tzinfo=UTC),
    ),
    ("bytes", {"bytesValue": "AQIDBA=="}, b"\x01\x02\x03\x04"),
    ("bytes-url-safe-unpadded", {"bytesValue": "-__-"}, b"\xfb\xff\xfe"),
    ("bytes-empty", {"bytesValue": ""}, b""),
    (
        "reference",
        {"referenceValue": "projects/project-id/databases/(default)/documents/foo/bar/baz/qux"},
        "projects/project-id/databases/(default)/documents/foo/bar/baz/qux",
    ),
    (
        "geo-point",
        {"geoPointValue": {"latitude": 51.4543, "longitude": -0.9781}},
        {"latitude": 51.4543, "longitude": -0.9781},
    ),
    ("geo-point-origin", {"geoPointValue": {}}, {"latitude": 0.0, "longitude": 0.0}),
    ("map", {"mapValue": {"fields": {"a": {"stringValue": "x"}}}}, {"a": "x"}),
    ("map-empty", {"mapValue": {}}, {}),
    ("map-empty-fields", {"mapValue": {"fields": {}}}, {}),
    ("array", {"arrayValue": {"values": [{"integerValue": "1"}, {"stringValue": "x"}]}}, [1, "x"]),
    ("array-empty", {"arrayValue": {}}, []),
    ("array-empty-values", {"arrayValue": {"values": []}}, []),
    (
        "nested",
        {
            "mapValue": {
                "fields": {
                    "items": {
                        "arrayValue": {
                            "values": [
                                {"mapValue": {"fields": {"qty": {"integerValue": "2"}}}},
                                {"mapValue": {}},
                                {"nullValue": None},
                            ]
                        }
                    },
                    "empty": {"arrayValue": {}},
                    "at": {"timestampValue": "2021-01-01T00:00:00.000000001Z"},
                }
            }
        },
        {
            "items": [{"qty": 2}, {}, None],
            "empty": [],
            "at": datetime(2021, 1, 1, tzinfo=UTC),
        },
    ),
]


def same(actual: Any, expected: Any) -> bool:
    """Equal, with exactly the same types throughout (bool is no int, int no float), NaN == NaN."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(actual)
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            same(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, datetime):
        return bool(actual == expected and actual.tzinfo is UTC)
    return bool(actual == expected)


@pytest.mark.parametrize(
    ("typed", "expected"), [case[1:] for case in TABLE], ids=[c[0] for c in TABLE]
)
def test_value_table(typed: dict[str, Any], expected: Any) -> None:
    assert same(plain(typed), expected)


def test_every_value_type_is_in_the_table() -> None:
    types = {next(iter(typed)) for _, typed, _ in TABLE}
    assert types == {
        "stringValue",
        "integerValue",
        "doubleValue",
        "booleanValue",
        "nullValue",
        "timestampValue",
        "bytesValue",
        "referenceValue",
        "geoPointValue",
        "mapValue",
        "arrayValue",
    }


def test_document_fields_are_a_map_of_the_table() -> None:
    document = {name: typed for name, typed, _ in TABLE}
    assert same(fields(document), {name: expected for name, _, expected in TABLE})


@pytest.mark.parametrize("absent", [None, {}])
def test_a_document_without_fields_is_empty(absent: Any) -> None:
    assert fields(absent) == {}


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ({"fooValue": 1}, "unknown Firestore value type 'fooValue'"),
        ({}, "not a Firestore value"),
        ({"stringValue": "a", "integerValue": "1"}, "not a Firestore value"),
        ("text", "not a Firestore value"),
        (None, "not a Firestore value"),
        ({"stringValue": 1}, "expected a string"),
        ({"integerValue": "1.5"}, "not an integer"),
        ({"integerValue": " 1"}, "not an integer"),
        ({"integerValue": "\u0661"}, "not an integer"),  # int() would take an Arabic-Indic 1
        ({"integerValue": True}, "not an integer"),
        ({"doubleValue": "nan"}, "not a double"),
        ({"doubleValue": "1_0"}, "not a double"),
        ({"doubleValue": False}, "not a double"),
        ({"booleanValue": "true"}, "expected a boolean"),
        ({"nullValue": "null"}, "not a null value"),
        ({"nullValue": False}, "not a null value"),
        ({"timestampValue": "yesterday"}, "not an RFC 3339 timestamp"),
        ({"timestampValue": 1587651833}, "expected a string"),
        ({"bytesValue": "***"}, "not base64"),
        ({"referenceValue": None}, "expected a string"),
        ({"geoPointValue": [51.4, -0.9]}, "expected an object"),
        ({"geoPointValue": {"latitude": "north"}}, "not a double"),
        ({"mapValue": []}, "expected an object"),
        ({"mapValue": {"fields": ["a"]}}, "expected an object"),
        ({"arrayValue": {"values": {}}}, "expected a list"),
        # Found by tests/fuzz: int() raised ValueError (more digits than it converts),
        # float() OverflowError.
        ({"integerValue": "9" * 5000}, "not an integer"),
        ({"doubleValue": 10**400}, "not a double"),
    ],
)
def test_malformed_values_raise_invalid_payload(typed: Any, reason: str) -> None:
    with pytest.raises(InvalidPayload, match="Firestore value") as caught:
        plain(typed)
    assert reason in str(caught.value)
    assert caught.value.malformed


def test_invalid_payload_names_the_field_however_deep() -> None:
    document = {
        "order": {
            "mapValue": {
                "fields": {
                    "lines": {
                        "arrayValue": {"values": [{"integerValue": "1"}, {"decimalValue": "2.5"}]}
                    }
                }
            }
        }
    }
    with pytest.raises(InvalidPayload) as caught:
        fields(document, "Firestore value of orders/1")
    assert str(caught.value) == (
        "Firestore value of orders/1, field 'order.lines[1]': "
        "unknown Firestore value type 'decimalValue'"
    )


def test_a_field_in_an_array_of_maps_is_named_with_its_index() -> None:
    typed = {"arrayValue": {"values": [{"mapValue": {"fields": {"a": {"booleanValue": 1}}}}]}}
    with pytest.raises(InvalidPayload, match=r"field '\[0\]\.a': expected a boolean"):
        plain(typed)


def test_fields_that_are_not_an_object_raise_invalid_payload() -> None:
    with pytest.raises(InvalidPayload, match=r"^Firestore document: expected an object, got list$"):
        fields([{"stringValue": "x"}])
