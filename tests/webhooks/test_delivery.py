"""Deliveries against real HTTP receivers on loopback, called as the worker calls them.

Names other than literal loopback addresses are resolved by a stub resolver: no test ever
sends a packet beyond 127.0.0.0/8.
"""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.webhooks.receiver import HANG, Answer, Drip
from webhooks import events, sender, services
from webhooks.events import EventType
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

Status = Delivery.Status


def _emit(endpoint, data=None) -> Delivery:
    [delivery_id] = services.webhook_event_emit(
        event=EventType.MILESTONE_TAKEN,
        data=data or {"milestone": {"name": "Baseline"}},
        team_id=None,
        endpoint=endpoint,
    )
    return Delivery.objects.get(pk=delivery_id)


def _stub(mapping: dict[str, list[str]], calls: list | None = None):
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        return mapping[host]

    return resolve


def test_the_signature_verifies_with_the_endpoints_secret(receiver_factory, allow_loopback):
    receiver = receiver_factory()
    endpoint = factories.EndpointFactory(url=receiver.url)
    delivery = _emit(endpoint, {"milestone": {"name": "Før launch"}})

    outcome = services.delivery_attempt(delivery_id=delivery.pk)

    assert outcome.status == Status.DELIVERED
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hook"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-archreview-event"] == "milestone.taken"
    assert headers["x-archreview-delivery"] == str(delivery.event_id)
    assert events.verify(
        endpoint.secret,
        headers["x-archreview-timestamp"],
        request.body,
        headers["x-archreview-signature"],
    )
    assert not events.verify(
        "another secret",
        headers["x-archreview-timestamp"],
        request.body,
        headers["x-archreview-signature"],
    )
    envelope = json.loads(request.body)
    assert envelope["type"] == "milestone.taken"
    assert envelope["data"] == {"milestone": {"name": "Før launch"}}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.status_code) == (Status.DELIVERED, 1, 200)
    assert delivery.duration_ms is not None
    assert delivery.delivered_at is not None


def test_an_error_answer_is_retried_later_with_growing_waits(receiver_factory, allow_loopback):
    allow_loopback.WEBHOOK_RETRY_BACKOFF = 10
    allow_loopback.WEBHOOK_MAX_ATTEMPTS = 3
    receiver = receiver_factory(script=[Answer(500, body=b"boom")])
    delivery = _emit(factories.EndpointFactory(url=receiver.url))

    first = services.delivery_attempt(delivery_id=delivery.pk)
    assert (first.status, first.retry_in) == (Status.PENDING, 10)
    delivery.refresh_from_db()
    assert (delivery.status_code, delivery.attempts) == (500, 1)
    assert delivery.error == "The receiver answered 500."
    assert delivery.response_excerpt == "boom"
    # Not due yet: a message arriving now does nothing.
    assert services.delivery_attempt(delivery_id=delivery.pk) is None

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.delivery_attempt(delivery_id=delivery.pk).retry_in == 20
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.delivery_attempt(delivery_id=delivery.pk).status == Status.FAILED
    assert len(receiver.requests) == 3


def test_a_receiver_that_never_answers_is_timed_out(receiver_factory, allow_loopback):
    allow_loopback.WEBHOOK_READ_TIMEOUT = 1
    receiver = receiver_factory(script=[HANG])
    delivery = _emit(factories.EndpointFactory(url=receiver.url))

    outcome = services.delivery_attempt(delivery_id=delivery.pk)

    assert outcome.status == Status.PENDING  # retried later
    delivery.refresh_from_db()
    assert delivery.status_code is None
    assert delivery.error.startswith("Timed out: no complete answer within 1 s")
    assert len(receiver.requests) == 1


def test_a_receiver_dripping_its_answer_is_timed_out_too(receiver_factory, allow_loopback):
    # Each byte comes well within the socket timeout; only the whole-answer deadline stops it.
    allow_loopback.WEBHOOK_READ_TIMEOUT = 1
    receiver = receiver_factory(script=[Drip(0.2)])
    delivery = _emit(factories.EndpointFactory(url=receiver.url))

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.error.startswith("Timed out")


def test_loopback_is_refused_without_the_allow_list(receiver_factory, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    receiver = receiver_factory()
    delivery = _emit(factories.EndpointFactory(url=receiver.url))

    outcome = services.delivery_attempt(delivery_id=delivery.pk)

    assert outcome.status == Status.FAILED  # a refusal is not retried
    delivery.refresh_from_db()
    assert delivery.error.startswith("Refused: 127.0.0.1 is not a public address (loopback)")
    assert receiver.requests == []


def test_a_redirect_to_a_forbidden_address_is_refused(receiver_factory, allow_loopback):
    # 127.0.0.1 is allowed, 127.0.0.2 (loopback too) is not.
    target = receiver_factory(host="127.0.0.2")
    first = receiver_factory(script=[Answer(307, {"Location": target.url})])
    delivery = _emit(factories.EndpointFactory(url=first.url))

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.error.startswith("Refused: 127.0.0.2 is not a public address (loopback)")
    assert len(first.requests) == 1
    assert target.requests == []


def test_an_allowed_redirect_is_followed_with_the_same_signed_body(receiver_factory, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1", "127.0.0.2"]
    target = receiver_factory(host="127.0.0.2")
    first = receiver_factory(script=[Answer(308, {"Location": target.url})])
    endpoint = factories.EndpointFactory(url=first.url)
    delivery = _emit(endpoint)

    assert services.delivery_attempt(delivery_id=delivery.pk).status == Status.DELIVERED

    [request] = target.requests
    assert request.method == "POST"
    assert request.body == first.requests[0].body
    assert events.verify(
        endpoint.secret,
        request.headers["X-Archreview-Timestamp"],
        request.body,
        request.headers["X-Archreview-Signature"],
    )


def test_a_redirect_loop_ends(receiver_factory, allow_loopback):
    receiver = receiver_factory(script=[Answer(302, {"Location": "/again"})])
    delivery = _emit(factories.EndpointFactory(url=receiver.url))

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.error == f"Too many redirects (more than {sender.MAX_REDIRECTS})."
    assert len(receiver.requests) == sender.MAX_REDIRECTS + 1


@pytest.mark.parametrize("answer", [["10.0.0.1"], ["93.184.215.14", "10.0.0.1"]])
def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(
    answer, settings, monkeypatch
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    delivery = _emit(factories.EndpointFactory(url="https://hooks.example.test/in"))

    outcome = services.delivery_attempt(
        delivery_id=delivery.pk, resolver=_stub({"hooks.example.test": answer})
    )

    assert outcome.status == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.error.startswith(
        "Refused: hooks.example.test resolves to 10.0.0.1 is not a public address (private)"
    )


def test_the_connection_goes_to_the_checked_address_not_to_a_second_answer(
    receiver_factory, allow_loopback
):
    # DNS rebinding: a second lookup would say 10.0.0.1; there is no second lookup.
    receiver = receiver_factory()
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    url = f"http://hooks.example.test:{receiver.port}/hook"
    delivery = _emit(factories.EndpointFactory(url=url))

    assert services.delivery_attempt(delivery_id=delivery.pk, resolver=rebinding).status == (
        Status.DELIVERED
    )
    assert calls == ["hooks.example.test"]
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_send_again_sends_the_same_event_as_a_new_delivery(receiver_factory, allow_loopback):
    receiver = receiver_factory()
    delivery = _emit(factories.EndpointFactory(url=receiver.url))
    services.delivery_attempt(delivery_id=delivery.pk)
    admin = factories.UserFactory(is_staff=True)

    again = services.delivery_resend(delivery=delivery, user=admin)
    services.delivery_attempt(delivery_id=again.pk)

    again.refresh_from_db()
    assert again.status == Status.DELIVERED
    assert (again.redelivery_of_id, again.requested_by) == (delivery.pk, admin)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Archreview-Delivery"] == second.headers["X-Archreview-Delivery"]


def test_a_disabled_endpoint_gets_nothing(receiver_factory, allow_loopback):
    receiver = receiver_factory()
    endpoint = factories.EndpointFactory(url=receiver.url)
    delivery = _emit(endpoint)
    endpoint.is_active = False
    endpoint.save()

    assert services.delivery_attempt(delivery_id=delivery.pk).status == Status.FAILED
    assert receiver.requests == []
    assert not services.webhook_event_emit(event=EventType.MILESTONE_TAKEN, data={}, team_id=None)


def test_events_go_to_the_endpoints_that_want_them(db, django_assert_num_queries):
    team, other_team = factories.TeamFactory(), factories.TeamFactory()
    every_team = factories.EndpointFactory(events=["milestone.taken", "report.ready"])
    this_team = factories.EndpointFactory(events=["milestone.taken"], team=team)
    factories.EndpointFactory(events=["milestone.taken"], team=other_team)
    factories.EndpointFactory(events=["report.ready"])
    factories.EndpointFactory(events=["milestone.taken"], is_active=False)

    # the endpoints, one INSERT of the deliveries, an outbox row for each
    with django_assert_num_queries(4):
        ids = services.webhook_event_emit(
            event=EventType.MILESTONE_TAKEN, data={"x": 1}, team_id=team.pk
        )

    rows = Delivery.objects.filter(pk__in=ids)
    assert {d.endpoint_id for d in rows} == {every_team.pk, this_team.pk}
    assert len({d.event_id for d in rows}) == 1
    with django_assert_num_queries(1):  # nobody wants it: the endpoints only
        assert (
            services.webhook_event_emit(event=EventType.ITEM_OVERDUE, data={}, team_id=team.pk)
            == []
        )


def test_the_sweep_requeues_lost_and_abandoned_deliveries(db, settings):
    endpoint = factories.EndpointFactory()
    now = timezone.now()
    lost = _emit(endpoint)
    Delivery.objects.filter(pk=lost.pk).update(next_attempt_at=now - timedelta(hours=1))
    stuck = _emit(endpoint)
    Delivery.objects.filter(pk=stuck.pk).update(
        status=Status.SENDING, attempts=1, last_attempt_at=now - timedelta(hours=1)
    )
    dead = _emit(endpoint)
    Delivery.objects.filter(pk=dead.pk).update(
        status=Status.SENDING,
        attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        last_attempt_at=now - timedelta(hours=1),
    )
    fresh = _emit(endpoint)

    result = services.delivery_sweep(now=now)

    assert sorted(result.requeued) == sorted([lost.pk, stuck.pk])
    assert result.failed == [dead.pk]
    assert Delivery.objects.get(pk=stuck.pk).status == Status.PENDING
    assert fresh.pk not in result.requeued


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://10.0.0.1/hook", "not a public address (private)"),
        ("ftp://example.com/hook", "only http and https"),
        ("https://u:p@example.com/hook", "user names and passwords"),
    ],
)
def test_an_endpoint_that_could_never_be_reached_is_refused_when_saved(db, url, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=re.escape(message)):
        services.endpoint_create(name="x", url=url, events=["milestone.taken"])
