"""Every questionnaire page, the overview and the workload list run a fixed number of SQL
queries whatever the size of the bank: the same count for 3 native and 40 imported questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from questions.importer import lens_import
from questions.models import Question
from reviews.services.answers import answer_save
from tests import factories
from tests.factories import lens_review_of, version_of

COGNITO = Path(__file__).parent / "data" / "lenses" / "cognito-v1.0.json"
BANKS = [
    pytest.param({"questions": 3, "kind": "native"}, id="3-native"),
    pytest.param({"questions": 40, "practices": 6, "kind": "imported"}, id="40-imported"),
    # A real custom lens through the importer: 42 questions over several pillars.
    pytest.param(COGNITO, id="42-cognito-lens-file"),
]


def _bank(param):
    if isinstance(param, Path):
        version = lens_import(data=param.read_bytes(), publish=True).version
        assert Question.objects.filter(pillar__version=version).count() == 42
        return version
    return factories.make_bank(**param)


@pytest.fixture(params=BANKS)
def setup(request, db):
    membership = factories.MembershipFactory(role="architect")
    version = _bank(request.param)
    workload = factories.WorkloadFactory(team=membership.team, lens_version=version)
    questions = list(
        Question.objects.filter(pillar__version=version)
        .select_related("pillar")
        .prefetch_related("choices")
        .order_by("pillar__order", "order")
    )
    # Answer every question but the last, so navigation has every state to show.
    for i, question in enumerate(questions[:-1]):
        practices = sorted((c for c in question.choices.all() if not c.is_none), key=_order)
        data = (
            {"is_applicable": False, "reason": "OTHER"}
            if i % 3 == 2
            else {"selected": [c.ref for c in practices[:2]], "notes": "n"}
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


def _order(choice):
    return (choice.order, choice.pk)


def _third(question) -> str:
    """A practice the setup did not tick, so the save makes a change."""
    return sorted((c for c in question.choices.all() if not c.is_none), key=_order)[2].ref


def _question_url(workload, question, suffix=""):
    name = "reviews:question_history" if suffix else "reviews:question"
    return reverse(name, kwargs={"workload_id": workload.pk, "question_id": question.pk})


# Common to every page: 1 session, 1 user, 1 workload with the user's role (and, on question
# pages, the active lens review that holds the question: its choices and rules come from the
# process's bank cache, warm here since the setup saved answers).
# navigation_for: the active lens reviews with their lenses' newest published versions (for
# the upgrade notice) and their current answers (1 on PostgreSQL, the answers as one JSON array
# per lens review; 2 elsewhere), whatever the number of lenses.


def test_question_page_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # the workload query also reads its answer; + navigation (1)
    with django_assert_num_queries(QUESTION_PAGE_QUERIES):
        response = client.get(_question_url(workload, questions[1]))
    assert response.status_code == 200


QUESTION_PAGE_QUERIES = 4  # 7 before issue 12, 5 before the navigation's answers joined


def test_question_page_builds_the_bank_once_per_process(setup, django_assert_num_queries):
    from reviews.selectors import bank_cache

    workload, questions, client = setup
    bank_cache.clear()
    # A cold process builds the bank once (lens version, pillars, questions, choices, rules)...
    with django_assert_num_queries(QUESTION_PAGE_QUERIES + 5):
        client.get(_question_url(workload, questions[1]))
    # ... and every later page of any question of the version reads it from memory.
    with django_assert_num_queries(QUESTION_PAGE_QUERIES):
        client.get(_question_url(workload, questions[0]))


# A save as production sends it (tests.queries.production_queries: without the savepoint that
# only exists inside the test's transaction): session, user; the workload with the role and the
# lens review holding the question, which also reads what the save needs (the stored counts,
# the answer, the question's items: answers.save_read_join); then answer_save's one write that
# locks the workload and the lens review and writes the answer, its history row, the counts and
# stamps, the items it resolves or reopens and their audit rows.
SAVE_QUERIES = 4
# Improvement items created by the save (reviews.services.items.item_changes_store), only when
# the answer puts a practice at risk that had no item; here two practices are unticked and one
# ticked: one INSERT of the two new items and one INSERT of their audit rows (the third item's
# resolution is in the save's write; no webhook endpoint: no endpoint query). 3 before.
ITEM_QUERIES = 2


def _sent(client, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.queries import production_queries

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(*args, **kwargs)
    return response, production_queries(ctx.captured_queries)


def test_autosave_query_count(setup):
    workload, questions, client = setup
    url = _question_url(workload, questions[0])
    # The response swaps in the question's state, counts and progress from the save's own
    # figures: no navigation query.
    response, sent = _sent(
        client, url, {"version": 1, "selected": [_third(questions[0])]}, HTTP_HX_REQUEST="true"
    )
    assert "Saved" in response.content.decode()
    assert len(sent) == SAVE_QUERIES + ITEM_QUERIES <= 8, sent


def test_autosave_that_moves_no_item_query_count(setup):
    workload, questions, client = setup
    question = questions[0]
    url = _question_url(workload, question)
    picked = [c.ref for c in sorted(question.choices.all(), key=_order) if not c.is_none][:2]
    response, sent = _sent(
        client,
        url,
        {"version": 1, "selected": picked, "notes": "typed on"},
        HTTP_HX_REQUEST="true",
    )
    assert "Saved" in response.content.decode()
    assert len(sent) == SAVE_QUERIES, sent


def test_plain_post_save_query_count(setup):
    workload, questions, client = setup
    url = _question_url(workload, questions[0])
    # As the autosave; no navigation: a redirect follows
    response, sent = _sent(client, url, {"version": 1, "selected": [_third(questions[0])]})
    assert response.status_code == 302
    assert len(sent) == SAVE_QUERIES + ITEM_QUERIES, sent


def test_history_page_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # + the changes with their authors (the question and its choices: bank cache)
    with django_assert_num_queries(4):
        response = client.get(_question_url(workload, questions[0], "history"))
    assert response.status_code == 200


def test_overview_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # + navigation (1, the newer lens versions and the answers included) + the lenses that can
    # be added
    with django_assert_num_queries(5):
        response = client.get(reverse("reviews:workload_overview", args=[workload.pk]))
    assert response.status_code == 200
    assert f"{len(questions) - 1} of {len(questions)} answered" in response.content.decode()


def test_workload_list_query_count(setup, django_assert_num_queries):
    workload, questions, client = setup
    # 1 session, 1 user, 1 workloads with their stored counts, 1 their lens reviews,
    # 1 may-create check, 1 lenses (search): nothing is scored
    with django_assert_num_queries(6):
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

    next_version(version_of(workload), {"q0": ["q0_c0", "q0_no"], "q99": ["q99_c0"]})
    # session, user, workload, its lens review, newer version; plan: old and new questions,
    # old and new choices, answers; the template's lens name
    url = reverse("reviews:lens_review_upgrade", args=[workload.pk, lens_review_of(workload).pk])
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    # Every answered question is dropped but q0 of the row-built banks, which carries over.
    carried = 1 if (questions[0].pillar.ref, questions[0].ref) == ("pillar", "q0") else 0
    assert len(response.context["plan"].dropped_questions) == len(questions) - 1 - carried


def test_question_page_costs_the_same_for_the_rel_bank_and_a_42_question_lens(
    rel_bank, client_for, django_assert_num_queries
):
    membership = factories.MembershipFactory(role="architect")
    client = client_for(membership.user)
    for version in (rel_bank, _bank(COGNITO)):
        workload = factories.WorkloadFactory(team=membership.team, lens_version=version)
        question = Question.objects.filter(pillar__version=version).order_by("-order").first()
        client.get(_question_url(workload, question))  # this process builds the bank once
        with django_assert_num_queries(QUESTION_PAGE_QUERIES):
            assert client.get(_question_url(workload, question)).status_code == 200
