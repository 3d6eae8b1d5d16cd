"""Webhooks: endpoints, Standard Webhooks signatures, and delivery that a receiver can trust."""

from workflow.webhooks.dispatch import Pass, deliver, wake_if_due
from workflow.webhooks.endpoints import (
    DeliveryView,
    EndpointView,
    create_endpoint,
    deliveries,
    endpoint,
    endpoints,
    redeliver,
    rotate,
    set_paused,
    test_send,
)

__all__ = [
    "DeliveryView",
    "EndpointView",
    "Pass",
    "create_endpoint",
    "deliver",
    "deliveries",
    "endpoint",
    "endpoints",
    "redeliver",
    "rotate",
    "set_paused",
    "test_send",
    "wake_if_due",
]
