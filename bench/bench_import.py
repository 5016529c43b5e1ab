"""Benchmark: importing the largest custom-lens file we ship as test data.

    make bench                      # every bench script, on the test database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        .venv/bin/python bench/bench_import.py --runs 9

Migrates the database, then times ``lens_import`` (read, validate, write every row in one
transaction: what ``manage.py import_lens`` and the admin upload run) on the largest file in
tests/questions/data/lenses/. Each run happens inside a transaction that is rolled back, so
the database is left as it was. Prints the cold first run, the median and max of the warm runs
and the file's size and counts. Exits 1 if the median exceeds the budget.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from questions.importer import lens_import  # noqa: E402

BUDGET_SECONDS = 2.0
LENSES = ROOT / "tests" / "questions" / "data" / "lenses"


class _Rollback(Exception):
    pass


def _timed_import(data: bytes):
    result = None
    start = time.perf_counter()
    try:
        with transaction.atomic():
            result = lens_import(data=data, publish=True)
            elapsed = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="warm runs after the cold one")
    parser.add_argument("--file", type=Path, help="lens file (default: the largest test lens)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    path = args.file or max(LENSES.glob("*.json"), key=lambda p: p.stat().st_size)
    data = path.read_bytes()
    cold, result = _timed_import(data)
    warm = [_timed_import(data)[0] for _ in range(args.runs)]
    median = statistics.median(warm)
    print(
        f"import {path.name} ({len(data) / 1024:.0f} KB: {result.pillars} pillars, "
        f"{result.questions} questions, {result.practices} best practices, published)"
    )
    print(
        f"  cold {cold * 1000:.0f} ms; warm median {median * 1000:.0f} ms, "
        f"max {max(warm) * 1000:.0f} ms over {args.runs} runs; budget {BUDGET_SECONDS:.1f} s"
    )
    if median > BUDGET_SECONDS:
        print(f"  OVER BUDGET: median {median:.2f} s > {BUDGET_SECONDS:.1f} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
