"""Consolidated reports on the web side and in the worker's functions: who may request one,
what a bad selection gets, the data's agreement with the scoring, the status lifecycle (a
failure, its retry, the sweep). Real PostgreSQL and WeasyPrint; the worker end to end is in
test_consolidated_worker.py."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from config.models import OutboxMessage
from reviews import consolidated_data, loader, selectors
from reviews.models import ConsolidatedReport, ImprovementItem, Workload
from reviews.services import consolidated_worker
from reviews.services.consolidated import RENDER_TASK
from reviews.services.report_worker import ERROR_ABANDONED, ERROR_UNAVAILABLE
from reviews.vocab import Risk
from tests import factories
from tests.reviews.bulk_workloads import bulk_workloads
from tests.reviews.reports_data import pdf_text

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def lead():
    return factories.MembershipFactory(role="lead")


@pytest.fixture
def workloads(lead, rel_bank):
    return bulk_workloads(
        team=lead.team, version=rel_bank, count=6, second=factories.make_bank(kind="imported")
    )


def _state():
    return (
        list(ConsolidatedReport.objects.values_list("pk", "status")),
        OutboxMessage.objects.count(),
        AuditEvent.objects.filter(action__startswith="consolidated_report").count(),
    )


def _new(**params) -> str:
    return reverse("reviews:consolidated_new") + (
        "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    )


# --- requesting ---------------------------------------------------------------------------------
def test_a_lead_ticks_workloads_and_the_report_is_queued_and_audited(
    lead, workloads, client_for, django_capture_on_commit_callbacks
):
    chosen = [w.pk for w in workloads[:3]]
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(lead.user).post(
            _new(), {"team": lead.team_id, "mode": "ticked", "workload": chosen}
        )
    report = ConsolidatedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:consolidated_detail", args=[report.pk])
    assert report.workload_ids == sorted(chosen)
    assert report.status == Status.QUEUED and report.requested_by == lead.user
    assert report.selection == "3 workloads ticked"
    message = OutboxMessage.objects.get()
    assert message.task_name == RENDER_TASK
    assert message.kwargs == {"report_id": report.pk}
    event = AuditEvent.objects.get(action="consolidated_report.requested")
    assert event.actor == lead.user and event.data["workloads"] == 3


def test_the_dashboard_filters_pick_the_workloads(lead, workloads, client_for):
    Workload.objects.filter(pk=workloads[0].pk).update(environment="PREPRODUCTION")
    with_high = [w.pk for w in Workload.objects.filter(team=lead.team, high_count__gt=0)]
    assert 0 < len(with_high) < len(workloads)
    client = client_for(lead.user)
    page = client.get(_new(risk="high", sort="-high", team=lead.team_id)).content.decode()
    for workload in workloads:
        assert (f'value="{workload.pk}"' in page) == (workload.pk in with_high)

    client.post(_new(), {"team": lead.team_id, "mode": "filters", "risk": "high"})
    report = ConsolidatedReport.objects.get()
    assert report.workload_ids == sorted(with_high)
    assert report.selection == "Every workload matching the filters: with high risks"

    client.post(_new(), {"team": lead.team_id, "mode": "filters", "environment": "PREPRODUCTION"})
    assert ConsolidatedReport.objects.order_by("pk").last().workload_ids == [workloads[0].pk]


def test_workloads_ticked_on_the_dashboard_arrive_ticked(lead, workloads, client_for):
    page = client_for(lead.user).get(_new(workload=workloads[1].pk)).content.decode()
    assert f'value="{workloads[1].pk}" id="w-{workloads[1].pk}" checked' in page
    assert f'value="{workloads[2].pk}" id="w-{workloads[2].pk}">' in page


def test_the_dashboard_offers_ticks_and_its_filters(lead, workloads, client_for):
    html = client_for(lead.user).get(reverse("reviews:dashboard") + "?risk=high").content.decode()
    assert (
        html.count('form="consolidated-pick"') == Workload.objects.filter(high_count__gt=0).count()
    )
    assert '<input type="hidden" name="risk" value="high">' in html
    link = reverse("reviews:consolidated_new") + "?risk=high&amp;sort=-high&amp;mode=filters"
    assert link in html
    page = client_for(lead.user).get(link.replace("&amp;", "&")).content.decode()
    assert re.search(r'<input type="radio" name="mode" value="filters"[^>]* checked>', page)


@pytest.mark.parametrize(
    "case, message",
    [
        ("none", "Choose at least one workload"),
        ("other team", "1 of the chosen workloads are not active workloads of"),
        ("archived", "1 of the chosen workloads are not active workloads of"),
        ("too many", "A consolidated report covers at most 3 workloads; 4 were chosen"),
        ("not a number", "That is not a workload of this page"),
    ],
)
def test_a_bad_selection_gets_a_clear_message_and_changes_nothing(
    case, message, lead, workloads, client_for, settings
):
    settings.CONSOLIDATED_MAX_WORKLOADS = 3
    ids = [str(workloads[0].pk)]
    if case == "none":
        ids = []
    elif case == "other team":
        ids.append(str(factories.WorkloadFactory().pk))
    elif case == "archived":
        Workload.objects.filter(pk=workloads[1].pk).update(archived_at=timezone.now())
        ids.append(str(workloads[1].pk))
    elif case == "too many":
        ids = [str(w.pk) for w in workloads[:4]]
    elif case == "not a number":
        ids.append("1;DROP")
    before = _state()
    response = client_for(lead.user).post(
        _new(), {"team": lead.team_id, "mode": "ticked", "workload": ids}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert _state() == before


def test_a_request_for_workloads_whose_report_is_pending_returns_that_report(lead, workloads):
    from reviews.services.consolidated import consolidated_request

    ids = [w.pk for w in workloads]
    first = consolidated_request(team=lead.team, workload_ids=ids, selection="", user=lead.user)
    again = consolidated_request(
        team=lead.team, workload_ids=reversed(ids), selection="", user=lead.user
    )
    assert again.pk == first.pk
    assert ConsolidatedReport.objects.count() == 1


def test_past_the_team_rate_the_request_is_refused_with_429(lead, workloads, client_for, settings):
    settings.CONSOLIDATED_RATE_PER_TEAM = 1
    client = client_for(lead.user)
    client.post(_new(), {"team": lead.team_id, "mode": "ticked", "workload": [workloads[0].pk]})
    before = _state()
    response = client.post(
        _new(), {"team": lead.team_id, "mode": "ticked", "workload": [workloads[1].pk]}
    )
    assert response.status_code == 429
    assert "the most allowed" in response.content.decode()
    assert _state() == before


# --- who may -----------------------------------------------------------------------------------
def test_architects_of_the_team_are_refused_and_other_teams_see_nothing(
    lead, workloads, client_for
):
    report = ConsolidatedReport.objects.create(
        team=lead.team, workload_ids=[workloads[0].pk], status=Status.FAILED
    )
    architect = factories.MembershipFactory(team=lead.team, role="architect").user
    client = client_for(architect)
    assert client.get(_new()).status_code == 403
    assert client.get(reverse("reviews:consolidated_detail", args=[report.pk])).status_code == 403
    assert client.post(reverse("reviews:consolidated_retry", args=[report.pk])).status_code == 403
    before = _state()
    response = client.post(_new(), {"team": lead.team_id, "mode": "filters"})
    assert response.status_code == 403
    assert _state() == before

    other_lead = factories.MembershipFactory(role="lead").user
    listing = client_for(other_lead).get(reverse("reviews:consolidated_list")).content.decode()
    assert reverse("reviews:consolidated_detail", args=[report.pk]) not in listing
    # This team's id from another team's lead: not found; from its architect who leads another
    # team: refused. Nothing is written either way.
    factories.MembershipFactory(user=architect, role="lead")
    for user, status in ((other_lead, 404), (architect, 403)):
        for method in ("get", "post"):
            response = getattr(client_for(user), method)(
                _new(), {"team": lead.team_id, "mode": "filters", "workload": [workloads[0].pk]}
            )
            assert response.status_code == status, (user, method)
    assert _state() == before


def test_pages_run_a_fixed_number_of_queries(
    lead, workloads, client_for, django_assert_num_queries
):
    for _ in range(3):
        ConsolidatedReport.objects.create(team=lead.team, workload_ids=[workloads[0].pk])
    report = ConsolidatedReport.objects.first()
    client = client_for(lead.user)
    client.get(reverse("reviews:consolidated_list"))  # warm the session
    # session, user, reports of the teams the user leads (with team and requester)
    with django_assert_num_queries(3):
        page = client.get(reverse("reviews:consolidated_list"))
    assert page.content.decode().count('hx-trigger="every 2s"') == 3
    # session, user, the report with its team and the user's role
    with django_assert_num_queries(3):
        assert (
            client.get(reverse("reviews:consolidated_detail", args=[report.pk])).status_code == 200
        )
    with django_assert_num_queries(3):
        client.get(reverse("reviews:consolidated_status", args=[report.pk]), HTTP_HX_REQUEST="true")
    # session, user, teams the user leads, the matching workloads
    with django_assert_num_queries(4):
        assert client.get(_new(risk="high")).status_code == 200


# --- the data and the render ---------------------------------------------------------------------
def test_the_data_is_each_workloads_scoring_and_the_csv_has_its_rows(lead, workloads):
    data = consolidated_data.consolidated_data(
        team=lead.team, workload_ids=[w.pk for w in workloads]
    )
    assert_matches_scoring(data, workloads)
    rows = list(consolidated_data.csv_rows(data))
    assert len(rows) == data["summary"]["questions"]


def assert_matches_scoring(data: dict, workloads: list[Workload]) -> None:
    """Every workload, lens, pillar and question of ``data`` as the loader scores it alone."""
    assert sorted(w["id"] for w in data["workloads"]) == sorted(w.pk for w in workloads)
    names = [w["name"] for w in data["workloads"]]
    assert names == sorted(names, key=str.lower)
    for entry in data["workloads"]:
        workload = Workload.objects.get(pk=entry["id"])
        review = loader.review_for_workload(workload)
        assert entry["counts"] == dict(review.counts) == workload.counts
        assert entry["score"] == review.score == workload.score
        assert len(entry["lenses"]) == len(review.lenses)
        for lens, scored in zip(entry["lenses"], review.lenses, strict=True):
            result = scored.result
            assert lens["lens_review_id"] == scored.lens_review.pk
            assert lens["counts"] == dict(result.counts) == scored.lens_review.counts
            assert lens["score"] == result.score
            assert [p["id"] for p in lens["pillars"]] == [p.ref for p in result.pillars]
            questions = [q for p in lens["pillars"] for q in p["questions"]]
            assert [(q["id"], q["risk"]) for q in questions] == [
                (q.ref, q.risk) for q in result.questions
            ]
            assert [q["best_practices"] for q in questions] == [
                [
                    {"id": p.ref, "title": p.title, "status": p.status, "risk": p.risk}
                    for p in q.practices
                ]
                for q in result.questions
            ]


def _failing_storage(settings):
    blocker = settings.MEDIA_ROOT.parent / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"


def test_a_failed_render_records_its_reason_and_a_retry_renders_it(
    lead, workloads, client_for, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_MAX_ATTEMPTS = 1
    good_media = settings.MEDIA_ROOT
    report = ConsolidatedReport.objects.create(
        team=lead.team, workload_ids=[w.pk for w in workloads]
    )
    _failing_storage(settings)
    assert consolidated_worker.consolidated_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == Status.FAILED and report.error == ERROR_UNAVAILABLE
    client = client_for(lead.user)
    status = client.get(reverse("reviews:consolidated_status", args=[report.pk])).content.decode()
    assert ERROR_UNAVAILABLE in status
    assert reverse("reviews:consolidated_retry", args=[report.pk]) in status

    settings.MEDIA_ROOT = good_media
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("reviews:consolidated_retry", args=[report.pk]), HTTP_HX_REQUEST="true"
        )
    assert 'hx-trigger="every 2s"' in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.attempts, report.error) == (Status.QUEUED, 0, "")
    assert OutboxMessage.objects.filter(task_name=RENDER_TASK).count() == 1
    assert AuditEvent.objects.filter(action="consolidated_report.retried").count() == 1

    rendered = consolidated_worker.consolidated_render(report_id=report.pk)
    assert rendered is not None and rendered.status == Status.READY
    for fmt in ("pdf", "json", "csv"):
        download = client.get(reverse(f"reviews:consolidated_{fmt}", args=[report.pk]))
        assert download.status_code == 200
        body = b"".join(download.streaming_content)
        if fmt == "json":
            assert json.loads(body)["summary"]["workloads"] == len(workloads)
    assert AuditEvent.objects.filter(action="consolidated_report.downloaded").count() == 3
    # Running the task again for a ready report does nothing.
    assert consolidated_worker.consolidated_render(report_id=report.pk) is None


def test_the_sweep_requeues_a_stuck_report_and_fails_one_out_of_attempts(
    lead, workloads, settings, django_capture_on_commit_callbacks
):
    from reviews.tasks import sweep_reports

    past = timezone.now() - dt.timedelta(minutes=1)
    stuck = ConsolidatedReport.objects.create(
        team=lead.team,
        workload_ids=[workloads[0].pk],
        status=Status.RENDERING,
        attempts=1,
        lease_expires_at=past,
    )
    spent = ConsolidatedReport.objects.create(
        team=lead.team,
        workload_ids=[workloads[1].pk],
        status=Status.RENDERING,
        attempts=settings.REPORT_MAX_ATTEMPTS,
        lease_expires_at=past,
    )
    with django_capture_on_commit_callbacks(execute=False):
        sweep_reports()  # the beat task: workload reports, then consolidated ones
    stuck.refresh_from_db()
    spent.refresh_from_db()
    assert stuck.status == Status.QUEUED and stuck.lease_expires_at is None
    assert list(OutboxMessage.objects.values_list("task_name", "kwargs")) == [
        (RENDER_TASK, {"report_id": stuck.pk})
    ]
    assert spent.status == Status.FAILED
    assert spent.error == ERROR_ABANDONED.format(attempts=settings.REPORT_MAX_ATTEMPTS)
    # The re-queued one renders (attempt 2).
    rendered = consolidated_worker.consolidated_render(report_id=stuck.pk)
    assert rendered is not None and rendered.status == Status.READY and rendered.attempts == 2


def test_the_pdf_has_the_overview_top_risks_and_overdue_items(lead, workloads):
    review = selectors.active_lens_reviews(workloads[0])[0]
    question = review.lens_version.pillars.first().questions.first()
    ImprovementItem.objects.create(
        lens_review=review,
        workload=workloads[0],
        pillar_ref="x",
        question_ref=question.ref,
        practice_ref="p",
        question=question,
        practice_title="Rotate the keys",
        risk=Risk.HIGH,
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    report = ConsolidatedReport.objects.create(
        team=lead.team, workload_ids=[w.pk for w in workloads], selection="6 workloads ticked"
    )
    files = consolidated_worker.consolidated_files(report)
    text = pdf_text(files["pdf"])
    data = json.loads(files["json"])
    assert "Overview" in text and f"Across {len(workloads)} workloads" in text
    assert lead.team.name in text and "6 workloads ticked" in text
    for workload in workloads:
        assert workload.name in text
    assert "Most frequent risks" in text
    assert data["top_risks"] and data["top_risks"][0]["practice"] in text
    assert "Rotate the keys" in text and "3 days overdue" in text
    assert [i["practice"] for i in data["overdue_items"]] == ["Rotate the keys"]


def test_retention_removes_the_files_of_old_consolidated_reports_beyond_the_teams_last_n(
    lead, workloads, settings, media_root, client_for
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from reviews.tasks import expire_reports

    settings.REPORT_KEEP_LAST = 1
    settings.REPORT_KEEP_DAYS = 30

    def ready(team, days_old: int) -> ConsolidatedReport:
        report = ConsolidatedReport.objects.create(team=team, workload_ids=[1], status=Status.READY)
        names = {
            f"{kind}_file": default_storage.save(
                f"consolidated/{team.pk}/consolidated-{report.pk}.{kind}", ContentFile(b"x")
            )
            for kind in ("pdf", "json", "csv")
        }
        created = timezone.now() - dt.timedelta(days=days_old)
        ConsolidatedReport.objects.filter(pk=report.pk).update(created_at=created, **names)
        report.refresh_from_db()
        return report

    old, newer = ready(lead.team, 60), ready(lead.team, 40)
    other_team = ready(factories.TeamFactory(), 90)  # its team's last one: kept

    expire_reports()  # the beat task

    old.refresh_from_db()
    assert old.status == Status.EXPIRED and not old.pdf_file and not old.csv_file
    assert not list((media_root / f"consolidated/{lead.team_id}").glob(f"consolidated-{old.pk}.*"))
    for kept in (newer, other_team):
        kept.refresh_from_db()
        assert kept.status == Status.READY and default_storage.exists(kept.json_file.name)
    pdf_url = reverse("reviews:consolidated_pdf", args=[old.pk])
    assert client_for(lead.user).get(pdf_url).status_code == 404
