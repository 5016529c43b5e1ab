from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def sso(request: HttpRequest) -> dict:
    """The single sign-on button, when OIDC is configured (no database query)."""
    if not settings.OIDC_ISSUER:
        return {"sso": None}
    return {
        "sso": {
            "label": settings.OIDC_BUTTON_LABEL,
            "url": reverse("openid_connect_login", kwargs={"provider_id": "sso"}),
        }
    }
