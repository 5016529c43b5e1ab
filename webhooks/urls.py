"""Admin pages for webhook endpoints and their delivery log."""

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_new, name="endpoint_new"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="endpoint_detail"),
    path("<int:endpoint_id>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("<int:endpoint_id>/ping/", views.endpoint_ping, name="endpoint_ping"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/",
        views.delivery_detail,
        name="delivery_detail",
    ),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
