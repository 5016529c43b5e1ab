from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import oidc
from config import views

# The admin has no sign-in page of its own: it sends people to ours, which is rate-limited,
# audited and offers two-factor and single sign-on.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("csp-report/", views.csp_report, name="csp_report"),
    # allauth's OpenID Connect views, with the ID token's signature and nonce always checked
    # (accounts/oidc.py); listed before allauth's own at the same addresses.
    path("accounts/oidc/<str:provider_id>/login/", oidc.login, name="sso_login"),
    path("accounts/oidc/<str:provider_id>/login/callback/", oidc.callback, name="sso_callback"),
    path("accounts/", include("allauth.urls")),
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
handler429 = "accounts.middleware.too_many_tries"  # allauth's rate limits answer with it
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
