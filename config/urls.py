from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("csp-report/", views.csp_report, name="csp_report"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    # Our own account pages (audit, teams); allauth's sign-in pages live under /accounts/.
    path("org/", include("accounts.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("api/", include("api.urls")),
    path("settings/api-tokens/", include("api.page_urls")),
    path("", include("reviews.urls")),
]

if settings.DEBUG:
    urlpatterns += [path("__debug__/500/", views.server_error_preview)]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
