"""What changed between two versions of a lens: pillars, questions and choices added,
removed or changed (and which fields). Shown before publishing; reviews use it to upgrade a
workload to a newer version (an answer carries over when its question is not removed).

Items are matched by id (``ref``): a question moved to another pillar counts as removed from
the old pillar and added to the new one, because answers are keyed by pillar and question.
"""

from __future__ import annotations

from dataclasses import dataclass

from questions.content import CHOICE_FIELDS, QUESTION_FIELDS, Tree, version_tree
from questions.models import LensVersion

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Change:
    action: str  # added / removed / changed
    level: str  # pillar / question / choice
    pillar: str
    question: str = ""
    choice: str = ""
    title: str = ""
    fields: tuple[str, ...] = ()  # for "changed": which fields differ ("order", "rules"…)

    @property
    def path(self) -> str:
        return "/".join(part for part in (self.pillar, self.question, self.choice) if part)


@dataclass(frozen=True, slots=True)
class VersionDiff:
    changes: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of(self, action: str, level: str | None = None) -> list[Change]:
        return [c for c in self.changes if c.action == action and level in (None, c.level)]

    @property
    def added(self) -> list[Change]:
        return self.of(ADDED)

    @property
    def removed(self) -> list[Change]:
        return self.of(REMOVED)

    @property
    def changed(self) -> list[Change]:
        return self.of(CHANGED)

    def removed_questions(self) -> set[tuple[str, str]]:
        """(pillar, question) ids whose answers cannot carry over."""
        gone = {(c.pillar, c.question) for c in self.of(REMOVED, "question")}
        for c in self.of(REMOVED, "pillar"):
            gone.add((c.pillar, ""))
        return gone


def _fields_differ(old: dict, new: dict, fields: tuple[str, ...]) -> list[str]:
    return [f for f in fields if f != "ref" and old.get(f) != new.get(f)]


def diff_trees(old: Tree, new: Tree) -> VersionDiff:
    changes: list[Change] = []
    old_pillars = {p["ref"]: p for p in old["pillars"]}
    new_pillars = {p["ref"]: p for p in new["pillars"]}
    for ref, p in old_pillars.items():
        if ref not in new_pillars:
            changes.append(Change(REMOVED, "pillar", ref, title=p["name"]))
    for index, (ref, p) in enumerate(new_pillars.items()):
        if ref not in old_pillars:
            changes.append(Change(ADDED, "pillar", ref, title=p["name"]))
            for q in p["questions"]:
                changes.append(Change(ADDED, "question", ref, q["ref"], title=q["title"]))
            continue
        before = old_pillars[ref]
        fields = ["name"] if before["name"] != p["name"] else []
        if list(old_pillars).index(ref) != index:
            fields.append("order")
        if fields:
            changes.append(Change(CHANGED, "pillar", ref, title=p["name"], fields=tuple(fields)))
        changes.extend(_diff_questions(ref, before["questions"], p["questions"]))
    return VersionDiff(tuple(changes))


def _diff_questions(pillar: str, old: list[dict], new: list[dict]) -> list[Change]:
    changes: list[Change] = []
    old_by_ref = {q["ref"]: q for q in old}
    new_by_ref = {q["ref"]: q for q in new}
    old_order = [q["ref"] for q in old if q["ref"] in new_by_ref]
    new_order = [q["ref"] for q in new if q["ref"] in old_by_ref]
    for q in old:
        if q["ref"] not in new_by_ref:
            changes.append(Change(REMOVED, "question", pillar, q["ref"], title=q["title"]))
    for q in new:
        before = old_by_ref.get(q["ref"])
        if before is None:
            changes.append(Change(ADDED, "question", pillar, q["ref"], title=q["title"]))
            continue
        fields = _fields_differ(before, q, QUESTION_FIELDS)
        if before["rules"] != q["rules"]:
            fields.append("rules")
        if old_order.index(q["ref"]) != new_order.index(q["ref"]):
            fields.append("order")
        if fields:
            changes.append(
                Change(
                    CHANGED, "question", pillar, q["ref"], title=q["title"], fields=tuple(fields)
                )
            )
        changes.extend(_diff_choices(pillar, q["ref"], before["choices"], q["choices"]))
    return changes


def _diff_choices(pillar: str, question: str, old: list[dict], new: list[dict]) -> list[Change]:
    changes: list[Change] = []
    old_by_ref = {c["ref"]: c for c in old}
    new_by_ref = {c["ref"]: c for c in new}
    old_order = [c["ref"] for c in old if c["ref"] in new_by_ref]
    new_order = [c["ref"] for c in new if c["ref"] in old_by_ref]
    for c in old:
        if c["ref"] not in new_by_ref:
            changes.append(Change(REMOVED, "choice", pillar, question, c["ref"], c["title"]))
    for c in new:
        before = old_by_ref.get(c["ref"])
        if before is None:
            changes.append(Change(ADDED, "choice", pillar, question, c["ref"], c["title"]))
            continue
        fields = _fields_differ(before, c, CHOICE_FIELDS)
        if old_order.index(c["ref"]) != new_order.index(c["ref"]):
            fields.append("order")
        if fields:
            changes.append(
                Change(CHANGED, "choice", pillar, question, c["ref"], c["title"], tuple(fields))
            )
    return changes


def diff_versions(old: LensVersion, new: LensVersion) -> VersionDiff:
    """Changes from ``old`` to ``new`` (8 queries: 4 per version)."""
    return diff_trees(version_tree(old), version_tree(new))
