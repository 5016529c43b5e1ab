"""An answer's state as one typed value: what is ticked, whether the question applies, why
not, the notes and the practices marked not applicable.

It travels between the layers that used to pass dicts: the model (``from_model``), the history
rows and milestone snapshots (``to_json`` / ``from_json``), the answer service (``as_fields``
for the ORM write) and scoring (``to_scoring``). No Django import: ``from_model`` reads any
object with the ``Answer`` model's attributes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reviews import scoring


class _AnswerLike(Protocol):
    selected: Any
    is_applicable: bool
    reason: str
    notes: str
    choices_not_applicable: Any


@dataclass(frozen=True, slots=True)
class PracticeNotApplicable:
    """A best practice marked not applicable to the workload, with the reason and a note."""

    reason: str
    note: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class AnswerState:
    selected: tuple[str, ...] = ()
    is_applicable: bool = True
    reason: str = ""
    notes: str = ""
    # (practice ref, mark) in bank order; compared as a mapping (stored JSON may reorder keys).
    not_applicable: tuple[tuple[str, PracticeNotApplicable], ...] = ()

    # --- conversions -------------------------------------------------------------------------
    @classmethod
    def from_model(cls, answer: _AnswerLike | None) -> AnswerState:
        """The stored state of ``answer``; the empty state for no answer."""
        if answer is None:
            return EMPTY
        return cls.from_values(
            selected=answer.selected,
            is_applicable=answer.is_applicable,
            reason=answer.reason,
            notes=answer.notes,
            not_applicable=answer.choices_not_applicable,
        )

    @classmethod
    def from_values(
        cls,
        *,
        selected: Any = (),
        is_applicable: bool = True,
        reason: str | None = "",
        notes: str | None = "",
        not_applicable: Mapping[str, Mapping[str, Any] | None] | None = None,
    ) -> AnswerState:
        return cls(
            selected=tuple(selected or ()),
            is_applicable=bool(is_applicable),
            reason=reason or "",
            notes=notes or "",
            not_applicable=tuple(
                (
                    ref,
                    PracticeNotApplicable(
                        (e or {}).get("reason") or "", (e or {}).get("note") or ""
                    ),
                )
                for ref, e in (not_applicable or {}).items()
            ),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AnswerState:
        """From ``to_json``'s shape (history rows, milestone snapshots); missing keys are the
        empty state's, other keys (a history row's ``event``) are ignored."""
        data = data or {}
        return cls.from_values(
            selected=data.get("selected"),
            is_applicable=data.get("is_applicable", True),
            reason=data.get("reason"),
            notes=data.get("notes"),
            not_applicable=data.get("choices_not_applicable"),
        )

    def to_json(self) -> dict[str, Any]:
        """The stored shape: the ``Answer`` model's fields, also what history rows record."""
        return {
            "selected": list(self.selected),
            "is_applicable": self.is_applicable,
            "reason": self.reason,
            "notes": self.notes,
            "choices_not_applicable": {
                ref: {"reason": mark.reason, "note": mark.note} for ref, mark in self.not_applicable
            },
        }

    # The ORM write takes the same names as the JSON.
    as_fields = to_json

    def to_scoring(self) -> scoring.AnswerState:
        return scoring.AnswerState(
            selected=frozenset(self.selected),
            is_applicable=self.is_applicable,
            practices_not_applicable=frozenset(self.not_applicable_refs),
        )

    # --- reading -------------------------------------------------------------------------------
    @property
    def not_applicable_refs(self) -> tuple[str, ...]:
        return tuple(ref for ref, _ in self.not_applicable)

    def marked(self, ref: str) -> PracticeNotApplicable | None:
        return next((mark for r, mark in self.not_applicable if r == ref), None)

    @property
    def is_answered(self) -> bool:
        """Whether scoring sees an answer (not applicable, or something ticked)."""
        return not self.is_applicable or bool(self.selected)

    def replace(self, **changes: Any) -> AnswerState:
        return dataclasses.replace(self, **changes)

    # --- equality: the not-applicable marks as a mapping -------------------------------------
    def _key(self) -> tuple:
        return (
            self.selected,
            self.is_applicable,
            self.reason,
            self.notes,
            tuple(sorted(self.not_applicable, key=lambda item: item[0])),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AnswerState):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


EMPTY = AnswerState()
