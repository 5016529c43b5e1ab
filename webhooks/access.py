"""Who may manage webhooks: admins (staff) only.

Pages without an object are a 403 for everyone else; an endpoint or delivery is a 404 for
everyone else, so a user who is not an admin learns nothing about what exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from webhooks.models import Delivery, Endpoint


def require_admin(user) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied


def get_endpoint_or_404(user, endpoint_id: int) -> Endpoint:
    if not (user.is_authenticated and user.is_staff):
        raise Http404("No such endpoint")
    try:
        return Endpoint.objects.select_related("team").get(pk=endpoint_id)
    except Endpoint.DoesNotExist:
        raise Http404("No such endpoint") from None


def get_delivery_or_404(user, endpoint_id: int, delivery_id: int) -> Delivery:
    """One query: the delivery with its endpoint."""
    if not (user.is_authenticated and user.is_staff):
        raise Http404("No such delivery")
    try:
        return Delivery.objects.select_related("endpoint", "requested_by").get(
            pk=delivery_id, endpoint_id=endpoint_id
        )
    except Delivery.DoesNotExist:
        raise Http404("No such delivery") from None
