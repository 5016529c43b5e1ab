"""``manage.py backfill_items [--check] [--workload ID ...]``: improvement items for every
answer, through the same sync as a lens upgrade; reports what it did.

Items are created by ``answer_save``, so answers saved before items existed (the migration that
added them wrote none) have none until this runs. Afterwards it is the safety net after a
restore, a manual SQL fix or a bug, like ``recompute_counts``: it should find nothing, and
running it twice creates nothing the second time. ``--check`` only reports (the sync runs and
is rolled back), and exits with status 1 when anything drifted.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from reviews.services.items import items_backfill


class Command(BaseCommand):
    help = "Create, resolve or reopen the improvement items the answers call for; report drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Report drift without fixing it (exit 1 if any)"
        )
        parser.add_argument(
            "--workload",
            type=int,
            action="append",
            metavar="ID",
            help="Only this workload (repeat for several); default: all",
        )

    def handle(self, *args, check: bool, workload: list[int] | None, **options) -> None:
        drift = items_backfill(fix=not check, workload_ids=workload)
        for entry in drift:
            self.stdout.write(f"{'drift' if check else 'fixed'}: {entry}")
        totals = {
            what: sum(getattr(entry, what) for entry in drift)
            for what in ("created", "resolved", "reopened", "rerated")
        }
        summary = (
            f"{totals['created']} item(s) created, {totals['resolved']} resolved, "
            f"{totals['reopened']} reopened, {totals['rerated']} re-rated"
        )
        if check:
            self.stdout.write(
                f"{len(drift)} lens review(s) out of date; a backfill would give: {summary}."
            )
            if drift:
                raise SystemExit(1)
        else:
            self.stdout.write(f"{summary} in {len(drift)} lens review(s).")
