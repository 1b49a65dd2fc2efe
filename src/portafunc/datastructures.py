"""Multi-valued mappings for headers, query strings and attributes.

Adapters hand these the provider's own shape (a dict, a dict of lists, a list of
pairs or a raw query string); nothing is indexed until a handler first reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from urllib.parse import parse_qsl

from .errors import InvalidPayload

__all__ = ["Headers", "MultiDict", "QueryParams", "parse_cookies"]

Source = Mapping[str, str] | Mapping[str, Sequence[str]] | Iterable[tuple[str, str]] | None


class MultiDict(Mapping[str, str]):
    """An immutable mapping where a key may hold several values.

    ``m[key]`` is the first value; ``m.getlist(key)`` all of them.
    """

    __slots__ = ("_index", "_source")

    def __init__(self, source: Source = None) -> None:
        self._source = source
        self._index: dict[str, list[str]] | None = None

    @staticmethod
    def _key(key: str) -> str:
        return key

    def _pairs(self) -> Iterator[tuple[object, object]]:
        """The source's pairs as received (a provider's malformed payload may hold
        anything: :attr:`_items` checks)."""
        source = self._source
        if source is None:
            return
        if isinstance(source, MultiDict):
            yield from source.multi_items()
        elif isinstance(source, Mapping):
            for key, value in source.items():
                if isinstance(value, str):
                    yield key, value
                elif isinstance(value, (list, tuple)):
                    for item in value:
                        yield key, item
                elif value is not None:
                    yield key, value  # not text: refused when indexed
        else:
            yield from source

    @property
    def _items(self) -> dict[str, list[str]]:
        index = self._index
        if index is None:
            index = {}
            normalize = self._key
            for key, value in self._pairs():
                if not (isinstance(key, str) and isinstance(value, str)):
                    shown = f"{key!r:.40}: {value!r:.40}"
                    reason = f"{type(self).__name__}: names and values must be text, got {shown}"
                    raise InvalidPayload(reason, malformed=True)
                index.setdefault(normalize(key), []).append(value)
            self._index = index
        return index

    def __getitem__(self, key: str) -> str:
        return self._items[self._key(key)][0]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._key(key) in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key``, in the order received (empty if absent)."""
        return list(self._items.get(self._key(key), ()))

    def multi_items(self) -> list[tuple[str, str]]:
        """Every (key, value) pair, keys normalised."""
        return [(key, value) for key, values in self._items.items() for value in values]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return self._items == other._items
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # mutable-free but compared by content

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class Headers(MultiDict):
    """HTTP headers: keys are case-insensitive (and listed lower-case)."""

    __slots__ = ()

    @staticmethod
    def _key(key: str) -> str:
        return key.lower()


class QueryParams(MultiDict):
    """Query parameters; also accepts the raw query string, parsed on first use."""

    __slots__ = ()

    def __init__(self, source: Source | str = None) -> None:
        self._source = source  # type: ignore[assignment]  # a str is parsed in _pairs
        self._index = None

    def _pairs(self) -> Iterator[tuple[object, object]]:
        source: object = self._source
        if isinstance(source, str):
            return iter(parse_qsl(source, keep_blank_values=True))
        return super()._pairs()


def parse_cookies(header_values: Iterable[str]) -> dict[str, str]:
    """The cookies of one or more ``Cookie`` header values (the first value of a name wins)."""
    cookies: dict[str, str] = {}
    for header in header_values:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in cookies:
                cookies[name] = _unquote(value.strip())
    return cookies


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        from http.cookies import SimpleCookie  # rare: quoted values only

        parsed = SimpleCookie()
        parsed.load(f"c={value}")
        morsel = parsed.get("c")
        return morsel.value if morsel is not None else value[1:-1]
    return value
