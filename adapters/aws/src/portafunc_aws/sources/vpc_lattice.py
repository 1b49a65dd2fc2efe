"""Amazon VPC Lattice targets, event structures version 1 and 2.

Follows "Lambda functions as targets" in the VPC Lattice user guide ("Receive
events from the VPC Lattice service", both event versions, and "Respond to the
VPC Lattice service").

- v1: ``raw_path``, ``method``, single-valued ``headers`` and
  ``query_string_parameters``, ``is_base64_encoded``.
- v2 (``"version": "2.0"``): ``path``, ``method``, ``headers`` and
  ``queryStringParameters`` as lists of values, ``isBase64Encoded``, and a
  ``requestContext`` whose ``identity`` names the caller (used as ``identity``
  unless its ``type`` is ``NONE``). Not to be confused with HTTP API's 2.0: that
  one has ``requestContext.http`` and no top-level ``method``.
- Both paths may carry the query string (``/p?a=1``): it is cut off, and read when
  the parameters field is absent. The path is percent-decoded.
- ``client_ip`` is the last ``X-Forwarded-For`` entry (added by Lattice).
- The response: ``statusCode``, single-valued ``headers``, ``body``,
  ``isBase64Encoded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from portafunc.datastructures import Headers
from portafunc.http import HTTPRequest, HTTPResponse

from ..invocation import get
from ._base import HTTPSource
from ._http import (
    body_bytes,
    client_address,
    mapping_or_none,
    request_path,
    response_body,
    single_valued,
    text,
)

__all__ = ["VPCLattice"]


class _Fields(NamedTuple):
    path: str
    query: str
    base64: str


_V1 = _Fields("raw_path", "query_string_parameters", "is_base64_encoded")
_V2 = _Fields("path", "queryStringParameters", "isBase64Encoded")


class VPCLattice(HTTPSource):
    """A VPC Lattice request, v1 or v2."""

    name = "vpc_lattice"

    def matches(self, event: Mapping[str, Any]) -> bool:
        if "method" not in event:
            return False
        if "raw_path" in event:
            return True
        return (
            event.get("version") == "2.0"
            and "path" in event
            and get(event, "requestContext", "http") is None
        )

    def request(self, event: Mapping[str, Any]) -> HTTPRequest:
        fields = _V1 if "raw_path" in event else _V2
        path, _, query_string = text(event[fields.path], fields.path).partition("?")
        query = mapping_or_none(event.get(fields.query), fields.query)
        headers = Headers(mapping_or_none(event.get("headers"), "headers"))
        return HTTPRequest(
            text(event["method"], "method"),
            request_path(path),
            headers=headers,
            query=query_string if query is None else query,
            body=body_bytes(event.get("body"), event.get(fields.base64)),
            client_ip=client_address(headers.getlist("x-forwarded-for")),
            request_id=headers.get("x-amzn-trace-id", ""),
            identity=_identity(get(event, "requestContext", "identity")),
            provider="aws",
            raw=event,
        )

    def response(self, response: HTTPResponse, event: Mapping[str, Any]) -> dict[str, Any]:
        body, encoded = response_body(response)
        return {
            "statusCode": response.status,
            "headers": single_valued(response),
            "body": body,
            "isBase64Encoded": encoded,
        }


def _identity(identity: Any) -> Mapping[str, Any] | None:
    if isinstance(identity, Mapping) and identity.get("type") not in (None, "NONE"):
        return identity
    return None
