"""Benchmark: the streamed CSV export of improvement items keeps its memory flat.

    make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        ARCHREVIEW_TESTING=1 .venv/bin/python bench/bench_export.py

Bulk-inserts 1,000 and then 10,000 items (inside a transaction that is rolled back), downloads
``/items/export.csv?status=all`` through Django's test client as a lead and consumes the stream
chunk by chunk, measuring the Python heap's peak with ``tracemalloc`` during the download.
Flat means: ten times the rows costs at most 1.5 times the peak. Exits 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from questions.banks import load_rel_bank  # noqa: E402
from questions.models import Question  # noqa: E402
from reviews.models import ImprovementItem, LensReview, Membership, Team, Workload  # noqa: E402
from reviews.services.lens_reviews import lens_review_add  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

FLAT_RATIO = 1.5


def add_items(workload: Workload, question: Question, start: int, count: int) -> None:
    lens_review = LensReview.objects.get(workload=workload)
    ImprovementItem.objects.bulk_create(
        [
            ImprovementItem(
                lens_review=lens_review,
                workload=workload,
                pillar_ref=question.pillar.ref,
                question_ref=question.ref,
                practice_ref=f"bench-{n}",
                question=question,
                practice_title=f"Practice {n} with a title of ordinary length",
                risk="HIGH",
                notes="=cmd|' /C calc'!A0 and a note of a few dozen characters " * 2,
            )
            for n in range(start, start + count)
        ],
        batch_size=2000,
    )


def download(client: Client) -> tuple[int, int, float]:
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get("/items/export.csv", {"status": "all"})
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, lines, elapsed


def main() -> int:
    call_command("migrate", verbosity=0)
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    results = {}
    with transaction.atomic():
        version = load_rel_bank()
        question = Question.objects.select_related("pillar").filter(pillar__version=version)[0]
        team = Team.objects.create(name="Export benchmark team")
        user = UserFactory(username="export-bench")
        Membership.objects.create(user=user, team=team, role="lead")
        workload = Workload.objects.create(team=team, name="Export benchmark", description="x")
        lens_review_add(workload=workload, lens_version=version, user=user)
        client = Client()
        client.force_login(user)
        download(client)  # warm: imports, template and URL caches
        done = 0
        for total in (1_000, 10_000):
            add_items(workload, question, done, total - done)
            done = total
            peak, lines, elapsed = download(client)
            assert lines == total + 1, (lines, total)
            results[total] = peak
            print(
                f"CSV export, {total:,} items: {elapsed:.2f} s, "
                f"peak Python heap during the download {peak / 1024:.0f} KiB"
            )
        transaction.set_rollback(True)
    ratio = results[10_000] / results[1_000]
    ok = ratio <= FLAT_RATIO
    print(
        f"10x the items, {ratio:.2f}x the peak (flat means <= {FLAT_RATIO}): "
        f"{'OK' if ok else 'NOT FLAT'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
