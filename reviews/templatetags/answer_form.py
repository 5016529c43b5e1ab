"""The answer form's best-practice rows: ``{% load answer_form %}``, ``{% practice_rows form %}``.

Built in Python (``format_html``) rather than a template loop: one card per best practice,
each with its details, its "not applicable" checkbox, reason list and note, is most of the
question page's markup and, as a template loop, most of its rendering time. Same markup as the
template it replaces; every value is escaped by ``format_html``.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from reviews.forms import REASON_CHOICES, AnswerForm

register = template.Library()

_CHECKED = mark_safe(" checked")  # noqa: S308 - a constant
_OPEN = mark_safe(" open")  # noqa: S308 - a constant
_HIDDEN = mark_safe(" hidden")  # noqa: S308 - a constant
_NA_BADGE = mark_safe('<span class="badge text-bg-secondary ms-1">Not applicable</span>')  # noqa: S308


def _details(choice) -> SafeString:
    """What a practice is and how to tell (the first ``<details>``)."""
    description = (
        format_html('<p class="mb-2">{}</p>', choice.description) if choice.description else ""
    )
    how = (
        format_html(
            '<p class="mb-2"><strong>How to tell:</strong> {}</p>', choice.helpful_resource_text
        )
        if choice.helpful_resource_text
        else ""
    )
    url = choice.helpful_resource_url or choice.improvement_plan_url
    more = (
        format_html(
            '<p class="mb-0"><a href="{}" rel="noopener" target="_blank">Learn more'
            '<span class="visually-hidden"> about “{}” (opens in a new tab)</span></a></p>',
            url,
            choice.title,
        )
        if url
        else ""
    )
    return format_html(
        '<details class="mt-1 small">\n<summary>Details and how to tell</summary>\n'
        '<div class="pt-2">\n{}\n{}\n{}\n</div>\n</details>',
        description,
        how,
        more,
    )


def _options(choices, value) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if value == v else "", text) for v, text in choices),  # noqa: S308
    )


@register.simple_tag
def practice_rows(form: AnswerForm) -> SafeString:
    """Every best practice of the form's question as a card (the none choice is not one)."""
    selected = set(form["selected"].value() or [])
    rows: list[str] = []
    for i, (choice, na_name) in enumerate(form.rows):
        na, reason, note = form[na_name], form[f"{na_name}_reason"], form[f"{na_name}_note"]
        na_checked = bool(na.value())
        na_id, reason_id, note_id = na.auto_id, reason.auto_id, note.auto_id
        rows.append(
            format_html(
                '<div class="card mb-2 practice">\n<div class="card-body py-2">\n'
                '<div class="form-check">\n'
                '<input class="form-check-input" type="checkbox" name="selected" value="{}" '
                'id="bp-{}" data-practice{}>\n'
                '<label class="form-check-label fw-semibold" for="bp-{}">{}</label>\n{}\n'
                "</div>\n{}\n"
                '<details class="mt-1 small"{}>\n'
                "<summary>Not applicable to this workload?</summary>\n"
                '<div class="row g-2 pt-2 align-items-end">\n<div class="col-12">\n'
                '<div class="form-check">\n'
                '<input class="form-check-input" type="checkbox" name="{}" id="{}" data-na '
                "data-na-practice{}>\n"
                '<label class="form-check-label" for="{}">“{}” does not apply</label>\n'
                "</div>\n</div>\n"
                '<div class="col-12 row g-2 mx-0 px-0" data-na-reason-for="{}"{}>\n'
                '<div class="col-sm-5">\n'
                '<label class="form-label mb-0" for="{}">Reason</label>\n'
                '<select class="form-select form-select-sm" name="{}" id="{}">\n{}\n</select>\n'
                "</div>\n"
                '<div class="col-sm-7">\n'
                '<label class="form-label mb-0" for="{}">Note '
                '<span class="text-body-secondary">(up to 250 characters)</span></label>\n'
                '<input type="text" class="form-control form-control-sm" maxlength="250" '
                'name="{}" id="{}" value="{}">\n'
                "</div>\n</div>\n</div>\n</details>\n</div>\n</div>",
                choice.ref,
                i,
                _CHECKED if choice.ref in selected else "",
                i,
                choice.title,
                _NA_BADGE if na_checked else "",
                _details(choice),
                _OPEN if na_checked or reason.errors or note.errors else "",
                na.html_name,
                na_id,
                _CHECKED if na_checked else "",
                na_id,
                choice.title,
                na_id,
                "" if na_checked else _HIDDEN,
                reason_id,
                reason.html_name,
                reason_id,
                _options(REASON_CHOICES, reason.value()),
                note_id,
                note.html_name,
                note_id,
                note.value() or "",
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - each row built by format_html
