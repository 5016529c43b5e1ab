"""Display labels, defined once: every page, the PDF report and the exports take their words
from here (templates through the ``risk`` template library's filters); the API sends values.

No Django import; the models' choices use the status labels below.
"""

from __future__ import annotations

from reviews.vocab import ItemStatus, PracticeStatus, ReportStatus, Risk

RISK_LABELS: dict[str, str] = {
    Risk.UNANSWERED: "Unanswered",
    Risk.HIGH: "High risk",
    Risk.MEDIUM: "Medium risk",
    Risk.LOW: "Low risk",
    Risk.NONE: "No improvements identified",
    Risk.NOT_APPLICABLE: "Not applicable",
}

PRACTICE_STATUS_LABELS: dict[str, str] = {
    PracticeStatus.FOLLOWED: "Followed",
    PracticeStatus.NOT_FOLLOWED: "Not followed",
    PracticeStatus.NOT_APPLICABLE: "Not applicable",
    PracticeStatus.UNANSWERED: "Not answered yet",
}

ITEM_STATUS_LABELS: dict[str, str] = {
    ItemStatus.NOT_STARTED: "Not started",
    ItemStatus.IN_PROGRESS: "In progress",
    ItemStatus.DONE: "Done",
    ItemStatus.RISK_ACCEPTED: "Risk accepted",
}

REPORT_STATUS_LABELS: dict[str, str] = {
    ReportStatus.QUEUED: "Queued",
    ReportStatus.RENDERING: "Rendering",
    ReportStatus.READY: "Ready",
    ReportStatus.FAILED: "Failed",
    ReportStatus.EXPIRED: "Removed",
}

NO_LABEL = "—"


def risk_label(risk: str | None) -> str:
    return RISK_LABELS.get(risk or "", NO_LABEL)


def practice_status_label(status: str) -> str:
    return PRACTICE_STATUS_LABELS.get(status, status)
