"""Stored risk counts never drift: random saves, upgrades, lens additions and removals, then a
fresh scoring of everything (``counts_recompute``) finds the stored figures exact."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions.models import Choice, Question
from reviews.answer_state import EMPTY
from reviews.models import Answer, LensReview
from reviews.services.answers import answer_save
from reviews.services.counts import counts_recompute
from reviews.services.lens_reviews import lens_review_add, lens_review_remove, lens_review_upgrade
from tests import factories
from tests.reviews.test_upgrade import next_version

pytestmark = pytest.mark.django_db

LENSES = 3  # a native lens, an imported lens and a second native lens

answers = st.one_of(
    st.builds(
        lambda picks: {"selected": picks},
        st.lists(st.integers(0, 4), max_size=4, unique=True),
    ),
    st.just({"is_applicable": False, "reason": "OTHER"}),
    st.just({"selected": ["none"]}),
    st.builds(
        lambda picks, na: {
            "selected": picks,
            "choices_not_applicable": {na: {"reason": "OUT_OF_SCOPE", "note": ""}},
        },
        st.lists(st.integers(0, 2), max_size=2, unique=True),
        st.integers(3, 4),
    ),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.integers(0, LENSES - 1), st.integers(0, 3), answers),
        st.tuples(st.just("upgrade"), st.integers(0, LENSES - 1)),
        st.tuples(st.just("add"), st.integers(0, LENSES - 1), st.booleans()),
        st.tuples(st.just("remove"), st.integers(0, LENSES - 1)),
    ),
    max_size=20,
)


def _banks():
    """(first version, next version) per lens; next versions drop q2, add q3 and change
    choices, so upgrades carry, drop and add answers."""
    pairs = []
    for kind in ("native", "imported", "native"):
        v1 = factories.make_bank(questions=3, practices=4, kind=kind)
        v2 = next_version(
            v1,
            {
                "q0": ["q0_c0", "q0_c1", "q0_c9", "q0_no"],
                "q1": ["q1_c0", "q1_c1", "q1_c2", "q1_c3", "q1_no"],
                "q3": ["q3_c0", "q3_c1", "q3_no"],
            },
        )
        pairs.append((v1, v2))
    return pairs


def _data(question: Question, spec: dict) -> dict:
    choices = list(Choice.objects.filter(question=question).order_by("order", "pk"))
    real = [c.ref for c in choices if not c.is_none]
    nones = [c.ref for c in choices if c.is_none]
    data = {**EMPTY.to_json(), **{k: v for k, v in spec.items() if k != "selected"}}
    picks = spec.get("selected", [])
    if picks == ["none"]:
        data["selected"] = nones[:1]
    else:
        data["selected"] = [real[i] for i in picks if i < len(real)]
    na = spec.get("choices_not_applicable", {})
    data["choices_not_applicable"] = {
        real[i]: entry
        for i, entry in na.items()
        if i < len(real) and real[i] not in data["selected"]
    }
    return data


def _apply(workload, banks, op, user) -> None:
    kind, lens = op[0], op[1]
    v1, v2 = banks[lens]
    review = LensReview.objects.active().filter(workload=workload, lens_id=v1.lens_id).first()
    if kind == "add" and review is None:
        lens_review_add(workload=workload, lens_version=v2 if op[2] else v1, user=user)
    elif kind == "remove" and review is not None:
        if LensReview.objects.active().filter(workload=workload).count() > 1:
            lens_review_remove(lens_review=review, user=user)
    elif kind == "upgrade" and review is not None and review.lens_version_id == v1.pk:
        lens_review_upgrade(lens_review=review, to_version=v2, user=user)
    elif kind == "save" and review is not None:
        questions = list(
            Question.objects.filter(pillar__version_id=review.lens_version_id)
            .select_related("pillar")
            .order_by("order", "pk")
        )
        question = questions[op[2] % len(questions)]
        current = Answer.objects.filter(lens_review=review, question=question).first()
        answer_save(
            workload=workload,
            question=question,
            data=_data(question, op[3]),
            expected_version=current.version if current else 0,
            user=user,
        )


def test_stored_counts_equal_a_fresh_scoring_after_any_sequence_of_changes():
    banks = _banks()
    user = factories.UserFactory()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(first=st.integers(0, LENSES - 1), ops=operations)
    def run(first, ops):
        workload = factories.WorkloadFactory(lens_version=banks[first][0])
        for op in ops:
            _apply(workload, banks, op, user)
        assert counts_recompute(fix=False, workload_ids=[workload.pk]) == []

    run()
