from __future__ import annotations

import re
from pathlib import Path

from django.core.management import call_command

from questions.banks import load_rel_bank
from questions.content import content_hash, version_tree
from questions.models import Choice, LensVersion, Pillar, Question

# A copy of ../shared/rel-3-5-facts.md, so that the check also runs on a fresh clone.
_ROW = re.compile(r"\| REL\d\d-BP\d\d \| (.+?) \| (High|Medium|Low) \| `([^`]+)` \|")
FACTS = Path(__file__).parent / "data" / "rel-3-5-facts.md"


def _facts() -> dict[str, list[tuple[str, str, str]]]:
    """question id -> [(title, risk, choice id)], parsed from the facts file's tables."""
    result: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in FACTS.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"Question id: `([^`]+)`", line):
            current = m.group(1)
            result[current] = []
        elif m := _ROW.match(line):
            result[current].append((m.group(1), m.group(2).upper(), m.group(3)))
    return result


# The same content as the facts file's tables, spelled out so a reader sees what is pinned.
EXPECTED = {
    "service-architecture": [
        ("rel_service_architecture_monolith_soa_microservice", "HIGH"),
        ("rel_service_architecture_business_domains", "HIGH"),
        ("rel_service_architecture_api_contracts", "MEDIUM"),
    ],
    "prevent-interaction-failure": [
        ("rel_prevent_interaction_failure_identify", "HIGH"),
        ("rel_prevent_interaction_failure_loosely_coupled_system", "HIGH"),
        ("rel_prevent_interaction_failure_constant_work", "LOW"),
        ("rel_prevent_interaction_failure_idempotent", "MEDIUM"),
    ],
    "mitigate-interaction-failure": [
        ("rel_mitigate_interaction_failure_graceful_degradation", "HIGH"),
        ("rel_mitigate_interaction_failure_throttle_requests", "HIGH"),
        ("rel_mitigate_interaction_failure_limit_retries", "HIGH"),
        ("rel_mitigate_interaction_failure_fail_fast", "HIGH"),
        ("rel_mitigate_interaction_failure_client_timeouts", "HIGH"),
        ("rel_mitigate_interaction_failure_stateless", "MEDIUM"),
        ("rel_mitigate_interaction_failure_emergency_levers", "MEDIUM"),
    ],
}


def test_expected_table_matches_the_facts_file():
    facts = _facts()
    assert {q: [(cid, risk) for _, risk, cid in rows] for q, rows in facts.items()} == EXPECTED


def test_rel_bank_matches_the_facts_id_for_id(rel_bank):
    assert rel_bank.status == LensVersion.Status.PUBLISHED
    assert rel_bank.kind == LensVersion.Kind.NATIVE
    assert rel_bank.published_at is not None
    pillars = list(rel_bank.pillars.all())
    assert [(p.ref, p.name) for p in pillars] == [("reliability", "Reliability")]
    questions = list(Question.objects.filter(pillar__version=rel_bank).order_by("order"))
    assert [q.ref for q in questions] == list(EXPECTED)
    facts = _facts()
    for question in questions:
        practices = [c for c in question.choices.order_by("order") if not c.is_none]
        assert [(c.ref, c.risk) for c in practices] == EXPECTED[question.ref]
        assert [c.title for c in practices] == [t for t, _, _ in facts[question.ref]]
        nones = [c for c in question.choices.all() if c.is_none]
        assert [c.ref for c in nones] == [f"rel_{question.ref.replace('-', '_')}_no"]
        assert question.choices.order_by("order").last().is_none
    risks = Choice.objects.filter(question__pillar__version=rel_bank, is_none=False)
    assert risks.count() == 14
    assert risks.filter(risk="HIGH").count() == 9
    assert risks.filter(risk="MEDIUM").count() == 4
    assert risks.filter(risk="LOW").count() == 1


def test_every_practice_has_guidance_and_its_aws_link(rel_bank):
    for choice in Choice.objects.filter(question__pillar__version=rel_bank, is_none=False):
        url = f"https://docs.aws.amazon.com/wellarchitected/latest/framework/{choice.ref}.html"
        assert choice.helpful_resource_url == url
        assert choice.improvement_plan_url == url
        for text in (
            choice.description,
            choice.helpful_resource_text,
            choice.improvement_plan_text,
        ):
            assert len(text) > 150, choice.ref


def test_loading_twice_neither_duplicates_nor_changes_anything(rel_bank):
    counts = (LensVersion.objects.count(), Pillar.objects.count(), Choice.objects.count())
    again = load_rel_bank()
    assert again.pk == rel_bank.pk
    assert (LensVersion.objects.count(), Pillar.objects.count(), Choice.objects.count()) == counts


def test_stored_hash_matches_the_content_read_back(rel_bank):
    assert rel_bank.content_hash == content_hash(version_tree(rel_bank))


def test_loader_leaves_an_admin_draft_alone(rel_bank):
    from questions.content import version_create

    draft = version_create(lens=rel_bank.lens, tree=version_tree(rel_bank))
    Question.objects.filter(pillar__version=draft, ref="service-architecture").update(
        title="Edited by an admin"
    )
    assert load_rel_bank().pk == rel_bank.pk
    draft.refresh_from_db()
    assert draft.status == LensVersion.Status.DRAFT
    assert Question.objects.get(pillar__version=draft, ref="service-architecture").title == (
        "Edited by an admin"
    )


def test_changed_shipped_content_adds_a_new_published_version(rel_bank, monkeypatch, tmp_path):
    import json

    import questions.banks as banks

    data = json.loads(banks.REL_BANK_PATH.read_text(encoding="utf-8"))
    data["pillars"][0]["questions"][0]["description"] += " Revised."
    changed = tmp_path / "rel.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(banks, "REL_BANK_PATH", changed)
    newer = load_rel_bank()
    assert newer.pk != rel_bank.pk
    assert newer.number == rel_bank.number + 1
    assert newer.status == LensVersion.Status.PUBLISHED
    rel_bank.refresh_from_db()
    assert rel_bank.status == LensVersion.Status.PUBLISHED
    assert load_rel_bank().pk == newer.pk


def test_management_command_loads_the_bank(db, capsys):
    call_command("load_rel_bank")
    call_command("load_rel_bank")
    assert LensVersion.objects.filter(lens__slug="rel-3-5").count() == 1
    assert "3 question(s)" in capsys.readouterr().out
