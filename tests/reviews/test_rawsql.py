"""The hand-written SELECTs of the answer path (config/rawsql.py) read exactly what the ORM
reads: every field of every model, JSON and dates included, on the suite's PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404
from django.urls import reverse, set_script_prefix

from questions.models import LensVersion, Question
from reviews import access, selectors
from reviews.models import Answer, LensReview, Workload
from reviews.services.answers import answer_save
from reviews.services.lens_reviews import lens_review_add, lens_review_remove, newer_versions
from reviews.templatetags.paths import path_for
from tests import factories

pytestmark = pytest.mark.django_db


def fields(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _two_lens_workload():
    membership = factories.MembershipFactory(role="architect")
    first, second = factories.make_bank(questions=2), factories.make_bank(questions=3)
    workload = factories.WorkloadFactory(
        team=membership.team, lens_version=first, regions=["eu-west-1"], account_ids=["0" * 12]
    )
    lens_review_add(workload=workload, lens_version=second, user=membership.user)
    return membership, workload, first, second


def _question(version: LensVersion, n: int = 0) -> Question:
    return Question.objects.filter(pillar__version=version).order_by("order")[n]


def test_the_question_locating_fetch_reads_the_workload_team_role_and_lens_review(
    django_assert_num_queries,
):
    membership, workload, first, second = _two_lens_workload()
    question = _question(second, 1)
    with django_assert_num_queries(1):
        got = access.get_workload_for_question_or_404(
            membership.user, workload.pk, question.pk, access.EDIT
        )
    expected = Workload.objects.select_related("team").get(pk=workload.pk)
    assert fields(got) == fields(expected)
    assert got.regions == ["eu-west-1"] and got.account_ids == ["0" * 12]
    assert fields(got.team) == fields(expected.team)
    assert got.user_role == "architect"
    review = LensReview.objects.get(workload=workload, lens_version=second)
    assert (got.question_lens_review_id, got.question_version_id) == (review.pk, second.pk)
    assert selectors.question_located(got, question.pk).pk == question.pk

    # A question of no active lens of the workload: found workload, no lens review.
    stray = _question(factories.make_bank(questions=1))
    got = access.get_workload_for_question_or_404(membership.user, workload.pk, stray.pk)
    assert got.question_lens_review_id is None and selectors.question_located(got, stray.pk) is None
    # A removed lens no longer holds its questions.
    lens_review_remove(lens_review=review, user=membership.user)
    got = access.get_workload_for_question_or_404(membership.user, workload.pk, question.pk)
    assert got.question_lens_review_id is None


def test_the_question_locating_fetch_keeps_the_access_rules():
    membership, workload, first, _ = _two_lens_workload()
    question = _question(first)
    lead = factories.MembershipFactory(role="lead", team=membership.team).user
    outsider = factories.MembershipFactory(role="architect").user
    admin = factories.UserFactory(is_staff=True)

    def fetch(user, action=access.VIEW, workload_id=workload.pk, question_id=question.pk):
        return access.get_workload_for_question_or_404(user, workload_id, question_id, action)

    assert fetch(lead).user_role == "lead"
    with pytest.raises(PermissionDenied):
        fetch(lead, access.EDIT)
    for user in (outsider, AnonymousUser()):
        with pytest.raises(Http404):
            fetch(user)
    assert fetch(admin, access.EDIT).user_role is None
    with pytest.raises(Http404):
        fetch(membership.user, workload_id=2**63)  # beyond bigint: no such workload, no error
    assert fetch(membership.user, question_id=2**63).question_lens_review_id is None


def test_lens_reviews_answers_and_newest_versions_read_as_the_orm_reads_them():
    membership, workload, first, second = _two_lens_workload()
    question = _question(first)
    refs = list(
        question.choices.filter(is_none=False).order_by("order").values_list("ref", flat=True)
    )
    answer_save(
        workload=workload,
        question=question,
        data={
            "selected": [refs[0]],
            "notes": "n",
            "choices_not_applicable": {refs[1]: {"reason": "OTHER", "note": "why"}},
        },
        expected_version=0,
        user=membership.user,
    )

    got = selectors.active_lens_reviews(workload)
    expected = list(
        LensReview.objects.active()
        .filter(workload=workload)
        .select_related("lens_version__lens")
        .order_by("position", "pk")
    )
    assert [fields(r) for r in got] == [fields(r) for r in expected]
    assert [fields(r.lens_version) for r in got] == [fields(r.lens_version) for r in expected]
    assert [fields(r.lens_version.lens) for r in got] == [
        fields(r.lens_version.lens) for r in expected
    ]

    review = expected[0]
    answer = selectors.answer_to(review.pk, question.pk)
    assert fields(answer) == fields(Answer.objects.get(lens_review=review, question=question))
    assert answer.selected == [refs[0]] and refs[1] in answer.choices_not_applicable
    assert selectors.answer_to(review.pk, _question(first, 1).pk) is None
    assert selectors.answer_to(None, question.pk) is None

    states = selectors.answer_states([review.pk, expected[1].pk])
    (state,) = states[review.pk].values()
    assert state.selected == (refs[0],) and state.notes == "n"
    assert state.marked(refs[1]).reason == "OTHER" and expected[1].pk not in states
    # What scoring reads, straight from the rows: the same as the full states' to_scoring().
    assert selectors.scoring_states([review.pk, expected[1].pk]) == {
        review.pk: {key: s.to_scoring() for key, s in states[review.pk].items()}
    }
    assert selectors.scoring_states([]) == {}

    factories.LensVersionFactory(lens=first.lens, number=first.number + 2)  # a draft: not it
    newer = factories.LensVersionFactory(
        lens=first.lens, number=first.number + 1, status=LensVersion.Status.PUBLISHED
    )
    newest = selectors.newest_published_versions([first.lens_id, second.lens_id])
    assert newest[first.lens_id].pk == newer.pk and newest[second.lens_id].pk == second.pk
    assert fields(newest[second.lens_id]) == fields(LensVersion.objects.get(pk=second.pk))
    assert selectors.newest_published_versions([]) == {}
    # The same, read with the lens reviews in one query, for the upgrade notice.
    reviews = selectors.active_lens_reviews(workload, with_newest=True)
    assert [fields(r) for r in reviews] == [fields(r) for r in expected]
    assert [r.newest_version.pk for r in reviews] == [newer.pk, second.pk]
    assert fields(reviews[0].newest_version) == fields(newer)
    assert newer_versions(reviews) == [(reviews[0], reviews[0].newest_version)]
    assert newer_versions(selectors.active_lens_reviews(workload)) == [(reviews[0], newer)]


def test_lens_reviews_with_their_answers_read_as_scoring_states(django_assert_num_queries):
    membership, workload, first, second = _two_lens_workload()

    def save(question, **data):
        answer_save(
            workload=workload,
            question=question,
            data=data,
            expected_version=0,
            user=membership.user,
        )

    refs = [c.ref for c in _question(first).choices.order_by("order") if not c.is_none]
    save(
        _question(first),
        selected=[refs[0], refs[2]],
        choices_not_applicable={refs[1]: {"reason": "OTHER", "note": ""}},
    )
    none = _question(first, 1).choices.get(is_none=True).ref
    save(_question(first, 1), selected=[none])
    save(_question(second, 2), is_applicable=False, reason="OUT_OF_SCOPE")
    # An answer to another version's question (as an upgrade leaves them): not current.
    review = LensReview.objects.get(workload=workload, lens_version=first)
    Answer.objects.create(lens_review=review, question=_question(second), selected=["x"])

    ids = [r.pk for r in selectors.active_lens_reviews(workload)]
    expected = selectors.scoring_states(ids)
    assert len(expected[ids[0]]) == 2 and len(expected[ids[1]]) == 1
    for with_newest in (False, True):
        with django_assert_num_queries(1):  # PostgreSQL: the answers in the same query
            reviews = selectors.active_lens_reviews(
                workload, with_newest=with_newest, with_scoring=True
            )
        assert {r.pk: r.answer_scoring for r in reviews} == expected
        assert [hasattr(r, "newest_version") for r in reviews] == [with_newest] * 2
    # A workload with no answer at all: empty readings, not None.
    other = factories.WorkloadFactory(team=membership.team, lens_version=first)
    (empty,) = selectors.active_lens_reviews(other, with_scoring=True)
    assert empty.answer_scoring == {}


def _reading(read) -> dict:
    """A save's reading (answers._Read) as plain values: the columns it reads."""
    from reviews.services.answers import _ANSWER_FIELDS, _ITEM_FIELDS

    def columns(instance, names):
        return {name: getattr(instance, name) for name in names}

    return {
        **{k: v for k, v in vars(read).items() if k not in ("answer", "items")},
        "answer": columns(read.answer, _ANSWER_FIELDS) if read.answer else None,
        "items": [
            (columns(i, _ITEM_FIELDS), i.owner.username if i.owner_id else None) for i in read.items
        ],
    }


def test_what_a_save_reads_with_the_access_check_equals_its_own_read(
    django_assert_num_queries,
):
    from reviews.models import ImprovementItem
    from reviews.services import answers

    membership, workload, first, second = _two_lens_workload()
    factories.EndpointFactory(team=membership.team)
    user = membership.user
    for version, n in ((first, 0), (first, 1), (second, 2)):
        question = selectors.bank(version.pk).questions[n]
        located = access.get_workload_for_question_or_404(
            user, workload.pk, question.pk, access.EDIT, extra=answers.save_read_join(question.pk)
        )
        own = answers._read(workload=workload, version_id=version.pk, question=question)
        with django_assert_num_queries(0):
            joined = answers._read(
                workload=workload,
                version_id=version.pk,
                question=question,
                rows=located.located_extra,
            )
        assert _reading(joined) == _reading(own)
        if n == 0:
            assert own.answer is None and own.items == [] and own.webhooks
            refs = [c.ref for c in question.choices.all() if not c.is_none]
            answer_save(
                workload=workload,
                question=question,
                data={
                    "selected": [refs[0]],
                    "choices_not_applicable": {refs[1]: {"reason": "OTHER", "note": "x"}},
                },
                expected_version=0,
                user=user,
            )
            ImprovementItem.objects.filter(practice_ref=refs[2]).update(owner=user)
            located = access.get_workload_for_question_or_404(
                user,
                workload.pk,
                question.pk,
                access.EDIT,
                extra=answers.save_read_join(question.pk),
            )
            own = answers._read(workload=workload, version_id=version.pk, question=question)
            joined = answers._read(
                workload=workload,
                version_id=version.pk,
                question=question,
                rows=located.located_extra,
            )
            reading = _reading(own)
            assert reading == _reading(joined)
            assert reading["answer"]["version"] == 1 and len(reading["items"]) == 2
            assert (refs[2] in str(reading["items"])) and ("user" in str(reading["items"]))
            assert reading["pillar_answered"] == 1 and reading["lenses"] == 2
    # A question of no active lens review of the workload: nothing to save against.
    other = factories.make_bank()
    stray = selectors.bank(other.pk).questions[0]
    located = access.get_workload_for_question_or_404(
        user, workload.pk, stray.pk, access.EDIT, extra=answers.save_read_join(stray.pk)
    )
    assert located.question_lens_review_id is None
    assert (
        answers._read(
            workload=workload, version_id=other.pk, question=stray, rows=located.located_extra
        )
        is None
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("reviews:dashboard", ()),
        ("reviews:workload_overview", (7,)),
        ("reviews:question", (12, 345)),
        ("reviews:lens_review_upgrade", (1, 99)),
    ],
)
def test_path_matches_reverse_with_and_without_a_script_prefix(name, args):
    assert path_for(name, *args) == reverse(name, args=args)
    set_script_prefix("/archreview/")
    try:
        assert path_for(name, *args) == reverse(name, args=args)
        assert path_for(name, *args).startswith("/archreview/")
    finally:
        set_script_prefix("/")
    # A string argument goes through reverse itself.
    if args:
        assert path_for(name, *map(str, args)) == reverse(name, args=args)


@pytest.mark.parametrize("path", ["css/app.css", "js/app.js", "favicon.svg", "a file?.js"])
def test_asset_is_static_and_follows_static_url(settings, path):
    from django.templatetags.static import static

    from reviews.templatetags.paths import asset

    assert asset(path) == static(path)
    settings.STATIC_URL = "/assets-elsewhere/"
    assert asset(path) == static(path)
    assert asset(path).startswith("/assets-elsewhere/")
