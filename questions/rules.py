"""The risk-rule language of AWS custom lenses: a small parser, never ``eval``.

A condition is ``default`` or a boolean expression over choice ids with ``&&``, ``||``, ``!``
and parentheses. ``!`` binds tightest, then ``&&``, then ``||``. Parsing gives a tree of
frozen dataclasses that evaluates against the set of selected choice ids.

Evaluation of a question's rules: in the order listed, the first rule whose condition holds
gives the risk; ``default`` applies only when no other rule matched, wherever it is listed;
a question with no ``default`` rule behaves as if it ended with ``default -> HIGH_RISK``.

Pure Python with no Django import: the scoring service uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from questions.vocab import RuleRisk

DEFAULT = "default"
IMPLIED_DEFAULT_RISK = RuleRisk.HIGH

MAX_DEPTH = 64  # nesting of '(' and '!' beyond this is refused, never a RecursionError
# The AWS limit for a condition. A longer one is refused before it is tokenized, so its cost
# is never paid (tokenizing is linear, but a file holds up to 500 KB of conditions).
MAX_LENGTH = 2048
_TOKEN = re.compile(r"(?P<op>&&|\|\||!|\(|\))|(?P<id>[A-Za-z0-9_][A-Za-z0-9_.:\-]*)")
_SPACE = re.compile(r"\s*")


class RuleError(ValueError):
    """A condition that cannot be parsed, with the 0-based character position."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{message}{where}")


@dataclass(frozen=True, slots=True)
class Ref:
    choice: str

    def evaluate(self, selected: frozenset[str]) -> bool:
        return self.choice in selected

    def ids(self) -> frozenset[str]:
        return frozenset({self.choice})


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node

    def evaluate(self, selected: frozenset[str]) -> bool:
        return not self.operand.evaluate(selected)

    def ids(self) -> frozenset[str]:
        return self.operand.ids()


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]

    def evaluate(self, selected: frozenset[str]) -> bool:
        return all(op.evaluate(selected) for op in self.operands)

    def ids(self) -> frozenset[str]:
        return frozenset().union(*(op.ids() for op in self.operands))


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]

    def evaluate(self, selected: frozenset[str]) -> bool:
        return any(op.evaluate(selected) for op in self.operands)

    def ids(self) -> frozenset[str]:
        return frozenset().union(*(op.ids() for op in self.operands))


@dataclass(frozen=True, slots=True)
class Default:
    """The ``default`` condition: matches only when no other rule did."""

    def evaluate(self, selected: frozenset[str]) -> bool:
        return True

    def ids(self) -> frozenset[str]:
        return frozenset()


Node = Ref | Not | And | Or | Default


def _after_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)  # \s* always matches
    return match.end() if match else pos


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """Tokens as (kind, value, position). Linear in ``len(text)``: each step matches at the
    current position and never copies the rest of the text."""
    tokens: list[tuple[str, str, int]] = []
    end = len(text)
    pos = _after_space(text, 0)
    while pos < end:
        match = _TOKEN.match(text, pos)
        if not match:
            raise RuleError(f"unexpected character {text[pos]!r}", pos)
        kind = "op" if match.group("op") else "id"
        tokens.append((kind, match.group(kind), pos))
        pos = _after_space(text, match.end())
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def descend(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError(f"nested more than {MAX_DEPTH} levels deep", pos)

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise RuleError("empty condition", 0)
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:
            raise RuleError(f"unexpected {extra[1]!r}", extra[2])
        return node

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while (tok := self.peek()) is not None and tok[1] == "||":
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok[1] == "&&":
            self.take()
            operands.append(self.parse_unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok[1] == "!":
            self.take()
            self.descend(tok[2])
            node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise RuleError("condition ends early: expected a choice id or '('", len(self.text))
        kind, value, pos = self.take()
        if value == "(":
            self.descend(pos)
            node = self.parse_or()
            self.depth -= 1
            close = self.peek()
            if close is None or close[1] != ")":
                where = close[2] if close else len(self.text)
                raise RuleError("missing ')'", where)
            self.take()
            return node
        if kind == "id":
            if value == DEFAULT:
                raise RuleError("'default' must be the whole condition", pos)
            return Ref(value)
        raise RuleError(f"unexpected {value!r}: expected a choice id or '('", pos)


def parse(condition: str, known_ids: Iterable[str] | None = None) -> Node:
    """Parse a condition; with ``known_ids``, an id outside them is an error."""
    if not isinstance(condition, str):
        raise RuleError("condition must be a string")
    if len(condition) > MAX_LENGTH:
        raise RuleError(f"is {len(condition)} characters long; at most {MAX_LENGTH} are allowed")
    if condition.strip() == DEFAULT:
        return Default()
    node = _Parser(condition).parse()
    if known_ids is not None:
        known = set(known_ids)
        unknown = sorted(node.ids() - known)
        if unknown:
            position = condition.find(unknown[0])
            raise RuleError(f"unknown choice id {unknown[0]!r}", position)
    return node


@dataclass(frozen=True, slots=True)
class CompiledRule:
    node: Node
    risk: str  # a RuleRisk value (rows and files give plain strings)

    @property
    def is_default(self) -> bool:
        return isinstance(self.node, Default)


def evaluate(rules: Sequence[CompiledRule], selected: Iterable[str]) -> RuleRisk:
    """The risk that ``rules`` give for ``selected`` choice ids (see the module docstring)."""
    chosen = frozenset(selected)
    default_risk: str | None = None
    for rule in rules:
        if rule.is_default:
            if default_risk is None:
                default_risk = rule.risk
            continue
        if rule.node.evaluate(chosen):
            return RuleRisk(rule.risk)
    return RuleRisk(default_risk) if default_risk is not None else IMPLIED_DEFAULT_RISK
