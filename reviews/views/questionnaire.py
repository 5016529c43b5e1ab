"""The guided questionnaire: one page per question, autosaved with htmx, plain POST without JS.

Every page costs a fixed number of queries whatever the bank size or the number of lenses: the
workload (with the user's role and the lens review holding the question; the question, its
choices and rules come from the process's bank cache, ``selectors.bank``), its answer, the side
navigation (``navigation_for``: the active lens reviews and their answers) and the newer lens
versions. An autosave answers with only what changed (``SavedCounters``), without a query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from questions.models import LensVersion, Question
from reviews import access, scoring, selectors
from reviews.answer_state import AnswerState
from reviews.forms import AnswerForm, describe_state
from reviews.http import AppRequest
from reviews.labels import QUESTION_STATE_LABELS, RISK_LABELS
from reviews.models import Answer, AnswerChange, LensReview, Workload
from reviews.services.answers import (
    AnswerConflict,
    Progress,
    SaveResult,
    answer_save,
    save_read_join,
)
from reviews.services.lens_reviews import newer_versions
from reviews.templatetags.questionnaire_nav import autosave_response
from reviews.views.lenses import LensAddForm
from reviews.vocab import QuestionState, Risk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    pk: int
    number: int
    lens_review_id: int
    lens_name: str
    pillar_name: str
    title: str
    state: str
    risk: str
    pillar_id: int = 0
    href: str = ""  # the question page's URL (navigation_for fills it in)

    @property
    def state_label(self) -> str:
        return QUESTION_STATE_LABELS[self.state]

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def shows_risk(self) -> bool:
        return self.risk not in (Risk.UNANSWERED, Risk.NOT_APPLICABLE)


@dataclass(frozen=True)
class LensProgress:
    lens_review: LensReview
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass(frozen=True)
class PillarGroup:
    name: str
    items: list[NavItem]
    is_open: bool
    pk: int = 0
    lens_review_id: int = 0

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.state != QuestionState.UNANSWERED)


@dataclass(frozen=True)
class LensGroup:
    lens: LensProgress
    pillars: list[PillarGroup]


@dataclass(frozen=True)
class Navigation:
    items: tuple[NavItem, ...]
    answered: int
    total: int
    lenses: tuple[LensProgress, ...] = ()
    current: int | None = None  # the question on screen; its pillar is open in the side bar

    @property
    def continue_at(self) -> NavItem | None:
        """Where the user left off: the first unanswered question of the lens answered most
        recently, else the first unanswered one in lens order; when all are answered, the
        first question."""
        started = [lens for lens in self.lenses if lens.answered]
        recent = sorted(started, key=lambda lens: lens.lens_review.updated_at, reverse=True)
        for lens in recent:
            for item in self.items:
                if (
                    item.lens_review_id == lens.lens_review.pk
                    and item.state == QuestionState.UNANSWERED
                ):
                    return item
        return self.first_unanswered or (self.items[0] if self.items else None)

    @property
    def groups(self) -> list[LensGroup]:
        """Lens -> pillar -> question. The pillar holding ``current`` (or, without one, where
        the user left off) is open; the others are collapsed."""
        focus = self.current
        if focus is None:
            start = self.continue_at
            focus = start.pk if start else None
        by_id = {lens.lens_review.pk: lens for lens in self.lenses}
        groups: list[LensGroup] = []
        for item in self.items:
            if not groups or groups[-1].lens.lens_review.pk != item.lens_review_id:
                groups.append(LensGroup(by_id[item.lens_review_id], []))
            pillars = groups[-1].pillars
            if not pillars or pillars[-1].pk != item.pillar_id:
                pillars.append(
                    PillarGroup(item.pillar_name, [], False, item.pillar_id, item.lens_review_id)
                )
            pillars[-1].items.append(item)
        return [
            LensGroup(
                g.lens,
                [
                    PillarGroup(
                        p.name,
                        p.items,
                        any(i.pk == focus for i in p.items),
                        p.pk,
                        p.lens_review_id,
                    )
                    for p in g.pillars
                ],
            )
            for g in groups
        ]

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def has_many_lenses(self) -> bool:
        return len(self.lenses) > 1

    @property
    def first_unanswered(self) -> NavItem | None:
        return next((i for i in self.items if i.state == QuestionState.UNANSWERED), None)

    @property
    def pillars(self) -> list[tuple[str, list[NavItem]]]:
        groups: list[tuple[str, list[NavItem]]] = []
        keys: list[tuple[str, str]] = []
        for item in self.items:
            key = (item.lens_name, item.pillar_name)
            if not keys or keys[-1] != key:
                keys.append(key)
                groups.append((item.pillar_name, []))
            groups[-1][1].append(item)
        return groups

    def neighbours(self, pk: int) -> tuple[NavItem | None, NavItem | None, int]:
        index = next(i for i, item in enumerate(self.items) if item.pk == pk)
        previous = self.items[index - 1] if index > 0 else None
        following = self.items[index + 1] if index + 1 < len(self.items) else None
        return previous, following, index + 1


def _question_href(workload_id: int) -> Callable[[int], str]:
    """The question page's URL for a question id of this workload: one ``reverse`` for the
    whole navigation (a question's id is the path's last segment), not one per question."""
    sample = reverse("reviews:question", kwargs={"workload_id": workload_id, "question_id": 1})
    if sample.endswith("/1/"):
        prefix = sample[: -len("1/")]
        return lambda pk: f"{prefix}{pk}/"
    return lambda pk: reverse(  # pragma: no cover - only if the URL pattern changes shape
        "reviews:question", kwargs={"workload_id": workload_id, "question_id": pk}
    )


def navigation_for(workload: Workload, current: int | None = None) -> Navigation:
    """Every question of the workload's active lens reviews, lens by lens, with its state and
    risk: 1 query whatever the number of lenses (the lens reviews with their answers; 2 on
    SQLite), plus 5 for the banks of versions not yet in the process's bank cache. Only the
    risks are scored (``scoring.question_risks``), not each practice or the plan."""
    lens_reviews = selectors.active_lens_reviews(workload, with_newest=True, with_scoring=True)
    banks = selectors.banks(r.lens_version_id for r in lens_reviews)
    href = _question_href(workload.pk)
    items = []
    lenses = []
    number = 0
    for lens_review in lens_reviews:
        version = lens_review.lens_version
        bank = banks[version.pk]
        risks = scoring.question_risks(bank.scoring_bank, lens_review.answer_scoring)
        for risk, row in zip(risks, bank.questions, strict=True):
            number += 1
            items.append(
                NavItem(
                    row.pk,
                    number,
                    lens_review.pk,
                    version.name,
                    row.pillar.name,
                    row.title,
                    QuestionState.for_risk(risk),
                    risk,
                    row.pillar_id,
                    href(row.pk),
                )
            )
        answered = sum(1 for risk in risks if risk != Risk.UNANSWERED)
        lenses.append(LensProgress(lens_review, answered, len(risks)))
    answered = sum(lens.answered for lens in lenses)
    total = sum(lens.total for lens in lenses)
    return Navigation(tuple(items), answered, total, tuple(lenses), current)


def _located(
    request: AppRequest,
    workload_id: int,
    question_id: int,
    action: str,
    with_answer=False,
    for_save=False,
):
    """The workload (access-checked, 404/403) and the question if it is in one of the
    workload's active lens reviews (else None), with its choices and rules: one query (which
    also reads the answer, ``with_answer``, or what a save reads, ``for_save``: the workload's
    ``located_extra``), the question from the bank cache."""
    workload = access.get_workload_for_question_or_404(
        request.user,
        workload_id,
        question_id,
        action,
        with_answer=with_answer,
        extra=save_read_join(question_id) if for_save else None,
    )
    return workload, selectors.question_located(workload, question_id)


def upgrades_for(nav: Navigation) -> list[tuple[LensReview, LensVersion]]:
    """(lens review, newer published version) for each lens of ``nav`` that has one."""
    return newer_versions([lens.lens_review for lens in nav.lenses])


def _wrong_lens(request: AppRequest, workload: Workload) -> HttpResponse:
    return render(
        request,
        "reviews/questionnaire/wrong_lens.html",
        {"workload": workload},
        status=404,
    )


def _answer(workload: Workload, question: Question) -> Answer | None:
    return selectors.answer_to(getattr(workload, "question_lens_review_id", None), question.pk)


def _conflict_context(form: AnswerForm, current: Answer | None) -> dict[str, Any]:
    titles = {c.ref: c.title for c in form.choices}
    return {
        "conflict": current,
        "conflict_lines": describe_state(AnswerState.from_model(current), titles),
    }


@dataclass(frozen=True)
class SavedCounters:
    """What a save changes on the page besides the form: the question's line in the side
    navigation, its pillar's and its lens's answered counts, and the progress. Swapped in
    out of band, built from the save's own figures without a query."""

    item: NavItem
    lens_review_id: int
    pillar_id: int
    pillar_answered: int
    pillar_total: int
    lens_answered: int
    lens_total: int
    answered: int
    total: int
    lenses: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def _answered(counts: dict[str, int]) -> tuple[int, int]:
    total = sum(counts.values())
    return total - counts[Risk.UNANSWERED], total


def saved_counters(question: Question, progress: Progress) -> SavedCounters:
    item = NavItem(
        question.pk,
        0,
        progress.lens_review_id,
        "",
        question.pillar.name,
        question.title,
        QuestionState.for_risk(progress.risk),
        progress.risk,
        question.pillar_id,
    )
    lens_answered, lens_total = _answered(progress.lens_counts)
    answered, total = _answered(progress.workload_counts)
    return SavedCounters(
        item=item,
        lens_review_id=progress.lens_review_id,
        pillar_id=question.pillar_id,
        pillar_answered=progress.pillar_answered,
        pillar_total=progress.pillar_total,
        lens_answered=lens_answered,
        lens_total=lens_total,
        answered=answered,
        total=total,
        lenses=progress.lenses,
    )


def _saved_response(
    request: AppRequest, workload: Workload, question: Question, saved: SaveResult
) -> HttpResponse:
    go = request.POST.get("go")
    if go in ("next", "previous") or not request.htmx:
        target = question.pk
        if go in ("next", "previous"):
            previous, following, _ = navigation_for(workload).neighbours(question.pk)
            step = following if go == "next" else previous
            target = step.pk if step else question.pk
        url = reverse(
            "reviews:question", kwargs={"workload_id": workload.pk, "question_id": target}
        )
        if request.htmx:
            return HttpResponseClientRedirect(url)
        messages.success(request, "Your answer is saved.")
        return redirect(url)
    if saved.progress is None:  # a save that lost an INSERT race to the same data (SQLite)
        return _saved_only_response(request, workload, question, saved.answer)
    # Built in Python (reviews/templatetags/questionnaire_nav.py): the autosave answers every
    # change the user makes, and a template with its context processors cost more than the save.
    return HttpResponse(
        autosave_response(saved_counters(question, saved.progress), saved.answer.version)
    )


def _saved_only_response(
    request: AppRequest, workload: Workload, question: Question, answer: Answer
) -> HttpResponse:
    """ "Saved", the new version and a reload link, built without the database."""
    url = reverse(
        "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
    )
    if not request.htmx:
        messages.success(request, "Your answer is saved.")
        return redirect(url)
    # No request context: its processors could query the database that just failed.
    html = render_to_string(
        "reviews/questionnaire/partials/save_saved_only.html",
        {"answer": answer, "status_state": "saved_stale", "reload_url": url},
    )
    return HttpResponse(html)


@login_required
def question_page(request: AppRequest, workload_id: int, question_id: int) -> HttpResponse:
    action = access.EDIT if request.method == "POST" else access.VIEW
    posted = request.method == "POST"
    workload, question = _located(
        request, workload_id, question_id, action, with_answer=not posted, for_save=posted
    )
    if question is None:
        return _wrong_lens(request, workload)
    choices = list(question.choices.all())
    status_state = "idle"
    extra: dict[str, Any] = {}
    http_status = 200

    if request.method == "POST":
        form = AnswerForm(request.POST, question=question, choices=choices)
        saved = None
        if form.is_valid():
            expected = form.cleaned_data["version"]
            if form.cleaned_data["replace_version"] is not None:
                # "Save mine over theirs": the user saw the other answer and chose theirs to go.
                expected = form.cleaned_data["replace_version"]
            try:
                saved = answer_save(
                    workload=workload,
                    question=question,
                    data=form.answer_data(),
                    expected_version=expected,
                    user=request.user,
                    preread=getattr(workload, "located_extra", None),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            except AnswerConflict as conflict:
                extra = _conflict_context(form, conflict.current)
        if saved is not None:
            try:
                return _saved_response(request, workload, question, saved)
            except Exception:
                # The answer is committed; only building the rest of the response failed (the
                # database dropped right after the commit, say). The user must hear "saved",
                # with the new version, or their next edit conflicts with their own save.
                logger.exception(
                    "Answer %s saved; its response could not be built", saved.answer.pk
                )
                return _saved_only_response(request, workload, question, saved.answer)
        status_state = "conflict" if extra else "invalid"
        if request.htmx:
            # 200 so htmx swaps the status in; the form on screen keeps the user's input.
            return render(
                request,
                "reviews/questionnaire/partials/save_status.html",
                {"form": form, "status_state": status_state, "workload": workload, **extra},
            )
        http_status = 409 if extra else 400
        answer = _answer(workload, question)
    else:
        answer = workload.question_answer
        form = AnswerForm(question=question, choices=choices).with_answer_initial(answer)

    nav = navigation_for(workload, question.pk)
    previous, following, position = nav.neighbours(question.pk)
    can_edit = access.can(request.user, workload, access.EDIT, role=workload.user_role)
    return render(
        request,
        "reviews/questionnaire/question.html",
        {
            "workload": workload,
            "question": question,
            "answer": answer,
            "form": form,
            "qnav": nav,
            "nav": "workloads",
            "previous": previous,
            "following": following,
            "position": position,
            "can_edit": can_edit,
            "status_state": status_state,
            "upgrades": upgrades_for(nav),
            **extra,
        },
        status=http_status,
    )


@login_required
def question_history(request: AppRequest, workload_id: int, question_id: int) -> HttpResponse:
    workload, question = _located(request, workload_id, question_id, access.VIEW)
    if question is None:
        return _wrong_lens(request, workload)
    titles = {c.ref: c.title for c in question.choices.all()}
    changes = (
        AnswerChange.objects.filter(
            answer__lens_review__workload=workload, answer__question=question
        )
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )
    entries = [
        {
            "change": change,
            "before": describe_state(AnswerState.from_json(change.before), titles),
            "after": describe_state(
                AnswerState.from_json(change.after), titles, event=change.after.get("event", "")
            ),
        }
        for change in changes
    ]
    return render(
        request,
        "reviews/questionnaire/history.html",
        {"workload": workload, "question": question, "entries": entries, "nav": "workloads"},
    )


@login_required
def workload_overview(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    nav = navigation_for(workload)
    can_edit = access.can(request.user, workload, access.EDIT, role=workload.user_role)
    return render(
        request,
        "reviews/questionnaire/overview.html",
        {
            "workload": workload,
            "qnav": nav,
            "nav": "workloads",
            "continue_at": nav.continue_at,
            "can_edit": can_edit,
            "upgrades": upgrades_for(nav),
            "lens_form": LensAddForm(workload=workload) if can_edit else None,
        },
    )
