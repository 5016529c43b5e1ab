"""Lens reviews through the API: add, remove, upgrade (the page's carry-over report), risks
per lens; the lens review services decide, the access module answers 404 / 403."""

from __future__ import annotations

from django.utils import timezone

from questions.models import Choice, LensVersion, Question
from reviews import loader
from reviews.models import Answer, LensReview
from reviews.services.answers import answer_save
from tests import factories
from tests.factories import lens_review_of, version_of


def _url(workload, *rest) -> str:
    return "/".join([f"/api/v1/workloads/{workload.pk}/lens-reviews", *map(str, rest)]) + "/"


def test_add_list_and_remove_a_lens(architect, api_for):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    other_lens = factories.make_bank(questions=2)
    client = api_for(architect)
    response = client.post(
        _url(workload), {"lens_version": other_lens.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["lens_version"] == other_lens.pk and added["counts"]["UNANSWERED"] == 2
    assert [r["lens_version"] for r in client.get(_url(workload)).json()["results"]] == [
        version_of(workload).pk,
        other_lens.pk,
    ]
    again = client.post(
        _url(workload), {"lens_version": other_lens.pk}, content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["errors"][0]["pointer"] == "#/lens_version"

    assert client.delete(_url(workload, added["id"])).status_code == 204
    assert LensReview.objects.get(pk=added["id"]).removed_at is not None
    assert client.get(_url(workload, added["id"])).status_code == 404
    # The last lens cannot go: the service says why.
    last = lens_review_of(workload)
    response = client.delete(_url(workload, last.pk))
    assert response.status_code == 409 and "at least one lens" in response.json()["detail"]


def test_an_unpublished_version_is_refused(architect, api_for):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    draft = factories.make_bank(questions=1, publish=False)
    response = api_for(architect).post(
        _url(workload), {"lens_version": draft.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert LensReview.objects.filter(workload=workload).count() == 1


def _newer_version_of(version: LensVersion) -> LensVersion:
    """The same lens again, one practice of q0 dropped and one question added, published."""
    newer = factories.LensVersionFactory(
        lens=version.lens, number=version.number + 1, kind=version.kind
    )
    for pillar in version.pillars.all():
        copy = factories.PillarFactory(
            version=newer, ref=pillar.ref, name=pillar.name, order=pillar.order
        )
        for question in pillar.questions.all():
            q = factories.QuestionFactory(
                pillar=copy, ref=question.ref, title=question.title, order=question.order
            )
            for choice in question.choices.exclude(ref="q0_c1"):
                factories.ChoiceFactory(
                    question=q,
                    ref=choice.ref,
                    title=choice.title,
                    risk=choice.risk,
                    is_none=choice.is_none,
                    order=choice.order,
                )
        factories.QuestionFactory(pillar=copy, ref="q_new", title="A new question?", order=99)
    LensVersion.objects.filter(pk=newer.pk).update(
        status=LensVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    newer.refresh_from_db()
    return newer


def test_upgrade_previews_then_carries_answers_over_with_the_pages_report(architect, api_for):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    review = lens_review_of(workload)
    q0 = Question.objects.get(pillar__version=review.lens_version, ref="q0")
    answer_save(
        workload=workload,
        question=q0,
        data={"selected": ["q0_c0", "q0_c1"]},
        expected_version=0,
        user=architect,
    )
    newer = _newer_version_of(review.lens_version)
    client = api_for(architect)

    preview = client.get(_url(workload, review.pk, "upgrade"))
    assert preview.status_code == 200, preview.content
    assert preview.json()["to_version"] == newer.pk
    assert LensReview.objects.get(pk=review.pk).lens_version_id == review.lens_version_id

    response = client.post(_url(workload, review.pk, "upgrade"))
    assert response.status_code == 200, response.content
    plan = response.json()
    (carried,) = plan["carried"]
    assert carried["question_ref"] == "q0" and carried["dropped_choices"] == ["Practice 0.1"]
    assert [q["question_ref"] for q in plan["new_questions"]] == ["q_new"]
    assert LensReview.objects.get(pk=review.pk).lens_version_id == newer.pk
    assert Answer.objects.get(lens_review=review).selected == ["q0_c0"]
    # Nothing newer now.
    assert client.post(_url(workload, review.pk, "upgrade")).status_code == 409


def test_risks_per_lens_and_pillar(architect, api_for):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    review = lens_review_of(workload)
    body = api_for(architect).get(_url(workload, review.pk, "risks")).json()
    result = loader.result_for_lens_review(review)
    assert body["counts"] == dict(result.counts)
    assert [p["ref"] for p in body["pillars"]] == [p.ref for p in result.pillars]


def test_a_lead_reads_lenses_but_may_not_change_them(api_for):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    review = lens_review_of(workload)
    client = api_for(lead.user)
    assert client.get(_url(workload)).status_code == 200
    assert client.get(_url(workload, review.pk, "questions")).status_code == 200
    other = factories.make_bank(questions=1)
    assert (
        client.post(
            _url(workload), {"lens_version": other.pk}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.delete(_url(workload, review.pk)).status_code == 403
    assert client.post(_url(workload, review.pk, "upgrade")).status_code == 403
    assert Choice.objects.exists()
