"""Project-level views: health check and the styled error pages."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

csp_logger = logging.getLogger("archreview.csp")
# A report is a few hundred bytes; anything far larger is not a browser's report.
CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_REPORT_FIELDS = (
    "document-uri",
    "violated-directive",
    "effective-directive",
    "blocked-uri",
    "source-file",
    "line-number",
    "column-number",
    "script-sample",
)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    from config.health import check_broker, check_database

    status = {"database": check_database(), "broker": check_broker()}
    ok = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if ok else 503)


@csrf_exempt  # browsers post reports without our token
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Logs a Content-Security-Policy violation report (``report-uri``) as one warning line.

    Anyone can post here, so the body is capped, only the known fields are kept and each is
    cut short: the log cannot be flooded with large or arbitrary text through this door.
    """
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body)["csp-report"]
        if not isinstance(report, dict):
            return HttpResponse(status=400)
        fields = {key: str(report[key])[:300] for key in CSP_REPORT_FIELDS if key in report}
    except (ValueError, KeyError, TypeError, RecursionError):
        return HttpResponse(status=400)
    csp_logger.warning("CSP violation: %s", json.dumps(fields, sort_keys=True))
    return HttpResponse(status=204)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Rendered without the request: it is malformed (too many fields, an unknown host...) and
    # reading it again for the navigation could fail the same way.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/400.html").render(), status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # Most often a form left open past a sign-in or sign-out elsewhere: rendering the page
    # issues a fresh token, so going back and reloading is enough. Django's reason is for
    # developers and stays out of the page.
    return render(request, "errors/403_csrf.html", status=403)


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
