"""PDF review reports: a context -> PDF bytes (print template + WeasyPrint + a safe fetcher).

Only the worker side imports this module (WeasyPrint takes a second to load and a lot of
memory): ``reviews.report_context.build_context`` gathers what the template shows,
``render_pdf`` turns it into bytes and needs no broker, so the Celery task, the
``render_report`` command and the benchmark all call the same two functions.

Safety: WeasyPrint fetches whatever an ``<img>``, ``<link>`` or CSS ``url()`` points at. User text
is autoescaped by the template, so notes never become elements; on top of that the URL fetcher
serves only our own static files (``archreview-static:<path>``, resolved by the staticfiles
finders) and refuses every other URL, so no template mistake can make a report read the
server's files or reach its network.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "archreview-static"
LOGO_SCHEME = "archreview-logo"  # the organisation's logo file from the settings, nothing else
TEMPLATE = "reports/report.html"
CONSOLIDATED_TEMPLATE = "reports/consolidated.html"  # many workloads of a team
STYLESHEET = "reports/report.css"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF with the metadata screen readers need


class ReportFetchRefused(ValueError):
    """A report tried to load something other than one of our static files."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``archreview-static:<path>`` from the staticfiles finders; refuses anything else.

    http/https would let a report reach the network (SSRF), file: would read the server's
    files, and data: is refused too: our templates never need it (the chart is inline SVG, the
    stylesheet is passed in), and a one-scheme allowlist is easier to trust than a list of
    exceptions — a ``<link rel="attachment" href="data:...">`` slipping into a template would
    otherwise embed arbitrary content.
    """

    def __init__(self) -> None:
        # Refusals are logged and skipped, never fatal: a report still renders without the
        # refused resource.
        super().__init__(allowed_protocols=[STATIC_SCHEME, LOGO_SCHEME], allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url == f"{LOGO_SCHEME}:" and settings.ARCHREVIEW_ORG_LOGO:
            # The one file the operator named in ARCHREVIEW_ORG_LOGO (checked at start-up).
            logo = settings.ARCHREVIEW_ORG_LOGO
            with open(logo, "rb") as handle:
                body = handle.read(512 * 1024 + 1)
            content_type = mimetypes.guess_type(logo)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body[: 512 * 1024], {"Content-Type": content_type})
        prefix = f"{STATIC_SCHEME}:"
        if not url.startswith(prefix):
            raise ReportFetchRefused(f"Reports may only load our static files, not {url[:200]!r}")
        relative = url.removeprefix(prefix).lstrip("/").split("?", 1)[0].split("#", 1)[0]
        # finders.find refuses absolute paths and "..": it joins with safe_join.
        try:
            path = finders.find(relative) if relative else None
        except Exception as exc:  # SuspiciousFileOperation and friends
            raise ReportFetchRefused(f"Not a static file: {relative!r}") from exc
        if not path or isinstance(path, list):
            raise ReportFetchRefused(f"No such static file: {relative!r}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


# --- Rendering --------------------------------------------------------------------------------
@cache
def _stylesheet() -> CSS:
    # Parsed once per worker process: the stylesheet is ours and the same for every report.
    return CSS(
        string=render_to_string(STYLESHEET),
        base_url=f"{STATIC_SCHEME}:/",
        url_fetcher=StaticOnlyURLFetcher(),
    )


def render_html(context: dict[str, Any]) -> str:
    return render_to_string(TEMPLATE, context)


def render_pdf(context: dict[str, Any]) -> bytes:
    """The report as PDF bytes. Pure apart from reading templates and static files."""
    return html_to_pdf(render_html(context))


def render_consolidated_pdf(context: dict[str, Any]) -> bytes:
    """A consolidated report (``reviews.consolidated_data.pdf_context``) as PDF bytes."""
    return html_to_pdf(render_to_string(CONSOLIDATED_TEMPLATE, context))


def html_to_pdf(html: str) -> bytes:
    """Print ``html`` with the report stylesheet; only our static files can be fetched."""
    document = HTML(string=html, base_url=f"{STATIC_SCHEME}:/", url_fetcher=StaticOnlyURLFetcher())
    return document.write_pdf(stylesheets=[_stylesheet()], pdf_variant=PDF_VARIANT)
