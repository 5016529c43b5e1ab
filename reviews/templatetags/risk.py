"""Template helpers for risk levels: ``{% load risk %}`` then ``{{ result.risk|risk_label }}``."""

from __future__ import annotations

from django import template

from reviews import scoring
from reviews.models import NotApplicableReason

register = template.Library()


@register.filter
def risk_label(risk: str | None) -> str:
    return scoring.RISK_LABELS.get(risk or "", "—")


@register.filter
def practice_status_label(status: str) -> str:
    return {
        scoring.FOLLOWED: "Followed",
        scoring.NOT_FOLLOWED: "Not followed",
        scoring.PRACTICE_NOT_APPLICABLE: "Not applicable",
        scoring.PRACTICE_UNANSWERED: "Not answered yet",
    }.get(status, status)


@register.filter
def reason_label(reason: str) -> str:
    """A not-applicable reason's label ("OUT_OF_SCOPE" -> "Out of scope")."""
    return dict(NotApplicableReason.choices).get(reason, reason)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
