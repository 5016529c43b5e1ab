"""Risk summaries and milestones of a workload.

Milestones are taken by ``milestone_create`` (the page's service: unique names, at most 100);
their results come from the snapshot alone, never by re-scoring, like the milestone page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers import (
    MilestoneCompareSerializer,
    MilestoneCreateSerializer,
    MilestoneDetailSerializer,
    MilestoneSerializer,
)
from reviews import access, loader, scoring
from reviews.models import Milestone, MilestoneLens
from reviews.services.milestones import milestone_create


class _CompareQuery(serializers.Serializer):
    before = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    after = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None
    )


class MilestoneViewSet(viewsets.GenericViewSet):
    serializer_class = MilestoneSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        return Milestone.objects.none()  # every action goes through the workload first

    def _workload(self, action: str):
        return access.get_workload_or_404(self.request.user, self.kwargs["workload_id"], action)

    def _milestone(self, workload, pk: int) -> Milestone:
        milestone = Milestone.objects.filter(workload=workload, pk=pk).first()
        if milestone is None:
            raise Http404("No such milestone of this workload.")
        return milestone

    def list(self, request, workload_id: int):
        workload = self._workload(access.VIEW)
        milestones = Milestone.objects.filter(workload=workload).prefetch_related(
            Prefetch("lenses", queryset=MilestoneLens.objects.defer("answers", "results"))
        )
        page = self.paginate_queryset(milestones)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: MilestoneDetailSerializer})
    def retrieve(self, request, workload_id: int, pk: int):
        workload = self._workload(access.VIEW)
        return Response(MilestoneDetailSerializer(self._milestone(workload, pk)).data)

    @extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneDetailSerializer})
    def create(self, request, workload_id: int):
        workload = self._workload(access.MILESTONE)
        values = MilestoneCreateSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        try:
            milestone = milestone_create(
                workload=workload, name=values.validated_data["name"], user=request.user
            )
        except ValidationError as error:
            raise serializers.ValidationError({"name": error.messages}) from None
        return Response(MilestoneDetailSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, required=True, description="A milestone id."),
            OpenApiParameter(
                "after", int, description="A milestone id; absent: the workload as it is now."
            ),
        ],
        responses={200: MilestoneCompareSerializer},
        description="Every question whose risk or followed best practices changed.",
    )
    @action(detail=False, methods=["get"])
    def compare(self, request, workload_id: int):
        workload = self._workload(access.VIEW)
        query = _CompareQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        before_id, after_id = query.validated_data["before"], query.validated_data["after"]
        before = loader.result_for_milestone(self._milestone(workload, before_id))
        if after_id is None:
            after = loader.result_for_workload(workload)
        else:
            after = loader.result_for_milestone(self._milestone(workload, after_id))
        body = {
            "before": before_id,
            "after": after_id,
            "changes": scoring.compare_results(before, after),
        }
        return Response(MilestoneCompareSerializer(body).data)
