"""The audit actions of the reviews app (recorded with ``accounts.audit.audit_record``)."""

from __future__ import annotations

from enum import StrEnum


class ReviewAction(StrEnum):
    WORKLOAD_CREATED = "workload.created"
    WORKLOAD_EDITED = "workload.edited"
    WORKLOAD_ARCHIVED = "workload.archived"
    WORKLOAD_RESTORED = "workload.restored"
    WORKLOAD_LENS_UPGRADED = "workload.lens_upgraded"
    MILESTONE_CREATED = "milestone.created"
    REPORT_REQUESTED = "report.requested"
    REPORT_RETRIED = "report.retried"
    REPORT_DOWNLOADED = "report.downloaded"
