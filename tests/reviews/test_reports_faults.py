"""Reports under faults, end to end: a broker that goes away, workers killed mid-render, a
database connection cut mid-render. Real processes throughout (a private redis-server, real
Celery workers, PostgreSQL, WeasyPrint); deadlines below are waits, not timings."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from config.models import OutboxMessage
from config.outbox import backoff
from reviews.models import Report
from tests import factories
from tests.live_redis import RedisServer

pytestmark = pytest.mark.worker

# Short relay interval: the test waits for the outbox to drain, not for production's 5 s.
FAST = {"OUTBOX_RELAY_INTERVAL": "1"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def redis_server(tmp_path, settings):
    """A broker of this test's own, which it may stop; the test process and its workers use it."""
    server = RedisServer(tmp_path).start()
    settings.CELERY_BROKER_URL = server.url
    backoff.succeeded()  # no back-off left over from another test
    yield server
    server.stop()
    backoff.succeeded()


def _report_recovery(what: str, since: float) -> None:
    # Shown with `pytest -s`; the figures in docs/benchmarks.md come from here.
    print(f"\nrecovery: {what}: {time.monotonic() - since:.1f} s")


def _small_workload():
    # A two-question bank: twenty renders in a row stay short on a shared machine.
    version = factories.make_bank(questions=2, practices=2)
    return factories.WorkloadFactory(name="Small Workload", lens_version=version)


def _statuses(workload) -> list[str]:
    return list(Report.objects.filter(workload=workload).values_list("status", flat=True))


def test_reports_requested_while_the_broker_is_down_are_queued_then_each_rendered_once(
    redis_server, worker_factory, client_for, media_root
):
    worker = worker_factory().start(beat=True, env=FAST)
    workload = _small_workload()
    client = client_for(factories.MembershipFactory(team=workload.team, role="lead").user)
    url = reverse("reviews:report_request", args=[workload.pk])

    redis_server.stop()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["broker"] == "unavailable"
    for n in range(20):
        if n % 2:
            response = client.post(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 200
            assert "Queued: it starts as soon as a worker is reachable" in response.content.decode()
        else:
            response = client.post(url, follow=True)
            assert response.status_code == 200
            assert "It is queued and starts as soon as a worker is reachable" in (
                response.content.decode()
            )
    assert _statuses(workload) == ["queued"] * 20
    assert OutboxMessage.objects.count() == 20  # every message kept, none lost

    redis_server.start()
    back = time.monotonic()
    worker.wait_until(lambda: _statuses(workload) == ["ready"] * 20, timeout=30)
    _report_recovery("broker back -> 20 reports ready", back)

    assert OutboxMessage.objects.count() == 0
    assert set(Report.objects.filter(workload=workload).values_list("attempts", flat=True)) == {1}
    assert worker.log_text().count("Task reviews.tasks.render_report[") == 20 * 2  # received, done
    files = sorted(p.name for p in media_root.rglob("*.pdf"))
    assert len(files) == 20
