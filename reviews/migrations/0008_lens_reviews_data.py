"""Lens reviews, step 2 of 3: every workload gets one lens review of its lens version.

Forward: a ``LensReview`` per workload (added by its creator, when it was created) with its
stored risk counts; every answer moves to it (history rows follow their answer); every
milestone's snapshot becomes its one ``MilestoneLens``; the workload's counts are its lens
review's. Reports need nothing: they belong to the workload (and maybe a milestone).

Backward: the first lens review of each workload gives back the workload's, the milestones'
and the reports' lens version; answers go back to the workload. A workload that had gained
more lenses keeps their answers stored but reviews only the first lens again.
"""

from collections import defaultdict

from django.db import migrations

from questions import rules as rule_engine
from reviews import scoring
from reviews.vocab import Risk

RISKS = tuple(Risk)


def _banks(apps, version_ids):
    """The scoring input of each lens version, from the historical models."""
    LensVersion = apps.get_model("questions", "LensVersion")
    Pillar = apps.get_model("questions", "Pillar")
    Question = apps.get_model("questions", "Question")
    Choice = apps.get_model("questions", "Choice")
    RiskRule = apps.get_model("questions", "RiskRule")
    kinds = dict(LensVersion.objects.filter(pk__in=version_ids).values_list("pk", "kind"))
    choices = defaultdict(list)
    for c in Choice.objects.filter(question__pillar__version_id__in=version_ids).order_by(
        "order", "id"
    ):
        choices[c.question_id].append(
            scoring.Practice(c.ref, c.title, c.risk or None, c.is_none)
        )
    rules = defaultdict(list)
    for r in RiskRule.objects.filter(question__pillar__version_id__in=version_ids).order_by(
        "order", "id"
    ):
        rules[r.question_id].append(
            rule_engine.CompiledRule(rule_engine.parse(r.condition), r.risk)
        )
    questions = defaultdict(list)
    for q in Question.objects.filter(pillar__version_id__in=version_ids).order_by("order", "id"):
        questions[q.pillar_id].append(
            scoring.Question(q.ref, q.title, tuple(choices[q.pk]), tuple(rules[q.pk]))
        )
    pillars = defaultdict(list)
    for p in Pillar.objects.filter(version_id__in=version_ids).order_by("order", "id"):
        pillars[p.version_id].append(scoring.Pillar(p.ref, p.name, tuple(questions[p.pk])))
    return {
        vid: scoring.Bank(kind=kinds[vid], pillars=tuple(pillars[vid])) for vid in version_ids
    }


def forward(apps, schema_editor):
    Workload = apps.get_model("reviews", "Workload")
    LensReview = apps.get_model("reviews", "LensReview")
    Answer = apps.get_model("reviews", "Answer")
    Milestone = apps.get_model("reviews", "Milestone")
    MilestoneLens = apps.get_model("reviews", "MilestoneLens")
    workloads = list(Workload.objects.select_related("lens_version").order_by("pk"))
    banks = _banks(apps, {w.lens_version_id for w in workloads})
    answers = defaultdict(dict)
    # Keyed by lens version too: after an upgrade, answers to the old version's questions
    # stay stored and must not be scored with the new version.
    for a in Answer.objects.select_related("question__pillar"):
        answers[(a.workload_id, a.question.pillar.version_id)][
            scoring.answer_key(a.question.pillar.ref, a.question.ref)
        ] = scoring.AnswerState(
            selected=frozenset(a.selected),
            is_applicable=a.is_applicable,
            practices_not_applicable=frozenset(a.choices_not_applicable or {}),
        )
    for workload in workloads:
        result = scoring.score_workload(
            banks[workload.lens_version_id],
            answers.get((workload.pk, workload.lens_version_id), {}),
        )
        counts = {f"{risk.lower()}_count": result.counts[risk] for risk in RISKS}
        review = LensReview.objects.create(
            workload=workload,
            lens_id=workload.lens_version.lens_id,
            lens_version_id=workload.lens_version_id,
            position=0,
            added_by_id=workload.created_by_id,
            added_at=workload.created_at,
            updated_at=workload.updated_at,
            **counts,
        )
        Workload.objects.filter(pk=workload.pk).update(**counts)
        Answer.objects.filter(workload_id=workload.pk).update(lens_review=review)
        MilestoneLens.objects.bulk_create(
            MilestoneLens(
                milestone=milestone,
                lens_review=review,
                lens_version_id=milestone.lens_version_id,
                position=0,
                answers=milestone.answers,
                results=milestone.results,
            )
            for milestone in Milestone.objects.filter(workload_id=workload.pk)
        )


def backward(apps, schema_editor):
    Workload = apps.get_model("reviews", "Workload")
    LensReview = apps.get_model("reviews", "LensReview")
    Answer = apps.get_model("reviews", "Answer")
    Milestone = apps.get_model("reviews", "Milestone")
    MilestoneLens = apps.get_model("reviews", "MilestoneLens")
    Report = apps.get_model("reviews", "Report")
    first = {}
    reviews = sorted(
        LensReview.objects.all(), key=lambda r: (r.removed_at is not None, r.position, r.pk)
    )
    for review in reviews:
        first.setdefault(review.workload_id, review)
    for workload_id, review in first.items():
        Workload.objects.filter(pk=workload_id).update(lens_version_id=review.lens_version_id)
    for review in LensReview.objects.all():
        Answer.objects.filter(lens_review=review).update(workload_id=review.workload_id)
    for milestone in Milestone.objects.all():
        frozen = (
            MilestoneLens.objects.filter(milestone=milestone).order_by("position", "pk").first()
        )
        if frozen is None:
            continue
        milestone.lens_version_id = frozen.lens_version_id
        milestone.answers = frozen.answers
        milestone.results = frozen.results
        milestone.save(update_fields=["lens_version", "answers", "results"])
    for report in Report.objects.select_related("milestone", "workload"):
        report.lens_version_id = (
            report.milestone.lens_version_id if report.milestone else report.workload.lens_version_id
        )
        report.save(update_fields=["lens_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_lens_reviews"),
    ]

    operations = [migrations.RunPython(forward, backward)]
