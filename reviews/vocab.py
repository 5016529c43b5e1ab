"""The vocabularies of reviews, defined once: practice statuses, item and report statuses.

Plain ``StrEnum``s with no Django import (scoring uses them); the models build their
``choices`` from them with ``questions.vocab.choices`` and the labels in ``reviews/labels.py``.
Members are ``str`` and stored as their values. A question's risk and a bank's kind are the
banks' vocabulary (``questions/vocab.py``), imported here so reviews code has one place to
import its words from.
"""

from __future__ import annotations

from questions.vocab import BankKind, Risk, Vocabulary

__all__ = ["BankKind", "ItemStatus", "PracticeStatus", "QuestionState", "ReportStatus", "Risk"]


class PracticeStatus(Vocabulary):
    """A best practice in a scored answer."""

    FOLLOWED = "followed"
    NOT_FOLLOWED = "not_followed"
    NOT_APPLICABLE = "not_applicable"
    UNANSWERED = "unanswered"


class QuestionState(Vocabulary):
    """Where a question stands in the questionnaire's navigation (its risk says the rest)."""

    UNANSWERED = "unanswered"
    ANSWERED = "answered"
    NOT_APPLICABLE = "not_applicable"

    @classmethod
    def for_risk(cls, risk: str) -> QuestionState:
        if risk == Risk.UNANSWERED:
            return cls.UNANSWERED
        if risk == Risk.NOT_APPLICABLE:
            return cls.NOT_APPLICABLE
        return cls.ANSWERED


class ItemStatus(Vocabulary):
    """Where an improvement item stands (set by people; the answers resolve and reopen it)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RISK_ACCEPTED = "risk_accepted"


class ReportStatus(Vocabulary):
    """A PDF report's life: queued, rendering, then ready or failed; expired once its file is
    removed by the retention rule (``reviews.services.report_retention``)."""

    QUEUED = "queued"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"
