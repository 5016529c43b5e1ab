"""Question banks shipped with archreview, and the idempotent loader for them.

``rel-3-5.json`` holds the Reliability questions REL 3-5 in our own small format: the custom
lens shape plus a risk level and a description per best practice (see ``_bank_tree``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from questions.content import Tree, content_hash, normalize, version_create
from questions.models import Lens, LensVersion

REL_BANK_PATH = Path(__file__).with_name("rel-3-5.json")
REL_BANK_SLUG = "rel-3-5"


def _link(choice_id: str) -> str:
    return f"https://docs.aws.amazon.com/wellarchitected/latest/framework/{choice_id}.html"


def _bank_tree(data: dict[str, Any]) -> Tree:
    pillars = []
    for p in data["pillars"]:
        questions = []
        for q in p["questions"]:
            choices = []
            for c in q["choices"]:
                is_none = bool(c.get("isNone", False))
                choices.append(
                    {
                        "ref": c["id"],
                        "title": c["title"],
                        "description": c.get("description", ""),
                        "helpful_resource_text": c.get("helpfulResource", ""),
                        "helpful_resource_url": "" if is_none else _link(c["id"]),
                        "improvement_plan_text": c.get("improvementPlan", ""),
                        "improvement_plan_url": "" if is_none else _link(c["id"]),
                        "additional_resources": [],
                        "risk": c.get("risk", ""),
                        "is_none": is_none,
                    }
                )
            questions.append(
                {
                    "ref": q["id"],
                    "title": q["title"],
                    "description": q.get("description", ""),
                    "helpful_resource_text": "",
                    "helpful_resource_url": "",
                    "choices": choices,
                    "rules": [],  # native: the scoring derives risk from the levels
                }
            )
        pillars.append({"ref": p["id"], "name": p["name"], "questions": questions})
    return normalize(
        {
            "name": data["name"],
            "description": data["description"],
            "kind": LensVersion.Kind.NATIVE,
            "pillars": pillars,
        }
    )


def rel_bank_tree() -> Tree:
    return _bank_tree(json.loads(REL_BANK_PATH.read_text(encoding="utf-8")))


@transaction.atomic
def load_rel_bank() -> LensVersion:
    """Make sure the shipped REL 3-5 bank exists as a published version; return it.

    Idempotent: when a published (or deprecated) version already has this exact content,
    that version is returned and nothing is written. When the shipped content changed, a new
    published version is added; existing versions, and any admin drafts, are left untouched.
    """
    data = json.loads(REL_BANK_PATH.read_text(encoding="utf-8"))
    tree = _bank_tree(data)
    digest = content_hash(tree)
    lens, _ = Lens.objects.get_or_create(
        slug=data["slug"], defaults={"name": data["name"], "description": data["description"]}
    )
    # Serialise concurrent loaders (make run and a test run at once) on the lens row.
    lens = Lens.objects.select_for_update().get(pk=lens.pk)
    existing = (
        lens.versions.exclude(status=LensVersion.Status.DRAFT)
        .filter(content_hash=digest)
        .order_by("-number")
        .first()
    )
    if existing is not None:
        return existing
    return version_create(lens=lens, tree=tree, label=data.get("label", ""), publish=True)
