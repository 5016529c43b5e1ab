"""The audit page: admins only (404 for everyone else), filters, a streamed CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.factories import MembershipFactory, TeamFactory, UserFactory

AUDIT_URLS = ["accounts:audit", "accounts:audit_csv"]


@pytest.fixture
def admin(db):
    return UserFactory(username="root", is_staff=True)


@pytest.mark.parametrize("name", AUDIT_URLS)
@pytest.mark.parametrize("role", ["architect", "lead"])
def test_members_who_are_not_admins_get_404(name, role, db, client_for):
    user = MembershipFactory(role=role).user
    assert client_for(user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", AUDIT_URLS)
def test_signed_out_visitors_are_sent_to_sign_in(name, client, db):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _events(n: int, team) -> None:
    user = UserFactory()
    for i in range(n):
        audit_record(action="workload.archived", actor=user, team=team, data={"i": i})


@pytest.mark.parametrize("n", [3, 60])
def test_the_page_runs_a_fixed_number_of_queries(n, admin, client_for, django_assert_num_queries):
    _events(n, TeamFactory())
    client = client_for(admin)
    # session, user, actions for the filter, count, page of events (+ team), teams for the filter
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:audit"))
    assert response.status_code == 200


def test_filters_by_action_actor_team_and_dates(admin, client_for):
    team, other = TeamFactory(name="Payments"), TeamFactory(name="Search")
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    audit_record(action="workload.archived", actor=ada, team=team)
    audit_record(action="workload.archived", actor=bob, team=other)
    audit_record(action="auth.login", actor=ada)
    old = audit_record(action="auth.login", actor=bob)
    AuditEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - dt.timedelta(days=40))
    client = client_for(admin)

    def rows(**query) -> int:
        response = client.get(reverse("accounts:audit"), query)
        assert response.status_code == 200
        return response.content.decode().count("<tr>") - 1  # minus the header row

    assert rows() == 4
    assert rows(action="workload.archived") == 2
    assert rows(actor="ADA") == 2
    assert rows(team=team.pk) == 1
    today = timezone.localdate()
    assert rows(since=(today - dt.timedelta(days=1)).isoformat()) == 3
    assert rows(until=(today - dt.timedelta(days=30)).isoformat()) == 1


def test_start_after_end_is_explained_and_shows_everything(admin, client_for):
    audit_record(action="auth.login", actor=admin)
    response = client_for(admin).get(
        reverse("accounts:audit"), {"since": "2026-02-02", "until": "2026-01-01"}
    )
    html = response.content.decode()
    assert "The start date is after the end date." in html
    assert "auth.login</code>" in html


def test_csv_streams_the_filtered_events_and_defuses_formulas(admin, client_for):
    team = TeamFactory(name="=HYPERLINK(evil)")
    audit_record(action="workload.archived", actor=admin, team=team, data={"why": "done"})
    audit_record(action="auth.login", actor=admin)

    response = client_for(admin).get(reverse("accounts:audit_csv"), {"action": "workload.archived"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "action", "who"]
    assert len(rows) == 2
    assert rows[1][1:3] == ["workload.archived", "root"]
    assert rows[1][6] == "'=HYPERLINK(evil)"
    assert rows[1][8] == '{"why": "done"}'
