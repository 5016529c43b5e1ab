"""django-filter sets for the API's lists."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.utils import timezone

from questions.models import LensVersion
from questions.vocab import VERSION_STATUS_LABELS, choices
from reviews import items_queries
from reviews.items_queries import ItemFilters
from reviews.labels import REPORT_STATUS_LABELS
from reviews.models import ImprovementItem, LensReview, Report, Workload


class WorkloadFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the name, case ignored."
    )
    team = django_filters.NumberFilter(field_name="team_id", help_text="A team id.")
    environment = django_filters.ChoiceFilter(choices=Workload.Environment.choices)
    lens = django_filters.CharFilter(
        method="filter_lens", help_text="The slug of one of the workload's lenses."
    )
    archived = django_filters.BooleanFilter(
        field_name="archived_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only archived workloads; false: only active ones; absent: both.",
    )

    def filter_lens(self, queryset, name: str, value: str):
        reviewed = LensReview.objects.active().filter(lens__slug=value).values("workload_id")
        return queryset.filter(pk__in=reviewed)

    class Meta:
        model = Workload
        fields = ["name", "team", "environment", "lens", "archived"]


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=choices(REPORT_STATUS_LABELS))

    class Meta:
        model = Report
        fields = ["status"]


class LensVersionFilter(django_filters.FilterSet):
    lens = django_filters.CharFilter(field_name="lens__slug", help_text="The lens slug.")
    status = django_filters.ChoiceFilter(choices=choices(VERSION_STATUS_LABELS))

    class Meta:
        model = LensVersion
        fields = ["lens", "status"]


class _StableOrderingFilter(django_filters.OrderingFilter):
    """The client's ordering, then the id: pages never repeat or skip an item."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


class ItemFilter(django_filters.FilterSet):
    """The team items page's filters (``reviews.items_queries.ItemFilters`` applies the status,
    owner and overdue rules), plus due-date bounds and a team or workload."""

    status = django_filters.ChoiceFilter(
        choices=list(items_queries.STATUS_FILTERS.items()),
        method="filter_status",
        help_text="open: not started or in progress, not resolved by the answer; resolved: "
        "resolved by the answer; a status: that status, not resolved; all (the default): all.",
    )
    owner = django_filters.CharFilter(
        method="filter_owner",
        validators=[RegexValidator(r"^(me|none|[0-9]{1,18})$", 'Give "me", "none" or a user id.')],
        help_text='"me", "none" (nobody yet) or a user id.',
    )
    risk = django_filters.ChoiceFilter(choices=list(items_queries.RISK_FILTERS.items()))
    lens = django_filters.CharFilter(
        field_name="lens_review__lens__slug", help_text="The lens slug."
    )
    team = django_filters.NumberFilter(field_name="workload__team_id", help_text="A team id.")
    workload = django_filters.NumberFilter(field_name="workload_id", help_text="A workload id.")
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text="Due on or before this date."
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", help_text="Due on or after this date."
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text="true: open items past their due date; false: all others.",
    )
    ordering = _StableOrderingFilter(
        fields=(
            ("due_date", "due_date"),
            ("risk_rank", "risk"),
            ("status", "status"),
            ("workload__name", "workload"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
        ),
        help_text="Absent: overdue and soonest due first, then highest risk (as the pages). "
        "risk orders from high to low; prefix with - to reverse.",
    )

    def filter_status(self, queryset, name: str, value: str):
        return ItemFilters(status=value).apply(queryset, user=self.request.user)

    def filter_owner(self, queryset, name: str, value: str):
        return ItemFilters(status="all", owner=value).apply(queryset, user=self.request.user)

    def filter_overdue(self, queryset, name: str, value: bool):
        overdue = items_queries.overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    class Meta:
        model = ImprovementItem
        fields = [
            "status",
            "owner",
            "risk",
            "lens",
            "team",
            "workload",
            "due_before",
            "due_after",
            "overdue",
        ]
