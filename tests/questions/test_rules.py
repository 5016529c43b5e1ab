from __future__ import annotations

import pytest

from questions.rules import (
    MAX_DEPTH,
    And,
    CompiledRule,
    Default,
    Not,
    Or,
    Ref,
    RuleError,
    evaluate,
    parse,
)


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert parse("a || b && !c") == Or((Ref("a"), And((Ref("b"), Not(Ref("c"))))))


def test_parentheses_override_precedence():
    assert parse("(a || b) && c") == And((Or((Ref("a"), Ref("b"))), Ref("c")))


def test_default_and_whitespace():
    assert parse("  default ") == Default()
    assert parse("\ta&&\nb") == And((Ref("a"), Ref("b")))


@pytest.mark.parametrize(
    ("condition", "message", "position"),
    [
        ("a &&", "condition ends early", 4),
        ("a && && b", "unexpected '&&'", 5),
        ("(a || b", "missing ')'", 7),
        ("a b", "unexpected 'b'", 2),
        ("a & b", "unexpected character '&'", 2),
        ("", "empty condition", 0),
        ("a && default", "'default' must be the whole condition", 5),
        (")", "unexpected ')'", 0),
    ],
)
def test_syntax_errors_carry_their_position(condition, message, position):
    with pytest.raises(RuleError) as excinfo:
        parse(condition)
    assert excinfo.value.position == position
    assert message in str(excinfo.value)
    assert str(excinfo.value).endswith(f"at position {position}")


def test_unknown_ids_are_named_with_their_position():
    with pytest.raises(RuleError, match=r"unknown choice id 'zz' at position 6"):
        parse("a && (zz || b)", known_ids={"a", "b"})


def test_deep_nesting_is_refused_not_a_recursion_error():
    parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)
    with pytest.raises(RuleError, match="nested more than"):
        parse("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(RuleError, match="nested more than"):
        parse("!" * 2_000 + "a")  # deep, yet within the length limit


def test_non_string_condition_is_an_error():
    with pytest.raises(RuleError):
        parse(None)  # type: ignore[arg-type]


def _rules(*pairs):
    return [CompiledRule(parse(c), r) for c, r in pairs]


def test_first_matching_rule_wins():
    rules = _rules(("a", "MEDIUM_RISK"), ("a && b", "NO_RISK"), ("default", "HIGH_RISK"))
    assert evaluate(rules, {"a", "b"}) == "MEDIUM_RISK"


def test_default_applies_only_when_nothing_else_matched_wherever_listed():
    rules = _rules(("default", "MEDIUM_RISK"), ("a && b", "NO_RISK"))
    assert evaluate(rules, {"a", "b"}) == "NO_RISK"
    assert evaluate(rules, {"a"}) == "MEDIUM_RISK"


def test_missing_default_means_high_risk():
    rules = _rules(("a && b", "NO_RISK"))
    assert evaluate(rules, {"a"}) == "HIGH_RISK"
    assert evaluate([], set()) == "HIGH_RISK"


def test_negation_evaluates_against_the_selection():
    rules = _rules(("!a && b", "MEDIUM_RISK"), ("default", "NO_RISK"))
    assert evaluate(rules, {"b"}) == "MEDIUM_RISK"
    assert evaluate(rules, {"a", "b"}) == "NO_RISK"
