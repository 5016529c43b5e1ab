"""Daily reminders through a real SMTP server, the opt-out, and the item.overdue webhook."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from reviews.models import ImprovementItem, ReminderOptOut
from reviews.services.reminders import item_reminders_send, items_overdue_notify
from tests import factories
from tests.reviews.test_items import answer
from tests.smtp import body_of
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

TODAY = dt.date(2030, 5, 10)


@pytest.fixture
def owned():
    owner = factories.MembershipFactory(role="architect", user__email="owner@example.com")
    workload = factories.WorkloadFactory(team=owner.team, name="Checkout")
    answer(workload, "q0", owner.user, selected=["q0_c0"])  # c1, c2, c3 at risk
    items = {i.practice_ref: i for i in ImprovementItem.objects.all()}
    for ref, due in [("q0_c1", "2030-05-01"), ("q0_c2", "2030-05-15"), ("q0_c3", "2030-06-30")]:
        ImprovementItem.objects.filter(pk=items[ref].pk).update(owner=owner.user, due_date=due)
    return owner.user, items


def test_an_owner_gets_one_mail_with_overdue_and_soon_due_items(owned, smtp_server):
    owner, items = owned

    assert item_reminders_send(today=TODAY) == 1

    mail = smtp_server.mail_to("owner@example.com")
    assert mail["Subject"] == "archreview: 1 overdue improvement item"
    body = body_of(mail).replace("\r\n", "\n")
    assert "Overdue:\n- " + items["q0_c1"].practice_title in body
    assert "Due within 7 days:\n- " + items["q0_c2"].practice_title in body
    assert items["q0_c3"].practice_title not in body  # due in seven weeks
    assert reverse("reviews:item_reminders") in body


def test_an_owner_who_opted_out_gets_nothing(owned, smtp_server, client_for):
    owner, _ = owned
    client = client_for(owner)
    response = client.post(reverse("reviews:item_reminders"), {"reminders": "off"})
    assert response.status_code == 302
    assert ReminderOptOut.objects.filter(user=owner).exists()
    assert item_reminders_send(today=TODAY) == 0
    client.post(reverse("reviews:item_reminders"), {"reminders": "on"})
    assert item_reminders_send(today=TODAY) == 1


def test_the_overdue_webhook_goes_out_once_per_due_date(owned):
    factories.EndpointFactory(events=["item.overdue"])
    _, items = owned
    assert items_overdue_notify(today=TODAY) == [items["q0_c1"].pk]
    assert items_overdue_notify(today=TODAY + dt.timedelta(days=1)) == []
    [delivery] = Delivery.objects.all()
    assert delivery.payload["data"]["id"] == items["q0_c1"].pk
    # A new due date that passes too is a new overdue.
    ImprovementItem.objects.filter(pk=items["q0_c1"].pk).update(due_date="2030-05-12")
    assert items_overdue_notify(today=dt.date(2030, 5, 13)) == [items["q0_c1"].pk]


def test_the_reminder_page_says_whether_they_are_on(owned, client_for, django_assert_num_queries):
    owner, _ = owned
    client = client_for(owner)
    with django_assert_num_queries(3):  # session, user, opt-out
        page = client.get(reverse("reviews:item_reminders")).content.decode()
    assert "Reminders are <strong>on</strong>" in page
