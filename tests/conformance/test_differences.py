"""The intended-differences table itself: every row is documented where it says, and
the local path, the reference, has none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def test_rows_are_named_once(differences: tuple[Any, ...]) -> None:
    names = [row.name for row in differences]
    assert len(names) == len(set(names))


def test_row_is_documented(difference: Any) -> None:
    """Each row (conftest.py runs this once per row) quotes a line of its doc."""
    assert difference.reason
    assert difference.paths
    assert difference.kinds
    assert "local" not in difference.paths
    text = (ROOT / difference.doc).read_text(encoding="utf-8")
    assert difference.quote in text, f"{difference.name!r} is not in {difference.doc}"
