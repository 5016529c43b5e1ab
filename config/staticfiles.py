"""collectstatic settings that keep `make run` and image builds fast."""

from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    # Bootstrap's right-to-left, grid-only, reboot-only and utilities-only builds are never
    # linked (base.html uses bootstrap.min.css and bootstrap.bundle.min.js); hashing and
    # compressing them doubled the time collectstatic takes.
    ignore_patterns = [
        *BaseStaticFilesConfig.ignore_patterns,
        "*.rtl.*",
        "bootstrap-grid*",
        "bootstrap-reboot*",
        "bootstrap-utilities*",
        # The API docs serve Swagger UI only (Redoc needs inline styles; DRF's browsable API
        # is off), so their 5 MB of assets are never linked either.
        "drf_spectacular_sidecar/redoc/*",
        "rest_framework",
    ]
