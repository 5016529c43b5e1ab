"""API tokens: create (the secret is returned once), revoke, authenticate."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_record
from api.audit_actions import ApiAction
from api.models import ApiToken, TokenScope

TOKEN_PREFIX = "arv_"  # noqa: S105 - a marker, not a secret
MAX_TOKENS_PER_USER = 50
# last_used_at is written at most this often per token, so a busy pipeline does not turn
# every read into a write; the UPDATE still runs (matching nothing) to keep queries fixed.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _split(token: str) -> str | None:
    """The lookup prefix of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 8 or len(secret) < 32:
        return None
    return prefix


@transaction.atomic
def token_create(
    *, user, name: str, scope: str, expires_at: datetime | None = None, request=None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token text (never stored)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the pipeline that uses it."})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": "Choose read only or read and write."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry date must be in the future."})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            f"You have {MAX_TOKENS_PER_USER} tokens already. Revoke one you no longer use."
        )
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=token_digest(token),
        scope=scope,
        expires_at=expires_at,
    )
    audit_record(
        action=ApiAction.TOKEN_CREATED,
        actor=user,
        request=request,
        target=row,
        data={"scope": scope, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return row, token


@transaction.atomic
def token_revoke(*, token: ApiToken, request=None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
        if revoked:
            audit_record(
                action=ApiAction.TOKEN_REVOKED, actor=token.user, request=request, target=token
            )
    return token


def token_authenticate(token: str) -> ApiToken | None:
    """The usable token row (with its user) for ``token``, else None. Two queries: the
    lookup and the last-used stamp."""
    prefix = _split(token)
    if prefix is None:
        return None
    now = timezone.now()
    row = (
        ApiToken.objects.usable(now)
        .select_related("user")
        .filter(prefix=prefix, user__is_active=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.digest, token_digest(token)):
        return None
    stale = now - LAST_USED_RESOLUTION
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=row.pk
    ).update(last_used_at=now)
    return row
