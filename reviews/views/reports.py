"""PDF reports: request one, watch its status (htmx polling), retry a failure, download it.

No PDF is ever rendered here: requesting only writes a row and queues a Celery task on commit.
Each view costs a fixed number of queries (session, user, the workload with the user's role,
then the report or the reports list).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify

from accounts.audit import audit_record
from reviews import access
from reviews.audit_actions import ReviewAction
from reviews.http import AppRequest
from reviews.models import Milestone, Report, Workload
from reviews.services.reports import ReportLimitReached, report_request, report_retry

RECENT_REPORTS = 5


class ReportRequestForm(forms.Form):
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(),
        required=False,
        empty_label="Current answers",
        label="Report on",
        help_text="The workload as it is now, or a milestone you saved earlier.",
    )

    def __init__(self, *args, workload: Workload, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["milestone"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Milestone.objects.filter(workload=workload).only(
            "pk", "name", "created_at", "workload_id"
        )


def _report_or_404(workload: Workload, report_id: int) -> Report:
    try:
        report = Report.objects.select_related("milestone").get(pk=report_id, workload=workload)
    except Report.DoesNotExist:
        raise Http404("No such report") from None
    report.workload = workload  # already loaded, with the user's role: no second query
    return report


def _panel_context(request: AppRequest, workload: Workload, form=None) -> dict:
    reports = list(
        Report.objects.filter(workload=workload).select_related("milestone")[:RECENT_REPORTS]
    )
    can_request = access.can(request.user, workload, access.MILESTONE, role=workload.user_role)
    return {
        "workload": workload,
        "reports": reports,
        "can_request": can_request,
        "form": form or ReportRequestForm(workload=workload),
    }


@login_required
@access.require_methods("GET", "HEAD")
def report_list(request: AppRequest, workload_id: int) -> HttpResponse:
    """The reports page: the panel without JavaScript, and what the panel loads with htmx."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    context = _panel_context(request, workload)
    if request.htmx:
        return render(request, "reviews/reports/_panel_body.html", context)
    return render(request, "reviews/reports/list.html", context)


@login_required
@access.require_methods("POST")
def report_request_view(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.MILESTONE)
    form = ReportRequestForm(request.POST, workload=workload)
    shown: ReportRequestForm | None = form  # None: a fresh form (the request went through)
    status = 422
    if form.is_valid():
        asked_at = timezone.now()
        try:
            report = report_request(
                workload=workload,
                milestone=form.cleaned_data["milestone"],
                user=request.user,
                request=request,
            )
        except ReportLimitReached as exc:
            form.add_error(None, str(exc))
            # htmx swaps only a 2xx response in: the panel must show the message.
            status = 200 if request.htmx else 429
        else:
            if not request.htmx:
                messages.success(
                    request,
                    # the same report, still queued or rendering, was returned
                    "This report is already being prepared; it is listed below."
                    if report.created_at < asked_at
                    else "Report requested. It is queued and starts as soon as a worker is "
                    "reachable; this page shows when it is ready.",
                )
                return redirect("reviews:report_list", workload_id=workload.pk)
            shown = None
    if shown is None:
        status = 200
    template = "reviews/reports/_panel_body.html" if request.htmx else "reviews/reports/list.html"
    return render(request, template, _panel_context(request, workload, shown), status=status)


@login_required
@access.require_methods("GET", "HEAD")
def report_status(request: AppRequest, workload_id: int, report_id: int) -> HttpResponse:
    """The status fragment htmx polls every 2 s while the report is queued or rendering."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    report = _report_or_404(workload, report_id)
    can_request = access.can(request.user, workload, access.MILESTONE, role=workload.user_role)
    return render(
        request,
        "reviews/reports/_status.html",
        {"workload": workload, "report": report, "can_request": can_request},
    )


@login_required
@access.require_methods("POST")
def report_retry_view(request: AppRequest, workload_id: int, report_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.MILESTONE)
    report = _report_or_404(workload, report_id)
    if not report_retry(report=report, actor=request.user, request=request) and not request.htmx:
        messages.info(request, "That report is not failed, so there is nothing to retry.")
    if request.htmx:
        return render(
            request,
            "reviews/reports/_status.html",
            {"workload": workload, "report": report, "can_request": True},
        )
    return redirect("reviews:report_list", workload_id=workload.pk)


def download_filename(workload: Workload, report: Report) -> str:
    day = timezone.localdate(report.finished_at or report.created_at)
    return f"{slugify(workload.name) or 'workload'}-{day.isoformat()}.pdf"


@login_required
@access.require_methods("GET", "HEAD")
def report_download(request: AppRequest, workload_id: int, report_id: int) -> FileResponse:
    """Streams a ready report to members of the workload's team and admins (404 otherwise)."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    report = _report_or_404(workload, report_id)
    if report.status != Report.Status.READY or not report.file:
        raise Http404("This report is not ready")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404("The report file is missing; request a new report") from None
    audit_record(
        action=ReviewAction.REPORT_DOWNLOADED,
        request=request,
        target=report,
        team=workload.team_id,
        data={"workload": workload.pk},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_filename(workload, report),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
