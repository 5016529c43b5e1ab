"""The audit actions of the webhooks app."""

from __future__ import annotations

from enum import StrEnum


class WebhookAction(StrEnum):
    ENDPOINT_CREATED = "webhook.endpoint_created"
    ENDPOINT_CHANGED = "webhook.endpoint_changed"
    ENDPOINT_DELETED = "webhook.endpoint_deleted"
    SECRET_ROTATED = "webhook.secret_rotated"  # noqa: S105 - an action name, not a secret
    TEST_SENT = "webhook.test_sent"
    DELIVERY_RESENT = "webhook.delivery_resent"
