"""A lens version out as AWS custom-lens JSON (schemaVersion 2021-11-01).

Imported banks are written back with their own risk rules. Native banks have a risk level per
best practice and no rules, so their rules are derived (``native_rules``):

    1. every HIGH and MEDIUM practice selected        -> NO_RISK
    2. every HIGH practice selected (only if the question has MEDIUM ones too) -> MEDIUM_RISK
    3. default                                        -> the highest level present

AWS has no LOW risk: a question whose only gaps are LOW practices comes out as NO_RISK in
AWS (in archreview it is LOW). Nothing is lost on the way back, because the per-practice
levels, the choice descriptions and any "None of these" flag the id does not imply travel in
the extra top-level key ``_archreview``, which AWS ignores and our importer reads.
"""

from __future__ import annotations

import json
from typing import Any

from questions.content import Tree, version_tree
from questions.importer import META_KEY, SCHEMA_VERSION
from questions.models import LensVersion
from questions.rules import DEFAULT
from questions.vocab import Risk, RuleRisk


def native_rules(choices: list[dict]) -> list[dict]:
    """Risk rules equivalent to a native question's risk levels (see the module docstring)."""
    # A practice without a level counts as HIGH, as in ``reviews.scoring``.
    high = [c["ref"] for c in choices if not c["is_none"] and c["risk"] in (Risk.HIGH, "")]
    medium = [c["ref"] for c in choices if not c["is_none"] and c["risk"] == Risk.MEDIUM]
    rules = []
    if high or medium:
        rules.append({"condition": " && ".join(high + medium), "risk": RuleRisk.NONE})
    if high and medium:
        rules.append({"condition": " && ".join(high), "risk": RuleRisk.MEDIUM})
    worst = RuleRisk.HIGH if high else RuleRisk.MEDIUM if medium else RuleRisk.NONE
    rules.append({"condition": DEFAULT, "risk": worst})
    return rules


def _resource(text: str, url: str) -> dict[str, str] | None:
    if not text and not url:
        return None
    node = {"displayText": text}
    if url:
        node["url"] = url
    return node


def tree_to_lens_json(tree: Tree) -> dict[str, Any]:
    native = tree["kind"] == LensVersion.Kind.NATIVE
    extras: dict[str, dict[str, Any]] = {}
    pillars = []
    for p in tree["pillars"]:
        questions = []
        for q in p["questions"]:
            choices = []
            for c in q["choices"]:
                node: dict[str, Any] = {"id": c["ref"], "title": c["title"]}
                for key, text, url in (
                    ("helpfulResource", c["helpful_resource_text"], c["helpful_resource_url"]),
                    ("improvementPlan", c["improvement_plan_text"], c["improvement_plan_url"]),
                ):
                    if resource := _resource(text, url):
                        node[key] = resource
                if c["additional_resources"]:
                    node["additionalResources"] = c["additional_resources"]
                choices.append(node)
                extra: dict[str, Any] = {}
                if c["risk"]:
                    extra["risk"] = c["risk"]
                if c["description"]:
                    extra["description"] = c["description"]
                if c["is_none"] != c["ref"].endswith("_no"):
                    extra["isNone"] = c["is_none"]
                if extra:
                    extras[f"{p['ref']}/{q['ref']}/{c['ref']}"] = extra
            qnode: dict[str, Any] = {"id": q["ref"], "title": q["title"]}
            if q["description"]:
                qnode["description"] = q["description"]
            if resource := _resource(q["helpful_resource_text"], q["helpful_resource_url"]):
                qnode["helpfulResource"] = resource
            qnode["choices"] = choices
            rules = native_rules(q["choices"]) if native else q["rules"]
            qnode["riskRules"] = [{"condition": r["condition"], "risk": r["risk"]} for r in rules]
            questions.append(qnode)
        pillars.append({"id": p["ref"], "name": p["name"], "questions": questions})
    doc: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION, "name": tree["name"]}
    if tree["description"]:
        doc["description"] = tree["description"]
    doc["pillars"] = pillars
    if native or extras:
        doc[META_KEY] = {"kind": tree["kind"], "choices": extras}
    return doc


def version_export(version: LensVersion) -> dict[str, Any]:
    return tree_to_lens_json(version_tree(version))


def version_export_bytes(version: LensVersion) -> bytes:
    return (json.dumps(version_export(version), indent=2, ensure_ascii=False) + "\n").encode()


def export_filename(version: LensVersion) -> str:
    return f"{version.lens.slug}-v{version.number}.json"
