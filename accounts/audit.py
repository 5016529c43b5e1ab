"""Write audit events: the one entry point every app uses.

    from accounts.audit import audit_record
    audit_record(action=ReviewAction.ARCHIVED, actor=request.user, request=request,
                 target=workload, team=workload.team, data={"reason": ...})

Call it inside the transaction of the change it records, so both commit or neither does.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts.models import AuditEvent
from config import rawsql

_LABEL_MAX = AuditEvent._meta.get_field("target_label").max_length or 200
_ACTOR_MAX = AuditEvent._meta.get_field("actor_label").max_length or 254


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as the server saw it (REMOTE_ADDR).

    Behind a reverse proxy, the proxy must set REMOTE_ADDR (gunicorn's forwarded-allow-ips);
    a client-supplied X-Forwarded-For is never trusted here, or anyone could choose the
    address they are recorded (and throttled) under.
    """
    if request is None:
        return None
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    team: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Store one audit event and return it.

    - `action`: a dotted string, usually a member of an app's `StrEnum`.
    - `actor`: the user who acted; defaults to `request.user` when signed in. An anonymous
      actor (a failed sign-in) is recorded by the name in `data["username"]` if given.
    - `request`: gives the client address (and the actor when `actor` is None).
    - `target`: any saved model instance, stored as "app_label.model", its pk and `str()`.
    - `team`: a `reviews.Team` (or its id) the event belongs to, for filtering.
    - `data`: small JSON-serialisable details (never secrets).
    """
    event = _event(action=action, actor=actor, request=request, target=target, team=team, data=data)
    event.save()
    return event


def audit_records(*, actor: Any = None, team: Any = None, entries: list[dict[str, Any]]) -> None:
    """Store several events of one actor and team in one INSERT; each entry holds ``action``
    and optionally ``target`` and ``data`` (as ``audit_record`` takes them). A hand-written
    INSERT (``config.rawsql``): a save whose answer moves improvement items records them."""
    rawsql.insert(audit_events(actor=actor, team=team, entries=entries))


def audit_events(
    *, actor: Any = None, team: Any = None, entries: list[dict[str, Any]]
) -> list[AuditEvent]:
    """``audit_records``' events, unsaved: for a caller that writes them in its own statement
    (``answer_save`` does, with the answer)."""
    return [_event(actor=actor, team=team, **entry) for entry in entries]


def _event(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    team: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    data = dict(data or {})
    actor_label = actor.get_username() if actor is not None else str(data.get("username", ""))
    event = AuditEvent(
        action=str(action),
        actor=actor,
        actor_label=actor_label[:_ACTOR_MAX],
        client_address=client_address(request),
        data=data,
    )
    if target is not None:
        event.target_type = target._meta.label_lower
        event.target_id = str(target.pk) if target.pk is not None else ""
        event.target_label = str(target)[:_LABEL_MAX]
    if team is not None:
        if isinstance(team, models.Model):
            event.team = team
        else:
            event.team_id = team
    return event
