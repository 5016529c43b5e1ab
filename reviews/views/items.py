"""Improvement items: a workload's items with inline edits, one item's page, the team view
("My items" is the same list with the owner filter set) and its CSV / JSON exports.

Inline edits post the row's form; with htmx the row comes back in place, without JavaScript the
page reloads with a message. Every page costs a fixed number of queries whatever the number of
items (pinned in tests/reviews/test_item_views.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import AuditEvent
from reviews import access, exports, items_queries
from reviews.http import AppRequest
from reviews.items_queries import ItemFilters
from reviews.models import ITEM_STATUS_CHOICES, ImprovementItem, Membership, Workload
from reviews.services.items import ACCEPT_REASON_MAX, NOTES_MAX, item_update

Status = ImprovementItem.Status
PER_PAGE = 50
EXPORT_CHUNK = 500  # rows per fetch from the server-side cursor: bounds the memory


class ItemForm(forms.Form):
    # Choices from a list read once per page (a ModelChoiceField would query once per row).
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    due_date = forms.DateField(
        label="Due",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    status = forms.ChoiceField(choices=ITEM_STATUS_CHOICES)
    notes = forms.CharField(
        max_length=NOTES_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    link = forms.URLField(
        label="Ticket link", max_length=2048, required=False, assume_scheme="https"
    )
    accepted_reason = forms.CharField(
        label="Why the risk is accepted",
        max_length=ACCEPT_REASON_MAX,
        required=False,
        help_text="Leads only. Required to accept a risk.",
    )
    accepted_until = forms.DateField(
        label="Accepted until",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="The item reopens by itself after this date.",
    )

    INLINE = ("owner", "status", "due_date")

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        if "owner" in data:
            data["owner"] = self.members.get(data["owner"]) if data["owner"] else None
        return data

    def __init__(self, *args, members, inline: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = {u.pk: u for u in members}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [("", "Nobody yet")] + [
            (u.pk, u.get_full_name() or u.username) for u in members
        ]
        if inline:
            for name in list(self.fields):
                if name not in self.INLINE:
                    del self.fields[name]


def _members(workload: Workload):
    model = get_user_model()
    return model.objects.filter(memberships__team_id=workload.team_id, is_active=True).order_by(
        "username"
    )


def _item_or_404(workload: Workload, item_id: int) -> ImprovementItem:
    try:
        return ImprovementItem.objects.select_related(
            "owner", "question", "accepted_by", "resolved_by"
        ).get(pk=item_id, workload=workload)
    except ImprovementItem.DoesNotExist:
        raise Http404("No such item") from None


def _initial(item: ImprovementItem) -> dict:
    return {
        "owner": item.owner_id,
        "due_date": item.due_date,
        "status": item.status,
        "notes": item.notes,
        "link": item.link,
        "accepted_reason": item.accepted_reason,
        "accepted_until": item.accepted_until,
    }


def _row_context(request, workload, item, form=None, members=None) -> dict:
    can_edit = access.can(request.user, workload, access.ITEMS, role=workload.user_role)
    if form is None and can_edit:
        form = ItemForm(
            initial=_initial(item),
            members=members if members is not None else _members(workload),
            inline=True,
            prefix=f"item-{item.pk}",
        )
    return {
        "workload": workload,
        "item": item,
        "form": form,
        "can_edit": can_edit,
        "today": timezone.localdate(),
    }


@login_required
def workload_items(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    filters = ItemFilters.from_query(request.GET)
    items = list(
        items_queries.ordered(
            filters.apply(
                # Items of a removed lens stay in the history, like its answers, but leave the
                # plan, as on the team page, in the exports and in the API.
                ImprovementItem.objects.filter(
                    workload=workload, lens_review__removed_at__isnull=True
                ),
                user=request.user,
            )
        ).select_related("owner", "question")
    )
    can_edit = access.can(request.user, workload, access.ITEMS, role=workload.user_role)
    members = _members(workload) if can_edit else []
    rows = [_row_context(request, workload, item, members=members) for item in items]
    return render(
        request,
        "reviews/items/workload_items.html",
        {
            "workload": workload,
            "rows": rows,
            "filters": filters,
            "status_filters": items_queries.STATUS_FILTERS,
            "can_edit": can_edit,
            "tab": "items",
            "export_query": {**filters.as_query(), "workload": str(workload.pk)},
        },
    )


@login_required
@access.require_methods("GET", "POST")
def item_detail(request: AppRequest, workload_id: int, item_id: int) -> HttpResponse:
    action = access.ITEMS if request.method == "POST" else access.VIEW
    workload = access.get_workload_or_404(request.user, workload_id, action)
    item = _item_or_404(workload, item_id)
    inline = request.POST.get("inline") == "1"
    members = _members(workload)
    if request.method == "POST":
        form = ItemForm(
            request.POST,
            members=members,
            inline=inline,
            prefix=f"item-{item.pk}" if inline else None,
        )
        if form.is_valid():
            try:
                item = item_update(
                    item=item, user=request.user, request=request, changes=form.changes()
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                item = _item_or_404(workload, item.pk)
                if request.htmx and inline:
                    return render(
                        request,
                        "reviews/items/partials/row.html",
                        _row_context(request, workload, item),
                    )
                messages.success(request, f"Saved: {item.practice_title}.")
                if inline:
                    return redirect("reviews:workload_items", workload_id=workload.pk)
                return redirect("reviews:item_detail", workload_id=workload.pk, item_id=item.pk)
        if inline:
            context = _row_context(request, workload, item, form=form)
            if request.htmx:
                return render(request, "reviews/items/partials/row.html", context, status=400)
            messages.error(
                request,
                "Not saved: " + "; ".join(str(m) for errs in form.errors.values() for m in errs),
            )
            return redirect("reviews:workload_items", workload_id=workload.pk)
        status = 400
    else:
        form = ItemForm(initial=_initial(item), members=members)
        status = 200
    history = AuditEvent.objects.filter(
        target_type="reviews.improvementitem", target_id=str(item.pk)
    ).order_by("-occurred_at", "-pk")[:50]
    can_edit = access.can(request.user, workload, access.ITEMS, role=workload.user_role)
    return render(
        request,
        "reviews/items/detail.html",
        {
            "workload": workload,
            "item": item,
            "form": form,
            "history": history,
            "can_edit": can_edit,
            "tab": "items",
            "today": timezone.localdate(),
        },
        status=status,
    )


def _team_context(request: AppRequest, filters: ItemFilters, title: str, nav: str) -> dict:
    items = items_queries.ordered(
        filters.apply(items_queries.items_visible_to(request.user), user=request.user)
    ).select_related("owner", "question", "workload")
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    teams = Membership.objects.filter(user=request.user).values("team_id")
    owners = get_user_model().objects.filter(is_active=True)
    if not request.user.is_staff:
        owners = owners.filter(memberships__team_id__in=teams)
    from questions.models import Lens

    return {
        "page": page,
        "filters": filters,
        "status_filters": items_queries.STATUS_FILTERS,
        "due_filters": items_queries.DUE_FILTERS,
        "risk_filters": items_queries.RISK_FILTERS,
        "owners": owners.distinct().order_by("username").only("pk", "username"),
        "lenses": Lens.objects.order_by("name").only("pk", "name"),
        "title": title,
        "nav": nav,
        "today": timezone.localdate(),
        "export_query": filters.as_query(),
    }


@login_required
def item_list(request: AppRequest) -> HttpResponse:
    filters = ItemFilters.from_query(request.GET)
    return render(
        request,
        "reviews/items/list.html",
        _team_context(request, filters, "Improvement items", "items"),
    )


@login_required
def my_items(request: AppRequest) -> HttpResponse:
    filters = ItemFilters.from_query(request.GET, owner="me")
    return render(
        request, "reviews/items/list.html", _team_context(request, filters, "My items", "my_items")
    )


EXPORT_COLUMNS = [
    "id",
    "workload",
    "team",
    "lens",
    "pillar",
    "question_id",
    "question",
    "practice_id",
    "practice",
    "risk",
    "status",
    "resolved_by_answer",
    "owner",
    "due_date",
    "overdue",
    "accepted_reason",
    "accepted_until",
    "notes",
    "link",
    "updated_at",
]


def _export_rows(items, today):
    for item in items.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "id": item.pk,
            "workload": item.workload_name,
            "team": item.team_name,
            "lens": item.lens_name,
            "pillar": item.pillar_ref,
            "question_id": item.question_ref,
            "question": item.question_title,
            "practice_id": item.practice_ref,
            "practice": item.practice_title,
            "risk": item.risk,
            "status": item.status,
            "resolved_by_answer": item.resolved_at is not None,
            "owner": item.owner_name or "",
            "due_date": item.due_date,
            "overdue": item.is_overdue(today),
            "accepted_reason": item.accepted_reason,
            "accepted_until": item.accepted_until,
            "notes": item.notes,
            "link": item.link,
            "updated_at": item.updated_at,
        }


@login_required
def item_export(request: AppRequest, fmt: str) -> HttpResponseBase:
    """The filtered items as CSV or JSON, streamed from a server-side cursor."""
    from django.db.models import F

    filters = ItemFilters.from_query(request.GET)
    if filters.workload:
        # Another team's workload is a 404, as on every workload URL.
        access.get_workload_or_404(request.user, int(filters.workload), access.VIEW)
    items = (
        items_queries.ordered(
            filters.apply(items_queries.items_visible_to(request.user), user=request.user)
        )
        .annotate(
            workload_name=F("workload__name"),
            team_name=F("workload__team__name"),
            lens_name=F("lens_review__lens__name"),
            question_title=F("question__title"),
            owner_name=F("owner__username"),
        )
        .defer("question_id")
    )
    today = timezone.localdate()
    name = f"improvement-items-{today.isoformat()}"
    rows = _export_rows(items, today)
    if fmt == "json":
        meta = {"exported_at": timezone.now(), "filters": filters.as_query()}
        return exports.json_response(name, rows, meta=meta)
    return exports.csv_response(
        name, EXPORT_COLUMNS, ([row[c] for c in EXPORT_COLUMNS] for row in rows)
    )


@login_required
def item_reminders(request: AppRequest) -> HttpResponse:
    """The daily reminder mail: on by default, each user may turn it off (and on again)."""
    from reviews.models import ReminderOptOut

    opted_out = ReminderOptOut.objects.filter(user=request.user).exists()
    if request.method == "POST":
        wanted = request.POST.get("reminders") == "on"
        if wanted:
            ReminderOptOut.objects.filter(user=request.user).delete()
            messages.success(request, "You will get a daily mail about your items.")
        else:
            ReminderOptOut.objects.get_or_create(user=request.user)
            messages.success(request, "No more daily mails about your items.")
        return redirect("reviews:item_reminders")
    return render(
        request,
        "reviews/items/reminders.html",
        {"opted_out": opted_out, "nav": "my_items"},
    )
