"""django-filter sets for the API's lists."""

from __future__ import annotations

import django_filters

from reviews.models import Workload


class WorkloadFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the name, case ignored."
    )
    team = django_filters.NumberFilter(field_name="team_id", help_text="A team id.")
    environment = django_filters.ChoiceFilter(choices=Workload.Environment.choices)
    lens = django_filters.CharFilter(
        field_name="lens_version__lens__slug", help_text="The slug of the workload's lens."
    )
    archived = django_filters.BooleanFilter(
        field_name="archived_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only archived workloads; false: only active ones; absent: both.",
    )

    class Meta:
        model = Workload
        fields = ["name", "team", "environment", "lens", "archived"]
