"""What the delivery-semantics properties share: the item model, the fates an item
can meet, and a recording app.

Each batch item carries its index ``n``. Its fate decides how it fails, if it does:
``ok`` (delivered), ``raises`` (the handler raises), ``invalid`` (its data fails
validation, so the handler never sees it) or ``malformed`` (the provider's record
itself cannot be read). The properties compare the adapter's answer and what the
handler saw with what DESIGN §3 says for that source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Literal

import pytest
from hypothesis import strategies as st

Fate = Literal["ok", "raises", "invalid", "malformed"]


def item(n: int, fate: Fate) -> dict[str, int]:
    """The data of item ``n``: fails validation when its fate is ``invalid``."""
    return {"n": n, "qty": 0 if fate == "invalid" else 1}


def fates(*kinds: Fate, max_size: int = 15) -> st.SearchStrategy[list[Fate]]:
    """Batches of 1 to ``max_size`` items, each meeting one of ``kinds``."""
    return st.lists(st.sampled_from(kinds), min_size=1, max_size=max_size)


@dataclass
class Recorder:
    """What the handler saw, in order; it raises for the items whose fate is ``raises``."""

    fates: Sequence[Fate] = ()
    seen: list[int] = field(default_factory=list)

    def __call__(self, n: int) -> None:
        self.seen.append(n)
        if self.fates[n] == "raises":
            raise RuntimeError(f"item {n} failed")


def unordered(batch: Sequence[Fate]) -> tuple[list[int], list[int]]:
    """(reported, invoked) for a source that reports each failure on its own."""
    reported = [n for n, fate in enumerate(batch) if fate != "ok"]
    invoked = [n for n, fate in enumerate(batch) if fate in ("ok", "raises")]
    return reported, invoked


def ordered(batch: Sequence[Fate]) -> tuple[list[int], list[int]]:
    """(reported, invoked) for an ordered source: the first failure stops the batch;
    it and every later item are reported, none of the later ones is invoked."""
    first = next((n for n, fate in enumerate(batch) if fate != "ok"), len(batch))
    invoked = list(range(first))
    if first < len(batch) and batch[first] == "raises":
        invoked.append(first)
    return list(range(first, len(batch))), invoked


@pytest.fixture
def kit() -> SimpleNamespace:
    """This module's helpers, for the test modules (which cannot import a conftest)."""
    return SimpleNamespace(
        item=item, fates=fates, Recorder=Recorder, ordered=ordered, unordered=unordered
    )
