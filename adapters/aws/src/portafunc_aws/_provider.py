"""The ``portafunc.providers`` entry point: what the CLI learns about this adapter.

The work lives in ``portafunc_aws.cli`` (check, emulate, build), imported when a
command needs it, so that listing the installed providers stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from portafunc.app import App, Function
    from portafunc.http import HTTPRequest, HTTPResponse
    from portafunc.providers import BuildSpec, Finding

__all__ = ["AWSProvider", "provider"]

_DEPLOYS = {
    "http": "API Gateway HTTP API route {resource}",
    "queue": "SQS queue {resource}",
    "topic": "SNS topic {resource}",
    "stream": "Kinesis stream {resource}",
    "event": "EventBridge rule on detail-type {resource}",
    "storage": "S3 bucket {resource} notifications",
    "schedule": "EventBridge schedule {resource}",
    "changes": "DynamoDB stream of table {resource}",
}


class AWSProvider:
    """The aws adapter, as the portafunc CLI sees it."""

    name = "aws"

    def describe(self, function: Function) -> str:
        return _DEPLOYS[function.trigger.kind].format(resource=function.trigger.resource)

    def check(self, app: App) -> list[Finding]:
        """What AWS cannot express (errors) or does differently (warnings) for ``app``."""
        from .cli.check import check

        return check(app)

    def invoke(self, app: App, function: str, payload: Any) -> tuple[Any, bool]:
        """Run a Lambda payload through the handler pinned to ``function``."""
        from .cli.emulate import invoke

        return invoke(app, function, payload)

    def http_handler(
        self, app: App, options: dict[str, str]
    ) -> Callable[[HTTPRequest], HTTPResponse]:
        """Requests as API Gateway (``format``: http, rest), ALB (alb, alb-multi) or
        function URL (url) events, through ``lambda_handler(app)``."""
        from .cli.emulate import http_handler

        return http_handler(app, options)

    def event_handler(self, app: App) -> Callable[[bytes, dict[str, str]], tuple[int, Any]]:
        """Raw Lambda payloads through ``lambda_handler(app)``, auto-detected."""
        from .cli.emulate import event_handler

        return event_handler(app)

    def build(self, app: App, spec: BuildSpec, project: Path) -> list[str]:
        """A SAM project: template.yaml, requirements.txt and the handler modules."""
        from .cli.build import build

        return build(app, spec, project)


provider = AWSProvider()
