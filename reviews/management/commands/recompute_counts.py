"""``manage.py recompute_counts [--check]``: rescore every lens review, report and fix drift.

The stored risk counts (per lens review and per workload) are written with every change that
moves them, so this should find nothing; it is the safety net after a restore, a manual SQL
fix or a bug. ``--check`` only reports, and exits with status 1 when anything drifted.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from reviews.services.counts import counts_recompute


class Command(BaseCommand):
    help = "Recompute the stored risk counts of every lens review and workload; report drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Report drift without fixing it (exit 1 if any)"
        )

    def handle(self, *args, check: bool, **options) -> None:
        drift = counts_recompute(fix=not check)
        for item in drift:
            self.stdout.write(f"drift: {item}")
        verb = "found" if check else "fixed"
        self.stdout.write(f"{len(drift)} stored count(s) {verb} out of date.")
        if check and drift:
            raise SystemExit(1)
