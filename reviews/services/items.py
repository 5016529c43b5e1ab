"""Improvement items: created, resolved and reopened by the answers; edited by people.

An item exists for every best practice that an answer left at risk (not followed). The answer
decides whether the practice is still at risk; people decide who fixes it, by when, and its
status. Every change is in the audit trail (``reviews.audit_actions.ItemAction``) and the
matching webhook events are emitted in the same transaction.

Cost inside ``answer_save`` (``item_changes_question``, ``item_changes_store``): nothing to read
(the save read the question's items); on PostgreSQL the items it resolves or reopens, and their
audit rows, are part of the save's one write; new items cost one INSERT and their audit rows
another, each re-rated item an UPDATE; the webhook events go out with the save's own (one
endpoint query, skipped when the team has no endpoint, plus a delivery and an outbox row per
interested endpoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record, audit_records
from config import rawsql
from questions.models import Question
from reviews import loader, scoring, selectors
from reviews.audit_actions import ItemAction
from reviews.models import ImprovementItem, LensReview, Membership, Role, Workload
from reviews.vocab import PracticeStatus, Risk
from webhooks.events import EventType
from webhooks.services import webhook_event_emit, webhook_events_emit

Status = ImprovementItem.Status
Key = tuple[str, str, str]  # pillar ref, question ref, practice ref

ACCEPT_REASON_MAX = 500
NOTES_MAX = 2084
OWNER_NOT_MEMBER = "The owner must be a member of the team."


@dataclass(frozen=True)
class Outcome:
    """What an answer says about one practice: at risk (with its risk) or not (``None``)."""

    risk: str | None
    title: str
    question_id: int


def outcomes_for_question(
    *,
    kind: str,
    question: scoring.Question,
    pillar_ref: str,
    question_id: int,
    state: scoring.AnswerState | None,
) -> dict[Key, Outcome]:
    """Practices the answer decides: at risk, or followed / not applicable. An unanswered
    question decides nothing (its items keep their state)."""
    risk, practices = scoring.score_question(kind, question, state)
    if risk == Risk.UNANSWERED:
        return {}
    decided: dict[Key, Outcome] = {}
    for practice in practices:
        key = (pillar_ref, question.ref, practice.ref)
        if practice.status == PracticeStatus.NOT_FOLLOWED and practice.risk:
            decided[key] = Outcome(practice.risk, practice.title, question_id)
        elif practice.status in (PracticeStatus.FOLLOWED, PracticeStatus.NOT_APPLICABLE):
            decided[key] = Outcome(None, practice.title, question_id)
    return decided


def _item_data(item: ImprovementItem, workload: Workload) -> dict[str, Any]:
    return {
        "id": item.pk,
        "workload": {"id": workload.pk, "name": workload.name, "team": {"id": workload.team_id}},
        "pillar": item.pillar_ref,
        "question": item.question_ref,
        "practice": item.practice_ref,
        "title": item.practice_title,
        "risk": item.risk,
        "status": item.status,
        "resolved": item.resolved_at is not None,
        "owner": item.owner.get_username() if item.owner_id and item.owner else None,
        "due_date": item.due_date.isoformat() if item.due_date else None,
    }


@dataclass
class ItemChanges:
    """What an answer (or a lens review's answers) does to improvement items."""

    created: list[ImprovementItem]
    resolved: list[ImprovementItem]
    reopened: list[ImprovementItem]
    rerated: list[ImprovementItem]

    def as_dict(self) -> dict[str, list[ImprovementItem]]:
        return {
            "created": self.created,
            "resolved": self.resolved,
            "reopened": self.reopened,
            "rerated": self.rerated,
        }


def _plan(
    *,
    workload: Workload,
    lens_review_id: int,
    existing: Iterable[ImprovementItem],
    decided: Mapping[Key, Outcome],
    now: dt.datetime,
) -> ItemChanges:
    """The items to create, resolve, reopen or re-rate so that they match ``decided`` (the
    re-rated ones already carry their new risk, question and title). No query."""
    by_key = {(i.pillar_ref, i.question_ref, i.practice_ref): i for i in existing}
    changes = ItemChanges([], [], [], [])
    for key, outcome in decided.items():
        item = by_key.get(key)
        if outcome.risk is None:
            if item is not None and item.resolved_at is None:
                changes.resolved.append(item)
            continue
        if item is None:
            changes.created.append(
                ImprovementItem(
                    lens_review_id=lens_review_id,
                    workload=workload,
                    pillar_ref=key[0],
                    question_ref=key[1],
                    practice_ref=key[2],
                    question_id=outcome.question_id,
                    practice_title=outcome.title[:128],
                    risk=outcome.risk,
                    created_at=now,
                    updated_at=now,
                )
            )
            continue
        if item.resolved_at is not None:
            changes.reopened.append(item)
        if item.risk != outcome.risk or item.question_id != outcome.question_id:
            item.risk, item.question_id = outcome.risk, outcome.question_id
            item.practice_title = outcome.title[:128]
            changes.rerated.append(item)
    return changes


def resolved_values(user, now: dt.datetime) -> dict[str, Any]:
    """The columns resolving an item sets (``reopened_values`` clears them)."""
    return {"resolved_at": now, "resolved_by_id": user.pk if user is not None else None}


REOPENED_VALUES: dict[str, Any] = {"resolved_at": None, "resolved_by_id": None}


def _store(
    changes: ItemChanges, *, user, now: dt.datetime, resolutions_written: bool = False
) -> None:
    """Write ``changes``; ``resolutions_written``: the caller's own statement already resolved
    and reopened theirs (``answer_save`` does, in its one write on PostgreSQL)."""
    if changes.created:
        ImprovementItem.objects.bulk_create(changes.created)
    # Resolving and reopening are hand-written UPDATEs (config.rawsql): saves do them.
    if changes.resolved and not resolutions_written:
        rawsql.update(
            ImprovementItem,
            [i.pk for i in changes.resolved],
            **resolved_values(user, now),
            updated_at=now,
        )
    for item in changes.resolved:
        item.resolved_at, item.resolved_by = now, user
    if changes.reopened and not resolutions_written:
        rawsql.update(
            ImprovementItem, [i.pk for i in changes.reopened], **REOPENED_VALUES, updated_at=now
        )
    for item in changes.reopened:
        item.resolved_at, item.resolved_by = None, None
    for item in changes.rerated:
        ImprovementItem.objects.filter(pk=item.pk).update(
            risk=item.risk,
            question_id=item.question_id,
            practice_title=item.practice_title,
            updated_at=now,
        )


def audit_entries(
    items: Iterable[ImprovementItem], action: ItemAction, context: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The audit entries (``accounts.audit.audit_records``) of items created, resolved or
    reopened by an answer."""
    context = context or {}
    return [
        {
            "action": action,
            "target": item,
            "data": {"risk": item.risk, **context} if action == ItemAction.CREATED else context,
        }
        for item in items
    ]


def item_events(
    changes: ItemChanges, workload: Workload, events: list[tuple[EventType, dict[str, Any]]]
) -> None:
    """Append the webhook events of ``changes`` (once written) to ``events``."""
    for item in changes.created:
        events.append((EventType.ITEM_CREATED, _item_data(item, workload)))
    for item in changes.resolved:
        events.append(
            (EventType.ITEM_STATUS_CHANGED, {**_item_data(item, workload), "change": "resolved"})
        )
    for item in changes.reopened:
        events.append(
            (EventType.ITEM_STATUS_CHANGED, {**_item_data(item, workload), "change": "reopened"})
        )


def _apply(
    *,
    workload: Workload,
    lens_review_id: int,
    existing: Iterable[ImprovementItem],
    decided: Mapping[Key, Outcome],
    user,
    now: dt.datetime,
    action_context: dict[str, Any] | None = None,
) -> dict[str, list[ImprovementItem]]:
    """Create, resolve, reopen or re-rate items so that they match ``decided``, record them in
    the audit trail (one INSERT) and emit their webhook events."""
    changes = _plan(
        workload=workload,
        lens_review_id=lens_review_id,
        existing=existing,
        decided=decided,
        now=now,
    )
    _store(changes, user=user, now=now)
    audit_records(
        actor=user,
        team=workload.team_id,
        entries=[
            *audit_entries(changes.created, ItemAction.CREATED, action_context),
            *audit_entries(changes.resolved, ItemAction.RESOLVED_BY_ANSWER, action_context),
            *audit_entries(changes.reopened, ItemAction.REOPENED_BY_ANSWER, action_context),
        ],
    )
    events: list[tuple[EventType, dict[str, Any]]] = []
    item_events(changes, workload, events)
    if events:
        webhook_events_emit(team_id=workload.team_id, events=events)
    return changes.as_dict()


def item_changes_question(
    *,
    workload: Workload,
    lens_review_id: int,
    question: Question,
    kind: str,
    scored: scoring.Question,
    state: scoring.AnswerState | None,
    existing: list[ImprovementItem],
    now: dt.datetime,
) -> ItemChanges:
    """What one question's new answer does to its items (``existing``, read by the caller with
    their owners' names); ``answer_save`` writes them with the answer. No query."""
    decided = outcomes_for_question(
        kind=kind,
        question=scored,
        pillar_ref=question.pillar.ref,
        question_id=question.pk,
        state=state,
    )
    return _plan(
        workload=workload,
        lens_review_id=lens_review_id,
        existing=existing,
        decided=decided,
        now=now,
    )


def item_changes_store(
    changes: ItemChanges,
    *,
    workload: Workload,
    user,
    now: dt.datetime,
    events: list[tuple[EventType, dict[str, Any]]] | None,
    resolutions_written: bool = False,
) -> None:
    """Write an answer's item changes (inside ``answer_save``), their audit rows (one INSERT;
    ``resolutions_written``: the caller wrote the resolved and reopened items' and their audit
    rows itself) and append their webhook events to ``events`` (None: no endpoint would
    receive them)."""
    _store(changes, user=user, now=now, resolutions_written=resolutions_written)
    entries = audit_entries(changes.created, ItemAction.CREATED)
    if not resolutions_written:
        entries += audit_entries(changes.resolved, ItemAction.RESOLVED_BY_ANSWER)
        entries += audit_entries(changes.reopened, ItemAction.REOPENED_BY_ANSWER)
    if entries:
        audit_records(actor=user, team=workload.team_id, entries=entries)
    if events is not None:
        item_events(changes, workload, events)


@transaction.atomic
def items_sync_lens_review(
    *, lens_review: LensReview, user=None, context: dict[str, Any] | None = None
) -> dict[str, list[ImprovementItem]]:
    """Bring every item of the lens review in line with all its answers (lens upgrade,
    backfill). Items whose practice no longer exists in the lens version are resolved."""
    now = timezone.now()
    version_id = lens_review.lens_version_id
    bank = loader.banks_for_versions([version_id])[version_id]
    answers = loader.answers_for_lens_reviews([lens_review.pk]).get(lens_review.pk, {})
    question_ids = selectors.question_ids_by_key(version_id)
    decided: dict[Key, Outcome] = {}
    practices_now: set[Key] = set()
    for pillar in bank.pillars:
        for question in pillar.questions:
            for practice in question.practices:
                practices_now.add((pillar.ref, question.ref, practice.ref))
            decided.update(
                outcomes_for_question(
                    kind=bank.kind,
                    question=question,
                    pillar_ref=pillar.ref,
                    question_id=question_ids[(pillar.ref, question.ref)],
                    state=answers.get(scoring.answer_key(pillar.ref, question.ref)),
                )
            )
    existing = list(ImprovementItem.objects.filter(lens_review=lens_review).select_related("owner"))
    for item in existing:
        key = (item.pillar_ref, item.question_ref, item.practice_ref)
        if key not in practices_now:  # gone from the bank: nothing left to fix here
            decided[key] = Outcome(None, item.practice_title, item.question_id)
        elif key not in decided:
            # Unanswered now, kept as it was; but it follows the bank to the new question.
            qid = question_ids[(item.pillar_ref, item.question_ref)]
            if qid != item.question_id:
                decided[key] = Outcome(item.risk, item.practice_title, qid)
    workload = Workload.objects.get(pk=lens_review.workload_id)
    return _apply(
        workload=workload,
        lens_review_id=lens_review.pk,
        existing=existing,
        decided=decided,
        user=user,
        now=now,
        action_context=context,
    )


# --- People's changes -------------------------------------------------------------------------
def _role(user, workload: Workload) -> str | None:
    return (
        Membership.objects.filter(user=user, team_id=workload.team_id)
        .values_list("role", flat=True)
        .first()
    )


@transaction.atomic
def item_update(
    *,
    item: ImprovementItem,
    user,
    request: HttpRequest | None = None,
    changes: Mapping[str, Any],
    today: dt.date | None = None,
) -> ImprovementItem:
    """Set ``owner``, ``due_date``, ``status``, ``notes``, ``link``, and for an accepted risk
    ``accepted_reason`` and ``accepted_until``. ``ValidationError`` (nothing saved) on bad
    input; ``PermissionDenied`` when someone other than a lead or admin accepts a risk."""
    allowed = {"owner", "due_date", "status", "notes", "link", "accepted_reason", "accepted_until"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"item_update() got unexpected fields {sorted(unknown)}")
    today = today or timezone.localdate()
    # Lock the row alone (the owner is a nullable join, which FOR UPDATE cannot cover).
    ImprovementItem.objects.select_for_update().filter(pk=item.pk).values_list("pk").get()
    item = ImprovementItem.objects.select_related("workload", "owner").get(pk=item.pk)
    workload = item.workload
    before = _editable(item)
    errors: dict[str, list[str]] = {}
    values = dict(changes)
    if "owner" in values and values["owner"] is not None:
        owner = values["owner"]
        if not (
            owner.is_active
            and Membership.objects.filter(user=owner, team_id=workload.team_id).exists()
        ):
            errors.setdefault("owner", []).append(OWNER_NOT_MEMBER)
    status = values.get("status", item.status)
    if status not in tuple(Status):
        errors.setdefault("status", []).append("Choose one of the statuses offered.")
    if status == Status.RISK_ACCEPTED:
        accepting = item.status != Status.RISK_ACCEPTED or bool(
            {"accepted_reason", "accepted_until"} & set(values)
        )
        if accepting and not (user.is_staff or _role(user, workload) == Role.LEAD):
            raise PermissionDenied("Only a lead of the team can accept a risk.")
        reason = (values.get("accepted_reason", item.accepted_reason) or "").strip()
        until = values.get("accepted_until", item.accepted_until)
        if not reason:
            errors.setdefault("accepted_reason", []).append(
                "Say why the risk is accepted (required)."
            )
        if until is None:
            errors.setdefault("accepted_until", []).append(
                "Give the date until which the risk is accepted."
            )
        elif until <= today:
            errors.setdefault("accepted_until", []).append("The date must be in the future.")
        values["accepted_reason"], values["accepted_until"] = reason, until
    else:
        values["accepted_reason"], values["accepted_until"] = "", None
    if len(values.get("notes", "") or "") > NOTES_MAX:
        errors.setdefault("notes", []).append(f"Notes are limited to {NOTES_MAX} characters.")
    if len(values.get("accepted_reason", "") or "") > ACCEPT_REASON_MAX:
        errors.setdefault("accepted_reason", []).append(
            f"The reason is limited to {ACCEPT_REASON_MAX} characters."
        )
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(item, field, value)
    if item.status == Status.RISK_ACCEPTED and before["status"] != Status.RISK_ACCEPTED:
        item.accepted_by = user
    elif item.status != Status.RISK_ACCEPTED:
        item.accepted_by = None
    item.updated_at = timezone.now()
    item.full_clean(exclude=["workload", "question", "owner", "accepted_by", "resolved_by"])
    item.save()
    after = _editable(item)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit_record(
            action=ItemAction.CHANGED,
            actor=user,
            request=request,
            target=item,
            team=workload.team_id,
            data={"changes": changed},
        )
        if "status" in changed:
            webhook_event_emit(
                event=EventType.ITEM_STATUS_CHANGED,
                team_id=workload.team_id,
                data={**_item_data(item, workload), "change": "status", "before": before["status"]},
            )
    return item


def _editable(item: ImprovementItem) -> dict[str, Any]:
    return {
        "owner": item.owner.get_username() if item.owner_id and item.owner else None,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "status": item.status,
        "notes": item.notes,
        "link": item.link,
        "accepted_reason": item.accepted_reason,
        "accepted_until": item.accepted_until.isoformat() if item.accepted_until else None,
    }


# --- Beat tasks -------------------------------------------------------------------------------
@transaction.atomic
def items_reopen_expired(*, today: dt.date | None = None) -> list[int]:
    """Accepted risks whose acceptance ended reopen by themselves (celery beat, daily)."""
    today = today or timezone.localdate()
    items = list(
        ImprovementItem.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=Status.RISK_ACCEPTED, accepted_until__lt=today)
        .select_related("workload")
    )
    now = timezone.now()
    for item in items:
        until = item.accepted_until
        ImprovementItem.objects.filter(pk=item.pk).update(
            status=Status.NOT_STARTED,
            accepted_reason="",
            accepted_until=None,
            accepted_by=None,
            updated_at=now,
        )
        item.status = Status.NOT_STARTED
        audit_record(
            action=ItemAction.ACCEPTANCE_EXPIRED,
            target=item,
            team=item.workload.team_id,
            data={
                "accepted_until": until.isoformat() if until else None,
                "reason": item.accepted_reason,
            },
        )
        webhook_event_emit(
            event=EventType.ITEM_STATUS_CHANGED,
            team_id=item.workload.team_id,
            data={
                **_item_data(item, item.workload),
                "change": "acceptance_expired",
                "before": Status.RISK_ACCEPTED,
            },
        )
    return [item.pk for item in items]


# --- Repair -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemsDrift:
    """What a full sync changed, or would change, in one lens review's items."""

    lens_review_id: int
    label: str
    created: int
    resolved: int
    reopened: int
    rerated: int

    def __str__(self) -> str:
        moves = ", ".join(
            f"{count} {what}"
            for what, count in (
                ("created", self.created),
                ("resolved", self.resolved),
                ("reopened", self.reopened),
                ("re-rated", self.rerated),
            )
            if count
        )
        return f"lens review {self.lens_review_id} ({self.label}): {moves}"


def items_backfill(
    *, fix: bool = True, workload_ids: Iterable[int] | None = None
) -> list[ItemsDrift]:
    """Bring the items of every active lens review (of ``workload_ids``, default all, archived
    workloads included) in line with its answers through ``items_sync_lens_review``: items for
    answers saved before items existed, or after a restore or a manual SQL fix. Running it
    again changes nothing.

    One transaction per workload, holding the workload's row lock as ``answer_save`` does, so a
    save waits instead of racing the sync for the same item. Without ``fix`` each workload's
    sync is rolled back (audit rows and webhook deliveries included, nothing queued): the
    report is what the fix would do, computed by the same code."""
    workloads = Workload.objects.order_by("pk")
    if workload_ids is not None:
        workloads = workloads.filter(pk__in=list(workload_ids))
    drift: list[ItemsDrift] = []
    for workload_id in list(workloads.values_list("pk", flat=True)):
        with transaction.atomic():
            workload = (
                Workload.objects.select_for_update(of=("self",)).filter(pk=workload_id).first()
            )
            if workload is None:  # deleted meanwhile
                continue
            reviews = (
                LensReview.objects.active()
                .filter(workload=workload)
                .select_related("lens")
                .order_by("position", "pk")
            )
            for review in reviews:
                moved = items_sync_lens_review(
                    lens_review=review, context={"via": "backfill_items"}
                )
                counts = {what: len(items) for what, items in moved.items()}
                if any(counts.values()):
                    label = f"{workload.name} / {review.lens.name}"
                    drift.append(ItemsDrift(lens_review_id=review.pk, label=label, **counts))
            if not fix:
                transaction.set_rollback(True)
    return drift
