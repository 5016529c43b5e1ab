"""Pure-Python banks for the scoring tests: REL 3-5 from its facts and any custom-lens JSON.

No Django and no database, so property tests can run thousands of examples quickly.
"""

from __future__ import annotations

import json
from pathlib import Path

from questions import rules as rule_engine
from reviews import scoring
from reviews.vocab import BankKind, Risk

LENS_DIR = Path(__file__).parent / "data" / "lenses"
LENS_FILES = sorted(LENS_DIR.glob("*.json"))

H, M, L = Risk.HIGH, Risk.MEDIUM, Risk.LOW

# (question id, [(choice id, risk level)]) from the REL 3-5 facts (shared/rel-3-5-facts.md):
# the expectation the shipped bank is checked against.
REL_QUESTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "service-architecture",
        (
            ("rel_service_architecture_monolith_soa_microservice", H),
            ("rel_service_architecture_business_domains", H),
            ("rel_service_architecture_api_contracts", M),
        ),
    ),
    (
        "prevent-interaction-failure",
        (
            ("rel_prevent_interaction_failure_identify", H),
            ("rel_prevent_interaction_failure_loosely_coupled_system", H),
            ("rel_prevent_interaction_failure_constant_work", L),
            ("rel_prevent_interaction_failure_idempotent", M),
        ),
    ),
    (
        "mitigate-interaction-failure",
        (
            ("rel_mitigate_interaction_failure_graceful_degradation", H),
            ("rel_mitigate_interaction_failure_throttle_requests", H),
            ("rel_mitigate_interaction_failure_limit_retries", H),
            ("rel_mitigate_interaction_failure_fail_fast", H),
            ("rel_mitigate_interaction_failure_client_timeouts", H),
            ("rel_mitigate_interaction_failure_stateless", M),
            ("rel_mitigate_interaction_failure_emergency_levers", M),
        ),
    ),
)
REL_PILLAR = "reliability"


SHIPPED_REL = Path(__file__).parents[2] / "questions" / "banks" / "rel-3-5.json"


def none_ref(question_ref: str) -> str:
    """The "None of these" choice of a REL question in the shipped bank."""
    data = json.loads(SHIPPED_REL.read_text(encoding="utf-8"))
    return next(
        c["id"]
        for p in data["pillars"]
        for q in p["questions"]
        if q["id"] == question_ref
        for c in q["choices"]
        if c.get("isNone")
    )


def rel_bank() -> scoring.Bank:
    """The shipped REL 3-5 bank (questions/banks/rel-3-5.json) as the loader would build it,
    in pure Python so that property tests need no database."""
    data = json.loads(SHIPPED_REL.read_text(encoding="utf-8"))
    pillars = []
    for pillar in data["pillars"]:
        questions = tuple(
            scoring.Question(
                ref=q["id"],
                title=q["title"],
                practices=tuple(
                    scoring.Practice(
                        ref=c["id"],
                        title=c["title"],
                        risk=c.get("risk") or None,
                        is_none=bool(c.get("isNone")),
                        improvement_text=c.get("improvementPlan", ""),
                    )
                    for c in q["choices"]
                ),
            )
            for q in pillar["questions"]
        )
        pillars.append(scoring.Pillar(pillar["id"], pillar["name"], questions))
    return scoring.Bank(kind=BankKind.NATIVE, pillars=tuple(pillars))


def bank_from_lens_json(data: dict) -> scoring.Bank:
    """An imported bank from a custom-lens JSON document, as the importer would store it."""
    pillars = []
    for pillar in data["pillars"]:
        questions = []
        for question in pillar["questions"]:
            choice_ids = [c["id"] for c in question["choices"]]
            practices = tuple(
                scoring.Practice(
                    ref=c["id"],
                    title=c["title"],
                    is_none=c["id"].endswith("_no"),
                    improvement_text=(c.get("improvementPlan") or {}).get("displayText", ""),
                    improvement_url=(c.get("improvementPlan") or {}).get("url", ""),
                )
                for c in question["choices"]
            )
            rules = tuple(
                rule_engine.CompiledRule(rule_engine.parse(r["condition"], choice_ids), r["risk"])
                for r in question["riskRules"]
            )
            questions.append(scoring.Question(question["id"], question["title"], practices, rules))
        pillars.append(scoring.Pillar(pillar["id"], pillar["name"], tuple(questions)))
    return scoring.Bank(kind=BankKind.IMPORTED, pillars=tuple(pillars))


def lens_bank(path: Path) -> scoring.Bank:
    return bank_from_lens_json(json.loads(path.read_text(encoding="utf-8")))
