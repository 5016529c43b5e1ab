"""Create the first administrator, once. `make run` calls it on every start."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create a superuser if none exists. The password comes from ARCHREVIEW_ADMIN_PASSWORD, "
        "or is generated and printed once. Does nothing when an administrator exists already."
    )

    def handle(self, *args, **options) -> None:
        User = get_user_model()  # noqa: N806 - the conventional name for the user model
        username = os.environ.get("ARCHREVIEW_ADMIN_USERNAME", "admin")
        password = os.environ.get("ARCHREVIEW_ADMIN_PASSWORD", "")
        with transaction.atomic():
            if User.objects.filter(is_superuser=True).exists():
                self.stdout.write("An administrator exists already; no account created.")
                return
            if User.objects.filter(username=username).exists():
                raise CommandError(
                    f"A user named {username!r} exists but is not an administrator. Set "
                    "ARCHREVIEW_ADMIN_USERNAME to another name, or promote that user in a shell."
                )
            generated = not password
            if generated:
                password = secrets.token_urlsafe(16)
            else:
                # The same validators (AUTH_PASSWORD_VALIDATORS) as every password change.
                try:
                    validate_password(password, User(username=username))
                except ValidationError as exc:
                    raise CommandError(
                        "ARCHREVIEW_ADMIN_PASSWORD is refused: "
                        + " ".join(exc.messages)
                        + " Choose a longer, uncommon passphrase, or unset the variable to "
                        "have one generated."
                    ) from None
            User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created the administrator {username!r}."))
        if generated:
            # Printed once: only its hash is stored, so it cannot be shown again.
            self.stdout.write(
                f"  username: {username}\n  password: {password}\n"
                "Write the password down now; change it after signing in."
            )
