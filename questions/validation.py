"""Problems that stop a draft from being published, in words an editor can act on.

The same checks as the JSON importer, run on a version's stored content so that the admin
can show them next to the draft while it is being edited.
"""

from __future__ import annotations

from dataclasses import dataclass

from questions import rules as rule_engine
from questions.content import Tree
from questions.coverage import tree_coverage
from questions.importer import MAX_CHOICES, MAX_PILLARS, MAX_QUESTIONS, MAX_RULES
from questions.models import LensVersion


@dataclass(frozen=True, slots=True)
class Problem:
    where: str  # "pillar/question" ids, or "" for the version itself
    message: str
    is_warning: bool = False
    path: str = ""  # the JSON path in the exported file, e.g. "pillars[0].questions[2]"

    def __str__(self) -> str:
        if self.path:
            return f"{self.path} ({self.where}): {self.message}"
        return f"{self.where}: {self.message}" if self.where else self.message


def tree_problems(tree: Tree) -> list[Problem]:
    problems: list[Problem] = []
    native = tree["kind"] == LensVersion.Kind.NATIVE
    if not 1 <= len(tree["pillars"]) <= MAX_PILLARS:
        problems.append(Problem("", f"needs between 1 and {MAX_PILLARS} pillars"))
    for p in tree["pillars"]:
        if not 1 <= len(p["questions"]) <= MAX_QUESTIONS:
            problems.append(Problem(p["ref"], f"needs between 1 and {MAX_QUESTIONS} questions"))
        for q in p["questions"]:
            where = f"{p['ref']}/{q['ref']}"
            ids = [c["ref"] for c in q["choices"]]
            if not q["choices"]:
                problems.append(Problem(where, "has no choices; add at least one"))
            elif len(ids) > MAX_CHOICES:
                problems.append(Problem(where, f"has {len(ids)} choices; at most {MAX_CHOICES}"))
            if native:
                for c in q["choices"]:
                    if not c["is_none"] and not c["risk"]:
                        problems.append(
                            Problem(where, f"best practice {c['ref']!r} has no risk level")
                        )
                continue
            problems.extend(_rule_problems(where, q["rules"], ids))
    # What the rules do over every possible answer: warnings for the author, never blocking.
    problems.extend(
        Problem(where, message, is_warning=True, path=path)
        for path, where, message in tree_coverage(tree)
    )
    return problems


def _rule_problems(where: str, rules: list[dict], ids: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    if not 1 <= len(rules) <= MAX_RULES:
        problems.append(Problem(where, f"needs between 1 and {MAX_RULES} risk rules"))
    has_default = False
    for index, rule in enumerate(rules, start=1):
        try:
            node = rule_engine.parse(rule["condition"], ids)
        except rule_engine.RuleError as exc:
            problems.append(Problem(where, f"risk rule {index} ({rule['condition']!r}): {exc}"))
            continue
        has_default = has_default or isinstance(node, rule_engine.Default)
    if rules and not has_default:
        problems.append(
            Problem(where, "no 'default' rule: HIGH_RISK applies when none matches", True)
        )
    return problems
