"""Improvement items follow the answers, survive lens upgrades, and keep owner and history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from questions.models import Question
from reviews import tasks
from reviews.answer_state import EMPTY
from reviews.models import ImprovementItem
from reviews.services.answers import answer_save
from reviews.services.items import item_update, items_reopen_expired, items_sync_lens_review
from reviews.services.lens_reviews import lens_review_upgrade
from tests import factories
from tests.factories import lens_review_of, version_of
from tests.reviews.test_upgrade import next_version
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

Status = ImprovementItem.Status


@pytest.fixture
def team():
    architect = factories.MembershipFactory(role="architect")
    colleague = factories.MembershipFactory(team=architect.team, role="architect")
    lead = factories.MembershipFactory(team=architect.team, role="lead")
    workload = factories.WorkloadFactory(team=architect.team)
    return {
        "architect": architect.user,
        "colleague": colleague.user,
        "lead": lead.user,
        "workload": workload,
    }


def answer(workload, question_ref: str, user, **data):
    from reviews.models import Answer

    question = Question.objects.select_related("pillar").get(
        pillar__version_id=version_of(workload).pk, ref=question_ref
    )
    current = Answer.objects.filter(lens_review__workload=workload, question=question).first()
    return answer_save(
        workload=workload,
        question=question,
        data={**EMPTY.to_json(), **data},
        expected_version=current.version if current else 0,
        user=user,
    ).answer


def items(workload) -> dict[str, ImprovementItem]:
    return {i.practice_ref: i for i in ImprovementItem.objects.filter(workload=workload)}


def history(item) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="reviews.improvementitem", target_id=str(item.pk))
        .order_by("occurred_at", "pk")
        .values_list("action", flat=True)
    )


def test_an_answer_creates_one_item_per_practice_left_at_risk(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0", "q0_c3"])  # c1 (MEDIUM), c2 (LOW) open

    found = items(w)

    assert set(found) == {"q0_c1", "q0_c2"}
    assert (found["q0_c1"].risk, found["q0_c2"].risk) == ("MEDIUM", "LOW")
    assert found["q0_c1"].status == Status.NOT_STARTED
    assert found["q0_c1"].question.ref == "q0"
    assert history(found["q0_c1"]) == ["item.created"]
    # Unanswered questions have no items yet.
    assert not ImprovementItem.objects.filter(question_ref="q1").exists()


def test_an_item_closes_when_its_practice_is_followed_and_reopens_with_owner_and_history(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    item = items(w)["q0_c1"]
    item_update(
        item=item,
        user=team["architect"],
        changes={"owner": team["colleague"], "due_date": dt.date(2030, 1, 31)},
    )

    answer(w, "q0", team["colleague"], selected=["q0_c0", "q0_c1"])
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_by == team["colleague"]
    assert not item.is_open

    answer(w, "q0", team["architect"], selected=["q0_c0"])
    item.refresh_from_db()
    assert item.resolved_at is None and item.is_open
    assert (item.owner, item.due_date) == (team["colleague"], dt.date(2030, 1, 31))
    assert history(item) == [
        "item.created",
        "item.changed",
        "item.resolved_by_answer",
        "item.reopened_by_answer",
    ]
    resolved = AuditEvent.objects.get(action="item.resolved_by_answer")
    assert resolved.actor == team["colleague"]


def test_marking_a_practice_not_applicable_resolves_its_item(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    answer(
        w,
        "q0",
        team["architect"],
        selected=["q0_c0"],
        choices_not_applicable={"q0_c2": {"reason": "OTHER", "note": ""}},
    )
    assert items(w)["q0_c2"].resolved_at is not None
    assert items(w)["q0_c1"].resolved_at is None


def test_an_item_survives_an_answer_change_and_a_lens_upgrade_with_owner_and_history(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    item = items(w)["q0_c3"]
    item_update(
        item=item,
        user=team["architect"],
        changes={"owner": team["colleague"], "status": Status.IN_PROGRESS, "notes": "Ticket."},
    )
    answer(w, "q0", team["architect"], selected=["q0_c0", "q0_c1"])  # another practice moves
    v2 = next_version(version_of(w), {"q0": ["q0_c0", "q0_c1", "q0_c3", "q0_new", "q0_no"]})

    lens_review_upgrade(lens_review=lens_review_of(w), to_version=v2, user=team["lead"])

    item.refresh_from_db()
    assert item.question.pillar.version_id == v2.pk
    assert (item.owner, item.status, item.notes) == (
        team["colleague"],
        Status.IN_PROGRESS,
        "Ticket.",
    )
    assert item.resolved_at is None
    assert history(item)[:2] == ["item.created", "item.changed"]
    # q0_c2 no longer exists in v2: its item is closed; the new practice gets an item.
    after = items(w)
    assert after["q0_c2"].resolved_at is not None
    assert after["q0_new"].risk == "HIGH" and after["q0_new"].is_open


def test_only_a_lead_accepts_a_risk_with_a_reason_and_an_expiry(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    item = items(w)["q0_c1"]
    later = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(PermissionDenied):
        item_update(
            item=item,
            user=team["architect"],
            changes={
                "status": Status.RISK_ACCEPTED,
                "accepted_reason": "x",
                "accepted_until": later,
            },
        )
    with pytest.raises(ValidationError) as missing:
        item_update(item=item, user=team["lead"], changes={"status": Status.RISK_ACCEPTED})
    assert set(missing.value.message_dict) == {"accepted_reason", "accepted_until"}
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED

    item_update(
        item=item,
        user=team["lead"],
        changes={
            "status": Status.RISK_ACCEPTED,
            "accepted_reason": "Legacy system retires in March.",
            "accepted_until": later,
        },
    )
    item.refresh_from_db()
    assert (item.status, item.accepted_by) == (Status.RISK_ACCEPTED, team["lead"])


def test_an_accepted_risk_reopens_after_its_expiry(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    item = items(w)["q0_c1"]
    until = timezone.localdate() + dt.timedelta(days=10)
    item_update(
        item=item,
        user=team["lead"],
        changes={
            "status": Status.RISK_ACCEPTED,
            "accepted_reason": "Waiting for the new platform.",
            "accepted_until": until,
        },
    )
    factories.EndpointFactory(events=["item.status_changed"])

    assert items_reopen_expired(today=until) == []  # still accepted on its last day
    assert items_reopen_expired(today=until + dt.timedelta(days=1)) == [item.pk]

    item.refresh_from_db()
    assert (item.status, item.accepted_reason, item.accepted_until) == (
        Status.NOT_STARTED,
        "",
        None,
    )
    assert history(item)[-1] == "item.acceptance_expired"
    assert Delivery.objects.get().payload["data"]["change"] == "acceptance_expired"


def test_the_beat_task_reopens_expired_acceptances_by_todays_date(team, settings):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    item = items(w)["q0_c1"]
    # An acceptance that ended yesterday, as if the clock had moved on since it was given.
    ImprovementItem.objects.filter(pk=item.pk).update(
        status=Status.RISK_ACCEPTED,
        accepted_reason="Old",
        accepted_until=timezone.localdate() - dt.timedelta(days=1),
    )
    tasks.reopen_expired_items()
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED
    assert "reviews.tasks.reopen_expired_items" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_owner_must_be_a_member_of_the_team(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    stranger = factories.MembershipFactory().user
    with pytest.raises(ValidationError) as error:
        item_update(item=items(w)["q0_c1"], user=team["architect"], changes={"owner": stranger})
    assert error.value.message_dict == {"owner": ["The owner must be a member of the team."]}


def test_item_events_reach_webhooks(team):
    factories.EndpointFactory(events=["item.created", "item.status_changed"])
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0", "q0_c1", "q0_c3"])  # c2 open
    answer(w, "q0", team["architect"], selected=["q0_c0", "q0_c1", "q0_c2", "q0_c3"])
    events = [(d.event, d.payload["data"].get("change")) for d in Delivery.objects.order_by("pk")]
    assert events == [("item.created", None), ("item.status_changed", "resolved")]


def test_a_full_sync_changes_nothing_when_items_already_match(team):
    w = team["workload"]
    answer(w, "q0", team["architect"], selected=["q0_c0"])
    before = list(ImprovementItem.objects.values())
    result = items_sync_lens_review(lens_review=lens_review_of(w))
    assert not any(result.values())
    assert list(ImprovementItem.objects.values()) == before
