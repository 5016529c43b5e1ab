"""Benchmark: saving one answer, for the REL 3-5 bank and a 40-question imported bank.

    make bench                      # every bench script, on the test database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_review SECRET_KEY=x \
        ARCHREVIEW_TESTING=1 .venv/bin/python bench/bench_answer_save.py --saves 60

Migrates the database, builds both banks and a workload on each inside a transaction that is
rolled back at the end, then times two things per bank: ``answer_save`` alone (validation,
conditional update, history row, workload bump) and the whole htmx autosave request through
Django's test client (middleware, access check, form, save, refreshed side navigation and
progress), and the same save through the REST API (a token's PUT with If-Match). Every save
changes the answer, so each one writes. Prints queries per save and the
median and max in milliseconds. Exits 1 if a save's query count depends on the bank size.
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
from django.db import connection, transaction  # noqa: E402
from django.db.models import Prefetch  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from api.services import token_create  # noqa: E402
from questions.banks import load_rel_bank  # noqa: E402
from questions.models import Choice, Question  # noqa: E402
from reviews.models import Answer, LensReview, Membership, Team  # noqa: E402
from reviews.services.answers import answer_save  # noqa: E402
from reviews.services.workloads import workload_create  # noqa: E402
from tests.factories import UserFactory, make_bank  # noqa: E402


class Rollback(Exception):
    pass


def _questions(version):
    return list(
        Question.objects.filter(pillar__version=version)
        .select_related("pillar")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "pk")))
        .order_by("pillar__order", "order", "pk")
    )


def _data(question, i: int) -> dict:
    practices = [c.ref for c in question.choices.all() if not c.is_none]
    # Alternate between two different answers so that every save is a real write.
    return {"selected": practices[: 1 + i % 2], "notes": f"save {i}"}


def bench_bank(label: str, version, user, team, saves: int) -> tuple[int, int]:
    workload = workload_create(
        team=team,
        user=None,
        data={"name": f"Bench {label}", "description": "benchmark"},
        lens_version=version,
    )
    questions = _questions(version)
    question = questions[len(questions) // 2]

    service_ms, service_queries = [], set()
    for i in range(saves):
        expected = (
            Answer.objects.filter(lens_review__workload=workload, question=question)
            .values_list("version", flat=True)
            .first()
            or 0
        )
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            answer_save(
                workload=workload,
                question=question,
                data=_data(question, i),
                expected_version=expected,
                user=user,
            )
            service_ms.append((time.perf_counter() - started) * 1000)
        service_queries.add(len(ctx.captured_queries))

    client = Client()
    client.force_login(user)
    url = reverse("reviews:question", args=[workload.pk, question.pk])
    request_ms, request_queries = [], set()
    for i in range(saves):
        version_now = Answer.objects.get(lens_review__workload=workload, question=question).version
        data = {"version": version_now, **_data(question, i + 1)}
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.post(url, data, HTTP_HX_REQUEST="true")
            request_ms.append((time.perf_counter() - started) * 1000)
        assert "Saved" in response.content.decode(), response.content[:500]
        request_queries.add(len(ctx.captured_queries))

    # The same save through the REST API with a write token: PUT with If-Match.
    token = token_create(user=user, name=f"bench {label}", scope="write")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    review = LensReview.objects.active().get(workload=workload)
    api_url = (
        f"/api/v1/workloads/{workload.pk}/lens-reviews/{review.pk}/questions/{question.pk}/answer/"
    )
    api_ms, api_queries = [], set()
    for i in range(saves):
        version_now = Answer.objects.get(lens_review=review, question=question).version
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = api.put(
                api_url,
                _data(question, i),
                content_type="application/json",
                HTTP_IF_MATCH=f'"{version_now}"',
            )
            api_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:500]
        api_queries.add(len(ctx.captured_queries))

    def rate(times: list[float]) -> str:
        return f"{len(times) / (sum(times) / 1000):.0f} saves/s"

    print(
        f"{label:<28} {len(questions):>3} questions | API PUT: "
        f"{'/'.join(map(str, sorted(api_queries)))} queries, median "
        f"{statistics.median(api_ms):.1f} ms, max {max(api_ms):.1f} ms, {rate(api_ms)} "
        f"(page autosave {rate(request_ms)})"
    )
    print(
        f"{label:<28} {len(questions):>3} questions | answer_save: "
        f"{'/'.join(map(str, sorted(service_queries)))} queries, median "
        f"{statistics.median(service_ms):.1f} ms, max {max(service_ms):.1f} ms | "
        f"htmx autosave request: {'/'.join(map(str, sorted(request_queries)))} queries, median "
        f"{statistics.median(request_ms):.1f} ms, max {max(request_ms):.1f} ms"
    )
    return max(service_queries), max(request_queries), max(api_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=60, help="saves to time per bank")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.API_THROTTLE_RATE = ""  # a benchmark is not a client to slow down
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    counts = []
    try:
        with transaction.atomic():
            team = Team.objects.create(name="Answer save benchmark team")
            user = UserFactory(username="answer-save-bench")
            Membership.objects.create(user=user, team=team, role="architect")
            counts.append(bench_bank("REL 3-5 (native)", load_rel_bank(), user, team, args.saves))
            big = make_bank(questions=40, practices=8, kind="imported")
            counts.append(bench_bank("40-question imported lens", big, user, team, args.saves))
            raise Rollback
    except Rollback:
        pass
    if len(set(counts)) != 1:
        print(f"FAIL: query counts depend on the bank size: {counts}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
