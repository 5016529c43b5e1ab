"""Every questionnaire page, the overview and the workload list run a fixed number of SQL
queries whatever the size of the bank: the same count for 3 native and 40 imported questions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from questions.models import Question
from reviews.services.answers import answer_save
from tests import factories

BANKS = [
    pytest.param({"questions": 3, "kind": "native"}, id="3-native"),
    pytest.param({"questions": 40, "practices": 6, "kind": "imported"}, id="40-imported"),
]


@pytest.fixture(params=BANKS)
def setup(request, db):
    membership = factories.MembershipFactory(role="architect")
    version = factories.make_bank(**request.param)
    workload = factories.WorkloadFactory(team=membership.team, lens_version=version)
    questions = list(
        Question.objects.filter(pillar__version=version).select_related("pillar").order_by("order")
    )
    # Answer every question but the last, so navigation has every state to show.
    for i, question in enumerate(questions[:-1]):
        data = (
            {"is_applicable": False, "reason": "OTHER"}
            if i % 3 == 2
            else {"selected": [f"q{i}_c0", f"q{i}_c1"], "notes": "n"}
        )
        answer_save(
            workload=workload,
            question=question,
            data=data,
            expected_version=0,
            user=membership.user,
        )
    # Another workload of the team so the list has more than one row.
    factories.WorkloadFactory(team=membership.team, lens_version=factories.make_bank())
    client = Client()
    client.force_login(membership.user)
    return workload, questions, client


def _question_url(workload, question, suffix=""):
    name = "reviews:question_history" if suffix else "reviews:question"
    return reverse(name, kwargs={"workload_id": workload.pk, "question_id": question.pk})


# Common to every page: 1 session, 1 user, 1 workload with the user's role.
# navigation_for: 6 for the scored workload (loader) + 1 for the question ids.


def test_question_page_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # + question, its choices, its answer, newer lens version
    with django_assert_num_queries(14):
        response = client.get(_question_url(workload, questions[1]))
    assert response.status_code == 200


def test_autosave_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    url = _question_url(workload, questions[0])
    # + question, choices; save: savepoint, answer, conditional update, history row,
    # workload bump, release; + navigation (7) for the refreshed side bar
    with django_assert_num_queries(18):
        response = client.post(url, {"version": 1, "selected": ["q0_c2"]}, HTTP_HX_REQUEST="true")
    assert "Saved" in response.content.decode()


def test_plain_post_save_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    url = _question_url(workload, questions[0])
    # + question, choices; save (6, as above); no navigation: a redirect follows
    with django_assert_num_queries(11):
        response = client.post(url, {"version": 1, "selected": ["q0_c2"]})
    assert response.status_code == 302


def test_history_page_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # + question, its choices, the changes with their authors
    with django_assert_num_queries(6):
        response = client.get(_question_url(workload, questions[0], "history"))
    assert response.status_code == 200


def test_overview_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # + navigation (7) + newer lens version
    with django_assert_num_queries(11):
        response = client.get(reverse("reviews:workload_overview", args=[workload.pk]))
    assert response.status_code == 200
    assert f"{len(questions) - 1} of {len(questions)} answered" in response.content.decode()


def test_workload_list_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # 1 session, 1 user, 1 workloads, 6 scoring (loader), 1 may-create check
    with django_assert_num_queries(10):
        response = client.get(reverse("reviews:workload_list"))
    assert len(response.context["rows"]) == 2


@pytest.mark.parametrize(
    "name, expected",
    [
        # session, user, default lens (REL, then any: no REL bank here), team options,
        # lens version options (with their lens)
        ("workload_new", 6),
        # session, user, workload
        ("workload_edit", 3),
        ("workload_archive", 3),
    ],
)
def test_workload_form_pages_query_count(setup, django_assert_num_queries, name, expected):
    workload, questions, client = setup
    args = [] if name == "workload_new" else [workload.pk]
    with django_assert_num_queries(expected):
        response = client.get(reverse(f"reviews:{name}", args=args))
    assert response.status_code == 200


def test_upgrade_preview_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    from tests.reviews.test_upgrade import next_version

    next_version(workload.lens_version, {"q0": ["q0_c0", "q0_no"], "q99": ["q99_c0"]})
    # session, user, workload, newer version; plan: old and new questions, old and new
    # choices, answers; the template's lens name
    with django_assert_num_queries(9):
        response = client.get(reverse("reviews:workload_upgrade", args=[workload.pk]))
    assert response.status_code == 200
    assert len(response.context["plan"].dropped_questions) == len(questions) - 2
