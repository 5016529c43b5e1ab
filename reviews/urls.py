"""URLs of the reviews app. Each feature adds its own block; keep blocks grouped by view module."""

from django.urls import path

from reviews.views import dashboard

app_name = "reviews"

urlpatterns = [
    # dashboard
    path("", dashboard.dashboard, name="dashboard"),
]
