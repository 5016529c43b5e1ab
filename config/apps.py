from __future__ import annotations

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package doubles as a small app so that its operational model (the worker
    heartbeat), tasks and management commands are discovered like any other app's."""

    name = "config"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.connect(_say_signed_out, dispatch_uid="config.signed_out_message")


def _say_signed_out(sender, request, user, **kwargs) -> None:
    from django.contrib import messages

    # The session is flushed after this signal, but the message storage lives on the
    # request until the response is built, so the sign-in page shows it.
    if request is not None and hasattr(request, "_messages"):
        messages.info(request, "You have signed out.")
