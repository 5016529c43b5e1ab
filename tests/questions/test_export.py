from __future__ import annotations

import itertools
import json

import pytest
from django.core.management import call_command

from questions import rules as rule_engine
from questions.content import version_tree
from questions.exporter import native_rules, version_export, version_export_bytes
from questions.importer import lens_import, lens_validate
from questions.models import LensVersion
from tests.questions.helpers import LENS_FILES

AWS_CHOICE_KEYS = {"id", "title", "helpfulResource", "improvementPlan", "additionalResources"}
AWS_QUESTION_KEYS = {"id", "title", "description", "helpfulResource", "choices", "riskRules"}


@pytest.mark.parametrize("path", LENS_FILES, ids=lambda p: p.name)
def test_shared_lens_survives_export_then_import(db, path):
    original = lens_import(data=path.read_bytes(), publish=True).version
    exported = version_export_bytes(original)
    tree, _ = lens_validate(exported)
    assert tree == version_tree(original)
    # The same content: importing it again is recognised as that version, nothing is added.
    again = lens_import(data=exported)
    assert not again.created and again.version == original


# The custom-lens format's own keys; anything else in a file (``_version``, typos) is ignored
# on import by design, so it is not expected back.
FORMAT_KEYS = {
    "schemaVersion", "name", "description", "pillars", "id", "questions", "title",
    "helpfulResource", "improvementPlan", "displayText", "url", "choices", "riskRules",
    "condition", "risk", "additionalResources", "type", "content",
}  # fmt: skip


def _format_only(node):
    """``node`` with only the format's keys (a stray ``Url`` read as ``url``, as imported)."""
    if isinstance(node, list):
        return [_format_only(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept = {("url" if key == "Url" else key): value for key, value in node.items()}
    return {key: _format_only(value) for key, value in kept.items() if key in FORMAT_KEYS}


@pytest.mark.parametrize("path", LENS_FILES, ids=lambda p: p.name)
def test_export_of_an_imported_lens_gives_back_the_file_it_came_from(db, path):
    """Compared with the file itself, not with a second import: a field the importer dropped
    would vanish from both trees and a tree-to-tree comparison could not notice."""
    original = json.loads(path.read_text(encoding="utf-8-sig"))
    version = lens_import(data=path.read_bytes()).version

    exported = json.loads(version_export_bytes(version))

    assert _format_only(exported) == _format_only(original)


def test_rel_bank_survives_export_then_import(rel_bank):
    exported = version_export_bytes(rel_bank)
    tree, _ = lens_validate(exported)
    assert tree["kind"] == LensVersion.Kind.NATIVE
    assert tree == version_tree(rel_bank)
    result = lens_import(data=exported)
    assert not result.created and result.version == rel_bank
    again = rel_bank
    risks = again.pillars.get().questions.get(ref="prevent-interaction-failure")
    assert risks.choices.get(ref="rel_prevent_interaction_failure_constant_work").risk == "LOW"


def test_rel_bank_export_is_plain_custom_lens_json(rel_bank):
    doc = version_export(rel_bank)
    assert doc["schemaVersion"] == "2021-11-01"
    assert set(doc) <= {"schemaVersion", "name", "description", "pillars", "_archreview"}
    for pillar in doc["pillars"]:
        assert set(pillar) == {"id", "name", "questions"}
        for question in pillar["questions"]:
            assert set(question) <= AWS_QUESTION_KEYS
            assert 1 <= len(question["riskRules"]) <= 3
            assert question["riskRules"][-1] == {"condition": "default", "risk": "HIGH_RISK"}
            for choice in question["choices"]:
                assert set(choice) <= AWS_CHOICE_KEYS
    _tree, warnings = lens_validate(json.dumps(doc))
    assert warnings == []


def test_exported_rules_agree_with_native_scoring_for_every_answer(rel_bank):
    """Exhaustive over every subset of choices: the derived AWS rules give the native risk,
    except that LOW (absent from AWS) comes out as NO_RISK."""
    native_to_aws = {"HIGH": "HIGH_RISK", "MEDIUM": "MEDIUM_RISK", "LOW": "NO_RISK"}
    for question in version_tree(rel_bank)["pillars"][0]["questions"]:
        practices = [c for c in question["choices"] if not c["is_none"]]
        compiled = [
            rule_engine.CompiledRule(rule_engine.parse(r["condition"]), r["risk"])
            for r in native_rules(question["choices"])
        ]
        for size in range(len(practices) + 1):
            for selected in itertools.combinations(practices, size):
                chosen = {c["ref"] for c in selected}
                missing = [c["risk"] for c in practices if c["ref"] not in chosen]
                expected = (
                    "NO_RISK"
                    if not missing
                    else native_to_aws[min(missing, key=["HIGH", "MEDIUM", "LOW"].index)]
                )
                assert rule_engine.evaluate(compiled, chosen) == expected, (question["ref"], chosen)


@pytest.mark.parametrize(
    ("risks", "expected"),
    [
        (
            ["HIGH", "MEDIUM", "LOW"],
            [("a && b", "NO_RISK"), ("a", "MEDIUM_RISK"), ("default", "HIGH_RISK")],
        ),
        (["MEDIUM", "LOW"], [("a", "NO_RISK"), ("default", "MEDIUM_RISK")]),
        (["LOW", "LOW"], [("default", "NO_RISK")]),
        (["HIGH", "HIGH"], [("a && b", "NO_RISK"), ("default", "HIGH_RISK")]),
    ],
)
def test_native_rule_derivation_table(risks, expected):
    choices = [
        {"ref": ref, "risk": risk, "is_none": False}
        for ref, risk in zip("abc", risks, strict=False)
    ] + [{"ref": "q_no", "risk": "", "is_none": True}]
    assert [(r["condition"], r["risk"]) for r in native_rules(choices)] == expected


def test_export_command_writes_a_file_that_imports_back(rel_bank, tmp_path, capsys):
    out = tmp_path / "rel.json"
    call_command("export_lens", "rel-3-5", "-o", str(out))
    assert "Exported" in capsys.readouterr().out
    call_command("export_lens", "rel-3-5", "--version", str(rel_bank.number), "-o", str(out))
    tree, _ = lens_validate(out.read_bytes())
    assert tree == version_tree(rel_bank)
    assert lens_import(data=out.read_bytes()).version == rel_bank


def test_export_command_reports_unknown_lens_and_version(rel_bank, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no lens"):
        call_command("export_lens", "nope", "-o", str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="has no version 99"):
        call_command("export_lens", "rel-3-5", "--version", "99", "-o", str(tmp_path / "x.json"))
