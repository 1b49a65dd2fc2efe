"""``gcp={...}``: the typed per-function options of the GCP adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from typing_extensions import TypedDict

from portafunc.options import checked

if TYPE_CHECKING:
    from portafunc.app import Function

__all__ = ["GCPOptions", "validate"]


class GCPOptions(TypedDict, total=False):
    """Options read from ``gcp=`` on any decorator (all optional); ``portafunc build``
    turns them into ``gcloud functions deploy`` flags.

    ``region``: the deployment region. ``retry``: redeliver failed events (``--retry``;
    default True for event functions, so a raise means redelivery as on other clouds).
    ``service_account``: the identity the function runs as. ``min_instances`` /
    ``max_instances``: scaling bounds. ``trigger_location``: the Eventarc trigger's
    location (Cloud Storage and Firestore events come from the bucket's or database's).
    ``topic``: the Pub/Sub topic when it differs from the declared queue/topic/stream.
    """

    region: str
    retry: bool
    service_account: str
    min_instances: int
    max_instances: int
    trigger_location: str
    topic: str


def validate(function: Function) -> GCPOptions:
    """The function's ``gcp=`` options, checked; DeclarationError for anything unknown."""
    return cast("GCPOptions", checked(function, "gcp", GCPOptions))
