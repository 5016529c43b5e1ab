from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questions.importer import MAX_FILE_BYTES, LensFileError, lens_import


class Command(BaseCommand):
    help = (
        "Import an AWS Well-Architected custom-lens JSON file as a new draft version "
        "(or a new lens). Nothing is written if the file has any problem."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="publish the new version")
        parser.add_argument("--label", default="", help="version label, e.g. 2024-06")

    def handle(self, *args, file: Path, publish: bool, label: str, **options) -> None:
        try:
            with file.open("rb") as handle:
                # Read one byte past the limit: enough to refuse without loading a huge file.
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"{file}: cannot read the file ({exc.strerror})") from None
        try:
            result = lens_import(data=data, publish=publish, label=label)
        except LensFileError as exc:
            raise CommandError(
                f"{file}: not imported, {len(exc.problems)} problem(s):\n"
                + "\n".join(f"  {p}" for p in exc.problems)
            ) from None
        self.stdout.write(result.summary())
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
