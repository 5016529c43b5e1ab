from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from questions.exporter import version_export_bytes
from questions.models import Lens, LensVersion


class Command(BaseCommand):
    help = (
        "Export a lens version as AWS custom-lens JSON. LENS is the lens slug, name or id; "
        "without --version, the latest published version (or the latest version if none is)."
    )

    def add_arguments(self, parser) -> None:
        # Django's own --version (the framework version) would clash with ours; ours wins.
        parser.conflict_handler = "resolve"
        for group in parser._action_groups:
            group.conflict_handler = "resolve"
        parser.add_argument("lens")
        parser.add_argument("--version", type=int, dest="number", help="version number")
        parser.add_argument("-o", "--output", type=Path, help="file to write ('-' for stdout)")

    def handle(self, *args, lens: str, number: int | None, output: Path | None, **opts) -> None:
        match = Q(slug=lens) | Q(name=lens)
        if lens.isdigit():
            match |= Q(pk=int(lens))
        found = Lens.objects.filter(match).first()
        if found is None:
            raise CommandError(f"no lens with slug, name or id {lens!r}")
        versions = LensVersion.objects.filter(lens=found).select_related("lens")
        if number is not None:
            version = versions.filter(number=number).first()
            if version is None:
                raise CommandError(f"{found.name} has no version {number}")
        else:
            version = (
                versions.filter(status=LensVersion.Status.PUBLISHED).order_by("-number").first()
                or versions.order_by("-number").first()
            )
            if version is None:
                raise CommandError(f"{found.name} has no versions")
        data = version_export_bytes(version)
        if output is None or str(output) == "-":
            sys.stdout.buffer.write(data)
            return
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write ({exc.strerror})") from None
        self.stdout.write(f"Exported {version} to {output} ({len(data)} bytes)")
