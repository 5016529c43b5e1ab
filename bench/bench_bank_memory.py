"""Benchmark: memory a web process keeps for its bank cache with 20 published lenses loaded.

    make bench                      # every bench script, on the bench database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        ARCHREVIEW_TESTING=1 .venv/bin/python bench/bench_bank_memory.py

Migrates the database, builds 20 published 42-question imported lenses (7 choices and 2 risk
rules per question, like the largest shared custom lens) and the REL 3-5 bank inside a
transaction that is rolled back at the end, then loads every bank into the process's bank
cache (``reviews.selectors``) and reports what stays allocated (tracemalloc, Python objects)
and the growth of the process's resident set (VmRSS). Exits 1 above the 50 MB budget.
"""

from __future__ import annotations

import gc
import os
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from questions.banks import load_rel_bank  # noqa: E402
from reviews import selectors  # noqa: E402
from tests.factories import make_bank  # noqa: E402

LENSES = 20
BUDGET_MB = 50


class Rollback(Exception):
    pass


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    call_command("migrate", verbosity=0)
    result = 0
    try:
        with transaction.atomic():
            versions = [
                make_bank(questions=42, practices=6, kind="imported") for _ in range(LENSES)
            ]
            rel = load_rel_bank()
            selectors.bank_cache.clear()
            gc.collect()
            rss_before = rss_mb()
            tracemalloc.start()
            for version in versions:
                selectors.bank(version.pk)
            selectors.bank(rel.pk)
            gc.collect()
            kept, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_after = rss_mb()
            assert len(selectors.bank_cache) == LENSES + 1
            questions = sum(len(selectors.bank(v.pk).questions) for v in versions)
            kept_mb = kept / 2**20
            print(
                f"bank cache: {LENSES} lenses x 42 questions + REL 3-5 ({questions} + "
                f"{len(selectors.bank(rel.pk).questions)} questions): {kept_mb:.1f} MB kept "
                f"(tracemalloc; peak while building {peak / 2**20:.1f} MB), "
                f"{kept_mb / (LENSES + 1):.2f} MB per lens version; RSS "
                f"{rss_before:.0f} -> {rss_after:.0f} MB (+{rss_after - rss_before:.1f} MB)"
            )
            if kept_mb > BUDGET_MB:
                print(f"FAIL: the bank cache keeps more than {BUDGET_MB} MB")
                result = 1
            raise Rollback
    except Rollback:
        pass
    return result


if __name__ == "__main__":
    sys.exit(main())
