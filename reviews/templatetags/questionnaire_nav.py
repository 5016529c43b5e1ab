"""The side navigation's pieces that a save swaps in out of band: ``{% load questionnaire_nav %}``.

Built in Python (one ``format_html`` each) rather than an ``{% include %}`` per question: the
question page renders one per question of every active lens, and the autosave's answer renders
the same markup with ``oob=True`` so the two never drift apart.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OOB = mark_safe(' hx-swap-oob="true"')  # noqa: S308 - a constant


@register.simple_tag
def nav_item_state(item, oob: bool = False) -> SafeString:
    """The question's state and, once answered, its risk badge (``id="nav-state-<pk>"``)."""
    badge = (
        format_html('<span class="badge risk-badge risk-{}">{}</span>', item.risk, item.risk_label)
        if item.shows_risk
        else ""
    )
    return format_html(
        '<span class="small d-inline-flex flex-wrap gap-1 align-items-center" id="nav-state-{}"{}>'
        '<span class="state state-{}">{}</span>{}</span>',
        item.pk,
        _OOB if oob else "",
        item.state,
        item.state_label,
        badge,
    )


@register.simple_tag
def nav_pillar_count(
    lens_review_id: int, pillar_id: int, answered: int, total: int, oob: bool = False
) -> SafeString:
    """A pillar's answered/total (``id="nav-pillar-<lens review>-<pillar>"``)."""
    return format_html(
        '<span class="text-lowercase" id="nav-pillar-{}-{}"{}>({}/{})</span>',
        lens_review_id,
        pillar_id,
        _OOB if oob else "",
        answered,
        total,
    )


@register.simple_tag
def nav_lens_count(lens_review_id: int, answered: int, total: int, oob: bool = False) -> SafeString:
    """A lens's answered/total (``id="nav-lens-<lens review>"``)."""
    return format_html(
        '<span class="small text-body-secondary fw-normal" id="nav-lens-{}"{}>{}/{}</span>',
        lens_review_id,
        _OOB if oob else "",
        answered,
        total,
    )
