"""Create an API token for a user and print it (once) on stdout, e.g. for a CI secret.

python manage.py api_token_create alice "release pipeline" --scope write --expires-days 90
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import TokenScope
from api.services import token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it; only its hash is stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What uses the token, e.g. 'release pipeline'.")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--expires-days", type=int, default=None, metavar="N")

    def handle(self, *args, username: str, name: str, scope: str, expires_days, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            _row, token = token_create(user=user, name=name, scope=scope, expires_at=expires_at)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(token)
