"""Template helpers for risk levels: ``{% load risk %}`` then ``{{ result.risk|risk_label }}``."""

from __future__ import annotations

from django import template

from reviews import labels
from reviews.models import NotApplicableReason
from reviews.vocab import Risk

register = template.Library()


register.filter("risk_label", labels.risk_label)
register.filter("risk_short_label", labels.risk_short_label)
register.filter("practice_status_label", labels.practice_status_label)
register.filter("practice_mark", labels.practice_mark)


@register.filter
def practice_note(practice) -> str:
    """``{{ p|practice_note }}`` for a scored practice (``scoring.PracticeResult``)."""
    return labels.practice_note(practice.status, practice.risk)


@register.filter
def is_answered(risk: str) -> bool:
    return risk != Risk.UNANSWERED


@register.simple_tag
def no_improvements() -> str:
    return labels.NO_IMPROVEMENTS


@register.filter
def reason_label(reason: str) -> str:
    """A not-applicable reason's label ("OUT_OF_SCOPE" -> "Out of scope")."""
    return dict(NotApplicableReason.choices).get(reason, reason)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
