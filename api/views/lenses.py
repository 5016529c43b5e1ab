"""Lens versions: list and read (published ones; administrators see every status), and for
administrators import (the importer's messages with their JSON paths) and export."""

from __future__ import annotations

from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.audit import audit_record
from api.filters import LensVersionFilter
from api.permissions import STAFF_ONLY
from api.problems import json_path_pointer, validation_problem
from api.serializers import LensImportResultSerializer, LensVersionSerializer
from questions.audit_actions import LensAction
from questions.exporter import export_filename, version_export_bytes
from questions.importer import LensFileError, lens_import, lens_import_refused
from questions.limits import LensLimitReached, lens_rate_check
from questions.models import LensVersion


class _ImportOptions(serializers.Serializer):
    publish = serializers.BooleanField(default=False)
    label = serializers.CharField(max_length=64, allow_blank=True, default="")


def _problem_entry(problem: str) -> dict[str, str]:
    path, sep, message = problem.partition(": ")
    if not sep:
        return {"pointer": "#", "path": "", "detail": problem}
    return {"pointer": json_path_pointer(path), "path": path, "detail": message}


class LensVersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LensVersionSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = LensVersionFilter
    ordering_fields = ["name", "number", "published_at"]
    ordering = ["lens__name", "-number"]
    lookup_value_converter = "int"

    def get_queryset(self):
        versions = LensVersion.objects.select_related("lens")
        if not self.request.user.is_staff:
            versions = versions.filter(status=LensVersion.Status.PUBLISHED)
        return versions

    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        description="The version as AWS custom-lens JSON (administrators).",
    )
    @action(detail=True, methods=["get"], permission_classes=STAFF_ONLY)
    def export(self, request, pk: int):
        version = self.get_object()
        try:
            lens_rate_check(user=request.user)
        except LensLimitReached as exc:
            raise exceptions.Throttled(detail=str(exc)) from None
        body = version_export_bytes(version)
        audit_record(
            action=LensAction.EXPORTED, request=request, target=version, data={"via": "api"}
        )
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(version)}"'
        return response

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("publish", bool, description="Publish the version at once."),
            OpenApiParameter("label", str, description="A label for the version (64 max)."),
        ],
        responses={201: LensImportResultSerializer, 200: LensImportResultSerializer},
        description="Imports an AWS custom-lens JSON file (the request body) as a new version "
        "of the lens with its name, or a new lens. Every problem is reported, with its JSON "
        "path, before anything is written (administrators). A file identical to an existing "
        "version creates nothing and answers 200 with `created: false`.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        permission_classes=STAFF_ONLY,
        parser_classes=[JSONParser],
    )
    def import_(self, request):
        options = _ImportOptions(data=request.query_params)
        options.is_valid(raise_exception=True)
        # The raw bytes, not the parsed body: the importer applies its own size limit, BOM
        # handling and JSON errors with positions.
        try:
            lens_rate_check(user=request.user)
        except LensLimitReached as exc:
            raise exceptions.Throttled(detail=str(exc)) from None
        try:
            result = lens_import(
                data=request.body, actor=request.user, request=request, **options.validated_data
            )
        except LensFileError as error:
            lens_import_refused(problems=error.problems, actor=request.user, request=request)
            return validation_problem([_problem_entry(p) for p in error.problems])
        body = LensImportResultSerializer(result).data
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )
