from __future__ import annotations

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package doubles as a small app so that its operational model (the worker
    heartbeat), tasks and management commands are discovered like any other app's."""

    name = "config"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"
