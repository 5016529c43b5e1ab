"""Per-token (or per signed-in user) request rate, answered with 429 and Retry-After."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    scope = "api"
    # Its own cache: Redis with CACHE_URL, else per-process memory, so an API request does
    # not pay the database cache's queries (the sign-in limits' default).
    cache = caches["api"]

    def get_rate(self) -> str | None:
        # Read on each request (not at import) so the setting can change in tests.
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
