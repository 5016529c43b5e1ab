"""Admin pages for webhooks: what admins see and do, what everyone else does not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests import factories
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return factories.UserFactory(is_staff=True)


@pytest.fixture
def endpoint_with_log(db):
    endpoint = factories.EndpointFactory(events=["milestone.taken", "report.ready"])
    for status in ["delivered", "failed", "pending"]:
        Delivery.objects.create(
            endpoint=endpoint, event="milestone.taken", payload={"x": 1}, status=status
        )
    return endpoint


def test_admin_adds_an_endpoint_and_gets_a_secret(admin, client_for):
    client = client_for(admin)
    team = factories.TeamFactory()

    response = client.post(
        reverse("webhooks:endpoint_new"),
        {
            "name": "Jira bridge",
            "url": "https://hooks.example.com/in",
            "events": ["item.created", "item.overdue"],
            "team": team.pk,
            "is_active": "on",
        },
    )

    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    assert endpoint.events == ["item.created", "item.overdue"]
    assert (endpoint.team, endpoint.created_by, endpoint.is_active) == (team, admin, True)
    assert len(endpoint.secret) >= 40
    event = AuditEvent.objects.get(action="webhook.endpoint_created")
    assert (event.actor, event.target_id, event.team_id) == (admin, str(endpoint.pk), team.pk)
    assert endpoint.secret not in str(event.data)
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://192.168.1.10/in"}, "not a public address (private)"),
        ({"url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"events": []}, "This field is required."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_endpoint_is_refused_with_the_reason_and_nothing_saved(
    admin, client_for, data, message
):
    form = {"name": "x", "url": "https://hooks.example.com/in", "events": ["item.created"]}
    response = client_for(admin).post(reverse("webhooks:endpoint_new"), {**form, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Endpoint.objects.exists()


def test_admin_edits_an_endpoint_and_rotates_its_secret(admin, client_for, endpoint_with_log):
    old_secret = endpoint_with_log.secret
    url = reverse("webhooks:endpoint_edit", args=[endpoint_with_log.pk])
    response = client_for(admin).post(
        url,
        {
            "name": "Renamed",
            "url": "https://other.example.com/",
            "events": ["report.ready"],
            "rotate_secret": "on",
        },
    )
    assert response.status_code == 302
    endpoint_with_log.refresh_from_db()
    assert endpoint_with_log.name == "Renamed"
    assert endpoint_with_log.events == ["report.ready"]
    assert endpoint_with_log.is_active is False  # unticked
    assert endpoint_with_log.secret != old_secret
    changed = AuditEvent.objects.get(action="webhook.endpoint_changed").data["changes"]
    assert set(changed) == {"name", "url", "events", "is_active"}
    assert changed["name"]["after"] == "Renamed"
    assert AuditEvent.objects.filter(action="webhook.secret_rotated").count() == 1


def test_pages_cost_a_fixed_number_of_queries(
    admin, client_for, endpoint_with_log, django_assert_num_queries
):
    client = client_for(admin)
    for _ in range(3):
        factories.EndpointFactory()
    with django_assert_num_queries(3):  # session, user, endpoints with their last delivery
        assert client.get(reverse("webhooks:endpoint_list")).status_code == 200
    detail = reverse("webhooks:endpoint_detail", args=[endpoint_with_log.pk])
    with django_assert_num_queries(5):  # session, user, endpoint, count, page of deliveries
        response = client.get(detail)
    assert response.status_code == 200
    assert response.content.decode().count("Send again") == 2  # delivered and failed
    with django_assert_num_queries(5):
        assert client.get(detail, headers={"HX-Request": "true"}).status_code == 200
    delivery = endpoint_with_log.deliveries.first()
    with django_assert_num_queries(3):  # session, user, delivery with endpoint and requester
        page = client.get(
            reverse("webhooks:delivery_detail", args=[endpoint_with_log.pk, delivery.pk])
        )
    assert page.status_code == 200
    edit = reverse("webhooks:endpoint_edit", args=[endpoint_with_log.pk])
    with django_assert_num_queries(4):  # session, user, endpoint, the teams to choose from
        assert client.get(edit).status_code == 200
    with django_assert_num_queries(3):  # session, user, the teams
        assert client.get(reverse("webhooks:endpoint_new")).status_code == 200
    delete = reverse("webhooks:endpoint_delete", args=[endpoint_with_log.pk])
    with django_assert_num_queries(3):  # session, user, endpoint
        assert client.get(delete).status_code == 200


def test_send_again_and_test_event_add_deliveries(admin, client_for, endpoint_with_log):
    client = client_for(admin)
    delivered = endpoint_with_log.deliveries.get(status="delivered")
    response = client.post(
        reverse("webhooks:delivery_resend", args=[endpoint_with_log.pk, delivered.pk])
    )
    assert response.status_code == 302
    again = endpoint_with_log.deliveries.get(redelivery_of=delivered)
    assert (again.event_id, again.requested_by, again.status) == (
        delivered.event_id,
        admin,
        "pending",
    )

    client.post(reverse("webhooks:endpoint_ping", args=[endpoint_with_log.pk]))
    assert endpoint_with_log.deliveries.filter(event="ping").count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions == {"webhook.delivery_resent", "webhook.test_sent"}


def test_admin_deletes_an_endpoint_with_its_log(admin, client_for, endpoint_with_log):
    response = client_for(admin).post(
        reverse("webhooks:endpoint_delete", args=[endpoint_with_log.pk])
    )
    assert response.status_code == 302
    assert not Endpoint.objects.exists()
    assert not Delivery.objects.exists()
    assert AuditEvent.objects.get(action="webhook.endpoint_deleted").target_label


@pytest.mark.parametrize("role", ["architect", "lead"])
def test_members_who_are_not_admins_cannot_see_or_change_webhooks(
    role, client_for, endpoint_with_log
):
    member = factories.MembershipFactory(role=role).user
    client = client_for(member)
    assert client.get(reverse("webhooks:endpoint_list")).status_code == 403
    assert client.get(reverse("webhooks:endpoint_new")).status_code == 403
    assert client.post(reverse("webhooks:endpoint_new"), {"name": "x"}).status_code == 403
    delivery = endpoint_with_log.deliveries.first()
    for name, args in [
        ("endpoint_detail", [endpoint_with_log.pk]),
        ("endpoint_edit", [endpoint_with_log.pk]),
        ("endpoint_delete", [endpoint_with_log.pk]),
        ("endpoint_ping", [endpoint_with_log.pk]),
        ("delivery_detail", [endpoint_with_log.pk, delivery.pk]),
        ("delivery_resend", [endpoint_with_log.pk, delivery.pk]),
    ]:
        assert client.get(reverse(f"webhooks:{name}", args=args)).status_code == 404
        assert client.post(reverse(f"webhooks:{name}", args=args)).status_code == 404
    assert Endpoint.objects.count() == 1
    assert Delivery.objects.count() == 3
    assert "Webhooks" not in client.get(reverse("reviews:dashboard")).content.decode()
