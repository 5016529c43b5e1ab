"""The REST API: ``/api/v1/`` resources, ``/api/schema/`` (OpenAPI 3), ``/api/docs/``."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api.views.docs import SwaggerUIView
from api.views.items import ItemViewSet, WorkloadItemViewSet
from api.views.lens_reviews import LensReviewViewSet, QuestionViewSet
from api.views.lenses import LensVersionViewSet
from api.views.milestones import MilestoneViewSet
from api.views.reports import ReportViewSet
from api.views.teams import TeamViewSet
from api.views.workloads import WorkloadViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)  # path converters: <int:pk>
router.register("teams", TeamViewSet, basename="team")
router.register("workloads", WorkloadViewSet, basename="workload")
router.register("lens-versions", LensVersionViewSet, basename="lens-version")
router.register("workloads/<int:workload_id>/reports", ReportViewSet, basename="report")
router.register(
    "workloads/<int:workload_id>/lens-reviews", LensReviewViewSet, basename="lens-review"
)
router.register(
    "workloads/<int:workload_id>/lens-reviews/<int:lens_review_id>/questions",
    QuestionViewSet,
    basename="question",
)
router.register("workloads/<int:workload_id>/milestones", MilestoneViewSet, basename="milestone")
router.register("items", ItemViewSet, basename="item")
router.register("workloads/<int:workload_id>/items", WorkloadItemViewSet, basename="workload-item")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerUIView.as_view(url_name="api:schema"), name="docs"),
]
