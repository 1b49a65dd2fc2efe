"""HTTP triggers: one Azure function per portafunc HTTP function, plus a catch-all.

Each function gets ``@route``: its path without the leading ``/`` (``{name:path}``
becomes ``{*name}``), its methods, and ``azure={"auth_level": ...}`` (default
``"function"``). Every wrapper runs the request through the whole app router (path
parameters come from it, not ``req.route_params``), so the function the host picked
never changes the outcome: precedence is portafunc's on every provider.

- ``portafunc_catch_all`` has route ``{*path}`` and every method; the host sorts it
  last, and it answers portafunc's 404 / 405. It also serves ``/``, which cannot
  have a route of its own (an empty route means the function's name). Its auth
  level is the strictest of the app's, so no handler is reached with a weaker key
  check than its own; it is ``async def`` when any HTTP handler is.
- Request: ``path`` is the URL path, percent-decoded, without the ``routePrefix``
  (read when registering from the app setting :data:`PREFIX_SETTING`, else
  ``host.json`` in ``AzureWebJobsScriptRoot`` or the working directory, else
  ``"api"``). The query is parsed from the URL, so a repeated name keeps every
  value (``req.params`` keeps one). Headers stay as the host joined them.
  ``client_ip`` is the last ``X-Forwarded-For`` entry without its port (the one
  App Service's front end added; earlier ones can be forged). ``request_id`` is
  the invocation id. ``identity`` is the EasyAuth principal, the JSON object of
  ``X-MS-CLIENT-PRINCIPAL`` (``auth_typ``, ``claims`` as ``{typ, val}`` pairs,
  ``name_typ``, ``role_typ``) decoded when first read, or None. ``raw`` is the
  ``func.HttpRequest``.
- Response: a ``func.HttpResponse``, header names lower-cased. Its converter keeps
  one value per name, so repeated headers are comma-joined, except ``Set-Cookie``,
  whose values it sends to the host as separate cookies.
"""

import base64
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

import azure.functions as func

from portafunc.app import App, Function
from portafunc.errors import DeclarationError, InvalidPayload, UnsupportedEvent
from portafunc.http import HTTPRequest, HTTPResponse
from portafunc.pipeline import handle_http, handle_http_async
from portafunc.triggers import HTTPTrigger

from ..invocation import context_for
from ..options import AzureOptions

__all__ = [
    "CATCH_ALL",
    "PREFIX_SETTING",
    "SCRIPT_ROOT",
    "Principal",
    "client_address",
    "decode_principal",
    "http_request",
    "http_response",
    "register",
    "register_catch_all",
    "request_path",
    "route_prefix",
    "route_template",
]

_logger = logging.getLogger("portafunc")

#: The Azure function answering requests no other function's route claims.
CATCH_ALL = "portafunc_catch_all"
#: The app setting that overrides ``host.json``'s ``extensions.http.routePrefix``.
PREFIX_SETTING = "AzureFunctionsJobHost__extensions__http__routePrefix"
#: Where the host runs the app from (case matters: this is its real name).
SCRIPT_ROOT = "AzureWebJobsScriptRoot"
_DEFAULT_PREFIX = "api"
_GREEDY = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):path\}")
_PRINCIPAL = "x-ms-client-principal"
_FORWARDED = "x-forwarded-for"
#: Auth levels from the weakest key check to the strictest.
_STRICTNESS = ("anonymous", "function", "admin")
#: :func:`request_path` of recent (URL without query, lead) pairs; cleared when full.
_paths: dict[tuple[str, str], str] = {}
_PATHS_KEPT = 1024

Wrapper = Callable[[func.HttpRequest, func.Context], Any]


def register(
    function_app: func.FunctionApp, app: App, function: Function, options: AzureOptions
) -> None:
    """Add ``function`` to ``function_app`` as an HTTP-triggered Azure function."""
    trigger = cast("HTTPTrigger", function.trigger)
    template = route_template(trigger.path)
    if not template:
        return  # "/": served by the catch-all (see the module docstring)
    route = function_app.route(
        route=template,
        methods=list(trigger.methods),
        auth_level=func.AuthLevel(options.get("auth_level", "function")),
    )
    wrapper = _wrapper(app, route_prefix(), asynchronous=function.binding.is_async)
    function_app.function_name(function.name)(route(wrapper))


def register_catch_all(function_app: func.FunctionApp, app: App) -> None:
    """Add the ``{*path}`` function answering what no other route claims (404 / 405)."""
    if CATCH_ALL in app.functions:
        raise DeclarationError(
            f"the name {CATCH_ALL!r} is reserved for the Azure adapter's catch-all route; "
            "give this function another name=",
            where=app.functions[CATCH_ALL].where,
        )
    functions = [f for f in app.functions.values() if f.trigger.kind == "http"]
    levels = [f.options.get("azure", {}).get("auth_level", "function") for f in functions]
    strictest = max(levels or ["function"], key=_STRICTNESS.index)
    route = function_app.route(route="{*path}", methods=None, auth_level=func.AuthLevel(strictest))
    asynchronous = any(f.binding.is_async for f in functions)
    wrapper = _wrapper(app, route_prefix(), asynchronous=asynchronous)
    function_app.function_name(CATCH_ALL)(route(wrapper))


def _wrapper(app: App, prefix: str, *, asynchronous: bool) -> Wrapper:
    # Parameters are exactly the binding's arg_name (req) and context (DESIGN §6).
    lead = "/" + prefix.lower() if prefix else ""

    if asynchronous:

        async def serve_async(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
            ctx = context_for(context)
            request = http_request(req, lead, ctx.invocation_id)
            return http_response(await handle_http_async(app, request, ctx))

        return serve_async

    def serve(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        ctx = context_for(context)
        return http_response(handle_http(app, http_request(req, lead, ctx.invocation_id), ctx))

    return serve


def route_template(path: str) -> str:
    """The Azure route template of a portafunc path: ``/files/{p:path}`` → ``files/{*p}``."""
    return _GREEDY.sub(r"{*\1}", path[1:])


def route_prefix() -> str:
    """The host's route prefix, without slashes (see the module docstring)."""
    setting = os.environ.get(PREFIX_SETTING)
    if setting is not None:
        return setting.strip("/")
    host_json = Path(os.environ.get(SCRIPT_ROOT) or os.getcwd(), "host.json")
    try:
        # utf-8-sig: editors on Windows write a byte order mark.
        config = json.loads(host_json.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return _DEFAULT_PREFIX
    except (OSError, ValueError) as exc:
        # The host itself reads host.json with comments allowed; json cannot.
        _logger.warning(
            "cannot read %s (%s); assuming routePrefix %r", host_json, exc, _DEFAULT_PREFIX
        )
        return _DEFAULT_PREFIX
    prefix = _get(config, "extensions", "http", "routePrefix")
    return prefix.strip("/") if isinstance(prefix, str) else _DEFAULT_PREFIX


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


# --- request ---------------------------------------------------------------------------


def http_request(req: func.HttpRequest, lead: str = "/api", request_id: str = "") -> HTTPRequest:
    """``req`` as a portafunc request; ``lead`` is ``"/"`` + the lower-cased route prefix
    (``""`` for none)."""
    try:
        method, url, headers, body = req.method, req.url, req.headers, req.get_body()
        # azure.functions' HttpRequestHeaders keeps a dict with lower-cased names.
        names = getattr(headers, "__http_headers__", None)
        if type(names) is dict:
            principal, forwarded = names.get(_PRINCIPAL), names.get(_FORWARDED)
        else:
            # Not .get(): on these headers a missing key raises and catches KeyError (slow).
            principal = headers[_PRINCIPAL] if _PRINCIPAL in headers else None  # noqa: SIM401
            forwarded = headers[_FORWARDED] if _FORWARDED in headers else None  # noqa: SIM401
    except (AttributeError, TypeError):
        raise UnsupportedEvent("azure", f"an HTTP trigger argument {type(req).__name__}") from None
    if not (isinstance(method, str) and isinstance(url, str) and isinstance(body, bytes)):
        raise UnsupportedEvent("azure", "an HTTP request without method, url or body")
    location, _, query = url.partition("?")
    key = (location, lead)
    path = _paths.get(key)
    if path is None:
        if len(_paths) >= _PATHS_KEPT:
            _paths.clear()
        _paths[key] = path = request_path(location, lead)
    return HTTPRequest(
        method,
        path,
        headers=headers,
        query=query,
        body=body,
        client_ip=partial(client_address, forwarded) if forwarded else None,
        request_id=request_id,
        identity=Principal(principal) if principal else None,
        provider="azure",
        raw=req,
    )


def request_path(url: str, lead: str) -> str:
    """The decoded path of ``url`` (query removed) without the route prefix ``lead``."""
    scheme = url.find("://")
    start = url.find("/", scheme + 3) if scheme != -1 else url.find("/")
    path = url[start:] if start != -1 else "/"
    if "%" in path:
        path = unquote(path)
    size = len(lead)
    if size and path[:size].lower() == lead and (len(path) == size or path[size] == "/"):
        return path[size:] or "/"
    return path


def client_address(forwarded_for: str | None) -> str | None:
    """The last ``X-Forwarded-For`` entry without its port (``1.2.3.4:5678``, ``[::1]:80``)."""
    if not forwarded_for:
        return None
    address = forwarded_for.rpartition(",")[2].strip()
    if address.startswith("["):
        return address[1:].partition("]")[0] or None
    if address.count(":") == 1:
        address = address.partition(":")[0]
    return address or None


class Principal(Mapping[str, Any]):
    """The EasyAuth principal of ``X-MS-CLIENT-PRINCIPAL``, decoded when first read.

    A header that is not base64-encoded JSON raises InvalidPayload (a 400 answer).
    """

    __slots__ = ("_decoded", "_header")

    def __init__(self, header: str) -> None:
        self._header = header
        self._decoded: dict[str, Any] | None = None

    @property
    def _principal(self) -> dict[str, Any]:
        decoded = self._decoded
        if decoded is None:
            self._decoded = decoded = decode_principal(self._header)
        return decoded

    def __getitem__(self, key: str) -> Any:
        return self._principal[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._principal)

    def __len__(self) -> int:
        return len(self._principal)

    def __repr__(self) -> str:  # never decodes: a repr must not raise
        return f"Principal({self._header if self._decoded is None else self._decoded!r})"


def decode_principal(header: str) -> dict[str, Any]:
    """The JSON object of an ``X-MS-CLIENT-PRINCIPAL`` header."""
    try:
        principal = json.loads(base64.b64decode(header))
    # binascii.Error and UnicodeDecodeError are ValueErrors; RecursionError: nested too deep
    except (ValueError, RecursionError) as exc:
        reason = f"X-MS-CLIENT-PRINCIPAL is not base64-encoded JSON ({exc})"
        raise InvalidPayload(reason, malformed=True) from None
    if not isinstance(principal, dict):
        raise InvalidPayload("X-MS-CLIENT-PRINCIPAL is not a JSON object", malformed=True)
    return principal


# --- response --------------------------------------------------------------------------


def http_response(response: HTTPResponse) -> func.HttpResponse:
    """``response`` as the ``func.HttpResponse`` the worker sends back (names lower-cased)."""
    pairs = response.headers
    if len(pairs) == 1:  # the usual case: just the content type
        name, value = pairs[0]
        known = _as_mimetype(value) if name.lower() == "content-type" else None
        if known is not None:
            return func.HttpResponse(
                response.body, status_code=response.status, mimetype=known[0], charset=known[1]
            )
    azure = func.HttpResponse(response.body, status_code=response.status)
    # Headers.add, not the constructor's headers=: that calls add_header, which calls add.
    add = azure.headers.add
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        key = name.lower()
        if key == "set-cookie":
            cookies.append(value)
        elif key in headers:
            headers[key] = f"{headers[key]}, {value}"
        else:
            headers[key] = value
    for key, value in headers.items():
        add(key, value)
    for cookie in cookies:
        add("set-cookie", cookie)
    return azure


def _as_mimetype(content_type: str) -> tuple[str, str | None] | None:
    """``(mimetype, charset)`` that the worker's converter writes back as exactly
    ``content_type`` when no header is set, or None if it would write something else.

    The converter sends the mimetype as is, with ``; charset=…`` added for ``text/``
    types; setting it instead of a header skips werkzeug's ``Headers.add`` per call.
    """
    if not content_type.startswith("text/"):
        return content_type, None
    mimetype, separator, charset = content_type.partition("; charset=")
    return (mimetype, charset) if separator and charset and ";" not in charset else None
