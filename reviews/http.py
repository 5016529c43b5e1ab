"""The request our views receive, for type checking: Django's ``HttpRequest`` plus what the
middleware adds (django-htmx's ``request.htmx``), with a signed-in user (every view in
``reviews/views`` is behind ``login_required`` or the access checks)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AppRequest(HttpRequest):
    user: User  # narrowed: these views are for signed-in users
    htmx: HtmxDetails
