"""Benchmark: the risk dashboard with 10,000 workloads, each reviewed with three lenses.

    make bench                      # every bench script, on the test database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        ARCHREVIEW_TESTING=1 .venv/bin/python bench/bench_dashboard.py \
        --workloads 10000 --lenses 3 --runs 9

Migrates the database, loads the REL 3-5 bank and two sample custom lenses, and bulk-inserts
the workloads, their lens reviews (with stored counts) and answers inside a transaction that
is rolled back at the end (the database is left as it was), then requests ``/`` as a team
member through Django's test client: full middleware, view, filtering, sorting and paging on
the stored counts, and template. Prints the query count, the cold first request and the
median and max of the warm ones. Exits 1 if the median exceeds the budget or the query count
differs from the test's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from questions.banks import load_rel_bank  # noqa: E402
from questions.importer import lens_import  # noqa: E402
from reviews.models import Membership, Team  # noqa: E402
from tests.factories import UserFactory  # noqa: E402
from tests.reviews.dashboard_data import populate_workloads  # noqa: E402
from tests.reviews.test_dashboard import DASHBOARD_QUERIES  # noqa: E402

BUDGET_SECONDS = 0.1
LENSES = Path(__file__).resolve().parent.parent / "tests" / "reviews" / "data" / "lenses"
EXTRA_LENSES = ["orr-whitepaper-sample.json", "connect-reliability.json"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--lenses", type=int, default=3, choices=[1, 2, 3])
    parser.add_argument("--runs", type=int, default=9, help="warm requests to time (default 9)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with transaction.atomic():
        versions = [load_rel_bank()] + [
            lens_import(data=(LENSES / name).read_bytes(), publish=True).version
            for name in EXTRA_LENSES[: args.lenses - 1]
        ]
        team = Team.objects.create(name="Dashboard benchmark team")
        user = UserFactory(username="dashboard-bench")
        Membership.objects.create(user=user, team=team, role="lead")
        started = time.perf_counter()
        populate_workloads(team=team, versions=versions, count=args.workloads)
        setup = time.perf_counter() - started
        client = Client()
        client.force_login(user)

        # request_started empties the query log; start from an empty one so the count is right
        reset_queries()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/", {"sort": "score"})
        cold = time.perf_counter() - started
        # captured_queries is read lazily from the log that the next requests empty: count now
        query_count = len(queries)
        assert response.status_code == 200, response.status_code
        assert f"{args.workloads} workloads" in response.content.decode()
        timings = []
        for n in range(args.runs):
            params = [{"sort": "score"}, {"sort": "-high", "page": 3}, {"sort": "name"}][n % 3]
            started = time.perf_counter()
            client.get("/", params)
            timings.append(time.perf_counter() - started)
        transaction.set_rollback(True)

    median = statistics.median(timings)
    print(
        f"dashboard, {args.workloads:,} workloads x {args.lenses} lens(es) with answers "
        f"(bulk insert {setup:.2f} s): {query_count} queries"
    )
    print(f"cold first request: {cold:.3f} s")
    print(
        f"warm requests ({args.runs}): median {median:.3f} s, min {min(timings):.3f} s, "
        f"max {max(timings):.3f} s"
    )
    ok = median <= BUDGET_SECONDS and query_count == DASHBOARD_QUERIES
    print(
        f"budget {BUDGET_SECONDS} s median and {DASHBOARD_QUERIES} queries: "
        f"{'OK' if ok else 'OVER BUDGET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
