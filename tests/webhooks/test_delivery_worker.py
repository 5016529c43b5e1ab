"""End to end: an event committed here travels through Redis to a real worker that delivers it."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests import factories
from tests.webhooks.receiver import Answer
from webhooks import events, services
from webhooks.events import EventType
from webhooks.models import Delivery

pytestmark = pytest.mark.worker


def test_a_receiver_answering_500_then_200_gets_the_event_once_after_a_retry(
    worker_factory, receiver_factory
):
    worker = worker_factory().start(
        env={"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32", "WEBHOOK_RETRY_BACKOFF": "1"}
    )
    receiver = receiver_factory(script=[Answer(500), Answer(200)])
    endpoint = factories.EndpointFactory(url=receiver.url, events=["milestone.taken"])

    with transaction.atomic():
        [delivery_id] = services.webhook_event_emit(
            event=EventType.MILESTONE_TAKEN, data={"milestone": {"name": "Go-live"}}, team_id=None
        )

    delivery = worker.wait_until(
        lambda: Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.DELIVERED).first()
    )
    assert (delivery.attempts, delivery.status_code) == (2, 200)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Archreview-Delivery"] == second.headers["X-Archreview-Delivery"]
    assert events.verify(
        endpoint.secret,
        second.headers["X-Archreview-Timestamp"],
        second.body,
        second.headers["X-Archreview-Signature"],
    )
    # Delivered is final: a sweep or a stray message sends nothing more.
    assert services.delivery_sweep().requeued == []
    assert services.delivery_attempt(delivery_id=delivery_id) is None
    assert len(receiver.requests) == 2
