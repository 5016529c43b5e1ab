"""Template helpers for risk levels: ``{% load risk %}`` then ``{{ result.risk|risk_label }}``."""

from __future__ import annotations

from django import template

from reviews import labels
from reviews.models import NotApplicableReason

register = template.Library()


register.filter("risk_label", labels.risk_label)
register.filter("practice_status_label", labels.practice_status_label)


@register.filter
def reason_label(reason: str) -> str:
    """A not-applicable reason's label ("OUT_OF_SCOPE" -> "Out of scope")."""
    return dict(NotApplicableReason.choices).get(reason, reason)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
