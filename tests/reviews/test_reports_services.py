"""Report services without a broker: claim, render, store, fail, retry and the sweep."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from config.models import OutboxMessage
from reviews.models import Report
from reviews.services import report_worker as services
from reviews.services.reports import RENDER_TASK, report_retry
from tests import factories
from tests.reviews.reports_data import answered_rel_workload


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _report(workload, **fields) -> Report:
    return Report.objects.create(workload=workload, **fields)


@pytest.mark.django_db
def test_rendering_stores_the_pdf_with_its_size_and_sha256(rel_bank):
    report = _report(answered_rel_workload(rel_bank))

    rendered = services.report_render(report_id=report.pk)

    assert rendered.status == Report.Status.READY
    assert rendered.attempts == 1
    assert rendered.started_at <= rendered.finished_at
    with rendered.file.open("rb") as handle:
        body = handle.read()
    assert body.startswith(b"%PDF-")
    assert rendered.size == len(body)
    assert rendered.checksum == hashlib.sha256(body).hexdigest()


@pytest.mark.django_db
def test_running_the_render_twice_is_harmless(rel_bank):
    report = _report(answered_rel_workload(rel_bank))
    first = services.report_render(report_id=report.pk)

    assert services.report_render(report_id=report.pk) is None

    report.refresh_from_db()
    assert report.attempts == 1
    assert report.checksum == first.checksum


@pytest.mark.django_db
def test_a_retried_report_overwrites_its_file_instead_of_adding_copies(rel_bank, media_root):
    report = _report(answered_rel_workload(rel_bank))
    first = services.report_render(report_id=report.pk)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED)

    assert report_retry(report=report)
    second = services.report_render(report_id=report.pk)

    assert second.file.name == first.file.name
    assert len(list((media_root / "reports" / str(report.workload_id)).iterdir())) == 1


@pytest.mark.django_db
def test_a_storage_error_hands_the_report_back_to_the_queue_for_a_retry(rel_bank, settings):
    blocker = settings.MEDIA_ROOT.parent / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    report = _report(answered_rel_workload(rel_bank))

    assert services.report_render(report_id=report.pk) is None

    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert report.attempts == 1
    assert (report.lease_owner, report.lease_expires_at) == ("", None)
    # The next attempt is queued with the release, through the outbox, after a backoff.
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.kwargs) == (RENDER_TASK, {"report_id": report.pk})
    assert message.not_before > timezone.now()


@pytest.mark.django_db
def test_a_storage_error_on_the_last_attempt_fails_the_report_with_a_plain_message(
    rel_bank, settings
):
    blocker = settings.MEDIA_ROOT.parent / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    report = _report(answered_rel_workload(rel_bank), attempts=settings.REPORT_MAX_ATTEMPTS - 1)

    assert services.report_render(report_id=report.pk) is None

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == services.ERROR_UNAVAILABLE
    assert "Traceback" not in report.error and "Error" not in report.error


@pytest.mark.django_db
def test_a_message_for_a_deleted_report_does_nothing():
    report = _report(factories.WorkloadFactory())
    report_id = report.pk
    report.delete()

    assert services.report_render(report_id=report_id) is None
    assert not Report.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_many_concurrent_claims_wins():
    workload = factories.WorkloadFactory()
    report = _report(workload)
    barrier = threading.Barrier(6)
    results: list[object] = []

    def claim() -> None:
        try:
            barrier.wait()
            results.append(services.report_claim(report_id=report.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result is not None for result in results) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING
    assert report.attempts == 1


@pytest.mark.django_db
def test_a_late_result_of_an_abandoned_attempt_does_not_overwrite_the_new_one(rel_bank):
    report = _report(answered_rel_workload(rel_bank))
    stale = services.report_claim(report_id=report.pk)
    # The sweep gave up on attempt 1 and another worker claimed attempt 2.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.QUEUED)
    services.report_claim(report_id=report.pk)

    assert not services.report_complete(report=stale, pdf=b"%PDF-stale")
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING
    assert report.attempts == 2


def _age(report: Report, **fields) -> None:
    Report.objects.filter(pk=report.pk).update(**fields)


@pytest.mark.django_db
def test_sweep_requeues_a_report_whose_worker_died(django_capture_on_commit_callbacks):
    report = _report(factories.WorkloadFactory())
    services.report_claim(report_id=report.pk)
    _age(report, lease_expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.report_sweep()

    assert result.requeued == [report.pk]
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert report.started_at is None


@pytest.mark.django_db
def test_sweep_fails_a_report_after_its_last_attempt_and_a_retry_is_offered(
    client_for, django_capture_on_commit_callbacks
):
    workload = factories.WorkloadFactory()
    member = factories.MembershipFactory(team=workload.team).user
    report = _report(workload, status=Report.Status.RENDERING)
    past = timezone.now() - timedelta(seconds=1)
    _age(report, attempts=settings.REPORT_MAX_ATTEMPTS, lease_expires_at=past)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.report_sweep()

    assert result.failed == [report.pk]
    assert callbacks == []
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert f"stopped {settings.REPORT_MAX_ATTEMPTS} times" in report.error
    html = client_for(member).get(f"/workloads/{workload.pk}/reports/{report.pk}/status/")
    assert f"/workloads/{workload.pk}/reports/{report.pk}/retry/" in html.content.decode()


@pytest.mark.django_db
def test_sweep_resends_a_report_whose_message_was_lost(django_capture_on_commit_callbacks):
    report = _report(factories.WorkloadFactory())
    past = timezone.now() - timedelta(seconds=settings.REPORT_QUEUE_TIMEOUT + 5)
    _age(report, queued_at=past)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.report_sweep()

    assert result.requeued == [report.pk]
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert report.queued_at > past


@pytest.mark.django_db
def test_sweep_leaves_fresh_and_finished_reports_alone():
    workload = factories.WorkloadFactory()
    queued = _report(workload)
    rendering = _report(
        workload,
        status=Report.Status.RENDERING,
        started_at=timezone.now() - timedelta(days=3),  # a long render whose lease is renewed
        lease_expires_at=timezone.now() + timedelta(seconds=10),
    )
    old = timezone.now() - timedelta(days=3)
    ready = _report(workload, status=Report.Status.READY, started_at=old, queued_at=old)
    failed = _report(workload, status=Report.Status.FAILED, started_at=old, queued_at=old)

    result = services.report_sweep()

    assert result.requeued == [] and result.failed == []
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {
        queued.pk: "queued",
        rendering.pk: "rendering",
        ready.pk: "ready",
        failed.pk: "failed",
    }


def test_celery_beat_runs_the_sweep_task_periodically():
    entry = settings.CELERY_BEAT_SCHEDULE["report-sweep"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.REPORT_SWEEP_INTERVAL
    assert settings.REPORT_HEARTBEAT_INTERVAL * 2 < settings.REPORT_LEASE


@pytest.mark.django_db
def test_a_claim_records_who_holds_the_lease_and_until_when():
    report = _report(factories.WorkloadFactory())
    before = timezone.now()

    claimed = services.report_claim(report_id=report.pk, owner="worker-a@host:123")

    assert claimed.lease_owner == "worker-a@host:123"
    lease = timedelta(seconds=settings.REPORT_LEASE)
    assert before + lease - timedelta(seconds=5) < claimed.lease_expires_at
    assert claimed.lease_expires_at < timezone.now() + lease + timedelta(seconds=5)


@pytest.mark.django_db
def test_a_live_lease_cannot_be_claimed_but_an_expired_one_is_taken_over():
    report = _report(factories.WorkloadFactory())
    first = services.report_claim(report_id=report.pk, owner="a:1")

    assert services.report_claim(report_id=report.pk, owner="b:2") is None  # redelivered early

    _age(report, lease_expires_at=timezone.now() - timedelta(seconds=1))  # "a" stopped renewing
    second = services.report_claim(report_id=report.pk, owner="b:2")
    assert second is not None and second.lease_owner == "b:2"
    assert second.attempts == first.attempts + 1
    # The first attempt's late result is fenced off.
    assert not services.report_complete(report=first, pdf=b"%PDF-late")


@pytest.mark.django_db
def test_an_expired_lease_on_the_last_attempt_is_left_for_the_sweep_to_fail():
    report = _report(factories.WorkloadFactory())
    services.report_claim(report_id=report.pk)
    _age(
        report,
        attempts=settings.REPORT_MAX_ATTEMPTS,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert services.report_claim(report_id=report.pk) is None
    assert services.report_sweep().failed == [report.pk]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_while_the_block_runs(settings):
    settings.REPORT_HEARTBEAT_INTERVAL = 0.05
    report = _report(factories.WorkloadFactory())
    claimed = services.report_claim(report_id=report.pk)
    _age(report, lease_expires_at=timezone.now())  # about to lapse

    with services.lease_heartbeat(claimed):
        deadline = timezone.now() + timedelta(seconds=10)
        while timezone.now() < deadline:
            report.refresh_from_db()
            if report.lease_expires_at > timezone.now() + timedelta(seconds=1):
                break
    assert report.lease_expires_at > timezone.now() + timedelta(seconds=1)
