"""Reports under faults, end to end: a broker that goes away, workers killed mid-render, a
database connection cut mid-render. Real processes throughout (a private redis-server, real
Celery workers, PostgreSQL, WeasyPrint); deadlines below are waits, not timings."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from django.db import connection
from django.urls import reverse

from config.models import OutboxMessage
from config.outbox import backoff
from reviews.models import Answer, Report
from tests import factories
from tests.factories import lens_review_of
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
    # A one-question bank: twenty renders in a row stay short on a shared machine.
    version = factories.make_bank(questions=1, practices=1)
    return factories.WorkloadFactory(name="Small Workload", lens_version=version)


def _status(report: Report) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report.pk)


def _statuses() -> list[str]:
    return list(Report.objects.values_list("status", flat=True))


def test_reports_requested_while_the_broker_is_down_are_queued_then_each_rendered_once(
    redis_server, worker_factory, client_for, media_root, settings
):
    settings.REPORT_RATE_PER_USER = settings.REPORT_RATE_PER_TEAM = 100
    # Two pool children: twenty renders in a row are most of the wait on a busy machine.
    worker = worker_factory().start(pool="prefork", concurrency=2, beat=True, env=FAST)
    first = _small_workload()
    # Twenty workloads: a second request for a workload whose report is still queued returns
    # that report instead of a new one.
    workloads = [first] + [
        factories.WorkloadFactory(team=first.team, lens_version=factories.version_of(first))
        for _ in range(19)
    ]
    client = client_for(factories.MembershipFactory(team=first.team, role="lead").user)

    redis_server.stop()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["broker"] == "unavailable"
    for n, workload in enumerate(workloads):
        url = reverse("reviews:report_request", args=[workload.pk])
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
    assert _statuses() == ["queued"] * 20
    assert OutboxMessage.objects.count() == 20  # every message kept, none lost

    redis_server.start()
    back = time.monotonic()
    worker.wait_until(lambda: not OutboxMessage.objects.exists(), timeout=30)
    _report_recovery("broker back -> every waiting message published", back)
    worker.wait_until(lambda: _statuses() == ["ready"] * 20, timeout=30 - (time.monotonic() - back))
    _report_recovery("broker back -> 20 reports ready", back)

    assert OutboxMessage.objects.count() == 0
    assert set(Report.objects.values_list("attempts", flat=True)) == {1}

    # Each render logs "received" and "succeeded"; the second line follows the report being
    # marked ready, so it may still be on its way to the log.
    def renders_logged() -> int:
        return worker.log_text().count("Task reviews.tasks.render_report[")

    worker.wait_until(lambda: renders_logged() >= 20 * 2, timeout=10)
    assert renders_logged() == 20 * 2, worker.log_text()
    assert len(list(media_root.rglob("*.pdf"))) == 20


# --- Workers killed and database connections cut mid-render ------------------------------------
# Short leases so that a takeover happens within seconds; production's are 15 s / 5 s.
LEASES = {
    **FAST,
    # Five heartbeats per lease: a loaded machine may starve the heartbeat thread a while.
    "REPORT_LEASE": "5",
    "REPORT_HEARTBEAT_INTERVAL": "1",
    "REPORT_SWEEP_INTERVAL": "1",
}


def _slow_workload():
    """A big bank with long notes, so that a render lasts long enough to interrupt it."""
    version = factories.make_bank(questions=20, practices=4)
    workload = factories.WorkloadFactory(name="Big Workload", lens_version=version)
    note = "A long note about this question, kept to show the report handles real text. " * 10
    Answer.objects.bulk_create(
        Answer(
            lens_review=lens_review_of(workload), question=q, selected=[f"{q.ref}_c0"], notes=note
        )
        for q in version.pillars.get().questions.all()
    )
    return workload


def _request_and_wait_until_rendering(client_for, worker) -> Report:
    workload = _slow_workload()
    member = factories.MembershipFactory(team=workload.team, role="lead").user
    client_for(member).post(reverse("reviews:report_request", args=[workload.pk]))
    report = Report.objects.get(workload=workload)
    worker.wait_until(
        lambda: Report.objects.filter(pk=report.pk, status="rendering").exists(),
        timeout=60,
        interval=0.02,
    )
    report.refresh_from_db()
    return report


RENDER_SUCCEEDED = re.compile(r"Task reviews\.tasks\.render_report\[[^]]+\] succeeded")


def _assert_ready_once(report: Report, media_root, worker, *, attempts: int) -> None:
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert report.attempts == attempts, worker.log_text()
    assert [p.name for p in media_root.rglob("*.pdf")] == [f"report-{report.pk}.pdf"]


def test_a_pool_child_killed_mid_render_is_taken_over_once_its_lease_expires(
    worker_factory, client_for, media_root
):
    worker = worker_factory().start(pool="prefork", beat=True, env=LEASES)
    report = _request_and_wait_until_rendering(client_for, worker)
    child_pid = int(report.lease_owner.rsplit(":", 1)[1])
    assert child_pid != worker.pid  # the lease names the pool child doing the work

    os.kill(child_pid, signal.SIGKILL)
    killed = time.monotonic()
    # The worker forks a new child at once: it is available again right away.
    worker.wait_until(lambda: _status(report) == "ready", timeout=30)
    _report_recovery("pool child killed -> ready", killed)
    _assert_ready_once(report, media_root, worker, attempts=2)


def test_a_whole_worker_killed_mid_render_is_finished_by_the_next_worker(
    worker_factory, client_for, media_root
):
    first = worker_factory().start(beat=True, env=LEASES)
    report = _request_and_wait_until_rendering(client_for, first)
    first.kill()  # SIGKILL to the worker and everything it started

    second = worker_factory().start(beat=True, env=LEASES)
    available = time.monotonic()
    second.wait_until(lambda: _status(report) == "ready", timeout=30)
    _report_recovery("whole worker killed, next worker up -> ready", available)
    _assert_ready_once(report, media_root, second, attempts=2)


def test_a_database_connection_cut_mid_render_releases_the_report_and_retries_it(
    worker_factory, client_for, media_root
):
    worker = worker_factory().start(beat=True, env=LEASES)
    report = _request_and_wait_until_rendering(client_for, worker)

    with connection.cursor() as cursor:  # every backend of the test database but ours
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchall()  # the worker's connection was there
    cut = time.monotonic()
    worker.wait_until(lambda: _status(report) == "ready", timeout=30)
    _report_recovery("database connection cut -> ready", cut)
    _assert_ready_once(report, media_root, worker, attempts=2)
    assert "released for a retry" in worker.log_text()


def test_a_ten_second_database_outage_mid_render_ends_ready_once_it_is_back(
    worker_factory, client_for, media_root
):
    from urllib.parse import urlsplit, urlunsplit

    from tests.live_worker import worker_database_url
    from tests.tcp_proxy import TcpProxy

    direct = urlsplit(worker_database_url())
    proxy = TcpProxy(direct.hostname or "127.0.0.1", direct.port or 5432).start()
    auth = direct.netloc.rsplit("@", 1)[0] + "@" if "@" in direct.netloc else ""
    via_proxy = urlunsplit(direct._replace(netloc=f"{auth}127.0.0.1:{proxy.port}"))
    worker = worker_factory(database_url=via_proxy).start(beat=True, env=LEASES)
    try:
        report = _request_and_wait_until_rendering(client_for, worker)

        proxy.cut()  # the worker's database is gone: connections closed, new ones refused
        outage_ends = time.monotonic() + 10
        while time.monotonic() < outage_ends:  # the fault lasts 10 s; nothing is waited for
            assert _status(report) != "ready"
            time.sleep(0.5)
        proxy.restore()
        back = time.monotonic()
        worker.wait_until(lambda: _status(report) == "ready", timeout=30)
        _report_recovery("10 s database outage, database back -> ready", back)
    finally:
        proxy.stop()
    report.refresh_from_db()
    assert report.attempts >= 2, worker.log_text()  # the interrupted attempt was counted
    assert [p.name for p in media_root.rglob("*.pdf")] == [f"report-{report.pk}.pdf"]


def test_a_broker_that_dies_while_the_worker_acknowledges_a_render_leaves_the_worker_running(
    redis_server, worker_factory, client_for, media_root
):
    """Redis dies while the worker is acknowledging a finished render and also waiting on the
    queue (two pool children: it asks for more work while one renders). Celery 5.7 then closed
    a connection it had already torn down and exited on the AttributeError (config/worker.py).
    """
    worker = worker_factory().start(pool="prefork", concurrency=2, beat=True, env=LEASES)
    report = _request_and_wait_until_rendering(client_for, worker)

    redis_server.pause()  # the acknowledgement below waits for an answer that never comes
    worker.wait_until(lambda: _status(report) == "ready", timeout=30)
    worker.wait_until(lambda: RENDER_SUCCEEDED.search(worker.log_text()), timeout=10)
    time.sleep(2)  # the worker's main process has sent the acknowledgement by now, even when busy
    redis_server.stop()
    worker.wait_until(lambda: "Connection to broker lost" in worker.log_text(), timeout=30)
    time.sleep(2)  # it has acted on the lost connection: reconnecting, or exited
    assert worker.is_alive, worker.log_text()
    assert "Couldn't ack" in worker.log_text()  # the fault this test is about did happen

    redis_server.start()
    back = time.monotonic()
    # It reconnects on its own and takes new work: a report requested now is rendered.
    second = _small_workload()
    lead = factories.MembershipFactory(team=second.team, role="lead").user
    client_for(lead).post(reverse("reviews:report_request", args=[second.pk]))
    worker.wait_until(
        lambda: Report.objects.filter(workload=second, status="ready").exists(), timeout=30
    )
    _report_recovery("broker died during an acknowledgement, back -> next report ready", back)
    assert worker.is_alive, worker.log_text()
    report.refresh_from_db()
    assert report.status == Report.Status.READY and report.attempts == 1, worker.log_text()
