"""Limits on report requests (one pending per workload and milestone, a per-user and a
per-team rate) and the retention rule for old report files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from config.models import OutboxMessage
from reviews.models import Report
from reviews.services.report_retention import report_expire
from reviews.services.reports import ReportLimitReached, report_request
from reviews.tasks import expire_reports
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def architect(db):
    return factories.MembershipFactory(role="architect")


def _workload(membership):
    return factories.WorkloadFactory(team=membership.team)


# --- one pending report per workload and milestone -------------------------------------------
def test_a_second_request_while_one_is_queued_returns_that_one(architect):
    workload = _workload(architect)
    first = report_request(workload=workload, user=architect.user)
    second = report_request(workload=workload, user=architect.user)

    assert second.pk == first.pk
    assert Report.objects.count() == 1
    assert OutboxMessage.objects.count() == 1  # one render queued, not two


def test_a_rendering_report_is_returned_too_and_a_finished_one_is_not(architect):
    workload = _workload(architect)
    first = report_request(workload=workload, user=architect.user)
    Report.objects.filter(pk=first.pk).update(status=Report.Status.RENDERING)
    assert report_request(workload=workload, user=architect.user).pk == first.pk

    Report.objects.filter(pk=first.pk).update(status=Report.Status.READY)
    assert report_request(workload=workload, user=architect.user).pk != first.pk


def test_current_answers_and_each_milestone_are_separate_requests(architect):
    workload = _workload(architect)
    milestone = workload.milestones.create(name="M1")
    now = report_request(workload=workload, user=architect.user)
    of_milestone = report_request(workload=workload, milestone=milestone, user=architect.user)

    assert now.pk != of_milestone.pk
    assert report_request(workload=workload, milestone=milestone, user=architect.user).pk == (
        of_milestone.pk
    )
    other = _workload(architect)
    assert report_request(workload=other, user=architect.user).pk not in (now.pk, of_milestone.pk)


def test_the_page_says_the_report_is_already_being_prepared(architect, client_for):
    workload = _workload(architect)
    client = client_for(architect.user)
    url = reverse("reviews:report_request", args=[workload.pk])
    client.post(url)
    response = client.post(url, follow=True)

    assert "already being prepared" in response.content.decode()
    assert Report.objects.count() == 1


# --- rates ----------------------------------------------------------------------------------
def test_a_user_past_the_rate_gets_a_clear_message_and_nothing_is_queued(
    architect, settings, client_for
):
    settings.REPORT_RATE_PER_USER = 2
    for _ in range(2):
        report_request(workload=_workload(architect), user=architect.user)
    workload = _workload(architect)

    with pytest.raises(ReportLimitReached, match="You have requested 2 reports in the last hour"):
        report_request(workload=workload, user=architect.user)

    response = client_for(architect.user).post(
        reverse("reviews:report_request", args=[workload.pk])
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have requested 2 reports in the last hour, the most allowed" in html
    assert "You can request another in about 60 minutes" in html
    assert Report.objects.filter(workload=workload).count() == 0
    assert OutboxMessage.objects.count() == 2

    # with htmx the panel comes back (htmx swaps only 2xx) with the message
    response = client_for(architect.user).post(
        reverse("reviews:report_request", args=[workload.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "the most allowed" in response.content.decode()


def test_a_team_past_its_rate_is_refused_whoever_asks_and_other_teams_are_not(architect, settings):
    settings.REPORT_RATE_PER_TEAM = 2
    colleague = factories.MembershipFactory(team=architect.team, role="lead").user
    report_request(workload=_workload(architect), user=architect.user)
    report_request(workload=_workload(architect), user=colleague)

    with pytest.raises(ReportLimitReached, match="Your team has requested 2 reports"):
        report_request(workload=_workload(architect), user=colleague)

    elsewhere = factories.MembershipFactory(role="architect")
    report_request(workload=_workload(elsewhere), user=elsewhere.user)


def test_requests_older_than_the_window_no_longer_count(architect, settings):
    settings.REPORT_RATE_PER_USER = 1
    old = report_request(workload=_workload(architect), user=architect.user)
    Report.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.REPORT_RATE_WINDOW + 1)
    )

    report_request(workload=_workload(architect), user=architect.user)

    with pytest.raises(ReportLimitReached):
        report_request(workload=_workload(architect), user=architect.user)


def test_a_returned_pending_report_does_not_count_against_the_rate(architect, settings):
    settings.REPORT_RATE_PER_USER = 1
    workload = _workload(architect)
    first = report_request(workload=workload, user=architect.user)
    for _ in range(3):
        assert report_request(workload=workload, user=architect.user).pk == first.pk


# --- retention ------------------------------------------------------------------------------
def _ready(workload, *, days_old: float) -> Report:
    report = Report.objects.create(
        workload=workload,
        status=Report.Status.READY,
        size=9,
        checksum="c" * 64,
    )
    name = default_storage.save(
        f"reports/{workload.pk}/report-{report.pk}.pdf", ContentFile(b"%PDF-1.7")
    )
    created = timezone.now() - timedelta(days=days_old)
    Report.objects.filter(pk=report.pk).update(file=name, created_at=created, finished_at=created)
    report.refresh_from_db()
    return report


def test_retention_removes_old_files_beyond_the_last_n_and_keeps_the_rows(
    architect, settings, media_root
):
    settings.REPORT_KEEP_LAST = 2
    settings.REPORT_KEEP_DAYS = 30
    workload = _workload(architect)
    # Older than 30 days and (below the 3 recent ones) not among the last 2: removed.
    oldest, old, older, newest_old = (_ready(workload, days_old=d) for d in (90, 60, 45, 40))
    recent = [_ready(workload, days_old=d) for d in (3, 2, 1)]  # young: kept whatever N
    quiet = _workload(architect)
    lonely = _ready(quiet, days_old=400)  # the last report of a quiet workload: kept
    failed = Report.objects.create(workload=workload, status=Report.Status.FAILED)
    Report.objects.filter(pk=failed.pk).update(created_at=timezone.now() - timedelta(days=99))

    removed = report_expire()

    assert removed == 4
    for report in (oldest, old, older, newest_old):
        report.refresh_from_db()
        assert report.status == Report.Status.EXPIRED
        assert report.file.name == ""
        assert report.size == 9  # the row keeps what it was
        assert not (media_root / f"reports/{workload.pk}/report-{report.pk}.pdf").exists()
    for report in (*recent, lonely):
        report.refresh_from_db()
        assert report.status == Report.Status.READY
        assert Path(report.file.path).is_file()
    failed.refresh_from_db()
    assert failed.status == Report.Status.FAILED
    assert Report.objects.count() == 9

    assert report_expire() == 0  # running it again is harmless


def test_the_last_n_are_kept_even_when_old(architect, settings):
    settings.REPORT_KEEP_LAST = 2
    settings.REPORT_KEEP_DAYS = 30
    workload = _workload(architect)
    gone, second, first = (_ready(workload, days_old=d) for d in (90, 60, 45))

    expire_reports()  # the beat task

    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {
        gone.pk: Report.Status.EXPIRED,
        second.pk: Report.Status.READY,
        first.pk: Report.Status.READY,
    }


def test_a_removed_report_says_so_and_is_not_downloadable(architect, settings, client_for):
    settings.REPORT_KEEP_LAST = 0
    workload = _workload(architect)
    report = _ready(workload, days_old=31)
    report_expire()
    client = client_for(architect.user)

    download = reverse("reviews:report_download", args=[workload.pk, report.pk])
    assert client.get(download).status_code == 404
    status = client.get(reverse("reviews:report_status", args=[workload.pk, report.pk]))
    assert "Removed" in status.content.decode()
    assert "hx-trigger" not in status.content.decode()  # no polling
