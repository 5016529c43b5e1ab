"""Saving an answer: validate, then a conditional update on ``version`` so no save is lost.

A save costs the same few queries whatever the size of the bank or the number of lenses. The
question's choices and rules come from the process's bank cache (``selectors.bank``). Then, on
PostgreSQL, two statements: one reads the lens review, the stored counts, the current answer
and the question's improvement items (``_read``; the page and the API add it to their access
check's query with ``save_read_join``, so it costs nothing more), and one writes everything
(``_write_postgresql``): it locks the workload and the lens review, then writes the answer only
if it is still the version read, its history row, the lens review's and workload's counts and
stamps, the items it resolves or reopens and their audit rows. A statement is its own
transaction, so a save needs no BEGIN or COMMIT. New or re-rated items (an INSERT, an UPDATE
each) and webhook events (one endpoint query, a delivery and an outbox row per interested
endpoint) follow in the same transaction when there are any. Other databases write in four
statements inside a transaction (``_write_orm``), the items after. The risk of the one question
that changed moves the stored counts; nothing is rescored.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import audit_events
from accounts.models import AuditEvent
from config import rawsql
from questions.models import Choice, Pillar, Question
from reviews import scoring, selectors
from reviews.answer_state import AnswerState
from reviews.audit_actions import ItemAction
from reviews.models import (
    Answer,
    AnswerChange,
    ImprovementItem,
    LensReview,
    NotApplicableReason,
    Workload,
    count_field,
)
from reviews.services.items import (
    REOPENED_VALUES,
    audit_entries,
    item_changes_question,
    item_changes_store,
    resolved_values,
)
from reviews.vocab import Risk
from webhooks import payloads
from webhooks.events import EventType
from webhooks.models import Endpoint
from webhooks.services import webhook_events_emit

NOTES_MAX = 2084
PRACTICE_NOTE_MAX = 250
_REASONS = set(NotApplicableReason.values)


class AnswerConflict(Exception):
    """The answer changed since ``expected_version``: someone else saved first."""

    def __init__(self, current: Answer | None) -> None:
        super().__init__("This answer was changed by someone else since you opened it.")
        self.current = current


def clean_answer_data(
    *, question: Question, data: dict[str, Any], choices: list[Choice] | None = None
) -> AnswerState:
    """The normalised answer state, or ``ValidationError`` with messages a person can act on.

    ``choices`` are the question's in bank order (default: its cached bank's)."""
    if choices is None:
        choices = list(selectors.bank(question.pillar.version_id).by_pk[question.pk].choices.all())
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
    return AnswerState.from_values(
        selected=sorted(selected, key=order.__getitem__),
        is_applicable=is_applicable,
        reason=reason,
        notes=notes,
        not_applicable={
            ref: not_applicable[ref] for ref in sorted(not_applicable, key=order.__getitem__)
        },
    )


def _risk(kind: str, question: scoring.Question, state: AnswerState | None) -> str:
    answer = state.to_scoring() if state is not None else None
    return scoring.score_question(kind, question, answer)[0]


def count_moves(before: str, after: str) -> dict[str, int]:
    """Count changes that move one question from risk ``before`` to ``after``."""
    if before == after:
        return {}
    return {before: -1, after: 1}


@dataclass(frozen=True)
class Progress:
    """Where the review stands after a save, for the page's counters (no query needed)."""

    lens_review_id: int
    pillar_id: int
    risk: str  # the question's risk now
    lens_counts: dict[str, int]
    workload_counts: dict[str, int]
    pillar_answered: int
    pillar_total: int
    lenses: int  # active lens reviews of the workload


@dataclass(frozen=True)
class SaveResult:
    answer: Answer
    changed: bool  # False when the data equalled what was stored (no new version)
    progress: Progress | None = None


@dataclass(frozen=True)
class _Read:
    lens_review_id: int
    lens_counts: dict[str, int]
    workload_counts: dict[str, int]
    lenses: int
    pillar_answered: int  # answered questions of the pillar before this save
    webhooks: bool  # whether any active endpoint may receive the team's events
    answer: Answer | None
    items: list[ImprovementItem]  # the question's improvement items


_ANSWER_FIELDS = (
    "id",
    "version",
    "selected",
    "is_applicable",
    "reason",
    "notes",
    "choices_not_applicable",
    "updated_by_id",
    "updated_at",
)
_ITEM_FIELDS = (
    "id",
    "pillar_ref",
    "question_ref",
    "practice_ref",
    "question_id",
    "practice_title",
    "risk",
    "status",
    "due_date",
    "resolved_at",
    "owner_id",
)


@functools.cache
def _read_parts() -> tuple[str, str]:
    """What ``_read`` selects and the joins it needs besides the workload ``w`` and the lens
    review ``lr``: the question ``sq`` (its id a parameter) with its pillar, the answer, the
    items and their owners. Built once per process: every save uses it."""
    counts = [count_field(risk) for risk in Risk]
    columns = ", ".join(
        [f"lr.{c}" for c in counts]
        + [f"w.{c}" for c in counts]
        + [f"a.{f}" for f in _ANSWER_FIELDS]
        + [f"i.{f}" for f in _ITEM_FIELDS]
    )
    t = rawsql.table
    # Identifiers come from our models; every value is a parameter. The endpoint rule is
    # webhooks.services.webhook_events_emit's (active, for every team or for this one).
    select = f"""lr.id, {columns}, u.username,
        (SELECT COUNT(*) FROM {t(LensReview)} o
          WHERE o.workload_id = w.id AND o.removed_at IS NULL),
        (SELECT COUNT(*) FROM {t(Answer)} pa
          JOIN {t(Question)} pq ON pq.id = pa.question_id
          WHERE pa.lens_review_id = lr.id AND pq.pillar_id = sq.pillar_id
            AND (NOT pa.is_applicable OR pa.selected <> '[]')),
        EXISTS (SELECT 1 FROM {t(Endpoint)} e
          WHERE e.is_active AND (e.team_id IS NULL OR e.team_id = w.team_id))"""  # noqa: S608
    joins = f"""JOIN {t(Pillar)} sp ON sp.id = sq.pillar_id
        LEFT JOIN {t(Answer)} a ON a.lens_review_id = lr.id AND a.question_id = sq.id
        LEFT JOIN {t(ImprovementItem)} i ON i.lens_review_id = lr.id
          AND i.pillar_ref = sp.ref AND i.question_ref = sq.ref
        LEFT JOIN {t(get_user_model())} u ON u.id = i.owner_id"""
    return select, joins


def save_read_join(question_id: int) -> tuple[str, list[Any]] | None:
    """``_read``'s reading as a join that ``access.get_workload_for_question_or_404`` adds to
    its own query (``extra``), which has the workload and the located lens review: a save then
    costs one query less. PostgreSQL only (a LATERAL join); None elsewhere."""
    if rawsql.vendor() != "postgresql":
        return None
    question_id = question_id if rawsql.valid_id(question_id) else 0
    select, joins = _read_parts()
    sql = (
        f"LEFT JOIN LATERAL (SELECT {select} FROM {rawsql.table(Question)} sq {joins} "  # noqa: S608 - names from the models
        "WHERE sq.id = %s) s ON TRUE "
    )
    return sql, [question_id]


def _read(
    *,
    workload: Workload,
    version_id: int,
    question: Question,
    rows: list[tuple[Any, ...]] | None = None,
) -> _Read | None:
    """In one statement: the workload's active lens review of ``version_id``, the stored counts,
    the number of active lenses, the pillar's answered questions, whether the team has webhook
    endpoints, the current answer and the question's improvement items (one row per item). None
    when no active lens review of the workload uses that version. ``rows``: what
    ``save_read_join`` read already, with the access check (no query then).

    Nothing is locked: the write (``_write_postgresql``) locks the workload and the lens review
    and writes only if the answer is still the version read here and the lens review still
    active (the answer's version moves on every change, so an answer read here and unchanged at
    the write is the answer the counts' and items' changes were computed from).
    """
    counts = [count_field(risk) for risk in Risk]
    user_model = get_user_model()
    if rows is None:
        select, joins = _read_parts()
        sql = f"""SELECT {select}
            FROM {rawsql.table(Workload)} w
            JOIN {rawsql.table(LensReview)} lr ON lr.workload_id = w.id
              AND lr.removed_at IS NULL AND lr.lens_version_id = %s
            JOIN {rawsql.table(Question)} sq ON sq.id = %s {joins}
            WHERE w.id = %s"""  # noqa: S608
        rows = rawsql.fetch(sql, [version_id, question.pk, workload.pk])
    if not rows or rows[0][0] is None:
        return None
    first = list(rows[0])
    lens_review_id = first.pop(0)
    n = len(counts)
    lens_counts = dict(zip(Risk, first[:n], strict=True))
    workload_counts = dict(zip(Risk, first[n : 2 * n], strict=True))
    values = dict(zip(_ANSWER_FIELDS, first[2 * n : 2 * n + len(_ANSWER_FIELDS)], strict=True))
    lenses, pillar_answered, webhooks = first[-3:]
    answer = None
    if values["id"] is not None:
        for name in ("selected", "choices_not_applicable"):
            field = cast(Any, Answer._meta.get_field(name))  # a JSONField
            values[name] = field.from_db_value(values[name], None, connection)
        answer = Answer(lens_review_id=lens_review_id, question=question, **values)
        answer._state.adding = False
    items = []
    start = 1 + 2 * n + len(_ANSWER_FIELDS)
    for row in rows:
        item_values = dict(zip(_ITEM_FIELDS, row[start : start + len(_ITEM_FIELDS)], strict=True))
        if item_values["id"] is None:
            continue
        item = ImprovementItem(lens_review_id=lens_review_id, workload=workload, **item_values)
        item._state.adding = False
        if item.owner_id is not None:
            owner = cast(Any, user_model)(pk=item.owner_id, username=row[start + len(_ITEM_FIELDS)])
            item.owner = owner
        items.append(item)
    return _Read(
        lens_review_id,
        lens_counts,
        workload_counts,
        lenses,
        pillar_answered,
        bool(webhooks),
        answer,
        items,
    )


def _json(model, name: str, value: Any) -> Any:
    field = cast(models.JSONField, model._meta.get_field(name))
    return field.get_db_prep_value(value, connection)


@dataclass(frozen=True)
class _Written:
    answer_id: int
    version: int
    # The counts as stored after the write (PostgreSQL returns them), else None.
    lens_counts: dict[str, int] | None = None
    workload_counts: dict[str, int] | None = None


class _ReviewGone(Exception):
    """The lens review was upgraded or removed between the read and the write."""


def _write_postgresql(
    *,
    lens_review_id: int,
    workload_id: int,
    version_id: int,
    question: Question,
    current: Answer | None,
    expected_version: int,
    before: AnswerState,
    state: AnswerState,
    moves: dict[str, int],
    user,
    now,
    resolved: list[int],
    reopened: list[int],
    audits: list[AuditEvent],
) -> _Written | None:
    """The whole save as one statement of data-modifying WITH clauses, so it needs no
    transaction of its own: lock the workload's and the lens review's rows (every writer of a
    workload's lens reviews and counts locks them in that order, so saves, upgrades and lens
    changes serialise) while the lens review is still active on ``version_id``; then, only if
    it is, the answer (a conditional UPDATE, or an INSERT that yields to a concurrent one); then,
    only if that matched, its history row, the lens review's and workload's stamps and counts
    (returned as stored), the improvement items ``resolved`` and ``reopened`` and the ``audits``
    rows. Returns None when the answer's write matched nothing (someone saved first); raises
    ``_ReviewGone`` when the lens review no longer matched.

    A row locked after a wait is re-checked as committed (PostgreSQL's read committed), so an
    upgrade or removal that committed meanwhile stops the save, and a save of the same answer
    that committed meanwhile fails the version condition: never a lost update.
    """
    fields = state.as_fields()
    answer_values = [
        _json(Answer, "selected", fields["selected"]),
        fields["is_applicable"],
        fields["reason"],
        fields["notes"],
        _json(Answer, "choices_not_applicable", fields["choices_not_applicable"]),
    ]
    user_id = getattr(user, "pk", None)
    if current is None:
        write = f"""INSERT INTO {rawsql.table(Answer)} (lens_review_id, question_id, version,
            updated_by_id, updated_at, selected, is_applicable, reason, notes,
            choices_not_applicable) SELECT %s, %s, 1, %s, %s, %s, %s, %s, %s, %s
            WHERE EXISTS (SELECT 1 FROM lk)
            ON CONFLICT (lens_review_id, question_id) DO NOTHING RETURNING id, version"""  # noqa: S608
        write_params = [lens_review_id, question.pk, user_id, now, *answer_values]
    else:
        write = f"""UPDATE {rawsql.table(Answer)} SET version = version + 1, updated_by_id = %s,
            updated_at = %s, selected = %s, is_applicable = %s, reason = %s, notes = %s,
            choices_not_applicable = %s WHERE id = %s AND version = %s
            AND EXISTS (SELECT 1 FROM lk) RETURNING id, version"""  # noqa: S608
        write_params = [user_id, now, *answer_values, current.pk, expected_version]
    counts = [count_field(risk) for risk in Risk]
    sets = "".join(f", {count_field(risk)} = {count_field(risk)} + %s" for risk in moves)
    deltas = list(moves.values())
    item_table = rawsql.table(ImprovementItem)
    clauses = []
    clause_params: list[Any] = []
    for ids, values in (
        (resolved, {**resolved_values(user, now), "updated_at": now}),
        (reopened, {**REOPENED_VALUES, "updated_at": now}),
    ):
        if ids:
            clauses.append(
                f"""UPDATE {item_table} SET resolved_at = %s, resolved_by_id = %s,
                updated_at = %s WHERE id IN ({rawsql.placeholders(ids)})
                AND EXISTS (SELECT 1 FROM a)"""  # noqa: S608
            )
            clause_params += [
                _prep(ImprovementItem, name, values[name])
                for name in ("resolved_at", "resolved_by_id", "updated_at")
            ]
            clause_params += ids
    if audits:
        head, rows, audit_params = rawsql.insert_values(audits)
        clauses.append(
            f"INSERT INTO {head} SELECT * FROM (VALUES {rows}) v WHERE EXISTS (SELECT 1 FROM a)"  # noqa: S608
        )
        clause_params += audit_params
    more = "".join(f",\n        x{i} AS ({clause})" for i, clause in enumerate(clauses))
    lr_counts = ", ".join(f"l.{c}" for c in counts)
    w_counts = ", ".join(f"k.{c}" for c in counts)
    # Identifiers come from our models; every value is a parameter.
    sql = f"""WITH lk AS (SELECT w.id FROM {rawsql.table(Workload)} w
              JOIN {rawsql.table(LensReview)} r ON r.workload_id = w.id
              WHERE w.id = %s AND r.id = %s AND r.removed_at IS NULL
                AND r.lens_version_id = %s
              FOR UPDATE OF w, r),
        a AS ({write}),
        h AS (INSERT INTO {rawsql.table(AnswerChange)}
              (answer_id, version, changed_by_id, changed_at, before, after)
              SELECT id, version, %s, %s, %s, %s FROM a),
        l AS (UPDATE {rawsql.table(LensReview)} SET updated_at = %s{sets}
              WHERE id = %s AND EXISTS (SELECT 1 FROM a) RETURNING {", ".join(counts)}),
        k AS (UPDATE {rawsql.table(Workload)} SET updated_at = %s{sets}
              WHERE id = %s AND EXISTS (SELECT 1 FROM a) RETURNING {", ".join(counts)}){more}
        SELECT (SELECT COUNT(*) FROM lk), a.id, a.version, {lr_counts}, {w_counts}
        FROM (SELECT 1) one LEFT JOIN a ON TRUE LEFT JOIN l ON TRUE
        LEFT JOIN k ON TRUE"""  # noqa: S608
    params: list[Any] = [
        workload_id,
        lens_review_id,
        version_id,
        *write_params,
        user_id,
        now,
        _json(AnswerChange, "before", before.to_json()),
        _json(AnswerChange, "after", state.to_json()),
        now,
        *deltas,
        lens_review_id,
        now,
        *deltas,
        workload_id,
        *clause_params,
    ]
    row = rawsql.fetch(sql, params)[0]
    if not row[0]:
        raise _ReviewGone
    if row[1] is None:
        return None
    n = len(counts)
    return _Written(
        row[1],
        row[2],
        dict(zip(Risk, row[3 : 3 + n], strict=True)),
        dict(zip(Risk, row[3 + n : 3 + 2 * n], strict=True)),
    )


def _prep(model, name: str, value: Any) -> Any:
    return cast(models.Field, model._meta.get_field(name)).get_db_prep_save(value, connection)


def _write_orm(
    *,
    lens_review_id: int,
    workload_id: int,
    question: Question,
    current: Answer | None,
    expected_version: int,
    before: AnswerState,
    state: AnswerState,
    moves: dict[str, int],
    user,
    now,
) -> _Written | None:
    """``_write_postgresql``'s answer, history and counts for other databases (SQLite for
    ``make run``), in four statements inside the caller's transaction; the items are written
    after it (``item_changes_store``)."""
    if current is None:
        answer = Answer.objects.create(
            lens_review_id=lens_review_id,
            question=question,
            version=1,
            updated_by=user,
            updated_at=now,
            **state.as_fields(),
        )
        written = _Written(answer.pk, 1)
    else:
        won = Answer.objects.filter(pk=current.pk, version=expected_version).update(
            version=F("version") + 1, updated_by=user, updated_at=now, **state.as_fields()
        )
        if not won:
            return None
        written = _Written(current.pk, expected_version + 1)
    AnswerChange.objects.create(
        answer_id=written.answer_id,
        version=written.version,
        changed_by=user,
        changed_at=now,
        before=before.to_json(),
        after=state.to_json(),
    )
    changes = {count_field(risk): F(count_field(risk)) + delta for risk, delta in moves.items()}
    LensReview.objects.filter(pk=lens_review_id).update(updated_at=now, **changes)
    Workload.objects.filter(pk=workload_id).update(updated_at=now, **changes)
    return written


def _moved(counts: dict[str, int], moves: dict[str, int]) -> dict[str, int]:
    return {risk: n + moves.get(risk, 0) for risk, n in counts.items()}


def answer_save(
    *,
    workload: Workload,
    question: Question,
    data: dict[str, Any],
    expected_version: int,
    user,
    preread: list[tuple[Any, ...]] | None = None,
) -> SaveResult:
    """Store ``data`` as the answer if nobody saved since ``expected_version``.

    The answer belongs to the workload's active lens review of the question's lens version.
    Raises ``ValidationError`` (nothing changed) or ``AnswerConflict`` carrying the answer as
    the other person saved it (nothing changed either). ``preread``: the rows ``save_read_join``
    added to the access check of this workload and question (the save reads nothing more before
    its write).
    """
    version_id = question.pillar.version_id
    bank = selectors.bank(version_id)
    scored = bank.scored[question.pk]
    state = clean_answer_data(
        question=question, data=data, choices=list(bank.by_pk[question.pk].choices.all())
    )
    now = timezone.now()

    def attempt(rows: list[tuple[Any, ...]] | None = None) -> SaveResult:
        save = functools.partial(
            _save,
            rows=rows,
            workload=workload,
            question=question,
            bank=bank,
            scored=scored,
            state=state,
            expected_version=expected_version,
            user=user,
            now=now,
        )
        if connection.vendor == "postgresql":
            return save()  # one statement, or its own transaction when it needs more
        with transaction.atomic():
            return save()

    try:
        result = attempt(preread)
    except IntegrityError:
        # A writer committed a row our read did not see: the answer (SQLite; PostgreSQL's
        # INSERT yields) or an improvement item (``items_backfill``). Nothing was kept; once
        # more, reading what it committed: a clash on the answer now ends as a conflict or
        # "unchanged".
        result = attempt()
    if result.changed:
        workload.updated_at = now
    return result


def _not_in_review(workload: Workload, version_id: int) -> ValidationError:
    upgraded = LensReview.objects.active().filter(
        workload_id=workload.pk, lens__versions__pk=version_id
    )
    if upgraded.exists():
        return ValidationError(
            "This lens moved to a newer version while you were answering. "
            "Reload the questionnaire and apply your change again.",
            code="lens_upgraded",
        )
    return ValidationError(
        "This question is not part of the lens versions this workload is reviewed "
        "against (the lens may have been removed since the page was opened). Open the "
        "question from the workload's own questionnaire.",
        code="other_lens",
    )


def _save(
    *,
    workload: Workload,
    question: Question,
    bank: selectors.VersionBank,
    scored: scoring.Question,
    state: AnswerState,
    expected_version: int,
    user,
    now,
    rows: list[tuple[Any, ...]] | None,
) -> SaveResult:
    kind = bank.kind
    version_id = bank.version.pk
    read = _read(workload=workload, version_id=version_id, question=question, rows=rows)
    if read is None:
        raise _not_in_review(workload, version_id)
    lens_review_id = read.lens_review_id
    current = read.answer
    before = AnswerState.from_model(current)
    risk_before = _risk(kind, scored, before if current else None)

    def progress(risk: str, moves: dict[str, int], written: _Written | None = None) -> Progress:
        answered = read.pillar_answered - before.is_answered + (risk != Risk.UNANSWERED)
        return Progress(
            lens_review_id=lens_review_id,
            pillar_id=question.pillar_id,
            risk=risk,
            lens_counts=(written and written.lens_counts) or _moved(read.lens_counts, moves),
            workload_counts=(written and written.workload_counts)
            or _moved(read.workload_counts, moves),
            pillar_answered=answered,
            pillar_total=bank.pillar_sizes[question.pillar_id],
            lenses=read.lenses,
        )

    if before == state:
        # Nothing to store: repeated autosaves and re-sent forms are harmless, even from a
        # stale version, because nothing would be overwritten.
        answer = current or Answer(lens_review_id=lens_review_id, question=question)
        return SaveResult(answer, False, progress(risk_before, {}))
    current_version = current.version if current else 0
    if current_version != expected_version:
        raise AnswerConflict(
            Answer.objects.select_related("updated_by").filter(pk=current.pk).first()
            if current
            else None
        )
    # Stored counts move by the one question that changed: its risk before and after.
    risk_after = _risk(kind, scored, state)
    moves = count_moves(risk_before, risk_after)
    items = item_changes_question(
        workload=workload,
        lens_review_id=lens_review_id,
        question=question,
        kind=kind,
        scored=scored,
        state=state.to_scoring(),
        existing=read.items,
        now=now,
    )
    write_args: dict[str, Any] = {
        "lens_review_id": lens_review_id,
        "workload_id": workload.pk,
        "question": question,
        "current": current,
        "expected_version": expected_version,
        "before": before,
        "state": state,
        "moves": moves,
        "user": user,
        "now": now,
    }
    in_one = connection.vendor == "postgresql"
    # On PostgreSQL, the write is one statement unless more must commit with it: new or re-rated
    # items, webhook events, or a caller's transaction (a savepoint keeps a failure from
    # spoiling it).
    alone = not (items.created or items.rerated or read.webhooks or connection.in_atomic_block)
    with contextlib.nullcontext() if not in_one or alone else transaction.atomic():
        if in_one:
            try:
                written = _write_postgresql(
                    **write_args,
                    version_id=version_id,
                    resolved=[i.pk for i in items.resolved],
                    reopened=[i.pk for i in items.reopened],
                    audits=audit_events(
                        actor=user,
                        team=workload.team_id,
                        entries=audit_entries(items.resolved, ItemAction.RESOLVED_BY_ANSWER)
                        + audit_entries(items.reopened, ItemAction.REOPENED_BY_ANSWER),
                    ),
                )
            except _ReviewGone:
                raise _not_in_review(workload, version_id) from None
        else:
            written = _write_orm(**write_args)
        if written is None:
            latest = (
                Answer.objects.select_related("updated_by")
                .filter(lens_review_id=lens_review_id, question=question)
                .first()
            )
            if latest is not None and AnswerState.from_model(latest) == state:
                return SaveResult(latest, False, progress(risk_before, {}))
            raise AnswerConflict(latest)
        answer = current or Answer(lens_review_id=lens_review_id, question=question)
        answer.pk, answer.version = written.answer_id, written.version
        answer._state.adding = False
        for key, value in state.as_fields().items():
            setattr(answer, key, value)
        answer.updated_by = user if getattr(user, "pk", None) else None
        answer.updated_at = now
        after = progress(risk_after, moves, written)
        # The webhook events of the save (the items' and ``workload.risk_changed``), built only
        # when an endpoint may receive the team's events, and sent for one endpoint query.
        events: list[tuple[EventType, dict[str, Any]]] | None = [] if read.webhooks else None
        item_changes_store(
            items,
            workload=workload,
            user=user,
            now=now,
            events=events,
            resolutions_written=in_one,
        )
        if events is not None:
            if moves:
                before_counts = _moved(after.workload_counts, {k: -v for k, v in moves.items()})
                events.append(
                    (
                        EventType.WORKLOAD_RISK_CHANGED,
                        payloads.workload_risk_data(
                            workload, before=before_counts, after=after.workload_counts
                        ),
                    )
                )
            webhook_events_emit(team_id=workload.team_id, events=events)
    return SaveResult(answer, True, after)
