"""HTTP functions: the Flask request functions-framework passes, as an ``HTTPRequest``,
and the pipeline's ``HTTPResponse`` as the ``flask.Response`` it sends back.

- Request: ``path`` is ``request.path`` (percent-decoded; Cloud Functions has already
  removed the function's name from it). The query is parsed from the raw query
  string, so a repeated name keeps every value. Headers are the request's pairs as
  the server delivered them, read when first used; a header the client repeated
  may arrive comma-joined and is not split. ``body`` is ``request.get_data()``.
  ``client_ip`` is the first ``X-Forwarded-For`` entry (Google's front end lists
  the client first, then any proxies), else the peer address; a client can write
  that first entry itself, so do not use it for access control. ``request_id`` is
  the ``Function-Execution-Id`` header, else the trace id. ``raw`` is the Flask
  request.
- ``identity``: the caller Google's front end authenticated, or None.

  * Behind Identity-Aware Proxy: the claims of the ``X-Goog-IAP-JWT-Assertion`` JWT
    (``email``, ``sub``, ``aud``, ``iss``, ``hd``, ...), decoded when first read and
    not verified here: IAP verified the user and signed it. Without the assertion,
    ``{"email", "sub"}`` from the ``X-Goog-Authenticated-User-Email`` / ``-Id``
    headers (the ``accounts.google.com:`` prefix removed from the email, as in the
    JWT).
  * A Cloud Run / Cloud Functions service that requires authentication verifies the
    caller's Google-signed ID token and passes it on with its signature replaced by
    ``SIGNATURE_REMOVED_BY_GOOGLE``: such a bearer token's claims are the identity
    (``email`` of the calling service account, ``aud``, ``iss``, ``sub``, ...).
    Any other ``Authorization`` header (an app's own tokens, with their signature)
    is left to the handler.

  These headers are only as trustworthy as the front end that sets them: on a
  function that allows unauthenticated calls and has no IAP in front, anyone can
  send them. Check ``identity`` only where Google enforces authentication, or
  verify the JWT yourself (google-auth's ``id_token.verify_token``). A header that
  is not a decodable JWT is a 400 when the handler reads ``identity``.
- Response: status, headers as a list (several ``Set-Cookie`` stay apart), body.
  No ``Content-Type`` is added to a response that has none (Flask would add
  ``text/html``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from typing import Any

import flask

from portafunc.errors import InvalidPayload
from portafunc.http import HTTPRequest, HTTPResponse

from .invocation import EXECUTION_ID, environ_trace_id

__all__ = [
    "Claims",
    "client_address",
    "decode_jwt",
    "flask_response",
    "http_request",
    "identity_of",
]

# Headers are read from the WSGI environ (see invocation.py): HTTP_ + upper-cased, _ for -.
_FORWARDED = "HTTP_X_FORWARDED_FOR"
_IAP_ASSERTION = "HTTP_X_GOOG_IAP_JWT_ASSERTION"
_IAP_EMAIL = "HTTP_X_GOOG_AUTHENTICATED_USER_EMAIL"
_IAP_USER = "HTTP_X_GOOG_AUTHENTICATED_USER_ID"
_AUTHORIZATION = "HTTP_AUTHORIZATION"
_IAP_PREFIX = "accounts.google.com:"
_VERIFIED = ".SIGNATURE_REMOVED_BY_GOOGLE"


def http_request(request: flask.Request) -> HTTPRequest:
    """``request`` as a portafunc request."""
    environ = request.environ
    query = request.query_string
    return HTTPRequest(
        request.method,
        request.path,
        headers=request.headers,  # iterates as (name, value) pairs; indexed when first read
        query=query.decode("utf-8", "replace") if query else None,
        body=request.get_data(),
        client_ip=client_address(environ.get(_FORWARDED), request.remote_addr),
        request_id=environ.get(EXECUTION_ID) or environ_trace_id(environ) or "",
        identity=identity_of(environ),
        provider="gcp",
        raw=request,
    )


def client_address(forwarded_for: str | None, peer: str | None) -> str | None:
    """The first ``X-Forwarded-For`` entry, else ``peer`` (see the module docstring)."""
    if forwarded_for:
        first = forwarded_for.partition(",")[0].strip()
        if first:
            return first
    return peer or None


def identity_of(environ: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The caller Google authenticated (IAP, or a verified ID token) in a WSGI ``environ``."""
    assertion = environ.get(_IAP_ASSERTION)
    if assertion:
        return Claims(assertion, "X-Goog-IAP-JWT-Assertion")
    email, user = environ.get(_IAP_EMAIL), environ.get(_IAP_USER)
    if email or user:
        found = {"email": email.removeprefix(_IAP_PREFIX) if email else None, "sub": user}
        return {key: value for key, value in found.items() if value}
    authorization = environ.get(_AUTHORIZATION)
    if authorization and authorization.endswith(_VERIFIED):
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            return Claims(token.strip(), "Authorization")
    return None


class Claims(Mapping[str, Any]):
    """The payload of a JWT, decoded when first read; the signature is not checked."""

    __slots__ = ("_decoded", "_header", "_token")

    def __init__(self, token: str, header: str) -> None:
        self._token = token
        self._header = header
        self._decoded: dict[str, Any] | None = None

    @property
    def _claims(self) -> dict[str, Any]:
        decoded = self._decoded
        if decoded is None:
            self._decoded = decoded = decode_jwt(self._token, self._header)
        return decoded

    def __getitem__(self, key: str) -> Any:
        return self._claims[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._claims)

    def __len__(self) -> int:
        return len(self._claims)

    def __repr__(self) -> str:  # never decodes: a repr must not raise
        if self._decoded is None:
            return f"Claims(<JWT from {self._header}, not decoded yet>)"
        return f"Claims({self._decoded!r})"


def decode_jwt(token: str, header: str = "the token") -> dict[str, Any]:
    """The JSON object in the payload segment of ``token`` (no signature check)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidPayload(f"{header} is not a JWT (header.payload.signature)", malformed=True)
    segment = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    # binascii.Error and UnicodeDecodeError are ValueErrors; RecursionError: nested too deep
    except (ValueError, RecursionError) as exc:
        reason = f"{header}: the JWT payload is not base64url-encoded JSON ({exc})"
        raise InvalidPayload(reason, malformed=True) from None
    if not isinstance(claims, dict):
        raise InvalidPayload(f"{header}: the JWT payload is not a JSON object", malformed=True)
    return claims


class _Response(flask.Response):
    default_mimetype = None  # a response without Content-Type gets none


def flask_response(response: HTTPResponse) -> flask.Response:
    """``response`` as the ``flask.Response`` functions-framework sends back."""
    headers = response.headers
    if len(headers) == 1 and headers[0][0].lower() == "content-type":
        # The common case, without werkzeug's Headers(list), which costs a third more.
        return _Response(response.body, response.status, content_type=headers[0][1])
    return _Response(response.body, response.status, headers)
