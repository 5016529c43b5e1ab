"""{% question_body %} (reviews/templatetags/answer_form.py) gives the question page's main column
exactly as its template did (tests/reviews/data/question_body_reference.html), in every state
the page has: each role, answered or not, not applicable, "none of these", first and last
question, one lens or two, a question with or without its description and link, and a plain
POST sent back invalid or in conflict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from questions.models import LensVersion, Question
from reviews import selectors
from reviews.services.answers import answer_save
from reviews.services.lens_reviews import lens_review_add
from tests import factories

pytestmark = pytest.mark.django_db

REFERENCE = engines["django"].from_string(
    (Path(__file__).parent / "data" / "question_body_reference.html").read_text()
)
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_START = '<div class="col-lg-8 col-xl-9">'
_END = "</nav>"


def _normal(html: str) -> str:
    """Whitespace between and inside tags as a browser reads it; the CSRF token (masked anew on
    every reading) left out."""
    html = _TOKEN.sub(r"\1TOKEN\2", html)
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def _column(html: str) -> str:
    start = html.index(_START) + len(_START)
    end = html.index(_END, html.index('aria-label="Previous and next question"', start))
    return html[start : end + len(_END)]


def _assert_same_as_template(response) -> str:
    # A ContextList iterates over its contexts; keys() gives the names.
    context = {key: response.context[key] for key in response.context.keys()}  # noqa: SIM118
    expected = REFERENCE.render(context, request=response.wsgi_request)
    actual = _column(response.content.decode())
    assert _normal(actual) == _normal(expected)
    return actual


@pytest.fixture
def setup(client_for):
    architect = factories.MembershipFactory(role="architect")
    lead = factories.MembershipFactory(team=architect.team, role="lead")
    version = factories.make_bank(questions=3, practices=3, publish=False)
    first = Question.objects.filter(pillar__version=version).order_by("order").first()
    Question.objects.filter(pk=first.pk).update(
        description='What the question asks, with <b>markup</b> & "quotes"',
        helpful_resource_url="https://example.com/learn?a=1&b=2",
    )
    LensVersion.objects.filter(pk=version.pk).update(
        status=LensVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    workload = factories.WorkloadFactory(team=architect.team, lens_version=version)
    questions = selectors.bank(version.pk).questions
    return {
        "architect": architect.user,
        "lead": lead.user,
        "workload": workload,
        "questions": questions,
        "clients": {"architect": client_for(architect.user), "lead": client_for(lead.user)},
    }


def _url(workload, question) -> str:
    return reverse(
        "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
    )


def _refs(question) -> list[str]:
    return [c.ref for c in question.choices.all() if not c.is_none]


def _none_ref(question) -> str:
    return next(c.ref for c in question.choices.all() if c.is_none)


@pytest.mark.parametrize("who", ["architect", "lead"])
def test_every_question_of_an_unanswered_review(setup, who):
    workload = setup["workload"]
    for question in setup["questions"]:  # first (described, linked), middle, last
        response = setup["clients"][who].get(_url(workload, question))
        assert response.status_code == 200
        html = _assert_same_as_template(response)
        assert ("hx-post=" in html) is (who == "architect")
    first = setup["clients"][who].get(_url(workload, setup["questions"][0])).content.decode()
    assert "&lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;" in first
    assert 'href="https://example.com/learn?a=1&amp;b=2"' in first


@pytest.mark.parametrize("who", ["architect", "lead"])
def test_answered_not_applicable_and_none_of_these(setup, who):
    workload, questions, architect = setup["workload"], setup["questions"], setup["architect"]
    refs = _refs(questions[0])
    answer_save(
        workload=workload,
        question=questions[0],
        data={
            "selected": [refs[0]],
            "notes": 'Notes with <tags> & "quotes"\nand a second line',
            "choices_not_applicable": {refs[1]: {"reason": "OTHER", "note": "<why>"}},
        },
        expected_version=0,
        user=architect,
    )
    answer_save(
        workload=workload,
        question=questions[1],
        data={"selected": [_none_ref(questions[1])]},
        expected_version=0,
        user=architect,
    )
    answer_save(
        workload=workload,
        question=questions[2],
        data={"is_applicable": False, "reason": "OUT_OF_SCOPE", "notes": "not here"},
        expected_version=0,
        user=architect,
    )
    for question in questions:
        response = setup["clients"][who].get(_url(workload, question))
        html = _assert_same_as_template(response)
        assert "Saved answer (version 1)." in html
    none_page = setup["clients"][who].get(_url(workload, questions[1])).content.decode()
    assert 'id="bp-none" data-none checked' in none_page


def test_two_lenses_name_the_lens(setup):
    workload, architect = setup["workload"], setup["architect"]
    lens_review_add(workload=workload, lens_version=factories.make_bank(), user=architect)
    response = setup["clients"]["architect"].get(_url(workload, setup["questions"][1]))
    html = _assert_same_as_template(response)
    assert f"{setup['questions'][1].pillar.version.name} · " in html


def test_a_plain_post_sent_back_invalid_or_in_conflict(setup):
    workload, questions, architect = setup["workload"], setup["questions"], setup["architect"]
    client = setup["clients"]["architect"]
    question = questions[1]
    refs = _refs(question)
    # Invalid: "None of these" with a practice, and an overlong note on a practice.
    invalid = client.post(
        _url(workload, question),
        {
            "version": 0,
            "selected": [refs[0], _none_ref(question)],
            "notes": "kept",
            "na_1": "on",
            "na_1_note": "x" * 300,
        },
    )
    assert invalid.status_code == 400
    html = _assert_same_as_template(invalid)
    assert 'data-state="invalid"' in html
    # Conflict: someone saved since version 0.
    answer_save(
        workload=workload,
        question=question,
        data={"selected": [refs[2]]},
        expected_version=0,
        user=architect,
    )
    conflict = client.post(_url(workload, question), {"version": 0, "selected": [refs[0]]})
    assert conflict.status_code == 409
    html = _assert_same_as_template(conflict)
    assert 'data-state="conflict"' in html
