"""Teams: the ones you belong to (administrators: every team), through the access module."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from api.serializers import TeamSerializer
from reviews import access
from reviews.models import Membership


class TeamViewSet(viewsets.GenericViewSet):
    serializer_class = TeamSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]
    lookup_value_converter = "int"

    def get_queryset(self):
        user = self.request.user
        role = Membership.objects.filter(user=user, team=OuterRef("pk")).values("role")[:1]
        return access.teams_visible_to(user).annotate(user_role=Subquery(role))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk: int):
        return Response(self.get_serializer(access.get_team_or_404(request.user, pk)).data)
