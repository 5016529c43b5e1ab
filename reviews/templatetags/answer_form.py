"""The answer form's best-practice rows: ``{% load answer_form %}``, ``{% practice_rows form %}``.

Built in Python rather than a template loop: one card per best practice, each with its
details, its "not applicable" checkbox, reason list and note, is most of the question page's
markup and, as a template loop, most of its rendering time. Every value goes through
``html.escape`` (what Django's ``escape`` does, without its lazy-string wrapper, which costs
more than the escaping here). A form shown for the first time (unbound, the question page's
GET) is read from its initial values; a form sent back with errors through its bound fields,
as a template would.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from reviews.forms import REASON_CHOICES, AnswerForm

register = template.Library()


@dataclass(frozen=True)
class _Row:
    """What one practice's card shows besides the practice itself."""

    checked: bool
    na_name: str
    na_id: str
    na_checked: bool
    reason_name: str
    reason_id: str
    reason: object
    note_name: str
    note_id: str
    note: object
    has_errors: bool


def _rows_from_initial(form: AnswerForm) -> list[_Row]:
    """An unbound form's rows, from its initial values (its per-practice fields exist only
    once it is bound), named and id'd as its bound fields would be."""
    initial = form.initial
    selected = set(initial.get("selected") or [])

    def named(name: str) -> tuple[str, str]:
        html_name = form.add_prefix(name)
        auto_id = form.auto_id
        if auto_id and "%s" in str(auto_id):
            return html_name, str(auto_id) % html_name
        return html_name, html_name if auto_id else ""

    rows = []
    for choice, na in form.rows:
        reason, note = f"{na}_reason", f"{na}_note"
        na_name, na_id = named(na)
        reason_name, reason_id = named(reason)
        note_name, note_id = named(note)
        rows.append(
            _Row(
                checked=choice.ref in selected,
                na_name=na_name,
                na_id=na_id,
                na_checked=bool(initial.get(na)),
                reason_name=reason_name,
                reason_id=reason_id,
                reason=initial.get(reason),
                note_name=note_name,
                note_id=note_id,
                note=initial.get(note),
                has_errors=False,
            )
        )
    return rows


def _rows_from_fields(form: AnswerForm) -> list[_Row]:
    selected = set(form["selected"].value() or [])
    rows = []
    for choice, na_name in form.rows:
        na, reason, note = form[na_name], form[f"{na_name}_reason"], form[f"{na_name}_note"]
        rows.append(
            _Row(
                checked=choice.ref in selected,
                na_name=na.html_name,
                na_id=na.auto_id,
                na_checked=bool(na.value()),
                reason_name=reason.html_name,
                reason_id=reason.auto_id,
                reason=reason.value(),
                note_name=note.html_name,
                note_id=note.auto_id,
                note=note.value(),
                has_errors=bool(reason.errors or note.errors),
            )
        )
    return rows


def _details(choice) -> str:
    """What a practice is and how to tell (the first ``<details>``)."""
    description = f'<p class="mb-2">{escape(choice.description)}</p>' if choice.description else ""
    how = (
        f'<p class="mb-2"><strong>How to tell:</strong> {escape(choice.helpful_resource_text)}</p>'
        if choice.helpful_resource_text
        else ""
    )
    url = choice.helpful_resource_url or choice.improvement_plan_url
    more = (
        f'<p class="mb-0"><a href="{escape(url)}" rel="noopener" target="_blank">Learn more'
        f'<span class="visually-hidden"> about “{escape(choice.title)}” (opens in a new tab)'
        "</span></a></p>"
        if url
        else ""
    )
    return (
        '<details class="mt-1 small">\n<summary>Details and how to tell</summary>\n'
        f'<div class="pt-2">\n{description}\n{how}\n{more}\n</div>\n</details>'
    )


def _options(value: object) -> str:
    return "".join(
        f'<option value="{escape(str(v))}"{" selected" if value == v else ""}>'
        f"{escape(str(text))}</option>"
        for v, text in REASON_CHOICES
    )


def _card(i: int, choice, row: _Row) -> str:
    title = escape(choice.title)
    na_id, reason_id, note_id = escape(row.na_id), escape(row.reason_id), escape(row.note_id)
    return (
        '<div class="card mb-2 practice">\n<div class="card-body py-2">\n'
        '<div class="form-check">\n'
        '<input class="form-check-input" type="checkbox" name="selected" '
        f'value="{escape(choice.ref)}" id="bp-{i}" data-practice'
        f"{' checked' if row.checked else ''}>\n"
        f'<label class="form-check-label fw-semibold" for="bp-{i}">{title}</label>\n'
        f"{_NA_BADGE if row.na_checked else ''}\n"
        f"</div>\n{_details(choice)}\n"
        f'<details class="mt-1 small"{" open" if row.na_checked or row.has_errors else ""}>\n'
        "<summary>Not applicable to this workload?</summary>\n"
        '<div class="row g-2 pt-2 align-items-end">\n<div class="col-12">\n'
        '<div class="form-check">\n'
        f'<input class="form-check-input" type="checkbox" name="{escape(row.na_name)}" '
        f'id="{na_id}" data-na data-na-practice{" checked" if row.na_checked else ""}>\n'
        f'<label class="form-check-label" for="{na_id}">“{title}” does not apply</label>\n'
        "</div>\n</div>\n"
        f'<div class="col-12 row g-2 mx-0 px-0" data-na-reason-for="{na_id}"'
        f"{'' if row.na_checked else ' hidden'}>\n"
        '<div class="col-sm-5">\n'
        f'<label class="form-label mb-0" for="{reason_id}">Reason</label>\n'
        f'<select class="form-select form-select-sm" name="{escape(row.reason_name)}" '
        f'id="{reason_id}">\n{_options(row.reason)}\n</select>\n'
        "</div>\n"
        '<div class="col-sm-7">\n'
        f'<label class="form-label mb-0" for="{note_id}">Note '
        '<span class="text-body-secondary">(up to 250 characters)</span></label>\n'
        '<input type="text" class="form-control form-control-sm" maxlength="250" '
        f'name="{escape(row.note_name)}" id="{note_id}" value="{escape(str(row.note or ""))}">\n'
        "</div>\n</div>\n</div>\n</details>\n</div>\n</div>"
    )


_NA_BADGE = '<span class="badge text-bg-secondary ms-1">Not applicable</span>'


@register.simple_tag
def practice_rows(form: AnswerForm) -> SafeString:
    """Every best practice of the form's question as a card (the none choice is not one)."""
    rows = _rows_from_fields(form) if form.is_bound else _rows_from_initial(form)
    return mark_safe(  # noqa: S308 - every value escaped in _card
        "\n".join(
            _card(i, choice, row)
            for i, ((choice, _), row) in enumerate(zip(form.rows, rows, strict=True))
        )
    )
