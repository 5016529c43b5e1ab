"""URLs of the accounts app (audit page, teams and people). Sign-in itself is allauth's,
under /accounts/."""

from __future__ import annotations

app_name = "accounts"

urlpatterns: list = []
