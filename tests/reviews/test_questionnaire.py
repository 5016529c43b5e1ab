"""The guided questionnaire: pages, autosave, plain POST, invalid input, history, overview."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from questions.models import Question
from reviews.models import Answer, AnswerChange, Workload
from tests import factories
from tests.factories import lens_review_of, version_of

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
        reverse("account_login"),
        {"login": membership.user.username, "password": "correct-horse-battery"},
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
    assert version_of(workload) == rel_bank
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

    answers = {a.question.ref: a for a in Answer.objects.filter(lens_review__workload=workload)}
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
    questions = list(Question.objects.filter(pillar__version=version_of(workload)))
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


def _snapshot():
    return (
        list(Answer.objects.values_list("pk", "version", "selected", "is_applicable", "notes")),
        AnswerChange.objects.count(),
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"selected": ["q0_c0", "nope"]}, "Unknown best practice id: nope"),
        ({"selected": ["q0_c0", "q0_no"]}, '"None of these" cannot be combined'),
        ({"not_applicable": "on"}, "Choose why this question does not apply"),
        ({"not_applicable": "on", "reason": "BECAUSE"}, "Select a valid choice"),
        ({"na_0": "on"}, "is marked not applicable: choose a reason"),
        ({"selected": ["q0_c1"], "notes": "x" * 2085}, "Notes are limited to 2084 characters"),
        (
            {"na_0": "on", "na_0_reason": "OTHER", "na_0_note": "y" * 251},
            "limited to 250 characters",
        ),
        ({"selected": ["q0_c1"], "version": ""}, "This page is out of date"),
        ({"selected": ["q0_c1"], "version": "abc"}, "This page is out of date"),
        ({"selected": ["q0_c1"], "version": "-1"}, "This page is out of date"),
        # "²" passes str.isdigit() but not int(): it used to be a 500.
        ({"selected": ["q0_c1"], "replace_version": "²"}, "This page is out of date"),
        ({"selected": ["q0_c1"], "replace_version": "-3"}, "This page is out of date"),
        ({"selected": ["q0_c1"], "notes": "a\x00b"}, "Null characters are not allowed"),
        ({"selected": ["q0_c1\x00"]}, "Unknown best practice id"),
        (
            {"selected": ["q0_no", "q0_c1"], "not_applicable": "on", "reason": "OTHER"},
            '"None of these" cannot be combined',
        ),
        (
            {"selected": ["q0_no"], "na_1": "on", "na_1_reason": "OTHER"},
            '"None of these" cannot be combined with best practices marked not applicable',
        ),
    ],
    ids=[
        "unknown-practice",
        "none-plus-practice",
        "na-without-reason",
        "na-unknown-reason",
        "practice-na-without-reason",
        "notes-too-long",
        "practice-note-too-long",
        "missing-version",
        "version-not-a-number",
        "version-negative",
        "replace-version-superscript",
        "replace-version-negative",
        "notes-null-character",
        "practice-null-character",
        "none-plus-practice-on-na-question",
        "none-plus-practice-not-applicable",
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_invalid_posts_get_a_clear_message_and_change_nothing(review, data, message, htmx):
    user, workload, questions, client = review
    url = question_url(workload, questions[0])
    client.post(url, {"version": 0, "selected": ["q0_c2"], "notes": "kept"})
    before = _snapshot()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, {"version": 1, **data}, **headers)
    body = html.unescape(response.content.decode())
    assert response.status_code == (200 if htmx else 400)
    assert "Not saved" in body
    assert message in body, body[:3000]
    assert _snapshot() == before


def test_invalid_post_keeps_the_users_input_on_the_page(review):
    user, workload, questions, client = review
    body = client.post(
        question_url(workload, questions[0]),
        {"version": 0, "selected": ["q0_c0", "q0_no"], "notes": "my draft"},
    ).content.decode()
    assert "my draft" in body
    assert 'value="q0_c0" id="bp-0" data-practice checked' in body


def test_a_question_of_another_lens_is_refused_with_a_message(review):
    user, workload, questions, client = review
    stranger = factories.make_bank(questions=1)
    foreign = Question.objects.select_related("pillar").get(pillar__version=stranger)
    url = question_url(workload, foreign)
    for response in (client.get(url), client.post(url, {"version": 0, "selected": ["q0_c0"]})):
        assert response.status_code == 404
        assert "not part of this review" in response.content.decode()
    assert not Answer.objects.exists()

    from django.core.exceptions import ValidationError

    from reviews.services.answers import answer_save

    with pytest.raises(ValidationError, match="not part of the lens version"):
        answer_save(
            workload=workload,
            question=foreign,
            data={"selected": ["q0_c0"]},
            expected_version=0,
            user=user,
        )
    assert not Answer.objects.exists() and not AnswerChange.objects.exists()


def test_htmx_save_returns_status_new_version_and_updated_navigation(review):
    user, workload, questions, client = review
    response = client.post(
        question_url(workload, questions[0]),
        {"version": 0, "selected": ["q0_c0"]},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Saved" in body and 'aria-live="polite"' in body
    assert 'name="version" value="1" id="answer-version" hx-swap-oob="true"' in body
    # Out of band, only what the save changed: the question's state in the side navigation,
    # its pillar's count and the progress; not the whole navigation.
    assert 'id="question-nav"' not in body
    q = questions[0]
    assert f'id="nav-state-{q.pk}" hx-swap-oob="true"' in body and "High risk" in body
    review_id = lens_review_of(workload).pk
    assert f'id="nav-pillar-{review_id}-{q.pillar_id}" hx-swap-oob="true">(1/3)' in body
    assert 'id="review-progress" hx-swap-oob="true"' in body and "1 of 3 answered" in body
    # Each swapped id exists on the full page, which the browser journeys exercise.
    page = client.get(question_url(workload, q)).content.decode()
    for element in (f'id="nav-state-{q.pk}"', f'id="nav-pillar-{review_id}-{q.pillar_id}"'):
        assert element in page
    workload_before = workload.updated_at
    workload.refresh_from_db()
    assert workload.updated_at > workload_before


def test_resaving_the_same_answer_adds_no_version_or_history(review):
    user, workload, questions, client = review
    url = question_url(workload, questions[0])
    client.post(url, {"version": 0, "selected": ["q0_c0"]}, HTTP_HX_REQUEST="true")
    # The same data again, even from the old version (a double autosave), is harmless.
    response = client.post(url, {"version": 0, "selected": ["q0_c0"]}, HTTP_HX_REQUEST="true")
    assert "Saved" in response.content.decode()
    assert Answer.objects.get().version == 1
    assert AnswerChange.objects.count() == 1


def test_save_and_next_moves_to_the_next_question(review):
    user, workload, questions, client = review
    response = client.post(
        question_url(workload, questions[0]), {"version": 0, "selected": ["q0_c0"], "go": "next"}
    )
    assert response["Location"] == question_url(workload, questions[1])
    htmx = client.post(
        question_url(workload, questions[1]),
        {"version": 0, "selected": ["q1_c0"], "go": "next"},
        HTTP_HX_REQUEST="true",
    )
    assert htmx["HX-Redirect"] == question_url(workload, questions[2])


def test_previous_and_next_links_follow_the_bank_order(review):
    user, workload, questions, client = review
    page = client.get(question_url(workload, questions[1])).content.decode()
    assert f'href="{question_url(workload, questions[0])}" rel="prev"' in page
    assert f'href="{question_url(workload, questions[2])}" rel="next"' in page


def test_history_shows_who_when_before_and_after(review):
    user, workload, questions, client = review
    url = question_url(workload, questions[0])
    client.post(url, {"version": 0, "selected": ["q0_c0"]})
    client.post(url, {"version": 1, "not_applicable": "on", "reason": "OUT_OF_SCOPE"})
    changes = list(AnswerChange.objects.order_by("version"))
    assert [c.version for c in changes] == [1, 2]
    assert changes[1].before["selected"] == ["q0_c0"] and changes[1].after["is_applicable"] is False
    assert all(c.changed_by == user for c in changes)
    page = client.get(
        reverse(
            "reviews:question_history",
            kwargs={"workload_id": workload.pk, "question_id": questions[0].pk},
        )
    ).content.decode()
    assert user.username in page
    assert "Ticked: Practice 0.0" in page
    assert "Question does not apply (Out of scope)" in page
    assert page.index("version 2") < page.index("version 1")


def test_overview_counts_and_continues_at_the_first_unanswered_question(review):
    user, workload, questions, client = review
    client.post(question_url(workload, questions[0]), {"version": 0, "selected": ["q0_no"]})
    page = client.get(reverse("reviews:workload_overview", kwargs={"workload_id": workload.pk}))
    body = page.content.decode()
    assert "1 of 3 answered" in body
    assert "Continue where you left off" in body
    assert page.context["continue_at"].pk == questions[1].pk


def test_without_javascript_a_plain_post_saves_redirects_and_says_so(review):
    user, workload, questions, client = review
    url = question_url(workload, questions[0])
    response = client.post(
        url,
        {"version": 0, "selected": ["q0_c0"], "na_1": "on", "na_1_reason": "OTHER"},
        follow=True,
    )
    assert response.redirect_chain == [(url, 302)]
    body = response.content.decode()
    assert "Your answer is saved." in body
    # The page now carries the new version, so the next plain POST is not a conflict.
    assert 'name="version" value="1"' in body
    answer = Answer.objects.get()
    assert (answer.selected, answer.choices_not_applicable) == (
        ["q0_c0"],
        {"q0_c1": {"reason": "OTHER", "note": ""}},
    )
