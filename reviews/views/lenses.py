"""The lenses of a workload: add one, remove one (after a confirmation), upgrade one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from questions.models import LensVersion
from reviews import access
from reviews.forms import LensVersionChoiceField
from reviews.http import AppRequest
from reviews.models import LensReview, Workload
from reviews.services.lens_reviews import (
    addable_versions,
    lens_review_add,
    lens_review_remove,
    lens_review_upgrade,
    newer_version,
    upgrade_plan,
)


class LensAddForm(forms.Form):
    lens_version = LensVersionChoiceField(
        queryset=LensVersion.objects.none(),
        label="Lens to add",
        empty_label=None,
        help_text="The newest published version of each lens this workload is not reviewed with.",
    )

    def __init__(self, *args, workload: Workload, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        versions = addable_versions(workload)
        field = self.fields["lens_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = LensVersion.objects.filter(pk__in=[v.pk for v in versions])
        field.choices = [(v.pk, field.label_from_instance(v)) for v in versions]


def _lens_review_or_404(workload: Workload, lens_review_id: int) -> LensReview:
    lens_review = (
        LensReview.objects.active()
        .filter(workload=workload, pk=lens_review_id)
        .select_related("lens_version__lens")
        .first()
    )
    if lens_review is None:
        raise Http404("No such lens on this workload")
    return lens_review


@login_required
@access.require_methods("POST")
def lens_review_add_view(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.EDIT)
    form = LensAddForm(request.POST, workload=workload)
    if form.is_valid():
        version = form.cleaned_data["lens_version"]
        try:
            lens_review_add(
                workload=workload, lens_version=version, user=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"“{version.name}” added to the review.")
    else:
        messages.error(request, "Choose a lens from the list: that one cannot be added.")
    return redirect("reviews:workload_overview", workload_id=workload.pk)


@login_required
def lens_review_remove_view(
    request: AppRequest, workload_id: int, lens_review_id: int
) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.EDIT)
    lens_review = _lens_review_or_404(workload, lens_review_id)
    if request.method == "POST":
        try:
            lens_review_remove(lens_review=lens_review, user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"“{lens_review.lens_version.name}” removed. Its answers stay in the history "
                "and in the milestones that include it.",
            )
        return redirect("reviews:workload_overview", workload_id=workload.pk)
    return render(
        request,
        "reviews/workloads/lens_remove.html",
        {"workload": workload, "lens_review": lens_review, "nav": "workloads"},
    )


@login_required
def lens_review_upgrade_view(
    request: AppRequest, workload_id: int, lens_review_id: int
) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.EDIT)
    lens_review = _lens_review_or_404(workload, lens_review_id)
    to_version = newer_version(lens_review.lens_version)
    if to_version is None:
        messages.info(request, "This lens already uses its newest published version.")
        return redirect("reviews:workload_overview", workload_id=workload.pk)
    context = {"workload": workload, "lens_review": lens_review, "nav": "workloads"}
    if request.method == "POST":
        try:
            plan = lens_review_upgrade(
                lens_review=lens_review, to_version=to_version, user=request.user, request=request
            )
        except ValidationError as error:
            # Someone else upgraded or removed the lens between this page's read and the lock.
            messages.error(request, " ".join(error.messages))
            return redirect("reviews:workload_overview", workload_id=workload.pk)
        return render(
            request, "reviews/workloads/upgrade.html", {**context, "plan": plan, "done": True}
        )
    plan = upgrade_plan(lens_review=lens_review, to_version=to_version)
    return render(
        request, "reviews/workloads/upgrade.html", {**context, "plan": plan, "done": False}
    )
