"""Bare reference views: what a page costs on this stack when it does almost nothing.

Served behind the product's whole middleware (session, authentication, CSRF, security
headers...) by ``bench/bench_http.py``, so the ratio of a product page to its reference is the
cost of the product's own work. Never in the product's URLs.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.views.decorators.http import require_POST

from reviews.models import Answer, Workload

# Rendered without the request: context processors could add queries of their own.
_PAGE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><title>{{ workload.name }}</title></head><body>'
    "<h1>{{ workload.name }}</h1><p>{{ workload.description }}</p>"
    "<p>{{ workload.get_environment_display }} · {{ user.get_username }}</p>"
    "<ul>{% for n in numbers %}<li>{{ n }}</li>{% endfor %}</ul></body></html>"
)


@require_POST
@login_required
def bare_update(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Session auth + 1 UPDATE (an answer's notes and version, as a save writes them)."""
    updated = Answer.objects.filter(pk=answer_id).update(
        notes=request.POST.get("notes", ""), version=F("version") + 1
    )
    return HttpResponse("saved" if updated else "missing", status=200 if updated else 404)


@login_required
def bare_select(request: HttpRequest, workload_id: int) -> HttpResponse:
    """Session auth + 1 SELECT + a small template."""
    workload = get_object_or_404(Workload, pk=workload_id)
    return HttpResponse(
        _PAGE.render({"workload": workload, "user": request.user, "numbers": range(10)})
    )
