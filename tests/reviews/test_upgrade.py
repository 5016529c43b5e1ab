"""Lens upgrades carry answers over by pillar, question and choice ids and list the rest."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from questions.models import LensVersion, Question
from reviews.models import Answer, AnswerChange
from reviews.services.answers import answer_save
from reviews.services.lens_reviews import lens_review_upgrade
from reviews.services.milestones import milestone_create
from tests import factories
from tests.factories import lens_review_of, version_of

pytestmark = pytest.mark.django_db


def next_version(previous: LensVersion, questions: dict[str, list[str]]) -> LensVersion:
    """A published next version of the same lens: {question ref: [choice refs]}."""
    version = factories.LensVersionFactory(
        lens=previous.lens, number=previous.number + 1, kind=previous.kind, label="next"
    )
    pillar = factories.PillarFactory(version=version, ref="pillar", name="Pillar", order=0)
    for q, (ref, choices) in enumerate(questions.items()):
        question = factories.QuestionFactory(pillar=pillar, ref=ref, title=f"New {ref}?", order=q)
        for c, choice_ref in enumerate(choices):
            factories.ChoiceFactory(
                question=question,
                ref=choice_ref,
                title=f"Choice {choice_ref}",
                is_none=choice_ref.endswith("_no"),
                risk="" if choice_ref.endswith("_no") else "HIGH",
                order=c,
            )
    LensVersion.objects.filter(pk=version.pk).update(
        status=LensVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


@pytest.fixture
def upgraded_setup(db):
    membership = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=membership.team)
    v1 = version_of(workload)
    q = {x.ref: x for x in Question.objects.filter(pillar__version=v1).select_related("pillar")}
    user = membership.user
    answer_save(
        workload=workload,
        question=q["q0"],
        data={
            "selected": ["q0_c0", "q0_c3"],
            "choices_not_applicable": {"q0_c1": {"reason": "OTHER", "note": "no queue"}},
            "notes": "keep me",
        },
        expected_version=0,
        user=user,
    )
    answer_save(
        workload=workload,
        question=q["q1"],
        data={"is_applicable": False, "reason": "OUT_OF_SCOPE"},
        expected_version=0,
        user=user,
    )
    answer_save(
        workload=workload,
        question=q["q2"],
        data={"selected": ["q2_no"]},
        expected_version=0,
        user=user,
    )
    milestone = milestone_create(workload=workload, name="Before", user=user)
    v2 = next_version(
        v1,
        {
            "q0": ["q0_c0", "q0_c1", "q0_c2", "q0_c9", "q0_no"],  # c3 dropped, c9 new
            "q1": ["q1_c0", "q1_c1", "q1_c2", "q1_c3", "q1_no"],
            "q3": ["q3_c0", "q3_no"],  # q2 dropped, q3 new
        },
    )
    return membership, workload, v1, v2, milestone


def test_upgrade_carries_answers_whose_ids_exist_and_lists_the_rest(upgraded_setup):
    membership, workload, v1, v2, milestone = upgraded_setup
    plan = lens_review_upgrade(
        lens_review=lens_review_of(workload), to_version=v2, user=membership.user
    )

    workload.refresh_from_db()
    assert version_of(workload) == v2
    carried = {
        a.question.ref: a
        for a in Answer.objects.filter(lens_review__workload=workload, question__pillar__version=v2)
    }
    assert set(carried) == {"q0", "q1"}
    assert carried["q0"].selected == ["q0_c0"]
    assert carried["q0"].choices_not_applicable == {
        "q0_c1": {"reason": "OTHER", "note": "no queue"}
    }
    assert carried["q0"].notes == "keep me"
    assert carried["q0"].version == 2
    assert (carried["q1"].is_applicable, carried["q1"].reason) == (False, "OUT_OF_SCOPE")

    by_ref = {c.question_ref: c for c in plan.carried}
    assert by_ref["q0"].dropped_choices == ["Practice 0.3"]
    assert by_ref["q0"].new_choices == ["Choice q0_c9"]
    assert by_ref["q1"].dropped_choices == []
    assert [c.question_ref for c in plan.dropped_questions] == ["q2"]
    assert [c.question_ref for c in plan.new_questions] == ["q3"]

    # The answer to the dropped question is kept on the old version, not deleted.
    assert (
        Answer.objects.filter(lens_review__workload=workload, question__pillar__version=v1).count()
        == 1
    )
    # History records the move; the milestone keeps its own version.
    change = AnswerChange.objects.get(answer=carried["q0"], version=2)
    assert change.before["selected"] == ["q0_c0", "q0_c3"] and "upgraded" in change.after["event"]
    milestone.refresh_from_db()
    assert milestone.lenses.get().lens_version == v1


def test_workload_pages_offer_the_newer_version_and_the_upgrade_page_lists_changes(
    upgraded_setup, client_for
):
    membership, workload, v1, v2, milestone = upgraded_setup
    client = client_for(membership.user)
    overview = client.get(reverse("reviews:workload_overview", args=[workload.pk]))
    assert "A newer version of this lens is published" in overview.content.decode()

    url = reverse("reviews:lens_review_upgrade", args=[workload.pk, lens_review_of(workload).pk])
    preview = client.get(url).content.decode()
    assert "Practice 0.3" in preview and "Choice q0_c9" in preview
    assert "Question 2?" in preview and "New q3?" in preview
    workload.refresh_from_db()
    assert version_of(workload) == v1  # a preview changes nothing

    done = client.post(url)
    assert done.status_code == 200 and "Lens upgraded" in done.content.decode()
    workload.refresh_from_db()
    assert version_of(workload) == v2
    after = client.get(reverse("reviews:workload_overview", args=[workload.pk])).content.decode()
    assert "A newer version of this lens is published" not in after
    assert "2 of 3 answered" in after


def test_an_open_page_from_before_the_upgrade_cannot_overwrite_silently(upgraded_setup):
    membership, workload, v1, v2, milestone = upgraded_setup
    lens_review_upgrade(lens_review=lens_review_of(workload), to_version=v2, user=membership.user)
    workload.refresh_from_db()
    question = Question.objects.select_related("pillar").get(pillar__version=v2, ref="q0")
    from reviews.services.answers import AnswerConflict

    with pytest.raises(AnswerConflict):
        answer_save(
            workload=workload,
            question=question,
            data={"selected": ["q0_c2"]},
            expected_version=1,
            user=membership.user,
        )


def test_a_save_racing_an_upgrade_is_refused_not_left_on_the_old_lens(upgraded_setup):
    membership, workload, v1, v2, milestone = upgraded_setup
    # The page was read before the upgrade: the workload object and the question are v1's.
    # q2 is dropped by v2, so its answer stays on v1 where nobody sees it any more.
    stale = type(workload).objects.get(pk=workload.pk)
    old_question = Question.objects.select_related("pillar").get(pillar__version=v1, ref="q2")
    lens_review_upgrade(lens_review=lens_review_of(workload), to_version=v2, user=membership.user)
    before = list(Answer.objects.order_by("pk").values_list("pk", "question_id", "version"))
    with pytest.raises(ValidationError, match="moved to a newer version"):
        answer_save(
            workload=stale,
            question=old_question,
            data={"selected": ["q2_c0"]},
            expected_version=1,
            user=membership.user,
        )
    after = list(Answer.objects.order_by("pk").values_list("pk", "question_id", "version"))
    assert after == before


def test_upgrading_a_workload_already_upgraded_is_a_message_not_an_error(upgraded_setup):
    membership, workload, v1, v2, milestone = upgraded_setup
    stale = lens_review_of(workload)
    lens_review_upgrade(lens_review=lens_review_of(workload), to_version=v2, user=membership.user)
    versions = list(Answer.objects.order_by("pk").values_list("version", flat=True))
    with pytest.raises(ValidationError, match="Choose a newer version"):
        lens_review_upgrade(lens_review=stale, to_version=v2, user=membership.user)
    assert list(Answer.objects.order_by("pk").values_list("version", flat=True)) == versions
