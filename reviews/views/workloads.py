"""Workloads: list, create, edit and archive (their lenses: ``reviews.views.lenses``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.onboarding import next_steps
from reviews import access
from reviews.forms import WorkloadForm
from reviews.http import AppRequest
from reviews.models import LensReview, Membership, Role, Workload
from reviews.search import WorkloadSearch, search_context
from reviews.services.workloads import workload_archive, workload_create, workload_update


@login_required
def workload_list(request: AppRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    search = WorkloadSearch.from_query(request.GET)
    visible = (
        Workload.objects.visible_to(request.user)
        .select_related("team")
        .prefetch_related(
            Prefetch(
                "lens_reviews",
                queryset=LensReview.objects.active().select_related("lens_version"),
                to_attr="active_lens_reviews",
            )
        )
        .distinct()
        .order_by("name", "pk")
    )
    if not show_archived:
        visible = visible.active()
    # Progress, risk and progress filters come from the stored counts: the list never scores.
    rows = list(search.filter_queryset(visible))
    can_create = (
        request.user.is_staff
        or Membership.objects.filter(user=request.user, role=Role.ARCHITECT).exists()
    )
    return render(
        request,
        "reviews/workloads/list.html",
        {
            "rows": rows,
            "show_archived": show_archived,
            "can_create": can_create,
            "next_steps": None
            if rows or show_archived or search.active
            else next_steps(request.user),
            "nav": "workloads",
            **search_context(search),
        },
    )


@login_required
def workload_new(request: AppRequest) -> HttpResponse:
    # A POST with no fields at all is still a submission and gets the form's messages.
    form = WorkloadForm(request.POST if request.method == "POST" else None, user=request.user)
    team_field = form.fields["team"]
    assert isinstance(team_field, forms.ModelChoiceField)
    if not team_field.choices:
        if not request.user.is_staff:
            raise PermissionDenied("Only architects create workloads.")
        # An admin before the first team: say so instead of an empty, required Team box.
        return render(
            request,
            "reviews/workloads/form.html",
            {"next_steps": next_steps(request.user), "creating": True, "nav": "workloads"},
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team = data.pop("team")
        try:
            workload = workload_create(team=team, user=request.user, data=data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Workload “{workload.name}” created. Start the review.")
            return redirect("reviews:workload_overview", workload_id=workload.pk)
    return render(
        request,
        "reviews/workloads/form.html",
        {"form": form, "creating": True, "nav": "workloads"},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def workload_edit(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.EDIT)
    form = WorkloadForm(
        request.POST if request.method == "POST" else None, instance=workload, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            workload_update(
                workload=workload, data=form.cleaned_data, actor=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Workload saved.")
            return redirect("reviews:workload_overview", workload_id=workload.pk)
    return render(
        request,
        "reviews/workloads/form.html",
        {"form": form, "workload": workload, "creating": False, "nav": "workloads"},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def workload_archive_view(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.EDIT)
    if request.method == "POST":
        archive = request.POST.get("archive", "1") != "0"
        workload_archive(workload=workload, archived=archive, actor=request.user, request=request)
        if archive:
            messages.success(request, f"“{workload.name}” is archived. It is hidden from lists.")
            return redirect("reviews:workload_list")
        messages.success(request, f"“{workload.name}” is restored.")
        return redirect("reviews:workload_overview", workload_id=workload.pk)
    return render(
        request, "reviews/workloads/archive.html", {"workload": workload, "nav": "workloads"}
    )
