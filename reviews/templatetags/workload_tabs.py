"""``{% load workload_tabs %}``, ``{% workload_tabs workload tab %}``: a workload's section tabs,
``tab`` naming the current one. Built in Python: every workload page renders them, and six
``{% url %}`` and six includes cost more than the rest of a small page."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from reviews.templatetags.navbar import nav_link
from reviews.templatetags.paths import path_for

register = template.Library()

TABS = (  # (tab name, label, URL name)
    ("questions", "Questions", "reviews:workload_overview"),
    ("summary", "Summary", "reviews:workload_summary"),
    ("plan", "Improvement plan", "reviews:workload_plan"),
    ("items", "Items", "reviews:workload_items"),
    ("milestones", "Milestones", "reviews:milestone_list"),
    ("reports", "Reports", "reviews:report_list"),
)


@register.simple_tag
def workload_tabs(workload, tab: str = "") -> SafeString:
    items = "".join(
        nav_link(name, tab, label, path_for(url_name, workload.pk)) + "\n"
        for name, label, url_name in TABS
    )
    return mark_safe(  # noqa: S308 - every value escaped by nav_link
        '<nav aria-label="Workload sections" class="mb-3">\n'
        f'<ul class="nav nav-underline workload-tabs">\n{items}</ul>\n</nav>'
    )
