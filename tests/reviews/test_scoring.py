"""Table-driven scoring tests: REL 3-5 against its documented risk levels, the ORR sample lens
against its risk rules evaluated by hand. Pure Python, no database."""

from __future__ import annotations

import pytest

from reviews import scoring
from reviews.scoring import AnswerState
from reviews.vocab import BankKind, PracticeStatus, Risk
from tests.reviews.scoring_banks import (
    LENS_DIR,
    REL_PILLAR,
    REL_QUESTIONS,
    lens_bank,
    none_ref,
    rel_bank,
)

REL = rel_bank()
ORR = lens_bank(LENS_DIR / "orr-whitepaper-sample.json")


def _rel_cases():
    """(question, case name, answer, expected risk) for every REL question."""
    for qref, practices in REL_QUESTIONS:
        refs = frozenset(ref for ref, _ in practices)
        levels = {risk for _, risk in practices}
        highest = (
            Risk.HIGH if Risk.HIGH in levels else Risk.MEDIUM if Risk.MEDIUM in levels else Risk.LOW
        )
        yield qref, "nothing ticked", AnswerState(), Risk.UNANSWERED
        yield qref, "everything ticked", AnswerState(selected=refs), Risk.NONE
        yield qref, "none of these", AnswerState(selected=frozenset({none_ref(qref)})), highest
        yield qref, "not applicable", AnswerState(is_applicable=False), Risk.NOT_APPLICABLE
        yield (
            qref,
            "not applicable, even with ticks",
            AnswerState(selected=refs, is_applicable=False),
            Risk.NOT_APPLICABLE,
        )
        for ref, risk in practices:
            yield qref, f"{ref} missing", AnswerState(selected=refs - {ref}), risk
            yield (
                qref,
                f"{ref} missing but marked not applicable",
                AnswerState(selected=refs - {ref}, practices_not_applicable=frozenset({ref})),
                Risk.NONE,
            )


REL_CASES = list(_rel_cases())


@pytest.mark.parametrize(
    ("question_ref", "answer", "expected"),
    [(q, a, e) for q, _, a, e in REL_CASES],
    ids=[f"{q}: {name}" for q, name, _, _ in REL_CASES],
)
def test_rel_question_risk_follows_the_documented_levels(question_ref, answer, expected):
    result = scoring.score_workload(REL, {scoring.answer_key(REL_PILLAR, question_ref): answer})
    assert result.question(question_ref).risk == expected
    others = [q.risk for q in result.questions if q.ref != question_ref]
    assert others == [Risk.UNANSWERED] * (len(REL_QUESTIONS) - 1)


def test_shipped_rel_bank_has_the_documented_ids_and_levels():
    shipped = [
        (q.ref, tuple((p.ref, p.risk) for p in q.practices if not p.is_none))
        for q in REL.pillars[0].questions
    ]
    assert shipped == [(q, tuple(ps)) for q, ps in REL_QUESTIONS]
    assert [p.ref for p in REL.pillars] == [REL_PILLAR]
    assert all(sum(p.is_none for p in q.practices) == 1 for q in REL.pillars[0].questions)


@pytest.mark.django_db
def test_loader_builds_the_same_rel_bank_from_the_database(rel_bank):
    from reviews import loader

    loaded = loader.banks_for_versions([rel_bank.pk])[rel_bank.pk]

    def shape(bank):
        return [
            (p.ref, q.ref, c.ref, c.risk, c.is_none)
            for p in bank.pillars
            for q in p.questions
            for c in q.practices
        ]

    assert loaded.kind == BankKind.NATIVE
    assert shape(loaded) == shape(REL)


def test_rel_table_covers_every_level_of_every_question():
    levels = {(q, e) for q, name, _, e in REL_CASES if name.endswith(" missing")}
    assert (
        "prevent-interaction-failure",
        Risk.LOW,
    ) in levels
    assert {q for q, _ in levels} == {q for q, _ in REL_QUESTIONS}
    assert sum(1 for _, name, _, _ in REL_CASES if name.endswith(" missing")) == 14


def test_missing_practice_carries_its_own_level_and_appears_in_the_plan():
    refs = frozenset(ref for ref, _ in REL_QUESTIONS[1][1])
    missing = "rel_prevent_interaction_failure_constant_work"
    answers = {
        scoring.answer_key(REL_PILLAR, "prevent-interaction-failure"): AnswerState(
            selected=refs - {missing}
        )
    }
    result = scoring.score_workload(REL, answers)
    practice = next(
        p for p in result.question("prevent-interaction-failure").practices if p.ref == missing
    )
    assert (practice.status, practice.risk) == (PracticeStatus.NOT_FOLLOWED, Risk.LOW)
    assert [(i.practice_ref, i.risk) for i in result.improvement_plan] == [(missing, Risk.LOW)]


def test_plan_orders_by_risk_then_bank_order():
    answers = {
        scoring.answer_key(REL_PILLAR, qref): AnswerState(selected=frozenset({none_ref(qref)}))
        for qref, _ in REL_QUESTIONS
    }
    plan = scoring.score_workload(REL, answers).improvement_plan
    expected_high = [ref for _, ps in REL_QUESTIONS for ref, risk in ps if risk == Risk.HIGH]
    expected_medium = [ref for _, ps in REL_QUESTIONS for ref, risk in ps if risk == Risk.MEDIUM]
    expected_low = [ref for _, ps in REL_QUESTIONS for ref, risk in ps if risk == Risk.LOW]
    assert [i.practice_ref for i in plan] == expected_high + expected_medium + expected_low
    assert len(plan) == 14


def test_score_weights_no_risk_100_low_75_medium_50_high_0():
    q3, q4, q5 = (frozenset(ref for ref, _ in ps) for _, ps in REL_QUESTIONS)
    answers = {
        scoring.answer_key(REL_PILLAR, "service-architecture"): AnswerState(selected=q3),
        scoring.answer_key(REL_PILLAR, "prevent-interaction-failure"): AnswerState(
            selected=q4 - {"rel_prevent_interaction_failure_constant_work"}
        ),
        scoring.answer_key(REL_PILLAR, "mitigate-interaction-failure"): AnswerState(
            selected=q5 - {"rel_mitigate_interaction_failure_stateless"}
        ),
    }
    result = scoring.score_workload(REL, answers)
    assert [q.risk for q in result.questions] == [Risk.NONE, Risk.LOW, Risk.MEDIUM]
    assert result.score == round((100 + 75 + 50) / 3)
    assert result.pillars[0].score == result.score


def test_score_ignores_unanswered_and_not_applicable_questions():
    q3 = frozenset(ref for ref, _ in REL_QUESTIONS[0][1])
    answers = {
        scoring.answer_key(REL_PILLAR, "service-architecture"): AnswerState(
            selected=q3 - {"rel_service_architecture_monolith_soa_microservice"}
        ),
        scoring.answer_key(REL_PILLAR, "prevent-interaction-failure"): AnswerState(
            is_applicable=False
        ),
    }
    result = scoring.score_workload(REL, answers)
    assert result.score == 0
    assert (
        result.counts[Risk.HIGH]
        == result.counts[Risk.NOT_APPLICABLE]
        == result.counts[Risk.UNANSWERED]
        == 1
    )
    assert result.answered == 2


def test_score_is_none_until_an_applicable_question_is_answered():
    assert scoring.score_workload(REL, {}).score is None
    only_na = {
        scoring.answer_key(REL_PILLAR, qref): AnswerState(is_applicable=False)
        for qref, _ in REL_QUESTIONS
    }
    assert scoring.score_workload(REL, only_na).score is None


# --- ORR sample lens: each rule evaluated by hand -----------------------------------------------
ORR_CASES = [
    # (pillar, question, selected, practices not applicable, expected)
    (
        "architecture",
        "architecture_architecture_diagram",
        {"architecture_diagram"},
        set(),
        Risk.MEDIUM,
    ),
    (
        "architecture",
        "architecture_architecture_diagram",
        {"data_flow_diagram"},
        set(),
        Risk.MEDIUM,
    ),
    (
        "architecture",
        "architecture_architecture_diagram",
        {"data_flow_diagram", "architecture_diagram"},
        set(),
        Risk.NONE,
    ),
    # a practice marked not applicable counts as satisfied in a rule
    (
        "architecture",
        "architecture_architecture_diagram",
        {"architecture_diagram"},
        {"data_flow_diagram"},
        Risk.NONE,
    ),
    ("architecture", "architecture_architecture_diagram", set(), set(), Risk.UNANSWERED),
    ("architecture", "architecture_api_matrix", {"table_provided"}, set(), Risk.NONE),
    (
        "architecture",
        "architecture_failure_models",
        {"failure_model_documented", "hard_failures_known", "soft_failures_known"},
        set(),
        Risk.MEDIUM,
    ),
    (
        "architecture",
        "architecture_failure_models",
        {"failure_model_documented", "hard_failures_known"},
        set(),
        Risk.HIGH,
    ),
    (
        "architecture",
        "architecture_failure_models",
        {
            "failure_model_documented",
            "soft_failures_known",
            "soft_failures_detection",
            "soft_failures_runbooks",
            "hard_failures_known",
            "hard_failures_detection",
            "hard_failures_runbooks",
        },
        set(),
        Risk.NONE,
    ),
    (
        "architecture",
        "architecture_dependency_retry",
        {"sync_API", "aws_services"},
        set(),
        Risk.HIGH,
    ),
    # "(rto_defined) && (!rto_defined)" can never hold: only the default is left
    ("architecture", "architecture_rpo_rto", {"rto_defined"}, set(), Risk.HIGH),
    ("architecture", "architecture_rpo_rto", {"rto_defined", "rto_verified"}, set(), Risk.NONE),
    ("release_quality", "releases_deployment_rollback", {"manual_rollback"}, set(), Risk.MEDIUM),
    # the first matching rule wins
    (
        "release_quality",
        "releases_deployment_rollback",
        {"manual_rollback", "auto_rollback"},
        set(),
        Risk.NONE,
    ),
    ("release_quality", "architecture_load_testing", {"lb_1x"}, set(), Risk.MEDIUM),
    ("release_quality", "architecture_load_testing", {"lb_2x", "lb_xx"}, set(), Risk.HIGH),
    ("release_quality", "architecture_load_testing", {"lb_1x", "lb_2x"}, set(), Risk.MEDIUM),
    ("release_quality", "releases_canary_errors", {"canary_ops"}, set(), Risk.HIGH),
    ("release_quality", "releases_canary_errors", {"canaries_exist"}, set(), Risk.MEDIUM),
    (
        "event_management",
        "event_jvm_metrics",
        {"jvm_metrics", "mem_utilization", "cpu_utilization"},
        set(),
        Risk.MEDIUM,
    ),
    # inode and fs present: the MEDIUM rule fails, fd missing fails NO_RISK, so the default
    (
        "event_management",
        "event_jvm_metrics",
        {"jvm_metrics", "mem_utilization", "cpu_utilization", "inode_capacity", "fs_capacity"},
        set(),
        Risk.HIGH,
    ),
    # the default rule of this question is MEDIUM, not HIGH
    ("event_management", "event_resilience_recoveries", {"runbooks_exist"}, set(), Risk.MEDIUM),
    ("event_management", "event_kpis", {"kpis_reviewed"}, set(), Risk.HIGH),
]


@pytest.mark.parametrize(
    ("pillar", "question", "selected", "not_applicable", "expected"),
    ORR_CASES,
    ids=[f"{q}:{'+'.join(sorted(s)) or 'nothing'}" for _, q, s, _, _ in ORR_CASES],
)
def test_orr_engine_agrees_with_rules_evaluated_by_hand(
    pillar, question, selected, not_applicable, expected
):
    answer = AnswerState(
        selected=frozenset(selected), practices_not_applicable=frozenset(not_applicable)
    )
    result = scoring.score_workload(ORR, {scoring.answer_key(pillar, question): answer})
    assert result.question(question).risk == expected


def test_orr_not_applicable_question_is_counted_apart():
    answers = {
        scoring.answer_key("architecture", "architecture_api_matrix"): AnswerState(
            selected=frozenset({"table_provided"}), is_applicable=False
        ),
        scoring.answer_key("architecture", "architecture_retry_timeouts"): AnswerState(
            selected=frozenset({"reviewed"})
        ),
    }
    result = scoring.score_workload(ORR, answers)
    architecture = result.pillars[0]
    assert architecture.counts[Risk.NOT_APPLICABLE] == 1
    assert architecture.counts[Risk.NONE] == 1
    assert architecture.counts[Risk.UNANSWERED] == 4
    assert result.counts[Risk.UNANSWERED] == 14


def test_orr_missing_practice_takes_the_risk_it_alone_would_cause():
    key = scoring.answer_key("release_quality", "releases_deployment_rollback")
    result = scoring.score_workload(
        ORR, {key: AnswerState(selected=frozenset({"manual_rollback"}))}
    )
    practices = {p.ref: p for p in result.question("releases_deployment_rollback").practices}
    assert practices["manual_rollback"].status == PracticeStatus.FOLLOWED
    assert (practices["auto_rollback"].status, practices["auto_rollback"].risk) == (
        PracticeStatus.NOT_FOLLOWED,
        Risk.MEDIUM,
    )
    item = result.improvement_plan[0]
    assert item.practice_ref == "auto_rollback"
    assert item.improvement_text.startswith("In blue/green deployment environments")
