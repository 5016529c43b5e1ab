"""Display labels, defined once: every page, the PDF report and the exports take their words
from here (templates through the ``risk`` template library's filters); the API sends values.

No Django import; the models' choices use the status labels below.
"""

from __future__ import annotations

from reviews.vocab import ItemStatus, PracticeStatus, QuestionState, ReportStatus, Risk

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

QUESTION_STATE_LABELS: dict[str, str] = {
    QuestionState.UNANSWERED: RISK_LABELS[Risk.UNANSWERED],
    QuestionState.ANSWERED: "Answered",
    QuestionState.NOT_APPLICABLE: RISK_LABELS[Risk.NOT_APPLICABLE],
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

# Column headings and short badges, where the word "risk" is already said around them.
RISK_SHORT_LABELS: dict[str, str] = {
    Risk.UNANSWERED: "Unanswered",
    Risk.HIGH: "High",
    Risk.MEDIUM: "Medium",
    Risk.LOW: "Low",
    Risk.NONE: "None",
    Risk.NOT_APPLICABLE: "Not applicable",
}

PRACTICE_MARKS: dict[str, str] = {PracticeStatus.FOLLOWED: "✓", PracticeStatus.NOT_FOLLOWED: "✗"}

NO_IMPROVEMENTS = (
    "No improvements identified: every answered question follows all of its best practices."
)

NO_LABEL = "—"


def risk_label(risk: str | None) -> str:
    return RISK_LABELS.get(risk or "", NO_LABEL)


def practice_status_label(status: str) -> str:
    return PRACTICE_STATUS_LABELS.get(status, status)


def risk_short_label(risk: str | None) -> str:
    return RISK_SHORT_LABELS.get(risk or "", NO_LABEL)


def practice_mark(status: str) -> str:
    """✓ followed, ✗ not followed, – otherwise (not applicable, not answered)."""
    return PRACTICE_MARKS.get(status, "–")


def practice_note(status: str, risk: str | None) -> str:
    """What follows a practice's title in a list: "not followed, high risk", "not
    applicable", or nothing for a practice followed or not answered."""
    if status == PracticeStatus.NOT_FOLLOWED:
        words = PRACTICE_STATUS_LABELS[status].lower()
        return f"{words}, {risk_label(risk).lower()}" if risk else words
    if status == PracticeStatus.NOT_APPLICABLE:
        return PRACTICE_STATUS_LABELS[status].lower()
    return ""
