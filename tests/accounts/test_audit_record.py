from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from accounts.audit import audit_record
from accounts.audit_actions import AccountAction
from accounts.models import AuditEvent
from tests.factories import TeamFactory, UserFactory, WorkloadFactory


def test_an_event_stores_actor_target_team_address_and_data(db):
    admin = UserFactory(username="root")
    workload = WorkloadFactory(name="Payments")
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = admin

    event = audit_record(
        action="workload.archived",
        request=request,
        target=workload,
        team=workload.team,
        data={"reason": "done"},
    )

    event = AuditEvent.objects.get(pk=event.pk)
    assert event.action == "workload.archived"
    assert event.actor == admin
    assert event.actor_label == "root"
    assert event.target_type == "reviews.workload"
    assert event.target_id == str(workload.pk)
    assert event.target_label == "Payments"
    assert event.team == workload.team
    assert event.client_address == "192.0.2.7"
    assert event.data == {"reason": "done"}


def test_an_anonymous_failure_is_recorded_under_the_name_that_was_tried(db):
    request = RequestFactory().post("/", REMOTE_ADDR="2001:db8::1")
    request.user = AnonymousUser()

    event = audit_record(
        action=AccountAction.LOGIN_FAILED, request=request, data={"username": "mallory"}
    )

    event.refresh_from_db()
    assert event.action == "auth.login_failed"
    assert event.actor is None
    assert event.actor_label == "mallory"
    assert event.client_address == "2001:db8::1"
    assert event.target_type == ""


def test_a_team_may_be_given_by_id_and_the_event_outlives_its_target(db):
    team = TeamFactory()
    workload = WorkloadFactory(team=team)
    event = audit_record(action="workload.deleted", target=workload, team=team.pk)

    workload.delete()

    event.refresh_from_db()
    assert event.team == team
    assert event.target_label == str(workload)


def test_a_deleted_actor_leaves_the_event_and_the_name(db):
    user = UserFactory(username="gone")
    event = audit_record(action=AccountAction.PASSWORD_CHANGED, actor=user)

    user.delete()

    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_label == "gone"


def test_an_unreadable_client_address_is_left_empty(db):
    request = RequestFactory().get("/", REMOTE_ADDR="not-an-ip")

    event = audit_record(action="x.y", request=request)

    assert event.client_address is None
