"""Several lenses on one workload: adding, removing (after a confirmation), answering each,
per-lens and total figures, pillar priorities, and costs that do not grow with the lenses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from questions.models import LensVersion, Pillar, Question
from reviews import loader, scoring
from reviews.answer_state import EMPTY
from reviews.models import Answer, LensReview, Workload
from reviews.services.answers import answer_save
from reviews.services.counts import counts_recompute
from reviews.services.lens_reviews import lens_review_add, lens_review_remove
from reviews.services.milestones import milestone_create
from reviews.services.workloads import workload_set_pillar_priorities
from reviews.vocab import Risk
from tests import factories
from tests.queries import production_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def architect_workload():
    membership = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=membership.team)
    return membership.user, workload


def _questions(version):
    return list(
        Question.objects.filter(pillar__version=version)
        .select_related("pillar")
        .order_by("pillar__order", "order")
    )


def _save(workload, question, user, **data):
    current = Answer.objects.filter(
        lens_review__workload=workload, lens_review__removed_at__isnull=True, question=question
    ).first()
    return answer_save(
        workload=workload,
        question=question,
        data={**EMPTY.to_json(), **data},
        expected_version=current.version if current else 0,
        user=user,
    )


def test_an_architect_adds_a_lens_from_the_workload_page(architect_workload, client_for):
    user, workload = architect_workload
    other = factories.make_bank(questions=4, kind="imported")
    client = client_for(user)
    overview = reverse("reviews:workload_overview", args=[workload.pk])
    page = client.get(overview).content.decode()
    assert f'value="{other.pk}"' in page  # offered in the "Add a lens" list
    response = client.post(
        reverse("reviews:lens_review_add", args=[workload.pk]), {"lens_version": other.pk}
    )
    assert response.status_code == 302
    reviews = list(LensReview.objects.filter(workload=workload).order_by("position"))
    assert [r.lens_version_id for r in reviews][1] == other.pk
    workload.refresh_from_db()
    assert workload.total == 3 + 4 and workload.unanswered_count == 7
    page = client.get(overview).content.decode()
    assert "0 of 4 answered" in page and "0 of 7 answered" in page
    assert f'value="{other.pk}"' not in page  # no longer offered


def test_adding_a_lens_twice_a_draft_or_garbage_changes_nothing(architect_workload, client_for):
    user, workload = architect_workload
    version = factories.version_of(workload)
    with pytest.raises(ValidationError, match="already reviewed"):
        lens_review_add(workload=workload, lens_version=version, user=user)
    draft = factories.make_bank(publish=False)
    with pytest.raises(ValidationError, match="published"):
        lens_review_add(workload=workload, lens_version=draft, user=user)
    url = reverse("reviews:lens_review_add", args=[workload.pk])
    for value in (version.pk, draft.pk, "x", ""):
        response = client_for(user).post(url, {"lens_version": value})
        assert response.status_code == 302
    assert LensReview.objects.filter(workload=workload).count() == 1


def test_removing_a_lens_asks_first_and_keeps_its_answers_history_and_milestones(
    architect_workload, client_for
):
    user, workload = architect_workload
    other = factories.make_bank(questions=2)
    review = lens_review_add(workload=workload, lens_version=other, user=user)
    question = _questions(other)[0]
    _save(workload, question, user, selected=["q0_c0"])
    milestone = milestone_create(workload=workload, name="Both", user=user)
    client = client_for(user)
    url = reverse("reviews:lens_review_remove", args=[workload.pk, review.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200 and "Remove the lens" in confirm.content.decode()
    assert LensReview.objects.get(pk=review.pk).removed_at is None  # asking changes nothing

    assert client.post(url).status_code == 302
    review.refresh_from_db()
    assert review.removed_at is not None and review.removed_by == user
    assert Answer.objects.filter(lens_review=review).count() == 1  # kept
    assert milestone.lenses.count() == 2  # the milestone still has it
    workload.refresh_from_db()
    assert workload.total == 3
    assert counts_recompute(fix=False, workload_ids=[workload.pk]) == []
    # Its questions are no longer part of the review.
    page = client.get(reverse("reviews:question", args=[workload.pk, question.pk]))
    assert page.status_code == 404
    with pytest.raises(ValidationError, match="not part of the lens versions"):
        _save(workload, question, user, selected=["q0_c1"])


def test_the_last_lens_cannot_be_removed(architect_workload, client_for):
    user, workload = architect_workload
    review = factories.lens_review_of(workload)
    with pytest.raises(ValidationError, match="at least one lens"):
        lens_review_remove(lens_review=review, user=user)
    client_for(user).post(reverse("reviews:lens_review_remove", args=[workload.pk, review.pk]))
    review.refresh_from_db()
    assert review.removed_at is None


def test_a_lead_may_not_add_remove_or_reorder(client_for):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    review = factories.lens_review_of(workload)
    client = client_for(lead.user)
    other = factories.make_bank()
    for url, data in [
        (reverse("reviews:lens_review_add", args=[workload.pk]), {"lens_version": other.pk}),
        (reverse("reviews:lens_review_remove", args=[workload.pk, review.pk]), {}),
        (reverse("reviews:pillar_priorities", args=[workload.pk]), {"up": "pillar"}),
    ]:
        assert client.post(url, data).status_code == 403
    assert LensReview.objects.filter(workload=workload).count() == 1


def test_answers_in_each_lens_give_per_lens_and_total_counts(architect_workload):
    user, workload = architect_workload
    first = factories.version_of(workload)
    second = factories.make_bank(questions=2, kind="imported")
    lens_review_add(workload=workload, lens_version=second, user=user)
    _save(workload, _questions(first)[0], user, selected=["q0_c0"])  # native: misses HIGH c3
    _save(workload, _questions(second)[1], user, is_applicable=False, reason="OTHER")
    review = loader.review_for_workload(workload)
    per_lens = [lens.result.counts for lens in review.lenses]
    assert per_lens[0][Risk.HIGH] == 1 and per_lens[1][Risk.NOT_APPLICABLE] == 1
    workload.refresh_from_db()
    assert workload.counts == review.counts == scoring.sum_counts(per_lens)
    assert workload.answered == 2 and workload.total == 5
    for lens in review.lenses:
        assert lens.lens_review.counts == dict(lens.result.counts)


def test_answer_save_costs_the_same_whatever_the_number_of_lenses():
    costs = []
    for lenses in (1, 3):
        membership = factories.MembershipFactory(role="architect")
        workload = factories.WorkloadFactory(team=membership.team)
        for _ in range(lenses - 1):
            lens_review_add(workload=workload, lens_version=factories.make_bank(), user=None)
        question = (
            Question.objects.filter(pillar__version=factories.version_of(workload))
            .select_related("pillar")
            .prefetch_related("choices", "risk_rules")
            .first()
        )
        with CaptureQueriesContext(connection) as ctx:
            _save_direct(workload, question, membership.user)
        costs.append(len(production_queries(ctx.captured_queries)))
    # As production sends it (no test-transaction savepoint): the read of the lens review,
    # counts, answer and items; one write that locks the workload and writes the answer (an
    # INSERT), its history and the counts; then the improvement items of the three practices left
    # at risk: one INSERT, one INSERT of their audit rows.
    assert costs == [4, 4]


def _save_direct(workload, question, user):
    answer_save(
        workload=workload,
        question=question,
        data={**EMPTY.to_json(), "selected": ["q0_c0"]},
        expected_version=0,
        user=user,
    )


def test_pages_cost_the_same_with_one_or_three_lenses(client_for):
    counts: dict[int, list[int]] = {}
    for lenses in (1, 3):
        membership = factories.MembershipFactory(role="architect")
        workload = factories.WorkloadFactory(team=membership.team)
        for _ in range(lenses - 1):
            lens_review_add(workload=workload, lens_version=factories.make_bank(), user=None)
        milestone_create(workload=workload, name="M", user=membership.user)
        client = client_for(membership.user)
        question = _questions(factories.version_of(workload))[0]
        urls = [
            reverse("reviews:workload_overview", args=[workload.pk]),
            reverse("reviews:question", args=[workload.pk, question.pk]),
            reverse("reviews:workload_summary", args=[workload.pk]),
            reverse("reviews:workload_plan", args=[workload.pk]),
            reverse("reviews:milestone_list", args=[workload.pk]),
            reverse("reviews:milestone_compare", args=[workload.pk]) + "?to=now",
            reverse("reviews:workload_list"),
        ]
        for n, url in enumerate(urls):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            counts.setdefault(n, []).append(len(ctx.captured_queries))
    for n, (one, three) in counts.items():
        assert one == three, urls[n]


def test_continue_where_you_left_off_follows_the_lens_answered_last(architect_workload, client_for):
    user, workload = architect_workload
    second = factories.make_bank(questions=2)
    lens_review_add(workload=workload, lens_version=second, user=user)
    _save(workload, _questions(second)[0], user, selected=["q0_c0"])
    page = client_for(user).get(reverse("reviews:workload_overview", args=[workload.pk]))
    continue_at = page.context["continue_at"]
    assert continue_at.pk == _questions(second)[1].pk  # not question 1 of the first lens
    assert "Continue where you left off" in page.content.decode()


def test_pillar_priorities_order_the_improvement_plan_across_lenses(architect_workload, client_for):
    user, workload = architect_workload
    first = factories.version_of(workload)
    # Pillar ids are shared across lenses (as in the AWS tool): give the second its own.
    second = factories.make_bank(questions=1, publish=False)
    Pillar.objects.filter(version=second).update(ref="operations")
    LensVersion.objects.filter(pk=second.pk).update(status=LensVersion.Status.PUBLISHED)
    second.refresh_from_db()
    lens_review_add(workload=workload, lens_version=second, user=user)
    _save(workload, _questions(first)[0], user, selected=["q0_c0", "q0_c1", "q0_c3"])  # LOW gap
    _save(workload, _questions(second)[0], user, selected=["q0_c1"])  # HIGH gap (c0, c3)
    plan = loader.result_for_workload(Workload.objects.get(pk=workload.pk)).improvement_plan
    assert plan[0].risk == Risk.HIGH  # without priorities: highest risk first
    pillar_ref = _questions(first)[0].pillar.ref
    workload_set_pillar_priorities(workload=workload, pillar_refs=[pillar_ref])
    plan = loader.result_for_workload(Workload.objects.get(pk=workload.pk)).improvement_plan
    assert plan[0].pillar_ref.endswith(f":{pillar_ref}") and plan[0].risk == Risk.LOW
    with pytest.raises(ValidationError, match="Unknown pillar"):
        workload_set_pillar_priorities(workload=workload, pillar_refs=["nope"])
    # The buttons on the plan page move a pillar.
    client = client_for(user)
    url = reverse("reviews:pillar_priorities", args=[workload.pk])
    other_ref = _questions(second)[0].pillar.ref
    assert client.post(url, {"up": other_ref}).status_code == 302
    assert Workload.objects.get(pk=workload.pk).pillar_priorities[0] == other_ref
    assert client.post(url, {"up": "nope"}).status_code == 302  # refused with a message


def test_milestones_compare_per_lens_and_in_total(architect_workload, client_for):
    user, workload = architect_workload
    second = factories.make_bank(questions=2)
    lens_review_add(workload=workload, lens_version=second, user=user)
    milestone_create(workload=workload, name="Before", user=user)
    _save(workload, _questions(second)[0], user, selected=["q0_no"])
    client = client_for(user)
    response = client.get(reverse("reviews:milestone_compare", args=[workload.pk]), {"to": "now"})
    rows = response.context["lens_rows"]
    assert len(rows) == 2
    assert rows[1]["before"].counts[Risk.HIGH] == 0 and rows[1]["after"].counts[Risk.HIGH] == 1
    assert response.context["after"].counts[Risk.HIGH] == 1
    listing = client.get(reverse("reviews:milestone_list", args=[workload.pk]))
    assert len(listing.context["lens_trends"]) == 2
