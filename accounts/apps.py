from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People and their traces: sign-in, sessions, SSO, throttling and the audit trail."""

    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import receivers

        receivers.connect()
