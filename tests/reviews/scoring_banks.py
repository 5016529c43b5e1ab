"""Pure-Python banks for the scoring tests: REL 3-5 from its facts and any custom-lens JSON.

No Django and no database, so property tests can run thousands of examples quickly.
"""

from __future__ import annotations

import json
from pathlib import Path

from questions import rules as rule_engine
from reviews import scoring

LENS_DIR = Path(__file__).parent / "data" / "lenses"
LENS_FILES = sorted(LENS_DIR.glob("*.json"))

H, M, L = scoring.HIGH, scoring.MEDIUM, scoring.LOW

# (question id, [(choice id, risk level)]) from /work/shared/rel-3-5-facts.md
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


def none_ref(question_ref: str) -> str:
    return f"{question_ref}_no"


def rel_bank() -> scoring.Bank:
    questions = tuple(
        scoring.Question(
            ref=qref,
            title=qref,
            practices=tuple(scoring.Practice(ref, ref, risk) for ref, risk in practices)
            + (scoring.Practice(none_ref(qref), "None of these", None, is_none=True),),
        )
        for qref, practices in REL_QUESTIONS
    )
    return scoring.Bank(
        kind=scoring.NATIVE, pillars=(scoring.Pillar(REL_PILLAR, "Reliability", questions),)
    )


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
    return scoring.Bank(kind=scoring.IMPORTED, pillars=tuple(pillars))


def lens_bank(path: Path) -> scoring.Bank:
    return bank_from_lens_json(json.loads(path.read_text(encoding="utf-8")))
