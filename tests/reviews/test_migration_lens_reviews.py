"""The lens-review migrations (reviews 0007-0009) on a database built at the old schema.

Workloads on the shipped REL bank and on an imported lens (one of them upgraded, so it keeps
an answer on the old version), answers with their history, milestones and reports are written
with the historical models at 0005; after migrating forward every item is still there, belongs
to the workload's one lens review, and scores the same; migrating back gives the old rows back.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from questions.banks import load_rel_bank
from questions.importer import lens_import
from questions.models import Choice, Question
from reviews import loader, scoring

OLD = [("reviews", "0006_workload_owner_account_ids")]
LENS = Path(__file__).parent / "data" / "lenses" / "orr-whitepaper-sample.json"

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("reviews")


def _states(rows) -> dict[str, scoring.AnswerState]:
    return {
        scoring.answer_key(a.question.pillar.ref, a.question.ref): scoring.AnswerState(
            selected=frozenset(a.selected),
            is_applicable=a.is_applicable,
            practices_not_applicable=frozenset(a.choices_not_applicable),
        )
        for a in rows
    }


def _old_database(apps):
    """Two teams' workloads at the old schema; returns what each should score."""
    rng = random.Random(11)
    Team = apps.get_model("reviews", "Team")
    Workload = apps.get_model("reviews", "Workload")
    Answer = apps.get_model("reviews", "Answer")
    AnswerChange = apps.get_model("reviews", "AnswerChange")
    Milestone = apps.get_model("reviews", "Milestone")
    Report = apps.get_model("reviews", "Report")
    rel = load_rel_bank()
    imported = lens_import(data=LENS.read_bytes(), publish=True).version
    team = Team.objects.create(name="Payments")
    expected = {}
    for n, version in enumerate([rel, imported, rel, imported]):
        workload = Workload.objects.create(
            team=team, name=f"W{n}", description="old", lens_version_id=version.pk
        )
        questions = list(Question.objects.filter(pillar__version=version).select_related("pillar"))
        for question in questions:
            if rng.random() < 0.2:
                continue
            refs = list(
                Choice.objects.filter(question=question, is_none=False).values_list(
                    "ref", flat=True
                )
            )
            applicable = rng.random() > 0.15
            answer = Answer.objects.create(
                workload=workload,
                question_id=question.pk,
                selected=[r for r in refs if rng.random() < 0.6] if applicable else [],
                is_applicable=applicable,
                reason="" if applicable else "OTHER",
                notes=f"note {n}",
                version=2,
            )
            AnswerChange.objects.create(answer=answer, version=1, before={}, after={"v": 1})
            AnswerChange.objects.create(answer=answer, version=2, before={"v": 1}, after={})
        bank = loader.banks_for_versions([version.pk])[version.pk]
        rows = Answer.objects.filter(workload=workload).select_related("question__pillar")
        result = scoring.score_workload(bank, _states(rows))
        milestone = Milestone.objects.create(
            workload=workload,
            name="Baseline",
            lens_version_id=version.pk,
            answers={"x/y": {"notes": "frozen"}},
            results=scoring.result_to_json(result),
        )
        Report.objects.create(workload=workload, lens_version_id=version.pk)
        Report.objects.create(
            workload=workload, milestone=milestone, lens_version_id=version.pk, status="ready"
        )
        expected[workload.pk] = result
    # An answer to a question of another version of the lens (as an upgrade leaves behind).
    w0 = Workload.objects.get(name="W0")
    Answer.objects.create(
        workload=w0,
        question_id=Question.objects.filter(pillar__version=imported).first().pk,
        selected=[],
        is_applicable=False,
        reason="OTHER",
        updated_at=timezone.now(),
    )
    return expected


def _without_lens_prefix(result: scoring.WorkloadResult):
    return [(q.pillar_ref.split(":", 1)[1], q.ref, q.risk, q.practices) for q in result.questions]


def test_every_item_survives_and_scores_the_same_both_ways():
    old_apps = _migrate(OLD)
    expected = _old_database(old_apps)
    OldAnswer = old_apps.get_model("reviews", "Answer")
    before_answers = sorted(
        OldAnswer.objects.values_list("pk", "workload_id", "question_id", "selected", "version")
    )
    OldChange = old_apps.get_model("reviews", "AnswerChange")
    before_changes = sorted(OldChange.objects.values_list("pk", "answer_id", "version"))
    OldMilestone = old_apps.get_model("reviews", "Milestone")
    before_milestones = sorted(
        OldMilestone.objects.values_list("pk", "workload_id", "lens_version_id", "results")
    )
    OldReport = old_apps.get_model("reviews", "Report")
    before_reports = sorted(
        OldReport.objects.values_list("pk", "workload_id", "milestone_id", "lens_version_id")
    )

    _migrate(_latest())
    from reviews.models import Answer, AnswerChange, LensReview, Milestone, Report, Workload

    for workload in Workload.objects.all():
        (review,) = LensReview.objects.filter(workload=workload)
        old = expected[workload.pk]
        now = loader.result_for_workload(workload)
        assert _without_lens_prefix(now) == [
            (q.pillar_ref, q.ref, q.risk, q.practices) for q in old.questions
        ]
        assert (now.counts, now.score) == (dict(old.counts), old.score)
        assert review.counts == dict(old.counts) == workload.counts
        milestone = Milestone.objects.get(workload=workload)
        frozen = milestone.lenses.get()
        assert frozen.lens_review == review
        assert loader.result_for_milestone_lens(frozen) == old
        assert frozen.answers == {"x/y": {"notes": "frozen"}}
        assert Report.objects.filter(workload=workload).count() == 2
    # Every answer (the stray one too) and every history row is still there.
    assert (
        sorted(
            (a.pk, a.lens_review.workload_id, a.question_id, a.selected, a.version)
            for a in Answer.objects.select_related("lens_review")
        )
        == before_answers
    )
    assert sorted(AnswerChange.objects.values_list("pk", "answer_id", "version")) == (
        before_changes
    )
    assert call_command("recompute_counts", "--check") is None  # no drift

    back = _migrate(OLD)
    assert (
        sorted(
            back.get_model("reviews", "Answer").objects.values_list(
                "pk", "workload_id", "question_id", "selected", "version"
            )
        )
        == before_answers
    )
    assert (
        sorted(
            back.get_model("reviews", "Milestone").objects.values_list(
                "pk", "workload_id", "lens_version_id", "results"
            )
        )
        == before_milestones
    )
    assert (
        sorted(
            back.get_model("reviews", "Report").objects.values_list(
                "pk", "workload_id", "milestone_id", "lens_version_id"
            )
        )
        == before_reports
    )
    assert (
        sorted(
            back.get_model("reviews", "AnswerChange").objects.values_list(
                "pk", "answer_id", "version"
            )
        )
        == before_changes
    )
    _migrate(_latest())
