"""The questionnaire's side navigation: ``{% load questionnaire_nav %}``, ``{% question_nav %}``.

Built in Python (``format_html``) rather than a template loop with an ``{% include %}`` per
question: the question page renders one line per question of every active lens, the largest
part of its rendering time. The pieces with ids (a question's state, a pillar's and a lens's
counts) are what the autosave's answer swaps in out of band with ``oob=True``: the same
functions, so the two never drift apart.
"""

from __future__ import annotations

import functools
from datetime import datetime
from html import escape as _escape

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OOB = mark_safe(' hx-swap-oob="true"')  # noqa: S308 - a constant
_CURRENT = mark_safe(' aria-current="page"')  # noqa: S308 - a constant


@functools.cache
def _state_markup(state: str, label: str) -> str:
    return f'<span class="state state-{_escape(state)}">{_escape(label)}</span>'


@functools.cache
def _badge_markup(risk: str, label: str) -> str:
    return f'<span class="badge risk-badge risk-{_escape(risk)}">{_escape(label)}</span>'


def _item_state(item, oob: bool) -> str:
    """``nav_item_state``'s markup, with an f-string rather than ``format_html``, and the few
    state and risk pieces escaped once per process: it runs once per question of every lens on
    every question page."""
    badge = _badge_markup(item.risk, item.risk_label) if item.shows_risk else ""
    return (
        '<span class="small d-inline-flex flex-wrap gap-1 align-items-center" '
        f'id="nav-state-{int(item.pk)}"{_OOB if oob else ""}>'
        f"{_state_markup(item.state, item.state_label)}{badge}</span>"
    )


@register.simple_tag
def nav_item_state(item, oob: bool = False) -> SafeString:
    """The question's state and, once answered, its risk badge (``id="nav-state-<pk>"``)."""
    return mark_safe(_item_state(item, oob))  # noqa: S308 - every value escaped


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


@register.simple_tag
def review_progress(progress, oob: bool = False) -> SafeString:
    """The review's progress (``id="review-progress"``): answered of total, and the bar.
    ``progress`` has ``answered``, ``total`` and ``percent`` (a navigation, or a save's
    counters when the autosave swaps it in out of band)."""
    answered, total, percent = int(progress.answered), int(progress.total), int(progress.percent)
    return mark_safe(  # noqa: S308 - integers and constants only
        f'<div id="review-progress"{_OOB if oob else ""}>\n'
        '<div class="d-flex justify-content-between small mb-1">\n'
        '<span id="progress-label">Progress</span>\n'
        f"<span>{answered} of {total} answered</span>\n</div>\n"
        '<div class="progress" role="progressbar" aria-labelledby="progress-label" '
        f'aria-valuenow="{answered}" aria-valuemin="0" aria-valuemax="{total}" '
        f'aria-valuetext="{answered} of {total} questions answered">\n'
        f'<div class="progress-bar pct-{percent}"></div>\n</div>\n</div>\n'
    )


@register.simple_tag
def question_nav(qnav, current: int) -> SafeString:
    """The whole side navigation (``<nav id="question-nav">``): lens -> pillar -> question,
    pillars fold (``<details>``), the pillar holding ``current`` is open and its line is marked
    as the current page. Python rather than a template loop: it is one line per question of every
    active lens on every question page, the largest part of the page's rendering time."""
    many_lenses = qnav.has_many_lenses
    parts: list[str] = ['<nav id="question-nav" aria-label="Questions">']
    for group in qnav.groups:
        lens = group.lens
        if many_lenses:
            parts.append(
                format_html(
                    '<h2 class="h6 mt-2 mb-1">{} {}</h2>',
                    lens.lens_review.lens_version.name,
                    nav_lens_count(lens.lens_review.pk, lens.answered, lens.total),
                )
            )
        for pillar in group.pillars:
            parts.append(
                format_html(
                    '<details class="nav-pillar mb-1"{}>'
                    '<summary class="text-uppercase text-body-secondary small py-1">{} {}</summary>'
                    '<ol class="list-unstyled mb-2">',
                    mark_safe(" open") if pillar.is_open else "",  # noqa: S308 - a constant
                    pillar.name,
                    nav_pillar_count(
                        pillar.lens_review_id, pillar.pk, pillar.answered, pillar.total
                    ),
                )
            )
            for item in pillar.items:
                is_current = item.pk == current
                parts.append(
                    '<li><a class="question-link d-block rounded px-2 py-1 text-decoration-none'
                    f'{" active" if is_current else ""}" href="{_escape(item.href)}"'
                    f'{_CURRENT if is_current else ""}><span class="d-block text-body">'
                    f"{int(item.number)}. {_escape(item.title)}</span>{_item_state(item, False)}"
                    "</a></li>"
                )
            parts.append("</ol></details>")
    parts.append("</nav>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped (format_html, escape)


def autosave_response(saved, version: int) -> SafeString:
    """The autosave's whole answer (what ``save_status.html`` and the pieces above would render):
    "Saved" with the time, the answer's new version, and out of band only what the save
    changed: the progress, the question's state in the side navigation, its pillar's and (with
    several lenses) its lens's counts. ``saved`` is the view's ``SavedCounters``."""
    tz = timezone.get_current_timezone() if settings.USE_TZ else None
    at = datetime.now(tz=tz).strftime("%H:%M:%S")  # {% now "H:i:s" %}
    parts = [
        '<div id="save-status" class="save-status mb-3" role="status" aria-live="polite" '
        'data-state="saved">\n<span class="text-success fw-semibold">✓ Saved</span>\n'
        f'<span class="small text-body-secondary">at {escape(at)}</span>\n</div>',
        f'<input type="hidden" name="version" value="{int(version)}" id="answer-version" '
        'hx-swap-oob="true">',
        review_progress(saved, oob=True),
        nav_item_state(saved.item, oob=True),
        nav_pillar_count(
            saved.lens_review_id, saved.pillar_id, saved.pillar_answered, saved.pillar_total, True
        ),
    ]
    if saved.lenses > 1:
        parts.append(
            nav_lens_count(saved.lens_review_id, saved.lens_answered, saved.lens_total, True)
        )
    return mark_safe("\n".join(parts) + "\n")  # noqa: S308 - every piece escaped or a number
