"""URLs of the reviews app. Each feature adds its own block; keep blocks grouped by view module."""

from django.urls import path

from reviews.views import (
    consolidated,
    dashboard,
    items,
    lenses,
    milestones,
    questionnaire,
    summary,
    workloads,
)
from reviews.views import reports as report_views

app_name = "reviews"

urlpatterns = [
    # dashboard
    path("", dashboard.dashboard, name="dashboard"),
    # workloads
    path("workloads/", workloads.workload_list, name="workload_list"),
    path("workloads/new/", workloads.workload_new, name="workload_new"),
    path("workloads/<int:workload_id>/edit/", workloads.workload_edit, name="workload_edit"),
    path(
        "workloads/<int:workload_id>/archive/",
        workloads.workload_archive_view,
        name="workload_archive",
    ),
    # lenses of a workload
    path(
        "workloads/<int:workload_id>/lenses/add/",
        lenses.lens_review_add_view,
        name="lens_review_add",
    ),
    path(
        "workloads/<int:workload_id>/lenses/<int:lens_review_id>/remove/",
        lenses.lens_review_remove_view,
        name="lens_review_remove",
    ),
    path(
        "workloads/<int:workload_id>/lenses/<int:lens_review_id>/upgrade/",
        lenses.lens_review_upgrade_view,
        name="lens_review_upgrade",
    ),
    # questionnaire
    path(
        "workloads/<int:workload_id>/overview/",
        questionnaire.workload_overview,
        name="workload_overview",
    ),
    path(
        "workloads/<int:workload_id>/questions/<int:question_id>/",
        questionnaire.question_page,
        name="question",
    ),
    path(
        "workloads/<int:workload_id>/questions/<int:question_id>/history/",
        questionnaire.question_history,
        name="question_history",
    ),
    # summary, improvement plan and milestones
    path("workloads/<int:workload_id>/summary/", summary.workload_summary, name="workload_summary"),
    path("workloads/<int:workload_id>/plan/", summary.workload_plan, name="workload_plan"),
    path(
        "workloads/<int:workload_id>/pillar-priorities/",
        summary.pillar_priorities_view,
        name="pillar_priorities",
    ),
    path(
        "workloads/<int:workload_id>/milestones/", milestones.milestone_list, name="milestone_list"
    ),
    path(
        "workloads/<int:workload_id>/milestones/new/",
        milestones.milestone_new,
        name="milestone_new",
    ),
    path(
        "workloads/<int:workload_id>/milestones/compare/",
        milestones.milestone_compare,
        name="milestone_compare",
    ),
    path(
        "workloads/<int:workload_id>/milestones/<int:pk>/",
        milestones.milestone_detail,
        name="milestone_detail",
    ),
    # reports
    path("workloads/<int:workload_id>/reports/", report_views.report_list, name="report_list"),
    path(
        "workloads/<int:workload_id>/reports/request/",
        report_views.report_request_view,
        name="report_request",
    ),
    path(
        "workloads/<int:workload_id>/reports/<int:report_id>/status/",
        report_views.report_status,
        name="report_status",
    ),
    path(
        "workloads/<int:workload_id>/reports/<int:report_id>/retry/",
        report_views.report_retry_view,
        name="report_retry",
    ),
    path(
        "workloads/<int:workload_id>/reports/<int:report_id>/download/",
        report_views.report_download,
        name="report_download",
    ),
    # consolidated reports (many workloads of a team)
    path("reports/consolidated/", consolidated.consolidated_list, name="consolidated_list"),
    path("reports/consolidated/new/", consolidated.consolidated_new, name="consolidated_new"),
    path(
        "reports/consolidated/<int:consolidated_id>/",
        consolidated.consolidated_detail,
        name="consolidated_detail",
    ),
    path(
        "reports/consolidated/<int:consolidated_id>/status/",
        consolidated.consolidated_status,
        name="consolidated_status",
    ),
    path(
        "reports/consolidated/<int:consolidated_id>/retry/",
        consolidated.consolidated_retry_view,
        name="consolidated_retry",
    ),
    path(
        "reports/consolidated/<int:consolidated_id>/report.pdf",
        consolidated.consolidated_download,
        {"fmt": "pdf"},
        name="consolidated_pdf",
    ),
    path(
        "reports/consolidated/<int:consolidated_id>/report.json",
        consolidated.consolidated_download,
        {"fmt": "json"},
        name="consolidated_json",
    ),
    path(
        "reports/consolidated/<int:consolidated_id>/report.csv",
        consolidated.consolidated_download,
        {"fmt": "csv"},
        name="consolidated_csv",
    ),
    # improvement items
    path("items/", items.item_list, name="item_list"),
    path("items/mine/", items.my_items, name="my_items"),
    path("items/reminders/", items.item_reminders, name="item_reminders"),
    path("items/export.csv", items.item_export, {"fmt": "csv"}, name="item_export_csv"),
    path("items/export.json", items.item_export, {"fmt": "json"}, name="item_export_json"),
    path("workloads/<int:workload_id>/items/", items.workload_items, name="workload_items"),
    path(
        "workloads/<int:workload_id>/items/<int:item_id>/",
        items.item_detail,
        name="item_detail",
    ),
]
