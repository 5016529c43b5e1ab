"""Swagger UI from drf-spectacular-sidecar's local copy, with no inline script or style.

The split view serves Swagger UI's init script as its own URL (``?script``) so the page
needs neither ``'unsafe-inline'`` nor a nonce under a strict Content-Security-Policy. Redoc is
not offered: it injects ``<style>`` elements at run time, which such a policy blocks.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerUIView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "archreview API"
