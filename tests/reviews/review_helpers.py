"""Small helpers to answer REL questions through the real answer service in tests."""

from __future__ import annotations

from questions.models import Question
from reviews.answer_state import EMPTY
from reviews.models import Answer, Workload
from reviews.services.answers import answer_save
from tests.factories import version_of

Q3, Q4, Q5 = "service-architecture", "prevent-interaction-failure", "mitigate-interaction-failure"


def save(workload: Workload, question_ref: str, user=None, **data) -> Answer:
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


def practices(workload: Workload, question_ref: str) -> list[str]:
    question = Question.objects.get(pillar__version_id=version_of(workload).pk, ref=question_ref)
    return list(
        question.choices.filter(is_none=False).order_by("order").values_list("ref", flat=True)
    )
