"""{% practice_rows %} (reviews/templatetags/answer_form.py): the fast reading of a form shown
for the first time gives exactly what its bound fields give, and every value is escaped."""

from __future__ import annotations

import copy

import pytest

from reviews import selectors
from reviews.forms import AnswerForm
from reviews.services.answers import answer_save
from reviews.templatetags.answer_form import _rows_from_fields, _rows_from_initial, practice_rows
from tests import factories

pytestmark = pytest.mark.django_db


def _form(question, answer=None):
    # Copies: the bank's rows are shared by the process and must not change.
    choices = [copy.copy(c) for c in question.choices.all()]
    return AnswerForm(question=question, choices=choices).with_answer_initial(answer)


def test_rows_from_initial_values_equal_the_bound_fields_reading():
    membership = factories.MembershipFactory(role="architect")
    version = factories.make_bank(questions=1, practices=4)
    workload = factories.WorkloadFactory(team=membership.team, lens_version=version)
    question = selectors.bank(version.pk).questions[0]
    refs = [c.ref for c in question.choices.all() if not c.is_none]
    saved = answer_save(
        workload=workload,
        question=question,
        data={
            "selected": [refs[0], refs[2]],
            "notes": "n",
            "choices_not_applicable": {refs[1]: {"reason": "OTHER", "note": 'a "<b>" & c'}},
        },
        expected_version=0,
        user=membership.user,
    )
    for answer in (None, saved.answer):
        for prefix, auto_id in ((None, "id_%s"), ("p", "f-%s"), (None, True), (None, False)):
            choices = [copy.copy(c) for c in question.choices.all()]
            form = AnswerForm(question=question, choices=choices, prefix=prefix, auto_id=auto_id)
            form.with_answer_initial(answer)
            fast = _rows_from_initial(form)
            form.add_practice_fields()  # what a bound form has: read through its fields
            assert fast == _rows_from_fields(form)
        assert "na_0" not in _form(question, answer).fields  # unbound: drawn without them
    rows = _rows_from_initial(_form(question, saved.answer))
    assert [r.checked for r in rows] == [True, False, True, False]
    assert [r.na_checked for r in rows] == [False, True, False, False]
    assert rows[1].reason == "OTHER" and rows[1].note == 'a "<b>" & c'


def test_practice_rows_escape_every_value_and_mark_the_state():
    version = factories.make_bank(questions=1, practices=2)
    question = selectors.bank(version.pk).questions[0]
    form = _form(question)
    practice = form.practices[0]
    practice.title = '<script>alert("x")</script>'
    practice.description = "a < b & c"
    form.initial.update({"selected": [practice.ref], "na_1": True, "na_1_reason": "OTHER"})
    html = str(practice_rows(form))
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "a &lt; b &amp; c" in html
    assert f'value="{practice.ref}" id="bp-0" data-practice checked>' in html
    assert 'id="id_na_1" data-na data-na-practice checked>' in html
    assert '<option value="OTHER" selected>' in html
    assert html.count(" hidden>") == 1  # the first practice's reason and note stay hidden


def test_answer_forms_share_their_fields_but_not_their_field_lists():
    version = factories.make_bank(questions=2, practices=3)
    first, second = selectors.bank(version.pk).questions[:2]
    a, b = _form(first), _form(first)
    assert a.fields is not b.fields and a.fields["notes"] is b.fields["notes"]
    a.add_practice_fields()  # one form's own list: the other one's is as it was
    assert "na_0_note" in a.fields and "na_0_note" not in b.fields
    assert [ref for ref, _ in _form(second).fields["selected"].choices] == [
        c.ref for c in second.choices.all()
    ]
    choices = list(first.choices.all())
    refs = [c.ref for c in choices]
    bad = AnswerForm(
        {"version": "x", "selected": [refs[0]], "na_0_note": "n" * 300},
        question=first,
        choices=choices,
    )
    assert not bad.is_valid() and {"version", "na_0_note"} <= set(bad.errors)
    # A form validated after it keeps none of that: its own data, its own errors.
    good = AnswerForm(
        {"version": "2", "selected": [refs[1]], "na_0_note": "fine"},
        question=first,
        choices=choices,
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data["selected"] == [refs[1]] and good.cleaned_data["version"] == 2
    assert good.cleaned_data["na_0_note"] == "fine"
