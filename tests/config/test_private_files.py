"""Everything archreview writes is owner-only (folders 0700, files 0600), whatever the umask.

Both modes run with a permissive umask (000: the default would give everyone read access):
a report rendered through the real worker code on PostgreSQL, and `make run`'s local mode in a
subprocess (SQLite with its WAL and SHM files, the filesystem broker's folders and message
files, celery beat's schedule, a stored report) exactly as its processes write them.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.private import private_dir, private_file
from reviews.models import Report
from reviews.services import report_worker
from tests.reviews.reports_data import answered_rel_workload

PERMISSIVE_UMASK = 0o000


@pytest.fixture
def permissive_umask():
    previous = os.umask(PERMISSIVE_UMASK)
    yield
    os.umask(previous)


def modes_under(root: Path) -> dict[str, str]:
    """Every folder and file under ``root`` (itself included) with its permission bits."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def not_private(root: Path) -> dict[str, str]:
    wrong = {}
    for name, mode in modes_under(root).items():
        path = root / name
        expected = "0o700" if path.is_dir() else "0o600"
        if mode != expected:
            wrong[name] = mode
    return wrong


@pytest.mark.django_db
def test_a_rendered_report_is_owner_only(settings, tmp_path, rel_bank, permissive_umask):
    settings.MEDIA_ROOT = tmp_path / "media"
    workload = answered_rel_workload(rel_bank)
    report = Report.objects.create(workload=workload)

    rendered = report_worker.report_render(report_id=report.pk)

    assert rendered.status == Report.Status.READY
    assert Path(rendered.file.path).is_file()
    assert not_private(settings.MEDIA_ROOT) == {}


def test_private_helpers_create_and_tighten(tmp_path, permissive_umask):
    folder = private_dir(tmp_path / "a" / "b")
    assert not_private(tmp_path / "a") == {}
    loose = tmp_path / "loose"
    loose.write_text("kept")
    os.chmod(loose, 0o666)  # noqa: S103 - the loose mode being fixed
    private_file(loose)
    assert oct(stat.S_IMODE(loose.stat().st_mode)) == "0o600"
    assert loose.read_text() == "kept"  # tightened, never truncated
    os.chmod(folder, 0o777)  # noqa: S103 - the loose mode being fixed
    private_dir(folder)
    assert oct(stat.S_IMODE(folder.stat().st_mode)) == "0o700"


# Run in local mode: writes what web and worker processes write, then reports every mode under
# var/ while the database connection is still open (SQLite removes -wal and -shm on close).
LOCAL_WRITER = """
import json, stat
import django
django.setup()
from celery.beat import PersistentScheduler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from config.celery import app
get_user_model().objects.create(username="someone")  # a write: the WAL and SHM files
app.send_task("config.tasks.worker_heartbeat")  # a message file in the broker folder
default_storage.save("reports/1/report-1.pdf", ContentFile(b"%PDF-1.7 not really"))
beat = PersistentScheduler(app=app, schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"))
beat.setup_schedule()
beat.sync()
beat.close()
root = settings.VAR_DIR
modes = {str(p.relative_to(root)): [p.is_dir(), stat.S_IMODE(p.lstat().st_mode)]
         for p in [root, *root.rglob("*")]}
print(json.dumps(modes))
"""


def test_local_mode_writes_everything_owner_only(tmp_path):
    var = tmp_path / "var"  # does not exist yet: settings create it
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "ARCHREVIEW_TESTING", "MEDIA_ROOT"}
    }
    env.update(ARCHREVIEW_VAR_DIR=str(var), SECRET_KEY="private-files-test", PYTHONUNBUFFERED="1")

    def run(*args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            preexec_fn=lambda: os.umask(PERMISSIVE_UMASK),
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("manage.py", "migrate", "--noinput", "-v", "0")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    while_open = json.loads(run("-c", LOCAL_WRITER).strip().splitlines()[-1])

    wrong = {
        name: oct(mode)
        for name, (is_dir, mode) in while_open.items()
        if mode != (0o700 if is_dir else 0o600)
    }
    assert wrong == {}
    written = set(while_open)
    assert "archreview.sqlite3" in written
    assert "archreview.sqlite3-wal" in written
    assert "archreview.sqlite3-shm" in written
    assert any(name.startswith("broker/out/") for name in written), written
    assert "media/reports/1/report-1.pdf" in written
    assert any(name.startswith("celerybeat-schedule") for name in written), written
    assert not_private(var) == {}  # and still so once every process has finished


def test_static_files_collected_as_the_image_does_are_readable_by_everyone(tmp_path):
    """The Dockerfile collects static files as root for the archreview user: they must not
    get the private modes (nor local mode's umask)."""
    static_root = tmp_path / "static"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ARCHREVIEW_TESTING", "DEBUG", "ARCHREVIEW_VAR_DIR"}
    }
    env.update(  # the Dockerfile's collectstatic line
        SECRET_KEY="collectstatic-only",
        DATABASE_URL="postgres://build-only/unused",
        CELERY_BROKER_URL="redis://build-only:6379/0",
        STATIC_ROOT=str(static_root),
        ARCHREVIEW_VAR_DIR=str(tmp_path / "var"),
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    modes = modes_under(static_root)
    assert len(modes) > 20
    unreadable = {
        name: mode
        for name, mode in modes.items()
        if int(mode, 8) & 0o044 != 0o044
        or ((static_root / name).is_dir() and int(mode, 8) & 0o011 != 0o011)
    }
    assert unreadable == {}
    assert not (tmp_path / "var").exists()  # nothing of local mode's var/ at build time
