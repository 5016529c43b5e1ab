"""Reports: request one (202 with its status URL), poll its status, download the PDF.

Requesting only writes a row and queues the render on commit (``report_request``); the
milestone is checked by the page's own form.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.audit import audit_record
from api.filters import ReportFilter
from api.renderers import PDFRenderer
from api.serializers import ReportRequestSerializer, ReportSerializer
from reviews import access
from reviews.audit_actions import ReviewAction
from reviews.models import Report
from reviews.services.reports import ReportLimitReached, report_request
from reviews.views.reports import ReportRequestForm, download_filename


class ReportViewSet(viewsets.GenericViewSet):
    serializer_class = ReportSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ReportFilter
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-pk"]
    lookup_value_converter = "int"

    def get_queryset(self):
        return Report.objects.none()  # every action goes through the workload first

    def _workload(self, action: str):
        return access.get_workload_or_404(self.request.user, self.kwargs["workload_id"], action)

    def _report(self, workload) -> Report:
        try:
            return Report.objects.get(pk=self.kwargs["pk"], workload=workload)
        except Report.DoesNotExist:
            raise Http404("No such report") from None

    def list(self, request, workload_id: int):
        workload = self._workload(access.VIEW)
        page = self.paginate_queryset(
            self.filter_queryset(Report.objects.filter(workload=workload))
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, workload_id: int, pk: int):
        report = self._report(self._workload(access.VIEW))
        return Response(self.get_serializer(report).data)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={202: ReportSerializer},
        description="Queues a PDF report. Poll `status_url` (also in `Location`) until the "
        "status is `ready`, then fetch `download_url`.",
    )
    def create(self, request, workload_id: int):
        workload = self._workload(access.MILESTONE)
        values = ReportRequestSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        form = ReportRequestForm(
            {"milestone": values.validated_data["milestone"] or ""}, workload=workload
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {f: [e["message"] for e in errs] for f, errs in form.errors.get_json_data().items()}
            )
        try:
            report = report_request(
                workload=workload,
                milestone=form.cleaned_data["milestone"],
                user=request.user,
                request=request,
            )
        except ReportLimitReached as exc:
            raise exceptions.Throttled(detail=str(exc)) from None
        data = self.get_serializer(report).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def download(self, request, workload_id: int, pk: int):
        workload = self._workload(access.VIEW)
        report = self._report(workload)
        if report.status != Report.Status.READY or not report.file:
            raise Http404("This report is not ready; poll its status_url.")
        try:
            handle = report.file.open("rb")
        except FileNotFoundError:
            raise Http404("The report file is missing; request a new report.") from None
        report.workload = workload
        audit_record(
            action=ReviewAction.REPORT_DOWNLOADED,
            request=request,
            target=report,
            team=workload.team_id,
            data={"workload": workload.pk, "via": "api"},
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=download_filename(workload, report),
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response
