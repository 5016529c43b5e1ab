"""Scoring: a lens version's questions and a workload's answers in, risks out.

Pure Python with no Django import (see ``reviews/loader.py`` for the ORM side), so it can be
tested with plain tables and property tests and reused by pages, milestones and PDF reports.

Rules, per question:
- not applicable -> NOT_APPLICABLE; nothing selected -> UNANSWERED;
- native banks (risk level per best practice): everything followed -> NONE, otherwise the
  highest level among the practices neither followed nor marked not applicable ("None of
  these" follows none of them);
- imported banks: the lens's risk rules (``questions.rules.evaluate``), with practices marked
  not applicable counted as satisfied; HIGH_RISK/MEDIUM_RISK/NO_RISK map to HIGH/MEDIUM/NONE.

Per best practice: followed, not followed or not applicable. A practice not followed carries
its own risk level in a native bank; in an imported bank it carries the question's risk when
only that practice is missing (LOW when that alone leaves the question at no risk).

Score (0-100): the mean over the answered, applicable questions of NONE=100, LOW=75,
MEDIUM=50, HIGH=0; ``None`` while no applicable question is answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from questions import rules as rule_engine
from questions.vocab import BankKind, Risk, RuleRisk
from reviews.vocab import PracticeStatus

_SEVERITY: dict[str, int] = {Risk.HIGH: 3, Risk.MEDIUM: 2, Risk.LOW: 1, Risk.NONE: 0}
_SCORE: dict[str, int] = {Risk.NONE: 100, Risk.LOW: 75, Risk.MEDIUM: 50, Risk.HIGH: 0}
_RULE_RISK: dict[str, Risk] = {
    RuleRisk.HIGH: Risk.HIGH,
    RuleRisk.MEDIUM: Risk.MEDIUM,
    RuleRisk.NONE: Risk.NONE,
}


# --- Inputs -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Practice:
    ref: str
    title: str
    risk: str | None = None  # one of PRACTICE_LEVELS in native banks
    is_none: bool = False  # the "None of these" choice
    improvement_text: str = ""
    improvement_url: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    ref: str
    title: str
    practices: tuple[Practice, ...]
    rules: tuple[rule_engine.CompiledRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Pillar:
    ref: str
    name: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Bank:
    kind: str  # a BankKind
    pillars: tuple[Pillar, ...]


@dataclass(frozen=True, slots=True)
class AnswerState:
    selected: frozenset[str] = frozenset()
    is_applicable: bool = True
    practices_not_applicable: frozenset[str] = frozenset()


# --- Outputs ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PracticeResult:
    ref: str
    title: str
    status: str
    risk: str | None  # the risk while not followed; None when followed or not applicable


@dataclass(frozen=True, slots=True)
class QuestionResult:
    ref: str
    title: str
    pillar_ref: str
    risk: str
    practices: tuple[PracticeResult, ...]


@dataclass(frozen=True, slots=True)
class PlanItem:
    pillar_ref: str
    question_ref: str
    question_title: str
    practice_ref: str
    practice_title: str
    risk: str
    improvement_text: str
    improvement_url: str


@dataclass(frozen=True, slots=True)
class PillarResult:
    ref: str
    name: str
    counts: Mapping[str, int]
    score: int | None


@dataclass(frozen=True, slots=True)
class WorkloadResult:
    questions: tuple[QuestionResult, ...]
    pillars: tuple[PillarResult, ...]
    counts: Mapping[str, int]
    score: int | None
    improvement_plan: tuple[PlanItem, ...] = field(default=())

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def answered(self) -> int:
        return self.total - self.counts[Risk.UNANSWERED]

    def question(self, ref: str, pillar_ref: str | None = None) -> QuestionResult:
        """A question's result; pass ``pillar_ref`` when ids repeat across pillars (they may:
        ids are unique within their pillar only)."""
        return next(
            q
            for q in self.questions
            if q.ref == ref and (pillar_ref is None or q.pillar_ref == pillar_ref)
        )


# --- Scoring ----------------------------------------------------------------------------------
def _native_question(question: Question, answer: AnswerState) -> tuple[str, dict[str, str]]:
    missing: dict[str, str] = {}
    for practice in question.practices:
        if practice.is_none or practice.ref in answer.practices_not_applicable:
            continue
        if practice.ref not in answer.selected:
            missing[practice.ref] = practice.risk or Risk.HIGH
    if not missing:
        return Risk.NONE, missing
    return max(missing.values(), key=lambda r: _SEVERITY[r]), missing


def _imported_question(question: Question, answer: AnswerState) -> tuple[str, dict[str, str]]:
    satisfied = answer.selected | answer.practices_not_applicable
    risk = _RULE_RISK[rule_engine.evaluate(question.rules, satisfied)]
    real = [p for p in question.practices if not p.is_none]
    all_refs = frozenset(p.ref for p in real) | answer.practices_not_applicable
    missing: dict[str, str] = {}
    for practice in real:
        if practice.ref in satisfied:
            continue
        alone = _RULE_RISK[rule_engine.evaluate(question.rules, all_refs - {practice.ref})]
        missing[practice.ref] = Risk.LOW if alone == Risk.NONE else alone
    return risk, missing


def score_question(
    bank_kind: str, question: Question, answer: AnswerState | None
) -> tuple[str, tuple[PracticeResult, ...]]:
    """The question's risk and each practice's result."""
    if answer is not None and not answer.is_applicable:
        return Risk.NOT_APPLICABLE, tuple(
            PracticeResult(p.ref, p.title, PracticeStatus.NOT_APPLICABLE, None)
            for p in question.practices
            if not p.is_none
        )
    if answer is None or not answer.selected:
        return Risk.UNANSWERED, tuple(
            PracticeResult(
                p.ref,
                p.title,
                PracticeStatus.NOT_APPLICABLE
                if answer and p.ref in answer.practices_not_applicable
                else PracticeStatus.UNANSWERED,
                None,
            )
            for p in question.practices
            if not p.is_none
        )
    scorer = _native_question if bank_kind == BankKind.NATIVE else _imported_question
    risk, missing = scorer(question, answer)
    practices = []
    for p in question.practices:
        if p.is_none:
            continue
        if p.ref in answer.practices_not_applicable:
            practices.append(PracticeResult(p.ref, p.title, PracticeStatus.NOT_APPLICABLE, None))
        elif p.ref in missing:
            practices.append(
                PracticeResult(p.ref, p.title, PracticeStatus.NOT_FOLLOWED, missing[p.ref])
            )
        else:
            practices.append(PracticeResult(p.ref, p.title, PracticeStatus.FOLLOWED, None))
    return risk, tuple(practices)


def question_risk(bank_kind: str, question: Question, answer: AnswerState | None) -> str:
    """``score_question``'s risk alone: one rule evaluation for an imported question, not one
    more per practice (the side navigation shows only the risk of every question)."""
    if answer is not None and not answer.is_applicable:
        return Risk.NOT_APPLICABLE
    if answer is None or not answer.selected:
        return Risk.UNANSWERED
    if bank_kind == BankKind.NATIVE:
        return _native_question(question, answer)[0]
    satisfied = answer.selected | answer.practices_not_applicable
    return _RULE_RISK[rule_engine.evaluate(question.rules, satisfied)]


def question_risks(bank: Bank, answers: Mapping[str, AnswerState]) -> list[str]:
    """Every question's risk in bank order: ``[q.risk for q in score_workload(...).questions]``."""
    return [
        question_risk(bank.kind, question, answers.get(answer_key(pillar.ref, question.ref)))
        for pillar in bank.pillars
        for question in pillar.questions
    ]


def _counts(risks: list[str]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(Risk, 0)
    for risk in risks:
        counts[risk] += 1
    return counts


def _score(risks: list[str]) -> int | None:
    return score_from_counts(_counts(risks))


def score_from_counts(counts: Mapping[str, int]) -> int | None:
    """The score of questions with these risk counts: the same figure ``score_workload``
    gives, so stored counts are enough to show a score."""
    scored = sum(counts.get(risk, 0) for risk in _SCORE)
    if not scored:
        return None
    return round(sum(points * counts.get(risk, 0) for risk, points in _SCORE.items()) / scored)


def sum_counts(many: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Counts added up risk by risk (a workload's counts are the sum of its lens reviews')."""
    total: dict[str, int] = dict.fromkeys(Risk, 0)
    for counts in many:
        for risk in Risk:
            total[risk] += counts.get(risk, 0)
    return total


def score_workload(bank: Bank, answers: Mapping[str, AnswerState]) -> WorkloadResult:
    """Score every question of ``bank``; ``answers`` is keyed by ``answer_key``."""
    questions: list[QuestionResult] = []
    pillars: list[PillarResult] = []
    plan: list[tuple[int, int, PlanItem]] = []
    for pillar in bank.pillars:
        pillar_risks = []
        for question in pillar.questions:
            answer = answers.get(answer_key(pillar.ref, question.ref))
            risk, practices = score_question(bank.kind, question, answer)
            pillar_risks.append(risk)
            questions.append(
                QuestionResult(question.ref, question.title, pillar.ref, risk, practices)
            )
            by_ref = {p.ref: p for p in question.practices}
            for result in practices:
                if result.status != PracticeStatus.NOT_FOLLOWED:
                    continue
                practice = by_ref[result.ref]
                item = PlanItem(
                    pillar_ref=pillar.ref,
                    question_ref=question.ref,
                    question_title=question.title,
                    practice_ref=practice.ref,
                    practice_title=practice.title,
                    risk=result.risk or Risk.HIGH,
                    improvement_text=practice.improvement_text,
                    improvement_url=practice.improvement_url,
                )
                plan.append((-_SEVERITY[item.risk], len(plan), item))
        pillars.append(
            PillarResult(pillar.ref, pillar.name, _counts(pillar_risks), _score(pillar_risks))
        )
    all_risks = [q.risk for q in questions]
    plan.sort(key=lambda entry: entry[:2])
    return WorkloadResult(
        questions=tuple(questions),
        pillars=tuple(pillars),
        counts=_counts(all_risks),
        score=_score(all_risks),
        improvement_plan=tuple(item for _, _, item in plan),
    )


def pillar_rank(priorities: Sequence[str]) -> Callable[[str], int]:
    """A pillar id's place in ``priorities`` (pillars not listed come after, all equal)."""
    index = {ref: i for i, ref in enumerate(priorities)}
    return lambda ref: index.get(ref, len(index))


def combine_results(
    parts: Sequence[tuple[str, str, WorkloadResult]], pillar_priorities: Sequence[str] = ()
) -> WorkloadResult:
    """Several lenses' results as one workload result.

    ``parts`` are (lens key, lens name, result). Pillars and questions follow lens after lens,
    their pillar ids prefixed with ``<lens key>:`` (ids repeat across lenses); with more than
    one lens a pillar's name starts with its lens's name. Counts add up; the score is over
    every answered, applicable question. The plan follows ``pillar_priorities`` (pillar ids as
    in the banks, across lenses, as in the AWS tool), then the highest risk, then lens order.
    """
    rank = pillar_rank(pillar_priorities)
    label = len(parts) > 1
    questions: list[QuestionResult] = []
    pillars: list[PillarResult] = []
    plan: list[tuple[int, int, int, PlanItem]] = []
    for key, name, result in parts:
        for q in result.questions:
            questions.append(
                QuestionResult(q.ref, q.title, f"{key}:{q.pillar_ref}", q.risk, q.practices)
            )
        for p in result.pillars:
            pillars.append(
                PillarResult(
                    f"{key}:{p.ref}", f"{name} · {p.name}" if label else p.name, p.counts, p.score
                )
            )
        for item in result.improvement_plan:
            moved = PlanItem(**{**_plan_fields(item), "pillar_ref": f"{key}:{item.pillar_ref}"})
            plan.append((rank(item.pillar_ref), -_SEVERITY[item.risk], len(plan), moved))
    plan.sort(key=lambda entry: entry[:3])
    counts = sum_counts(r.counts for _, _, r in parts)
    return WorkloadResult(
        questions=tuple(questions),
        pillars=tuple(pillars),
        counts=counts,
        score=score_from_counts(counts),
        improvement_plan=tuple(entry[-1] for entry in plan),
    )


def _plan_fields(item: PlanItem) -> dict[str, str]:
    return {f: getattr(item, f) for f in PlanItem.__dataclass_fields__}


def answer_key(pillar_ref: str, question_ref: str) -> str:
    """Question ids are unique within a pillar, so answers are keyed by both."""
    return f"{pillar_ref}/{question_ref}"


# --- Snapshots --------------------------------------------------------------------------------
# Milestones store a WorkloadResult as JSON; these two functions are exact inverses so that a
# milestone shows the same numbers forever, whatever happens to the answers or the engine.
SNAPSHOT_FORMAT = 1


def result_to_json(result: WorkloadResult) -> dict:
    return {
        "format": SNAPSHOT_FORMAT,
        "questions": [
            {
                "ref": q.ref,
                "title": q.title,
                "pillar_ref": q.pillar_ref,
                "risk": q.risk,
                "practices": [[p.ref, p.title, p.status, p.risk] for p in q.practices],
            }
            for q in result.questions
        ],
        "pillars": [
            {"ref": p.ref, "name": p.name, "counts": dict(p.counts), "score": p.score}
            for p in result.pillars
        ],
        "counts": dict(result.counts),
        "score": result.score,
        "improvement_plan": [
            {
                "pillar_ref": i.pillar_ref,
                "question_ref": i.question_ref,
                "question_title": i.question_title,
                "practice_ref": i.practice_ref,
                "practice_title": i.practice_title,
                "risk": i.risk,
                "improvement_text": i.improvement_text,
                "improvement_url": i.improvement_url,
            }
            for i in result.improvement_plan
        ],
    }


def result_from_json(data: Mapping) -> WorkloadResult:
    def counts(raw: Mapping) -> dict[str, int]:
        return {risk: int(raw.get(risk, 0)) for risk in Risk}

    return WorkloadResult(
        questions=tuple(
            QuestionResult(
                ref=q["ref"],
                title=q["title"],
                pillar_ref=q["pillar_ref"],
                risk=q["risk"],
                practices=tuple(PracticeResult(*p) for p in q["practices"]),
            )
            for q in data.get("questions", ())
        ),
        pillars=tuple(
            PillarResult(p["ref"], p["name"], counts(p["counts"]), p["score"])
            for p in data.get("pillars", ())
        ),
        counts=counts(data.get("counts", {})),
        score=data.get("score"),
        improvement_plan=tuple(PlanItem(**i) for i in data.get("improvement_plan", ())),
    )


def severity(risk: str) -> int:
    """HIGH 3, MEDIUM 2, LOW 1, NONE 0; -1 for unanswered and not applicable."""
    return _SEVERITY.get(risk, -1)


# --- Comparison -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuestionChange:
    """How one question differs between two results (a milestone and another, or now).

    ``risk_before``/``risk_after`` is ``None`` when the question exists on one side only (the
    workload moved to another lens version in between).
    """

    pillar_ref: str
    question_ref: str
    title: str
    risk_before: str | None
    risk_after: str | None
    newly_followed: tuple[str, ...]  # practice titles, bank order
    no_longer_followed: tuple[str, ...]

    @property
    def risk_changed(self) -> bool:
        return self.risk_before != self.risk_after

    @property
    def direction(self) -> str:
        """ "better", "worse" or "same", by severity; answering counts as neither."""
        before, after = severity(self.risk_before or ""), severity(self.risk_after or "")
        if before < 0 or after < 0 or before == after:
            return "same"
        return "better" if after < before else "worse"


def compare_results(before: WorkloadResult, after: WorkloadResult) -> tuple[QuestionChange, ...]:
    """Every question whose risk changed or whose followed practices changed, in the order of
    ``after`` (then questions found only in ``before``)."""

    def index(result: WorkloadResult) -> dict[tuple[str, str], QuestionResult]:
        return {(q.pillar_ref, q.ref): q for q in result.questions}

    old, new = index(before), index(after)
    keys = list(new) + [k for k in old if k not in new]
    changes = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        followed_a = (
            {p.ref for p in a.practices if p.status == PracticeStatus.FOLLOWED} if a else set()
        )
        followed_b = (
            {p.ref for p in b.practices if p.status == PracticeStatus.FOLLOWED} if b else set()
        )
        titles = {p.ref: p.title for q in (a, b) if q for p in q.practices}
        order = [p.ref for q in (b, a) if q for p in q.practices]
        seen: dict[str, None] = dict.fromkeys(order)
        gained = tuple(titles[r] for r in seen if r in followed_b and r not in followed_a)
        lost = tuple(titles[r] for r in seen if r in followed_a and r not in followed_b)
        risk_a, risk_b = (a.risk if a else None), (b.risk if b else None)
        if risk_a == risk_b and not gained and not lost:
            continue
        either = b or a
        assert either is not None  # every key comes from one side or the other
        changes.append(
            QuestionChange(
                pillar_ref=key[0],
                question_ref=key[1],
                title=either.title,
                risk_before=risk_a,
                risk_after=risk_b,
                newly_followed=gained,
                no_longer_followed=lost,
            )
        )
    return tuple(changes)
