"""Workloads answered for report tests: the REL 3-5 bank with known risks and notes."""

from __future__ import annotations

from questions.models import Question
from reviews.models import Answer, Workload
from tests import factories
from tests.factories import lens_review_of

# Followed practices per question: REL 3 misses a Medium practice, REL 4 a High one, REL 5 a
# Medium one -> 1 high risk, 2 medium risk.
FOLLOWED = {
    "service-architecture": [
        "rel_service_architecture_monolith_soa_microservice",
        "rel_service_architecture_business_domains",
    ],
    "prevent-interaction-failure": [
        "rel_prevent_interaction_failure_identify",
        "rel_prevent_interaction_failure_constant_work",
        "rel_prevent_interaction_failure_idempotent",
    ],
    "mitigate-interaction-failure": [
        "rel_mitigate_interaction_failure_graceful_degradation",
        "rel_mitigate_interaction_failure_throttle_requests",
        "rel_mitigate_interaction_failure_limit_retries",
        "rel_mitigate_interaction_failure_fail_fast",
        "rel_mitigate_interaction_failure_client_timeouts",
        "rel_mitigate_interaction_failure_stateless",
    ],
}
EXPECTED_HIGH = 1
EXPECTED_MEDIUM = 2
EXPECTED_PLAN = [
    "Implement loosely coupled dependencies",
    "Provide service contracts per API",
    "Implement emergency levers",
]


def answered_rel_workload(
    version, *, team=None, name: str = "Payments Platform", notes: str | None = None
) -> Workload:
    """A workload on ``version`` (the REL 3-5 bank) answered as in ``FOLLOWED``."""
    workload = factories.WorkloadFactory(
        name=name, lens_version=version, **({"team": team} if team else {})
    )
    for question in Question.objects.filter(pillar__version=version):
        Answer.objects.create(
            lens_review=lens_review_of(workload),
            question=question,
            selected=FOLLOWED[question.ref],
            notes=notes if notes is not None else f"Reviewed {question.ref} with the team.",
        )
    return factories.store_counts(workload)


def question_titles(version) -> list[str]:
    return list(
        Question.objects.filter(pillar__version=version)
        .order_by("pillar__order", "order")
        .values_list("title", flat=True)
    )


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF with whitespace collapsed (titles wrap across lines)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def plan_titles(workload: Workload) -> list[str]:
    """The workload's improvement plan as scoring computes it, so a test checks every item
    rather than a list that could fall behind the bank."""
    from reviews import loader

    return [item.practice_title for item in loader.result_for_workload(workload).improvement_plan]
