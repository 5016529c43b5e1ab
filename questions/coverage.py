"""What a question's risk rules do over every answer: the lens authoring checks.

For each question of an imported lens, every combination of its choices is evaluated (at most
15 choices, so at most 32,768 answers) and the admin is told, with the question's JSON path:

- answers that no rule matches (they fall to HIGH_RISK when the question has no ``default``);
- rules that can never fire (an earlier rule always wins, or the condition needs an answer the
  app refuses, such as "None of these" ticked with a best practice); a ``default`` that the
  other rules leave nothing to is not reported, since it changes no score;
- when no answer reaches NO_RISK, and when following every best practice does not.

These are warnings, never refusals: the file or draft is still imported or published.

Only the answers the app accepts count: any non-empty set of best practices, or one
"None of these" choice alone. Practices marked not applicable count as followed for the rules,
so they add no other sets. The evaluation is exhaustive but cheap: each condition is computed
once as a truth table over all answers, held in a Python integer with one bit per answer, so a
15-choice question costs a few bitwise operations on 32,768-bit numbers, not 32,768 walks of
the rule tree.

Pure Python with no Django import, like ``questions.rules``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from questions import rules as rule_engine
from questions.vocab import BankKind, RuleRisk

# Titles that mark the "None of these" choice when its id does not end in "_no" (some public
# lenses use ids like "..._bp3"). Compared after trimming, case ignored, trailing dot dropped.
NONE_TITLES = frozenset({"none of these", "none of the above", "none of the above apply"})
_SPACES = re.compile(r"\s+")


def is_none_choice(ref: str, title: str) -> bool:
    """Whether a choice is the "None of these" choice: by its id suffix, or by its title."""
    return ref.endswith("_no") or is_none_title(title)


def is_none_title(title: str) -> bool:
    return _SPACES.sub(" ", title).strip().rstrip(".").lower() in NONE_TITLES


@dataclass(frozen=True, slots=True)
class QuestionCoverage:
    answers: int  # answers the app accepts
    unmatched: int  # of those, answers that no rule (not even ``default``) matches
    unmatched_example: tuple[str, ...]  # the choice ids of the first one
    dead_rules: tuple[int, ...]  # 0-based indexes of non-default rules that never decide
    reaches_no_risk: bool
    all_practices_risk: str | None  # the risk of following every best practice (None: none)


def _variable(index: int, size: int) -> int:
    """Truth table of "choice ``index`` is ticked": bit s is set iff s has bit ``index``."""
    width = 1 << index
    table = ((1 << width) - 1) << width  # one block: width zeros, then width ones
    span = 2 * width
    while span < size:
        table |= table << span
        span *= 2
    return table


def _table(node: rule_engine.Node, tables: dict[str, int], full: int) -> int:
    if isinstance(node, rule_engine.Ref):
        return tables[node.choice]
    if isinstance(node, rule_engine.Not):
        return full & ~_table(node.operand, tables, full)
    if isinstance(node, rule_engine.And):
        result = full
        for operand in node.operands:
            result &= _table(operand, tables, full)
        return result
    if isinstance(node, rule_engine.Or):
        result = 0
        for operand in node.operands:
            result |= _table(operand, tables, full)
        return result
    return full  # Default


def question_coverage(
    choices: Sequence[tuple[str, bool]], rules: Sequence[tuple[str, str]]
) -> QuestionCoverage:
    """``choices``: (id, is "None of these") in order; ``rules``: (condition, risk) in order.

    Every condition must parse over these ids (the importer and the draft checks refuse the
    rest first).
    """
    refs = [ref for ref, _ in choices]
    size = 1 << len(refs)
    full = (1 << size) - 1
    tables = {ref: _variable(i, size) for i, ref in enumerate(refs)}
    none_tables = [tables[ref] for ref, is_none in choices if is_none]
    practices = [ref for ref, is_none in choices if not is_none]

    any_none = 0
    for table in none_tables:
        any_none |= table
    valid = full & ~any_none & ~1  # non-empty sets of best practices ...
    for index, (_, is_none) in enumerate(choices):  # ... or one "None of these" alone
        if is_none:
            valid |= 1 << (1 << index)

    parsed = [(rule_engine.parse(condition, refs), risk) for condition, risk in rules]
    remaining = valid
    dead: list[int] = []
    no_risk = False
    for index, (node, risk) in enumerate(parsed):
        if isinstance(node, rule_engine.Default):
            continue
        fires = remaining & _table(node, tables, full)
        if not fires:
            dead.append(index)
        elif risk == RuleRisk.NONE:
            no_risk = True
        remaining &= ~fires
    defaults = [
        (i, risk) for i, (node, risk) in enumerate(parsed) if isinstance(node, rule_engine.Default)
    ]
    unmatched = remaining
    if defaults:
        # A ``default`` that the other rules make unnecessary changes no score: not reported.
        if remaining and defaults[0][1] == RuleRisk.NONE:
            no_risk = True
        unmatched = 0

    example: tuple[str, ...] = ()
    if unmatched:
        first = (unmatched & -unmatched).bit_length() - 1
        example = tuple(ref for i, ref in enumerate(refs) if first >> i & 1)
    compiled = [rule_engine.CompiledRule(node, risk) for node, risk in parsed]
    return QuestionCoverage(
        answers=valid.bit_count(),
        unmatched=unmatched.bit_count(),
        unmatched_example=example,
        dead_rules=tuple(sorted(dead)),
        reaches_no_risk=no_risk,
        all_practices_risk=rule_engine.evaluate(compiled, practices) if practices else None,
    )


def coverage_messages(coverage: QuestionCoverage, rules: Sequence[tuple[str, str]]) -> list[str]:
    """The warnings an author acts on, in words; empty when the rules cover every answer."""
    messages: list[str] = []
    if coverage.unmatched:
        example = " + ".join(coverage.unmatched_example)
        messages.append(
            f"{coverage.unmatched} of {coverage.answers} possible answers match no rule and "
            f"score {rule_engine.IMPLIED_DEFAULT_RISK} (no 'default' rule), e.g. ticking "
            f"only {example}"
        )
    for index in coverage.dead_rules:
        condition, risk = rules[index]
        short = condition if len(condition) <= 60 else condition[:57] + "..."
        messages.append(
            f"riskRules[{index}] ({short!r} -> {risk}) can never fire: every answer it "
            "matches is decided by an earlier rule, or it needs an answer the app refuses "
            '("None of these" together with a best practice)'
        )
    if not coverage.reaches_no_risk:
        messages.append("no answer reaches NO_RISK")
    elif coverage.all_practices_risk not in (None, RuleRisk.NONE):
        messages.append(
            f"following every best practice gives {coverage.all_practices_risk}, not NO_RISK"
        )
    return messages


def tree_coverage(tree: dict) -> list[tuple[str, str, str]]:
    """(JSON path, "pillar/question" ids, message) for every question of an imported tree
    whose rules all parse; native trees derive their rules from risk levels and are skipped."""
    if tree.get("kind") == BankKind.NATIVE:
        return []
    found: list[tuple[str, str, str]] = []
    for pi, pillar in enumerate(tree["pillars"]):
        for qi, question in enumerate(pillar["questions"]):
            choices = [(c["ref"], bool(c["is_none"])) for c in question["choices"]]
            rules = [(r["condition"], r["risk"]) for r in question["rules"]]
            if not choices or len(choices) > MAX_CHOICES or not rules:
                continue
            try:
                coverage = question_coverage(choices, rules)
            except rule_engine.RuleError:
                continue  # reported as a problem by the importer or the draft checks
            path = f"pillars[{pi}].questions[{qi}]"
            where = f"{pillar['ref']}/{question['ref']}"
            found.extend((path, where, m) for m in coverage_messages(coverage, rules))
    return found


MAX_CHOICES = 15  # the AWS format's limit; also bounds the work here at 2**15 answers
