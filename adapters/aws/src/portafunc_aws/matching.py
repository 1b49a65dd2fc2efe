"""Every Lambda event source portafunc serves, in matching order, and the one loop.

Matching is exclusive: each supported payload satisfies exactly one source's
``matches`` (the test suite checks this on every corpus payload), so order only
decides how soon a match is found: the most frequent sources come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portafunc.errors import UnsupportedEvent

from .sources._base import Source
from .sources.alb import ALB
from .sources.amazon_mq import AmazonMQ
from .sources.api_gateway import HTTPAPI, RESTAPI
from .sources.cloudwatch_logs import CloudWatchLogs
from .sources.dynamodb import DynamoDBStreams
from .sources.eventbridge import EventBridge
from .sources.firehose import Firehose
from .sources.function_url import FunctionURL
from .sources.kafka import Kafka
from .sources.kinesis import Kinesis
from .sources.s3 import S3
from .sources.sns import SNS
from .sources.sqs import SQS
from .sources.vpc_lattice import VPCLattice

__all__ = ["SOURCES", "Source", "match"]

SOURCES: tuple[Source, ...] = (
    HTTPAPI(),
    RESTAPI(),
    FunctionURL(),
    ALB(),
    SQS(),
    SNS(),
    EventBridge(),
    S3(),
    DynamoDBStreams(),
    Kinesis(),
    Kafka(),
    AmazonMQ(),
    CloudWatchLogs(),
    Firehose(),
    VPCLattice(),
)


def match(event: Any) -> Source:
    """The source of ``event``; UnsupportedEvent naming what was seen if none."""
    if isinstance(event, Mapping):
        for source in SOURCES:
            if source.matches(event):
                return source
        raise UnsupportedEvent("aws", f"an event with keys {sorted(map(str, event))[:12]}")
    raise UnsupportedEvent("aws", f"a {type(event).__name__}, not a JSON object")
