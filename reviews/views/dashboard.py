from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # Placeholder until the dashboard (risk counts, progress, score) lands.
    return render(request, "reviews/dashboard.html", {})
