"""``manage.py backfill_items``: items for answers saved before items existed, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import AuditEvent
from config.models import OutboxMessage
from questions.models import Question
from reviews.models import Answer, ImprovementItem
from tests import factories
from tests.factories import lens_review_of, version_of
from tests.reviews.test_items import answer
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def _old_answer(workload, question_ref: str, selected: list[str]) -> None:
    """An answer as it was stored before items existed: the row, no items."""
    question = Question.objects.get(pillar__version=version_of(workload), ref=question_ref)
    Answer.objects.create(
        lens_review=lens_review_of(workload), question=question, selected=selected
    )


def _items(workload) -> list[tuple[str, str, str, bool]]:
    """(question, practice, risk, resolved by the answer) of each item."""
    rows = ImprovementItem.objects.filter(workload=workload).values_list(
        "question_ref", "practice_ref", "risk", "resolved_at"
    )
    return sorted((q, p, risk, resolved is not None) for q, p, risk, resolved in rows)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("backfill_items", *args, stdout=out)
    return out.getvalue()


def test_backfill_creates_the_items_an_answer_save_would_have(architect):
    factories.EndpointFactory(events=["item.created"])
    old = factories.WorkloadFactory(team=architect.memberships.get().team, name="Old")
    _old_answer(old, "q0", ["q0_c0"])
    _old_answer(old, "q1", ["q1_no"])
    twin = factories.WorkloadFactory(team=old.team)
    answer(twin, "q0", architect, selected=["q0_c0"])
    answer(twin, "q1", architect, selected=["q1_no"])
    deliveries = Delivery.objects.count()

    output = _run()

    assert _items(old) == _items(twin) and len(_items(old)) == 7
    assert f"lens review {lens_review_of(old).pk} (Old / " in output
    assert "7 item(s) created, 0 resolved, 0 reopened, 0 re-rated in 1 lens review(s)." in output
    created = AuditEvent.objects.filter(action="item.created", data__via="backfill_items")
    assert created.count() == 7 and not created.filter(actor__isnull=False).exists()
    assert Delivery.objects.count() == deliveries + 7  # item.created, as for a save

    again = _run()

    assert "0 item(s) created, 0 resolved, 0 reopened, 0 re-rated in 0 lens review(s)." in again
    assert ImprovementItem.objects.count() == 14
    assert AuditEvent.objects.filter(data__via="backfill_items").count() == 7


def test_check_reports_the_drift_and_changes_nothing(architect):
    factories.EndpointFactory(events=["item.created", "item.status_changed"])
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    answer(workload, "q2", architect, selected=["q2_c0"])  # 3 items, kept in line by the save
    _old_answer(workload, "q0", ["q0_c0", "q0_c1"])  # 2 items missing
    # An item the answer no longer calls for (a manual SQL fix that ticked the practice).
    Answer.objects.filter(question__ref="q2").update(selected=["q2_c0", "q2_c1"])
    before = (
        list(ImprovementItem.objects.values()),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
        OutboxMessage.objects.count(),
    )

    with pytest.raises(SystemExit) as exit_code:
        _run("--check")

    assert exit_code.value.code == 1
    after = (
        list(ImprovementItem.objects.values()),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
        OutboxMessage.objects.count(),
    )
    assert after == before

    output = _run("--workload", str(workload.pk))

    assert ": 2 created, 1 resolved" in output
    assert ("q2", "q2_c1", "MEDIUM", True) in _items(workload)
    assert "0 lens review(s) out of date" in _run("--check")  # exit 0: nothing drifted
