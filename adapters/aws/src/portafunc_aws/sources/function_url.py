"""Lambda Function URLs.

Follows "Invoking Lambda function URLs" in the Lambda developer guide: requests
and responses use API Gateway's payload format 2.0, so the translation is
:class:`~portafunc_aws.sources.api_gateway.HTTPAPI`'s. What differs: the
``requestContext.domainName`` is the URL's own ``<url-id>.lambda-url.<region>.on.aws``
(also behind CloudFront, which forwards to it), ``rawPath`` keeps the client's
percent-encoding, the stage is always ``$default``, and a live capture shows the
``Cookie`` header kept beside the ``cookies`` list (so it is not added twice).
Identity: ``authorizer.iam`` with ``AWS_IAM`` auth (empty, hence None, with ``NONE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .api_gateway import HTTPAPI, is_function_url, v2_context

__all__ = ["FunctionURL"]


class FunctionURL(HTTPAPI):
    """A Lambda Function URL request (payload format 2.0 on a ``.lambda-url.`` domain)."""

    name = "function_url"
    encoded_path = True

    def matches(self, event: Mapping[str, Any]) -> bool:
        context = v2_context(event)
        return context is not None and is_function_url(context)
