"""django-filter sets for the API's lists."""

from __future__ import annotations

import django_filters

from questions.models import LensVersion
from reviews.models import LensReview, Report, Workload


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
    status = django_filters.ChoiceFilter(choices=Report.Status.choices)

    class Meta:
        model = Report
        fields = ["status"]


class LensVersionFilter(django_filters.FilterSet):
    lens = django_filters.CharFilter(field_name="lens__slug", help_text="The lens slug.")
    status = django_filters.ChoiceFilter(choices=LensVersion.Status.choices)

    class Meta:
        model = LensVersion
        fields = ["lens", "status"]
