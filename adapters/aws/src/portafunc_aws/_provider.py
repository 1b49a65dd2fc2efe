"""The ``portafunc.providers`` entry point: what the CLI learns about this adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portafunc.app import Function

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


provider = AWSProvider()
