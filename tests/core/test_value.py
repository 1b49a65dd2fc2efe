"""Value: immutable records compared, hashed and shown by value."""

from __future__ import annotations

import dataclasses

import pytest

from portafunc._value import Value


class Point(Value):
    __slots__ = ("x", "y")
    x: int
    y: int

    def __init__(self, x: int, y: int = 0) -> None:
        self._init(x=x, y=y)


class Labelled(Point):
    __slots__ = ("label",)
    label: str

    def __init__(self, x: int, label: str) -> None:
        self._init(x=x, y=0, label=label)


def test_fields_include_the_bases_fields() -> None:
    assert Point._fields == ("x", "y")
    assert Labelled._fields == ("x", "y", "label")


def test_equality_and_hash_are_by_value_and_type() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1) != Labelled(1, "a")
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_repr_shows_every_field() -> None:
    assert repr(Labelled(3, "a")) == "Labelled(x=3, y=0, label='a')"


def test_fields_cannot_be_assigned_or_deleted() -> None:
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.y
    assert point == Point(1)
