"""Reports end to end: the web view queues, a real Celery worker on Redis renders, the view
downloads. Nothing is mocked: real worker processes, real broker, real WeasyPrint."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse

from reviews.models import Answer, Report
from reviews.tasks import sweep_reports
from tests import factories
from tests.factories import lens_review_of
from tests.reviews.reports_data import (
    EXPECTED_HIGH,
    EXPECTED_MEDIUM,
    EXPECTED_PLAN,
    answered_rel_workload,
    pdf_text,
    plan_titles,
    question_titles,
)

pytestmark = pytest.mark.worker


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Set before any worker starts: LiveWorker hands MEDIA_ROOT to the worker's environment.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _status(report_id: int) -> str:
    return Report.objects.values_list("status", flat=True).get(pk=report_id)


def test_report_requested_on_the_web_is_rendered_by_a_worker_and_downloaded(
    worker_factory, rel_bank, client_for
):
    worker = worker_factory().start()
    workload = answered_rel_workload(rel_bank, name="Payments Platform")
    member = factories.MembershipFactory(team=workload.team, role="architect").user
    client = client_for(member)

    response = client.post(reverse("reviews:report_request", args=[workload.pk]))
    assert response.status_code == 302
    report = Report.objects.get(workload=workload)

    worker.wait_until(lambda: _status(report.pk) == Report.Status.READY, timeout=60)
    status_html = client.get(
        reverse("reviews:report_status", args=[workload.pk, report.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    download_url = reverse("reviews:report_download", args=[workload.pk, report.pk])
    assert download_url in status_html
    assert "hx-trigger" not in status_html

    response = client.get(download_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="payments-platform-')
    text = pdf_text(b"".join(response.streaming_content))
    assert "Payments Platform" in text
    for title in question_titles(rel_bank):
        assert title in text
    assert f"{EXPECTED_HIGH} high risk, {EXPECTED_MEDIUM} medium risk" in text
    assert plan_titles(workload) == EXPECTED_PLAN
    for item in EXPECTED_PLAN:
        assert item in text
    report.refresh_from_db()
    assert report.attempts == 1


def _slow_workload():
    """A big bank with long notes, so a render lasts long enough to kill it mid-way."""
    version = factories.make_bank(questions=60, practices=8)
    workload = factories.WorkloadFactory(name="Big Workload", lens_version=version)
    questions = version.pillars.get().questions.all()
    note = "A long note about this question, kept to show the report handles real text. " * 25
    review = lens_review_of(workload)
    Answer.objects.bulk_create(
        Answer(lens_review=review, question=q, selected=[f"{q.ref}_c0"], notes=note)
        for q in questions
    )
    return workload


def _wait_for(predicate, *, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def test_a_worker_killed_while_rendering_leaves_a_report_that_the_sweep_gets_finished(
    worker_factory, client_for
):
    workload = _slow_workload()
    member = factories.MembershipFactory(team=workload.team, role="lead").user
    fast_recovery = {
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "REPORT_LEASE": "2",
        "REPORT_HEARTBEAT_INTERVAL": "1",
    }
    first = worker_factory().start(env=fast_recovery)

    client_for(member).post(reverse("reviews:report_request", args=[workload.pk]))
    report = Report.objects.get(workload=workload)
    assert _wait_for(lambda: _status(report.pk) == Report.Status.RENDERING, timeout=60), (
        first.log_text()
    )
    first.kill()  # SIGKILL to the whole process group, mid-render

    assert not first.is_alive
    assert _status(report.pk) == Report.Status.RENDERING  # the row alone cannot know yet

    second = worker_factory().start(env=fast_recovery)
    time.sleep(2.5)  # past the dead worker's lease
    # The periodic sweep, sent through Redis like celery beat sends it.
    sweep_reports.delay()

    second.wait_until(
        lambda: _status(report.pk) in (Report.Status.READY, Report.Status.FAILED), timeout=120
    )
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error
    assert report.attempts == 2
    assert report.size and len(report.checksum) == 64
    with report.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert settings.REPORT_MAX_ATTEMPTS >= 2


def test_the_redelivered_message_of_a_killed_worker_waits_while_the_lease_is_live(
    worker_factory, client_for
):
    workload = _slow_workload()
    member = factories.MembershipFactory(team=workload.team, role="lead").user
    # No beat, so no sweep; the lease (default 15 s) outlives the redelivery.
    env = {"CELERY_VISIBILITY_TIMEOUT": "2"}
    first = worker_factory().start(env=env)
    client_for(member).post(reverse("reviews:report_request", args=[workload.pk]))
    report = Report.objects.get(workload=workload)
    assert _wait_for(lambda: _status(report.pk) == Report.Status.RENDERING, timeout=60)
    first.kill()
    # A worker restores unacknowledged messages older than the visibility timeout when it
    # starts, then only every ~100 s: start the next one once the message qualifies.
    time.sleep(2.5)

    second = worker_factory().start(env=env)
    # Redis hands the unacknowledged message to the new worker after the visibility timeout;
    # the claim refuses it because the row says another attempt holds a live lease (the dead
    # worker's: the row cannot know yet). Once it expires, the sweep or a redelivery takes over.
    second.wait_until(lambda: "render_report" in second.log_text(), timeout=30)
    second.wait_until(lambda: "succeeded" in second.log_text(), timeout=30)
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING
    assert report.attempts == 1


def test_a_render_past_its_time_limits_ends_failed_with_a_retry_not_stuck(
    worker_factory, client_for
):
    from reviews.services.report_worker import ERROR_ABANDONED, ERROR_TIMEOUT

    workload = _slow_workload()
    member = factories.MembershipFactory(team=workload.team, role="lead").user
    # The worker's own settings set the task's limits (messages carry none); it enforces them
    # in the prefork pool only.
    worker = worker_factory().start(
        pool="prefork",
        env={
            "REPORT_SOFT_TIME_LIMIT": "1",
            "REPORT_TIME_LIMIT": "2",
            "REPORT_LEASE": "2",
            "REPORT_HEARTBEAT_INTERVAL": "1",
            "REPORT_MAX_ATTEMPTS": "1",
        },
    )
    client = client_for(member)
    client.post(reverse("reviews:report_request", args=[workload.pk]))
    report = Report.objects.get(workload=workload)

    # The soft limit raises inside the render and the task fails the report itself -- unless
    # WeasyPrint swallowed the exception (it skips an inline SVG it cannot parse, whatever
    # the error), in which case the hard limit kills the child one second later and the sweep
    # is what ends the report.
    worker.wait_until(
        lambda: (
            _status(report.pk) == Report.Status.FAILED or "Hard time limit (2" in worker.log_text()
        ),
        timeout=60,
    )
    if _status(report.pk) != Report.Status.FAILED:
        assert _status(report.pk) == Report.Status.RENDERING
        time.sleep(2.5)  # past the killed child's lease
        sweep_reports.delay()
        worker.wait_until(lambda: _status(report.pk) == Report.Status.FAILED, timeout=30)

    report.refresh_from_db()
    assert report.error in (ERROR_TIMEOUT, ERROR_ABANDONED.format(attempts=1))
    html = client.get(reverse("reviews:report_status", args=[workload.pk, report.pk]))
    assert reverse("reviews:report_retry", args=[workload.pk, report.pk]) in html.content.decode()


def test_a_storage_outage_is_retried_with_backoff_then_fails_with_a_plain_reason(
    worker_factory, rel_bank, client_for, settings, tmp_path
):
    from reviews.services.report_worker import ERROR_UNAVAILABLE

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"  # every write fails with an OSError
    worker = worker_factory().start()
    workload = answered_rel_workload(rel_bank)
    member = factories.MembershipFactory(team=workload.team).user

    client_for(member).post(reverse("reviews:report_request", args=[workload.pk]))
    report = Report.objects.get(workload=workload)

    worker.wait_until(lambda: _status(report.pk) == Report.Status.FAILED, timeout=90)
    report.refresh_from_db()
    assert report.error == ERROR_UNAVAILABLE
    assert report.attempts == settings.REPORT_MAX_ATTEMPTS
    assert worker.log_text().count("released for a retry") == settings.REPORT_MAX_ATTEMPTS - 1
