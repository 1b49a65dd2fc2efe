"""Realistic Lambda events for your own tests, and a Lambda context stand-in.

Each builder takes the few values a test cares about and fills in the rest the way
AWS does: ids, ARNs in region ``us-east-1`` of account ``123456789012``, timestamps
of now, ``md5OfBody``, receipt handles, request contexts, and base64 where AWS uses
it. A test then calls the handler exactly as Lambda would::

    handler = lambda_handler(app)
    response = handler(sqs_event([{"id": "a1", "qty": 2}], queue="orders"), LambdaContext())
    assert response == {"batchItemFailures": []}

Message bodies given as ``str`` are sent as they are; ``bytes`` as UTF-8 text where
the service carries text (SQS, SNS) and base64 where it carries bytes (HTTP bodies,
Kinesis); anything else as JSON (pydantic models too). Events are plain dicts: change
them to test edge cases. An S3 notification inside SQS or SNS is a builder inside
another: ``sqs_event([s3_event("uploads", "a.txt")])``.

One module per family: ``_http`` (payload 2.0: HTTP APIs, function URLs), ``_v1``
(payload 1.0: REST APIs, ALB), ``_messages``
(SQS, SNS), ``_events`` (S3, EventBridge, schedules), ``_streams`` (DynamoDB
Streams, Kinesis), ``_context`` (``LambdaContext``).
"""

from ._common import ACCOUNT, NO_JSON, REGION
from ._context import LambdaContext
from ._events import (
    eventbridge_event,
    s3_event,
    s3_eventbridge_event,
    scheduled_event,
    scheduler_invocation,
)
from ._http import function_url_event, http_v2_event
from ._messages import sns_event, sns_in_sqs_event, sqs_event
from ._streams import attribute_value, dynamodb_stream_event, kinesis_event
from ._v1 import alb_event, rest_event

__all__ = [
    "ACCOUNT",
    "NO_JSON",
    "REGION",
    "LambdaContext",
    "alb_event",
    "attribute_value",
    "dynamodb_stream_event",
    "eventbridge_event",
    "function_url_event",
    "http_v2_event",
    "kinesis_event",
    "rest_event",
    "s3_event",
    "s3_eventbridge_event",
    "scheduled_event",
    "scheduler_invocation",
    "sns_event",
    "sns_in_sqs_event",
    "sqs_event",
]
