from __future__ import annotations

from django.core.management.base import BaseCommand

from questions.banks import load_rel_bank


class Command(BaseCommand):
    help = "Load the shipped REL 3-5 question bank as a published lens version (idempotent)."

    def handle(self, *args, **options) -> None:
        version = load_rel_bank()
        counts = version.pillars.count(), sum(p.questions.count() for p in version.pillars.all())
        self.stdout.write(
            f"REL 3-5 bank: {version} ({version.get_status_display().lower()}), "
            f"{counts[0]} pillar(s), {counts[1]} question(s)"
        )
