"""Rate limits on sign-in, password reset and invitation acceptance, answered with HTTP 429.

allauth counts the tries (its `ratelimit` module, in the shared Django cache) before a
password is hashed; what it lacks is the answer: it re-shows the form with a vague error.
Here a refused try raises `Throttled`, which `accounts.middleware.ThrottledMiddleware` turns
into a 429 page saying when to try again.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.http import HttpRequest


@dataclass
class Throttled(Exception):  # noqa: N818 - read as "raise Throttled(...)"
    """Too many tries: refused until `retry_at` (epoch seconds)."""

    retry_at: float
    scope: str  # "account" or "address"

    @property
    def retry_after(self) -> int:
        return max(1, int(self.retry_at - time.time()) + 1)

    @property
    def retry_at_datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.retry_at, tz=dt.UTC)


def _full_rates(request: HttpRequest, *, app: str, action: str, key: str | None, config=None):
    """Each rate of `action` that is used up now, with the time it frees a slot."""
    now = time.time()
    for rate in ratelimit.get_rates(app=app, action=action, config=config):
        if rate.per == "key" and key is None:
            continue
        cache_key = ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key)
        history = [ts for ts in cache.get(cache_key, []) if ts > now - rate.duration]
        if len(history) >= rate.amount:
            # Newest first: a slot frees when the oldest of the last `amount` tries expires.
            yield rate, history[rate.amount - 1] + rate.duration


def refusal(
    request: HttpRequest, *, action: str, key: str | None, app: str = "allauth.account", config=None
) -> Throttled:
    """The `Throttled` to raise for a try that allauth's counters refused just now."""
    full = list(_full_rates(request, app=app, action=action, key=key, config=config))
    if not full:  # the window moved on between the two reads: a short wait is still right
        return Throttled(retry_at=time.time() + 1, scope="address")
    rate, retry_at = max(full, key=lambda item: item[1])
    return Throttled(retry_at=retry_at, scope="account" if rate.per == "key" else "address")


def limit_or_raise(request: HttpRequest, *, action: str, key: str | None = None) -> None:
    """Count one POST of `action` (a key of ACCOUNT_RATE_LIMITS); raise `Throttled` if
    refused. A GET only shows a page and is not counted.

    For other apps' flows, e.g. invitation acceptance:
    ``limit_or_raise(request, action="accept_invitation", key=token)``.
    """
    from allauth.account import app_settings

    config = app_settings.RATE_LIMITS
    if not ratelimit.consume(request, app="allauth.account", action=action, key=key, config=config):
        raise refusal(request, action=action, key=key, config=config)
