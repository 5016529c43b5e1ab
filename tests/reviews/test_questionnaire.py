"""The guided questionnaire: pages, autosave, plain POST, invalid input, history, overview."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from questions.models import Question
from reviews.models import Answer, Workload
from tests import factories

REL3 = "service-architecture"
REL4 = "prevent-interaction-failure"
REL5 = "mitigate-interaction-failure"


def question_url(workload, question) -> str:
    return reverse(
        "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
    )


def rel_questions(version) -> dict[str, Question]:
    return {q.ref: q for q in Question.objects.filter(pillar__version=version)}


def test_full_review_through_the_views_ends_at_three_of_three(rel_bank, db):
    membership = factories.MembershipFactory(role="architect")
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": membership.user.username, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302

    response = client.post(
        reverse("reviews:workload_new"),
        {
            "name": "Checkout",
            "description": "Takes orders and payments",
            "team": membership.team.pk,
            "environment": "PRODUCTION",
            "lens_version": rel_bank.pk,
            "regions": "eu-west-1, eu-central-1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    workload = Workload.objects.get(name="Checkout")
    assert workload.lens_version == rel_bank
    assert workload.regions == ["eu-west-1", "eu-central-1"]
    questions = rel_questions(rel_bank)

    # REL 3: two practices ticked, the third marked not applicable with a note.
    response = client.post(
        question_url(workload, questions[REL3]),
        {
            "version": 0,
            "selected": [
                "rel_service_architecture_monolith_soa_microservice",
                "rel_service_architecture_business_domains",
            ],
            "na_2": "on",
            "na_2_reason": "ARCHITECTURE_CONSTRAINTS",
            "na_2_note": "Internal service, no public API",
            "notes": "Split into three services in 2024.",
        },
    )
    assert response.status_code == 302
    # REL 4: "None of these".
    response = client.post(
        question_url(workload, questions[REL4]),
        {"version": 0, "selected": ["rel_prevent_interaction_failure_no"]},
    )
    assert response.status_code == 302
    # REL 5: the question does not apply.
    response = client.post(
        question_url(workload, questions[REL5]),
        {"version": 0, "not_applicable": "on", "reason": "BUSINESS_PRIORITIES"},
    )
    assert response.status_code == 302

    page = client.get(reverse("reviews:workload_overview", kwargs={"workload_id": workload.pk}))
    assert "3 of 3 answered" in page.content.decode()

    answers = {a.question.ref: a for a in Answer.objects.filter(workload=workload)}
    assert answers[REL3].selected == [
        "rel_service_architecture_monolith_soa_microservice",
        "rel_service_architecture_business_domains",
    ]
    assert answers[REL3].choices_not_applicable == {
        "rel_service_architecture_api_contracts": {
            "reason": "ARCHITECTURE_CONSTRAINTS",
            "note": "Internal service, no public API",
        }
    }
    assert answers[REL3].notes == "Split into three services in 2024."
    assert answers[REL4].selected == ["rel_prevent_interaction_failure_no"]
    assert answers[REL4].is_applicable is True
    assert answers[REL5].is_applicable is False
    assert answers[REL5].reason == "BUSINESS_PRIORITIES"
    assert answers[REL5].selected == []
    assert {a.version for a in answers.values()} == {1}


@pytest.fixture
def review(db):
    """An architect, their workload on a 3-question native bank and a logged-in client."""
    membership = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=membership.team)
    questions = list(Question.objects.filter(pillar__version=workload.lens_version))
    client = Client()
    client.force_login(membership.user)
    return membership.user, workload, questions, client


def test_question_page_lists_every_question_with_state_and_risk_text(review):
    user, workload, questions, client = review
    client.post(question_url(workload, questions[0]), {"version": 0, "selected": ["q0_c0"]})
    client.post(
        question_url(workload, questions[1]),
        {"version": 0, "not_applicable": "on", "reason": "OTHER"},
    )
    page = client.get(question_url(workload, questions[2])).content.decode()
    for question in questions:
        assert question.title in page
    assert "Answered" in page and "Not applicable" in page and "Unanswered" in page
    # Risk shown as text in a badge, not only as colour.
    assert "risk-badge risk-HIGH" in page and ">High risk<" in page
    assert "2 of 3 answered" in page
    assert 'aria-current="page"' in page
