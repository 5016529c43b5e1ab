"""Real custom lenses that the AWS tool accepts but that are not written quite as documented:
the importer reads what the file means and says so in a warning, instead of refusing it."""

from __future__ import annotations

import pytest

from questions.content import version_tree
from questions.importer import LensFileError, lens_import, lens_validate
from tests.questions.helpers import dump, load


def _q(doc: dict) -> dict:
    return doc["pillars"][0]["questions"][0]


def test_risk_in_another_case_is_read_as_that_risk_with_a_warning(db):
    doc = load("serverless-apigw-lambda-v1.0.json")
    _q(doc)["riskRules"][0]["risk"] = "no_risk"
    _q(doc)["riskRules"][1]["risk"] = " High_Risk "
    result = lens_import(data=dump(doc))
    rules = version_tree(result.version)["pillars"][0]["questions"][0]["rules"]
    assert [r["risk"] for r in rules] == ["NO_RISK", "HIGH_RISK", "MEDIUM_RISK"]
    assert "pillars[0].questions[0].riskRules[0].risk: 'no_risk' read as NO_RISK" in (
        result.warnings
    )
    assert any(w.startswith("pillars[0].questions[0].riskRules[1].risk:") for w in result.warnings)


def test_unknown_risk_is_still_refused_whatever_its_case(db):
    doc = load("serverless-apigw-lambda-v1.0.json")
    _q(doc)["riskRules"][0]["risk"] = "low_risk"
    with pytest.raises(LensFileError) as excinfo:
        lens_validate(dump(doc))
    assert excinfo.value.problems[0].startswith(
        'pillars[0].questions[0].riskRules[0].risk: is "low_risk"'
    )


def test_spaces_around_ids_are_removed_and_rules_still_match(db):
    doc = load("serverless-apigw-lambda-v1.0.json")
    _q(doc)["id"] = "APPDESIGN1 "
    _q(doc)["choices"][0]["id"] = " APPDESIGN1_1\t"
    result = lens_import(data=dump(doc))
    question = version_tree(result.version)["pillars"][0]["questions"][0]
    assert question["ref"] == "APPDESIGN1"
    assert question["choices"][0]["ref"] == "APPDESIGN1_1"
    assert "pillars[0].questions[0].id: spaces around 'APPDESIGN1' removed" in result.warnings
    assert (
        "pillars[0].questions[0].choices[0].id: spaces around 'APPDESIGN1_1' removed"
        in result.warnings
    )


def test_ids_equal_once_trimmed_are_duplicates(db):
    doc = load("serverless-apigw-lambda-v1.0.json")
    _q(doc)["choices"][1]["id"] = "APPDESIGN1_1 "
    with pytest.raises(LensFileError) as excinfo:
        lens_validate(dump(doc))
    assert any("duplicate choice id 'APPDESIGN1_1'" in p for p in excinfo.value.problems)


def test_additional_resource_link_that_is_not_http_is_dropped_with_a_warning(db):
    doc = load("serverless-apigw-lambda-v1.0.json")
    _q(doc)["choices"][0]["additionalResources"] = [
        {"type": "HELPFUL_RESOURCE", "content": [{"displayText": "Quotas", "url": "docs/q"}]},
        {"type": "IMPROVEMENT_PLAN", "content": []},
    ]
    result = lens_import(data=dump(doc))
    choice = version_tree(result.version)["pillars"][0]["questions"][0]["choices"][0]
    assert choice["additional_resources"] == [
        {"type": "HELPFUL_RESOURCE", "content": [{"displayText": "Quotas", "url": ""}]},
        {"type": "IMPROVEMENT_PLAN", "content": []},
    ]
    assert [w for w in result.warnings if ".additionalResources" in w] == [
        "pillars[0].questions[0].choices[0].additionalResources[0].content[0].url: "
        "'docs/q' is not an http(s) link; ignored"
    ]
