"""The audit actions of the reviews app (recorded with ``accounts.audit.audit_record``)."""

from __future__ import annotations

from enum import StrEnum


class ReviewAction(StrEnum):
    WORKLOAD_CREATED = "workload.created"
    WORKLOAD_EDITED = "workload.edited"
    WORKLOAD_ARCHIVED = "workload.archived"
    WORKLOAD_RESTORED = "workload.restored"
    WORKLOAD_LENS_UPGRADED = "workload.lens_upgraded"  # before lens reviews: old events only
    LENS_REVIEW_ADDED = "lens_review.added"
    LENS_REVIEW_REMOVED = "lens_review.removed"
    LENS_REVIEW_UPGRADED = "lens_review.upgraded"
    MILESTONE_CREATED = "milestone.created"
    REPORT_REQUESTED = "report.requested"
    REPORT_RETRIED = "report.retried"
    REPORT_DOWNLOADED = "report.downloaded"
    CONSOLIDATED_REQUESTED = "consolidated_report.requested"
    CONSOLIDATED_RETRIED = "consolidated_report.retried"
    CONSOLIDATED_DOWNLOADED = "consolidated_report.downloaded"


class ItemAction(StrEnum):
    CREATED = "item.created"
    CHANGED = "item.changed"  # owner, due date, status, notes or link set by a person
    RESOLVED_BY_ANSWER = "item.resolved_by_answer"
    REOPENED_BY_ANSWER = "item.reopened_by_answer"
    ACCEPTANCE_EXPIRED = "item.acceptance_expired"
    CARRIED_OVER = "item.carried_over"  # to a new lens version
