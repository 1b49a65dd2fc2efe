"""The provider-neutral HTTP request and response."""

from __future__ import annotations

import json as _json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic_core import to_json

from .datastructures import Headers, QueryParams, Source, parse_cookies

__all__ = ["HTTPRequest", "HTTPResponse", "unsafe_header"]

# RFC 9110 §5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Names already found to be tokens: most apps send a handful, so a set lookup answers.
_TOKENS: set[str] = set()
_TOKENS_MAX = 1024


class HTTPRequest:
    """An HTTP request as every provider delivers it to a handler.

    Adapters build it straight from the provider payload; headers, query and
    cookies are only parsed when read.
    """

    __slots__ = (
        "_body",
        "_client_ip",
        "_cookies",
        "_headers",
        "_identity",
        "_method",
        "_path",
        "_path_params",
        "_provider",
        "_query",
        "_raw",
        "_request_id",
    )

    def __init__(
        self,
        method: str,
        path: str,
        *,
        headers: Headers | Source = None,
        query: QueryParams | Source | str = None,
        body: bytes = b"",
        cookies: Mapping[str, str] | None = None,
        client_ip: str | Callable[[], str | None] | None = None,
        request_id: str = "",
        identity: Mapping[str, Any] | None = None,
        provider: str = "local",
        raw: Any = None,
    ) -> None:
        self._method = method.upper()
        self._path = path
        self._path_params: dict[str, str] = {}
        # The provider's own shapes, wrapped when first read (see the properties).
        self._headers: Headers | Source = headers
        self._query: QueryParams | Source | str = query
        self._body = body
        self._cookies = cookies
        self._client_ip = client_ip
        self._request_id = request_id
        self._identity = identity
        self._provider = provider
        self._raw = raw

    @property
    def method(self) -> str:
        return self._method

    @property
    def path(self) -> str:
        """The path without any deployment prefix (REST stage, Azure route prefix)."""
        return self._path

    @property
    def path_params(self) -> Mapping[str, str]:
        return self._path_params

    @property
    def query(self) -> QueryParams:
        query = self._query
        if not isinstance(query, QueryParams):
            self._query = query = QueryParams(query)
        return query

    @property
    def headers(self) -> Headers:
        headers = self._headers
        if not isinstance(headers, Headers):
            self._headers = headers = Headers(headers)
        return headers

    @property
    def cookies(self) -> Mapping[str, str]:
        if self._cookies is None:
            self._cookies = parse_cookies(self.headers.getlist("cookie"))
        return self._cookies

    @property
    def body(self) -> bytes:
        return self._body

    @property
    def text(self) -> str:
        return self._body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON (ValueError if it is not: ``json.JSONDecodeError``, or
        ``UnicodeDecodeError`` for bytes that are not text)."""
        return _json.loads(self._body)

    @property
    def client_ip(self) -> str | None:
        """The caller's address, or None. Adapters may pass a function: it is called
        once, when the address is first read."""
        ip = self._client_ip
        if callable(ip):
            self._client_ip = ip = ip()
        return ip

    @property
    def request_id(self) -> str:
        return self._request_id

    @property
    def identity(self) -> Mapping[str, Any] | None:
        """Authorizer, EasyAuth or IAP claims, when the provider authenticated the caller."""
        return self._identity

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def raw(self) -> Any:
        """The untouched provider payload."""
        return self._raw

    def __repr__(self) -> str:
        return f"HTTPRequest({self._method!r}, {self._path!r}, provider={self._provider!r})"


def unsafe_header(headers: Iterable[tuple[str, str]]) -> str | None:
    """The name of the first header that must not be sent, or None if all may be.

    A header must not be sent if its name is not a token (RFC 9110 §5.6.2) or its value
    holds a CR, LF or NUL (§5.5), which would let it end the header line and inject
    others, or if either is not a ``str``. The name comes back as ``repr()`` when it is
    not a ``str``; the value never does, so it is safe to log.
    """
    for name, value in headers:
        if type(name) is not str:
            return repr(name)
        if name not in _TOKENS and not _is_token(name):
            return name
        # str.isprintable() is one C loop, and true for nearly every value; CR, LF and NUL
        # are not printable, so only the rare other value (a tab, ...) needs a closer look.
        if type(value) is not str or not (value.isprintable() or _no_breaks(value)):
            return name
    return None


def _is_token(name: str) -> bool:
    if _TOKEN.fullmatch(name) is None:
        return False
    if len(_TOKENS) < _TOKENS_MAX:
        _TOKENS.add(name)
    return True


def _no_breaks(value: str) -> bool:
    return "\r" not in value and "\n" not in value and "\0" not in value


def _checked(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers``, or ValueError naming the first that must not be sent."""
    name = unsafe_header(headers)
    if name is not None:
        raise ValueError(
            f"response header {name!r} must not be sent: its name is not a token "
            f"or its value has a line break (CR, LF or NUL)"
        )
    return headers


class HTTPResponse:
    """An HTTP response: status, multi-valued headers, body bytes.

    Its constructors refuse (ValueError) a header that must not be sent (see
    :func:`unsafe_header`); the pipeline checks again before a handler's response
    reaches the provider, since ``headers`` is a list anyone may append to.
    """

    __slots__ = ("body", "headers", "status")

    def __init__(
        self,
        status: int = 200,
        *,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
        body: bytes | str = b"",
    ) -> None:
        self.status = status
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        self.headers: list[tuple[str, str]] = _checked(list(pairs)) if pairs is not None else []
        self.body = body.encode() if isinstance(body, str) else body

    @classmethod
    def _make(cls, status: int, headers: list[tuple[str, str]], body: bytes) -> HTTPResponse:
        """A response from parts already in shape, taken as they are (the pipeline's encoder)."""
        response = cls.__new__(cls)
        response.status, response.headers, response.body = status, headers, body
        return response

    @classmethod
    def json(
        cls,
        obj: Any,
        status: int = 200,
        *,
        headers: Sequence[tuple[str, str]] = (),
        content_type: str = "application/json",
    ) -> HTTPResponse:
        """A JSON response; ``obj`` may be anything pydantic can serialise."""
        pairs = [("content-type", content_type), *headers]
        if headers or content_type != "application/json":
            _checked(pairs)
        return cls._make(status, pairs, to_json(obj))

    @classmethod
    def plain(
        cls, text: str, status: int = 200, *, headers: Sequence[tuple[str, str]] = ()
    ) -> HTTPResponse:
        """A ``text/plain; charset=utf-8`` response."""
        pairs = [("content-type", "text/plain; charset=utf-8"), *headers]
        return cls._make(status, _checked(pairs) if headers else pairs, text.encode())

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def __repr__(self) -> str:
        return f"HTTPResponse({self.status}, headers={self.headers!r}, body={self.body[:60]!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HTTPResponse):
            return NotImplemented
        return (self.status, self.headers, self.body) == (other.status, other.headers, other.body)

    __hash__ = None  # type: ignore[assignment]  # mutable
