"""Teams: the ones you belong to (administrators: every team)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter

from api.serializers import TeamSerializer
from reviews.models import Membership, Team


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        user = self.request.user
        role = Membership.objects.filter(user=user, team=OuterRef("pk")).values("role")[:1]
        teams = Team.objects.annotate(user_role=Subquery(role))
        if not user.is_staff:
            teams = teams.filter(memberships__user=user)
        return teams
