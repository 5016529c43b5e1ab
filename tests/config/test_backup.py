"""Backup and restore: a populated installation is backed up while a real worker runs, then
restored into a fresh database and media folder and compared item by item.

PostgreSQL (what production and the tests run) goes through ``pg_dump`` / ``pg_restore``;
the embedded SQLite default through SQLite's online backup API, in a subprocess in local mode.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import AuditEvent
from questions.models import Choice, LensVersion
from reviews.models import Answer, AnswerChange, Membership, Milestone, Report, Team, Workload
from reviews.services.milestones import milestone_create
from reviews.services.reports import report_request
from tests import factories
from tests.reviews.review_helpers import Q3, Q4, practices, save

# Every model compared, with the fields that may legitimately differ left out (none).
COMPARED = [Team, Membership, Workload, Answer, AnswerChange, Milestone, AuditEvent, LensVersion]
DUMP_SCRIPT = """
import json, django
django.setup()
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
out = {}
for label in %(labels)r:
    model = apps.get_model(label)
    out[label] = list(model.objects.order_by("pk").values())
out["reports"] = list(apps.get_model("reviews.Report").objects.order_by("pk").values())
out["users"] = list(apps.get_model("auth.User").objects.order_by("pk").values())
print(json.dumps(out, cls=DjangoJSONEncoder, sort_keys=True))
"""


def _rows(model) -> list[dict]:
    from django.core.serializers.json import DjangoJSONEncoder

    rows = list(model.objects.order_by("pk").values())
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder, sort_keys=True))


def _admin_url(name: str) -> str:
    conf = connection.settings_dict
    auth = conf.get("USER") or "postgres"
    if conf.get("PASSWORD"):
        auth += f":{conf['PASSWORD']}"
    port = conf.get("PORT") or 5432
    return f"postgres://{auth}@{conf.get('HOST') or '127.0.0.1'}:{port}/{name}"


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database beside the test database (dropped afterwards)."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(_admin_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _admin_url(name)
    with psycopg.connect(_admin_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    env.update(SECRET_KEY="backup-test", DJANGO_SETTINGS_MODULE="config.settings", **extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _populate(rel_bank, worker) -> tuple[list[Report], Report]:
    team = factories.TeamFactory(name="Payments")
    architect = factories.MembershipFactory(team=team, role="architect").user
    ready = []
    for name in ("Checkout", "Ledger"):
        workload = factories.WorkloadFactory(team=team, name=name, lens_version=rel_bank)
        save(workload, Q3, architect, selected=practices(workload, Q3)[:1], notes="first")
        save(workload, Q3, architect, selected=practices(workload, Q3)[:2], notes="second")
        save(workload, Q4, architect, is_applicable=False, reason="BUSINESS_PRIORITIES")
        milestone = milestone_create(workload=workload, name="Baseline", user=architect)
        save(workload, Q4, architect, selected=practices(workload, Q4)[:1])
        ready.append(report_request(workload=workload, user=architect))
        ready.append(report_request(workload=workload, milestone=milestone, user=architect))
    for report in ready:
        worker.wait_until(
            lambda r=report: Report.objects.get(pk=r.pk).status == Report.Status.READY,
            timeout=120,
        )
    # One more, so the worker is busy while the backup runs.
    busy = report_request(workload=Workload.objects.get(name="Checkout"), user=architect)
    return ready, busy


@pytest.mark.worker
def test_a_running_installation_is_backed_up_and_restored_item_by_item(
    worker_factory, rel_bank, settings, tmp_path, empty_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    worker = worker_factory().start()
    ready, busy = _populate(rel_bank, worker)
    assert AnswerChange.objects.count() >= 8 and AuditEvent.objects.count() >= 6

    folder = tmp_path / "backup"
    call_command("backup", str(folder))  # while the worker runs (and renders ``busy``)
    expected = {model._meta.label: _rows(model) for model in COMPARED}
    expected_reports = {r.pk: r for r in Report.objects.filter(pk__in=[r.pk for r in ready])}
    worker.wait_until(lambda: Report.objects.get(pk=busy.pk).status == Report.Status.READY)

    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / "database.dump").stat().st_mode & 0o777) == "0o600"

    restored_media = tmp_path / "restored-media"
    env = _env(DATABASE_URL=empty_database, MEDIA_ROOT=str(restored_media))
    restore = _manage(env, "restore", str(folder))
    assert restore.returncode == 0, restore.stderr
    assert "Restored the postgresql database and 4 file(s)" in restore.stdout

    labels = [model._meta.label for model in COMPARED]
    dumped = _manage(env, "shell", "-v", "0", "-c", DUMP_SCRIPT % {"labels": labels})
    assert dumped.returncode == 0, dumped.stderr
    restored = json.loads(dumped.stdout)
    for label in labels:
        assert restored[label] == expected[label], f"{label} differs after the restore"
    assert len(restored["reviews.Answer"]) == 4 and len(restored["reviews.Milestone"]) == 2
    assert any(e["action"] == "report.requested" for e in restored["accounts.AuditEvent"])
    restored_reports = {row["id"]: row for row in restored["reports"]}
    for pk, report in expected_reports.items():
        row = restored_reports[pk]
        assert (row["status"], row["checksum"], row["file"]) == (
            "ready",
            report.checksum,
            report.file.name,
        )
        assert _sha(restored_media / report.file.name) == report.checksum
        assert oct((restored_media / report.file.name).stat().st_mode & 0o777) == "0o600"
    # The report the worker was rendering during the backup is in it, not yet ready: the sweep
    # of the restored installation re-queues it.
    assert restored_reports[busy.pk]["status"] in ("queued", "rendering")
    assert Choice.objects.count() > 0  # the bank came back with the rest (compared via versions)

    # Restoring again is refused: the database is no longer empty.
    again = _manage(env, "restore", str(folder))
    assert again.returncode != 0
    assert "the database is not empty" in again.stderr


def test_a_backup_refuses_a_folder_that_is_not_empty(db, tmp_path):
    (tmp_path / "old").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup", str(tmp_path))


def test_the_embedded_sqlite_installation_is_backed_up_online_and_restored(tmp_path):
    """Local mode (`make run`): SQLite's online backup while another connection writes."""
    var = tmp_path / "var"
    env = _env(ARCHREVIEW_VAR_DIR=str(var))
    env.pop("CELERY_BROKER_URL", None)
    assert _manage(env, "migrate", "--noinput", "-v", "0").returncode == 0
    writer = subprocess.Popen(  # noqa: S603 - keeps writing during the backup
        [
            sys.executable,
            "-c",
            "import django, time\ndjango.setup()\n"
            "from django.contrib.auth import get_user_model\n"
            "from django.core.files.base import ContentFile\n"
            "from django.core.files.storage import default_storage\n"
            "default_storage.save('reports/1/report-1.pdf', ContentFile(b'%PDF-1.7 x'))\n"
            "for i in range(300):\n"
            "    get_user_model().objects.create(username=f'user-{i}')\n"
            "print('done', flush=True)\n",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        backup = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and writer.poll() is None:
            if (var / "media" / "reports" / "1" / "report-1.pdf").exists():  # writing now
                backup = _manage(env, "backup", str(tmp_path / "backup"))
                break
            time.sleep(0.05)
        assert backup is not None and backup.returncode == 0, backup and backup.stderr
    finally:
        assert writer.wait(timeout=120) == 0

    restored_env = _env(ARCHREVIEW_VAR_DIR=str(tmp_path / "fresh"))
    restored_env.pop("CELERY_BROKER_URL", None)
    restore = _manage(restored_env, "restore", str(tmp_path / "backup"))
    assert restore.returncode == 0, restore.stderr
    count = _manage(
        restored_env,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.contrib.auth import get_user_model; print(get_user_model().objects.count())",
    )
    # A consistent snapshot: every user committed before the copy, none half-written.
    assert 0 <= int(count.stdout.strip()) <= 300
    copied = tmp_path / "fresh" / "media" / "reports" / "1" / "report-1.pdf"
    assert copied.read_bytes() == b"%PDF-1.7 x"
