"""Saving an answer: validate, then a conditional update on ``version`` so no save is lost.

A save costs a fixed handful of queries whatever the size of the bank or the number of lenses:
the question's choices (and risk rules for an imported lens; free when the caller prefetched
them), the workload row lock that also finds the lens review, the current answer, one
conditional write, one history row, the lens review's counts when the question's risk moved,
and the workload's counts and ``updated_at`` (plus savepoints).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from questions import rules as rule_engine
from questions.models import Choice, LensVersion, Question
from reviews import scoring
from reviews.models import (
    Answer,
    AnswerChange,
    LensReview,
    NotApplicableReason,
    Workload,
    count_field,
)
from reviews.services.items import item_sync_question

NOTES_MAX = 2084
PRACTICE_NOTE_MAX = 250
_REASONS = set(NotApplicableReason.values)


class AnswerConflict(Exception):
    """The answer changed since ``expected_version``: someone else saved first."""

    def __init__(self, current: Answer | None) -> None:
        super().__init__("This answer was changed by someone else since you opened it.")
        self.current = current


@dataclass(frozen=True)
class SaveResult:
    answer: Answer
    changed: bool  # False when the data equalled what was stored (no new version)


def empty_state() -> dict[str, Any]:
    return {
        "selected": [],
        "is_applicable": True,
        "reason": "",
        "notes": "",
        "choices_not_applicable": {},
    }


def answer_state(answer: Answer | None) -> dict[str, Any]:
    """The stored state of an answer as a plain dict (what history rows record)."""
    if answer is None:
        return empty_state()
    return {
        "selected": list(answer.selected),
        "is_applicable": answer.is_applicable,
        "reason": answer.reason,
        "notes": answer.notes,
        "choices_not_applicable": dict(answer.choices_not_applicable),
    }


def _choices(question: Question) -> list[Choice]:
    # Uses the prefetch cache when the caller has one, so a page that already shows the
    # choices does not pay for them twice.
    return list(question.choices.all())


def clean_answer_data(*, question: Question, data: dict[str, Any]) -> dict[str, Any]:
    """The normalised answer state, or ``ValidationError`` with messages a person can act on."""
    choices = _choices(question)
    by_ref = {c.ref: c for c in choices}
    errors: list[ValidationError] = []

    selected = list(dict.fromkeys(data.get("selected") or []))
    unknown = [ref for ref in selected if ref not in by_ref]
    if unknown:
        errors.append(
            ValidationError(
                "Unknown best practice id: %(ids)s. Reload the page to get the current list.",
                code="unknown_practice",
                params={"ids": ", ".join(map(str, unknown))},
            )
        )
    none_refs = [ref for ref in selected if ref in by_ref and by_ref[ref].is_none]
    if none_refs and len(selected) > len(none_refs):
        errors.append(
            ValidationError(
                '"None of these" cannot be combined with a best practice. Untick one of them.',
                code="none_and_practice",
            )
        )

    is_applicable = bool(data.get("is_applicable", True))
    reason = data.get("reason") or ""
    if not is_applicable and reason not in _REASONS:
        errors.append(
            ValidationError(
                "Choose why this question does not apply (out of scope, business priorities, "
                "architecture constraints or other).",
                code="reason_required",
            )
        )
    if is_applicable:
        reason = ""

    notes = data.get("notes") or ""
    if len(notes) > NOTES_MAX:
        errors.append(
            ValidationError(
                "Notes are limited to %(max)d characters; these have %(n)d. Shorten them.",
                code="notes_too_long",
                params={"max": NOTES_MAX, "n": len(notes)},
            )
        )

    not_applicable: dict[str, dict[str, str]] = {}
    for ref, entry in (data.get("choices_not_applicable") or {}).items():
        choice = by_ref.get(ref)
        title = choice.title if choice else ref
        if choice is None or choice.is_none:
            errors.append(
                ValidationError(
                    "Unknown best practice id: %(ids)s. Reload the page to get the current list.",
                    code="unknown_practice",
                    params={"ids": ref},
                )
            )
            continue
        entry = entry or {}
        practice_reason = entry.get("reason") or ""
        note = entry.get("note") or ""
        if practice_reason not in _REASONS:
            errors.append(
                ValidationError(
                    '"%(title)s" is marked not applicable: choose a reason.',
                    code="practice_reason_required",
                    params={"title": title},
                )
            )
        if len(note) > PRACTICE_NOTE_MAX:
            errors.append(
                ValidationError(
                    'The note on "%(title)s" is limited to %(max)d characters; it has %(n)d.',
                    code="practice_note_too_long",
                    params={"title": title, "max": PRACTICE_NOTE_MAX, "n": len(note)},
                )
            )
        not_applicable[ref] = {"reason": practice_reason, "note": note}
    if none_refs and not_applicable:
        # Not-applicable practices count as followed, so the pair could score better than
        # "None of these" alone.
        errors.append(
            ValidationError(
                '"None of these" cannot be combined with best practices marked not applicable. '
                'Untick "None of these", or clear the not-applicable marks.',
                code="none_and_not_applicable",
            )
        )
    if errors:
        raise ValidationError(errors)

    order = {c.ref: i for i, c in enumerate(choices)}
    return {
        "selected": sorted(selected, key=order.__getitem__),
        "is_applicable": is_applicable,
        "reason": reason,
        "notes": notes,
        "choices_not_applicable": {
            ref: not_applicable[ref] for ref in sorted(not_applicable, key=order.__getitem__)
        },
    }


def _scoring_question(question: Question, kind: str) -> scoring.Question:
    """The question as scoring input; rules only for imported banks (native ones ignore them)."""
    rules: tuple[rule_engine.CompiledRule, ...] = ()
    if kind == LensVersion.Kind.IMPORTED:
        rules = tuple(
            rule_engine.CompiledRule(rule_engine.parse(r.condition), r.risk)
            for r in sorted(question.risk_rules.all(), key=lambda r: (r.order, r.pk))
        )
    return scoring.Question(
        ref=question.ref,
        title=question.title,
        practices=tuple(
            scoring.Practice(ref=c.ref, title=c.title, risk=c.risk or None, is_none=c.is_none)
            for c in _choices(question)
        ),
        rules=rules,
    )


def _risk(kind: str, question: scoring.Question, state: dict[str, Any] | None) -> str:
    answer = None
    if state is not None:
        answer = scoring.AnswerState(
            selected=frozenset(state["selected"]),
            is_applicable=state["is_applicable"],
            practices_not_applicable=frozenset(state["choices_not_applicable"]),
        )
    return scoring.score_question(kind, question, answer)[0]


def count_moves(before: str, after: str) -> dict[str, Any]:
    """UPDATE arguments that move one question from risk ``before`` to ``after``."""
    if before == after:
        return {}
    return {
        count_field(before): F(count_field(before)) - 1,
        count_field(after): F(count_field(after)) + 1,
    }


def answer_save(
    *,
    workload: Workload,
    question: Question,
    data: dict[str, Any],
    expected_version: int,
    user,
) -> SaveResult:
    """Store ``data`` as the answer if nobody saved since ``expected_version``.

    The answer belongs to the workload's active lens review of the question's lens version.
    Raises ``ValidationError`` (nothing changed) or ``AnswerConflict`` carrying the answer as
    the other person saved it (nothing changed either).
    """
    state = clean_answer_data(question=question, data=data)
    now = timezone.now()
    with transaction.atomic():
        # Lock the workload row (every writer of a workload's lens reviews and counts locks it
        # first) and find the active lens review of the question's version in the same query:
        # a lens upgraded or removed since the page was read would otherwise leave this answer
        # where nobody sees it.
        found = (
            Workload.objects.select_for_update(of=("self",))
            .filter(
                pk=workload.pk,
                lens_reviews__removed_at__isnull=True,
                lens_reviews__lens_version_id=question.pillar.version_id,
            )
            .values_list("lens_reviews__pk", "lens_reviews__lens_version__kind")
            .first()
        )
        if found is None:
            upgraded = LensReview.objects.active().filter(
                workload_id=workload.pk, lens__versions__pk=question.pillar.version_id
            )
            if upgraded.exists():
                raise ValidationError(
                    "This lens moved to a newer version while you were answering. "
                    "Reload the questionnaire and apply your change again.",
                    code="lens_upgraded",
                )
            raise ValidationError(
                "This question is not part of the lens versions this workload is reviewed "
                "against (the lens may have been removed since the page was opened). Open the "
                "question from the workload's own questionnaire.",
                code="other_lens",
            )
        lens_review_id, kind = found
        current = Answer.objects.filter(lens_review_id=lens_review_id, question=question).first()
        before = answer_state(current)
        if before == state:
            # Nothing to store: repeated autosaves and re-sent forms are harmless, even
            # from a stale version, because nothing would be overwritten.
            return SaveResult(
                current or Answer(lens_review_id=lens_review_id, question=question), False
            )
        current_version = current.version if current else 0
        if current_version != expected_version:
            raise AnswerConflict(current)
        if current is None:
            try:
                # The savepoint lets a lost race on the unique (lens review, question) surface
                # as a conflict instead of breaking the outer transaction.
                with transaction.atomic():
                    answer = Answer.objects.create(
                        lens_review_id=lens_review_id,
                        question=question,
                        version=1,
                        updated_by=user,
                        updated_at=now,
                        **state,
                    )
            except IntegrityError:
                raise AnswerConflict(
                    Answer.objects.filter(lens_review_id=lens_review_id, question=question).first()
                ) from None
        else:
            # The version filter makes the write conditional: of two saves that both read
            # version N, exactly one matches a row.
            won = Answer.objects.filter(pk=current.pk, version=expected_version).update(
                version=F("version") + 1, updated_by=user, updated_at=now, **state
            )
            if not won:
                raise AnswerConflict(Answer.objects.filter(pk=current.pk).first())
            answer = current
            for key, value in state.items():
                setattr(answer, key, value)
            answer.version = expected_version + 1
            answer.updated_by = user
            answer.updated_at = now
        AnswerChange.objects.create(
            answer=answer,
            version=answer.version,
            changed_by=user,
            changed_at=now,
            before=before,
            after=state,
        )
        # Stored counts move by the one question that changed: its risk before and after.
        scored = _scoring_question(question, kind)
        moves = count_moves(
            _risk(kind, scored, before if current else None), _risk(kind, scored, state)
        )
        LensReview.objects.filter(pk=lens_review_id).update(updated_at=now, **moves)
        Workload.objects.filter(pk=workload.pk).update(updated_at=now, **moves)
        item_sync_question(
            workload=workload,
            lens_review_id=lens_review_id,
            question=question,
            kind=kind,
            scored=scored,
            state=scoring.AnswerState(
                selected=frozenset(state["selected"]),
                is_applicable=state["is_applicable"],
                practices_not_applicable=frozenset(state["choices_not_applicable"]),
            ),
            user=user,
            now=now,
        )
    workload.updated_at = now
    return SaveResult(answer, True)
