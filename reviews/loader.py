"""Maps the ORM to the scoring dataclasses in a fixed number of queries.

``banks_for_versions`` costs 5 queries whatever the number of versions (versions, pillars,
questions, choices and rules); ``answers_for_workloads`` costs 1 whatever the number of
workloads. The dashboard scores a thousand workloads with these two calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Prefetch

from questions import rules as rule_engine
from questions.models import Choice, LensVersion, Pillar, Question, RiskRule
from reviews import scoring
from reviews.models import Answer, Milestone, Workload


def _compile(rule: RiskRule) -> rule_engine.CompiledRule:
    return rule_engine.CompiledRule(rule_engine.parse(rule.condition), rule.risk)


def banks_for_versions(version_ids: Iterable[int]) -> dict[int, scoring.Bank]:
    ids = set(version_ids)
    kinds = dict(LensVersion.objects.filter(pk__in=ids).values_list("pk", "kind"))
    pillars = (
        Pillar.objects.filter(version_id__in=ids)
        .order_by("version_id", "order", "id")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("order", "id").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("order", "id")),
                    Prefetch("risk_rules", queryset=RiskRule.objects.order_by("order", "id")),
                ),
            )
        )
    )
    by_version: dict[int, list[scoring.Pillar]] = defaultdict(list)
    for pillar in pillars:
        questions = tuple(
            scoring.Question(
                ref=q.ref,
                title=q.title,
                practices=tuple(
                    scoring.Practice(
                        ref=c.ref,
                        title=c.title,
                        risk=c.risk or None,
                        is_none=c.is_none,
                        improvement_text=c.improvement_plan_text,
                        improvement_url=c.improvement_plan_url,
                    )
                    for c in q.choices.all()
                ),
                rules=tuple(_compile(r) for r in q.risk_rules.all()),
            )
            for q in pillar.questions.all()
        )
        by_version[pillar.version_id].append(scoring.Pillar(pillar.ref, pillar.name, questions))
    return {
        vid: scoring.Bank(kind=kinds[vid], pillars=tuple(by_version.get(vid, ())))
        for vid in ids
        if vid in kinds
    }


def answer_state(answer: Answer) -> scoring.AnswerState:
    return scoring.AnswerState(
        selected=frozenset(answer.selected),
        is_applicable=answer.is_applicable,
        practices_not_applicable=frozenset(answer.choices_not_applicable),
    )


def answers_for_workloads(
    workload_ids: Iterable[int],
) -> dict[int, dict[str, scoring.AnswerState]]:
    """Each workload's answers keyed by ``scoring.answer_key``, in one query."""
    result: dict[int, dict[str, scoring.AnswerState]] = defaultdict(dict)
    # Only answers to the workload's own lens version: after a lens upgrade, answers to the old
    # version's questions may still exist and would share the same (pillar, question) ids.
    rows = Answer.objects.filter(
        workload_id__in=set(workload_ids),
        question__pillar__version_id=F("workload__lens_version_id"),
    ).values_list(
        "workload_id",
        "question__pillar__ref",
        "question__ref",
        "selected",
        "is_applicable",
        "choices_not_applicable",
    )
    for workload_id, pillar_ref, question_ref, selected, applicable, na in rows:
        result[workload_id][scoring.answer_key(pillar_ref, question_ref)] = scoring.AnswerState(
            selected=frozenset(selected),
            is_applicable=applicable,
            practices_not_applicable=frozenset(na),
        )
    return result


def results_for_workloads(workloads: Iterable[Workload]) -> dict[int, scoring.WorkloadResult]:
    """Score many workloads in 6 queries (5 for the banks, 1 for the answers)."""
    workloads = list(workloads)
    banks = banks_for_versions({w.lens_version_id for w in workloads})
    answers = answers_for_workloads(w.pk for w in workloads)
    return {
        w.pk: scoring.score_workload(banks[w.lens_version_id], answers.get(w.pk, {}))
        for w in workloads
    }


def result_for_workload(workload: Workload) -> scoring.WorkloadResult:
    return results_for_workloads([workload])[workload.pk]


def result_for_milestone(milestone: Milestone) -> scoring.WorkloadResult:
    """The result frozen in a milestone, rebuilt from its JSON snapshot without a query: the
    same numbers as when it was taken, whatever happened to the answers since."""
    return scoring.result_from_json(milestone.results)
