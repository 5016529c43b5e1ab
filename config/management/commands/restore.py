"""manage.py restore FOLDER: restore a backup into an empty database and media folder."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database and media "
        "folder, which must both be empty. Start the web server and workers afterwards."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options) -> None:
        try:
            summary = backup_restore(folder=folder)
        except BackupError as exc:
            raise CommandError(f"nothing restored: {exc}") from None
        self.stdout.write(
            f"Restored the {summary.engine} database and {summary.files} file(s) from "
            f"{summary.folder}. Run `manage.py migrate` if this code is newer than the backup."
        )
