"""Every state change of workloads, milestones, reports and lenses writes its audit event:
who, what, which object, which team, from which address. Also the lens import/export rate
(counted from these events) and the audit retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.retention import audit_expire
from accounts.tasks import expire_audit_events
from questions.audit_actions import LensAction
from questions.models import LensVersion
from reviews.audit_actions import ReviewAction
from reviews.models import Milestone, Report, Workload
from reviews.services.report_worker import report_render
from tests import factories
from tests.factories import version_of
from tests.questions.helpers import LENSES
from tests.reviews.reports_data import answered_rel_workload
from tests.reviews.test_upgrade import next_version
from tests.reviews.test_workloads import valid_data

pytestmark = pytest.mark.django_db
ADDRESS = "198.51.100.23"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def architect(db):
    return factories.MembershipFactory(role="architect")


@pytest.fixture
def client(architect, client_for):
    return client_for(architect.user)


def only_event(action: str) -> AuditEvent:
    (event,) = AuditEvent.objects.filter(action=action)
    return event


def assert_event(action, *, actor, target, team, **data) -> AuditEvent:
    event = only_event(action)
    assert event.actor == actor
    assert event.client_address == ADDRESS
    assert (event.target_type, event.target_id) == (target._meta.label_lower, str(target.pk))
    assert event.team_id == (team.pk if team else None)
    for key, value in data.items():
        assert event.data[key] == value, (key, event.data)
    return event


# --- workloads --------------------------------------------------------------------------------
def test_creating_a_workload_is_audited(architect, client, rel_bank):
    response = client.post(
        reverse("reviews:workload_new"),
        valid_data(architect.team, rel_bank, name="Checkout"),
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    workload = Workload.objects.get(name="Checkout")
    assert_event(
        ReviewAction.WORKLOAD_CREATED, actor=architect.user, target=workload, team=architect.team
    )


def test_editing_a_workload_records_who(architect, client):
    workload = factories.WorkloadFactory(team=architect.team, name="Old")
    url = reverse("reviews:workload_edit", args=[workload.pk])
    data = valid_data(architect.team, version_of(workload), name="New")
    response = client.post(url, data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_event(
        ReviewAction.WORKLOAD_EDITED, actor=architect.user, target=workload, team=architect.team
    )


def test_archiving_and_restoring_are_audited_with_the_user(architect, client):
    workload = factories.WorkloadFactory(team=architect.team)
    url = reverse("reviews:workload_archive", args=[workload.pk])
    client.post(url, {"archive": "1"}, REMOTE_ADDR=ADDRESS)
    assert_event(
        ReviewAction.WORKLOAD_ARCHIVED, actor=architect.user, target=workload, team=architect.team
    )
    client.post(url, {"archive": "0"}, REMOTE_ADDR=ADDRESS)
    assert_event(
        ReviewAction.WORKLOAD_RESTORED, actor=architect.user, target=workload, team=architect.team
    )


# --- milestones and reports -------------------------------------------------------------------
def test_taking_a_milestone_is_audited(architect, client):
    workload = factories.WorkloadFactory(team=architect.team)
    client.post(
        reverse("reviews:milestone_new", args=[workload.pk]), {"name": "M1"}, REMOTE_ADDR=ADDRESS
    )
    milestone = Milestone.objects.get()
    assert_event(
        ReviewAction.MILESTONE_CREATED,
        actor=architect.user,
        target=milestone,
        team=architect.team,
        workload=workload.pk,
    )


def test_a_report_request_retry_and_download_are_audited_with_the_user(rel_bank, client_for):
    workload = answered_rel_workload(rel_bank)
    lead = factories.MembershipFactory(team=workload.team, role="lead").user
    client = client_for(lead)

    client.post(reverse("reviews:report_request", args=[workload.pk]), REMOTE_ADDR=ADDRESS)
    report = Report.objects.get()
    assert_event(
        ReviewAction.REPORT_REQUESTED,
        actor=lead,
        target=report,
        team=workload.team,
        workload=workload.pk,
        milestone=None,
    )

    Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED)
    client.post(reverse("reviews:report_retry", args=[workload.pk, report.pk]), REMOTE_ADDR=ADDRESS)
    assert_event(ReviewAction.REPORT_RETRIED, actor=lead, target=report, team=workload.team)

    report_render(report_id=report.pk)
    response = client.get(
        reverse("reviews:report_download", args=[workload.pk, report.pk]), REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 200
    assert_event(ReviewAction.REPORT_DOWNLOADED, actor=lead, target=report, team=workload.team)


def test_a_download_refused_is_not_recorded_as_a_download(rel_bank, client_for):
    workload = answered_rel_workload(rel_bank)
    report = Report.objects.create(workload=workload)
    outsider = factories.MembershipFactory(role="lead").user
    url = reverse("reviews:report_download", args=[workload.pk, report.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=ReviewAction.REPORT_DOWNLOADED).exists()


# --- lenses -----------------------------------------------------------------------------------
@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def _upload(name: str = "orr-whitepaper-sample.json", data: bytes | None = None):
    content = data if data is not None else (LENSES / name).read_bytes()
    return SimpleUploadedFile("lens.json", content, "application/json")


def test_lens_import_draft_publish_deprecate_and_export_are_audited(admin_user, client_for):
    client = client_for(admin_user)
    client.post(
        reverse("admin:questions_lensversion_import"), {"file": _upload()}, REMOTE_ADDR=ADDRESS
    )
    version = LensVersion.objects.get()
    assert_event(LensAction.IMPORTED, actor=admin_user, target=version, team=None, created=True)

    client.post(
        reverse("admin:questions_lensversion_publish", args=[version.pk]), REMOTE_ADDR=ADDRESS
    )
    version.refresh_from_db()
    assert version.status == LensVersion.Status.PUBLISHED
    assert_event(LensAction.PUBLISHED, actor=admin_user, target=version, team=None)

    client.post(
        reverse("admin:questions_lensversion_draft", args=[version.pk]), REMOTE_ADDR=ADDRESS
    )
    draft = LensVersion.objects.get(status=LensVersion.Status.DRAFT)
    assert_event(LensAction.DRAFT_CREATED, actor=admin_user, target=draft, team=None)

    client.post(
        reverse("admin:questions_lensversion_changelist"),
        {"action": "deprecate", "_selected_action": [version.pk, draft.pk]},
        REMOTE_ADDR=ADDRESS,
    )
    version.refresh_from_db()
    assert version.status == LensVersion.Status.DEPRECATED
    assert_event(LensAction.DEPRECATED, actor=admin_user, target=version, team=None)

    response = client.get(
        reverse("admin:questions_lensversion_export", args=[version.pk]), REMOTE_ADDR=ADDRESS
    )
    assert json.loads(response.content)["name"]
    assert_event(LensAction.EXPORTED, actor=admin_user, target=version, team=None)


def test_a_refused_import_is_audited_and_writes_nothing_else(admin_user, client_for):
    response = client_for(admin_user).post(
        reverse("admin:questions_lensversion_import"),
        {"file": _upload(data=b'{"a": 1, "a": 2}')},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 400
    event = only_event(LensAction.IMPORT_REFUSED)
    assert event.actor == admin_user and event.client_address == ADDRESS
    assert event.data["first"] == "a: duplicate key; give it once"
    assert not LensVersion.objects.exists()


def test_lens_imports_and_exports_past_the_rate_are_refused_with_a_message(
    admin_user, client_for, settings
):
    settings.LENS_RATE_PER_USER = 2
    client = client_for(admin_user)
    url = reverse("admin:questions_lensversion_import")
    client.post(url, {"file": _upload(data=b"not json")})  # refused: still counts
    client.post(url, {"file": _upload()})
    version = LensVersion.objects.get()

    response = client.post(url, {"file": _upload("elasticache-v2.0.json")})
    assert response.status_code == 400
    assert "the most allowed" in response.content.decode()
    assert LensVersion.objects.count() == 1

    export = client.get(reverse("admin:questions_lensversion_export", args=[version.pk]))
    assert export.status_code == 302  # back to the version, with the message
    assert not AuditEvent.objects.filter(action=LensAction.EXPORTED).exists()

    other_admin = factories.UserFactory(is_staff=True, is_superuser=True)
    assert (
        client_for(other_admin)
        .get(reverse("admin:questions_lensversion_export", args=[version.pk]))
        .status_code
        == 200
    )


# --- retention and the audit page ---------------------------------------------------------------
def test_audit_events_past_the_retention_are_deleted_by_the_beat_task(settings, architect):
    settings.AUDIT_RETENTION_DAYS = 30
    workload = factories.WorkloadFactory(team=architect.team)
    AuditEvent.objects.all().delete()  # the factory's first lens was added (and audited)
    from accounts.audit import audit_record

    old = audit_record(action=ReviewAction.WORKLOAD_EDITED, actor=architect.user, target=workload)
    young = audit_record(action=ReviewAction.WORKLOAD_EDITED, target=workload)
    AuditEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timedelta(days=31))

    expire_audit_events()

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [young.pk]
    settings.AUDIT_RETENTION_DAYS = 0  # keep forever
    AuditEvent.objects.update(occurred_at=timezone.now() - timedelta(days=9999))
    assert audit_expire() == 0
    assert AuditEvent.objects.count() == 1


def test_the_audit_page_is_not_found_for_non_admins(architect, client_for):
    url = reverse("accounts:audit")
    lead = factories.MembershipFactory(team=architect.team, role="lead").user
    for user in (architect.user, lead):
        assert client_for(user).get(url).status_code == 404


# --- lens reviews -----------------------------------------------------------------------------
def test_adding_upgrading_and_removing_a_lens_are_audited(architect, client):
    workload = factories.WorkloadFactory(team=architect.team)
    first = version_of(workload)
    other = factories.make_bank(questions=1)
    AuditEvent.objects.all().delete()  # the factory's own first lens was added (and audited)
    client.post(
        reverse("reviews:lens_review_add", args=[workload.pk]),
        {"lens_version": other.pk},
        REMOTE_ADDR=ADDRESS,
    )
    added = workload.lens_reviews.get(lens_version=other)
    assert_event(
        ReviewAction.LENS_REVIEW_ADDED,
        actor=architect.user,
        target=added,
        team=architect.team,
        lens=other.name,
        version=other.number,
    )

    newer = next_version(first, {"q0": ["q0_c0", "q0_no"]})
    reviewed = workload.lens_reviews.get(lens_version=first)
    client.post(
        reverse("reviews:lens_review_upgrade", args=[workload.pk, reviewed.pk]), REMOTE_ADDR=ADDRESS
    )
    assert_event(
        ReviewAction.LENS_REVIEW_UPGRADED,
        actor=architect.user,
        target=reviewed,
        team=architect.team,
        version=newer.number,
        from_version=first.number,
    )

    client.post(
        reverse("reviews:lens_review_remove", args=[workload.pk, added.pk]), REMOTE_ADDR=ADDRESS
    )
    assert_event(
        ReviewAction.LENS_REVIEW_REMOVED,
        actor=architect.user,
        target=added,
        team=architect.team,
        lens=other.name,
    )
