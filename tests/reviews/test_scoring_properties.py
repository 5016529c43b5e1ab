"""Property tests of the scoring engine (hypothesis, 1,000 examples each, no database).

Banks: REL 3-5 and random level-derived (native) banks, plus every custom-lens JSON file
shipped in tests/reviews/data/lenses, each built in pure Python.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from questions import rules as rule_engine
from reviews import scoring
from reviews.scoring import AnswerState
from reviews.vocab import BankKind, PracticeStatus, Risk
from tests.reviews.scoring_banks import LENS_FILES, lens_bank, rel_bank

MANY = settings(max_examples=1000, deadline=None)
SEVERITY = {Risk.HIGH: 3, Risk.MEDIUM: 2, Risk.LOW: 1, Risk.NONE: 0}

REL = rel_bank()
LENS_BANKS = [lens_bank(path) for path in LENS_FILES]
assert len(LENS_BANKS) == 4  # a missing data file must fail loudly, not shrink the test


# --- strategies -------------------------------------------------------------------------------
@st.composite
def native_banks(draw) -> scoring.Bank:
    pillars = []
    for p in range(draw(st.integers(1, 3))):
        questions = []
        for q in range(draw(st.integers(1, 4))):
            level = st.sampled_from([Risk.HIGH, Risk.MEDIUM, Risk.LOW])
            levels = draw(st.lists(level, min_size=1, max_size=8))
            practices = tuple(
                scoring.Practice(f"p{p}q{q}c{i}", f"Practice {i}", level)
                for i, level in enumerate(levels)
            )
            if draw(st.booleans()):
                practices += (scoring.Practice(f"p{p}q{q}_no", "None of these", is_none=True),)
            questions.append(scoring.Question(f"q{q}", f"Question {q}", practices))
        pillars.append(scoring.Pillar(f"p{p}", f"Pillar {p}", tuple(questions)))
    return scoring.Bank(BankKind.NATIVE, tuple(pillars))


def rules_from_levels(bank: scoring.Bank) -> scoring.Bank:
    """The same bank as an imported one, with the risk rules our exporter derives from the
    levels (``questions.exporter.native_rules``): what AWS or a re-import would score with."""
    from questions.exporter import native_rules

    def question(q: scoring.Question) -> scoring.Question:
        rows = [{"ref": p.ref, "risk": p.risk or "", "is_none": p.is_none} for p in q.practices]
        rules = tuple(
            rule_engine.CompiledRule(rule_engine.parse(r["condition"]), r["risk"])
            for r in native_rules(rows)
        )
        practices = tuple(replace(p, risk=None) for p in q.practices)
        return replace(q, practices=practices, rules=rules)

    return scoring.Bank(
        BankKind.IMPORTED,
        tuple(replace(p, questions=tuple(map(question, p.questions))) for p in bank.pillars),
    )


def level_banks():
    """Banks whose risks derive from levels: REL, random native banks, and both as imported
    banks with the rules derived from their levels."""
    native = st.one_of(st.just(REL), native_banks())
    return st.one_of(native, native.map(rules_from_levels))


def every_bank():
    return st.one_of(st.just(REL), native_banks(), st.sampled_from(LENS_BANKS))


def _questions(bank: scoring.Bank):
    return [(pillar.ref, question) for pillar in bank.pillars for question in pillar.questions]


@st.composite
def answer_for(draw, question: scoring.Question) -> AnswerState | None:
    # Bit masks rather than lists: one draw per field keeps 1,000 examples of a 42-question
    # lens fast.
    if draw(st.integers(0, 9)) == 0:
        return None  # never saved
    refs = [p.ref for p in question.practices]
    selected = draw(st.integers(0, 2 ** len(refs) - 1))
    not_applicable = draw(st.integers(0, 2 ** len(refs) - 1)) if draw(st.booleans()) else 0
    return AnswerState(
        selected=frozenset(ref for i, ref in enumerate(refs) if selected >> i & 1),
        is_applicable=draw(st.integers(0, 7)) != 0,
        practices_not_applicable=frozenset(
            ref for i, ref in enumerate(refs) if not_applicable >> i & 1
        ),
    )


@st.composite
def bank_and_answers(draw, banks):
    bank = draw(banks)
    answers = {}
    for pillar_ref, question in _questions(bank):
        answer = draw(answer_for(question))
        if answer is not None:
            answers[scoring.answer_key(pillar_ref, question.ref)] = answer
    return bank, answers


# --- level-derived banks ----------------------------------------------------------------------
@MANY
@given(case=bank_and_answers(level_banks()), data=st.data())
def test_following_one_more_practice_never_raises_a_question_risk(case, data):
    bank, answers = case
    pillar_ref, question = data.draw(st.sampled_from(_questions(bank)))
    key = scoring.answer_key(pillar_ref, question.ref)
    before = answers.get(key) or AnswerState()
    extra = data.draw(st.sampled_from([p.ref for p in question.practices if not p.is_none]))
    after = AnswerState(
        selected=before.selected | {extra},
        is_applicable=before.is_applicable,
        practices_not_applicable=before.practices_not_applicable,
    )
    scored_before = scoring.score_workload(bank, {**answers, key: before})
    scored_after = scoring.score_workload(bank, {**answers, key: after})
    result_before = scored_before.question(question.ref, pillar_ref)
    result_after = scored_after.question(question.ref, pillar_ref)
    if result_before.risk in SEVERITY:
        # An answered question: one more practice followed can only lower or keep the risk.
        assert SEVERITY[result_after.risk] <= SEVERITY[result_before.risk]
    else:
        # Unanswered stays unanswered only if nothing is ticked; NA stays NA.
        assert result_before.risk in (Risk.UNANSWERED, Risk.NOT_APPLICABLE)
        assert result_after.risk == Risk.NOT_APPLICABLE or result_after.risk in SEVERITY


@MANY
@given(case=bank_and_answers(level_banks()), data=st.data())
def test_everything_followed_gives_no_risk(case, data):
    bank, answers = case
    pillar_ref, question = data.draw(st.sampled_from(_questions(bank)))
    key = scoring.answer_key(pillar_ref, question.ref)
    previous = answers.get(key) or AnswerState()
    every = frozenset(p.ref for p in question.practices if not p.is_none)
    with_none = data.draw(st.booleans())
    selected = every | (
        {p.ref for p in question.practices if p.is_none} if with_none else frozenset()
    )
    answers[key] = AnswerState(
        selected=selected, practices_not_applicable=previous.practices_not_applicable
    )
    result = scoring.score_workload(bank, answers).question(question.ref, pillar_ref)
    assert result.risk == Risk.NONE
    assert all(p.status != PracticeStatus.NOT_FOLLOWED for p in result.practices)


@MANY
@given(case=bank_and_answers(st.one_of(st.just(REL), native_banks())))
def test_rules_derived_from_levels_agree_with_the_levels(case):
    """The exporter's derived rules score like the levels, except that AWS has no LOW risk:
    a question whose only gaps are LOW practices is NONE under the rules."""
    bank, answers = case
    by_levels = scoring.score_workload(bank, answers)
    by_rules = scoring.score_workload(rules_from_levels(bank), answers)
    for native, imported in zip(by_levels.questions, by_rules.questions, strict=True):
        expected = Risk.NONE if native.risk == Risk.LOW else native.risk
        assert imported.risk == expected


# --- every bank -------------------------------------------------------------------------------
@MANY
@given(case=bank_and_answers(every_bank()), data=st.data())
def test_marking_a_question_not_applicable_moves_only_that_question(case, data):
    """Marking a question not applicable puts it in NOT_APPLICABLE, takes it out of the count it
    was in, and leaves every other question's result (and so every other count) unchanged."""
    bank, answers = case
    pillar_ref, question = data.draw(st.sampled_from(_questions(bank)))
    key = scoring.answer_key(pillar_ref, question.ref)
    before = scoring.score_workload(bank, answers)
    previous = answers.get(key) or AnswerState()
    marked = {
        **answers,
        key: AnswerState(
            selected=previous.selected,
            is_applicable=False,
            practices_not_applicable=previous.practices_not_applicable,
        ),
    }
    after = scoring.score_workload(bank, marked)

    def others(result):
        return [q for q in result.questions if (q.pillar_ref, q.ref) != (pillar_ref, question.ref)]

    assert others(after) == others(before)
    old_risk = next(
        q.risk for q in before.questions if (q.pillar_ref, q.ref) == (pillar_ref, question.ref)
    )
    expected = Counter(before.counts)
    expected[old_risk] -= 1
    expected[Risk.NOT_APPLICABLE] += 1
    assert dict(after.counts) == {risk: expected[risk] for risk in tuple(Risk)}
    assert after.question(question.ref, pillar_ref).risk == Risk.NOT_APPLICABLE
    marked_result = after.question(question.ref, pillar_ref)
    assert all(p.status == PracticeStatus.NOT_APPLICABLE for p in marked_result.practices)
    planned = {(i.pillar_ref, i.question_ref) for i in after.improvement_plan}
    assert (pillar_ref, question.ref) not in planned


@MANY
@given(case=bank_and_answers(every_bank()))
def test_counts_add_up_to_the_number_of_questions(case):
    bank, answers = case
    result = scoring.score_workload(bank, answers)
    assert set(result.counts) == set(Risk)
    assert sum(result.counts.values()) == len(_questions(bank)) == result.total
    for pillar, pillar_result in zip(bank.pillars, result.pillars, strict=True):
        assert sum(pillar_result.counts.values()) == len(pillar.questions)
    for risk in tuple(Risk):
        assert sum(p.counts[risk] for p in result.pillars) == result.counts[risk]
    assert result.answered == result.total - result.counts[Risk.UNANSWERED]
    assert result.score is None or 0 <= result.score <= 100


@MANY
@given(case=bank_and_answers(every_bank()))
def test_question_risks_alone_are_the_full_scorings_risks(case):
    bank, answers = case
    full = scoring.score_workload(bank, answers)
    assert scoring.question_risks(bank, answers) == [q.risk for q in full.questions]


@MANY
@given(case=bank_and_answers(every_bank()))
def test_results_are_deterministic_whatever_the_order_of_answers(case):
    bank, answers = case
    first = scoring.score_workload(bank, answers)
    shuffled = {
        key: AnswerState(
            selected=frozenset(sorted(a.selected, reverse=True)),
            is_applicable=a.is_applicable,
            practices_not_applicable=frozenset(sorted(a.practices_not_applicable, reverse=True)),
        )
        for key, a in reversed(list(answers.items()))
    }
    assert scoring.score_workload(bank, shuffled) == first
    assert scoring.score_workload(bank, answers) == first
    # and a milestone snapshot gives back exactly the same result
    assert scoring.result_from_json(json.loads(json.dumps(scoring.result_to_json(first)))) == first


@MANY
@given(case=bank_and_answers(every_bank()))
def test_plan_lists_exactly_the_practices_not_followed_by_risk_then_bank_order(case):
    bank, answers = case
    result = scoring.score_workload(bank, answers)
    not_followed = [
        (q.pillar_ref, q.ref, p.ref)
        for q in result.questions
        for p in q.practices
        if p.status == PracticeStatus.NOT_FOLLOWED
    ]
    plan = [(i.pillar_ref, i.question_ref, i.practice_ref) for i in result.improvement_plan]
    assert sorted(plan) == sorted(not_followed)
    order = {entry: n for n, entry in enumerate(not_followed)}
    keys = [
        (-SEVERITY[i.risk], order[(i.pillar_ref, i.question_ref, i.practice_ref)])
        for i in result.improvement_plan
    ]
    assert keys == sorted(keys)
