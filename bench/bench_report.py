"""Benchmark: the full REL 3-5 PDF report, notes on every question, rendered like a worker does.

    make bench                      # every bench script, on the test database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        .venv/bin/python bench/bench_report.py --runs 9

Migrates the database, loads the REL 3-5 bank, writes an answered workload inside a
transaction that is rolled back at the end (the database is left as it was), then times
``render_pdf(build_context(workload))`` — exactly what the Celery task runs — in this fresh
process, like a worker child. Prints the cold first render, the median and max of the warm
renders and the peak RSS of the process. Exits 1 if the median exceeds the budget.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from questions.banks import load_rel_bank  # noqa: E402
from questions.models import Choice, Question  # noqa: E402
from reviews import pdf as report_pdf  # noqa: E402
from reviews.models import Answer, Team, Workload  # noqa: E402
from reviews.report_context import build_context  # noqa: E402
from reviews.services.workloads import workload_create  # noqa: E402
from tests.factories import lens_review_of, store_counts  # noqa: E402

BUDGET_SECONDS = 1.5
NOTE = (
    "We discussed this with the platform team on the review call. The current design meets "
    "the practice for the payment flows but not yet for the reporting jobs, which still call "
    "the ledger synchronously; the owners plan to move them behind a queue next quarter. "
    "Evidence: the architecture diagram (v7), the runbook and the last game-day notes. "
) * 6  # ~1,900 characters: close to the 2,084-character limit on notes


def _answered_workload() -> Workload:
    version = load_rel_bank()
    team, _ = Team.objects.get_or_create(name="Benchmark team")
    workload = workload_create(
        team=team,
        user=None,
        data={
            "name": "Benchmark: Payments Platform",
            "description": "A workload answered for the report benchmark.",
        },
        lens_version=version,
    )
    for n, question in enumerate(Question.objects.filter(pillar__version=version)):
        refs = list(
            Choice.objects.filter(question=question, is_none=False)
            .order_by("order")
            .values_list("ref", flat=True)
        )
        # Follow a different share of the practices per question, so every section has both
        # followed and missing practices and the plan has items of each risk.
        Answer.objects.create(
            lens_review=lens_review_of(workload),
            question=question,
            selected=refs[: max(1, len(refs) // (2 + n % 2))],
            choices_not_applicable={refs[-1]: {"reason": "OUT_OF_SCOPE", "note": NOTE[:200]}},
            notes=NOTE,
        )
    return store_counts(workload)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="warm renders to time (default 9)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        workload = _answered_workload()
        started = time.perf_counter()
        pdf = report_pdf.render_pdf(build_context(workload))
        cold = time.perf_counter() - started
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            pdf = report_pdf.render_pdf(build_context(workload))
            timings.append(time.perf_counter() - started)
        transaction.set_rollback(True)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    median = statistics.median(timings)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"REL 3-5 report, notes on every question: {pages} pages, {len(pdf):,} bytes")
    print(f"cold first render: {cold:.3f} s")
    print(
        f"warm renders ({args.runs}): median {median:.3f} s, min {min(timings):.3f} s, "
        f"max {max(timings):.3f} s"
    )
    print(f"peak RSS of this worker-like process: {peak_mib:.0f} MiB")
    ok = median <= BUDGET_SECONDS
    print(f"budget {BUDGET_SECONDS} s median: {'OK' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
