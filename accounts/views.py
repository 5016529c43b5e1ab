"""The audit page (admins only) and its CSV download."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import selectors
from accounts.forms import AuditFilterForm

AUDIT_PAGE_SIZE = 50
CSV_COLUMNS = [
    "time",
    "action",
    "who",
    "target type",
    "target id",
    "target",
    "team",
    "client address",
    "data",
]


def _require_admin(request: HttpRequest) -> None:
    # 404, not 403: the page's existence is nobody else's business.
    if not request.user.is_staff:
        raise Http404


def _filtered(request: HttpRequest):
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions())
    return form, selectors.audit_events(**form.filters())


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form, events = _filtered(request)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "nav": "audit"},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events) -> Iterator[str]:
    import json

    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                timezone.localtime(event.occurred_at).isoformat(timespec="seconds"),
                event.action,
                event.actor_label,
                event.target_type,
                event.target_id,
                _csv_safe(event.target_label),
                _csv_safe(event.team.name if event.team else ""),
                event.client_address or "",
                _csv_safe(json.dumps(event.data, sort_keys=True)),
            ]
        )


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    _require_admin(request)
    form, events = _filtered(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="archreview-audit-{stamp}.csv"'
    return response
