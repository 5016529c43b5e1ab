"""``manage.py render_report WORKLOAD_ID [--milestone ID] -o FILE``: a PDF report, synchronously.

The same ``build_context`` + ``render_pdf`` the Celery task uses, without a broker or a row in
the reports table: handy for checking a template change or rendering on a machine with no
worker.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews import pdf as report_pdf
from reviews.models import Milestone, Workload
from reviews.report_context import build_context


class Command(BaseCommand):
    help = "Render a workload's PDF review report (or a milestone's) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("workload_id", type=int, help="The workload's id")
        parser.add_argument("--milestone", type=int, help="A milestone of that workload")
        parser.add_argument(
            "-o", "--output", required=True, help="Where to write the PDF ('-' for stdout)"
        )

    def handle(self, *args, workload_id: int, milestone: int | None, output: str, **options):
        try:
            workload = Workload.objects.select_related("team").get(pk=workload_id)
        except Workload.DoesNotExist:
            raise CommandError(f"No workload with id {workload_id}.") from None
        snapshot = None
        if milestone is not None:
            snapshot = Milestone.objects.filter(pk=milestone, workload=workload).first()
            if snapshot is None:
                raise CommandError(f"Workload {workload_id} has no milestone with id {milestone}.")
        if output != "-" and not Path(output).parent.is_dir():
            raise CommandError(f"The folder for {output} does not exist.")
        started = time.perf_counter()
        pdf = report_pdf.render_pdf(build_context(workload, milestone=snapshot))
        elapsed = time.perf_counter() - started
        if output == "-":
            sys.stdout.buffer.write(pdf)
            return
        Path(output).write_bytes(pdf)
        self.stderr.write(f"Wrote {output}: {len(pdf):,} bytes in {elapsed:.2f} s")
