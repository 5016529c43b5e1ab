from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from questions.content import version_tree
from questions.importer import LensFileError, lens_import, lens_validate
from questions.models import Choice, LensVersion, Question, RiskRule
from tests.questions.helpers import LENS_FILES, dump, load, row_counts

# (pillars, questions, best practices, "None of these" choices): the summary counts best
# practices as the version page does, "None of these" choices apart.
EXPECTED_COUNTS = {
    "cognito-v1.0.json": (5, 42, 119, 42),
    "connect-reliability.json": (1, 8, 40, 8),
    "elasticache-v2.0.json": (5, 22, 66, 19),  # its "None of these" are known by title only
    "orr-whitepaper-sample.json": (3, 16, 38, 0),
    "serverless-apigw-lambda-v1.0.json": (4, 21, 71, 0),
}


@pytest.mark.parametrize("path", LENS_FILES, ids=lambda p: p.name)
def test_every_shared_lens_imports_with_its_counts(db, path, capsys):
    call_command("import_lens", str(path))
    out = capsys.readouterr().out
    pillars, questions, practices, nones = EXPECTED_COUNTS[path.name]
    assert f"{pillars} pillar(s), {questions} question(s), {practices} best practice(s)" in out
    version = LensVersion.objects.get()
    assert version.status == LensVersion.Status.DRAFT
    assert version.kind == LensVersion.Kind.IMPORTED
    assert Question.objects.count() == questions
    assert Choice.objects.filter(is_none=False).count() == practices
    assert Choice.objects.filter(is_none=True).count() == nones


def test_import_keeps_ids_order_and_rules(db):
    doc = load("orr-whitepaper-sample.json")
    result = lens_import(data=dump(doc))
    tree = version_tree(result.version)
    assert [p["ref"] for p in tree["pillars"]] == [p["id"] for p in doc["pillars"]]
    first = doc["pillars"][0]["questions"][0]
    stored = tree["pillars"][0]["questions"][0]
    assert stored["ref"] == first["id"]
    assert [c["ref"] for c in stored["choices"]] == [c["id"] for c in first["choices"]]
    assert stored["rules"] == [
        {"condition": r["condition"], "risk": r["risk"]} for r in first["riskRules"]
    ]


def test_missing_default_rule_is_a_warning_not_an_error(db, capsys):
    call_command("import_lens", str(LENS_FILES[2]))  # elasticache: no default rules at all
    out = capsys.readouterr().out
    assert out.count("no 'default' rule; when no rule matches") == 22
    assert "pillars[0].questions[0] (waf_ec_ops_dp1): no 'default' rule" in out


def test_none_of_these_choices_are_flagged(db):
    lens_import(data=dump(load("cognito-v1.0.json")))
    nones = Choice.objects.filter(is_none=True)
    assert nones.count() == 42
    assert all(c.ref.endswith("_no") for c in nones)


def test_same_lens_changed_becomes_a_new_draft_and_publish_publishes(db, capsys, tmp_path):
    path = str(LENS_FILES[0])
    call_command("import_lens", path, "--publish")
    doc = json.loads(LENS_FILES[0].read_text(encoding="utf-8-sig"))
    doc["description"] = "Revised"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc), encoding="utf-8")
    call_command("import_lens", str(changed))
    versions = list(LensVersion.objects.order_by("number"))
    assert [(v.number, v.status) for v in versions] == [(1, "published"), (2, "draft")]
    assert versions[0].lens_id == versions[1].lens_id
    assert versions[0].content_hash and versions[0].published_at


def test_bom_tabs_and_extra_keys_are_tolerated(db):
    doc = load("orr-whitepaper-sample.json")
    doc["_release_note"] = "extra"
    doc["pillars"][0]["questions"][0]["choices"][0]["unexpected"] = {"nested": [1]}
    text = "\ufeff" + json.dumps(doc, indent="\t")
    result = lens_import(data=text.encode("utf-8"))
    assert result.questions == 16


def test_capitalised_url_and_missing_resources_are_tolerated(db):
    doc = load("orr-whitepaper-sample.json")
    choice = doc["pillars"][0]["questions"][0]["choices"][0]
    choice["helpfulResource"] = {"displayText": "text", "Url": "https://example.org/a"}
    del choice["improvementPlan"]
    result = lens_import(data=dump(doc))
    stored = Choice.objects.filter(question__pillar__version=result.version).first()
    assert stored.helpful_resource_url == "https://example.org/a"
    assert stored.improvement_plan_text == ""


def test_non_http_links_are_dropped_with_a_warning(db):
    doc = load("orr-whitepaper-sample.json")
    doc["pillars"][0]["questions"][0]["choices"][0]["helpfulResource"]["url"] = "javascript:x"
    result = lens_import(data=dump(doc))
    assert any("not an http(s) link" in w for w in result.warnings)
    assert not Choice.objects.filter(helpful_resource_url__startswith="javascript").exists()


def _mutated(change):
    doc = load("orr-whitepaper-sample.json")
    change(doc)
    return dump(doc)


def _q(doc, p=0, q=0):
    return doc["pillars"][p]["questions"][q]


BROKEN = {
    "not_json": (b'{"schemaVersion": "2021-11-01", "name": ', "file: is not valid JSON"),
    "not_utf8": (b'{"name": "\xff\xfe"}', "file: is not UTF-8"),
    "top_level_list": (b"[1, 2]", "file: must be an object, not a list"),
    "wrong_schema_version": (
        _mutated(lambda d: d.update(schemaVersion="2020-01-01")),
        "schemaVersion: is \"2020-01-01\"; only '2021-11-01' is supported",
    ),
    "unknown_choice_in_rule": (
        _mutated(lambda d: _q(d, 1, 3)["riskRules"][0].update(condition="nope_x && nope_y")),
        "pillars[1].questions[3].riskRules[0].condition: unknown choice id 'nope_x' at position 0",
    ),
    "condition_syntax_error": (
        _mutated(lambda d: _q(d)["riskRules"][0].update(condition="(architecture_diagram &&")),
        "pillars[0].questions[0].riskRules[0].condition: condition ends early",
    ),
    "bad_risk_value": (
        _mutated(lambda d: _q(d)["riskRules"][0].update(risk="LOW_RISK")),
        'pillars[0].questions[0].riskRules[0].risk: is "LOW_RISK"',
    ),
    "duplicate_pillar_id": (
        _mutated(lambda d: d["pillars"][1].update(id=d["pillars"][0]["id"])),
        "pillars[1].id: duplicate pillar id 'architecture' (also pillars[0])",
    ),
    "duplicate_question_id": (
        _mutated(lambda d: _q(d, 1, 0).update(id=_q(d, 0, 0)["id"])),
        "pillars[1].questions[0].id: duplicate question id",
    ),
    "duplicate_choice_id": (
        _mutated(lambda d: _q(d)["choices"].append(copy.deepcopy(_q(d)["choices"][0]))),
        "pillars[0].questions[0].choices[",
    ),
    "name_too_long": (_mutated(lambda d: d.update(name="n" * 129)), "name: is 129 characters"),
    "title_too_long": (
        _mutated(lambda d: _q(d, 2, 1).update(title="t" * 200)),
        "pillars[2].questions[1].title: is 200 characters long; at most 128",
    ),
    "display_text_too_long": (
        _mutated(lambda d: _q(d)["choices"][0]["helpfulResource"].update(displayText="x" * 2049)),
        "pillars[0].questions[0].choices[0].helpfulResource.displayText: is 2049 characters",
    ),
    "title_not_a_string": (
        _mutated(lambda d: _q(d).update(title=42)),
        "pillars[0].questions[0].title: must be a string, not a number",
    ),
    "choices_not_a_list": (
        _mutated(lambda d: _q(d).update(choices={"a": 1})),
        "pillars[0].questions[0].choices: must be a list, not an object",
    ),
    "pillars_missing": (_mutated(lambda d: d.pop("pillars")), "pillars: is missing"),
    "rules_missing": (
        _mutated(lambda d: _q(d, 2, 0).pop("riskRules")),
        "pillars[2].questions[0].riskRules: is missing",
    ),
    "too_many_rules": (
        _mutated(
            lambda d: _q(d)["riskRules"].extend([{"condition": "default", "risk": "NO_RISK"}] * 3)
        ),
        "pillars[0].questions[0].riskRules: has ",
    ),
    "no_choices": (
        _mutated(lambda d: _q(d).update(choices=[])),
        "pillars[0].questions[0].choices: has 0 choices; between 1 and 15",
    ),
    "over_500_kb": (
        _mutated(lambda d: d.update(_padding="x" * 520_000)),
        "file: is larger than the 500 KB limit",
    ),
    "nul_character": (
        _mutated(lambda d: _q(d).update(description="a\x00b")),
        "pillars[0].questions[0].description: contains a NUL character",
    ),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_input_exits_non_zero_naming_the_location_and_changes_nothing(db, name, tmp_path):
    data, expected = BROKEN[name]
    lens_import(data=dump(load("connect-reliability.json")))  # something already there
    before = row_counts()
    path = tmp_path / "lens.json"
    path.write_bytes(data)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_lens", str(path), "--publish")
    assert expected in str(excinfo.value)
    assert "not imported" in str(excinfo.value)
    assert row_counts() == before


def test_every_problem_is_reported_at_once(db):
    def break_many(d):
        d["schemaVersion"] = "1"
        _q(d)["title"] = ""
        _q(d, 1, 0)["riskRules"][0]["condition"] = "ghost"
        d["pillars"][2]["name"] = None

    with pytest.raises(LensFileError) as excinfo:
        lens_validate(_mutated(break_many))
    problems = excinfo.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("schemaVersion:")
    assert any(p.startswith("pillars[0].questions[0].title: must not be empty") for p in problems)
    assert any(p.startswith("pillars[1].questions[0].riskRules[0].condition") for p in problems)
    assert any(p.startswith("pillars[2].name: must be a string, not null") for p in problems)


def test_deeply_nested_json_is_a_clear_error(db):
    with pytest.raises(LensFileError, match="nested too deeply|not valid JSON"):
        lens_validate(b"[" * 100_000 + b"]" * 100_000)


def test_deeply_nested_condition_is_refused(db):
    doc = load("orr-whitepaper-sample.json")
    choice = _q(doc)["choices"][0]["id"]
    _q(doc)["riskRules"][0]["condition"] = "(" * 80 + choice + ")" * 80
    with pytest.raises(LensFileError, match=r"riskRules\[0\]\.condition: nested more than 64"):
        lens_validate(dump(doc))


def test_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_lens", str(tmp_path / "absent.json"))


def test_failed_import_rolls_back_rows_already_written(db, monkeypatch):
    """Even a failure after validation (here: in the last bulk insert) leaves nothing behind."""
    before = row_counts()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(RiskRule.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        lens_import(data=dump(load("cognito-v1.0.json")))
    assert row_counts() == before


def test_additional_resources_are_kept_and_checked(db):
    doc = load("orr-whitepaper-sample.json")
    resources = [
        {
            "type": "HELPFUL_RESOURCE",
            "content": [{"displayText": "More", "url": "https://example.org/more"}],
            "ignored": True,
        }
    ]
    _q(doc)["choices"][0]["additionalResources"] = resources
    version = lens_import(data=dump(doc)).version
    choice = Choice.objects.filter(question__pillar__version=version).first()
    assert choice.additional_resources == [
        {
            "type": "HELPFUL_RESOURCE",
            "content": [{"displayText": "More", "url": "https://example.org/more"}],
        }
    ]
    _q(doc)["choices"][0]["additionalResources"] = [
        {"type": "OTHER", "content": [{"displayText": "a\x00b"}]}
    ]
    with pytest.raises(LensFileError) as excinfo:
        lens_validate(dump(doc))
    assert excinfo.value.problems == [
        'pillars[0].questions[0].choices[0].additionalResources[0].type: is "OTHER"; '
        "use HELPFUL_RESOURCE or IMPROVEMENT_PLAN",
        "pillars[0].questions[0].choices[0].additionalResources[0].content[0].displayText: "
        "contains a NUL character",
    ]


def test_over_long_label_is_refused_before_writing(db):
    before = row_counts()
    with pytest.raises(LensFileError, match="label: is 65 characters"):
        lens_import(data=dump(load("orr-whitepaper-sample.json")), label="x" * 65)
    assert row_counts() == before


def test_null_optional_fields_read_as_absent(db):
    doc = load("orr-whitepaper-sample.json")
    _q(doc)["description"] = None
    _q(doc)["choices"][0]["helpfulResource"]["url"] = None
    _q(doc)["choices"][0]["improvementPlan"] = None
    _q(doc)["choices"][0]["additionalResources"] = None
    version = lens_import(data=dump(doc)).version
    question = Question.objects.filter(pillar__version=version).order_by("pillar__order", "order")[
        0
    ]
    assert question.description == ""
    assert question.choices.order_by("order")[0].improvement_plan_text == ""
