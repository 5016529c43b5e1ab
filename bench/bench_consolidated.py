"""Benchmark: a consolidated report over 200 workloads, rendered as the worker does it.

    make bench                      # every bench script, on the bench database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        .venv/bin/python bench/bench_consolidated.py --runs 3

Migrates the database, loads the REL 3-5 bank, builds 200 answered workloads of one team in
bulk (every fourth with a second, imported 4-question lens: 250 lens reviews) inside a
transaction that is rolled back at the end, then times
``consolidated_worker.consolidated_files(report)`` — the data tree (queries and scoring), the
PDF (WeasyPrint), the JSON and the CSV: everything the Celery task does between claiming the
row and storing the files — in this fresh process, like a worker child. Prints the cold first
render, the median and max of the warm ones, the share of the PDF, the sizes and the peak RSS.
Exits 1 if the median exceeds the budget.
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
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from questions.banks import load_rel_bank  # noqa: E402
from reviews import consolidated_data  # noqa: E402
from reviews.models import ConsolidatedReport, Team  # noqa: E402
from reviews.services.consolidated_worker import consolidated_files  # noqa: E402
from tests.factories import make_bank  # noqa: E402
from tests.reviews.bulk_workloads import bulk_workloads  # noqa: E402

WORKLOADS = 200
# A third of the task's soft time limit (REPORT_SOFT_TIME_LIMIT, 60 s): room for a machine
# under load before a render is stopped.
BUDGET_SECONDS = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="warm renders to time (default 2)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        team, _ = Team.objects.get_or_create(name="Benchmark team (consolidated)")
        workloads = bulk_workloads(
            team=team,
            version=load_rel_bank(),
            count=WORKLOADS,
            second=make_bank(questions=4, kind="imported"),
            prefix="Benchmark workload",
        )
        report = ConsolidatedReport(team=team, workload_ids=[w.pk for w in workloads])

        started = time.perf_counter()
        files = consolidated_files(report)
        cold = time.perf_counter() - started
        timings, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            files = consolidated_files(report)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        # The data tree alone (queries + scoring) and its query count.
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            data = consolidated_data.consolidated_data(team=team, workload_ids=report.workload_ids)
        data_time = time.perf_counter() - started
        queries = len(captured)
        transaction.set_rollback(True)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    median = statistics.median(timings)
    pages = len(PdfReader(io.BytesIO(files["pdf"])).pages)
    print(
        f"consolidated report, {WORKLOADS} workloads, {data['summary']['lens_reviews']} lens "
        f"reviews, {data['summary']['questions']} questions: PDF {pages} pages "
        f"{len(files['pdf']):,} bytes, JSON {len(files['json']):,} bytes, "
        f"CSV {len(files['csv']):,} bytes"
    )
    print(f"data tree alone: {data_time:.3f} s, {queries} queries")
    print(f"cold first render (PDF + JSON + CSV): {cold:.3f} s")
    print(
        f"warm renders ({args.runs}): median {median:.3f} s, min {min(timings):.3f} s, "
        f"max {max(timings):.3f} s; CPU time median {statistics.median(cpu):.3f} s"
    )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    print(f"peak RSS of this worker-like process: {peak_mib:.0f} MiB")
    ok = median <= BUDGET_SECONDS
    print(f"budget {BUDGET_SECONDS} s median: {'OK' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
