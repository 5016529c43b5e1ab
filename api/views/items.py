"""Improvement items: list them per workload or across your teams (the team items page's
filters), read one, change one.

A change goes through ``item_update``, the pages' service, with the same rules (the owner is a
member of the team, a risk is accepted by a lead only, with a reason and a future expiry) and
the same audit. Items have no version: ``PATCH`` changes only the fields it sends, under the
service's row lock, so two people changing different fields never undo each other (the
page's own guarantee).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from api.filters import ItemFilter
from api.serializers import ItemSerializer, ItemUpdateSerializer
from reviews import access, items_queries
from reviews.models import ImprovementItem, Workload
from reviews.services.items import OWNER_NOT_MEMBER, item_update


def _listed(items: QuerySet[ImprovementItem]) -> QuerySet[ImprovementItem]:
    return items_queries.ordered(items).select_related(
        "owner", "workload", "lens_review__lens", "question"
    )


class _Items(viewsets.GenericViewSet):
    serializer_class = ItemSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ItemFilter
    lookup_value_converter = "int"

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _page(self, items: QuerySet[ImprovementItem]) -> Response:
        page = self.paginate_queryset(self.filter_queryset(_listed(items)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ItemViewSet(_Items):
    """Items of every workload you may see (archived workloads and removed lenses left out),
    as on the team items page."""

    def get_queryset(self):
        return items_queries.items_visible_to(self.request.user)

    def list(self, request):
        return self._page(self.get_queryset())


class WorkloadItemViewSet(_Items):
    """One workload's items (its removed lenses left out)."""

    def get_queryset(self):
        return ImprovementItem.objects.none()  # every action goes through the workload first

    def _workload(self, action: str) -> Workload:
        return access.get_workload_or_404(self.request.user, self.kwargs["workload_id"], action)

    def _items(self, workload: Workload) -> QuerySet[ImprovementItem]:
        return ImprovementItem.objects.filter(
            workload=workload, lens_review__removed_at__isnull=True
        )

    def _item(self, workload: Workload) -> ImprovementItem:
        item = _listed(self._items(workload)).filter(pk=self.kwargs["pk"]).first()
        if item is None:
            raise Http404("No such item of this workload.")
        return item

    def list(self, request, workload_id: int):
        return self._page(self._items(self._workload(access.VIEW)))

    def retrieve(self, request, workload_id: int, pk: int):
        item = self._item(self._workload(access.VIEW))
        return Response(self.get_serializer(item).data)

    @extend_schema(
        request=ItemUpdateSerializer,
        responses={200: ItemSerializer},
        description="Change the fields you send (owner, due date, status, notes, link; an "
        "accepted risk's reason and expiry). Accepting a risk is for the team's leads "
        "(403 otherwise). Every change is recorded in the audit trail.",
    )
    def partial_update(self, request, workload_id: int, pk: int):
        workload = self._workload(access.ITEMS)
        item = self._item(workload)
        values = ItemUpdateSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        changes = dict(values.validated_data)
        if changes.get("owner") is not None:
            # Whether the person may own it is the service's rule; here only the id -> user.
            owner = get_user_model().objects.filter(pk=changes["owner"]).first()
            if owner is None:
                raise serializers.ValidationError({"owner": [OWNER_NOT_MEMBER]})
            changes["owner"] = owner
        item_update(item=item, user=request.user, request=request, changes=changes)
        return Response(self.get_serializer(self._item(workload)).data)
