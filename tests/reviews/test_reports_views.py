"""Report pages: request, status polling, retry and download, with permissions and query counts."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from config.models import OutboxMessage
from reviews.models import Report
from reviews.services.report_worker import report_render
from reviews.services.reports import RENDER_TASK
from tests import factories
from tests.factories import version_of
from tests.reviews.reports_data import answered_rel_workload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def workload(rel_bank):
    return answered_rel_workload(rel_bank, name="Payments Platform")


@pytest.fixture
def member(workload):
    return factories.MembershipFactory(team=workload.team, role="lead").user


@pytest.fixture
def outsider(db):
    return factories.MembershipFactory(role="architect").user


def _url(name: str, workload, report=None) -> str:
    args = [workload.pk] + ([report.pk] if report else [])
    return reverse(f"reviews:{name}", args=args)


def _report(workload, **fields) -> Report:
    return Report.objects.create(workload=workload, **fields)


def _ready_report(workload) -> Report:
    report = _report(workload)
    return report_render(report_id=report.pk)


def test_requesting_a_report_writes_a_queued_row_and_queues_the_task_after_commit(
    workload, member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_url("report_request", workload))

    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED
    assert report.requested_by == member
    assert report.milestone is None
    assert len(callbacks) == 1
    # The message is a row of the same transaction until it is published.
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.kwargs) == (RENDER_TASK, {"report_id": report.pk})


def test_requesting_with_htmx_returns_the_panel_with_the_new_report_polling(
    workload, member, client_for, django_capture_on_commit_callbacks, django_assert_num_queries
):
    client = client_for(member)
    client.get(_url("report_list", workload))  # warm the session
    # session, user, workload+role, milestones (form), lock the team row, pending report of the
    # workload?, the rates (one aggregate), insert report + outbox message + audit event
    # (+ savepoint pair), reports list, milestones again for the fresh form's choices
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(13):
        response = client.post(_url("report_request", workload), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    report = Report.objects.get()
    html = response.content.decode()
    assert f'id="report-{report.pk}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Queued" in html


def test_a_milestone_of_another_workload_is_refused_and_nothing_is_queued(
    workload, member, client_for
):
    other = factories.WorkloadFactory(team=workload.team)
    milestone = other.milestones.create(name="M1")
    response = client_for(member).post(
        _url("report_request", workload), {"milestone": milestone.pk}
    )

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Report.objects.exists()


def test_reports_page_lists_reports_in_a_fixed_number_of_queries(
    workload, member, client_for, django_assert_num_queries
):
    for _ in range(3):
        _report(workload)
    client = client_for(member)
    # session, user, workload+role, reports (with milestones joined), milestones for the form
    with django_assert_num_queries(5):
        response = client.get(_url("report_list", workload))
    assert response.status_code == 200
    assert response.content.decode().count('hx-trigger="every 2s"') == 3


def test_status_of_a_rendering_report_keeps_polling(
    workload, member, client_for, django_assert_num_queries
):
    report = _report(workload, status=Report.Status.RENDERING)
    client = client_for(member)
    # session, user, workload+role, report
    with django_assert_num_queries(4):
        response = client.get(_url("report_status", workload, report), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "Rendering" in html


def test_status_of_a_ready_report_stops_polling_and_offers_the_download(
    workload, member, client_for
):
    report = _ready_report(workload)
    html = client_for(member).get(_url("report_status", workload, report)).content.decode()
    assert "hx-trigger" not in html
    assert _url("report_download", workload, report) in html


def test_status_of_a_failed_report_says_why_and_offers_a_retry(workload, member, client_for):
    report = _report(workload, status=Report.Status.FAILED, error="The worker stopped 3 times.")
    html = client_for(member).get(_url("report_status", workload, report)).content.decode()
    assert "hx-trigger" not in html
    assert "The worker stopped 3 times." in html
    assert _url("report_retry", workload, report) in html


def test_retrying_a_failed_report_queues_it_again_with_fresh_attempts(
    workload, member, client_for, django_capture_on_commit_callbacks, django_assert_num_queries
):
    report = _report(workload, status=Report.Status.FAILED, attempts=3, error="Stopped.")
    client = client_for(member)
    client.get(_url("report_list", workload))
    # session, user, workload+role, report, conditional update + outbox message + audit event
    # (+ savepoint pair), refresh
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_num_queries(10),
    ):
        response = client.post(_url("report_retry", workload, report), HTTP_HX_REQUEST="true")
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert report.attempts == 0
    assert report.error == ""
    assert len(callbacks) == 1
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_download_streams_the_pdf_as_an_attachment_named_after_the_workload_and_date(
    workload, member, client_for, django_assert_num_queries
):
    report = _ready_report(workload)
    client = client_for(member)
    # session, user, workload+role, report, audit event (who downloaded it)
    with django_assert_num_queries(5):
        response = client.get(_url("report_download", workload, report))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    day = timezone.localdate(report.finished_at).isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="payments-platform-{day}.pdf"'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == report.checksum
    assert len(body) == report.size


def test_an_admin_of_no_team_can_download(workload, client_for):
    report = _ready_report(workload)
    admin = factories.UserFactory(is_staff=True)
    response = client_for(admin).get(_url("report_download", workload, report))
    assert response.status_code == 200


def test_a_report_that_is_not_ready_cannot_be_downloaded(workload, member, client_for):
    report = _report(workload)
    assert client_for(member).get(_url("report_download", workload, report)).status_code == 404


def test_a_user_of_another_team_gets_404_on_every_report_url(workload, outsider, client_for):
    report = _ready_report(workload)
    client = client_for(outsider)

    assert client.get(_url("report_list", workload)).status_code == 404
    assert client.post(_url("report_request", workload)).status_code == 404
    assert client.get(_url("report_status", workload, report)).status_code == 404
    assert client.post(_url("report_retry", workload, report)).status_code == 404
    assert client.get(_url("report_download", workload, report)).status_code == 404
    assert Report.objects.count() == 1


def test_a_report_id_of_another_workload_is_404_even_for_a_member(workload, member, client_for):
    other = answered_rel_workload(version_of(workload), name="Elsewhere")
    report = _ready_report(other)
    response = client_for(member).get(_url("report_download", workload, report))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_log_in(workload, client):
    report = _ready_report(workload)
    response = client.get(_url("report_download", workload, report))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_workload_page_loads_the_reports_panel_with_htmx(workload, member, client_for):
    html = client_for(member).get(reverse("reviews:workload_overview", args=[workload.pk]))
    assert f'hx-get="{_url("report_list", workload)}"' in html.content.decode()
    assert 'hx-trigger="load"' in html.content.decode()


def test_admins_see_reports_read_only_and_can_retry_failed_ones(
    workload, client_for, django_capture_on_commit_callbacks
):
    ready = _ready_report(workload)
    failed = _report(workload, status=Report.Status.FAILED, attempts=3, error="Stopped.")
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client = client_for(admin)

    changelist = reverse("admin:reviews_report_changelist")
    assert client.get(changelist).status_code == 200
    page = client.get(reverse("admin:reviews_report_change", args=[ready.pk]))
    assert page.status_code == 200
    assert ready.file.name in page.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            changelist,
            {"action": "retry_failed", "_selected_action": [ready.pk, failed.pk]},
        )
    failed.refresh_from_db()
    ready.refresh_from_db()
    assert failed.status == Report.Status.QUEUED
    assert ready.status == Report.Status.READY
    assert len(callbacks) == 1
