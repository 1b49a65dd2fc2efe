"""Thumbnails on storage events: each ``.png`` or ``.jpg`` uploaded to ``uploads`` gets
a thumbnail record; deletions are acknowledged and ignored.

No image library is needed: the "thumbnail" is a small record of the original (its
key, size and a scaled size) kept in memory, standing in for the write to a second
bucket a real app would make. Serve it locally with::

    uv run portafunc serve examples/thumbnails/app.py:app
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from portafunc import App, HTTPError, StorageEvent

#: The longest side of a thumbnail, as a share of the original's bytes (a stand-in).
SCALE = 16


@dataclass(frozen=True)
class Thumbnail:
    """What a thumbnail of ``source`` records: where it came from and how big it is."""

    source: str
    key: str
    original_size: int
    size: int


#: The thumbnails, by the key of their original (in memory: empty at each cold start).
THUMBNAILS: dict[str, Thumbnail] = {}

app = App("thumbnails")


def thumbnail_key(key: str) -> str:
    """``photos/cat.png`` → ``thumbnails/photos/cat.png``."""
    return f"thumbnails/{key}"


def make_thumbnail(event: StorageEvent) -> Thumbnail:
    """A thumbnail record for the object ``event`` names (a deleted one has no size)."""
    original = event.size or 0
    return Thumbnail(
        source=event.key,
        key=thumbnail_key(event.key),
        original_size=original,
        size=max(1, original // SCALE) if original else 0,
    )


@app.storage("uploads", events=("created",), suffix=".png")
def png_thumbnail(event: StorageEvent) -> str:
    """A new PNG: record its thumbnail and return the thumbnail's key."""
    thumbnail = make_thumbnail(event)
    THUMBNAILS[event.key] = thumbnail
    return thumbnail.key


@app.storage("uploads", events=("created",), suffix=".jpg")
def jpg_thumbnail(event: StorageEvent) -> str:
    """A new JPEG: the same as a PNG (a storage trigger takes one suffix)."""
    return png_thumbnail(event)


@app.get("/thumbnails")
def list_thumbnails() -> list[dict[str, Any]]:
    """Every thumbnail made since the cold start, oldest first."""
    return [asdict(thumbnail) for thumbnail in THUMBNAILS.values()]


@app.get("/thumbnails/{key:path}")
def get_thumbnail(key: str) -> dict[str, Any]:
    """The thumbnail of the original ``key``."""
    if key not in THUMBNAILS:
        raise HTTPError(404, f"no thumbnail of {key}")
    return asdict(THUMBNAILS[key])
