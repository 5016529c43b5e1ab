"""manage.py backup FOLDER: back up the running installation (database + reports)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and the media folder into "
        "FOLDER (new or empty), without stopping the web server or the workers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options) -> None:
        try:
            summary = backup_create(folder=folder)
        except BackupError as exc:
            raise CommandError(f"backup not made: {exc}") from None
        self.stdout.write(
            f"Backed up the {summary.engine} database and {summary.files} file(s) "
            f"({summary.bytes} bytes) to {summary.folder}."
        )
