"""Project-level views: health check and the styled error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    from config.health import check_broker, check_database

    status = {"database": check_database(), "broker": check_broker()}
    ok = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if ok else 503)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever failed may fail again while rendering it.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def server_error_preview(request: HttpRequest) -> HttpResponse:
    return server_error(request)
