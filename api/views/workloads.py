"""Workloads: list (filters, ordering), create, read, update, archive or restore.

Input is type-checked by the serializer, then bound to the page's ``WorkloadForm`` (the same
rules: name length and uniqueness in the team, the teams where you may create, published
lens versions) and written by the same services.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from api.filters import WorkloadFilter
from api.serializers import (
    RiskSummarySerializer,
    WorkloadArchiveSerializer,
    WorkloadSerializer,
    WorkloadUpdateSerializer,
    WorkloadWriteSerializer,
)
from reviews import access, loader
from reviews.forms import WorkloadForm
from reviews.models import LensReview, Workload
from reviews.services.workloads import (
    default_lens_version,
    workload_archive,
    workload_create,
    workload_update,
)

_FORM_FIELDS = (
    "name",
    "description",
    "environment",
    "review_owner",
    "architectural_design",
    "industry",
    "notes",
)


def _form_data(values: dict) -> dict:
    data = {key: values[key] for key in _FORM_FIELDS if key in values}
    data["regions"] = ", ".join(values.get("regions") or [])
    for key in ("team", "lens_version"):
        if values.get(key) is not None:
            data[key] = str(values[key])
    return data


def _instance_values(workload: Workload) -> dict:
    return {key: getattr(workload, key) for key in (*_FORM_FIELDS, "regions")}


def _cleaned(form: WorkloadForm) -> dict:
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                field: [e["message"] for e in errs]
                for field, errs in form.errors.get_json_data().items()
            }
        )
    return dict(form.cleaned_data)


class WorkloadViewSet(viewsets.GenericViewSet):
    serializer_class = WorkloadSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = WorkloadFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name", "pk"]
    lookup_value_converter = "int"

    def get_queryset(self):
        return (
            Workload.objects.visible_to(self.request.user)
            .select_related("team")
            .prefetch_related(
                Prefetch(
                    "lens_reviews",
                    queryset=LensReview.objects.active().order_by("position", "pk"),
                    to_attr="active_lens_reviews",
                )
            )
            .distinct()
        )

    def get_workload(self, action: str) -> Workload:
        return access.get_workload_or_404(self.request.user, self.kwargs["pk"], action)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk: int):
        return Response(self.get_serializer(self.get_workload(access.VIEW)).data)

    @extend_schema(request=WorkloadWriteSerializer, responses={201: WorkloadSerializer})
    def create(self, request):
        values = WorkloadWriteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = dict(values.validated_data)
        if data.get("lens_version") is None and (default := default_lens_version()) is not None:
            data["lens_version"] = default.pk
        form = WorkloadForm(_form_data(data), user=request.user)
        if not request.user.is_staff and not form.fields["team"].choices:
            raise PermissionDenied("Only architects create workloads.")
        data = _cleaned(form)
        team = data.pop("team")
        workload = workload_create(team=team, user=request.user, data=data, request=request)
        workload = access.get_workload_or_404(request.user, workload.pk, access.VIEW)
        return Response(self.get_serializer(workload).data, status=status.HTTP_201_CREATED)

    def _update(self, request, *, partial: bool) -> Response:
        workload = self.get_workload(access.EDIT)
        values = WorkloadUpdateSerializer(data=request.data, partial=partial)
        values.is_valid(raise_exception=True)
        merged = {**_instance_values(workload), **values.validated_data}
        form = WorkloadForm(_form_data(merged), instance=workload, user=request.user)
        workload_update(workload=workload, data=_cleaned(form), actor=request.user, request=request)
        return Response(self.get_serializer(workload).data)

    @extend_schema(request=WorkloadUpdateSerializer)
    def update(self, request, pk: int):
        return self._update(request, partial=False)

    @extend_schema(request=WorkloadUpdateSerializer)
    def partial_update(self, request, pk: int):
        return self._update(request, partial=True)

    @extend_schema(
        responses={200: RiskSummarySerializer},
        description="The workload's risks as they are now: counts by risk and score, per "
        "pillar and per question, and the improvement plan (the pages' numbers).",
    )
    @action(detail=True, methods=["get"])
    def risks(self, request, pk: int):
        workload = self.get_workload(access.VIEW)
        return Response(RiskSummarySerializer(loader.result_for_workload(workload)).data)

    @extend_schema(request=WorkloadArchiveSerializer, responses={200: WorkloadSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk: int):
        workload = self.get_workload(access.EDIT)
        values = WorkloadArchiveSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        workload_archive(
            workload=workload,
            archived=values.validated_data["archived"],
            actor=request.user,
            request=request,
        )
        return Response(self.get_serializer(workload).data)
