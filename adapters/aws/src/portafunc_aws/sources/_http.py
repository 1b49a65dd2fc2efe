"""What the HTTP sources share: bodies, response headers, cookies, identity.

Request side:

- :func:`body_bytes` decodes a body Lambda delivers as text, base64 when the
  payload says so. AWS only sets ``isBase64Encoded`` after encoding the body
  itself, so a flagged body that is not strict base64 can only come from a
  hand-written event (the corpus has one, copied between projects). Such a body
  is taken as the text it is rather than refused: refusing would turn a request
  that reached the function into an invocation error, and no AWS service sends it.
- :func:`with_cookies` adds HTTP API 2.0's ``cookies`` list as a ``Cookie`` header
  (when the payload has none already: Function URLs send both).
- :func:`request_path` undoes the percent-encoding of sources that keep it
  (REST, Function URLs, ALB, VPC Lattice; HTTP API decodes the path itself).

Response side (header names lower-cased):

- :func:`response_body` chooses text or base64: text for textual media types
  (``text/*``, JSON, XML, …) and for bodies without a content type that are UTF-8;
  base64 otherwise, or when a ``Content-Encoding`` is set. Text is never sent as
  base64: a REST API hands a base64 body to the client as is unless the API's
  binary media types match the response (HTTP APIs, Function URLs, ALB and VPC
  Lattice always decode it).
- :func:`grouped` gives ``multiValueHeaders`` (REST, ALB in multi-value mode);
  :func:`joined` 2.0's ``headers`` (repeated values comma-joined) and its
  ``cookies`` list; :func:`single_valued` the one-value-per-name ``headers`` of ALB
  without multi-value mode and VPC Lattice, where several ``Set-Cookie`` headers
  are kept apart by spelling the name in different letter cases (HTTP header
  names are case-insensitive, JSON keys are not; a ``Set-Cookie`` value cannot be
  comma-joined, its ``Expires`` holds a comma).
"""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from portafunc.datastructures import Source
from portafunc.http import HTTPResponse

from ..invocation import get

__all__ = [
    "body_bytes",
    "client_address",
    "first_mapping",
    "first_present",
    "grouped",
    "joined",
    "mapping_or_none",
    "optional_text",
    "request_path",
    "response_body",
    "single_valued",
    "text",
    "with_cookies",
]

#: Media types that are text although not ``text/*`` (``+json``, ``+xml`` also are).
_TEXT_TYPES = frozenset(
    f"application/{name}"
    for name in ("json", "xml", "javascript", "x-www-form-urlencoded", "x-ndjson", "yaml")
)
_TEXT_SUFFIXES = ("+json", "+xml", "+yaml")
_SET_COOKIE = "set-cookie"
#: Content types already classified (a response's content type is usually one of a few).
_TEXT_CACHE: dict[str, bool] = {}


# --- request ---------------------------------------------------------------------------


def text(value: Any, what: str) -> str:
    """``value`` if it is a string; TypeError (a malformed payload) otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{what} is {type(value).__name__}, not a string")
    return value


def optional_text(value: Any) -> str | None:
    """``value`` if it is a string, else None (for informational fields such as an IP)."""
    return value if isinstance(value, str) else None


def mapping_or_none(value: Any, what: str) -> Mapping[str, Any] | None:
    """``value`` if it is a JSON object or null; TypeError otherwise."""
    if value is not None and type(value) is not dict and not isinstance(value, Mapping):
        raise TypeError(f"{what} is {type(value).__name__}, not an object")
    return value


def first_present(event: Mapping[str, Any], multi: str, single: str) -> Mapping[str, Any] | None:
    """The multi-valued field if the payload has one, else the single-valued one."""
    value = event.get(multi)
    if value is None:
        value = event.get(single)
    return mapping_or_none(value, single)


def body_bytes(body: Any, base64_encoded: Any) -> bytes:
    """The request body as bytes (see the module docstring on a flag with a text body)."""
    if not body:
        if body is None or body == "":
            return b""
        raise TypeError(f"body is {type(body).__name__}, not a string")
    data = text(body, "body").encode()
    if base64_encoded is True:
        try:
            return b64decode(data, validate=True)
        except binascii.Error:
            return data
    return data


def request_path(path: str) -> str:
    """A percent-encoded path decoded (once); most paths have nothing to decode."""
    return unquote(path) if "%" in path else path


def with_cookies(headers: Mapping[str, Any] | None, cookies: Any) -> Source:
    """The header source of a 2.0 payload: ``headers`` plus ``cookies`` as ``Cookie``."""
    if not cookies:
        return headers
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise TypeError("cookies is not a list of strings")
    if headers is not None and any(name.lower() == "cookie" for name in headers):
        return headers
    return _chain(headers, ("cookie", "; ".join(cookies)))


def _chain(headers: Mapping[str, Any] | None, extra: tuple[str, str]) -> Iterator[tuple[str, str]]:
    # A generator: read once, when the handler first reads the headers.
    if headers is not None:
        yield from headers.items()
    yield extra


def client_address(forwarded_for: Sequence[str]) -> str | None:
    """The address the load balancer saw: the last ``X-Forwarded-For`` entry.

    Earlier entries come from the client or proxies before it and can be forged.
    """
    if not forwarded_for:
        return None
    return forwarded_for[-1].rpartition(",")[2].strip() or None


def first_mapping(source: Any, paths: Sequence[Sequence[str]]) -> Mapping[str, Any] | None:
    """The first non-empty object found at one of ``paths`` in ``source`` (identity claims)."""
    if not source:
        return None
    for path in paths:
        value = get(source, *path)
        if isinstance(value, Mapping) and value:
            return value
    return None


# --- response ---------------------------------------------------------------------------


def grouped(response: HTTPResponse) -> dict[str, list[str]]:
    """The response's headers by lower-cased name, values in order (``multiValueHeaders``)."""
    out: dict[str, list[str]] = {}
    for name, value in response.headers:
        key = name.lower()
        values = out.get(key)
        if values is None:
            out[key] = [value]
        else:
            values.append(value)
    return out


def joined(response: HTTPResponse) -> tuple[dict[str, str], list[str]]:
    """Payload 2.0's ``headers`` (repeats comma-joined) and ``cookies`` (Set-Cookie values)."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in response.headers:
        key = name.lower()
        if key == _SET_COOKIE:
            cookies.append(value)
        elif key in headers:
            headers[key] += ", " + value
        else:
            headers[key] = value
    return headers, cookies


def single_valued(response: HTTPResponse) -> dict[str, str]:
    """One value per key: repeats comma-joined, several Set-Cookie in distinct spellings."""
    headers, cookies = joined(response)
    for index, cookie in enumerate(cookies):
        headers[_spelling(_SET_COOKIE, index)] = cookie
    return headers


def _spelling(name: str, index: int) -> str:
    """The ``index``-th letter-case variant of ``name`` (0 is ``name`` itself).

    Bit k of ``index`` upper-cases the k-th letter; ``set-cookie`` has 512 variants,
    past which the spelling wraps (later cookies then replace earlier ones).
    """
    out: list[str] = []
    bit = 0
    for char in name:
        if char.isalpha():
            out.append(char.upper() if index >> bit & 1 else char)
            bit += 1
        else:
            out.append(char)
    return "".join(out)


def response_body(response: HTTPResponse) -> tuple[str, bool]:
    """``(body, isBase64Encoded)`` for a response (see the module docstring)."""
    body = response.body
    if not body:
        return "", False
    content_type = content_encoding = None
    for name, value in response.headers:
        key = name.lower()
        if key == "content-type" and content_type is None:
            content_type = value
        elif key == "content-encoding" and content_encoding is None:
            content_encoding = value
    if _is_text(content_type) and (
        content_encoding is None or content_encoding.strip().lower() == "identity"
    ):
        try:
            return body.decode(), False
        except UnicodeDecodeError:
            pass
    return b64encode(body).decode("ascii"), True


def _is_text(content_type: str | None) -> bool:
    if content_type is None:
        return True  # no declared type: text if it decodes as UTF-8
    known = _TEXT_CACHE.get(content_type)
    if known is None:
        media = content_type.partition(";")[0].strip().lower()
        known = media.startswith("text/") or media in _TEXT_TYPES or media.endswith(_TEXT_SUFFIXES)
        if len(_TEXT_CACHE) < 256:
            _TEXT_CACHE[content_type] = known
    return known
