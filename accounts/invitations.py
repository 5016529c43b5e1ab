"""Invitations by e-mail: invite an address into a team with a role, resend, revoke, accept.

The link carries a random token (``secrets.token_urlsafe``, 256 bits); only its SHA-256 is
stored. Resending makes a new token and a new expiry, so an older link stops working. Accepting
locks the invitation row first, so a link used twice at once joins one person, once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.audit_actions import TeamAction
from accounts.models import Invitation
from accounts.teams import display_name, membership_add
from reviews import access
from reviews.models import GrantedRole, Membership, Team

log = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
NAME_MAX = 150


@dataclass(frozen=True)
class InvitationRefused(Exception):
    """A link that cannot be used, with the message for the person holding it."""

    message: str
    status: int  # 404 unknown link, 410 used/revoked/expired, 403 signed in as someone else


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=invitation.pk)
    )


# --- inviting ---------------------------------------------------------------------------------
@transaction.atomic
def invitation_create(
    *, actor, team: Team, email: str, role: GrantedRole, request=None
) -> tuple[Invitation, str]:
    """A new pending invitation and its token (the only time the token exists in clear)."""
    if not access.may_grant(actor, role):
        raise PermissionDenied("Only an administrator invites someone as an administrator.")
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.is_archived:
        raise ValidationError("This team is archived: restore it before inviting people.")
    email = normalise_email(email)
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is a member of {team.name} already."})
    open_ = Invitation.objects.pending().filter(team=team, email__iexact=email).first()
    if open_ is not None:
        if open_.status == Invitation.Status.PENDING:
            raise ValidationError(
                {"email": f"{email} has a pending invitation already: resend it from the list."}
            )
        open_.revoked_at = timezone.now()  # expired: replaced by the new one
        open_.save(update_fields=["revoked_at"])
    token, digest = _new_token()
    now = timezone.now()
    invitation = Invitation(
        team=team,
        email=email,
        role=role,
        token_hash=digest,
        invited_by=actor,
        sent_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean(exclude=["invited_by"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError({"email": f"{email} was invited a moment ago."}) from None
    audit_record(
        action=TeamAction.INVITATION_CREATED,
        actor=actor,
        request=request,
        target=invitation,
        team=team,
        data={"email": email, "role": role.value},
    )
    return invitation, token


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation, request=None) -> str:
    """A new token and a fresh expiry for a pending or expired invitation; the old link dies."""
    invitation = _locked(invitation)
    if invitation.status not in (Invitation.Status.PENDING, Invitation.Status.EXPIRED):
        raise ValidationError(f"This invitation was {invitation.get_status_display().lower()}.")
    if not access.may_grant(actor, invitation.role):
        raise PermissionDenied("Only an administrator resends an invitation as administrator.")
    token, invitation.token_hash = _new_token()
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + INVITATION_LIFETIME
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    audit_record(
        action=TeamAction.INVITATION_RESENT,
        actor=actor,
        request=request,
        target=invitation,
        team=invitation.team,
        data={"email": invitation.email},
    )
    return token


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation, request=None) -> Invitation:
    invitation = _locked(invitation)
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    if not access.may_grant(actor, invitation.role):
        raise PermissionDenied("Only an administrator revokes an invitation as administrator.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action=TeamAction.INVITATION_REVOKED,
        actor=actor,
        request=request,
        target=invitation,
        team=invitation.team,
        data={"email": invitation.email},
    )
    return invitation


def invitation_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("accounts:invitation_accept", args=[token]))


def invitation_send_mail(*, invitation: Invitation, token: str, request) -> bool:
    """Send the link; False (and a log line) when the mail server refused or was unreachable,
    so the page can say so and offer "Resend" instead of failing."""
    context = {
        "invitation": invitation,
        "team": invitation.team,
        "inviter": display_name(invitation.invited_by) if invitation.invited_by else "archreview",
        "url": invitation_url(request, token),
        "lifetime_days": INVITATION_LIFETIME.days,
    }
    subject = f"You are invited to join {invitation.team.name} on archreview"
    body = render_to_string("accounts/invitations/email.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email], fail_silently=False)
    except (smtplib.SMTPException, OSError):
        log.warning("Invitation %s: the mail could not be sent", invitation.pk, exc_info=True)
        return False
    return True


# --- accepting --------------------------------------------------------------------------------
def _refusal(invitation: Invitation | None) -> InvitationRefused | None:
    if invitation is None:
        return InvitationRefused(
            "This invitation link is not valid. Check that you opened the whole link from the "
            "mail, or ask for a new invitation.",
            404,
        )
    who = (
        display_name(invitation.invited_by)
        if invitation.invited_by
        else "the person who invited you"
    )
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        return InvitationRefused(
            "This invitation has been used already. Sign in with the account it created.", 410
        )
    if status == Invitation.Status.REVOKED:
        return InvitationRefused(
            f"This invitation was withdrawn. Ask {who} for a new one if you still need access.",
            410,
        )
    if invitation.team.is_archived:
        return InvitationRefused(
            f"The team {invitation.team.name} was archived and takes no new members. Ask {who} "
            "which team to join instead.",
            410,
        )
    if status == Invitation.Status.EXPIRED:
        return InvitationRefused(
            f"This invitation expired on {invitation.expires_at:%d %b %Y}. Ask {who} to "
            "send it again.",
            410,
        )
    return None


def invitation_for_token(token: str, *, user=None, lock: bool = False) -> Invitation:
    """The usable invitation behind ``token`` or ``InvitationRefused``; a signed-in ``user``
    must have the invited address."""
    invitations = Invitation.objects.select_related("team", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=token_hash(token)).first()
    refusal = _refusal(invitation)
    if refusal is not None:
        raise refusal
    assert invitation is not None
    signed_in = user is not None and user.is_authenticated
    if signed_in and normalise_email(user.email or "") != invitation.email:
        raise InvitationRefused(
            f"This invitation is for {invitation.email}, and you are signed in as "
            f"{user.get_username()}. Sign out, then open the link again.",
            403,
        )
    return invitation


def has_open_invitation(email: str) -> bool:
    """Whether ``email`` has an invitation that can still be accepted: for sign-up decisions
    elsewhere (single sign-on may create an account for an invited address)."""
    return (
        Invitation.objects.pending()
        .filter(
            email__iexact=normalise_email(email),
            expires_at__gt=timezone.now(),
            team__archived_at__isnull=True,
        )
        .exists()
    )


def existing_account(invitation: Invitation):
    return get_user_model().objects.filter(email__iexact=invitation.email).first()


def _mark_accepted(invitation: Invitation, user, request) -> Membership:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership = membership_add(
        team=invitation.team,
        user=user,
        role=GrantedRole(invitation.role),
        actor=invitation.invited_by,
        request=request,
    )
    audit_record(
        action=TeamAction.INVITATION_ACCEPTED,
        actor=user,
        request=request,
        target=invitation,
        team=invitation.team,
        data={"email": invitation.email, "role": invitation.role},
    )
    return membership


@transaction.atomic
def invitation_accept(*, token: str, user, request=None) -> Membership:
    """A signed-in user with the invited address joins the team."""
    invitation = invitation_for_token(token, user=user, lock=True)
    return _mark_accepted(invitation, user, request)


def username_for(email: str) -> str:
    """A free username from the address's local part: ``ada``, else ``ada2``, ``ada3``..."""
    User = get_user_model()  # noqa: N806
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0])[:140] or "user"
    taken = set(
        User.objects.filter(username__iregex=rf"^{re.escape(base)}[0-9]*$").values_list(
            "username", flat=True
        )
    )
    taken = {name.lower() for name in taken}
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def invitation_accept_new_user(*, token: str, name: str, password: str, request=None):
    """Create the invited person's account (the invited address, a name, a password), put them
    in the team and return the user. Nothing is written if any check fails."""
    invitation = invitation_for_token(token, lock=True)
    if existing_account(invitation) is not None:
        raise ValidationError(
            f"An account with {invitation.email} exists already: sign in to accept."
        )
    User = get_user_model()  # noqa: N806
    first, _, last = " ".join(name.split()).partition(" ")
    user = User(
        username=username_for(invitation.email),
        email=invitation.email,
        first_name=first[:NAME_MAX],
        last_name=last[:NAME_MAX],
    )
    password_validation.validate_password(password, user=user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _record_verified_address(user)
    _mark_accepted(invitation, user, request)
    return user


def _record_verified_address(user) -> None:
    """The invitation proved the address: tell allauth, when it is installed, so that signing
    in by e-mail and password reset work for it straight away."""
    if "allauth.account" not in settings.INSTALLED_APPS:
        return
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
