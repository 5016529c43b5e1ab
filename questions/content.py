"""A lens version's content as one plain, ordered tree of dicts.

Every path in and out of the database goes through this shape: the JSON importer and the
shipped bank build it, ``version_create`` writes it, ``version_tree`` reads it back, the
exporter and ``diff_versions`` consume it and ``content_hash`` fingerprints it. Keeping one
shape is what makes export -> import give back the same bank.

    {"name", "description", "kind",
     "pillars": [{"ref", "name",
                  "questions": [{"ref", "title", "description",
                                 "helpful_resource_text", "helpful_resource_url",
                                 "choices": [{"ref", "title", "description",
                                              "helpful_resource_text", "helpful_resource_url",
                                              "improvement_plan_text", "improvement_plan_url",
                                              "additional_resources", "risk", "is_none"}],
                                 "rules": [{"condition", "risk"}]}]}]}
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from questions.models import Choice, Lens, LensVersion, Pillar, Question, RiskRule

Tree = dict[str, Any]

CHOICE_FIELDS = (
    "ref",
    "title",
    "description",
    "helpful_resource_text",
    "helpful_resource_url",
    "improvement_plan_text",
    "improvement_plan_url",
    "additional_resources",
    "risk",
    "is_none",
)
QUESTION_FIELDS = (
    "ref",
    "title",
    "description",
    "helpful_resource_text",
    "helpful_resource_url",
)


_CHOICE_DEFAULTS: dict[str, Any] = {
    f: "" for f in CHOICE_FIELDS if f not in ("additional_resources", "is_none")
}


def normalize(tree: Tree) -> Tree:
    """The same tree with every field present, as ``version_tree`` would read it back."""
    return {
        "name": tree["name"],
        "description": tree.get("description", ""),
        "kind": tree["kind"],
        "pillars": [
            {
                "ref": p["ref"],
                "name": p["name"],
                "questions": [
                    {
                        **{f: q.get(f, "") for f in QUESTION_FIELDS},
                        "choices": [
                            {
                                **{f: c.get(f, d) for f, d in _CHOICE_DEFAULTS.items()},
                                "additional_resources": c.get("additional_resources") or [],
                                "is_none": bool(c.get("is_none", False)),
                            }
                            for c in q["choices"]
                        ],
                        "rules": [
                            {"condition": r["condition"], "risk": r["risk"]}
                            for r in q.get("rules", [])
                        ],
                    }
                    for q in p["questions"]
                ],
            }
            for p in tree["pillars"]
        ],
    }


def content_hash(tree: Tree) -> str:
    """SHA-256 of the tree's canonical JSON: equal content, equal hash."""
    payload = {
        "name": tree["name"],
        "description": tree.get("description", ""),
        "kind": tree["kind"],
        "pillars": tree["pillars"],
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_tree(version: LensVersion) -> Tree:
    """Read a version back as a tree, in 4 queries whatever its size."""
    pillars = list(Pillar.objects.filter(version=version).order_by("order", "id"))
    questions = list(
        Question.objects.filter(pillar__version=version).order_by("order", "id").values()
    )
    choices = Choice.objects.filter(question__pillar__version=version).order_by("order", "id")
    rules = RiskRule.objects.filter(question__pillar__version=version).order_by("order", "id")
    choices_by_q: dict[int, list[dict]] = defaultdict(list)
    for row in choices.values():
        choices_by_q[row["question_id"]].append({f: row[f] for f in CHOICE_FIELDS})
    rules_by_q: dict[int, list[dict]] = defaultdict(list)
    for row in rules.values("question_id", "condition", "risk"):
        rules_by_q[row["question_id"]].append({"condition": row["condition"], "risk": row["risk"]})
    questions_by_p: dict[int, list[dict]] = defaultdict(list)
    for row in questions:
        node = {f: row[f] for f in QUESTION_FIELDS}
        node["choices"] = choices_by_q.get(row["id"], [])
        node["rules"] = rules_by_q.get(row["id"], [])
        questions_by_p[row["pillar_id"]].append(node)
    return {
        "name": version.name,
        "description": version.description,
        "kind": version.kind,
        "pillars": [
            {"ref": p.ref, "name": p.name, "questions": questions_by_p.get(p.pk, [])}
            for p in pillars
        ],
    }


def _next_number(lens: Lens) -> int:
    last = lens.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def version_create(
    *, lens: Lens, tree: Tree, label: str = "", publish: bool = False
) -> LensVersion:
    """Write a tree as a new version of ``lens`` (a draft unless ``publish``).

    Rows are bulk-inserted under a draft and the version is published last, so nothing is
    ever written beneath a published version. The lens row is locked so that two concurrent
    writers cannot pick the same version number.
    """
    Lens.objects.select_for_update().filter(pk=lens.pk).first()
    tree = normalize(tree)
    version = LensVersion.objects.create(
        lens=lens,
        number=_next_number(lens),
        label=label,
        kind=tree["kind"],
        status=LensVersion.Status.DRAFT,
        name=tree["name"],
        description=tree.get("description", ""),
    )
    pillars = Pillar.objects.bulk_create(
        [
            Pillar(version=version, ref=p["ref"], name=p["name"], order=i)
            for i, p in enumerate(tree["pillars"])
        ]
    )
    question_rows: list[Question] = []
    question_nodes: list[dict] = []
    for pillar, p in zip(pillars, tree["pillars"], strict=True):
        for i, q in enumerate(p["questions"]):
            question_rows.append(
                Question(pillar=pillar, order=i, **{f: q[f] for f in QUESTION_FIELDS})
            )
            question_nodes.append(q)
    question_rows = Question.objects.bulk_create(question_rows)
    choice_rows: list[Choice] = []
    rule_rows: list[RiskRule] = []
    for question, q in zip(question_rows, question_nodes, strict=True):
        for i, c in enumerate(q["choices"]):
            choice_rows.append(
                Choice(question=question, order=i, **{f: c[f] for f in CHOICE_FIELDS})
            )
        for i, r in enumerate(q["rules"]):
            rule_rows.append(
                RiskRule(question=question, condition=r["condition"], risk=r["risk"], order=i)
            )
    Choice.objects.bulk_create(choice_rows)
    RiskRule.objects.bulk_create(rule_rows)
    if publish:
        version_publish(version=version, tree=tree)
    return version


@transaction.atomic
def version_publish(*, version: LensVersion, tree: Tree | None = None) -> LensVersion:
    """Publish a draft: fix its content hash and publication time; it is immutable after."""
    if version.status != LensVersion.Status.DRAFT:
        raise ValueError(f"{version} is {version.get_status_display().lower()}, not a draft")
    tree = tree if tree is not None else version_tree(version)
    version.status = LensVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.content_hash = content_hash(tree)
    version.save(update_fields=["status", "published_at", "content_hash"])
    return version
