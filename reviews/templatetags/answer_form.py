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
from typing import Any

from django import template
from django.template import Context, Engine
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from reviews.forms import REASON_CHOICES, AnswerForm
from reviews.templatetags.paths import path_for

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


# --- The question page's main column: ``{% question_body %}`` ---------------------------------

_STATUS_TEMPLATE = "reviews/questionnaire/partials/save_status.html"
_SAVE_TRIGGERS = (
    '\n      hx-trigger="change, archreview:typed delay:1s, submit"\n'
    '      hx-target="#save-status" hx-swap="outerHTML" hx-sync="this:queue last"'
)


def _text(value: Any) -> str:
    """``{{ value }}``: escaped unless already safe."""
    return str(conditional_escape(value))


def _csrf_input(context: Context) -> str:
    """``{% csrf_token %}``."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker, not a secret
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_text(token)}">'


def _status(context: Context) -> str:
    """The save status box; the page's usual one ("Saved answer", "Not answered yet") built
    here, the others (a plain POST's errors or conflict) by their template."""
    if context.get("status_state") != "idle":
        engine = context.template.engine if context.template else Engine.get_default()
        return engine.get_template(_STATUS_TEMPLATE).render(context)
    answer = context.get("answer")
    version = getattr(answer, "version", None)
    said = f"Saved answer (version {_text(version)})." if version else "Not answered yet."
    if context.get("can_edit"):
        said += " Changes save as you go."
    return (
        '<div id="save-status" class="save-status mb-3" role="status" aria-live="polite" '
        f'data-state="idle">\n  <span class="small text-body-secondary">{said}</span>\n</div>'
    )


def _none_choice(form: AnswerForm) -> str:
    choice = form.none_choice
    if not choice:
        return ""
    return (
        '\n          <div class="form-check mt-2 ms-1">\n'
        '            <input class="form-check-input" type="checkbox" name="selected" '
        f'value="{_text(choice.ref)}" id="bp-none" data-none'
        f"{' checked' if form.none_checked() else ''}>\n"
        '            <label class="form-check-label fw-semibold" for="bp-none">'
        f"{_text(choice.title or 'None of these')}</label>\n"
        '            <div class="form-text">The workload follows none of the practices above. '
        "Cannot be combined with them.</div>\n          </div>"
    )


def _heading(context: Context, question) -> str:
    qnav = context["qnav"]
    lens = f"{_text(question.pillar.version.name)} · " if len(qnav.lenses) > 1 else ""
    parts = [
        f'<p class="text-body-secondary small mb-1">{lens}{_text(question.pillar.name)} · '
        f"Question {_text(context.get('position'))} of {_text(qnav.total)}</p>",
        f'<h2 class="h4">{_text(question.title)}</h2>',
    ]
    if question.description:
        parts.append(f"<p>{_text(question.description)}</p>")
    if question.helpful_resource_url:
        parts.append(
            f'<p class="small"><a href="{_text(question.helpful_resource_url)}" rel="noopener" '
            'target="_blank">Learn more about this question<span class="visually-hidden"> '
            "(opens in a new tab)</span></a></p>"
        )
    if not context.get("can_edit"):
        parts.append(
            '<div class="alert alert-secondary" role="note">You can read this review. Only '
            f"architects of {_text(context['workload'].team.name)} change answers.</div>"
        )
    return "\n    ".join(parts)


def _form(context: Context, question, workload) -> str:
    form: AnswerForm = context["form"]
    can_edit = bool(context.get("can_edit"))
    action = path_for("reviews:question", workload.pk, question.pk)
    not_applicable = form["not_applicable"].value()
    reason = form["reason"].value()
    notes = form["notes"].value() or ""
    hint = (
        "Tick each one you follow. Open a practice's details for how to tell."
        if can_edit
        else "Ticked: the practices the team says the workload follows. Open a practice's "
        "details for how to tell."
    )
    reasons = "".join(
        f'<option value="{_text(value)}"{" selected" if reason == value else ""}>'
        f"{_text(text)}</option>"
        for value, text in REASON_CHOICES
    )
    triggers = f'hx-post="{action}"{_SAVE_TRIGGERS}' if can_edit else ""
    buttons = ""
    if can_edit:
        following = context.get("following")
        next_button = (
            '<button type="submit" class="btn btn-outline-primary" name="go" value="next" '
            f'hx-post="{action}">Save and go to next</button>'
            if following
            else ""
        )
        buttons = (
            '\n        <div class="d-flex flex-wrap gap-2 mb-3">\n'
            '          <button type="submit" class="btn btn-primary" name="go" value="">Save'
            f"</button>\n          {next_button}\n        </div>"
        )
    return (
        f'<form id="answer-form" method="post" action="{action}" novalidate '
        f'data-htmx-errors="self"\n      '
        f"{triggers}>\n"
        f"      {_csrf_input(context)}\n"
        '      <input type="hidden" name="version" '
        f'value="{_text(form["version"].value() or 0)}" id="answer-version">\n'
        f"      {_status(context)}\n\n"
        f"      <fieldset {'' if can_edit else 'disabled'}>\n"
        '        <fieldset class="mb-3" aria-describedby="bp-hint">\n'
        '          <legend class="h6">Best practices the workload follows</legend>\n'
        f'          <p id="bp-hint" class="small text-body-secondary">{hint}</p>\n'
        f"          {practice_rows(form)}{_none_choice(form)}\n"
        "        </fieldset>\n\n"
        '        <fieldset class="mb-3 border rounded p-2">\n'
        '          <legend class="visually-hidden">Applicability</legend>\n'
        '          <div class="form-check">\n'
        '            <input class="form-check-input" type="checkbox" name="not_applicable" '
        f'id="id_not_applicable" data-na{" checked" if not_applicable else ""}>\n'
        '            <label class="form-check-label" for="id_not_applicable">This question '
        "does not apply to this workload</label>\n"
        "          </div>\n"
        '          <div class="mt-2 mw-20rem" data-na-reason-for="id_not_applicable"'
        f"{'' if not_applicable else ' hidden'}>\n"
        '            <label class="form-label small mb-0" for="id_reason">Why does it not '
        "apply?</label>\n"
        '            <select class="form-select form-select-sm" name="reason" id="id_reason">\n'
        f"              {reasons}\n"
        "            </select>\n"
        "          </div>\n"
        "        </fieldset>\n\n"
        '        <div class="mb-3">\n'
        '          <label class="form-label" for="id_notes">Notes</label>\n'
        '          <textarea class="form-control" name="notes" id="id_notes" rows="4" '
        f'maxlength="2084" aria-describedby="notes-count">{_text(notes)}</textarea>\n'
        '          <div class="form-text" id="notes-count"><span data-count>'
        f"{len(str(notes))}</span> / 2,084 characters</div>\n"
        f"        </div>\n{buttons}\n"
        "      </fieldset>\n"
        "    </form>"
    )


def _steps(context: Context, question, workload) -> str:
    previous, following = context.get("previous"), context.get("following")
    if previous:
        back = (
            '<a class="btn btn-outline-secondary" '
            f'href="{path_for("reviews:question", workload.pk, previous.pk)}" rel="prev">'
            f'← Previous<span class="visually-hidden">: {_text(previous.title)}</span></a>'
        )
    else:
        back = "<span></span>"
    if following:
        forth = (
            '<a class="btn btn-outline-secondary" '
            f'href="{path_for("reviews:question", workload.pk, following.pk)}" rel="next">'
            f'Next<span class="visually-hidden">: {_text(following.title)}</span> →</a>'
        )
    else:
        forth = (
            '<a class="btn btn-outline-secondary" '
            f'href="{path_for("reviews:workload_overview", workload.pk)}">Finish: overview</a>'
        )
    history = path_for("reviews:question_history", workload.pk, question.pk)
    return (
        '<nav class="d-flex justify-content-between border-top pt-3 gap-2" '
        'aria-label="Previous and next question">\n'
        f'      {back}\n      <a class="btn btn-link" href="{history}">History</a>\n'
        f"      {forth}\n    </nav>"
    )


@register.simple_tag(takes_context=True)
def question_body(context: Context) -> SafeString:
    """The question page's main column: the question, the answer form (its practices, "none of
    these", applicability, notes, save buttons) and the previous / next links. Built in Python:
    after the practices, it was most of the page's template time."""
    question, workload = context["question"], context["workload"]
    return mark_safe(  # noqa: S308 - every value escaped (_text, html.escape, path_for)
        f"{_heading(context, question)}\n\n    {_form(context, question, workload)}\n\n    "
        f"{_steps(context, question, workload)}"
    )
